//! Application state, the router with its middleware, and the shutdown signal.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::{DefaultBodyLimit, OriginalUri, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::auth::VerifiedTokens;
use crate::auth::keys::SigningKeys;
use crate::clock::Clock;
use crate::error::GraphError;
use crate::store::Db;
use crate::{graph, request_context};

/// Runtime settings that handlers read (the CLI's `serve` flags, minus the listeners).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Default page size of collections (`--page-size`).
    pub page_size: u32,
    /// Base of every absolute URL tenantsim emits, instead of the request's origin.
    pub public_url: Option<String>,
    /// Answer 404 instead of 400 when removing a non-member (graph-contract D5).
    pub remove_missing_member_404: bool,
    /// Largest accepted request body, in bytes (Graph, identity and most control routes).
    pub body_limit: usize,
    /// Largest accepted body of the import routes (`POST /_tenantsim/snapshot`,
    /// `POST /_tenantsim/tenants`, the lab page's upload), in bytes: whatever tenantsim
    /// exports it must take back (`--import-body-limit`).
    pub import_body_limit: usize,
    /// Bearer key that protects `/_tenantsim/` (`--admin-key`); without one the control API is
    /// open, which `serve` allows only on loopback.
    pub admin_key: Option<String>,
    /// Strip a leading `/v1.0` or `/beta` from `$batch` item urls instead of Graph's 400 (D9).
    pub lenient_batch_urls: bool,
    /// Age (by the simulated clock) after which a delta token answers 410 `syncStateNotFound` (D12).
    pub delta_token_max_age_seconds: i64,
    /// Entries the request journal keeps (oldest dropped first).
    pub journal_capacity: usize,
    /// Keep request bodies in the journal (capped, secrets removed).
    pub journal_bodies: bool,
}

/// A 100,000-user tenant (bench/gen_fixture.py) is a 60 MB document; its export a little more.
pub const DEFAULT_IMPORT_BODY_LIMIT: usize = 256 * 1024 * 1024;

impl Default for Settings {
    fn default() -> Self {
        Self {
            page_size: 100,
            public_url: None,
            remove_missing_member_404: false,
            body_limit: 4 * 1024 * 1024,
            import_body_limit: DEFAULT_IMPORT_BODY_LIMIT,
            admin_key: None,
            lenient_batch_urls: false,
            delta_token_max_age_seconds: 7 * 24 * 3600,
            journal_capacity: 1_000,
            journal_bodies: false,
        }
    }
}

/// Everything a handler can reach: one `Arc`, so the per-request clones axum makes of every
/// route and middleware cost one atomic increment, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

impl AppStateInner {
    /// The current signing key.
    pub fn keys(&self) -> Arc<SigningKeys> {
        self.signing
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the signing key (tokens signed with the old one stop verifying).
    pub fn rotate_keys(&self, keys: SigningKeys) {
        *self.signing.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
        self.verified_tokens.clear();
    }
}

impl std::ops::Deref for AppState {
    type Target = AppStateInner;
    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

/// The fields of [`AppState`].
pub struct AppStateInner {
    pub db: Db,
    /// The signing key; swapped by a reset that rotates it (`keys()` reads it).
    pub signing: std::sync::RwLock<Arc<SigningKeys>>,
    pub settings: Arc<Settings>,
    pub clock: Arc<Clock>,
    pub verified_tokens: Arc<VerifiedTokens>,
    /// Set once migrations and fixtures are loaded.
    pub ready: Arc<AtomicBool>,
    /// Authorization codes and device-code flows in progress.
    pub flows: Arc<crate::sts::flows::Flows>,
    /// What each tenant resets to (its fixture or template seed), and which tenants exist at
    /// start-up (what a full reset restores).
    pub seeds: Arc<crate::admin::tenants::Seeds>,
    /// The request journal (`/_tenantsim/requests`).
    pub journal: Arc<crate::control::journal::Journal>,
    /// Armed fault rules (`/_tenantsim/faults`).
    pub faults: Arc<crate::control::faults::Faults>,
    /// The throttling mode (`/_tenantsim/throttling`).
    pub throttle: Arc<crate::control::throttle::Throttle>,
}

impl AppState {
    pub fn new(db: Db, keys: Arc<SigningKeys>, settings: Settings) -> Self {
        let journal = crate::control::journal::Journal::new(
            settings.journal_capacity,
            settings.journal_bodies,
        );
        Self(Arc::new(AppStateInner {
            db,
            signing: std::sync::RwLock::new(keys),
            settings: Arc::new(settings),
            clock: Arc::new(Clock::default()),
            verified_tokens: Arc::new(VerifiedTokens::default()),
            ready: Arc::new(AtomicBool::new(false)),
            flows: Arc::default(),
            seeds: Arc::default(),
            journal: Arc::new(journal),
            faults: Arc::default(),
            throttle: Arc::default(),
        }))
    }
}

/// GET /health: the process is up.
async fn health() -> &'static str {
    "ok"
}

/// GET /ready: migrated and seeded, and the database can still take writes that last.
async fn ready(State(state): State<AppState>) -> Response {
    if !state.ready.load(Ordering::Acquire) {
        return (StatusCode::SERVICE_UNAVAILABLE, "starting").into_response();
    }
    match state.db.check_writable() {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the database cannot be written: {reason}"),
        )
            .into_response(),
    }
}

/// A path no router serves. A Graph version in another case (`/V1.0/users`) is Graph's: the
/// Graph fallback routes it again as Graph spells it.
async fn unknown_path(
    reroute: Option<axum::Extension<graph::Reroute>>,
    request: axum::extract::Request,
) -> Response {
    let path = request.extensions().get::<OriginalUri>().map_or_else(
        || request.uri().path().to_owned(),
        |o| o.0.path().to_owned(),
    );
    let first = path.trim_matches('/').split('/').next().unwrap_or("");
    if first.eq_ignore_ascii_case("v1.0") || first.eq_ignore_ascii_case("beta") {
        return graph::unknown_path(reroute, request).await;
    }
    GraphError::unknown_segment(&percent_encoding::percent_decode_str(first).decode_utf8_lossy())
        .into_response()
}

fn panic_response(_: Box<dyn std::any::Any + Send>) -> Response {
    GraphError::internal(anyhow::anyhow!("handler panicked")).into_response()
}

/// Refuses a path whose percent-encoding decodes to invalid UTF-8 before routing: axum's
/// `Path` extractor would answer a plain-text 400. Graph's envelope, or Entra's error on the
/// identity routes.
async fn reject_undecodable_path(request: axum::extract::Request, next: Next) -> Response {
    let path = request.uri().path();
    if percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .is_ok()
    {
        return next.run(request).await;
    }
    let message = "The request URL's path is not valid percent-encoded UTF-8.";
    match crate::control::Surface::of(path) {
        crate::control::Surface::Oauth2 | crate::control::Surface::Identity => {
            crate::sts::error::AadError::invalid_request(900144, message).into_response()
        }
        _ => GraphError::bad_request(message).into_response(),
    }
}

/// The whole HTTP surface.
pub fn build_router(state: AppState) -> Router {
    let body_limit = state.settings.body_limit;
    let routes = Router::new()
        .merge(graph::router())
        .merge(crate::sts::router())
        .merge(crate::portal::router())
        .merge(crate::admin::router(state.clone()))
        .merge(crate::ui::router(state.clone()))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .fallback(unknown_path)
        .with_state(state.clone());
    let app = routes
        .clone()
        .layer(axum::middleware::from_fn(reject_undecodable_path))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::control::throttle::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::control::faults::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::control::journal::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_context::layer,
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        // The span names the path only: a query string can carry a secret (`?code=…`).
        .layer(TraceLayer::new_for_http().make_span_with(
            |request: &axum::http::Request<axum::body::Body>| {
                tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
            },
        ));
    // `$batch` sends each item through this same router (auth, permissions, errors, every
    // layer). Every request carries a clone of it as an extension; keeping it in `AppState`
    // instead would make a Router → state → Router cycle that never frees a test's database.
    // No wrapper before routing (a second router on the hot path cost measurable throughput):
    // other spellings of a served path reach the fallback, which reroutes them (`graph::Reroute`).
    app.clone()
        .layer(axum::Extension(graph::batch::Dispatch(app)))
        .layer(axum::Extension(graph::Reroute(routes)))
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
