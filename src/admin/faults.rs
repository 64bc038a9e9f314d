//! `/_tenantsim/faults`: fault rules (see `control::faults` for how they apply).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get};
use serde_json::json;

use crate::control::faults::NewRule;
use crate::error::{GraphError, Result};
use crate::protocol::request::JsonObject;
use crate::protocol::wire::{GraphJson, no_content};
use crate::state::AppState;
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_tenantsim/faults", get(list).post(create).delete(clear))
        .route("/_tenantsim/faults/{id}", delete(remove))
}

/// POST /_tenantsim/faults — arms a rule; 201 with it (and its `id`). Body:
/// `{"match":{"method"?, "path"? (glob with * or prefix), "tenant"?, "clientApp"?},
///   "action": {"throttle":{"retryAfter"?}} | {"error":{"status" (5xx), "code"?, "message"?,
///   "retryAfter"?}} | {"latency":{"ms"} | {"minMs","maxMs"}} | {"tokenError":{"error",
///   "code", "message", "status"?}},
///   "fire"?: {"always":true} (default) | {"times":N} | {"probability":p, "seed"?}}`.
async fn create(State(state): State<AppState>, JsonObject(body): JsonObject) -> Result<GraphJson> {
    let mut rule: NewRule = crate::body_shape::from_value(body.into()).map_err(|m| {
        GraphError::request_bad_request(format!("Invalid fault rule: {}.", m.clause()))
    })?;
    rule.validate()
        .map_err(|err| GraphError::request_bad_request(format!("Invalid fault rule: {err}")))?;
    if let Some(key) = rule.matcher.tenant.clone() {
        rule.matcher.tenant_keys = tenant_keys(&state, &key).await?;
    }
    Ok(GraphJson(StatusCode::CREATED, state.faults.add(rule)))
}

/// Every key naming the tenant `key` names (its id and verified domains), so a rule fires
/// whichever form a request carries; a multi-tenant segment (`common`, …) stands for itself.
/// 400 for a key that names no tenant: such a rule would never fire.
async fn tenant_keys(state: &AppState, key: &str) -> Result<Vec<String>> {
    let lower = key.to_ascii_lowercase();
    if ["common", "organizations", "consumers"].contains(&lower.as_str()) {
        return Ok(vec![lower]);
    }
    let mut conn = state.db.pool.acquire().await?;
    let tenant = store::tenants::resolve_tenant(&mut conn, key)
        .await?
        .ok_or_else(|| {
            GraphError::request_bad_request(format!(
                "Invalid fault rule: match.tenant '{key}' is no tenant's id or verified domain."
            ))
        })?;
    let mut keys = store::tenants::tenant_domains(&mut conn, &tenant.id).await?;
    keys.push(tenant.id);
    Ok(keys)
}

/// GET /_tenantsim/faults — `{"value":[rule]}`, each with `matched`, `fired` and `remaining`
/// (for `times` rules).
async fn list(State(state): State<AppState>) -> GraphJson {
    GraphJson(StatusCode::OK, json!({ "value": state.faults.list() }))
}

/// DELETE /_tenantsim/faults/{id} — disarms one rule; 204, or 404.
async fn remove(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    if state.faults.remove(&id) {
        Ok(no_content())
    } else {
        Err(GraphError::not_found(id))
    }
}

/// DELETE /_tenantsim/faults — disarms every rule; 204.
async fn clear(State(state): State<AppState>) -> Response {
    state.faults.clear();
    no_content()
}
