//! Per-request context: Graph's `request-id` / `client-request-id` headers and the values that
//! every error envelope's `innerError` repeats. See <https://learn.microsoft.com/graph/errors>.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;

use crate::clock::inner_error_date;
use crate::state::AppState;

/// What an error envelope needs to know about the request it answers.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub client_request_id: String,
    pub date: String,
}

tokio::task_local! {
    static CONTEXT: RequestContext;
}

/// The context of the request being handled; outside a request (unit tests), a fresh one.
pub fn current() -> RequestContext {
    CONTEXT.try_with(Clone::clone).unwrap_or_else(|_| {
        let id = Uuid::new_v4().to_string();
        RequestContext {
            request_id: id.clone(),
            client_request_id: id,
            date: inner_error_date(time::OffsetDateTime::now_utc()),
        }
    })
}

fn client_request_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("client-request-id")?.to_str().ok()?.trim();
    // Echo only something header-safe and short; anything else is replaced by a fresh id.
    (!value.is_empty() && value.len() <= 128).then(|| value.to_owned())
}

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
