//! The builder Graph's resource modules declare their routes with: each path is written once,
//! as Graph documents it under the version (`/users/{user}`), and served under both `/v1.0` and
//! `/beta` at its full path.
//!
//! Not `Router::nest`: nesting re-inserts every route with two layers around it (2.2 ms of a
//! start's CPU), and on every request those layers parse a new URI without the prefix and add a
//! `NestedPath` extension. Routes registered at their full paths need neither; handlers read the
//! version from the path (`ApiVersion`), as they did.

use axum::Router;
use axum::routing::MethodRouter;

use crate::state::AppState;

/// The API versions every Graph route is served under.
const VERSIONS: [&str; 2] = ["/v1.0", "/beta"];

/// Graph routes as declared, before they are registered under each version.
#[derive(Default)]
#[must_use]
pub struct Routes(Vec<(String, MethodRouter<AppState>)>);

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    /// `path` (after the version) answered by `methods`.
    pub fn route(mut self, path: &str, methods: MethodRouter<AppState>) -> Self {
        self.0.push((path.to_owned(), methods));
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.0.extend(other.0);
        self
    }

    /// One router with every route under each version; a path declared twice (two modules'
    /// methods on one path) has its methods merged, as `Router::merge` does.
    pub fn into_router(self) -> Router<AppState> {
        let mut router = Router::new();
        for (path, methods) in self.0 {
            for version in VERSIONS {
                router = router.route(&format!("{version}{path}"), methods.clone());
            }
        }
        router
    }
}
