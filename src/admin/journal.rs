//! `/_tenantsim/requests`: the request journal (see `control::journal`).

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

use crate::control::journal::Filter;
use crate::error::{GraphError, Result};
use crate::protocol::wire::{GraphJson, no_content};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/_tenantsim/requests", get(list).delete(clear))
}

/// GET /_tenantsim/requests?tenant=&status=&method=&path=&since=&limit= — recorded requests,
/// newest last. `status` is exact (`429`) or a class (`5xx`); `path` a prefix; `since` a
/// request id (entries after it) or an RFC 3339 time on the simulated clock; `limit` keeps the
/// newest. Body: `{"value":[{seq, requestId, time, method, path, query?, tenant, clientApp,
/// status, durationMicros, requestBody?}], "capacity", "kept", "dropped"}`.
async fn list(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<GraphJson> {
    let limit = match query.get("limit") {
        Some(text) => Some(text.parse::<usize>().map_err(|_| {
            GraphError::request_bad_request("The query parameter 'limit' must be a whole number.")
        })?),
        None => None,
    };
    let text = |name: &str| query.get(name).filter(|v| !v.is_empty()).cloned();
    let filter = Filter {
        tenant: text("tenant"),
        status: text("status"),
        method: text("method"),
        path: text("path"),
        since: text("since"),
        limit,
    };
    let entries = state.journal.query(&filter);
    let (kept, dropped) = state.journal.counts();
    Ok(GraphJson(
        StatusCode::OK,
        json!({
            "value": entries,
            "capacity": state.journal.capacity(),
            "kept": kept,
            "dropped": dropped,
        }),
    ))
}

/// DELETE /_tenantsim/requests — empties the journal; 204.
async fn clear(State(state): State<AppState>) -> Response {
    state.journal.clear();
    no_content()
}
