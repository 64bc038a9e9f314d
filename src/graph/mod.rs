//! Microsoft Graph under `/v1.0` and `/beta`: one module per resource, each with its own
//! `router()`, merged here; unknown paths and methods answer Graph-shaped errors.
//! See <https://learn.microsoft.com/graph/overview>.

pub mod application_bodies;
pub mod application_passwords;
pub mod applications;
pub mod authorization_policy;
pub mod batch;
pub mod checks;
pub mod delta;
pub mod directory_object_delete;
pub mod directory_objects;
pub mod directory_role_templates;
pub mod directory_roles;
pub mod extension_properties;
pub mod groups;
pub mod known_paths;
pub mod list;
pub mod members;
pub mod oauth2_permission_grants;
pub mod organization;
pub mod password;
pub mod people;
pub mod permission_grant_policies;
pub mod profile;
pub mod relations;
pub mod resource;
pub mod routes;
pub mod service_principal_writes;
pub mod service_principals;
pub mod users;
pub mod web_account_data;
pub mod web_accounts;

use axum::Router;
use axum::extract::{Extension, OriginalUri};
use axum::http::Method;

use crate::error::{ErrorCode, GraphError};
use crate::state::AppState;

/// Entity sets tenantsim serves; an unknown path below one of them names its last segment.
const KNOWN_SETS: &[&str] = &[
    "users",
    "groups",
    "me",
    "directoryObjects",
    "admin",
    "servicePrincipals",
    "applications",
    "oauth2PermissionGrants",
    "policies",
    "organization",
    "directoryRoles",
    "directoryRoleTemplates",
];

/// The Graph routes as each module declares them, after the version (registered under `/v1.0`
/// and `/beta` by [`router`]; handlers read the version from the path: `ApiVersion` is an
/// extractor).
fn api() -> routes::Routes {
    routes::Routes::new()
        .merge(users::router())
        .merge(groups::router())
        .merge(batch::router())
        .merge(delta::router())
        .merge(relations::router())
        .merge(checks::router())
        .merge(people::router())
        .merge(profile::router())
        .merge(web_accounts::router())
        .merge(service_principals::router())
        .merge(service_principal_writes::router())
        .merge(applications::router())
        .merge(oauth2_permission_grants::router())
        .merge(authorization_policy::router())
        .merge(permission_grant_policies::router())
        .merge(organization::router())
        .merge(directory_objects::router())
        .merge(directory_roles::router())
        .merge(directory_role_templates::router())
}

/// Graph's routes under both versions. A path no route matches reaches the application's
/// fallback, which hands `/v1.0/…` and `/beta/…` to [`unknown_path`].
pub fn router() -> Router<AppState> {
    api()
        .into_router()
        .method_not_allowed_fallback(method_not_allowed)
}

/// The segment Graph names in "Resource not found for the segment '…'".
pub fn unknown_segment_of(path: &str) -> String {
    let mut segments = path.trim_matches('/').split('/').filter(|s| !s.is_empty());
    let _version = segments.next();
    let rest: Vec<&str> = segments.collect();
    let segment = match rest.first() {
        Some(first) if KNOWN_SETS.iter().any(|s| s.eq_ignore_ascii_case(first)) => {
            rest.last().copied().unwrap_or(first)
        }
        Some(first) => first,
        None => "",
    };
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

/// The routes without their middleware, so a request whose path Graph accepts in another
/// spelling is routed once more (the layers have already seen it once).
#[derive(Clone)]
pub struct Reroute(pub axum::Router);

/// The routers a request reaches through its extensions, as one entry (each entry is an
/// allocation and a hash insert on every request): the routes for the fallback's reroute, and
/// the whole stack for `$batch` (none in a batch's item: a batch cannot hold another).
#[derive(Clone)]
pub struct Routers(std::sync::Arc<(Reroute, Option<batch::Dispatch>)>);

impl Routers {
    pub fn new(reroute: Reroute, dispatch: Option<batch::Dispatch>) -> Self {
        Self(std::sync::Arc::new((reroute, dispatch)))
    }

    pub fn reroute(&self) -> &Reroute {
        &self.0.0
    }

    pub fn dispatch(&self) -> Option<&batch::Dispatch> {
        self.0.1.as_ref()
    }
}

/// A path tenantsim has no route for. Spelled otherwise than tenantsim routes it (`/V1.0/Users`,
/// a trailing slash, `graph.group`), Graph would accept it: route it again as Graph spells it.
/// Else 501 if Graph serves it with this method, Graph's 405 if Graph has the path but not the
/// method, else Graph's 400 for an unknown segment.
pub async fn unknown_path(
    routers: Option<Extension<Routers>>,
    mut request: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let uri = request
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| request.uri().clone(), |o| o.0.clone());
    if let (Some(Extension(routers)), Some(path)) = (routers, known_paths::canonical(uri.path())) {
        let Reroute(routes) = routers.reroute().clone();
        let target = match uri.query() {
            Some(query) => format!("{path}?{query}"),
            None => path,
        };
        // An HTTP/2 request names its host in the URI, not in a Host header: keep it, or the
        // links in the answer lose the port.
        let mut target_uri = axum::http::Uri::builder();
        if let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) {
            target_uri = target_uri
                .scheme(scheme.clone())
                .authority(authority.clone());
        }
        if let Ok(target) = target_uri.path_and_query(target).build() {
            *request.uri_mut() = target;
            request.extensions_mut().remove::<OriginalUri>();
            return match tower::ServiceExt::oneshot(routes, request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
        }
    }
    let unknown = GraphError::unknown_segment(&unknown_segment_of(uri.path()));
    graph_has(request.method(), uri.path(), unknown).into_response()
}

/// A method tenantsim does not serve on a path it routes: 501 if Graph serves it, else 405.
async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> GraphError {
    graph_has(&method, uri.path(), method_not_allowed_error())
}

/// What Graph has at a request tenantsim does not route: 501 if Graph serves the method there,
/// Graph's 405 if Graph has the path but not the method, else `unknown`.
fn graph_has(method: &Method, path: &str, unknown: GraphError) -> GraphError {
    match known_paths::lookup(path) {
        known_paths::Known::Path(methods) if methods.allows(method.as_str()) => {
            not_emulated(method, path)
        }
        known_paths::Known::Path(_) => method_not_allowed_error(),
        known_paths::Known::Unknown => unknown,
    }
}

fn method_not_allowed_error() -> GraphError {
    GraphError::new(
        ErrorCode::MethodNotAllowed,
        "Specified HTTP method is not allowed for the request target.",
    )
}

/// 501 in Graph's envelope: Graph has this request, tenantsim does not emulate it.
fn not_emulated(method: &Method, path: &str) -> GraphError {
    // Divergence: Graph would serve this request; tenantsim says plainly that it does not
    // emulate it instead of pretending the path does not exist (README parity table).
    let path: String = path.chars().take(200).collect();
    GraphError::new(
        ErrorCode::NotImplemented,
        format!(
            "tenantsim does not emulate {method} {path}: Microsoft Graph serves this request, \
             tenantsim has not built it yet."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::unknown_segment_of;

    #[test]
    fn unknown_segment_names_graphs_segment() {
        assert_eq!(unknown_segment_of("/v1.0/widgets"), "widgets");
        assert_eq!(unknown_segment_of("/v1.0/users/abc/widgets"), "widgets");
        assert_eq!(unknown_segment_of("/beta/foo/bar"), "foo");
    }
}
