//! The front middleware: one layer that gives each request its context (ids, Graph's headers),
//! records it in the journal, applies the armed fault rules and the throttling mode, and
//! refuses a path that does not decode before the router sees it; it also answers CORS, turns
//! a handler's panic into Graph's 500 and logs each request. One layer rather than five: each
//! `from_fn` layer boxes a future and clones the service per request, which was measurable on
//! the authenticated GET.

use std::convert::Infallible;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use tracing::Instrument;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;

use crate::error::GraphError;
use crate::request_context::middleware as context;
use crate::state::AppState;

/// The front middleware's work (`app` adds the routers `$batch` and the fallback reach), in
/// the request's span, ending in `routes` (the router behind it). A panic anywhere under it
/// answers Graph's 500 (the handler's own is caught inside, so that the answer carries the
/// request's id and is journaled).
pub fn run<S>(
    state: AppState,
    request: Request,
    routes: S,
) -> impl std::future::Future<Output = Response> + use<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send,
{
    // The span names the path only: a query string can carry a secret (`?code=…`).
    let span =
        tracing::debug_span!("request", method = %request.method(), path = %request.uri().path());
    // Shared bytes, not a copy: for the line a server error logs whatever the level.
    let uri = request.uri().clone();
    // A combinator, not an `async` block: one would hold `answer`'s future twice (the
    // captured value and the one being awaited), 5.4 KB copied into place per request.
    AssertUnwindSafe(answer(state, request, routes).instrument(span.clone()))
        .catch_unwind()
        .map(move |answered| {
            let response = answered.unwrap_or_else(panicked);
            let status = response.status();
            let _entered = span.enter();
            if status == axum::http::StatusCode::NOT_IMPLEMENTED {
                // A designed answer (a real Graph path or property tenantsim does not
                // emulate), not a fault: worth seeing, not an alarm.
                tracing::warn!(path = uri.path(), "answered 501: not emulated by tenantsim");
            } else if status.is_server_error() {
                tracing::error!(
                    status = status.as_u16(),
                    path = uri.path(),
                    "answered with a server error"
                );
            } else {
                tracing::debug!(status = status.as_u16(), "answered");
            }
            response
        })
}

fn panicked(_: Box<dyn std::any::Any + Send>) -> Response {
    GraphError::internal(anyhow::anyhow!("handler panicked")).into_response()
}

async fn answer<S>(state: AppState, request: Request, routes: S) -> Response
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
{
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
            let routed = routes.oneshot(request).map(|answer| match answer {
                Ok(response) => response,
                Err(never) => match never {},
            });
            let answered = AssertUnwindSafe(routed).catch_unwind().await;
            (answered.unwrap_or_else(panicked), identity)
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
