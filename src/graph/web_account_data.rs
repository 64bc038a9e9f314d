//! Storage and body checks of the beta profile's web accounts (served by
//! `graph::web_accounts`): the tenant's `settings.webAccounts` (user id → accounts) and the
//! writable webAccount properties (profile-post-webaccounts).

use serde_json::{Map, Value, json};

use crate::error::{GraphError, Result};
use crate::store::{self, tenants::TenantRow};

/// The tenant settings key holding the accounts added through Graph, by user id.
pub const SETTINGS_KEY: &str = "webAccounts";

/// `allowedAudiences` values (itemFacet).
const AUDIENCES: &[&str] = &[
    "me",
    "family",
    "contacts",
    "groupMembers",
    "organization",
    "federatedOrganizations",
    "everyone",
    "unknownFutureValue",
];

/// The properties a client may set (profile-post-webaccounts' request body table).
const WRITABLE: &[&str] = &[
    "allowedAudiences",
    "description",
    "inference",
    "service",
    "source",
    "statusMessage",
    "userId",
    "webUrl",
];

/// Read-only itemFacet properties a client may send back unchanged (ignored).
const READ_ONLY: &[&str] = &[
    "id",
    "createdDateTime",
    "createdBy",
    "lastModifiedDateTime",
    "lastModifiedBy",
];

pub fn stored(tenant: &TenantRow, user: &str) -> Vec<Value> {
    let settings: Value = serde_json::from_str(&tenant.settings).unwrap_or(Value::Null);
    settings
        .get(SETTINGS_KEY)
        .and_then(|all| all.get(user))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

pub async fn save(
    tx: &mut sqlx::SqliteConnection,
    tenant: &TenantRow,
    user: &str,
    accounts: Vec<Value>,
) -> Result<()> {
    let mut settings: Value = serde_json::from_str(&tenant.settings).unwrap_or_else(|_| json!({}));
    if !settings.is_object() {
        settings = json!({});
    }
    if !settings[SETTINGS_KEY].is_object() {
        settings[SETTINGS_KEY] = json!({});
    }
    if accounts.is_empty() {
        if let Some(all) = settings[SETTINGS_KEY].as_object_mut() {
            all.remove(user);
        }
    } else {
        settings[SETTINGS_KEY][user] = Value::Array(accounts);
    }
    if settings[SETTINGS_KEY]
        .as_object()
        .is_some_and(Map::is_empty)
        && let Some(map) = settings.as_object_mut()
    {
        map.remove(SETTINGS_KEY);
    }
    store::tenants::update_settings(tx, &tenant.id, &settings.to_string()).await?;
    Ok(())
}

/// Checks the writable properties of a create or update body; unknown properties → 400.
pub fn check_body(body: &Map<String, Value>) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for (key, value) in body {
        if key.starts_with("@odata.") || READ_ONLY.contains(&key.as_str()) {
            continue;
        }
        let Some(name) = WRITABLE.iter().find(|w| **w == key) else {
            return Err(GraphError::bad_request(format!(
                "Property '{key}' does not exist on type 'microsoft.graph.webAccount'."
            )));
        };
        let wrong = || {
            GraphError::bad_request(format!(
                "Invalid value for property '{name}' of type 'microsoft.graph.webAccount'."
            ))
        };
        match *name {
            "allowedAudiences" => {
                let audience = value.as_str().ok_or_else(wrong)?;
                let known = AUDIENCES
                    .iter()
                    .find(|a| a.eq_ignore_ascii_case(audience))
                    .ok_or_else(|| {
                        GraphError::bad_request(format!(
                            "The value '{audience}' is not a valid allowedAudiences value."
                        ))
                    })?;
                out.insert(key.clone(), json!(known));
                continue;
            }
            "service" => {
                let service = value.as_object().ok_or_else(wrong)?;
                for (k, v) in service {
                    if k.starts_with("@odata.") {
                        continue;
                    }
                    if (k != "name" && k != "webUrl") || !(v.is_string() || v.is_null()) {
                        return Err(wrong());
                    }
                }
            }
            "inference" | "source" => {
                if !(value.is_object() || value.is_null()) {
                    return Err(wrong());
                }
            }
            _ => {
                if !(value.is_string() || value.is_null()) {
                    return Err(wrong());
                }
            }
        }
        out.insert(key.clone(), value.clone());
    }
    Ok(out)
}

/// Checks a fixture's `settings.webAccounts`: per user id of the tenant an array of webAccount
/// objects (a unique string `id`, valid writable properties); other ids are ignored. Returns
/// `(field, message)` per error.
pub fn check_fixture(value: &Value, user_ids: &[&str]) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let Some(all) = value.as_object() else {
        errors.push((
            format!("settings.{SETTINGS_KEY}"),
            "must be an object".to_owned(),
        ));
        return errors;
    };
    for (user, accounts) in all {
        let field = format!("settings.{SETTINGS_KEY}.{user}");
        // Accounts of a user the tenant no longer holds (deleted, or a reset to empty that keeps
        // the settings) are never shown: ignored, not an error.
        if !user_ids.contains(&user.as_str()) {
            continue;
        }
        let Some(accounts) = accounts.as_array() else {
            errors.push((field, "must be an array of webAccount objects".to_owned()));
            continue;
        };
        let mut seen: Vec<&str> = Vec::new();
        for (index, account) in accounts.iter().enumerate() {
            let field = format!("{field}[{index}]");
            let Some(object) = account.as_object() else {
                errors.push((field, "must be a webAccount object".to_owned()));
                continue;
            };
            match object.get("id").and_then(Value::as_str) {
                Some(id) if !seen.contains(&id) => seen.push(id),
                Some(_) => errors.push((format!("{field}.id"), "is used twice".to_owned())),
                None => errors.push((format!("{field}.id"), "must be a string".to_owned())),
            }
            if let Err(err) = check_body(object) {
                errors.push((field, err.message.to_string()));
            }
        }
    }
    errors
}
