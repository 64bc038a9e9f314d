//! Users: list, get (by id or userPrincipalName), create, update, delete, and `/me`.
//! See <https://learn.microsoft.com/graph/api/resources/user> and the user-list, user-get,
//! user-post-users, user-update and user-delete pages.

use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::list::{self, ListSpec};
use crate::auth::{Caller, permissions};
use crate::error::{GraphError, Result};
use crate::odata::model;
use crate::protocol::request::{GraphQuery, JsonObject, typed, typed_property};
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, objects::Kind, objects::ObjectWrite, objects::Scope};

/// Graph's default property set for users (user-list.md): anything else needs `$select`.
pub const DEFAULT_PROPERTIES: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

/// The stored Graph `user` (without `id`): the properties tenantsim keeps. Unknown properties
/// in a body are dropped, as Graph ignores properties it does not bind.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_group: Option<String>,
    #[serde(default)]
    pub business_phones: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_hire_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_user_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_user_state_change_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fax_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_nickname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_sync_enabled: Option<bool>,
    #[serde(default)]
    pub other_mails: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_policies: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    #[serde(default)]
    pub proxy_addresses: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_in_address_list: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
}

/// `passwordProfile` of a create or update body; never stored or returned as such.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordProfile {
    pub password: Option<String>,
    #[serde(default)]
    pub force_change_password_next_sign_in: bool,
}

/// Graph properties a client may not write (server-managed).
const READ_ONLY: &[&str] = &[
    "id",
    "createdDateTime",
    "creationType",
    "externalUserState",
    "externalUserStateChangeDateTime",
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route(
            "/users/{user}",
            get(get_user).patch(update_user).delete(delete_user),
        )
        .route("/me", get(get_me).patch(update_me))
}

/// Renders a stored user row with `$select` or the default set (beta: every property).
pub fn render(
    id: &str,
    data: &str,
    select: Option<&[&str]>,
    version: ApiVersion,
) -> Map<String, Value> {
    let data: Map<String, Value> = serde_json::from_str(data).unwrap_or_default();
    wire::project(
        id,
        &data,
        select,
        DEFAULT_PROPERTIES,
        version == ApiVersion::Beta,
    )
}

/// GET /users — user-list. Permissions: `permissions::USERS_READ`.
async fn list_users(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    query: GraphQuery,
) -> Result<GraphJson> {
    caller.require(&permissions::USERS_READ)?;
    let spec = ListSpec {
        scope: Scope::All(Kind::User),
        kind: None,
        model: &model::USER,
        context_path: "users",
        polymorphic: false,
    };
    list::list(&state, &caller.tenant, version, &origin, &query, &spec).await
}

/// GET /users/{id | userPrincipalName} — user-get. Permissions: `permissions::USERS_READ`.
async fn get_user(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    query: GraphQuery,
    Path(key): Path<String>,
) -> Result<Response> {
    caller.require(&permissions::USERS_READ)?;
    read_user(&state, &caller.tenant, version, &origin, &query, &key).await
}

/// GET /me — the signed-in user of a delegated token. Permissions: `permissions::ME_READ`.
async fn get_me(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    query: GraphQuery,
) -> Result<Response> {
    let me = me(&caller)?;
    caller.require(&permissions::ME_READ)?;
    read_user(&state, &caller.tenant, version, &origin, &query, me).await
}

/// The signed-in user's id, or Graph's 400 for app-only tokens.
pub fn me(caller: &Caller) -> Result<&str> {
    caller.user_id().ok_or_else(|| {
        GraphError::bad_request("/me request is only valid with delegated authentication flow.")
    })
}

async fn read_user(
    state: &AppState,
    tenant: &str,
    version: ApiVersion,
    origin: &Origin,
    query: &GraphQuery,
    key: &str,
) -> Result<Response> {
    // The hot path of test suites: the rendered body is reused until the next write.
    let cache_key = format!(
        "user|{}|{}|{}|{}",
        version.segment(),
        origin.0,
        key.to_ascii_lowercase(),
        query.raw.as_deref().unwrap_or("")
    );
    if let Some(body) = state.db.rendered(tenant, &cache_key) {
        return Ok(wire::GraphJsonText(StatusCode::OK, body).into_response());
    }
    let generation = state.db.quiet_generation();
    let options = query.entity_options(&model::USER)?;
    let row = state
        .db
        .cached_user(tenant, key)
        .await?
        .ok_or_else(|| GraphError::not_found(key))?;
    let select = options.select.as_deref();
    let context = wire::context_url(origin, version, "users", select, true);
    let mut fields = render(&row.id, &row.data, select, version);
    if let Some(expand) = &options.expand {
        expand_user(state, tenant, version, &row.id, expand, &mut fields).await?;
    }
    let body: std::sync::Arc<str> = wire::entity(context, fields).to_string().into();
    state
        .db
        .keep_rendered(tenant, &cache_key, generation, body.clone());
    Ok(wire::GraphJsonText(StatusCode::OK, body).into_response())
}

/// `$expand=manager` / `directReports` / … on a user: the relationship engine's expansion.
async fn expand_user(
    state: &AppState,
    tenant: &str,
    version: ApiVersion,
    id: &str,
    expand: &crate::odata::Expand,
    fields: &mut Map<String, Value>,
) -> Result<()> {
    let mut conn = state.db.pool.acquire().await?;
    let row = store::objects::get_by_kind(&mut conn, tenant, Kind::User, id)
        .await?
        .ok_or_else(|| GraphError::not_found(id))?;
    super::relations::expand_navigation(&mut conn, tenant, version, &row, expand, fields).await
}

/// Checks a userPrincipalName: allowed characters and a verified domain of the tenant.
async fn check_upn(conn: &mut sqlx::SqliteConnection, tenant: &str, upn: &str) -> Result<()> {
    let invalid = || {
        GraphError::request_bad_request(
            "Invalid value specified for property 'userPrincipalName' of resource 'User'.",
        )
    };
    let (local, domain) = upn.rsplit_once('@').ok_or_else(invalid)?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || "'.-_!#^~".contains(c);
    if local.is_empty()
        || local.len() > 113
        || !local.chars().all(allowed)
        || local.starts_with('.')
        || local.ends_with('.')
    {
        return Err(invalid());
    }
    let domains = store::tenants::tenant_domains(conn, tenant).await?;
    if !domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
        return Err(GraphError::request_bad_request(
            "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.",
        ));
    }
    Ok(())
}

fn required<T>(value: Option<T>, property: &str) -> Result<T> {
    value.ok_or_else(|| {
        GraphError::request_bad_request(format!(
            "Invalid value specified for property '{property}' of resource 'User'."
        ))
    })
}

/// POST /users — user-post-users. 201 with the user. Permissions: `permissions::USERS_WRITE`.
async fn create_user(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    JsonObject(mut body): JsonObject,
) -> Result<GraphJson> {
    caller.require(&permissions::USERS_WRITE)?;
    let password: Option<PasswordProfile> = match body.remove("passwordProfile") {
        Some(Value::Null) | None => None,
        Some(value) => Some(typed_property(value, "User", "passwordProfile")?),
    };
    READ_ONLY.iter().for_each(|key| {
        body.remove(*key);
    });
    let mut user: User = typed(Value::Object(body), "User")?;
    required(user.account_enabled, "accountEnabled")?;
    let display_name = required(
        user.display_name.clone().filter(|d| !d.trim().is_empty()),
        "displayName",
    )?;
    required(
        user.mail_nickname.as_ref().filter(|m| !m.trim().is_empty()),
        "mailNickname",
    )?;
    let password = required(
        password.and_then(|p| p.password).filter(|p| !p.is_empty()),
        "passwordProfile",
    )?;
    let upn = required(user.user_principal_name.clone(), "userPrincipalName")?;
    user.created_date_time = Some(crate::clock::graph_timestamp(state.clock.now()));
    user.creation_type = None;
    user.user_type.get_or_insert_with(|| "Member".to_owned());

    let id = Uuid::new_v4().to_string();
    let data = serde_json::to_string(&user).map_err(GraphError::internal)?;
    let mut tx = state.db.begin_write().await?;
    check_upn(&mut tx, &caller.tenant, &upn).await?;
    if store::objects::upn_taken(&mut tx, &caller.tenant, &upn, &id).await? {
        return Err(duplicate_upn());
    }
    let write = ObjectWrite {
        id: &id,
        kind: Kind::User,
        display_name: Some(&display_name),
        user_principal_name: Some(&upn),
        app_id: None,
        data: &data,
    };
    store::objects::insert_object(
        &mut tx,
        &caller.tenant,
        &write,
        Some(&crate::fixtures::password_digest(&password)),
    )
    .await?;
    tx.commit().await?;
    let context = wire::context_url(&origin, version, "users", None, true);
    Ok(GraphJson(
        StatusCode::CREATED,
        wire::entity(context, render(&id, &data, None, version)),
    ))
}

fn duplicate_upn() -> GraphError {
    GraphError::request_bad_request(
        "Another object with the same value for property userPrincipalName already exists.",
    )
    .with_details(serde_json::json!([{"target": "userPrincipalName", "code": "ObjectConflict"}]))
}

/// PATCH /users/{id | userPrincipalName} — user-update. 204. Permissions: `permissions::USERS_WRITE`.
async fn update_user(
    caller: Caller,
    State(state): State<AppState>,
    Path(key): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    caller.require(&permissions::USERS_WRITE)?;
    patch_user(&state, &caller.tenant, &key, body).await
}

/// PATCH /me — the signed-in user updates their own profile. Permissions: `User.ReadWrite` or broader.
async fn update_me(
    caller: Caller,
    State(state): State<AppState>,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    let me = me(&caller)?.to_owned();
    caller.require(&permissions::ME_WRITE)?;
    patch_user(&state, &caller.tenant, &me, body).await
}

async fn patch_user(
    state: &AppState,
    tenant: &str,
    key: &str,
    mut body: Map<String, Value>,
) -> Result<Response> {
    let password: Option<PasswordProfile> = match body.remove("passwordProfile") {
        Some(Value::Null) | None => None,
        Some(value) => Some(typed_property(value, "User", "passwordProfile")?),
    };
    READ_ONLY.iter().for_each(|k| {
        body.remove(*k);
    });
    let mut tx = state.db.begin_write().await?;
    let row = store::objects::get_user(&mut tx, tenant, key)
        .await?
        .ok_or_else(|| GraphError::not_found(key))?;
    let mut merged: Map<String, Value> =
        serde_json::from_str(&row.data).map_err(GraphError::internal)?;
    for (name, value) in body {
        // `null` clears a property; absent properties stay as they are.
        merged.insert(name, value);
    }
    merged.retain(|_, v| !v.is_null());
    let user: User = typed(Value::Object(merged), "User")?;
    let display_name = required(
        user.display_name.clone().filter(|d| !d.trim().is_empty()),
        "displayName",
    )?;
    let upn = required(user.user_principal_name.clone(), "userPrincipalName")?;
    if user.account_enabled.is_none() {
        return Err(required::<()>(None, "accountEnabled").unwrap_err());
    }
    if row.user_principal_name.as_deref() != Some(upn.as_str()) {
        check_upn(&mut tx, tenant, &upn).await?;
        if store::objects::upn_taken(&mut tx, tenant, &upn, &row.id).await? {
            return Err(duplicate_upn());
        }
    }
    let data = serde_json::to_string(&user).map_err(GraphError::internal)?;
    let write = ObjectWrite {
        id: &row.id,
        kind: Kind::User,
        display_name: Some(&display_name),
        user_principal_name: Some(&upn),
        app_id: None,
        data: &data,
    };
    store::objects::update_object(&mut tx, tenant, &write).await?;
    if let Some(password) = password.and_then(|p| p.password) {
        store::objects::set_secret(
            &mut tx,
            tenant,
            &row.id,
            &crate::fixtures::password_digest(&password),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(wire::no_content())
}

/// DELETE /users/{id | userPrincipalName} — user-delete. 204. Permissions: `permissions::USERS_WRITE`.
// Divergence: Graph moves the user to deleted items for 30 days; tenantsim deletes it (D15).
async fn delete_user(
    caller: Caller,
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Response> {
    caller.require(&permissions::USERS_WRITE)?;
    let mut tx = state.db.begin_write().await?;
    let row = store::objects::get_user(&mut tx, &caller.tenant, &key)
        .await?
        .ok_or_else(|| GraphError::not_found(&key))?;
    store::objects::delete_object(&mut tx, &caller.tenant, &row.id, Kind::User).await?;
    tx.commit().await?;
    Ok(wire::no_content())
}
