//! Graph's real properties of the directory types tenantsim serves (user, group,
//! servicePrincipal, application, organization, directoryRole, directoryObject), from the
//! official Python SDKs' models (`known_properties/v1.0.txt` from msgraph-sdk 1.65.0 and
//! `beta.txt` from msgraph-beta-sdk 1.66.0, written by `tools/graph_properties.py`). Resource pages:
//! <https://learn.microsoft.com/graph/api/resources/user> and its siblings.
//!
//! It separates a property Graph has but tenantsim does not store (`$select` → `null`,
//! `$filter`/`$orderby` → 501) from one Graph does not have (Graph's 400), and checks the
//! property names of a POST/PATCH body ([`check_body`]). Consulted only when the per-resource
//! whitelist (`model.rs`) does not know a name, so the common path pays nothing.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{ErrorCode, GraphError};

use super::error::ODataError;

const V1: &str = include_str!("known_properties/v1.0.txt");
const BETA: &str = include_str!("known_properties/beta.txt");

/// What a catalogued name is on its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    /// A structural property (primitive or complex value).
    Property,
    /// A navigation property (relationship).
    Navigation,
}

/// The canonical spelling and kind of `name` on `type_name` (case-insensitive) in Graph's v1.0
/// or beta metadata, if it has it. Inherited members (`id`, `deletedDateTime`) are listed on
/// every type.
pub fn lookup(beta: bool, type_name: &str, name: &str) -> Option<(&'static str, Member)> {
    find(beta, type_name, name)
}

/// [`lookup`] in either version (where the caller does not know it).
pub fn lookup_any(type_name: &str, name: &str) -> Option<(&'static str, Member)> {
    find(false, type_name, name).or_else(|| find(true, type_name, name))
}

/// The catalog of one version, indexed once: by lowercase `type name`, then lowercase member
/// name. Scanning the 20 KB text per name was measurable on every POST and PATCH.
type Index = HashMap<String, HashMap<String, (&'static str, Member)>>;

fn index(beta: bool) -> &'static Index {
    static V1_INDEX: OnceLock<Index> = OnceLock::new();
    static BETA_INDEX: OnceLock<Index> = OnceLock::new();
    let (cell, known) = if beta {
        (&BETA_INDEX, BETA)
    } else {
        (&V1_INDEX, V1)
    };
    cell.get_or_init(|| {
        let mut index = Index::new();
        for line in known.lines() {
            let mut cells = line.split(' ');
            let (Some(ty), Some(prop), Some(kind)) = (cells.next(), cells.next(), cells.next())
            else {
                continue;
            };
            let member = if kind == "navigation" {
                Member::Navigation
            } else {
                Member::Property
            };
            // The first line for a name wins, as the scan it replaces did.
            index
                .entry(ty.to_ascii_lowercase())
                .or_default()
                .entry(prop.to_ascii_lowercase())
                .or_insert((prop, member));
        }
        index
    })
}

fn find(beta: bool, type_name: &str, name: &str) -> Option<(&'static str, Member)> {
    index(beta)
        .get(type_name.to_ascii_lowercase().as_str())?
        .get(name.to_ascii_lowercase().as_str())
        .copied()
}

/// Whether the catalog covers `type_name` at all (other types keep the whitelist's answers).
pub fn knows_type(type_name: &str) -> bool {
    index(false).contains_key(type_name.to_ascii_lowercase().as_str())
}

/// A structural property Graph has on the type but tenantsim does not store: selectable
/// (rendered `null`, as Graph renders an unset property).
pub fn unstored_property(beta: bool, type_name: &str, name: &str) -> Option<&'static str> {
    match lookup(beta, type_name, name) {
        Some((canonical, Member::Property)) => Some(canonical),
        _ => None,
    }
}

/// The error for a property the whitelist does not know in `$filter` (`clause` "filtering")
/// or `$orderby` ("sorting"): 501 when Graph has it, Graph's 400 when it does not. `beta`:
/// `None` where the parser does not know the version (`$filter`: either version's property).
pub fn missing_property(
    beta: Option<bool>,
    type_name: &str,
    name: &str,
    clause: &str,
) -> ODataError {
    let found = match beta {
        Some(beta) => lookup(beta, type_name, name),
        None => lookup_any(type_name, name),
    };
    match found {
        // Divergence: Graph filters and sorts on it (where its docs allow); tenantsim does not
        // store it, so it says so (README D23).
        Some((canonical, _)) => ODataError::not_emulated(format!(
            "tenantsim does not emulate {clause} on the property '{canonical}' of '{type_name}'."
        )),
        None => ODataError::unknown_property(name, type_name),
    }
}

/// The properties of a POST/PATCH body checked against Graph's type before a handler binds it
/// to `T` (its stored shape): a property Graph's type does not have → Graph's 400; a real Graph
/// property `T` does not store → 501 `NotImplemented` (never silently dropped). Instance and
/// property annotations (`@odata.type`, `members@odata.bind`) and `id` are the handler's.
pub fn check_body<T: DeserializeOwned>(
    type_name: &str,
    body: &Map<String, Value>,
) -> Result<(), GraphError> {
    for name in body.keys() {
        // Divergence (D46): JSON property names are case-sensitive in OData; a name that
        // differs from Graph's spelling only in case is refused like an unknown one (Graph's
        // answer to it is not captured). Binding is case-sensitive, so accepting the name here
        // would have reported a stored property as not stored (501).
        let found = lookup_any(type_name, name).filter(|(canonical, _)| *canonical == name);
        if let Some((_, Member::Navigation)) = found {
            return Err(inline_navigation(name, &body[name]));
        }
        if !name.contains('@') && name != "id" && found.is_none() {
            // [I] The OData text Graph answers for an unknown property in a PATCH of the
            // authorization policy (src/policy.rs); for users and groups it is not captured.
            return Err(GraphError::request_bad_request(format!(
                "The property '{name}' does not exist on type '{type_name}'. Make sure to only use property names that are defined by the type."
            )));
        }
    }
    let mut unbound = Vec::new();
    // Type errors are left to the handler's own reading, which names the property.
    let _ = serde_ignored::deserialize(Value::Object(body.clone()), |path| {
        if let serde_ignored::Path::Map {
            parent: serde_ignored::Path::Root,
            key,
        } = path
        {
            unbound.push(key);
        }
    })
    .map(|_: T| ());
    match unbound.into_iter().find(|k| !k.contains('@') && k != "id") {
        // Divergence: Graph stores every property of its type; tenantsim answers 501 for those
        // it does not keep rather than accept and drop them (README D23).
        Some(name) => Err(GraphError::new(
            ErrorCode::NotImplemented,
            format!(
                "tenantsim does not store the property '{}' of '{type_name}'; it is not emulated in writes.",
                lookup_any(type_name, &name).map_or(name.as_str(), |(canonical, _)| canonical)
            ),
        )),
        None => Ok(()),
    }
}

/// A navigation property given inline in a POST/PATCH body (`"members": [...]` rather than
/// `"members@odata.bind"`): Graph's 400, never the 501 of an unstored property — Graph does not
/// store it either; a relationship is written with `@odata.bind` or `/$ref`.
fn inline_navigation(name: &str, value: &Value) -> GraphError {
    let entities = match value {
        Value::Array(items) => items.iter().all(Value::is_object),
        other => other.is_object(),
    };
    if entities {
        // Divergence (D51): the directory does not deep-insert related objects; Graph's text
        // for an inline entity is not captured, so tenantsim names the way that works.
        GraphError::request_bad_request(format!(
            "The navigation property '{name}' cannot be written inline; bind existing objects with '{name}@odata.bind'."
        ))
    } else {
        // [I] The OData reader's text for a value that is not an entity where one is expected
        // (Graph gives its 'EndOfInput' sibling for an empty body on `members/$ref`).
        GraphError::request_bad_request(
            "An unexpected 'PrimitiveValue' node was found when reading from the JSON reader. A 'StartObject' node was expected.",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_knows_graph_properties_and_not_inventions() {
        assert_eq!(
            lookup(false, "microsoft.graph.user", "EMPLOYEEHIREDATE"),
            Some(("employeeHireDate", Member::Property))
        );
        assert_eq!(
            lookup(false, "microsoft.graph.user", "manager"),
            Some(("manager", Member::Navigation))
        );
        assert_eq!(
            lookup(true, "microsoft.graph.user", "favouriteColour"),
            None
        );
        assert_eq!(
            lookup(true, "microsoft.graph.group", "id"),
            Some(("id", Member::Property))
        );
        for ty in [
            "microsoft.graph.user",
            "microsoft.graph.group",
            "microsoft.graph.servicePrincipal",
            "microsoft.graph.application",
            "microsoft.graph.organization",
            "microsoft.graph.directoryRole",
            "microsoft.graph.directoryObject",
        ] {
            assert!(knows_type(ty), "{ty}");
            assert!(lookup(false, ty, "deletedDateTime").is_some(), "{ty}");
            assert!(lookup(true, ty, "deletedDateTime").is_some(), "{ty}");
        }
        assert!(!knows_type("microsoft.graph.oAuth2PermissionGrant"));
    }

    #[test]
    fn a_body_is_checked_against_the_type_and_the_stored_shape() {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[allow(dead_code)]
        struct Stored {
            display_name: Option<String>,
        }
        let body = |text: &str| -> Map<String, Value> { serde_json::from_str(text).unwrap() };
        let ok = body(r#"{"displayName":"x","members@odata.bind":[],"id":"1"}"#);
        assert!(check_body::<Stored>("microsoft.graph.group", &ok).is_ok());
        // A user's property on a group: Graph's 400.
        let invented = body(r#"{"displayName":"x","employeeHireDate":null}"#);
        let err = check_body::<Stored>("microsoft.graph.group", &invented).unwrap_err();
        assert_eq!(err.code, ErrorCode::RequestBadRequest);
        // A group property tenantsim's shape does not keep: 501.
        let unstored = body(r#"{"displayName":"x","preferredDataLocation":"EUR"}"#);
        let err = check_body::<Stored>("microsoft.graph.group", &unstored).unwrap_err();
        assert_eq!(err.code, ErrorCode::NotImplemented);
        // A relationship inline (not bound): Graph's 400, whatever the value.
        for inline in [
            r#"{"members":["https://graph.microsoft.com/v1.0/users/1"]}"#,
            r#"{"members":[{"id":"1"}]}"#,
            r#"{"owners":"x"}"#,
        ] {
            let err = check_body::<Stored>("microsoft.graph.group", &body(inline)).unwrap_err();
            assert_eq!(err.code, ErrorCode::RequestBadRequest, "{inline}");
        }
        // Graph's names in another case, stored or not: 400, never a 5xx (the write-body fuzz
        // target found `accOuntEnabled` answered 501 "does not store 'accountEnabled'").
        for other_case in [
            r#"{"DisplayName":"x"}"#,
            r#"{"displayName":"x","PREFERREDDATALOCATION":"EUR"}"#,
        ] {
            let err = check_body::<Stored>("microsoft.graph.group", &body(other_case)).unwrap_err();
            assert_eq!(err.code, ErrorCode::RequestBadRequest, "{other_case}");
        }
    }
}
