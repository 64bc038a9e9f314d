//! Directory extension definitions (extensionProperty: `dataType`, `targetObjects`,
//! `isMultiValued`, the `extension_{appId without dashes}_{name}` naming rule), shared by the
//! Graph handlers (`graph::extension_properties`) and fixture loading. See
//! <https://learn.microsoft.com/graph/api/resources/extensionproperty> and
//! application-post-extensionproperty.

use serde_json::{Map, Value, json};

use crate::error::{GraphError, Result};

/// Graph's `dataType` values.
pub const DATA_TYPES: &[&str] = &[
    "Binary",
    "Boolean",
    "DateTime",
    "Integer",
    "LargeInteger",
    "String",
];
/// Graph's `targetObjects` values.
pub const TARGET_OBJECTS: &[&str] = &[
    "User",
    "Group",
    "AdministrativeUnit",
    "Application",
    "Device",
    "Organization",
];
/// The longest extension name tenantsim accepts, prefix included.
pub const MAX_NAME: usize = 120;

// Divergence: Graph's texts for a bad extension definition are not captured; tenantsim answers
// 400 `Request_BadRequest` in Graph's "Invalid value specified for property …" form.
pub fn invalid(property: &str) -> GraphError {
    GraphError::request_bad_request(format!(
        "Invalid value specified for property '{property}' of resource 'ExtensionProperty'."
    ))
}

/// The canonical spelling of `value` in `allowed` (any case).
fn canonical(allowed: &[&'static str], value: Option<&Value>) -> Option<&'static str> {
    let text = value?.as_str()?;
    allowed
        .iter()
        .copied()
        .find(|a| a.eq_ignore_ascii_case(text))
}

/// A checked definition: `dataType`, `isMultiValued`, `targetObjects` as Graph stores them,
/// and the short `name`. Also what fixtures are checked with.
pub fn check_definition(body: &Map<String, Value>) -> Result<(String, Map<String, Value>)> {
    for key in body.keys() {
        if !matches!(
            key.as_str(),
            "name" | "dataType" | "targetObjects" | "isMultiValued" | "@odata.type"
        ) {
            return Err(GraphError::request_bad_request(format!(
                "The property '{key}' does not exist on type 'microsoft.graph.extensionProperty'. Make sure to only use property names that are defined by the type."
            )));
        }
    }
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .ok_or_else(|| invalid("name"))?;
    let data_type =
        canonical(DATA_TYPES, body.get("dataType")).ok_or_else(|| invalid("dataType"))?;
    let targets = body
        .get("targetObjects")
        .and_then(Value::as_array)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid("targetObjects"))?;
    let mut target_objects: Vec<&str> = Vec::new();
    for target in targets {
        let target =
            canonical(TARGET_OBJECTS, Some(target)).ok_or_else(|| invalid("targetObjects"))?;
        if !target_objects.contains(&target) {
            target_objects.push(target);
        }
    }
    let multi = match body.get("isMultiValued") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("isMultiValued")),
    };
    let mut data = Map::new();
    data.insert("dataType".into(), json!(data_type));
    data.insert("isMultiValued".into(), json!(multi));
    data.insert("isSyncedFromOnPremises".into(), json!(false));
    data.insert("targetObjects".into(), json!(target_objects));
    Ok((name.to_owned(), data))
}

/// `extension_{appId without dashes}_{name}`.
pub fn full_name(app_id: &str, name: &str) -> String {
    format!(
        "extension_{}_{name}",
        app_id.replace('-', "").to_ascii_lowercase()
    )
}
