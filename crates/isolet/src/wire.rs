//! What RPC values cost the host: the bound charged for wire text from a
//! guest before it is parsed. The values and their wire encoding are
//! `isolet_code::wire`.

use serde_json::Value as Json;

pub use isolet_code::wire::{MEMBER_BYTES, Value};

/// What the host reckons one value of wire text costs once parsed, besides
/// its strings' bytes: a `serde_json::Value` and a [`Value`] (both live
/// while `from_wire` turns one into the other) and an object member's key
/// and map slot.
pub(crate) const NODE_BYTES: usize =
    std::mem::size_of::<Json>() + std::mem::size_of::<Value>() + MEMBER_BYTES;

/// An upper bound on the host memory that parsing the wire text `text`
/// takes (`serde_json::from_str`, then [`Value::from_wire`]): its bytes
/// twice (strings, and base64 decoded beside its text) plus [`NODE_BYTES`]
/// per value, the values counted by one scan of the text's structure
/// outside strings. Text from a guest is charged this before it is
/// parsed: `[0,0,0,…]` takes 2 bytes of text a value and about 150 bytes
/// of host memory once parsed.
pub(crate) fn parse_cost(text: &str) -> usize {
    parsed_bytes(text).saturating_add(text.len())
}

/// About what the value parsed from the wire text `text` holds once
/// parsed (without the text and the JSON tree the parse goes through):
/// its bytes once plus [`NODE_BYTES`] per value (see [`parse_cost`]).
pub(crate) fn parsed_bytes(text: &str) -> usize {
    let mut nodes: usize = 1;
    let mut in_string = false;
    let mut escaped = false;
    for &b in text.as_bytes() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'[' | b'{' | b',' | b':' => nodes += 1,
                _ => {}
            }
        }
    }
    text.len().saturating_add(nodes.saturating_mul(NODE_BYTES))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_cost_counts_the_values_a_text_expands_to() {
        // 2 bytes of text a value: charged a node each, not 2 bytes.
        let zeros = format!("[{}0]", "0,".repeat(99_999));
        assert!(
            parse_cost(&zeros) >= 100_000 * NODE_BYTES,
            "{}",
            parse_cost(&zeros)
        );
        // Commas, brackets and colons inside strings are not values.
        let text = format!("[{:?}]", ",[{:".repeat(1000));
        assert!(parse_cost(&text) < text.len() * 2 + 3 * NODE_BYTES);
        // Escaped quotes do not end a string.
        let text = r#"["a\",b,c", 1]"#;
        assert_eq!(parse_cost(text), text.len() * 2 + 3 * NODE_BYTES);
        // The estimate covers what a parse really holds: both trees.
        let v = Value::from_wire(serde_json::from_str(&zeros).unwrap()).unwrap();
        assert!(parse_cost(&zeros) > v.host_bytes() + 100_000 * std::mem::size_of::<Json>());
    }
}
