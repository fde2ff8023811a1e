//! Where a worker's traces go: its tail consumers, each another worker's
//! `tail(events)` handler.

use serde::{Deserialize, Serialize};

/// A tail consumer in `WorkerCode::tails`: a worker (by id) whose
/// `tail(events)` handler receives each of the traced worker's invocation
/// traces, as a Cloudflare tail worker does. In JSON it is the worker's id
/// (`"logger"`), or an object naming an entrypoint and the `ctx.props` it
/// sees (`{"worker": "logger", "entrypoint": "Audit", "props": {...}}`),
/// which is what a parent's `tails: [ctx.exports.Audit({ props })]` gives
/// a child it loads.
///
/// ```
/// use isolet_code::TailConsumer;
/// let plain: TailConsumer = serde_json::from_str(r#""logger""#).unwrap();
/// assert_eq!(plain, TailConsumer::from("logger"));
/// assert_eq!(serde_json::to_string(&plain).unwrap(), r#""logger""#);
/// let full: TailConsumer =
///     serde_json::from_str(r#"{"worker": "logger", "entrypoint": "Audit", "props": {"tenant": "a"}}"#).unwrap();
/// assert_eq!(full.entrypoint.as_deref(), Some("Audit"));
/// assert_eq!(full.props.unwrap()["tenant"], "a");
/// assert!(serde_json::from_str::<TailConsumer>(r#"{"worker": "x", "other": 1}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailConsumer {
    /// The consumer's worker id.
    pub worker: String,
    /// Its entrypoint whose `tail` method runs (`None`: the default export).
    pub entrypoint: Option<String>,
    /// What that entrypoint sees as `ctx.props` (`None`: `{}`).
    pub props: Option<serde_json::Map<String, serde_json::Value>>,
}

impl TailConsumer {
    /// The default entrypoint of worker `id`, with no props.
    ///
    /// ```
    /// let t = isolet_code::TailConsumer::worker("logger");
    /// assert_eq!((t.worker.as_str(), t.entrypoint, t.props), ("logger", None, None));
    /// ```
    pub fn worker(id: impl Into<String>) -> TailConsumer {
        TailConsumer {
            worker: id.into(),
            entrypoint: None,
            props: None,
        }
    }
}

impl From<&str> for TailConsumer {
    fn from(id: &str) -> TailConsumer {
        TailConsumer::worker(id)
    }
}

impl From<String> for TailConsumer {
    fn from(id: String) -> TailConsumer {
        TailConsumer::worker(id)
    }
}

/// The object form in JSON.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Full {
    worker: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    entrypoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    props: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "a worker id, or {\"worker\", \"entrypoint\", \"props\"}"
)]
enum Raw {
    Id(String),
    Full(Full),
}

impl Serialize for TailConsumer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.entrypoint.is_none() && self.props.is_none() {
            return s.serialize_str(&self.worker);
        }
        Full {
            worker: self.worker.clone(),
            entrypoint: self.entrypoint.clone(),
            props: self.props.clone(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for TailConsumer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TailConsumer, D::Error> {
        Ok(match Raw::deserialize(d)? {
            Raw::Id(worker) => TailConsumer::worker(worker),
            Raw::Full(f) => TailConsumer {
                worker: f.worker,
                entrypoint: f.entrypoint,
                props: f.props,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_both_forms() {
        for json in [
            r#""logger""#,
            r#"{"worker":"logger","entrypoint":"Audit"}"#,
            r#"{"worker":"logger","props":{"a":1}}"#,
        ] {
            let t: TailConsumer = serde_json::from_str(json).unwrap();
            assert_eq!(serde_json::to_string(&t).unwrap(), json);
        }
        assert!(serde_json::from_str::<TailConsumer>("12").is_err());
    }
}
