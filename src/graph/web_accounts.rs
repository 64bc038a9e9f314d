//! A user's beta profile `webAccounts`: list, create, get, update and delete, under
//! `/beta/users/{id}/profile/webAccounts` and `/beta/me/profile/webAccounts`. The person's
//! LinkedIn profile comes first (derived from the LinkedIn connection, read-only), then the
//! accounts added through Graph, kept in the tenant's `settings.webAccounts` by user id so
//! snapshots export and import them. See profile-list-webaccounts, profile-post-webaccounts,
//! webaccount-get, webaccount-update and webaccount-delete (beta), and
//! <https://learn.microsoft.com/graph/api/resources/webaccount?view=graph-rest-beta>.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::auth::{Caller, permissions};
use crate::error::{GraphError, Result};
use crate::protocol::request::JsonObject;
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, objects::ObjectRow, tenants::TenantRow};

use super::web_account_data::{check_body, save, stored};

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
        .route(
            "/users/{user}/profile/webAccounts",
            get(list_for_user).post(create_for_user),
        )
        .route("/me/profile/webAccounts", get(list_mine).post(create_mine))
        .route(
            "/users/{user}/profile/webAccounts/{account}",
            get(get_for_user)
                .patch(update_for_user)
                .delete(delete_for_user),
        )
        .route(
            "/me/profile/webAccounts/{account}",
            get(get_mine).patch(update_mine).delete(delete_mine),
        )
}

/// The LinkedIn entry of `row`, when the person has a public LinkedIn profile.
async fn linked_in(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    row: &ObjectRow,
    data: &Map<String, Value>,
) -> Result<Option<Value>> {
    let Some(profile) = store::linkedin::profile(conn, tenant, &row.id).await? else {
        return Ok(None);
    };
    if !profile.public_visibility {
        return Ok(None);
    }
    Ok(Some(super::profile::facet(
        row,
        data,
        crate::builtin::derived_id(&row.id, "linkedin"),
        json!({
            "allowedAudiences": "everyone",
            "description": profile.headline,
            "userId": profile.vanity_name,
            "service": {"name": "LinkedIn", "webUrl": "https://www.linkedin.com"},
            "statusMessage": null,
            "webUrl": format!("https://www.linkedin.com/in/{}", profile.vanity_name),
        }),
    )))
}

/// Every web account of `row`: the LinkedIn entry first, then those added through Graph.
pub async fn accounts_of(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    row: &ObjectRow,
    data: &Map<String, Value>,
) -> Result<Vec<Value>> {
    let mut out: Vec<Value> = linked_in(conn, tenant, row, data)
        .await?
        .into_iter()
        .collect();
    if let Some(tenant_row) = store::tenants::resolve_tenant(conn, tenant).await? {
        out.extend(stored(&tenant_row, &row.id));
    }
    Ok(out)
}

/// The permission checks, before any lookup (an unknown user is the same 403): User.Read /
/// User.ReadWrite reach the signed-in user only, the `.All` permissions anyone.
fn authorize(
    caller: &Caller,
    version: ApiVersion,
    user: Option<&str>,
    write: bool,
) -> Result<String> {
    if version == ApiVersion::V1 {
        return Err(GraphError::unknown_segment("profile"));
    }
    let (own, others) = if write {
        (
            &permissions::WEB_ACCOUNTS_WRITE,
            &permissions::WEB_ACCOUNTS_WRITE_OTHERS,
        )
    } else {
        (
            &permissions::WEB_ACCOUNTS_READ,
            &permissions::WEB_ACCOUNTS_READ_OTHERS,
        )
    };
    match user {
        None => {
            let me = super::users::me(caller)?.to_owned();
            caller.require(own)?;
            Ok(me)
        }
        Some(key) => {
            caller.require(own)?;
            // The signed-in user by object id or by the token's userPrincipalName.
            let own_id = caller
                .user_id()
                .is_some_and(|me| me.eq_ignore_ascii_case(key));
            let own_upn = caller.user_id().is_some()
                && caller
                    .claims
                    .upn
                    .as_deref()
                    .is_some_and(|upn| upn.eq_ignore_ascii_case(key));
            if !own_id && !own_upn {
                caller.require(others)?;
            }
            Ok(key.to_owned())
        }
    }
}

async fn user_row(conn: &mut sqlx::SqliteConnection, tenant: &str, key: &str) -> Result<ObjectRow> {
    store::objects::get_user(conn, tenant, key)
        .await?
        .ok_or_else(|| GraphError::not_found(key))
}

fn context(origin: &Origin, user: &str, entity: bool) -> String {
    format!(
        "{}/beta/$metadata#users('{user}')/profile/webAccounts{}",
        origin.0,
        if entity { "/$entity" } else { "" }
    )
}

fn account_not_found(id: &str) -> GraphError {
    // Divergence: the profile workload's 404 text is not captured (D38).
    GraphError::new(
        crate::error::ErrorCode::RequestResourceNotFound,
        format!("The webAccount '{id}' does not exist."),
    )
}

/// The caller as an `identitySet` (delegated callers only reach these routes).
async fn caller_identity(conn: &mut sqlx::SqliteConnection, caller: &Caller) -> Result<Value> {
    let id = caller.user_id().unwrap_or_default();
    let name = match store::objects::get_user(conn, &caller.tenant, id).await? {
        Some(row) => row.display_name.map_or(Value::Null, Value::String),
        None => Value::Null,
    };
    Ok(super::profile::identity(&name, id))
}

async fn list(state: &AppState, caller: &Caller, origin: &Origin, key: &str) -> Result<GraphJson> {
    let mut conn = state.db.pool.acquire().await?;
    let row = user_row(&mut conn, &caller.tenant, key).await?;
    let data: Map<String, Value> = serde_json::from_str(&row.data).unwrap_or_default();
    let value = accounts_of(&mut conn, &caller.tenant, &row, &data).await?;
    Ok(GraphJson(
        StatusCode::OK,
        wire::collection(context(origin, &row.id, false), None, None, value),
    ))
}

async fn get_one(
    state: &AppState,
    caller: &Caller,
    origin: &Origin,
    key: &str,
    id: &str,
) -> Result<GraphJson> {
    let mut conn = state.db.pool.acquire().await?;
    let row = user_row(&mut conn, &caller.tenant, key).await?;
    let data: Map<String, Value> = serde_json::from_str(&row.data).unwrap_or_default();
    let account = accounts_of(&mut conn, &caller.tenant, &row, &data)
        .await?
        .into_iter()
        .find(|a| a["id"].as_str().is_some_and(|a| a.eq_ignore_ascii_case(id)))
        .ok_or_else(|| account_not_found(id))?;
    let fields = account.as_object().cloned().unwrap_or_default();
    Ok(GraphJson(
        StatusCode::OK,
        wire::entity(context(origin, &row.id, true), fields),
    ))
}

/// POST …/profile/webAccounts — 201 with the webAccount.
// Divergence: Graph's page marks no property required; tenantsim requires `userId` and
// `service.name` (an account without them names nothing), texts not captured (D38).
async fn create(
    state: &AppState,
    caller: &Caller,
    origin: &Origin,
    key: &str,
    body: &Map<String, Value>,
) -> Result<GraphJson> {
    let mut fields = check_body(body)?;
    let user_id = fields
        .get("userId")
        .and_then(Value::as_str)
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| GraphError::bad_request("The property 'userId' is required."))?
        .to_owned();
    let service_url = match fields.get("service").and_then(|s| s.get("name")) {
        Some(Value::String(name)) if !name.trim().is_empty() => fields["service"]
            .get("webUrl")
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => {
            return Err(GraphError::bad_request(
                "The property 'service' with a 'name' is required.",
            ));
        }
    };
    if !fields.get("webUrl").is_some_and(Value::is_string)
        && let Some(base) = service_url
    {
        // As Graph's example: the service's URL followed by the account's user name.
        let url = format!("{}/{user_id}", base.trim_end_matches('/'));
        fields.insert("webUrl".into(), json!(url));
    }
    let mut tx = state.db.begin_write().await?;
    let row = user_row(&mut tx, &caller.tenant, key).await?;
    let by = caller_identity(&mut tx, caller).await?;
    let now = crate::clock::graph_timestamp(state.clock.now());
    let mut account = Map::new();
    account.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
    account.insert("allowedAudiences".into(), json!("organization"));
    account.insert("inference".into(), Value::Null);
    account.insert("createdDateTime".into(), json!(now));
    account.insert("createdBy".into(), by.clone());
    account.insert("lastModifiedDateTime".into(), json!(now));
    account.insert("lastModifiedBy".into(), by);
    account.insert("source".into(), Value::Null);
    for name in [
        "description",
        "userId",
        "service",
        "statusMessage",
        "webUrl",
    ] {
        account.insert(name.into(), Value::Null);
    }
    account.extend(fields);
    let tenant = super::people::tenant(&mut tx, caller).await?;
    let mut accounts = stored(&tenant, &row.id);
    accounts.push(Value::Object(account.clone()));
    save(&mut tx, &tenant, &row.id, accounts).await?;
    tx.commit().await?;
    Ok(GraphJson(
        StatusCode::CREATED,
        wire::entity(context(origin, &row.id, true), account),
    ))
}

/// What a write addresses: the stored accounts and the index of `id` among them.
async fn locate(
    tx: &mut sqlx::SqliteConnection,
    caller: &Caller,
    key: &str,
    id: &str,
) -> Result<(ObjectRow, TenantRow, Vec<Value>, usize)> {
    let row = user_row(tx, &caller.tenant, key).await?;
    let tenant = super::people::tenant(tx, caller).await?;
    let accounts = stored(&tenant, &row.id);
    if let Some(index) = accounts
        .iter()
        .position(|a| a["id"].as_str().is_some_and(|a| a.eq_ignore_ascii_case(id)))
    {
        return Ok((row, tenant, accounts, index));
    }
    if crate::builtin::derived_id(&row.id, "linkedin").eq_ignore_ascii_case(id) {
        // Divergence: the LinkedIn entry follows the person's LinkedIn connection and is
        // read-only here (D38).
        return Err(GraphError::bad_request(
            "The LinkedIn web account follows the person's LinkedIn connection and cannot be changed through Graph.",
        ));
    }
    Err(account_not_found(id))
}

/// PATCH …/profile/webAccounts/{id} — 200 with the updated webAccount.
async fn update(
    state: &AppState,
    caller: &Caller,
    origin: &Origin,
    key: &str,
    id: &str,
    body: &Map<String, Value>,
) -> Result<GraphJson> {
    let fields = check_body(body)?;
    let mut tx = state.db.begin_write().await?;
    let (row, tenant, mut accounts, index) = locate(&mut tx, caller, key, id).await?;
    let by = caller_identity(&mut tx, caller).await?;
    let now = crate::clock::graph_timestamp(state.clock.now());
    let Some(account) = accounts[index].as_object_mut() else {
        return Err(account_not_found(id));
    };
    account.extend(fields);
    account.insert("lastModifiedDateTime".into(), json!(now));
    account.insert("lastModifiedBy".into(), by);
    let updated = account.clone();
    save(&mut tx, &tenant, &row.id, accounts).await?;
    tx.commit().await?;
    Ok(GraphJson(
        StatusCode::OK,
        wire::entity(context(origin, &row.id, true), updated),
    ))
}

/// DELETE …/profile/webAccounts/{id} — 204.
async fn remove(state: &AppState, caller: &Caller, key: &str, id: &str) -> Result<Response> {
    let mut tx = state.db.begin_write().await?;
    let (row, tenant, mut accounts, index) = locate(&mut tx, caller, key, id).await?;
    accounts.remove(index);
    save(&mut tx, &tenant, &row.id, accounts).await?;
    tx.commit().await?;
    Ok(wire::no_content())
}

/// GET /beta/users/{id}/profile/webAccounts. Permissions: `permissions::WEB_ACCOUNTS_READ`
/// (another user: `WEB_ACCOUNTS_READ_OTHERS`).
async fn list_for_user(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    Path(user): Path<String>,
) -> Result<GraphJson> {
    let key = authorize(&caller, version, Some(&user), false)?;
    list(&state, &caller, &origin, &key).await
}

/// GET /beta/me/profile/webAccounts. Permissions: `permissions::WEB_ACCOUNTS_READ`.
async fn list_mine(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
) -> Result<GraphJson> {
    let key = authorize(&caller, version, None, false)?;
    list(&state, &caller, &origin, &key).await
}

/// POST /beta/users/{id}/profile/webAccounts. Permissions: `permissions::WEB_ACCOUNTS_WRITE`
/// (another user: `WEB_ACCOUNTS_WRITE_OTHERS`).
async fn create_for_user(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    Path(user): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let key = authorize(&caller, version, Some(&user), true)?;
    create(&state, &caller, &origin, &key, &body).await
}

/// POST /beta/me/profile/webAccounts. Permissions: `permissions::WEB_ACCOUNTS_WRITE`.
async fn create_mine(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let key = authorize(&caller, version, None, true)?;
    create(&state, &caller, &origin, &key, &body).await
}

/// GET /beta/users/{id}/profile/webAccounts/{id}. Permissions as the list.
async fn get_for_user(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    Path((user, account)): Path<(String, String)>,
) -> Result<GraphJson> {
    let key = authorize(&caller, version, Some(&user), false)?;
    get_one(&state, &caller, &origin, &key, &account).await
}

/// GET /beta/me/profile/webAccounts/{id}. Permissions as the list.
async fn get_mine(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    Path(account): Path<String>,
) -> Result<GraphJson> {
    let key = authorize(&caller, version, None, false)?;
    get_one(&state, &caller, &origin, &key, &account).await
}

/// PATCH /beta/users/{id}/profile/webAccounts/{id}. Permissions as the create.
async fn update_for_user(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    Path((user, account)): Path<(String, String)>,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let key = authorize(&caller, version, Some(&user), true)?;
    update(&state, &caller, &origin, &key, &account, &body).await
}

/// PATCH /beta/me/profile/webAccounts/{id}. Permissions as the create.
async fn update_mine(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    Path(account): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let key = authorize(&caller, version, None, true)?;
    update(&state, &caller, &origin, &key, &account, &body).await
}

/// DELETE /beta/users/{id}/profile/webAccounts/{id} — 204. Permissions as the create.
async fn delete_for_user(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    Path((user, account)): Path<(String, String)>,
) -> Result<Response> {
    let key = authorize(&caller, version, Some(&user), true)?;
    remove(&state, &caller, &key, &account).await
}

/// DELETE /beta/me/profile/webAccounts/{id} — 204. Permissions as the create.
async fn delete_mine(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    Path(account): Path<String>,
) -> Result<Response> {
    let key = authorize(&caller, version, None, true)?;
    remove(&state, &caller, &key, &account).await
}
