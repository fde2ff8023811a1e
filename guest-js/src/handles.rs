//! Engine-side state a JS object holds by number (a compression codec, a
//! streaming decoder, a running digest): one table per kind, in a
//! thread-local, handles from 1 up (0 is never a handle).

use std::collections::HashMap;

pub struct Handles<T> {
    next: u32,
    map: HashMap<u32, T>,
}

impl<T> Default for Handles<T> {
    fn default() -> Self {
        Handles {
            next: 0,
            map: HashMap::new(),
        }
    }
}

impl<T> Handles<T> {
    /// Keeps `value`; its handle.
    pub fn insert(&mut self, value: T) -> u32 {
        self.next = self.next.wrapping_add(1).max(1);
        self.map.insert(self.next, value);
        self.next
    }

    pub fn get_mut(&mut self, handle: u32) -> Option<&mut T> {
        self.map.get_mut(&handle)
    }

    /// Keeps `value` under a handle it had before (taken out with `remove`).
    pub fn put(&mut self, handle: u32, value: T) {
        self.map.insert(handle, value);
    }

    pub fn remove(&mut self, handle: u32) -> Option<T> {
        self.map.remove(&handle)
    }
}
