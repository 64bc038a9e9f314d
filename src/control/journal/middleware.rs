//! The journal middleware: records each request in the state's journal. Kept apart from the journal itself so the application state can hold a `Journal` without importing a module that imports it.

use crate::control::{Identity, Surface};
use crate::error::{ErrorCode, GraphError};
use crate::request_context;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Instant;
use time::OffsetDateTime;

use super::*;

/// Records a request arrived at `time` (inside its request context) around `inner`, which
/// gets the request and who it claims to be (for the fault and throttle rules) and answers it,
/// handing the identity back for the record (moved, not copied, on every request).
pub async fn around<F, Fut>(
    state: &AppState,
    request: Request,
    time: OffsetDateTime,
    inner: F,
) -> Response
where
    F: FnOnce(Request, Identity) -> Fut,
    Fut: std::future::Future<Output = (Response, Identity)>,
{
    let started = Instant::now();
    let surface = Surface::of(request.uri().path());
    if surface == Surface::Control {
        return inner(request, Identity::default()).await.0;
    }
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
        match Box::pin(axum::body::to_bytes(body, state.settings.body_limit)).await {
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
                record(state, &parts, query, time, None, None, &response, started);
                return response;
            }
        }
    } else {
        (body, Bytes::new())
    };
    let (identity, cached) =
        identity_of(state, surface, &parts, query.as_deref(), form_post, &bytes);
    if let Some(caller) = cached {
        parts.extensions.insert(crate::auth::CachedCaller(caller));
    }
    let recorded = state
        .journal
        .records_bodies()
        .then(|| crate::control::redact::body(&bytes, BODY_CAP))
        .flatten();
    // The URI is shared (`Bytes`): this clone copies no text.
    let method = parts.method.clone();
    let uri = parts.uri.clone();
    let (response, identity) = inner(Request::from_parts(parts, body), identity).await;
    let entry_identity = Identity {
        // A token's tenant counts once the token was accepted (anything but a 401).
        tenant: identity
            .tenant
            .filter(|_| !identity.from_token || response.status().as_u16() != 401),
        ..identity
    };
    push(
        state,
        method.as_str(),
        uri.path(),
        query,
        time,
        Some(entry_identity),
        recorded,
        response.status().as_u16(),
        started,
    );
    response
}

/// Who a request claims to be: a bearer token already verified is read from the verified-token
/// cache (no decoding on the hot path), and its caller returned for the handler's extractor;
/// anything else as `Identity::of` reads it.
fn identity_of(
    state: &AppState,
    surface: Surface,
    parts: &axum::http::request::Parts,
    query: Option<&str>,
    form_post: bool,
    bytes: &Bytes,
) -> (Identity, Option<crate::auth::Caller>) {
    if let Some(caller) =
        crate::control::bearer(&parts.headers).and_then(|token| state.verified_tokens.get(token))
    {
        let identity = Identity {
            tenant: Some(Arc::clone(&caller.tenant)),
            app_id: Some(Arc::clone(&caller.app_id)),
            from_token: true,
        };
        return (identity, Some(caller));
    }
    let form = form_post
        .then(|| crate::protocol::request::parse_pairs(std::str::from_utf8(bytes).ok()))
        .and_then(|pairs| pairs.ok());
    let identity = Identity::of(
        surface,
        parts.uri.path(),
        &parts.headers,
        query,
        form.as_deref(),
    );
    (identity, None)
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
        parts.uri.path(),
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
    path: &str,
    query: Option<String>,
    time: OffsetDateTime,
    identity: Option<Identity>,
    request_body: Option<String>,
    status: u16,
    started: Instant,
) {
    let identity = identity.unwrap_or_default();
    state.journal.push(NewEntry {
        request_id: request_context::current().request_id,
        at: time,
        method,
        path,
        query,
        tenant: identity.tenant,
        client_app: identity.app_id,
        status,
        duration_micros: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        request_body,
    });
}
