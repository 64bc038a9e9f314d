//! `GET /_tenantsim/ca.pem`: the local CA's certificate, so a container or remote user fetches
//! the trust anchor for the HTTPS listener with one request. Open without the admin key: a CA
//! certificate is public (its key never leaves the data directory).

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::{ErrorCode, GraphError};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/_tenantsim/ca.pem", get(ca_pem))
}

/// GET /_tenantsim/ca.pem — 200 `application/x-pem-file`; 404 when tenantsim has no CA of its
/// own (`--no-https`, or a certificate given with `--tls-cert`).
async fn ca_pem(State(state): State<AppState>) -> Response {
    match state.ca_pem.get() {
        Some(pem) => (
            [
                (header::CONTENT_TYPE, "application/x-pem-file"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"tenantsim-ca.pem\"",
                ),
            ],
            pem.clone(),
        )
            .into_response(),
        None => GraphError::new(
            ErrorCode::RequestResourceNotFound,
            "tenantsim has no CA of its own: HTTPS is off (--no-https) or serves the certificate given with --tls-cert.",
        )
        .into_response(),
    }
}
