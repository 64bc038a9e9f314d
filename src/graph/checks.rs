//! Membership checks — checkMemberGroups, checkMemberObjects, getMemberGroups,
//! getMemberObjects — one handler each for every directory object that has them (users,
//! groups, servicePrincipals, applications, directoryObjects) and `/me`. See directoryobject-checkmembergroups,
//! directoryobject-checkmemberobjects, directoryobject-getmembergroups.

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::post;
use serde::Deserialize;
use serde_json::Value;

use crate::auth::{Caller, permissions};
use crate::error::{ErrorCode, GraphError, Result};
use crate::protocol::request::{JsonObject, typed};
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, objects::Kind};

pub fn router() -> super::routes::Routes {
    // Each action on every directory object that has it, and on the signed-in user.
    super::routes::Routes::new()
        .route("/users/{user}/checkMemberGroups", post(check_member_groups))
        .route(
            "/users/{user}/checkMemberObjects",
            post(check_member_objects),
        )
        .route("/users/{user}/getMemberGroups", post(get_member_groups))
        .route("/users/{user}/getMemberObjects", post(get_member_objects))
        .route(
            "/groups/{group}/checkMemberGroups",
            post(check_member_groups),
        )
        .route(
            "/groups/{group}/checkMemberObjects",
            post(check_member_objects),
        )
        .route("/groups/{group}/getMemberGroups", post(get_member_groups))
        .route("/groups/{group}/getMemberObjects", post(get_member_objects))
        .route(
            "/servicePrincipals/{sp}/checkMemberGroups",
            post(check_member_groups),
        )
        .route(
            "/servicePrincipals/{sp}/checkMemberObjects",
            post(check_member_objects),
        )
        .route(
            "/servicePrincipals/{sp}/getMemberGroups",
            post(get_member_groups),
        )
        .route(
            "/servicePrincipals/{sp}/getMemberObjects",
            post(get_member_objects),
        )
        .route(
            "/directoryObjects/{id}/checkMemberGroups",
            post(check_member_groups),
        )
        .route(
            "/directoryObjects/{id}/checkMemberObjects",
            post(check_member_objects),
        )
        .route(
            "/directoryObjects/{id}/getMemberGroups",
            post(get_member_groups),
        )
        .route(
            "/directoryObjects/{id}/getMemberObjects",
            post(get_member_objects),
        )
        .route("/me/checkMemberGroups", post(check_member_groups))
        .route("/me/checkMemberObjects", post(check_member_objects))
        .route("/me/getMemberGroups", post(get_member_groups))
        .route("/me/getMemberObjects", post(get_member_objects))
}

/// The object a `/{set}/{id}/…` route names and the kind its set holds (`None` for
/// `directoryObjects`); `key` is `None` on `/me/…`.
pub struct SubjectKey {
    pub key: Option<String>,
    pub kind: Option<Kind>,
}

impl<S: Send + Sync> FromRequestParts<S> for SubjectKey {
    type Rejection = GraphError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| GraphError::bad_request("The request URL's path could not be read."))?;
        let key = params.iter().next().map(|(_, value)| value.to_owned());
        let set = parts
            .extensions
            .get::<MatchedPath>()
            .and_then(|p| p.as_str().trim_start_matches('/').split('/').nth(1))
            .unwrap_or("");
        let kind = match set {
            "users" => Some(Kind::User),
            "groups" => Some(Kind::Group),
            "servicePrincipals" => Some(Kind::ServicePrincipal),
            "applications" => Some(Kind::Application),
            _ => None,
        };
        Ok(Self { key, kind })
    }
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

/// Resolves the object a check runs on (a user by id or UPN, or any object by id; `/me`: the
/// signed-in user). The permission is checked first: a caller without it must not learn which
/// ids exist (403, not 404).
async fn subject(state: &AppState, caller: &Caller, subject: &SubjectKey) -> Result<String> {
    let Some(key) = subject.key.as_deref() else {
        return Ok(super::users::me(caller)?.to_owned());
    };
    caller.require(&permissions::MEMBERSHIP_READ)?;
    let tenant: &str = &caller.tenant;
    let mut conn = state.db.pool.acquire().await?;
    let row = match subject.kind {
        Some(Kind::User) => store::objects::get_user(&mut conn, tenant, key).await?,
        Some(kind) => store::objects::get_by_kind(&mut conn, tenant, kind, key).await?,
        None => match store::objects::get_object(&mut conn, tenant, key).await? {
            Some(row) => Some(row),
            None => store::objects::get_user(&mut conn, tenant, key).await?,
        },
    };
    Ok(row.ok_or_else(|| GraphError::not_found(key))?.id)
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

/// POST …/checkMemberGroups — transitive, ≤ 20 ids.
async fn check_member_groups(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    key: SubjectKey,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let id = subject(&state, &caller, &key).await?;
    run_check(&state, &caller, version, &origin, &id, body, false).await
}

/// POST …/checkMemberObjects — transitive, ≤ 20 ids.
// Divergence: only groups (and, once activated, directory roles) are matched; tenantsim has no
// administrativeUnit objects.
async fn check_member_objects(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    key: SubjectKey,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let id = subject(&state, &caller, &key).await?;
    run_check(&state, &caller, version, &origin, &id, body, true).await
}

/// POST …/getMemberGroups.
async fn get_member_groups(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    key: SubjectKey,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let id = subject(&state, &caller, &key).await?;
    run_get(&state, &caller, version, &origin, &id, body).await
}

/// POST …/getMemberObjects (groups only, as above).
async fn get_member_objects(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    key: SubjectKey,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let id = subject(&state, &caller, &key).await?;
    run_get(&state, &caller, version, &origin, &id, body).await
}
