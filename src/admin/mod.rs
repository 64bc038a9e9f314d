//! tenantsim's own control API under `/_tenantsim/` (JSON; not Microsoft Graph): for test
//! suites and labs. Open on loopback by default; behind a bearer key when `--admin-key` is set.
//! Each area has its own module and `router()`, merged here.

pub mod linkedin;

use axum::Router;

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(linkedin::router())
}
