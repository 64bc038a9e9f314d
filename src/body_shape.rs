//! Why a JSON body does not have the shape a route reads, in plain words: the property (its
//! path, `passwordProfile.password`, `annotations[0].displayName`) and what it takes (`true or
//! false`, `a string`, `one of 'app', 'user'`). Serde's own wording ("invalid type: map,
//! expected …", "at line 1 column 9") never reaches a client, and neither does the value sent,
//! which may be a secret.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// What is wrong with one property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A value of the wrong type or out of range; what the property takes.
    Expected(&'static str),
    /// A required property is absent.
    Missing,
    /// A property this body may not carry.
    Unknown,
    /// A property given twice.
    Duplicate,
    /// A value outside a fixed list: the allowed values.
    OneOf(Vec<String>),
    /// A value the property's type refused for its own reasons.
    Invalid,
}

/// One property that does not fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The property's path from the body's root; empty for the body itself.
    pub property: String,
    pub problem: Problem,
}

/// Deserializes `value`, naming the property that does not fit.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Mismatch> {
    serde_path_to_error::deserialize(value).map_err(|err| mismatch(&err))
}

/// Like [`from_value`] with the property paths under `prefix` (a part of a body read on its
/// own, such as a user's `passwordProfile`).
pub fn from_value_at<T: DeserializeOwned>(value: Value, prefix: &str) -> Result<T, Mismatch> {
    from_value(value).map_err(|mut m| {
        m.property = if m.property.is_empty() {
            prefix.to_owned()
        } else if m.property.starts_with('[') {
            format!("{prefix}{}", m.property)
        } else {
            format!("{prefix}.{}", m.property)
        };
        m
    })
}

/// The mismatch a path-tracking deserialization failed with.
pub fn mismatch(err: &serde_path_to_error::Error<serde_json::Error>) -> Mismatch {
    let path = path_text(err.path());
    let (field, problem) = classify(&err.inner().to_string());
    // An unknown field's path already ends with it; a missing one's is its object's.
    let property = match field {
        Some(field) if path == field || path.ends_with(&format!(".{field}")) => path,
        Some(field) if path.is_empty() => field,
        Some(field) => format!("{path}.{field}"),
        None => path,
    };
    Mismatch { property, problem }
}

/// `a.b[0].c`; empty for the root (serde_path_to_error writes `.`).
pub fn path_text(path: &serde_path_to_error::Path) -> String {
    let text = path.to_string();
    if text == "." { String::new() } else { text }
}

impl Mismatch {
    /// What the property takes or lacks, as a sentence without a subject: "must be true or
    /// false", "is required".
    pub fn predicate(&self) -> String {
        match &self.problem {
            Problem::Expected(what) => format!("must be {what}"),
            Problem::Missing => "is required".to_owned(),
            Problem::Unknown => "is not a property this request takes".to_owned(),
            Problem::Duplicate => "is given more than once".to_owned(),
            Problem::OneOf(names) => format!(
                "must be one of {}",
                names
                    .iter()
                    .map(|n| format!("'{n}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Problem::Invalid => "has a value that is not valid".to_owned(),
        }
    }

    /// "property 'x' must be true or false" (or "the body must be an object").
    pub fn clause(&self) -> String {
        if self.property.is_empty() {
            format!("the body {}", self.predicate())
        } else {
            format!("property '{}' {}", self.property, self.predicate())
        }
    }

    /// Graph's invalid-property sentence for `resource`, followed by what was expected:
    /// "Invalid value specified for property 'accountEnabled' of resource 'User'. It must be
    /// true or false."
    pub fn graph_message(&self, resource: &str) -> String {
        if self.property.is_empty() {
            return format!(
                "Invalid request body for resource '{resource}': {}.",
                self.clause()
            );
        }
        format!(
            "Invalid value specified for property '{}' of resource '{resource}'. It {}.",
            self.property,
            self.predicate()
        )
    }
}

/// The field named in backticks (for missing, unknown and duplicate fields) and the problem,
/// read from a serde message (whose wording is serde's `de::Error` constructors').
fn classify(message: &str) -> (Option<String>, Problem) {
    let message = message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at]);
    let ticked = |rest: &str| rest.split('`').next().map(str::to_owned);
    if let Some(rest) = message.strip_prefix("missing field `") {
        return (ticked(rest), Problem::Missing);
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        return (ticked(rest), Problem::Unknown);
    }
    if let Some(rest) = message.strip_prefix("duplicate field `") {
        return (ticked(rest), Problem::Duplicate);
    }
    if message.starts_with("unknown variant `") {
        // "unknown variant `x`, expected one of `a`, `b`" (or "expected `a`"): the allowed
        // names are the ticked words after "expected".
        let allowed = message
            .split_once(", expected ")
            .map(|(_, list)| {
                list.split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        return (None, Problem::OneOf(allowed));
    }
    let expected = ["invalid type: ", "invalid value: ", "invalid length "]
        .iter()
        .any(|p| message.starts_with(p))
        .then(|| message.rsplit_once(", expected ").map(|(_, e)| e))
        .flatten();
    if let Some(expected) = expected {
        return (None, Problem::Expected(friendly(expected)));
    }
    if message.starts_with("UUID parsing failed") {
        return (None, Problem::Expected("a GUID"));
    }
    (None, Problem::Invalid)
}

/// A serde `expected …` phrase in the words of a JSON API.
fn friendly(expected: &str) -> &'static str {
    let e = expected.trim();
    match e {
        "a boolean" | "bool" => "true or false",
        "u8" => "a whole number from 0 to 255",
        "u16" => "a whole number from 0 to 65535",
        "u32" => "a whole number from 0 to 4294967295",
        "u64" | "u128" | "usize" => "a whole number of 0 or more",
        "i8" => "a whole number from -128 to 127",
        "i16" => "a whole number from -32768 to 32767",
        "i32" => "a whole number from -2147483648 to 2147483647",
        "i64" | "i128" | "isize" | "an integer" | "integer" => "a whole number",
        "f32" | "f64" | "a number" => "a number",
        _ if e.contains("UUID") || e.contains("uuid") => "a GUID",
        _ if e.contains("string") || e.contains("char") => "a string",
        _ if e.contains("sequence")
            || e.contains("array")
            || e.contains("tuple")
            || e.contains("vec") =>
        {
            "an array"
        }
        _ if e.contains("single key") => "an object with exactly one property",
        _ if e.starts_with("struct ") || e.contains("map") => "an object",
        _ if e.starts_with("enum ") || e.contains("variant") => "one of the allowed values",
        _ => "a value of another type",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        enabled: Option<bool>,
        count: Option<u16>,
        inner: Option<Inner>,
        items: Option<Vec<Inner>>,
        kind: Option<Kind>,
        id: Option<uuid::Uuid>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Inner {
        name: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    enum Kind {
        App,
        User,
    }

    fn fails(value: Value) -> Mismatch {
        from_value::<Sample>(value).expect_err("a mismatch")
    }

    #[test]
    fn properties_are_named_with_what_they_take() {
        let cases = [
            (
                json!({"enabled": "yes"}),
                "enabled",
                "must be true or false",
            ),
            (
                json!({"count": -1}),
                "count",
                "must be a whole number from 0 to 65535",
            ),
            (json!({"inner": 5}), "inner", "must be an object"),
            (
                json!({"inner": {"name": [1]}}),
                "inner.name",
                "must be a string",
            ),
            (json!({"inner": {}}), "inner.name", "is required"),
            (
                json!({"items": [{"name": "a"}, {"name": 5}]}),
                "items[1].name",
                "must be a string",
            ),
            (json!({"items": "x"}), "items", "must be an array"),
            (
                json!({"kind": "robot"}),
                "kind",
                "must be one of 'app', 'user'",
            ),
            (json!({"kind": {"a": 1, "b": 2}}), "kind", "must be"),
            (json!({"id": "not-a-guid"}), "id", "must be a GUID"),
            (
                json!({"colour": 1}),
                "colour",
                "is not a property this request takes",
            ),
        ];
        for (body, property, predicate) in cases {
            let m = fails(body.clone());
            assert_eq!(m.property, property, "{body}");
            assert!(
                m.predicate().starts_with(predicate),
                "{body}: {}",
                m.predicate()
            );
        }
        let m = from_value::<Sample>(json!("x")).expect_err("a string");
        assert_eq!(m.clause(), "the body must be an object");
        let m = from_value_at::<Inner>(json!({"name": 5}), "passwordProfile").expect_err("nested");
        assert_eq!(m.property, "passwordProfile.name");
    }

    #[test]
    fn messages_carry_neither_serde_wording_nor_the_value() {
        for body in [
            json!({"enabled": "hunter2"}),
            json!({"inner": {"name": {"hunter2": 1}}}),
            json!({"kind": "hunter2"}),
            json!({"id": "hunter2"}),
        ] {
            let text = fails(body).graph_message("Sample");
            for phrase in [
                "hunter2",
                "invalid type",
                "expected",
                "invalid value",
                "variant",
                "`",
            ] {
                assert!(!text.contains(phrase), "{text}");
            }
        }
    }
}
