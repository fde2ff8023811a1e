//! RPC values and their wire encoding (the host charges guests for them with
//! [`Value::host_bytes`]; `isolet`'s `wire` module bounds wire text before
//! it is parsed).
//!
//! Arguments and results of RPC calls cross the host/guest boundary as
//! **tagged JSON**, a structured-clone-like encoding:
//!
//! | JS value | wire |
//! |---|---|
//! | `null`, booleans, strings, finite numbers (not `-0`) | the JSON value itself |
//! | arrays | JSON arrays of wire values |
//! | plain objects | JSON objects of wire values (functions are skipped) |
//! | a plain object that has its own `"$t"` key | `{"$t":"object","v":{...}}` |
//! | `undefined` | `{"$t":"undefined"}` |
//! | `NaN`, `Infinity`, `-Infinity`, `-0` | `{"$t":"number","v":"NaN"}` (etc.) |
//! | `BigInt` | `{"$t":"bigint","v":"12345678901234567890"}` |
//! | `Date` | `{"$t":"date","v":<ms since epoch, or null if invalid>}` |
//! | `Uint8Array` (and other views, as bytes) | `{"$t":"bytes","v":"<base64>"}` |
//! | `ArrayBuffer` | `{"$t":"arraybuffer","v":"<base64>"}` |
//! | `Map` | `{"$t":"map","v":[[k, v], ...]}` |
//! | `Set` | `{"$t":"set","v":[...]}` |
//! | `Error` (and subclasses) | `{"$t":"error","name":"TypeError","message":"..."}` |
//! | `RegExp` | `{"$t":"regexp","source":"a+","flags":"g"}` |
//! | an `RpcTarget`, a function or a stub, in a call to a loaded worker | `{"$t":"stub","v":<number>}` |
//!
//! Cyclic values, functions at the top level and symbols cannot be sent: the
//! call fails with a `DataCloneError`.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value as Json, json};

/// A value passed to or returned from an RPC method.
///
/// ```
/// use isolet_code::Value;
/// let v = Value::from(serde_json::json!({"a": [1, "x", null]}));
/// // Whole numbers travel as JSON integers.
/// assert_eq!(v.to_wire(), serde_json::json!({"a": [1, "x", null]}));
/// let big = Value::BigInt("18446744073709551616".into());
/// assert_eq!(Value::from_wire(big.to_wire()).unwrap(), big);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `undefined`
    Undefined,
    /// `null`
    Null,
    /// A boolean.
    Bool(bool),
    /// A number (including NaN, ±Infinity and -0).
    Number(f64),
    /// A BigInt, as decimal digits (optionally with a leading `-`).
    BigInt(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// A plain object.
    Object(BTreeMap<String, Value>),
    /// A `Date`: milliseconds since the epoch, `None` for an invalid date.
    Date(Option<f64>),
    /// A `Uint8Array` (or another typed-array view, as its bytes).
    Bytes(Vec<u8>),
    /// An `ArrayBuffer`.
    ArrayBuffer(Vec<u8>),
    /// A `Map`, in insertion order.
    Map(Vec<(Value, Value)>),
    /// A `Set`, in insertion order.
    Set(Vec<Value>),
    /// An `Error`: its class name and message.
    Error {
        /// E.g. `TypeError`.
        name: String,
        /// The message.
        message: String,
    },
    /// A `RegExp`.
    RegExp {
        /// The pattern.
        source: String,
        /// The flags, e.g. `gi`.
        flags: String,
    },
    /// An object passed by reference (an `RpcTarget`, a function, a stub):
    /// calls on it go back to the worker that passed it, while the call
    /// that carried it lasts. Only a worker's calls to the workers it
    /// loaded carry these ([`Value::from_wire_with_stubs`]); the number is
    /// the host's.
    Stub(u64),
}

impl Value {
    /// The tagged-JSON wire form.
    ///
    /// ```
    /// use isolet_code::Value;
    /// use serde_json::json;
    /// assert_eq!(Value::Number(2.5).to_wire(), json!(2.5)); // plain JSON where it can be
    /// assert_eq!(Value::Number(-0.0).to_wire(), json!({"$t": "number", "v": "-0"}));
    /// assert_eq!(Value::Bytes(vec![1, 2, 3]).to_wire(), json!({"$t": "bytes", "v": "AQID"}));
    /// let tricky = Value::Object([("$t".to_string(), Value::from("x"))].into());
    /// assert_eq!(tricky.to_wire(), json!({"$t": "object", "v": {"$t": "x"}}));
    /// ```
    pub fn to_wire(&self) -> Json {
        let tagged = |t: &str, v: Json| json!({"$t": t, "v": v});
        match self {
            Value::Undefined => json!({"$t": "undefined"}),
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => {
                if n.is_nan() {
                    tagged("number", json!("NaN"))
                } else if n.is_infinite() {
                    tagged(
                        "number",
                        json!(if *n > 0.0 { "Infinity" } else { "-Infinity" }),
                    )
                } else if *n == 0.0 && n.is_sign_negative() {
                    tagged("number", json!("-0"))
                } else if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 {
                    // Whole numbers as integers: a Python receiver gets an
                    // int (JS sees no difference).
                    Json::from(*n as i64)
                } else {
                    serde_json::Number::from_f64(*n)
                        .map(Json::Number)
                        .unwrap_or(Json::Null)
                }
            }
            Value::BigInt(s) => tagged("bigint", json!(s)),
            Value::String(s) => Json::String(s.clone()),
            Value::Array(a) => Json::Array(a.iter().map(Value::to_wire).collect()),
            Value::Object(o) => {
                let map: Map<String, Json> =
                    o.iter().map(|(k, v)| (k.clone(), v.to_wire())).collect();
                if o.contains_key("$t") {
                    tagged("object", Json::Object(map))
                } else {
                    Json::Object(map)
                }
            }
            Value::Date(ms) => tagged("date", ms.map_or(Json::Null, |m| json!(m))),
            Value::Bytes(b) => tagged("bytes", json!(STANDARD.encode(b))),
            Value::ArrayBuffer(b) => tagged("arraybuffer", json!(STANDARD.encode(b))),
            Value::Map(entries) => tagged(
                "map",
                Json::Array(
                    entries
                        .iter()
                        .map(|(k, v)| json!([k.to_wire(), v.to_wire()]))
                        .collect(),
                ),
            ),
            Value::Set(items) => tagged(
                "set",
                Json::Array(items.iter().map(Value::to_wire).collect()),
            ),
            Value::Error { name, message } => {
                json!({"$t": "error", "name": name, "message": message})
            }
            Value::RegExp { source, flags } => {
                json!({"$t": "regexp", "source": source, "flags": flags})
            }
            Value::Stub(n) => tagged("stub", json!(n)),
        }
    }

    /// The tagged-JSON wire form, taking `self` apart (its strings and
    /// lists move into the JSON instead of being copied): what the host
    /// uses for values it hands on, so a value and its wire form are not
    /// both whole at once.
    ///
    /// ```
    /// use isolet_code::Value;
    /// let v = Value::Array(vec![Value::Undefined, "a".into()]);
    /// assert_eq!(v.clone().into_wire(), v.to_wire());
    /// assert_eq!(v.into_wire(), serde_json::json!([{"$t": "undefined"}, "a"]));
    /// ```
    pub fn into_wire(self) -> Json {
        let tagged = |t: &str, v: Json| json!({"$t": t, "v": v});
        match self {
            Value::String(s) => Json::String(s),
            Value::Array(a) => Json::Array(a.into_iter().map(Value::into_wire).collect()),
            Value::Object(o) => {
                let tag = o.contains_key("$t");
                let map: Map<String, Json> =
                    o.into_iter().map(|(k, v)| (k, v.into_wire())).collect();
                if tag {
                    tagged("object", Json::Object(map))
                } else {
                    Json::Object(map)
                }
            }
            Value::Map(entries) => tagged(
                "map",
                Json::Array(
                    entries
                        .into_iter()
                        .map(|(k, v)| Json::Array(vec![k.into_wire(), v.into_wire()]))
                        .collect(),
                ),
            ),
            Value::Set(items) => tagged(
                "set",
                Json::Array(items.into_iter().map(Value::into_wire).collect()),
            ),
            other => other.to_wire(),
        }
    }

    /// About how many bytes of host memory `self` takes: a node per value
    /// (and a key and map slot per object member) plus its strings and
    /// bytes. What the host charges for a value it holds for a guest (a
    /// binding's or storage's result) before it makes wire text of it.
    ///
    /// ```
    /// use isolet_code::Value;
    /// let small = Value::from("x");
    /// let big = Value::from("x".repeat(1000));
    /// assert_eq!(big.host_bytes() - small.host_bytes(), 999);
    /// ```
    pub fn host_bytes(&self) -> usize {
        let node = std::mem::size_of::<Value>();
        match self {
            Value::BigInt(s) | Value::String(s) => node.saturating_add(s.len()),
            Value::Bytes(b) | Value::ArrayBuffer(b) => node.saturating_add(b.len()),
            Value::Array(a) | Value::Set(a) => {
                a.iter().fold(node, |n, v| n.saturating_add(v.host_bytes()))
            }
            Value::Object(o) => o.iter().fold(node, |n, (k, v)| {
                n.saturating_add(k.len() + MEMBER_BYTES)
                    .saturating_add(v.host_bytes())
            }),
            Value::Map(m) => m.iter().fold(node, |n, (k, v)| {
                n.saturating_add(k.host_bytes())
                    .saturating_add(v.host_bytes())
            }),
            Value::Error { name, message } => node
                .saturating_add(name.len())
                .saturating_add(message.len()),
            Value::RegExp { source, flags } => node
                .saturating_add(source.len())
                .saturating_add(flags.len()),
            Value::Undefined
            | Value::Null
            | Value::Bool(_)
            | Value::Number(_)
            | Value::Date(_)
            | Value::Stub(_) => node,
        }
    }

    /// Parses the tagged-JSON wire form.
    ///
    /// ```
    /// use isolet_code::Value;
    /// let v = Value::from_wire(serde_json::json!({"$t": "set", "v": [1, {"$t": "undefined"}]})).unwrap();
    /// assert_eq!(v, Value::Set(vec![Value::Number(1.0), Value::Undefined]));
    /// assert!(Value::from_wire(serde_json::json!({"$t": "bogus"})).is_err());
    /// ```
    pub fn from_wire(w: Json) -> Result<Value, String> {
        Value::decode(w, false)
    }

    /// Parses the tagged-JSON wire form of a worker's call to a worker it
    /// loaded, where `{"$t":"stub","v":n}` stands for the caller's `n`th
    /// object passed by reference ([`Value::Stub`]). Nothing else may carry
    /// stubs: [`Value::from_wire`] refuses them.
    ///
    /// ```
    /// use isolet_code::Value;
    /// let w = serde_json::json!([{"$t": "stub", "v": 0}]);
    /// assert_eq!(Value::from_wire_with_stubs(w.clone()).unwrap(), Value::Array(vec![Value::Stub(0)]));
    /// assert!(Value::from_wire(w).is_err());
    /// ```
    pub fn from_wire_with_stubs(w: Json) -> Result<Value, String> {
        Value::decode(w, true)
    }

    /// Each stub in `self`, renumbered by `f` (depth first).
    ///
    /// ```
    /// use isolet_code::Value;
    /// let mut v = Value::Array(vec![Value::Stub(0), Value::from("x"), Value::Stub(1)]);
    /// v.map_stubs(&mut |n| n + 100);
    /// assert_eq!(v, Value::Array(vec![Value::Stub(100), Value::from("x"), Value::Stub(101)]));
    /// ```
    pub fn map_stubs(&mut self, f: &mut dyn FnMut(u64) -> u64) {
        match self {
            Value::Stub(n) => *n = f(*n),
            Value::Array(a) | Value::Set(a) => a.iter_mut().for_each(|v| v.map_stubs(f)),
            Value::Object(o) => o.values_mut().for_each(|v| v.map_stubs(f)),
            Value::Map(m) => m.iter_mut().for_each(|(k, v)| {
                k.map_stubs(f);
                v.map_stubs(f);
            }),
            _ => {}
        }
    }

    fn decode(w: Json, stubs: bool) -> Result<Value, String> {
        Ok(match w {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            Json::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            Json::String(s) => Value::String(s),
            Json::Array(a) => Value::Array(
                a.into_iter()
                    .map(|v| Value::decode(v, stubs))
                    .collect::<Result<_, _>>()?,
            ),
            Json::Object(mut o) => {
                let Some(tag) = o.remove("$t") else {
                    return Ok(Value::Object(
                        o.into_iter()
                            .map(|(k, v)| Ok((k, Value::decode(v, stubs)?)))
                            .collect::<Result<_, String>>()?,
                    ));
                };
                let tag = tag
                    .as_str()
                    .ok_or("wire tag \"$t\" must be a string")?
                    .to_string();
                let mut v = o.remove("v").unwrap_or(Json::Null);
                let text = |v: &Json, what: &str| -> Result<String, String> {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| format!("wire {what} needs a string"))
                };
                let list = |v: &mut Json| -> Result<Vec<Json>, String> {
                    match v.take() {
                        Json::Array(a) => Ok(a),
                        _ => Err(format!("wire {tag} needs an array")),
                    }
                };
                match tag.as_str() {
                    "undefined" => Value::Undefined,
                    "number" => Value::Number(match text(&v, "number")?.as_str() {
                        "NaN" => f64::NAN,
                        "Infinity" => f64::INFINITY,
                        "-Infinity" => f64::NEG_INFINITY,
                        "-0" => -0.0,
                        other => {
                            return Err(format!(
                                "wire number \"{other}\" is not NaN, ±Infinity or -0"
                            ));
                        }
                    }),
                    "bigint" => {
                        let s = text(&v, "bigint")?;
                        let digits = s.strip_prefix('-').unwrap_or(&s);
                        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                            return Err(format!("wire bigint \"{s}\" is not an integer"));
                        }
                        Value::BigInt(s)
                    }
                    "date" => Value::Date(v.as_f64()),
                    "bytes" | "arraybuffer" => {
                        let b = STANDARD
                            .decode(text(&v, &tag)?)
                            .map_err(|e| format!("wire {tag} is not base64: {e}"))?;
                        if tag == "bytes" {
                            Value::Bytes(b)
                        } else {
                            Value::ArrayBuffer(b)
                        }
                    }
                    "map" => Value::Map(
                        list(&mut v)?
                            .into_iter()
                            .map(|pair| match pair {
                                Json::Array(mut kv) if kv.len() == 2 => {
                                    let val = kv.pop().unwrap_or(Json::Null);
                                    let key = kv.pop().unwrap_or(Json::Null);
                                    Ok((Value::decode(key, stubs)?, Value::decode(val, stubs)?))
                                }
                                _ => Err("wire map entries must be [key, value] pairs".to_string()),
                            })
                            .collect::<Result<_, _>>()?,
                    ),
                    "set" => Value::Set(
                        list(&mut v)?
                            .into_iter()
                            .map(|v| Value::decode(v, stubs))
                            .collect::<Result<_, _>>()?,
                    ),
                    "error" => Value::Error {
                        name: o
                            .get("name")
                            .and_then(Json::as_str)
                            .unwrap_or("Error")
                            .to_string(),
                        message: o
                            .get("message")
                            .and_then(Json::as_str)
                            .unwrap_or("")
                            .to_string(),
                    },
                    "regexp" => Value::RegExp {
                        source: o
                            .get("source")
                            .and_then(Json::as_str)
                            .unwrap_or("")
                            .to_string(),
                        flags: o
                            .get("flags")
                            .and_then(Json::as_str)
                            .unwrap_or("")
                            .to_string(),
                    },
                    // A plain object with its own "$t" key: entries decoded one by one.
                    "object" => match v {
                        Json::Object(m) => Value::Object(
                            m.into_iter()
                                .map(|(k, v)| Ok((k, Value::decode(v, stubs)?)))
                                .collect::<Result<_, String>>()?,
                        ),
                        _ => return Err("wire object needs an object".into()),
                    },
                    "stub" if stubs => match v.as_u64() {
                        Some(n) => Value::Stub(n),
                        None => return Err("wire stub needs a number".into()),
                    },
                    "stub" => {
                        return Err("a stub (an RpcTarget, a function) cannot be passed here: only a worker's calls to the workers it loaded carry them".into());
                    }
                    other => return Err(format!("unknown wire type \"{other}\"")),
                }
            }
        })
    }

    /// The value as plain JSON, if it is one (no undefined, BigInt, Map, ...).
    ///
    /// ```
    /// let v = isolet_code::Value::from(serde_json::json!({"n": 1}));
    /// assert_eq!(v.as_json(), Some(serde_json::json!({"n": 1.0})));
    /// assert_eq!(isolet_code::Value::Undefined.as_json(), None);
    /// ```
    pub fn as_json(&self) -> Option<Json> {
        Some(match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => Json::Number(serde_json::Number::from_f64(*n)?),
            Value::String(s) => Json::String(s.clone()),
            Value::Array(a) => Json::Array(a.iter().map(Value::as_json).collect::<Option<_>>()?),
            Value::Object(o) => Json::Object(
                o.iter()
                    .map(|(k, v)| Some((k.clone(), v.as_json()?)))
                    .collect::<Option<_>>()?,
            ),
            _ => return None,
        })
    }
}

/// What the host reckons an object member costs besides its key's bytes
/// and its value (the key's `String` and its map slot).
///
/// ```
/// use isolet_code::{Value, wire::MEMBER_BYTES};
/// let empty = Value::Object(Default::default());
/// let one = Value::Object([("k".to_string(), Value::Null)].into());
/// assert_eq!(one.host_bytes() - empty.host_bytes(), 1 + MEMBER_BYTES + std::mem::size_of::<Value>());
/// ```
pub const MEMBER_BYTES: usize = 64;

impl From<Json> for Value {
    /// Plain JSON, taken literally (a `"$t"` key is just a key).
    fn from(j: Json) -> Self {
        match j {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            Json::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            Json::String(s) => Value::String(s),
            Json::Array(a) => Value::Array(a.into_iter().map(Value::from).collect()),
            Json::Object(o) => {
                Value::Object(o.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

macro_rules! from_number {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Self {
                Value::Number(n as f64)
            }
        }
    )*};
}
from_number!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by tests/all/fuzz.rs: without serde_json's exact float parsing a
    /// number could come back from the guest one ULP off.
    #[test]
    fn numbers_cross_the_wire_text_exactly() {
        for x in [
            -2138906192738946.5,
            0.1 + 0.2,
            5e-324,
            1.7976931348623157e308,
            -1.0 / 3.0,
        ] {
            let text = Value::Number(x).to_wire().to_string();
            let back = Value::from_wire(serde_json::from_str(&text).unwrap()).unwrap();
            assert_eq!(back, Value::Number(x), "{text}");
        }
    }

    #[test]
    fn every_kind_round_trips() {
        let mut obj = BTreeMap::new();
        obj.insert("$t".to_string(), Value::from("not a tag"));
        obj.insert("n".to_string(), Value::Number(-0.0));
        let v = Value::Array(vec![
            Value::Undefined,
            Value::Null,
            Value::Bool(true),
            Value::Number(f64::INFINITY),
            Value::Number(f64::NEG_INFINITY),
            Value::Number(1.5),
            Value::BigInt("-42".into()),
            Value::String("s".into()),
            Value::Object(obj),
            Value::Date(Some(1e12)),
            Value::Date(None),
            Value::Bytes(vec![0, 255]),
            Value::ArrayBuffer(vec![1]),
            Value::Map(vec![(Value::from(1), Value::from("one"))]),
            Value::Set(vec![Value::from("a")]),
            Value::Error {
                name: "TypeError".into(),
                message: "m".into(),
            },
            Value::RegExp {
                source: "a+".into(),
                flags: "g".into(),
            },
        ]);
        let back = Value::from_wire(v.to_wire()).unwrap();
        assert_eq!(back, v);
        let Value::Array(items) = Value::from_wire(Value::Number(f64::NAN).to_wire())
            .map(|n| Value::Array(vec![n]))
            .unwrap()
        else {
            unreachable!()
        };
        assert!(matches!(items[0], Value::Number(n) if n.is_nan()));
        let Value::Array(items) = back else {
            unreachable!()
        };
        assert!(
            matches!(items[8], Value::Object(ref o) if matches!(o["n"], Value::Number(z) if z == 0.0 && z.is_sign_negative()))
        );
    }

    #[test]
    fn into_wire_is_to_wire() {
        let mut obj = BTreeMap::new();
        obj.insert("$t".to_string(), Value::from("not a tag"));
        obj.insert("b".to_string(), Value::Bytes(vec![1, 2, 3]));
        let v = Value::Array(vec![
            Value::Object(obj),
            Value::Map(vec![(Value::from("k"), Value::Set(vec![Value::Undefined]))]),
            Value::Number(-0.0),
            Value::String("s".into()),
        ]);
        assert_eq!(v.clone().into_wire(), v.to_wire());
        assert!(v.host_bytes() > 4 * std::mem::size_of::<Value>());
    }

    #[test]
    fn malformed_wire_is_an_error() {
        for bad in [
            json!({"$t": "number", "v": "7"}),
            json!({"$t": "bigint", "v": "1.5"}),
            json!({"$t": "bytes", "v": "***"}),
            json!({"$t": "map", "v": [[1]]}),
            json!({"$t": 3}),
        ] {
            assert!(Value::from_wire(bad.clone()).is_err(), "{bad}");
        }
    }
}
