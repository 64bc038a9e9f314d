//! Microsoft Graph under `/v1.0` and `/beta`: one module per resource, each with its own
//! `router()`, merged here; unknown paths and methods answer Graph-shaped errors.
//! See <https://learn.microsoft.com/graph/overview>.

pub mod authorization_policy;
pub mod batch;
pub mod checks;
pub mod delta;
pub mod groups;
pub mod list;
pub mod members;
pub mod oauth2_permission_grants;
pub mod people;
pub mod permission_grant_policies;
pub mod request;
pub mod service_principals;
pub mod users;
pub mod wire;

use axum::Router;
use axum::extract::{Extension, OriginalUri};

use crate::app::AppState;
use crate::error::{ErrorCode, GraphError};
use wire::ApiVersion;

/// Entity sets tenantsim serves; an unknown path below one of them names its last segment.
const KNOWN_SETS: &[&str] = &[
    "users",
    "groups",
    "me",
    "directoryObjects",
    "admin",
    "servicePrincipals",
    "oauth2PermissionGrants",
    "policies",
];

fn api(version: ApiVersion) -> Router<AppState> {
    Router::new()
        .merge(users::router())
        .merge(groups::router())
        .merge(batch::router())
        .merge(delta::router())
        .merge(members::router())
        .merge(checks::router())
        .merge(people::router())
        .merge(service_principals::router())
        .merge(oauth2_permission_grants::router())
        .merge(authorization_policy::router())
        .merge(permission_grant_policies::router())
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(unknown_path)
        .layer(Extension(version))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .nest("/v1.0", api(ApiVersion::V1))
        .nest("/beta", api(ApiVersion::Beta))
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

async fn unknown_path(OriginalUri(uri): OriginalUri) -> GraphError {
    GraphError::unknown_segment(&unknown_segment_of(uri.path()))
}

async fn method_not_allowed() -> GraphError {
    GraphError::new(
        ErrorCode::MethodNotAllowed,
        "Specified HTTP method is not allowed for the request target.",
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
