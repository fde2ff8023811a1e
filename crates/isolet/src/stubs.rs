//! Objects a worker passes by reference to a worker it loaded: the
//! `RpcTarget`s, functions and stubs (`ctx.exports.X`, `env.SERVICE`) in the
//! arguments of a parent's RPC call to a child, as workerd passes them.
//!
//! The parent's guest numbers what it passes (`{"$t":"stub","v":n}`, its
//! `n`th object of that call) and keeps the objects; the host gives each a
//! token of its own (never reused in the process) and hands the child the
//! tokens, with a [`StubLink`] in the child's invocation that maps each
//! token back. A child's call on a stub (`context.call-stub`) goes over the
//! link to the parent's pending call, which hands it to the parent's guest
//! as the call's next step (`loader.call` and `loader.resume` answer a
//! callback instead of the result): the parent runs the method on its
//! object, in its own instance, and resumes the call with the answer. So a
//! child reaches only what its call was given, and only while that call
//! lasts: a token kept past its call (or made up) is in no link.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};

use crate::outbound::BoxFuture;
use crate::wire::Value;

/// Most objects one call may pass by reference.
pub(crate) const MAX_STUBS_PER_CALL: usize = 256;

/// Most calls with objects passed by reference one invocation may have
/// waiting at once (each holds a child's instance while its guest runs the
/// object's method).
pub(crate) const MAX_PENDING_CALLS: usize = 4;

/// Most calls a child's invocation may make on the objects it was passed.
pub(crate) const MAX_STUB_CALLS: u32 = 1000;

/// Longest method name a child may call on a passed object.
pub(crate) const MAX_STUB_METHOD_BYTES: usize = 256;

/// The message for a stub whose call ended (or that never was one).
pub(crate) const STUB_GONE: &str = "this stub is no longer valid: an object passed by reference can be called only while the call that passed it lasts";

/// Tokens of stubs, never reused in the process.
static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

/// A child's call on a stub, on its way to the parent.
pub(crate) struct StubCall {
    /// The parent's number for the object (its place in the call's list).
    pub object: u32,
    /// The method (`""`: call the object itself, a function).
    pub method: String,
    pub args: Vec<Value>,
    /// Where the parent's answer goes.
    pub reply: oneshot::Sender<Result<Value, String>>,
}

/// A link, and the receiving end of the calls that come over it.
pub(crate) type Linked = (Arc<StubLink>, mpsc::Receiver<StubCall>);

/// What a child's invocation may call back: its tokens, each standing for
/// one object of the parent, and the way to the parent's pending call.
pub(crate) struct StubLink {
    tokens: HashMap<u64, u32>,
    calls: mpsc::Sender<StubCall>,
}

impl StubLink {
    /// Gives each stub in `args` (the parent's numbers) a fresh token, and
    /// the link that maps them back with the receiving end of its calls;
    /// `Ok(None)` when `args` pass nothing by reference.
    pub fn make(args: &mut [Value]) -> Result<Option<Linked>, String> {
        let mut tokens = HashMap::new();
        let mut bad = None;
        for arg in args.iter_mut() {
            arg.map_stubs(&mut |object| {
                let Ok(object) = u32::try_from(object) else {
                    bad = Some(object);
                    return 0;
                };
                let token = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
                tokens.insert(token, object);
                token
            });
        }
        if let Some(n) = bad {
            return Err(format!("bad stub number {n}"));
        }
        if tokens.len() > MAX_STUBS_PER_CALL {
            return Err(format!(
                "a call may pass at most {MAX_STUBS_PER_CALL} objects by reference (this one passes {})",
                tokens.len()
            ));
        }
        if tokens.is_empty() {
            return Ok(None);
        }
        // The child waits for each answer before it can call again.
        let (calls, receiver) = mpsc::channel(1);
        Ok(Some((Arc::new(StubLink { tokens, calls }), receiver)))
    }

    /// Calls `method` of the object `token` stands for, in the parent, and
    /// waits for its answer.
    pub async fn call(
        &self,
        token: u64,
        method: String,
        args: Vec<Value>,
    ) -> Result<Value, String> {
        let Some(&object) = self.tokens.get(&token) else {
            return Err(STUB_GONE.to_string());
        };
        let (reply, answer) = oneshot::channel();
        let call = StubCall {
            object,
            method,
            args,
            reply,
        };
        if self.calls.send(call).await.is_err() {
            return Err(STUB_GONE.to_string());
        }
        answer.await.unwrap_or_else(|_| Err(STUB_GONE.to_string()))
    }
}

/// A parent's call to a child that passed objects by reference, between
/// two of its steps: the call itself, the child's calls on the objects, and
/// where the answer to the one the parent's guest is running goes.
pub(crate) struct PendingCall {
    pub call: BoxFuture<'static, Result<Value, String>>,
    pub stub_calls: mpsc::Receiver<StubCall>,
    pub reply: Option<oneshot::Sender<Result<Value, String>>>,
    /// Host memory charged to the parent until the call ends.
    pub held: usize,
    /// What the call is, for errors (`evaluate()`).
    pub what: String,
}

/// What a pending call did next.
pub(crate) enum Next {
    /// It ended.
    Done(Result<Value, String>),
    /// The child called one of the objects.
    Stub(StubCall),
}

impl PendingCall {
    /// Runs the call until it ends or the child calls one of the objects.
    pub async fn next(&mut self) -> Next {
        tokio::select! {
            biased;
            result = &mut self.call => Next::Done(result),
            Some(call) = self.stub_calls.recv() => Next::Stub(call),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_link_reaches_only_its_own_objects() {
        let mut args = vec![
            Value::Stub(0),
            Value::Array(vec![Value::Stub(1), Value::from("x")]),
        ];
        let (link, mut calls) = StubLink::make(&mut args).unwrap().unwrap();
        let Value::Stub(first) = args[0] else {
            panic!("{args:?}")
        };
        let parent = tokio::spawn(async move {
            let call = calls.recv().await.unwrap();
            assert_eq!((call.object, call.method.as_str()), (0, "ping"));
            let _ = call.reply.send(Ok(Value::from("pong")));
        });
        assert_eq!(
            link.call(first, "ping".into(), vec![]).await,
            Ok(Value::from("pong"))
        );
        parent.await.unwrap();
        // A token from no link, and one whose parent is gone.
        assert_eq!(
            link.call(first + 1000, "ping".into(), vec![]).await,
            Err(STUB_GONE.to_string())
        );
        assert_eq!(
            link.call(first, "ping".into(), vec![]).await,
            Err(STUB_GONE.to_string())
        );
        let mut plain = vec![Value::from(1)];
        assert!(StubLink::make(&mut plain).unwrap().is_none());
        let mut many = vec![Value::Array(vec![Value::Stub(0); MAX_STUBS_PER_CALL + 1])];
        assert!(StubLink::make(&mut many).is_err());
    }
}
