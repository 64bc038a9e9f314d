//! Request ids and Graph's response headers, for the front middleware (`control::front`).
//! Kept apart so error rendering (which reads the context) does not import the application
//! state.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;
use time::OffsetDateTime;

use super::*;

/// The context of a request that just arrived at `at`.
pub fn begin(headers: &HeaderMap, at: OffsetDateTime) -> RequestContext {
    // Graph echoes the client's id as the request id when one is sent (pnp/pnpframework#139).
    let request_id: Arc<str> = match client_request_id(headers) {
        Some(client) => client.into(),
        None => new_request_id(),
    };
    RequestContext { request_id, at }
}

/// Runs `future` as the request `context` describes (errors read it). Not an `async fn`: one
/// would hold `future` twice (its argument and the scope it awaits), 1.9 KB on every request.
pub fn run<F: std::future::Future>(
    context: RequestContext,
    future: F,
) -> impl std::future::Future<Output = F::Output> {
    CONTEXT.scope(context, future)
}

// Names made once: a `&str` name is parsed and copied into a new allocation on every insert.
const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
const AGS_DIAGNOSTIC: HeaderName = HeaderName::from_static("x-ms-ags-diagnostic");
const ODATA_VERSION: HeaderName = HeaderName::from_static("odata-version");

/// Stamps the id headers on every response, and Graph's own (`x-ms-ags-diagnostic`,
/// `OData-Version`) unless `graph_headers` is false (the identity platform sends neither).
pub fn stamp(response: &mut Response, context: &RequestContext, graph_headers: bool) {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&context.request_id) {
        headers.insert(REQUEST_ID, value.clone());
        headers.insert(super::CLIENT_REQUEST_ID, value);
    }
    if !graph_headers {
        return;
    }
    headers.insert(
        AGS_DIAGNOSTIC,
        HeaderValue::from_static(
            r#"{"ServerInfo":{"DataCenter":"tenantsim","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"tenantsim"}}"#,
        ),
    );
    headers.insert(ODATA_VERSION, HeaderValue::from_static("4.0"));
}
