//! Outermost middleware: assigns the request ids and runs the request in its context. Kept apart so error rendering (which reads the context) does not import the application state.

use crate::clock::inner_error_date;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;

use super::*;

/// Outermost Graph middleware: assigns ids, runs the request inside its context and stamps
/// the id headers Graph sends on every response.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let client_id = client_request_id(request.headers());
    // Graph echoes the client's id as the request id when one is sent (pnp/pnpframework#139).
    let request_id = client_id
        .clone()
        .unwrap_or_else(|| Uuid::new_v4().to_string());
    let context = RequestContext {
        client_request_id: client_id.unwrap_or_else(|| request_id.clone()),
        request_id,
        date: inner_error_date(state.clock.now()),
    };
    let headers_context = context.clone();
    let mut response = CONTEXT.scope(context, next.run(request)).await;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&headers_context.request_id) {
        headers.insert("request-id", value);
    }
    if let Ok(value) = HeaderValue::from_str(&headers_context.client_request_id) {
        headers.insert("client-request-id", value);
    }
    headers.insert(
        "x-ms-ags-diagnostic",
        HeaderValue::from_static(
            r#"{"ServerInfo":{"DataCenter":"tenantsim","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"tenantsim"}}"#,
        ),
    );
    headers.insert("odata-version", HeaderValue::from_static("4.0"));
    response
}
