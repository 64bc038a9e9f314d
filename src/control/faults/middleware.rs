//! The fault middleware: applies the armed rules. Kept apart from the rules so the application state can hold `Faults` without importing a module that imports it.

use crate::control::{Identity, Surface};
use crate::state::AppState;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::*;

/// Applies the armed rules to a request from `identity`: `Some(answer)` when a rule answers in
/// the handler's place (after its delay), `None` to go on.
pub async fn intercept(
    state: &AppState,
    method: &str,
    path: &str,
    identity: &Identity,
) -> Option<Response> {
    let surface = Surface::of(path);
    if surface == Surface::Control || !state.faults.armed.load(Ordering::Acquire) {
        return None;
    }
    let decision = state.faults.decide(method, path, surface, identity);
    if decision.delay_ms > 0 {
        Box::pin(tokio::time::sleep(Duration::from_millis(decision.delay_ms))).await;
    }
    Some(match decision.answer {
        None | Some(Action::Latency { .. }) => return None,
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
    })
}
