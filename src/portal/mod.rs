//! The Azure portal's internal tenant-properties API (main.iam.ad.ext.azure.com), the only place
//! the LinkedIn account-connections setting exists: `GET /api/Directories/Properties` and the
//! partial `PUT /api/Directories/PropertiesV2` (and the older `PUT /api/Directories/Properties`).
//! Undocumented and internal in Entra; shapes follow the public scripts that call it
//! (graph-contract §11.2). The tenant is the token's; the audience is the ADIbizaUX app.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::auth::{self, Caller, CallerKind};
use crate::builtin::PORTAL_APP_ID;
use crate::error::{GraphError, Result};
use crate::linkedin::{LinkedInSettings, settings};
use crate::protocol::request::JsonObject;
use crate::protocol::wire::GraphJson;
use crate::state::AppState;
use crate::store::{self, objects::Kind, tenants::TenantRow};
use crate::{consent, roles};

/// Audiences of portal tokens: the ADIbizaUX appId, or the API's own URL.
pub const PORTAL_AUDIENCES: &[&str] = &[PORTAL_APP_ID, "https://main.iam.ad.ext.azure.com"];

/// Roles whose holders may read the tenant properties in the portal.
const READER_ROLES: &[&str] = &[
    roles::GLOBAL_ADMINISTRATOR,
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451", // Global Reader
    "fe930be7-5e62-47db-91af-98c3a49a38b1", // User Administrator
    "e8611ab8-c189-46e8-94e1-60213ab1f814", // Privileged Role Administrator
];

/// Boolean tenant properties the portal shows, with their defaults; a PUT may change them.
const DIRECTORY_FLAGS: &[(&str, bool)] = &[
    ("usersCanRegisterApps", true),
    ("isB2CTenant", false),
    ("restrictNonAdminUsers", false),
    ("usersCanAddExternalUsers", true),
    ("limitedAccessCanAddExternalUsers", false),
    ("restrictDirectoryAccess", false),
    ("allowInvitations", true),
    ("selfServiceGroupManagementEnabled", true),
    ("securityGroupsEnabled", true),
    ("office365GroupsEnabled", true),
    ("allUsersGroupEnabled", false),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/Directories/Properties",
            get(get_properties).put(put_properties),
        )
        .route(
            "/api/Directories/PropertiesV2",
            axum::routing::put(put_properties),
        )
}

/// A delegated portal caller of this tenant holding one of `roles`.
// Divergence: the portal's own authorisation is not public; tenantsim checks the audience, a
// user token and the directory roles that the Entra docs name (graph-contract D19).
async fn portal_caller(parts: &Parts, state: &AppState, roles: &[&str]) -> Result<Caller> {
    let caller = auth::authenticate(parts, state, PORTAL_AUDIENCES).await?;
    match &caller.kind {
        CallerKind::Delegated { wids, .. }
            if wids
                .iter()
                .any(|w| roles.iter().any(|r| r.eq_ignore_ascii_case(w))) =>
        {
            Ok(caller)
        }
        _ => Err(GraphError::forbidden()),
    }
}

async fn tenant_of(conn: &mut sqlx::SqliteConnection, caller: &Caller) -> Result<TenantRow> {
    store::tenants::resolve_tenant(conn, &caller.tenant)
        .await?
        .ok_or_else(|| GraphError::not_found(&caller.tenant))
}

/// The flat tenant-properties object the portal reads.
pub async fn properties(conn: &mut sqlx::SqliteConnection, tenant: &TenantRow) -> Result<Value> {
    let settings_json: Value = serde_json::from_str(&tenant.settings).unwrap_or(Value::Null);
    let stored = settings_json
        .get("directoryProperties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let linked_in = LinkedInSettings::from_tenant(tenant);
    let mut out = Map::new();
    out.insert("objectId".into(), json!(tenant.id));
    out.insert("displayName".into(), json!(tenant.display_name));
    for (name, default) in DIRECTORY_FLAGS {
        out.insert(
            (*name).into(),
            stored.get(*name).cloned().unwrap_or(json!(default)),
        );
    }
    out.insert(
        "usersCanAllowAppsToAccessData".into(),
        json!(consent::users_may_consent(&settings_json)),
    );
    let value = linked_in.effective(tenant);
    let group_id = if value == Some(settings::SELECTED_GROUP) {
        linked_in.selected_group_id.clone()
    } else {
        None
    };
    let group_name = match &group_id {
        Some(id) => store::objects::get_by_kind(conn, &tenant.id, Kind::Group, id)
            .await?
            .and_then(|g| g.display_name),
        None => None,
    };
    // Divergence: sovereign-cloud tenants have no LinkedIn integration; tenantsim shows the
    // setting as null there (the real portal hides the control).
    out.insert("enableLinkedInAppFamily".into(), json!(value));
    out.insert("toEnableLinkedInUsers".into(), json!([]));
    out.insert("toDisableLinkedInUsers".into(), json!([]));
    out.insert("linkedInSelectedGroupObjectId".into(), json!(group_id));
    out.insert("linkedInSelectedGroupDisplayName".into(), json!(group_name));
    Ok(Value::Object(out))
}

/// GET /api/Directories/Properties. Caller: a user holding an admin or reader role.
async fn get_properties(State(state): State<AppState>, parts: Parts) -> Result<GraphJson> {
    let caller = portal_caller(&parts, &state, READER_ROLES).await?;
    let mut conn = state.db.pool.acquire().await?;
    let tenant = tenant_of(&mut conn, &caller).await?;
    Ok(GraphJson(
        StatusCode::OK,
        properties(&mut conn, &tenant).await?,
    ))
}

fn invalid(message: impl Into<std::borrow::Cow<'static, str>>) -> GraphError {
    GraphError::request_bad_request(message)
}

/// Applies the LinkedIn fields of a PUT body to the setting; every rule is checked before
/// anything is stored.
async fn apply_linked_in(
    conn: &mut sqlx::SqliteConnection,
    tenant: &TenantRow,
    body: &Map<String, Value>,
    linked_in: &mut LinkedInSettings,
) -> Result<()> {
    let value = body.get("enableLinkedInAppFamily");
    let group_id = body
        .get("linkedInSelectedGroupObjectId")
        .filter(|v| !v.is_null());
    let group_name = body
        .get("linkedInSelectedGroupDisplayName")
        .filter(|v| !v.is_null());
    if value.is_none() && group_id.is_none() && group_name.is_none() {
        return Ok(());
    }
    if !settings::provisioned(&tenant.cloud) {
        return Err(invalid(format!(
            "LinkedIn account connections are not available in the {} cloud.",
            tenant.cloud
        )));
    }
    let value = match value {
        None => linked_in.effective(tenant).unwrap_or(settings::ENABLED),
        Some(v) => v.as_i64().ok_or_else(|| invalid("enableLinkedInAppFamily must be an integer: 0 (Yes), 1 (No) or 4 (Selected group)."))?,
    };
    // Divergence: values other than 0, 1 and 4 were never seen (graph-contract D2); refused.
    if ![
        settings::ENABLED,
        settings::DISABLED,
        settings::SELECTED_GROUP,
    ]
    .contains(&value)
    {
        return Err(invalid(format!(
            "enableLinkedInAppFamily {value} is not valid: use 0 (Yes), 1 (No) or 4 (Selected group)."
        )));
    }
    if value != settings::SELECTED_GROUP {
        if group_id.is_some() || group_name.is_some() {
            return Err(invalid(
                "A selected group can only be given with enableLinkedInAppFamily 4 (Selected group).",
            ));
        }
        linked_in.enable_linked_in_app_family = Some(value);
        linked_in.selected_group_id = None;
        return Ok(());
    }
    let group = match (group_id, group_name) {
        (Some(id), _) => {
            let id = id
                .as_str()
                .ok_or_else(|| invalid("linkedInSelectedGroupObjectId must be a group id."))?;
            store::objects::get_by_kind(conn, &tenant.id, Kind::Group, id)
                .await?
                .ok_or_else(|| {
                    invalid(format!(
                        "The selected group '{id}' does not exist in this tenant."
                    ))
                })?
        }
        (None, Some(name)) => {
            let name = name
                .as_str()
                .ok_or_else(|| invalid("linkedInSelectedGroupDisplayName must be a group name."))?;
            find_group_by_name(conn, &tenant.id, name).await?
        }
        (None, None) => match linked_in
            .selected_group_id
            .clone()
            .filter(|_| linked_in.effective(tenant) == Some(settings::SELECTED_GROUP))
        {
            Some(id) => store::objects::get_by_kind(conn, &tenant.id, Kind::Group, &id)
                .await?
                .ok_or_else(|| invalid("Selected group needs a group."))?,
            None => {
                return Err(invalid(
                    "Selected group (4) needs linkedInSelectedGroupObjectId.",
                ));
            }
        },
    };
    let data: Value = serde_json::from_str(&group.data).unwrap_or(Value::Null);
    let dynamic = data["groupTypes"].as_array().is_some_and(|t| {
        t.iter().any(|v| {
            v.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("DynamicMembership"))
        })
    });
    if dynamic {
        return Err(invalid(format!(
            "'{}' has dynamic membership; dynamic groups cannot be the LinkedIn selected group.",
            group.display_name.unwrap_or_default()
        )));
    }
    linked_in.enable_linked_in_app_family = Some(settings::SELECTED_GROUP);
    linked_in.selected_group_id = Some(group.id);
    Ok(())
}

async fn find_group_by_name(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    name: &str,
) -> Result<store::objects::ObjectRow> {
    let filter = crate::odata::parse_filter(
        &format!("displayName eq '{}'", name.replace('\'', "''")),
        &crate::odata::GROUP,
    )
    .map_err(crate::protocol::request::odata_error)?
    .filter;
    let query = store::objects::ListQuery {
        scope: store::objects::Scope::All(Kind::Group),
        kind: None,
        filter: Some(&filter),
        search: None,
        order: store::objects::Order::Seq,
        after: None,
        limit: 2,
    };
    let (rows, _) = store::objects::list_objects(conn, tenant, &query)
        .await
        .map_err(crate::graph::list::list_error)?;
    match rows.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(invalid(format!(
            "No group named '{name}' exists in this tenant."
        ))),
        _ => Err(invalid(format!(
            "More than one group is named '{name}': give linkedInSelectedGroupObjectId."
        ))),
    }
}

/// PUT /api/Directories/PropertiesV2 (and the older PUT /api/Directories/Properties): a partial
/// body. Caller: a Global Administrator. 204 on success; a bad value changes nothing.
// Divergence: the status of a successful PUT is not documented (graph-contract D3); 204.
async fn put_properties(
    State(state): State<AppState>,
    parts: Parts,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    let caller = portal_caller(&parts, &state, &[roles::GLOBAL_ADMINISTRATOR]).await?;
    let mut tx = state.db.begin_write().await?;
    let tenant = tenant_of(&mut tx, &caller).await?;
    update_properties(&mut tx, &tenant, &body).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Applies a partial tenant-properties body (the PUT's rules: every value checked before
/// anything is stored). Shared by the PUT and tenantsim's admin page; the caller commits.
pub async fn update_properties(
    conn: &mut sqlx::SqliteConnection,
    tenant: &TenantRow,
    body: &Map<String, Value>,
) -> Result<()> {
    let mut linked_in = LinkedInSettings::from_tenant(tenant);
    apply_linked_in(conn, tenant, body, &mut linked_in).await?;
    let mut settings_json = linked_in.store_into(&tenant.settings);
    let mut flags: Map<String, Value> = Map::new();
    for (name, _) in DIRECTORY_FLAGS {
        if let Some(value) = body.get(*name) {
            let flag = value
                .as_bool()
                .ok_or_else(|| invalid(format!("{name} must be true or false.")))?;
            flags.insert((*name).into(), json!(flag));
        }
    }
    if body.contains_key("usersCanAllowAppsToAccessData") {
        return Err(invalid(
            "usersCanAllowAppsToAccessData is not written through this API in tenantsim: PATCH /v1.0/policies/authorizationPolicy instead.",
        ));
    }
    if !flags.is_empty() {
        let mut value: Value = serde_json::from_str(&settings_json).unwrap_or_else(|_| json!({}));
        let stored = value
            .as_object_mut()
            .map(|m| m.entry("directoryProperties").or_insert_with(|| json!({})));
        if let Some(Value::Object(stored)) = stored {
            stored.extend(flags);
        }
        settings_json = value.to_string();
    }
    store::tenants::update_settings(conn, &tenant.id, &settings_json).await?;
    Ok(())
}
