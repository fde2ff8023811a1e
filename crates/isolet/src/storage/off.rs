//! Without the `storage` feature: the storage types exist, so the runtime's
//! code is the same either way, but none can be made (each holds a
//! [`Never`]): `RuntimeBuilder::build` refuses a storage directory, so no
//! worker ever has a [`StorageTarget`] or a session.

use std::time::Instant;

use super::{ObjectInfo, StorageTarget};
use crate::error::Result;
use crate::wire::Value;

/// A type with no values.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Never {}

/// Stands for the storage directory; never made.
pub(crate) struct Storage(Never);

impl Storage {
    pub fn target(&self, _worker: &str, _object: &str) -> Result<StorageTarget> {
        match self.0 {}
    }

    pub fn objects(&self, _worker: &str) -> Result<Vec<ObjectInfo>> {
        match self.0 {}
    }

    pub fn export(&self, _worker: &str, _object: &str) -> Result<Option<Vec<u8>>> {
        match self.0 {}
    }

    pub fn import(&self, _worker: &str, _object: &str, _bytes: &[u8]) -> Result<()> {
        match self.0 {}
    }

    pub fn delete(&self, _worker: &str, _object: &str) -> Result<bool> {
        match self.0 {}
    }
}

/// Stands for an instance's storage session; never made.
pub(crate) struct StorageSession(Never);

impl StorageSession {
    pub fn new(target: StorageTarget) -> Self {
        match target.never {}
    }

    pub async fn begin(&mut self, _deadline: Instant, _stop_sql_at: Instant) -> Result<(), String> {
        match self.0 {}
    }

    pub async fn finish(&mut self, _commit: bool) -> Result<(), String> {
        match self.0 {}
    }

    pub fn can_commit(&self) -> bool {
        match self.0 {}
    }

    pub fn needs_database(_method: &str) -> bool {
        false
    }

    pub fn call<'a>(
        &'a mut self,
        _method: &'a str,
        _args: Vec<Value>,
    ) -> crate::outbound::BoxFuture<'a, Result<Value, String>> {
        match self.0 {}
    }
}
