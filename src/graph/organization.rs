//! The caller's organization: `GET /organization` (a collection of exactly one),
//! `GET /organization/{id}` (the id is the tenant id) and `PATCH /organization/{id}` of the
//! properties Graph documents as writable. `verifiedDomains` are the tenant's domains, the
//! initial `*.onmicrosoft.com` domain first. The writable properties (and a few informational
//! ones a fixture may set) live in the tenant settings under `organization`, so a reset, a
//! snapshot and an import carry them like every other setting.
//! See <https://learn.microsoft.com/graph/api/resources/organization>, organization-list,
//! organization-get and organization-update.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::auth::{Caller, CallerKind, permissions};
use crate::error::{GraphError, Result};
use crate::odata::model;
use crate::protocol::request::{GraphQuery, JsonObject};
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, tenants::TenantRow};

/// The properties organization-update lists; every other property is read-only.
pub const WRITABLE: &[&str] = &[
    "marketingNotificationEmails",
    "privacyProfile",
    "securityComplianceNotificationMails",
    "securityComplianceNotificationPhones",
    "technicalNotificationMails",
];

/// Read-only properties a fixture may give the organization (`settings.organization`).
pub const FIXTURE_ONLY: &[&str] = &[
    "createdDateTime",
    "businessPhones",
    "city",
    "country",
    "postalCode",
    "preferredLanguage",
    "state",
    "street",
];

/// Writable string collections that Graph documents as not nullable.
const NOT_NULLABLE: &[&str] = &["marketingNotificationEmails", "technicalNotificationMails"];

/// Properties a `User.Read` delegated caller sees; Graph returns the others as `null`
/// (organization-get: "able to read only the id, displayName, and verifiedDomains").
const BASIC: &[&str] = &["id", "displayName", "verifiedDomains"];

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
        .route("/organization", get(list_organization))
        .route(
            "/organization/{id}",
            get(get_organization).patch(update_organization),
        )
}

/// Checks one `settings.organization` (or PATCH body) property: `Err(message)` names what
/// the value must be. `fixture` admits the informational properties too.
pub fn check_property(name: &str, value: &Value, fixture: bool) -> std::result::Result<(), String> {
    let strings = |v: &Value| v.as_array().is_some_and(|a| a.iter().all(Value::is_string));
    match name {
        "privacyProfile" => match value {
            Value::Null => Ok(()),
            Value::Object(map) => {
                for (key, v) in map.iter().filter(|(k, _)| !k.starts_with('@')) {
                    if !["contactEmail", "statementUrl"].contains(&key.as_str()) {
                        return Err(format!(
                            "Property '{key}' does not exist as a declared property or extension property."
                        ));
                    }
                    if !(v.is_string() || v.is_null()) {
                        return Err(format!("Property 'privacyProfile.{key}' must be a string."));
                    }
                }
                Ok(())
            }
            _ => Err("Property 'privacyProfile' must be an object.".to_owned()),
        },
        "marketingNotificationEmails"
        | "securityComplianceNotificationMails"
        | "securityComplianceNotificationPhones"
        | "technicalNotificationMails" => {
            if value.is_null() && NOT_NULLABLE.contains(&name) {
                Err(format!("Property '{name}' cannot be null."))
            } else if value.is_null() || strings(value) {
                Ok(())
            } else {
                Err(format!(
                    "Property '{name}' must be a collection of strings."
                ))
            }
        }
        "businessPhones" if fixture => {
            if strings(value) {
                Ok(())
            } else {
                Err("must be an array of strings".to_owned())
            }
        }
        other if fixture && FIXTURE_ONLY.contains(&other) => {
            if value.is_string() || value.is_null() {
                Ok(())
            } else {
                Err("must be a string".to_owned())
            }
        }
        other => Err(format!(
            "Property '{other}' does not exist as a declared property or extension property."
        )),
    }
}

/// `body` without OData instance annotations (`@odata.type`), at its top level and in
/// `privacyProfile`.
fn without_annotations(body: Map<String, Value>) -> Map<String, Value> {
    body.into_iter()
        .filter(|(k, _)| !k.starts_with('@'))
        .map(|(k, v)| match v {
            Value::Object(inner) => (
                k,
                Value::Object(
                    inner
                        .into_iter()
                        .filter(|(k, _)| !k.starts_with('@'))
                        .collect(),
                ),
            ),
            other => (k, other),
        })
        .collect()
}

/// The organization's Graph JSON: Graph's full property set, unset values `null` or `[]`.
fn render(tenant: &TenantRow, domains: &[String], limited: bool) -> Map<String, Value> {
    let settings: Value = serde_json::from_str(&tenant.settings).unwrap_or(Value::Null);
    let stored = settings
        .get("organization")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let stored_or = |name: &str, default: Value| stored.get(name).cloned().unwrap_or(default);
    let verified: Vec<Value> = domains
        .iter()
        .enumerate()
        .map(|(at, name)| {
            // Inferred: a tenant whose admin never changed the default keeps the initial
            // domain as default; Graph lists both capabilities for managed domains.
            json!({
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": at == 0,
                "isInitial": at == 0,
                "name": name,
                "type": "Managed",
            })
        })
        .collect();
    let mut out = Map::new();
    let mut put = |name: &str, value: Value| {
        out.insert(name.to_owned(), value);
    };
    put("id", json!(tenant.id));
    put("deletedDateTime", Value::Null);
    // Divergence: tenantsim has no licences: no assigned or provisioned plans.
    put("assignedPlans", json!([]));
    put("businessPhones", stored_or("businessPhones", json!([])));
    put("city", stored_or("city", Value::Null));
    put("country", stored_or("country", Value::Null));
    put("countryLetterCode", json!(tenant.country));
    put("createdDateTime", stored_or("createdDateTime", Value::Null));
    put("defaultUsageLocation", Value::Null);
    put("displayName", json!(tenant.display_name));
    put("isMultipleDataLocationsForServicesEnabled", Value::Null);
    for name in WRITABLE {
        let default = if *name == "privacyProfile" {
            Value::Null
        } else {
            json!([])
        };
        let value = match stored.get(*name) {
            Some(Value::Null) | None => default,
            Some(value) => value.clone(),
        };
        put(name, value);
    }
    put("onPremisesLastSyncDateTime", Value::Null);
    put("onPremisesSyncEnabled", Value::Null);
    put("partnerTenantType", Value::Null);
    put("postalCode", stored_or("postalCode", Value::Null));
    put(
        "preferredLanguage",
        stored_or("preferredLanguage", Value::Null),
    );
    put("provisionedPlans", json!([]));
    put("state", stored_or("state", Value::Null));
    put("street", stored_or("street", Value::Null));
    put("tenantType", json!("AAD"));
    put("verifiedDomains", Value::Array(verified));
    if limited {
        for (name, value) in out.iter_mut() {
            if !BASIC.contains(&name.as_str()) {
                *value = Value::Null;
            }
        }
    }
    out
}

/// Whether the caller reads the organization through `User.Read` alone.
fn limited(caller: &Caller) -> bool {
    match &caller.kind {
        CallerKind::Delegated { scopes, .. } => !scopes.iter().any(|s| {
            permissions::ORGANIZATION_GET
                .delegated
                .iter()
                .any(|p| *p != "User.Read" && p.eq_ignore_ascii_case(s))
        }),
        CallerKind::Application { .. } => false,
    }
}

async fn load(state: &AppState, tenant: &str) -> Result<(TenantRow, Vec<String>)> {
    let mut conn = state.db.pool.acquire().await?;
    let row = store::tenants::resolve_tenant(&mut conn, tenant)
        .await?
        .ok_or_else(|| GraphError::not_found(tenant))?;
    let domains = store::tenants::tenant_domains(&mut conn, &row.id).await?;
    Ok((row, domains))
}

fn select_fields(fields: Map<String, Value>, select: Option<&[&str]>) -> Map<String, Value> {
    match select {
        None => fields,
        Some(select) => select
            .iter()
            .map(|name| {
                let value = fields.get(*name).cloned().unwrap_or(Value::Null);
                ((*name).to_owned(), value)
            })
            .collect(),
    }
}

/// GET /organization — organization-list: a collection holding the caller's organization.
/// Permissions: `permissions::ORGANIZATION_LIST`.
async fn list_organization(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
) -> Result<GraphJson> {
    caller.require(&permissions::ORGANIZATION_LIST)?;
    let options = query.options(&model::ORGANIZATION)?;
    let (row, domains) = load(&state, &caller.tenant).await?;
    let select = options.select.as_deref();
    let item = select_fields(render(&row, &domains, limited(&caller)), select);
    let count = (options.count && query.eventual).then_some(1);
    let value = if options.top == Some(0) {
        Vec::new()
    } else {
        vec![Value::Object(item)]
    };
    let context = wire::context_url(&origin, version, "organization", select, false);
    Ok(GraphJson(
        StatusCode::OK,
        wire::collection(context, count, None, value),
    ))
}

/// GET /organization/{id} — organization-get; `{id}` is the tenant id.
/// Permissions: `permissions::ORGANIZATION_GET`.
async fn get_organization(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    Path(id): Path<String>,
) -> Result<GraphJson> {
    caller.require(&permissions::ORGANIZATION_GET)?;
    let options = query.entity_options(&model::ORGANIZATION)?;
    let (row, domains) = load(&state, &caller.tenant).await?;
    if !row.id.eq_ignore_ascii_case(&id) {
        return Err(GraphError::not_found(id));
    }
    let select = options.select.as_deref();
    let fields = select_fields(render(&row, &domains, limited(&caller)), select);
    let context = wire::context_url(&origin, version, "organization", select, true);
    Ok(GraphJson(StatusCode::OK, wire::entity(context, fields)))
}

/// PATCH /organization/{id} — organization-update: 204; only the documented writable
/// properties; anything else is refused and nothing changes.
/// Permissions: `permissions::ORGANIZATION_WRITE`.
async fn update_organization(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    caller.require(&permissions::ORGANIZATION_WRITE)?;
    // The SDKs annotate what they send (`@odata.type`): annotations are not properties.
    let body = without_annotations(body);
    for (name, value) in &body {
        if model::ORGANIZATION.property(name).is_some() && !WRITABLE.contains(&name.as_str()) {
            // Divergence: Graph's text for a read-only organization property is not captured.
            return Err(GraphError::request_bad_request(format!(
                "Property '{name}' is read-only and cannot be set."
            )));
        }
        check_property(name, value, false).map_err(GraphError::request_bad_request)?;
    }
    let mut tx = state.db.begin_write().await?;
    let row = store::tenants::resolve_tenant(&mut tx, &caller.tenant)
        .await?
        .ok_or_else(|| GraphError::not_found(&caller.tenant))?;
    if !row.id.eq_ignore_ascii_case(&id) {
        return Err(GraphError::not_found(id));
    }
    let mut settings: Map<String, Value> = serde_json::from_str(&row.settings).unwrap_or_default();
    let organization = settings.entry("organization").or_insert_with(|| json!({}));
    if !organization.is_object() {
        *organization = json!({});
    }
    if let Value::Object(stored) = organization {
        for (name, value) in body {
            if value.is_null() {
                stored.remove(&name);
            } else {
                stored.insert(name, value);
            }
        }
    }
    let text = Value::Object(settings).to_string();
    store::tenants::update_settings(&mut tx, &row.id, &text).await?;
    tx.commit().await?;
    Ok(wire::no_content())
}
