//! Membership checks — checkMemberGroups, checkMemberObjects, getMemberGroups,
//! getMemberObjects — on users, groups, directoryObjects and `/me`, plus the `/$count`
//! segments of users and groups. See directoryobject-checkmembergroups,
//! directoryobject-checkmemberobjects, directoryobject-getmembergroups.

use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;

use super::members::count_kind;
use crate::auth::{Caller, permissions};
use crate::error::{ErrorCode, GraphError, Result};
use crate::protocol::request::{GraphQuery, JsonObject, typed};
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, objects::Kind};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users/$count", get(count_users))
        .route("/groups/$count", get(count_groups))
        .route("/users/{user}/checkMemberGroups", post(check_member_groups))
        .route(
            "/groups/{group}/checkMemberGroups",
            post(check_member_groups),
        )
        .route(
            "/directoryObjects/{id}/checkMemberGroups",
            post(check_member_groups),
        )
        .route("/me/checkMemberGroups", post(me_check_member_groups))
        .route(
            "/users/{user}/checkMemberObjects",
            post(check_member_objects),
        )
        .route(
            "/groups/{group}/checkMemberObjects",
            post(check_member_objects),
        )
        .route(
            "/directoryObjects/{id}/checkMemberObjects",
            post(check_member_objects),
        )
        .route("/me/checkMemberObjects", post(me_check_member_objects))
        .route("/users/{user}/getMemberGroups", post(get_member_groups))
        .route("/groups/{group}/getMemberGroups", post(get_member_groups))
        .route(
            "/directoryObjects/{id}/getMemberGroups",
            post(get_member_groups),
        )
        .route("/me/getMemberGroups", post(me_get_member_groups))
        .route("/users/{user}/getMemberObjects", post(get_member_objects))
        .route("/groups/{group}/getMemberObjects", post(get_member_objects))
        .route(
            "/directoryObjects/{id}/getMemberObjects",
            post(get_member_objects),
        )
        .route("/me/getMemberObjects", post(me_get_member_objects))
}

/// GET /users/$count — text/plain; needs `ConsistencyLevel: eventual`.
async fn count_users(
    caller: Caller,
    State(state): State<AppState>,
    query: GraphQuery,
) -> Result<Response> {
    caller.require(&permissions::USERS_READ)?;
    count_kind(&caller, &state, &query, Kind::User).await
}

/// GET /groups/$count — text/plain; needs `ConsistencyLevel: eventual`.
async fn count_groups(
    caller: Caller,
    State(state): State<AppState>,
    query: GraphQuery,
) -> Result<Response> {
    caller.require(&permissions::GROUPS_READ)?;
    count_kind(&caller, &state, &query, Kind::Group).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CheckMemberGroups {
    group_ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CheckMemberObjects {
    ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetMemberGroups {
    security_enabled_only: Option<bool>,
}

/// Graph caps getMemberGroups at 11,000 results.
const MEMBER_GROUPS_LIMIT: usize = 11_000;

/// Resolves the object a check runs on (a user by id or UPN, or any object by id). The
/// permission is checked first: a caller without it must not learn which ids exist (403, not
/// 404).
async fn subject(state: &AppState, caller: &Caller, key: &str) -> Result<String> {
    caller.require(&permissions::MEMBERSHIP_READ)?;
    let tenant = caller.tenant.as_str();
    let mut conn = state.db.pool.acquire().await?;
    if let Some(row) = store::objects::get_object(&mut conn, tenant, key).await? {
        return Ok(row.id);
    }
    let row = store::objects::get_user(&mut conn, tenant, key)
        .await?
        .ok_or_else(|| GraphError::not_found(key))?;
    Ok(row.id)
}

fn guids(ids: &[String], property: &str) -> Result<Vec<String>> {
    if ids.len() > 20 {
        // Divergence: Graph's text for more than 20 ids is not captured.
        return Err(GraphError::request_bad_request(format!(
            "The number of '{property}' exceeds the maximum of 20."
        )));
    }
    ids.iter()
        .map(|id| {
            uuid::Uuid::parse_str(id)
                .map(|u| u.to_string())
                .map_err(|_| GraphError::request_bad_request(format!("Invalid GUID:{id}")))
        })
        .collect()
}

fn strings(origin: &Origin, version: ApiVersion, values: Vec<String>) -> GraphJson {
    let context = format!(
        "{}/{}/$metadata#Collection(Edm.String)",
        origin.0,
        version.segment()
    );
    GraphJson(
        StatusCode::OK,
        wire::collection(
            context,
            None,
            None,
            values.into_iter().map(Value::String).collect(),
        ),
    )
}

async fn run_check(
    state: &AppState,
    caller: &Caller,
    version: ApiVersion,
    origin: &Origin,
    subject_id: &str,
    body: serde_json::Map<String, Value>,
    objects: bool,
) -> Result<GraphJson> {
    caller.require(&permissions::MEMBERSHIP_READ)?;
    let ids = if objects {
        guids(
            &typed::<CheckMemberObjects>(Value::Object(body), "checkMemberObjects")?.ids,
            "ids",
        )?
    } else {
        guids(
            &typed::<CheckMemberGroups>(Value::Object(body), "checkMemberGroups")?.group_ids,
            "groupIds",
        )?
    };
    let mut conn = state.db.pool.acquire().await?;
    let found =
        store::members::transitive_groups_among(&mut conn, &caller.tenant, subject_id, &ids)
            .await?;
    // Keep the caller's order, as Graph lists the matching ids it was given.
    let matching = ids.into_iter().filter(|id| found.contains(id)).collect();
    Ok(strings(origin, version, matching))
}

async fn run_get(
    state: &AppState,
    caller: &Caller,
    version: ApiVersion,
    origin: &Origin,
    subject_id: &str,
    body: serde_json::Map<String, Value>,
) -> Result<GraphJson> {
    caller.require(&permissions::MEMBERSHIP_READ)?;
    let request: GetMemberGroups = typed(Value::Object(body), "getMemberGroups")?;
    let security_only = request.security_enabled_only.ok_or_else(|| {
        GraphError::request_bad_request(
            "Invalid value specified for property 'securityEnabledOnly'.",
        )
    })?;
    let mut conn = state.db.pool.acquire().await?;
    let groups = store::members::transitive_groups(&mut conn, &caller.tenant, subject_id).await?;
    let ids: Vec<String> = groups
        .into_iter()
        .filter(|(_, security)| !security_only || *security)
        .map(|(id, _)| id)
        .collect();
    if ids.len() > MEMBER_GROUPS_LIMIT {
        return Err(GraphError::new(
            ErrorCode::DirectoryResultSizeLimitExceeded,
            "The results could not be returned because too many entries were found. The limit on the number of results is 11000.",
        ));
    }
    Ok(strings(origin, version, ids))
}

/// POST /{users|groups|directoryObjects}/{id}/checkMemberGroups — transitive, ≤ 20 ids.
async fn check_member_groups(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    Path(key): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let id = subject(&state, &caller, &key).await?;
    run_check(&state, &caller, version, &origin, &id, body, false).await
}

/// POST /me/checkMemberGroups.
async fn me_check_member_groups(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let id = super::users::me(&caller)?.to_owned();
    run_check(&state, &caller, version, &origin, &id, body, false).await
}

/// POST /{users|groups|directoryObjects}/{id}/checkMemberObjects — transitive, ≤ 20 ids.
// Divergence: only groups are matched; tenantsim has no directoryRole or administrativeUnit objects.
async fn check_member_objects(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    Path(key): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let id = subject(&state, &caller, &key).await?;
    run_check(&state, &caller, version, &origin, &id, body, true).await
}

/// POST /me/checkMemberObjects.
async fn me_check_member_objects(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let id = super::users::me(&caller)?.to_owned();
    run_check(&state, &caller, version, &origin, &id, body, true).await
}

/// POST /{users|groups|directoryObjects}/{id}/getMemberGroups.
async fn get_member_groups(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    Path(key): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let id = subject(&state, &caller, &key).await?;
    run_get(&state, &caller, version, &origin, &id, body).await
}

/// POST /me/getMemberGroups.
async fn me_get_member_groups(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let id = super::users::me(&caller)?.to_owned();
    run_get(&state, &caller, version, &origin, &id, body).await
}

/// POST /{users|groups|directoryObjects}/{id}/getMemberObjects (groups only, as above).
async fn get_member_objects(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    Path(key): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let id = subject(&state, &caller, &key).await?;
    run_get(&state, &caller, version, &origin, &id, body).await
}

/// POST /me/getMemberObjects.
async fn me_get_member_objects(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let id = super::users::me(&caller)?.to_owned();
    run_get(&state, &caller, version, &origin, &id, body).await
}
