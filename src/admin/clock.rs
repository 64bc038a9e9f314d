//! `/_tenantsim/clock`: the simulated clock that token issuing and validation and every
//! timestamp read (`clock::Clock`).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

use crate::clock::{graph_timestamp, parse_timestamp};
use crate::error::{GraphError, Result};
use crate::protocol::request::JsonObject;
use crate::protocol::wire::GraphJson;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/_tenantsim/clock", get(show).put(set).delete(reset))
}

fn view(state: &AppState) -> GraphJson {
    let clock = &state.clock;
    GraphJson(
        StatusCode::OK,
        json!({
            "now": graph_timestamp(clock.now()),
            "unix": clock.unix(),
            "offsetSeconds": clock.offset_seconds(),
            "frozen": clock.frozen_at().is_some(),
            "frozenAt": clock.frozen_at().map(graph_timestamp),
        }),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SetClock {
    offset_seconds: Option<i64>,
    freeze_at: Option<String>,
    freeze: Option<bool>,
}

/// GET /_tenantsim/clock — `{"now", "unix", "offsetSeconds", "frozen", "frozenAt"}`.
async fn show(State(state): State<AppState>) -> GraphJson {
    view(&state)
}

/// PUT /_tenantsim/clock — any of `{"offsetSeconds": n}` (time runs n seconds ahead; negative
/// goes back), `{"freezeAt": "2030-01-01T00:00:00Z"}` (time stops there), `{"freeze": true}`
/// (stops at the current simulated time) / `{"freeze": false}` (runs again, offset kept).
/// Answers like GET.
async fn set(State(state): State<AppState>, JsonObject(body): JsonObject) -> Result<GraphJson> {
    let body: SetClock = crate::body_shape::from_value(body.into()).map_err(|m| {
        GraphError::request_bad_request(format!("Invalid clock settings: {}.", m.clause()))
    })?;
    let freeze_at = match body.freeze_at.as_deref() {
        Some(text) => Some(parse_timestamp(text).filter(|at| YEARS.contains(&at.year())).ok_or_else(|| {
            GraphError::request_bad_request(format!(
                "Invalid clock settings: freezeAt '{text}' is not an RFC 3339 time in the years 1970 to 9998."
            ))
        })?),
        None => None,
    };
    if freeze_at.is_some() && body.freeze == Some(false) {
        return Err(GraphError::request_bad_request(
            "Invalid clock settings: freezeAt and freeze:false contradict each other.",
        ));
    }
    if let Some(offset) = body.offset_seconds
        && !offset_in_range(offset)
    {
        return Err(GraphError::request_bad_request(format!(
            "Invalid clock settings: offsetSeconds {offset} moves the time outside the years 1970 to 9998."
        )));
    }
    if let Some(offset) = body.offset_seconds {
        state.clock.set_offset(offset);
    }
    match (freeze_at, body.freeze) {
        (Some(at), _) => state.clock.freeze(Some(at)),
        (None, Some(true)) => {
            let now = state.clock.now();
            state.clock.freeze(Some(now));
        }
        (None, Some(false)) => state.clock.freeze(None),
        (None, None) => {}
    }
    Ok(view(&state))
}

/// Simulated times stay within these years: Unix-time JWT claims are not negative, and adding a
/// token lifetime or a retention period never leaves the four-digit years `time` represents.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=9998;

/// Whether real time plus `offset` seconds stays within `YEARS`.
fn offset_in_range(offset: i64) -> bool {
    time::OffsetDateTime::now_utc()
        .checked_add(time::Duration::seconds(offset))
        .is_some_and(|at| YEARS.contains(&at.year()))
}

/// DELETE /_tenantsim/clock — back to real time (no offset, not frozen). Answers like GET.
async fn reset(State(state): State<AppState>) -> GraphJson {
    state.clock.freeze(None);
    state.clock.set_offset(0);
    view(&state)
}
