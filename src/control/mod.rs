//! The control plane's runtime pieces, applied by middleware in `app::build_router`: the
//! request journal, fault rules and the throttling mode. Their admin endpoints live in
//! `admin::{journal, faults, throttle}`; this module holds what the middleware shares: which
//! surface a path belongs to and who (tenant, client app) a request claims to be.

pub mod cors;
pub mod faults;
pub mod front;
pub mod journal;
pub mod redact;
#[cfg(test)]
mod redact_tests;
pub mod rng;
pub mod throttle;

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// Which part of tenantsim a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `/v1.0/…`, `/beta/…`.
    Graph,
    /// `/{tenant}/oauth2/…`: the token, device-code and authorize endpoints.
    Oauth2,
    /// Other identity-platform routes under `/{tenant}/…` (discovery, keys, user realm).
    Identity,
    /// `/_tenantsim/…`, `/health`, `/ready`: never journaled, faulted or throttled.
    Control,
    /// Anything else (the portal API, unknown paths).
    Other,
}

impl Surface {
    pub fn of(path: &str) -> Self {
        let mut segments = path.trim_start_matches('/').split('/');
        let first = segments.next().unwrap_or("");
        let second = segments.next();
        match first {
            "v1.0" | "beta" => Self::Graph,
            "_tenantsim" | "health" | "ready" => Self::Control,
            _ => match second {
                Some("oauth2") => Self::Oauth2,
                Some("discovery" | "v2.0" | ".well-known" | "userrealm") => Self::Identity,
                _ => Self::Other,
            },
        }
    }

    /// The `{tenant}` segment of identity routes.
    pub fn path_tenant(self, path: &str) -> Option<String> {
        matches!(self, Self::Oauth2 | Self::Identity)
            .then(|| path.trim_start_matches('/').split('/').next())
            .flatten()
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    }
}

/// Who a request says it comes from, read before the handler runs (and so before the token
/// is verified): the bearer token's `tid` and `appid` (`azp` for v2 tokens), or an identity
/// route's `{tenant}` segment and `client_id`. Put in the request's extensions by the journal
/// layer for the fault and throttle layers.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub tenant: Option<std::sync::Arc<str>>,
    pub app_id: Option<std::sync::Arc<str>>,
    /// Both came from a bearer token's claims (which the handler then verifies or refuses).
    pub from_token: bool,
}

#[derive(serde::Deserialize)]
struct TokenClaims {
    tid: Option<String>,
    appid: Option<String>,
    azp: Option<String>,
}

impl Identity {
    /// From the headers and path; `form` is a token request's decoded form, when read.
    pub fn of(
        surface: Surface,
        path: &str,
        headers: &HeaderMap,
        query: Option<&str>,
        form: Option<&[(String, String)]>,
    ) -> Self {
        if let Some(claims) = bearer_claims(headers) {
            return Self {
                tenant: claims.tid.map(Into::into),
                app_id: claims.appid.or(claims.azp).map(Into::into),
                from_token: true,
            };
        }
        let tenant = surface.path_tenant(path);
        let from_pairs = |pairs: &[(String, String)]| {
            pairs
                .iter()
                .find(|(k, _)| k == "client_id")
                .map(|(_, v)| v.clone())
        };
        let app_id = form
            .and_then(from_pairs)
            .or_else(|| basic_user(headers))
            .or_else(|| {
                let pairs = crate::protocol::request::parse_pairs(query).ok()?;
                from_pairs(&pairs)
            });
        Self {
            tenant: tenant.map(Into::into),
            app_id: app_id.map(Into::into),
            from_token: false,
        }
    }
}

/// The bearer token of a request's `Authorization` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The claims of a bearer JWT, decoded without verification (cheap: no signature check).
fn bearer_claims(headers: &HeaderMap) -> Option<TokenClaims> {
    let payload = bearer(headers)?.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The user name of HTTP Basic credentials (a confidential client's id).
fn basic_user(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let user = decoded.split_once(':').map_or(decoded.as_str(), |(u, _)| u);
    let user = percent_encoding::percent_decode_str(user).decode_utf8_lossy();
    (!user.is_empty()).then(|| user.into_owned())
}

/// Whether `form` is worth reading: a form-encoded POST to an `oauth2` route.
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surfaces() {
        assert_eq!(Surface::of("/v1.0/users"), Surface::Graph);
        assert_eq!(Surface::of("/beta"), Surface::Graph);
        assert_eq!(
            Surface::of("/contoso.com/oauth2/v2.0/token"),
            Surface::Oauth2
        );
        assert_eq!(
            Surface::of("/common/v2.0/.well-known/openid-configuration"),
            Surface::Identity
        );
        assert_eq!(Surface::of("/_tenantsim/requests"), Surface::Control);
        assert_eq!(Surface::of("/health"), Surface::Control);
        assert_eq!(
            Surface::Oauth2
                .path_tenant("/contoso.com/oauth2/token")
                .as_deref(),
            Some("contoso.com")
        );
        assert_eq!(Surface::Graph.path_tenant("/v1.0/users"), None);
    }
}
