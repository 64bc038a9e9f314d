//! Per-request context: Graph's `request-id` / `client-request-id` headers and the values that
//! every error envelope's `innerError` repeats. See <https://learn.microsoft.com/graph/errors>.

use axum::http::HeaderMap;
use uuid::Uuid;

use crate::clock::inner_error_date;

pub mod middleware;

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
