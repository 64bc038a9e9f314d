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

/// Replaces each GUID of `text` that `ids` names (by its lower-case form) with its new id, in
/// one pass: a replace over the whole text per id took 30 s for a 6,000-user template
/// (unoptimised), and a 100,000-user one would never have finished. Every id a copy renames
/// is a GUID (the fixture format checks them).
fn replace_guids(text: &str, ids: &HashMap<String, String>) -> String {
    const LEN: usize = 36;
    let bytes = text.as_bytes();
    let is_guid = |at: usize| {
        bytes[at..at + LEN].iter().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        })
    };
    let mut out = String::with_capacity(text.len());
    let (mut last, mut at) = (0, 0);
    while at + LEN <= bytes.len() {
        if bytes[at + 8] == b'-'
            && is_guid(at)
            && let Some(new) = ids.get(&text[at..at + LEN].to_ascii_lowercase())
        {
            out.push_str(&text[last..at]);
            out.push_str(new);
            at += LEN;
            last = at;
        } else {
            at += 1;
        }
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
    // By lower-case id; the first spelling met names the new id, as `id_map` spells it.
    let mut ids: HashMap<String, String> =
        HashMap::from([(old_tenant.to_ascii_lowercase(), new_tenant.clone())]);
    let mut add = |old: &str| {
        if !old.is_empty() {
            ids.entry(old.to_ascii_lowercase()).or_insert_with(|| {
                id_map
                    .get(old)
                    .cloned()
                    .unwrap_or_else(|| builtin::derived_id(&new_tenant, old))
            });
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
    let mut text = replace_guids(&exported.to_string(), &ids);
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

    /// Any spelling of a renamed GUID is replaced wherever it stands; other GUIDs and text
    /// are left as they were.
    #[test]
    fn guids_are_replaced_in_one_pass_in_any_case() {
        let old = "c0a70550-0000-4000-8000-000000000102";
        let new = "5d000000-0000-4000-8000-000000000102";
        let other = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
        let ids = HashMap::from([(old.to_owned(), new.to_owned())]);
        let text = format!(
            "{{\"id\":\"{}\",\"url\":\"/users/{old}/x\",\"k\":\"{other}\",\"t\":\"{old}\"}}-",
            old.to_uppercase()
        );
        assert_eq!(
            replace_guids(&text, &ids),
            format!(
                "{{\"id\":\"{new}\",\"url\":\"/users/{new}/x\",\"k\":\"{other}\",\"t\":\"{new}\"}}-"
            )
        );
        assert_eq!(replace_guids("short", &ids), "short");
        assert_eq!(replace_guids(&old[1..], &ids), &old[1..]);
    }
}
