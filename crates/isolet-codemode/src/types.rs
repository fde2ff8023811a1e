//! JSON Schema → TypeScript types, for the declaration of a tool set that an
//! LLM reads in its prompt. Follows what `json-schema-to-typescript` and
//! Cloudflare's codemode print: objects with optional properties and JSDoc
//! from `description`, literal unions for `enum`/`const`, unions for
//! `anyOf`/`oneOf`, intersections for `allOf`, tuples, index signatures for
//! `additionalProperties`, local `$ref`s inlined (a recursive one is
//! `unknown`). Anything it cannot express is `unknown`, never an error.

use serde_json::Value;

/// How deep schemas (and `$ref` chains) are followed before `unknown`.
const MAX_DEPTH: usize = 24;

/// The TypeScript type of `schema`, indented for nesting at `indent` levels;
/// `root` is the schema `$ref`s point into.
pub(crate) fn ts_type(schema: &Value, root: &Value, indent: usize) -> String {
    Printer {
        root,
        refs: Vec::new(),
    }
    .ty(schema, indent, 0)
}

/// A JSDoc block (at `indent` levels) from a schema's description and the
/// facts a reader needs that the type does not say (format, default,
/// bounds); empty when there is nothing to say.
pub(crate) fn js_doc(schema: &Value, indent: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    if let Some(d) = schema.get("description").and_then(Value::as_str) {
        lines.extend(
            d.trim()
                .lines()
                .map(|l| l.trim_end().to_string())
                .filter(|l| !l.is_empty()),
        );
    }
    let mut facts = Vec::new();
    if let Some(f) = schema.get("format").and_then(Value::as_str) {
        facts.push(format!("format: {f}"));
    }
    for (key, word) in [
        ("minimum", "min"),
        ("maximum", "max"),
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minItems", "min items"),
        ("maxItems", "max items"),
        ("pattern", "pattern:"),
        ("default", "default:"),
    ] {
        if let Some(v) = schema.get(key) {
            facts.push(format!("{word} {}", compact(v)));
        }
    }
    // Facts go on the last line, in parentheses after a description: a
    // prompt pays for every line break and comment marker.
    if !facts.is_empty() {
        let facts = facts.join(", ");
        match lines.last_mut() {
            Some(last) => last.push_str(&format!(" ({facts})")),
            None => lines.push(facts),
        }
    }
    if lines.is_empty() {
        return String::new();
    }
    let pad = "  ".repeat(indent);
    // `*/` inside a comment would end it.
    let clean = |l: &str| l.replace("*/", "*\\/");
    if lines.len() == 1 {
        return format!("{pad}/** {} */\n", clean(&lines[0]));
    }
    let mut out = format!("{pad}/**\n");
    for l in &lines {
        out.push_str(&format!("{pad} * {}\n", clean(l)));
    }
    out.push_str(&format!("{pad} */\n"));
    out
}

fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 80 {
        format!(
            "{}...",
            &s[..s.char_indices().nth(77).map_or(s.len(), |(i, _)| i)]
        )
    } else {
        s
    }
}

/// Whether `name` can be written as a property name without quotes.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

fn property_name(name: &str) -> String {
    if is_identifier(name) {
        name.to_string()
    } else {
        Value::String(name.to_string()).to_string()
    }
}

struct Printer<'a> {
    root: &'a Value,
    /// The `$ref`s being expanded (a repeat is a recursive type).
    refs: Vec<String>,
}

impl<'a> Printer<'a> {
    fn ty(&mut self, schema: &Value, indent: usize, depth: usize) -> String {
        if depth > MAX_DEPTH {
            return "unknown".into();
        }
        let obj = match schema {
            Value::Bool(true) => return "unknown".into(),
            Value::Bool(false) => return "never".into(),
            Value::Object(o) => o,
            _ => return "unknown".into(),
        };
        let mut t = self.base(schema, indent, depth);
        if obj.get("nullable").and_then(Value::as_bool) == Some(true)
            && t != "unknown"
            && t != "null"
        {
            t = format!("{} | null", wrap_union(&t));
        }
        t
    }

    fn base(&mut self, schema: &Value, indent: usize, depth: usize) -> String {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            return self.reference(r, indent, depth);
        }
        if let Some(c) = schema.get("const") {
            return literal(c);
        }
        if let Some(Value::Array(values)) = schema.get("enum") {
            if values.is_empty() {
                return "never".into();
            }
            return values.iter().map(literal).collect::<Vec<_>>().join(" | ");
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(options)) = schema.get(key) {
                let parts: Vec<String> = options
                    .iter()
                    .map(|o| wrap_function(&self.ty(o, indent, depth + 1)))
                    .collect();
                return dedup_join(parts, " | ");
            }
        }
        if let Some(Value::Array(all)) = schema.get("allOf") {
            let parts: Vec<String> = all
                .iter()
                .map(|o| wrap_union(&self.ty(o, indent, depth + 1)))
                .filter(|t| t != "unknown")
                .collect();
            return if parts.is_empty() {
                "unknown".into()
            } else {
                dedup_join(parts, " & ")
            };
        }
        match schema.get("type") {
            Some(Value::String(t)) => self.of_type(t, schema, indent, depth),
            Some(Value::Array(types)) => {
                let parts: Vec<String> = types
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|t| wrap_function(&self.of_type(t, schema, indent, depth)))
                    .collect();
                if parts.is_empty() {
                    "unknown".into()
                } else {
                    dedup_join(parts, " | ")
                }
            }
            _ if schema.get("properties").is_some()
                || schema.get("additionalProperties").is_some() =>
            {
                self.object(schema, indent, depth)
            }
            _ if schema.get("items").is_some() || schema.get("prefixItems").is_some() => {
                self.array(schema, indent, depth)
            }
            _ => "unknown".into(),
        }
    }

    fn of_type(&mut self, t: &str, schema: &Value, indent: usize, depth: usize) -> String {
        match t {
            "string" => "string".into(),
            "number" | "integer" => "number".into(),
            "boolean" => "boolean".into(),
            "null" => "null".into(),
            "array" => self.array(schema, indent, depth),
            "object" => self.object(schema, indent, depth),
            _ => "unknown".into(),
        }
    }

    fn array(&mut self, schema: &Value, indent: usize, depth: usize) -> String {
        let tuple = match (schema.get("prefixItems"), schema.get("items")) {
            (Some(Value::Array(items)), _) => Some(items),
            (None, Some(Value::Array(items))) => Some(items),
            _ => None,
        };
        if let Some(items) = tuple {
            let parts: Vec<String> = items
                .iter()
                .map(|i| self.ty(i, indent, depth + 1))
                .collect();
            return format!("[{}]", parts.join(", "));
        }
        match schema.get("items") {
            Some(items) => {
                let t = self.ty(items, indent, depth + 1);
                if t.contains(' ') && !t.starts_with('{') {
                    format!("({t})[]")
                } else {
                    format!("{t}[]")
                }
            }
            None => "unknown[]".into(),
        }
    }

    fn object(&mut self, schema: &Value, indent: usize, depth: usize) -> String {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let properties = schema.get("properties").and_then(Value::as_object);
        let extra = match schema.get("additionalProperties") {
            Some(Value::Bool(false)) => None,
            Some(Value::Bool(true)) => Some("unknown".to_string()),
            Some(s @ Value::Object(_)) => Some(self.ty(s, indent + 1, depth + 1)),
            // Unsaid: an object with no properties is a record of anything;
            // one with properties lists them (extra keys go unmentioned).
            _ if properties.is_none_or(|p| p.is_empty()) => Some("unknown".to_string()),
            _ => None,
        };
        let Some(properties) = properties.filter(|p| !p.is_empty()) else {
            return match extra {
                Some(t) => format!("Record<string, {t}>"),
                None => "{}".into(),
            };
        };
        let pad = "  ".repeat(indent + 1);
        let mut out = String::from("{\n");
        for (name, prop) in properties {
            out.push_str(&js_doc(prop, indent + 1));
            let optional = if required.contains(&name.as_str()) {
                ""
            } else {
                "?"
            };
            let t = self.ty(prop, indent + 1, depth + 1);
            out.push_str(&format!("{pad}{}{optional}: {t};\n", property_name(name)));
        }
        if let Some(t) = extra {
            out.push_str(&format!("{pad}[key: string]: {t};\n"));
        }
        out.push_str(&"  ".repeat(indent));
        out.push('}');
        out
    }

    fn reference(&mut self, r: &str, indent: usize, depth: usize) -> String {
        if self.refs.iter().any(|seen| seen == r) {
            return "unknown".into();
        }
        let Some(pointer) = r.strip_prefix('#') else {
            return "unknown".into();
        };
        let Some(target) = self.root.pointer(pointer) else {
            return "unknown".into();
        };
        self.refs.push(r.to_string());
        let t = self.ty(target, indent, depth + 1);
        self.refs.pop();
        t
    }
}

fn literal(v: &Value) -> String {
    match v {
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => v.to_string(),
        _ => "unknown".into(),
    }
}

fn wrap_union(t: &str) -> String {
    if t.contains(" | ") && !t.starts_with('{') {
        format!("({t})")
    } else {
        t.to_string()
    }
}

fn wrap_function(t: &str) -> String {
    if t.contains(" => ") {
        format!("({t})")
    } else {
        t.to_string()
    }
}

fn dedup_join(parts: Vec<String>, sep: &str) -> String {
    let mut seen: Vec<String> = Vec::new();
    for p in parts {
        if !seen.contains(&p) {
            seen.push(p);
        }
    }
    seen.join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(schema: Value) -> String {
        ts_type(&schema, &schema, 0)
    }

    #[test]
    fn scalars_literals_and_unions() {
        assert_eq!(t(json!({"type": "string"})), "string");
        assert_eq!(t(json!({"type": "integer"})), "number");
        assert_eq!(t(json!({"type": ["string", "null"]})), "string | null");
        assert_eq!(t(json!({"enum": ["a", "b", 3]})), r#""a" | "b" | 3"#);
        assert_eq!(t(json!({"const": "x"})), r#""x""#);
        assert_eq!(
            t(json!({"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "string"}]})),
            "string | number"
        );
        assert_eq!(
            t(json!({"type": "string", "nullable": true})),
            "string | null"
        );
        assert_eq!(t(json!({})), "unknown");
        assert_eq!(t(json!(false)), "never");
    }

    #[test]
    fn objects_arrays_tuples_and_records() {
        let s = json!({
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name"},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
                "tags": {"type": "array", "items": {"enum": ["a", "b"]}},
                "point": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}]},
                "x-y": {"type": "object", "additionalProperties": {"type": "number"}}
            },
            "required": ["city"]
        });
        assert_eq!(
            t(s),
            "{\n  /** City name */\n  city: string;\n  /** min 1, max 7 */\n  days?: number;\n  point?: [number, number];\n  tags?: (\"a\" | \"b\")[];\n  \"x-y\"?: Record<string, number>;\n}"
        );
        assert_eq!(t(json!({"type": "object"})), "Record<string, unknown>");
        assert_eq!(t(json!({"type": "array"})), "unknown[]");
    }

    #[test]
    fn refs_are_inlined_and_recursion_ends_in_unknown() {
        let s = json!({
            "$defs": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}, "required": ["next"]}},
            "$ref": "#/$defs/Node"
        });
        assert_eq!(t(s), "{\n  next: unknown;\n}");
        assert_eq!(t(json!({"$ref": "https://elsewhere/x.json"})), "unknown");
        assert_eq!(t(json!({"$ref": "#/nope"})), "unknown");
    }

    #[test]
    fn comments_cannot_be_closed_by_a_description() {
        let doc = js_doc(&json!({"description": "evil */ code(); /*"}), 0);
        assert_eq!(doc, "/** evil *\\/ code(); /* */\n");
        assert_eq!(js_doc(&json!({"type": "string"}), 0), "");
    }
}
