//! Cross-origin resource sharing as Microsoft Graph and the identity platform answer it to
//! single-page apps: Graph lets any origin call it with a bearer token (`*`, no credentials)
//! and exposes its id and paging headers; the identity platform lets any origin fetch its
//! discovery documents and keys and call the token endpoint (which then accepts only
//! `spa` redirect URIs: `sts::token`).
//! See <https://learn.microsoft.com/graph/best-practices-concept> (CORS) and
//! <https://learn.microsoft.com/entra/identity-platform/reference-third-party-cookies-spas>.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Surface;

/// What Graph exposes to a cross-origin caller (a 2025 capture of `graph.microsoft.com`;
/// Microsoft's Dev Proxy sends the same list without the last three).
pub const GRAPH_EXPOSE_HEADERS: &str = "ETag, Location, Preference-Applied, Content-Range, request-id, client-request-id, ReadWriteConsistencyToken, Retry-After, SdkVersion, WWW-Authenticate, x-ms-client-gcc-tenant, X-Planner-Operationid, x-ms-permissions-recommendations";

/// What the identity platform exposes (msal-browser reads the ids for its telemetry).
pub const IDENTITY_EXPOSE_HEADERS: &str = "request-id, client-request-id";

/// How long a browser may cache a preflight answer.
// Divergence (D50): not captured from Graph or Entra; one hour.
const PREFLIGHT_MAX_AGE: &str = "3600";

/// Which CORS policy a path has: Graph's, the identity platform's, or none (tenantsim's own
/// pages and control API are same-origin only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    Graph,
    Identity,
}

impl Policy {
    pub fn of(path: &str) -> Option<Self> {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        // Graph matches its version segment in any case (`/V1.0/users`).
        if first.eq_ignore_ascii_case("v1.0") || first.eq_ignore_ascii_case("beta") {
            return Some(Self::Graph);
        }
        match Surface::of(path) {
            Surface::Graph => Some(Self::Graph),
            Surface::Oauth2 | Surface::Identity => Some(Self::Identity),
            _ => None,
        }
    }

    fn expose(self) -> &'static str {
        match self {
            Self::Graph => GRAPH_EXPOSE_HEADERS,
            Self::Identity => IDENTITY_EXPOSE_HEADERS,
        }
    }

    /// The methods a preflight allows: every Graph method; GET and POST on the identity
    /// platform (discovery and keys are read, the token endpoint is posted to).
    fn methods(self) -> &'static str {
        match self {
            Self::Graph => "GET, POST, PUT, PATCH, DELETE, OPTIONS",
            Self::Identity => "GET, POST, OPTIONS",
        }
    }
}

/// A request a browser sent from another origin: it carries `Origin`.
pub fn is_cross_origin(headers: &HeaderMap) -> bool {
    headers.contains_key(header::ORIGIN)
}

/// The answer to a CORS preflight (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`) on a path with a policy; `None` for anything else, which
/// then goes to the router (an `OPTIONS` without them is Graph's 405).
pub fn preflight(method: &Method, path: &str, headers: &HeaderMap) -> Option<Response> {
    if method != Method::OPTIONS || !is_cross_origin(headers) {
        return None;
    }
    let requested = headers.get(header::ACCESS_CONTROL_REQUEST_METHOD)?;
    let policy = Policy::of(path)?;
    let mut response = StatusCode::OK.into_response();
    let out = response.headers_mut();
    out.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    let allowed = policy.methods();
    let method_ok = requested
        .to_str()
        .is_ok_and(|m| allowed.split(", ").any(|a| a.eq_ignore_ascii_case(m)));
    if method_ok {
        out.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(allowed),
        );
    }
    // Both services accept whatever headers a client sends (Authorization, client-request-id,
    // ConsistencyLevel, Prefer, SdkVersion, x-client-SKU…): the requested list is echoed.
    if let Some(asked) = headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
    }
    out.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(PREFLIGHT_MAX_AGE),
    );
    Some(response)
}

/// The policy of a cross-origin request (one with `Origin`) on a path that has one.
pub fn policy_for(path: &str, headers: &HeaderMap) -> Option<Policy> {
    if is_cross_origin(headers) {
        Policy::of(path)
    } else {
        None
    }
}

impl Policy {
    /// Adds the CORS headers to a cross-origin request's actual response (errors included,
    /// so a single-page app can read Graph's and Entra's error bodies).
    pub fn stamp(self, response: &mut Response) {
        let out = response.headers_mut();
        out.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        out.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(self.expose()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn policies_follow_the_surface() {
        assert_eq!(Policy::of("/v1.0/me"), Some(Policy::Graph));
        assert_eq!(Policy::of("/V1.0/Users"), Some(Policy::Graph));
        assert_eq!(
            Policy::of("/contoso.com/oauth2/v2.0/token"),
            Some(Policy::Identity)
        );
        assert_eq!(
            Policy::of("/common/v2.0/.well-known/openid-configuration"),
            Some(Policy::Identity)
        );
        assert_eq!(Policy::of("/_tenantsim/tenants"), None);
        assert_eq!(Policy::of("/api/Directories/Properties"), None);
    }

    #[test]
    fn a_preflight_needs_origin_and_a_requested_method() {
        let graph = "/v1.0/me";
        assert!(preflight(&Method::OPTIONS, graph, &headers(&[])).is_none());
        assert!(
            preflight(
                &Method::OPTIONS,
                graph,
                &headers(&[("origin", "http://localhost:3000")])
            )
            .is_none()
        );
        let asked = headers(&[
            ("origin", "http://localhost:3000"),
            ("access-control-request-method", "PATCH"),
            (
                "access-control-request-headers",
                "authorization,client-request-id,consistencylevel",
            ),
        ]);
        assert!(preflight(&Method::GET, graph, &asked).is_none());
        assert!(preflight(&Method::OPTIONS, "/_tenantsim/tenants", &asked).is_none());
        let answer = preflight(&Method::OPTIONS, graph, &asked).unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        let h = answer.headers();
        assert_eq!(h["access-control-allow-origin"], "*");
        assert_eq!(
            h["access-control-allow-headers"],
            "authorization,client-request-id,consistencylevel"
        );
        assert!(
            h["access-control-allow-methods"]
                .to_str()
                .unwrap()
                .contains("PATCH")
        );
        // The identity platform is only read and posted to.
        let token = "/common/oauth2/v2.0/token";
        let answer = preflight(&Method::OPTIONS, token, &asked).unwrap();
        assert!(
            !answer
                .headers()
                .contains_key("access-control-allow-methods")
        );
    }
}
