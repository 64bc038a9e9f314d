//! The tenant's authorizationPolicy: `GET/PATCH /v1.0/policies/authorizationPolicy` (a single
//! object with `defaultUserRolePermissions.permissionGrantPoliciesAssigned`) and
//! `GET/PATCH /beta/policies/authorizationPolicy/authorizationPolicy` (top-level
//! `permissionGrantPolicyIdsAssignedToDefaultUserRole`). Both read and write the one stored
//! policy of [`crate::policy`], which also drives the user-consent rule of the sign-in pages.
//! See <https://learn.microsoft.com/graph/api/authorizationpolicy-get>,
//! <https://learn.microsoft.com/graph/api/authorizationpolicy-update> and the beta
//! authorizationpolicy-get page (graph-contract §10).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value};

use crate::auth::{Caller, permissions};
use crate::error::{ErrorCode, GraphError, Result};
use crate::policy::{self, Shape};
use crate::protocol::request::JsonObject;
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store;

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
        .route(
            "/policies/authorizationPolicy",
            get(get_authorization_policy).patch(update_authorization_policy),
        )
        .route(
            "/policies/authorizationPolicy/authorizationPolicy",
            get(get_beta_authorization_policy).patch(update_beta_authorization_policy),
        )
}

/// The caller's tenant settings as JSON.
async fn settings(conn: &mut sqlx::SqliteConnection, caller: &Caller) -> Result<(String, Value)> {
    let tenant = store::tenants::resolve_tenant(conn, &caller.tenant)
        .await?
        .ok_or_else(|| GraphError::not_found(&caller.tenant))?;
    let settings = serde_json::from_str(&tenant.settings).unwrap_or(Value::Null);
    Ok((tenant.id, settings))
}

fn entity(origin: &Origin, version: ApiVersion, fields: Map<String, Value>) -> GraphJson {
    let context = wire::context_url(origin, version, "policies/authorizationPolicy", None, true);
    GraphJson(StatusCode::OK, wire::entity(context, fields))
}

/// GET /policies/authorizationPolicy — authorizationpolicy-get. v1.0: the single policy object.
/// beta: a collection holding it (beta models the policy as a collection; the entity itself is
/// at `/policies/authorizationPolicy/authorizationPolicy`).
/// Permissions: `permissions::AUTHORIZATION_POLICY_READ`.
async fn get_authorization_policy(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
) -> Result<GraphJson> {
    caller.require(&permissions::AUTHORIZATION_POLICY_READ)?;
    let (_, settings) = settings(&mut *state.db.pool.acquire().await?, &caller).await?;
    let policy = policy::current(&settings);
    Ok(match version {
        ApiVersion::V1 => entity(&origin, version, policy::v1(&policy)),
        // Divergence: the stored beta example only shows the entity path; that beta's
        // collection path answers a one-item collection is inferred from the beta model.
        ApiVersion::Beta => {
            let context = wire::context_url(
                &origin,
                version,
                "policies/authorizationPolicy",
                None,
                false,
            );
            let item = Value::Object(policy::beta(&policy));
            GraphJson(
                StatusCode::OK,
                wire::collection(context, None, None, vec![item]),
            )
        }
    })
}

/// GET /beta/policies/authorizationPolicy/authorizationPolicy — beta authorizationpolicy-get:
/// the entity in the beta shape (the golden example's `…#policies/authorizationPolicy/$entity`).
/// v1.0 has no such path. Permissions: `permissions::AUTHORIZATION_POLICY_READ`.
async fn get_beta_authorization_policy(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
) -> Result<GraphJson> {
    beta_only(version)?;
    caller.require(&permissions::AUTHORIZATION_POLICY_READ)?;
    let (_, settings) = settings(&mut *state.db.pool.acquire().await?, &caller).await?;
    Ok(entity(
        &origin,
        version,
        policy::beta(&policy::current(&settings)),
    ))
}

fn beta_only(version: ApiVersion) -> Result<()> {
    match version {
        ApiVersion::Beta => Ok(()),
        ApiVersion::V1 => Err(GraphError::unknown_segment("authorizationPolicy")),
    }
}

/// PATCH /v1.0/policies/authorizationPolicy — authorizationpolicy-update. 204; a partial body,
/// properties left out keep their values. Permissions: `permissions::AUTHORIZATION_POLICY_WRITE`
/// (delegated: also Privileged Role Administrator or Global Administrator).
async fn update_authorization_policy(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    if version == ApiVersion::Beta {
        // Divergence: beta updates the entity path; Graph's answer on the collection is not captured.
        return Err(GraphError::new(
            ErrorCode::MethodNotAllowed,
            "Specified HTTP method is not allowed for the request target.",
        ));
    }
    caller.require(&permissions::AUTHORIZATION_POLICY_WRITE)?;
    update(&state, &caller, &body, Shape::V1).await
}

/// PATCH /beta/policies/authorizationPolicy/authorizationPolicy — beta authorizationpolicy-update,
/// in the beta shape. 204. Permissions: `permissions::AUTHORIZATION_POLICY_WRITE`.
async fn update_beta_authorization_policy(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    beta_only(version)?;
    caller.require(&permissions::AUTHORIZATION_POLICY_WRITE)?;
    update(&state, &caller, &body, Shape::Beta).await
}

async fn update(
    state: &AppState,
    caller: &Caller,
    body: &Map<String, Value>,
    shape: Shape,
) -> Result<Response> {
    let mut tx = state.db.begin_write().await?;
    let (tenant, settings) = settings(&mut tx, caller).await?;
    let mut current = policy::current(&settings);
    policy::apply_patch(&mut current, body, shape).map_err(|err| GraphError::bad_request(err.0))?;
    let text = policy::store_into(&settings, &current);
    store::tenants::update_settings(&mut tx, &tenant, &text).await?;
    tx.commit().await?;
    Ok(wire::no_content())
}
