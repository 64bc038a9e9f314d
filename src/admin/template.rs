//! Copying a tenant: an exported tenant with new ids and domains, so each test or lab student
//! gets a tenant of its own with predictable names and ids.

use std::collections::HashMap;

use serde_json::Value;

use crate::builtin;
use crate::error::{GraphError, Result};

/// The label a copy's domains start with: lowercase letters, digits and hyphens.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Replaces every occurrence of `from` (ASCII case-insensitive) in `text` with `to`.
fn replace_ignore_case(text: &str, from: &str, to: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let needle = from.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in lower.match_indices(&needle) {
        out.push_str(&text[last..at]);
        out.push_str(to);
        last = at + needle.len();
    }
    out.push_str(&text[last..]);
    out
}

/// The copy of an exported tenant (`{"id", "domains", "users", …}`) named `name`: the tenant id
/// (given, or derived from the template and name), every object id and application id derived
/// from the new tenant id (or taken from `id_map`), and each domain `d` renamed: the
/// `*.onmicrosoft.com` one to `{name}.onmicrosoft.com`, the others to `{name}.{d}`.
pub fn copy(
    exported: &Value,
    name: &str,
    id: Option<&str>,
    display_name: Option<&str>,
    id_map: &HashMap<String, String>,
) -> Result<Value> {
    if !valid_name(name) {
        return Err(GraphError::request_bad_request(
            "'name' must be 1-40 lowercase letters, digits or hyphens.",
        ));
    }
    let old_tenant = exported["id"].as_str().unwrap_or_default().to_owned();
    let new_tenant = match id {
        Some(id) => uuid::Uuid::parse_str(id)
            .map_err(|_| GraphError::request_bad_request("'id' must be a GUID."))?
            .to_string(),
        None => builtin::derived_id(&old_tenant, name),
    };
    let mut ids: Vec<(String, String)> = vec![(old_tenant.clone(), new_tenant.clone())];
    let mut add = |old: &str| {
        if !old.is_empty() && !ids.iter().any(|(o, _)| o == old) {
            let new = id_map
                .get(old)
                .cloned()
                .unwrap_or_else(|| builtin::derived_id(&new_tenant, old));
            ids.push((old.to_owned(), new));
        }
    };
    for list in ["users", "groups"] {
        for object in exported[list].as_array().into_iter().flatten() {
            add(object["id"].as_str().unwrap_or_default());
        }
    }
    for app in exported["applications"].as_array().into_iter().flatten() {
        add(app["id"].as_str().unwrap_or_default());
        add(app["appId"].as_str().unwrap_or_default());
        add(app["applicationObjectId"].as_str().unwrap_or_default());
    }
    for (old, new) in id_map {
        if uuid::Uuid::parse_str(new).is_err() {
            return Err(GraphError::request_bad_request(format!(
                "idMap value '{new}' for '{old}' is not a GUID."
            )));
        }
    }
    let mut text = exported.to_string();
    for (old, new) in &ids {
        text = replace_ignore_case(&text, old, new);
    }
    // Longer domains first, so `contoso.com` never rewrites part of a longer name.
    let mut domains: Vec<String> = exported["domains"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    domains.sort_by_key(|d| std::cmp::Reverse(d.len()));
    for domain in &domains {
        let renamed = if domain.to_ascii_lowercase().ends_with(".onmicrosoft.com") {
            format!("{name}.onmicrosoft.com")
        } else {
            format!("{name}.{domain}")
        };
        text = replace_ignore_case(&text, domain, &renamed);
    }
    let mut copy: Value = serde_json::from_str(&text).map_err(GraphError::internal)?;
    let base = display_name.map(str::to_owned).unwrap_or_else(|| {
        format!(
            "{} ({name})",
            exported["displayName"].as_str().unwrap_or("Tenant")
        )
    });
    copy["displayName"] = Value::String(base);
    Ok(copy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_copy_renames_ids_and_domains_predictably() {
        let exported = json!({
            "id": "c0a70550-0000-4000-8000-000000000001",
            "displayName": "Contoso",
            "domains": ["contoso.onmicrosoft.com", "contoso.com"],
            "users": [{"id": "c0a70550-0000-4000-8000-000000000102", "userPrincipalName": "AdeleV@Contoso.onmicrosoft.com", "mail": "AdeleV@contoso.com"}],
            "groups": [], "applications": [], "oauth2PermissionGrants": [{"clientId": "14d82eec-204b-4c2f-b7e8-296a70dab67e"}]
        });
        let copy = copy(&exported, "student01", None, None, &HashMap::new()).expect("copy");
        let again = super::copy(&exported, "student01", None, None, &HashMap::new()).expect("copy");
        assert_eq!(copy, again, "derived ids are predictable");
        assert_ne!(copy["id"], exported["id"]);
        assert_eq!(
            copy["domains"],
            json!(["student01.onmicrosoft.com", "student01.contoso.com"])
        );
        assert_eq!(
            copy["users"][0]["userPrincipalName"],
            "AdeleV@student01.onmicrosoft.com"
        );
        assert_eq!(copy["users"][0]["mail"], "AdeleV@student01.contoso.com");
        assert_ne!(copy["users"][0]["id"], exported["users"][0]["id"]);
        assert_eq!(
            copy["oauth2PermissionGrants"][0]["clientId"], "14d82eec-204b-4c2f-b7e8-296a70dab67e",
            "first-party ids stay"
        );
        assert!(super::copy(&exported, "Bad Name", None, None, &HashMap::new()).is_err());
    }
}
