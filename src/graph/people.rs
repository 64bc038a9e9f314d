//! Profile cards in Graph: the people admin settings with their `profileCardProperties`
//! (v1.0 and beta: `/admin/people`). See peopleadminsettings and profilecardproperty. The beta
//! user `profile` is [`super::profile`].

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::auth::{Caller, permissions};
use crate::error::{ErrorCode, GraphError, Result};
use crate::protocol::request::{JsonObject, typed};
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, tenants::TenantRow};

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
        .route("/admin/people", get(get_people_settings))
        .route(
            "/admin/people/profileCardProperties",
            get(list_properties).post(create_property),
        )
        .route(
            "/admin/people/profileCardProperties/{name}",
            get(get_property)
                .patch(update_property)
                .delete(delete_property),
        )
}

/// `directoryPropertyName` values Graph allows, in their documented casing.
fn allowed_name(name: &str) -> Option<String> {
    const FIXED: &[&str] = &[
        "UserPrincipalName",
        "Fax",
        "StreetAddress",
        "PostalCode",
        "StateOrProvince",
        "Alias",
    ];
    if let Some(fixed) = FIXED.iter().find(|f| f.eq_ignore_ascii_case(name)) {
        return Some((*fixed).to_owned());
    }
    let number: u8 = name
        .to_ascii_lowercase()
        .strip_prefix("customattribute")?
        .parse()
        .ok()?;
    (1..=15)
        .contains(&number)
        .then(|| format!("CustomAttribute{number}"))
}

/// A `profileCardProperty`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProfileCardProperty {
    pub directory_property_name: String,
    #[serde(default)]
    pub annotations: Vec<ProfileCardAnnotation>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProfileCardAnnotation {
    pub display_name: Option<String>,
    #[serde(default)]
    pub localizations: Vec<DisplayNameLocalization>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DisplayNameLocalization {
    pub language_tag: Option<String>,
    pub display_name: Option<String>,
}

fn stored(tenant: &TenantRow) -> Vec<ProfileCardProperty> {
    let settings: Value = serde_json::from_str(&tenant.settings).unwrap_or(Value::Null);
    settings
        .get("profileCardProperties")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

fn with_properties(tenant: &TenantRow, properties: &[ProfileCardProperty]) -> Result<String> {
    let mut settings: Value = serde_json::from_str(&tenant.settings).unwrap_or_else(|_| json!({}));
    settings["profileCardProperties"] =
        serde_json::to_value(properties).map_err(GraphError::internal)?;
    Ok(settings.to_string())
}

pub(super) async fn tenant(
    conn: &mut sqlx::SqliteConnection,
    caller: &Caller,
) -> Result<TenantRow> {
    store::tenants::resolve_tenant(conn, &caller.tenant)
        .await?
        .ok_or_else(|| GraphError::not_found(&caller.tenant))
}

/// One profileCardProperty with its `…/profileCardProperties/$entity` context.
fn property_entity(
    origin: &Origin,
    version: ApiVersion,
    status: StatusCode,
    property: &ProfileCardProperty,
) -> Result<GraphJson> {
    let fields = match serde_json::to_value(property).map_err(GraphError::internal)? {
        Value::Object(fields) => fields,
        _ => Map::new(),
    };
    let context = wire::context_url(
        origin,
        version,
        "admin/people/profileCardProperties",
        None,
        true,
    );
    Ok(GraphJson(status, wire::entity(context, fields)))
}

fn property_not_found(name: &str) -> GraphError {
    // Divergence: people settings are not a directory workload; the 404 text is tenantsim's.
    GraphError::new(
        ErrorCode::RequestResourceNotFound,
        format!("The profile card property '{name}' does not exist."),
    )
}

/// GET /admin/people — peopleAdminSettings with its profileCardProperties.
/// Permissions: `permissions::PEOPLE_SETTINGS_READ`.
async fn get_people_settings(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
) -> Result<GraphJson> {
    caller.require(&permissions::PEOPLE_SETTINGS_READ)?;
    let tenant = tenant(&mut *state.db.pool.acquire().await?, &caller).await?;
    let mut body = Map::new();
    body.insert(
        "profileCardProperties".into(),
        serde_json::to_value(stored(&tenant)).map_err(GraphError::internal)?,
    );
    Ok(GraphJson(
        StatusCode::OK,
        wire::entity(
            wire::context_url(&origin, version, "admin/people", None, true),
            body,
        ),
    ))
}

/// GET /admin/people/profileCardProperties. Permissions: `permissions::PEOPLE_SETTINGS_READ`.
async fn list_properties(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
) -> Result<GraphJson> {
    caller.require(&permissions::PEOPLE_SETTINGS_READ)?;
    let tenant = tenant(&mut *state.db.pool.acquire().await?, &caller).await?;
    let value = stored(&tenant)
        .into_iter()
        .map(|p| serde_json::to_value(p).unwrap_or(Value::Null))
        .collect();
    let context = wire::context_url(
        &origin,
        version,
        "admin/people/profileCardProperties",
        None,
        false,
    );
    Ok(GraphJson(
        StatusCode::OK,
        wire::collection(context, None, None, value),
    ))
}

/// GET /admin/people/profileCardProperties/{directoryPropertyName}.
async fn get_property(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    Path(name): Path<String>,
) -> Result<GraphJson> {
    caller.require(&permissions::PEOPLE_SETTINGS_READ)?;
    let tenant = tenant(&mut *state.db.pool.acquire().await?, &caller).await?;
    let property = stored(&tenant)
        .into_iter()
        .find(|p| p.directory_property_name.eq_ignore_ascii_case(&name))
        .ok_or_else(|| property_not_found(&name))?;
    property_entity(&origin, version, StatusCode::OK, &property)
}

/// POST /admin/people/profileCardProperties — 201. Permissions: `permissions::PEOPLE_SETTINGS_WRITE`.
async fn create_property(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    caller.require(&permissions::PEOPLE_SETTINGS_WRITE)?;
    let mut property: ProfileCardProperty = typed(Value::Object(body), "profileCardProperty")?;
    property.directory_property_name = allowed_name(&property.directory_property_name).ok_or_else(|| {
        GraphError::bad_request(format!(
            "'{}' is not a supported directoryPropertyName: use UserPrincipalName, Fax, StreetAddress, PostalCode, StateOrProvince, Alias or CustomAttribute1-15.",
            property.directory_property_name
        ))
    })?;
    let mut tx = state.db.begin_write().await?;
    let tenant = tenant(&mut tx, &caller).await?;
    let mut properties = stored(&tenant);
    if properties
        .iter()
        .any(|p| p.directory_property_name == property.directory_property_name)
    {
        // Divergence: Graph's answer to a duplicate profile card property is not captured.
        return Err(GraphError::new(
            ErrorCode::RequestMultipleObjectsWithSameKeyValue,
            format!(
                "The profile card property '{}' already exists.",
                property.directory_property_name
            ),
        ));
    }
    properties.push(property.clone());
    store::tenants::update_settings(&mut tx, &tenant.id, &with_properties(&tenant, &properties)?)
        .await?;
    tx.commit().await?;
    property_entity(&origin, version, StatusCode::CREATED, &property)
}

/// PATCH /admin/people/profileCardProperties/{name} — replaces `annotations`; 200 with the property.
async fn update_property(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    Path(name): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    caller.require(&permissions::PEOPLE_SETTINGS_WRITE)?;
    let annotations: Vec<ProfileCardAnnotation> = match body.get("annotations") {
        Some(value) => typed(value.clone(), "profileCardProperty")?,
        None => {
            return Err(GraphError::bad_request(
                "The request body must contain 'annotations'.",
            ));
        }
    };
    let mut tx = state.db.begin_write().await?;
    let tenant = tenant(&mut tx, &caller).await?;
    let mut properties = stored(&tenant);
    let property = properties
        .iter_mut()
        .find(|p| p.directory_property_name.eq_ignore_ascii_case(&name))
        .ok_or_else(|| property_not_found(&name))?;
    property.annotations = annotations;
    let updated = property.clone();
    store::tenants::update_settings(&mut tx, &tenant.id, &with_properties(&tenant, &properties)?)
        .await?;
    tx.commit().await?;
    property_entity(&origin, version, StatusCode::OK, &updated)
}

/// DELETE /admin/people/profileCardProperties/{name} — 204.
async fn delete_property(
    caller: Caller,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response> {
    caller.require(&permissions::PEOPLE_SETTINGS_WRITE)?;
    let mut tx = state.db.begin_write().await?;
    let tenant = tenant(&mut tx, &caller).await?;
    let mut properties = stored(&tenant);
    let before = properties.len();
    properties.retain(|p| !p.directory_property_name.eq_ignore_ascii_case(&name));
    if properties.len() == before {
        return Err(property_not_found(&name));
    }
    store::tenants::update_settings(&mut tx, &tenant.id, &with_properties(&tenant, &properties)?)
        .await?;
    tx.commit().await?;
    Ok(wire::no_content())
}

#[cfg(test)]
mod tests {
    use super::allowed_name;

    #[test]
    fn directory_property_names_are_graphs_and_case_insensitive() {
        assert_eq!(
            allowed_name("customattribute1").as_deref(),
            Some("CustomAttribute1")
        );
        assert_eq!(allowed_name("ALIAS").as_deref(), Some("Alias"));
        assert_eq!(
            allowed_name("CustomAttribute15").as_deref(),
            Some("CustomAttribute15")
        );
        assert!(allowed_name("CustomAttribute16").is_none());
        assert!(allowed_name("jobTitle").is_none());
    }
}
