//! The router with its middleware (the whole HTTP surface), health and readiness, and the
//! shutdown signal. Handlers never import this module: they read `crate::state`.

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use futures_util::FutureExt;

use axum::Router;
use axum::extract::{DefaultBodyLimit, OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::GraphError;
use crate::graph;
use crate::state::AppState;

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
    routers: Option<axum::Extension<graph::Routers>>,
    request: axum::extract::Request,
) -> Response {
    let path = request.extensions().get::<OriginalUri>().map_or_else(
        || request.uri().path().to_owned(),
        |o| o.0.path().to_owned(),
    );
    let first = path.trim_matches('/').split('/').next().unwrap_or("");
    if first.eq_ignore_ascii_case("v1.0") || first.eq_ignore_ascii_case("beta") {
        return graph::unknown_path(routers, request).await;
    }
    GraphError::unknown_segment(&percent_encoding::percent_decode_str(first).decode_utf8_lossy())
        .into_response()
}

/// The whole HTTP surface.
pub fn build_router(state: AppState) -> Router {
    Router::new().fallback_service(build_service(state))
}

/// What the listeners serve: the same stack as [`build_router`], without the router around it
/// (whose boxed future and boxed service clone were per-request allocations).
pub fn build_service(state: AppState) -> impl crate::listener::AppService {
    // Graph's routes (most of them) first: `merge` inserts each route of its argument again.
    let routes = graph::router()
        .merge(crate::sts::router())
        .merge(crate::portal::router())
        .merge(crate::admin::router(state.clone()))
        .merge(crate::ui::router(state.clone()))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .fallback(unknown_path)
        .with_state(state.clone());
    // `$batch` sends each item through this same stack (auth, permissions, errors, every
    // layer). Every request carries a clone of it as an extension; keeping it in `AppState`
    // instead would make a Router → state → Router cycle that never frees a test's database.
    // No wrapper before routing (a second router on the hot path cost measurable throughput):
    // other spellings of a served path reach the fallback, which reroutes them (`graph::Reroute`).
    let app = Router::new().fallback_service(layered(&state, routes.clone(), None));
    let routers = graph::Routers::new(
        graph::Reroute(routes.clone()),
        Some(graph::batch::Dispatch(app)),
    );
    layered(&state, routes, Some(routers))
}

/// The front middleware as a service of its own: `axum::middleware::from_fn` wrapped its future
/// in another (which held it a second time) and cloned the inner service into a box per request.
/// `routers`: the routers `$batch` and the fallback reach through the request's extensions.
#[derive(Clone)]
struct FrontService<S> {
    state: AppState,
    routers: Option<graph::Routers>,
    routes: S,
}

impl<S> tower::Service<axum::extract::Request> for FrontService<S>
where
    S: tower::Service<axum::extract::Request, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    type Response = Response;
    type Error = Infallible;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // The router is always ready; each request takes its own clone of it.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: axum::extract::Request) -> Self::Future {
        if let Some(routers) = &self.routers {
            request.extensions_mut().insert(routers.clone());
        }
        let answer = crate::control::front::run(self.state.clone(), request, self.routes.clone());
        Box::pin(answer.map(Ok))
    }
}

/// `routes` behind the layers every request passes: the front middleware (its span, request
/// context, journal, fault rules, throttling, the undecodable-path check, panics as Graph's
/// 500: `control::front`) and the body limit. Applied as one service stack rather than with
/// `Router::layer`, which wraps each of the ~900 routes in every layer and so made each
/// request pass one boxed service (a clone, a boxed future, a move) per layer. tower-http's
/// trace and catch-panic layers were here: each boxed every response body again.
fn layered(
    state: &AppState,
    routes: Router,
    routers: Option<graph::Routers>,
) -> impl crate::listener::AppService + use<> {
    FrontService {
        state: state.clone(),
        routers,
        routes: tower::ServiceBuilder::new()
            .layer(DefaultBodyLimit::max(state.settings.body_limit))
            .service(routes),
    }
}

/// SIGINT and SIGTERM listeners, registered when this is made. Make it before announcing
/// readiness: a signal that arrives before registration would kill the process by the
/// default action instead of shutting it down gracefully.
pub struct ShutdownSignal {
    #[cfg(unix)]
    listeners: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl ShutdownSignal {
    /// Registers the listeners now.
    pub fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listeners = signal(SignalKind::interrupt())
                .and_then(|interrupt| Ok((interrupt, signal(SignalKind::terminate())?)))
                .ok();
            Self { listeners }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// Completes on SIGINT or SIGTERM.
    pub async fn wait(self) {
        #[cfg(unix)]
        match self.listeners {
            Some((mut interrupt, mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {},
                    _ = terminate.recv() => {},
                }
            }
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down");
    }
}
