//! The front middleware: one layer that gives each request its context (ids, Graph's headers),
//! records it in the journal, applies the armed fault rules and the throttling mode, and
//! refuses a path that does not decode before the router sees it; it also answers CORS. One
//! layer rather than five: each `from_fn` layer boxes a future and clones the service per
//! request, which was measurable on the authenticated GET.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::GraphError;
use crate::request_context::middleware as context;
use crate::state::AppState;

/// The front middleware's work (`app` adds the routers `$batch` and the fallback reach).
pub async fn run(state: AppState, request: Request, next: Next) -> Response {
    let state = &state;
    let at = state.clock.now();
    let context = context::begin(request.headers(), at);
    if let Some(mut answer) =
        super::cors::preflight(request.method(), request.uri().path(), request.headers())
    {
        context::stamp(&mut answer, &context, false);
        return answer;
    }
    let cors = super::cors::policy_for(request.uri().path(), request.headers());
    let stamped = context.clone();
    let identity_platform = matches!(
        super::Surface::of(request.uri().path()),
        super::Surface::Oauth2 | super::Surface::Identity
    );
    let mut response = context::run(context, async move {
        super::journal::middleware::around(state, request, at, |request, identity| async move {
            let method = request.method().clone();
            let path = request.uri().path();
            if let Some(answer) =
                super::faults::middleware::intercept(state, method.as_str(), path, &identity).await
            {
                return (answer, identity);
            }
            if let Some(answer) =
                super::throttle::middleware::intercept(state, method.as_str(), path, &identity)
                    .await
            {
                return (answer, identity);
            }
            if let Some(answer) = undecodable_path(path) {
                return (answer, identity);
            }
            (next.run(request).await, identity)
        })
        .await
    })
    .await;
    context::stamp(&mut response, &stamped, !identity_platform);
    if let Some(policy) = cors {
        policy.stamp(&mut response);
    }
    response
}

/// Refuses a path whose percent-encoding decodes to invalid UTF-8 before routing: axum's
/// `Path` extractor would answer a plain-text 400. Graph's envelope, or Entra's error on the
/// identity routes.
fn undecodable_path(path: &str) -> Option<Response> {
    if !path.contains('%')
        || percent_encoding::percent_decode_str(path)
            .decode_utf8()
            .is_ok()
    {
        return None;
    }
    let message = "The request URL's path is not valid percent-encoded UTF-8.";
    Some(match super::Surface::of(path) {
        super::Surface::Oauth2 | super::Surface::Identity => {
            crate::sts::error::AadError::invalid_request(900144, message).into_response()
        }
        _ => GraphError::bad_request(message).into_response(),
    })
}
