//! `/_tenantsim/throttling`: the throttling mode (see `control::throttle` for the limits and
//! the request costs).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;

use crate::error::{GraphError, Result};
use crate::protocol::request::JsonObject;
use crate::protocol::wire::GraphJson;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/_tenantsim/throttling", get(show).put(configure))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Configure {
    enabled: bool,
    #[serde(default = "full_scale")]
    scale: f64,
}

fn full_scale() -> f64 {
    1.0
}

/// GET /_tenantsim/throttling — `{"enabled", "scale", "limits", "costs", "buckets":[{appId,
/// tenant, users, resourceUnits, resourceUnitLimit, writes, writeLimit, throttled}]}`.
async fn show(State(state): State<AppState>) -> GraphJson {
    GraphJson(StatusCode::OK, state.throttle.describe())
}

/// PUT /_tenantsim/throttling `{"enabled": bool, "scale"?: number > 0 (default 1)}` — turns
/// the mode on or off; every bucket starts full again. Answers like GET.
async fn configure(
    State(state): State<AppState>,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let body: Configure = crate::body_shape::from_value(body.into()).map_err(|m| {
        GraphError::request_bad_request(format!("Invalid throttling settings: {}.", m.clause()))
    })?;
    if !(body.scale.is_finite() && body.scale > 0.0) {
        return Err(GraphError::request_bad_request(
            "Invalid throttling settings: scale must be a number above 0.",
        ));
    }
    state.throttle.configure(body.enabled, body.scale);
    Ok(GraphJson(StatusCode::OK, state.throttle.describe()))
}
