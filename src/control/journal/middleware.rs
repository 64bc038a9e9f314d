//! The journal middleware: records each request in the state's journal. Kept apart from the journal itself so the application state can hold a `Journal` without importing a module that imports it.

use crate::control::{Identity, Surface};
use crate::error::{ErrorCode, GraphError};
use crate::request_context;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;
use time::OffsetDateTime;

use super::*;

/// Middleware (inside the request context): identifies the caller for the fault and throttle
/// layers, runs the request and records it.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let path = request.uri().path().to_owned();
    let surface = Surface::of(&path);
    if surface == Surface::Control {
        return next.run(request).await;
    }
    let time = state.clock.now();
    let (mut parts, body) = request.into_parts();
    // Recorded with its secret parameters' values replaced; the handler sees it unchanged.
    let query = parts
        .uri
        .query()
        .map(|q| crate::control::redact::query(q).into_owned());
    // Token requests are read here (small forms) for their `client_id`; other bodies only
    // when the journal keeps them.
    let form_post = surface == Surface::Oauth2 && crate::control::is_form(&parts.headers);
    let (body, bytes) = if form_post || state.journal.records_bodies() {
        match axum::body::to_bytes(body, state.settings.body_limit).await {
            Ok(bytes) => (Body::from(bytes.clone()), bytes),
            Err(_) => {
                // The identity routes answer in Entra's shape, everything else in Graph's.
                let response = if surface == Surface::Oauth2 {
                    crate::sts::error::AadError::invalid_request(
                        900144,
                        "The request body is too large.",
                    )
                    .status(axum::http::StatusCode::PAYLOAD_TOO_LARGE)
                    .into_response()
                } else {
                    GraphError::new(
                        ErrorCode::RequestEntityTooLarge,
                        "The request body is too large.",
                    )
                    .into_response()
                };
                record(&state, &parts, query, time, None, None, &response, started);
                return response;
            }
        }
    } else {
        (body, Bytes::new())
    };
    let form = form_post
        .then(|| crate::protocol::request::parse_pairs(std::str::from_utf8(&bytes).ok()))
        .and_then(|pairs| pairs.ok());
    let identity = Identity::of(
        surface,
        &path,
        &parts.headers,
        query.as_deref(),
        form.as_deref(),
    );
    let recorded = state
        .journal
        .records_bodies()
        .then(|| crate::control::redact::body(&bytes, BODY_CAP))
        .flatten();
    parts.extensions.insert(identity.clone());
    let method = parts.method.clone();
    let response = next.run(Request::from_parts(parts, body)).await;
    let entry_identity = Identity {
        // A token's tenant counts once the token was accepted (anything but a 401).
        tenant: identity
            .tenant
            .filter(|_| !identity.from_token || response.status().as_u16() != 401),
        ..identity
    };
    push(
        &state,
        method.as_str(),
        path,
        query,
        time,
        Some(entry_identity),
        recorded,
        response.status().as_u16(),
        started,
    );
    response
}

#[allow(clippy::too_many_arguments)]
fn record(
    state: &AppState,
    parts: &axum::http::request::Parts,
    query: Option<String>,
    time: OffsetDateTime,
    identity: Option<Identity>,
    body: Option<String>,
    response: &Response,
    started: Instant,
) {
    push(
        state,
        parts.method.as_str(),
        parts.uri.path().to_owned(),
        query,
        time,
        identity,
        body,
        response.status().as_u16(),
        started,
    );
}

#[allow(clippy::too_many_arguments)]
fn push(
    state: &AppState,
    method: &str,
    path: String,
    query: Option<String>,
    time: OffsetDateTime,
    identity: Option<Identity>,
    request_body: Option<String>,
    status: u16,
    started: Instant,
) {
    let identity = identity.unwrap_or_default();
    state.journal.push(Entry {
        seq: 0,
        request_id: request_context::current().request_id,
        time: format_time(time),
        at: time,
        method: method.to_owned(),
        path,
        query,
        tenant: identity.tenant,
        client_app: identity.app_id,
        status,
        duration_micros: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        request_body,
    });
}
