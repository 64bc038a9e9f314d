//! The fault middleware: applies the armed rules. Kept apart from the rules so the application state can hold `Faults` without importing a module that imports it.

use crate::control::{Identity, Surface};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::*;

/// Middleware: applies the armed rules.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let surface = Surface::of(path);
    if surface == Surface::Control || !state.faults.armed.load(Ordering::Acquire) {
        return next.run(request).await;
    }
    let identity = request
        .extensions()
        .get::<Identity>()
        .cloned()
        .unwrap_or_else(|| {
            Identity::of(
                surface,
                path,
                request.headers(),
                request.uri().query(),
                None,
            )
        });
    let decision = state
        .faults
        .decide(request.method().as_str(), path, surface, &identity);
    if decision.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(decision.delay_ms)).await;
    }
    match decision.answer {
        None | Some(Action::Latency { .. }) => next.run(request).await,
        Some(Action::Throttle { retry_after }) => {
            crate::control::throttle::too_many_requests(retry_after)
        }
        Some(Action::Error {
            status,
            code,
            message,
            retry_after,
        }) => {
            let mut response = graph_error(status, code.as_deref(), message.as_deref());
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        Some(Action::TokenError {
            error,
            code,
            message,
            status,
        }) => token_error(&error, code, &message, status),
    }
}
