//! tenantsim's own control API under `/_tenantsim/` (JSON; not Microsoft Graph): for test
//! suites and labs. Open when no `--admin-key` is set (which `serve` allows only on a loopback
//! address); with a key, every call needs `Authorization: Bearer <key>`.
//! Each area has its own module and `router()`, merged here.

pub mod ca;
pub mod clock;
pub mod faults;
pub mod journal;
pub mod linkedin;
pub mod restore;
pub mod seeds;
pub mod template;
pub mod tenants;
pub mod throttling;
pub mod tokens;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::GraphError;
use crate::state::AppState;

pub fn router(state: AppState) -> Router<AppState> {
    let keyed = Router::new()
        .merge(linkedin::router())
        .merge(linkedin::write_router())
        .merge(tenants::router(state.settings.import_body_limit))
        .merge(journal::router())
        .merge(faults::router())
        .merge(throttling::router())
        .merge(clock::router())
        .merge(tokens::router())
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            require_admin_key,
        ));
    Router::new()
        .merge(keyed)
        .merge(linkedin::public_router())
        .merge(ca::router())
}

/// With `--admin-key`, refuses calls that do not present it (constant-time comparison).
async fn require_admin_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(key) = state.settings.admin_key.as_deref() else {
        return next.run(request).await;
    };
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned())
        .unwrap_or_default();
    if aws_lc_rs::constant_time::verify_slices_are_equal(presented.as_bytes(), key.as_bytes())
        .is_ok()
    {
        next.run(request).await
    } else {
        GraphError::unauthenticated(
            "The tenantsim admin API needs 'Authorization: Bearer <admin key>'.",
        )
        .into_response()
    }
}
