//! The Microsoft identity platform (login.microsoftonline.com): discovery, keys, the token
//! endpoint, device-code start, and (in `authorize`) the sign-in and consent pages.
//! See <https://learn.microsoft.com/entra/identity-platform/v2-protocols>.

pub mod authorize;
pub mod clients;
pub mod der;
pub mod discovery;
pub mod error;
pub mod flows;
pub mod interactive;
pub mod issue;
pub mod pages;
pub mod scopes;
pub mod spa;
pub mod steps;
pub mod token;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::routing::{get, post};

use crate::protocol::cloud::HostCloud;
use crate::state::AppState;
use crate::store::{self, tenants::TenantRow};
use error::AadError;

/// What a `{tenant}` path segment names.
#[derive(Debug, Clone)]
pub enum TenantSegment {
    Tenant(TenantRow),
    /// `common`, `organizations` or `consumers` (lower-cased).
    Common(String),
}

impl TenantSegment {
    /// The segment to put in URLs: the tenant id, or the multi-tenant name.
    pub fn path(&self) -> &str {
        match self {
            Self::Tenant(tenant) => &tenant.id,
            Self::Common(name) => name,
        }
    }
}

/// Resolves `{tenant}`: a tenant GUID, a verified domain, or a multi-tenant segment.
pub async fn resolve_segment(
    state: &AppState,
    segment: &str,
    cloud: HostCloud,
) -> Result<TenantSegment, AadError> {
    let lower = segment.to_ascii_lowercase();
    if ["common", "organizations", "consumers"].contains(&lower.as_str()) {
        return Ok(TenantSegment::Common(lower));
    }
    let mut conn = state.db.pool.acquire().await?;
    // A tenant of another cloud is not found here, as on the other cloud's sign-in host
    // (AADSTS90002 says "signing into the correct cloud").
    store::tenants::resolve_tenant(&mut conn, segment)
        .await?
        .filter(|tenant| cloud.admits(&tenant.cloud))
        .map(TenantSegment::Tenant)
        .ok_or_else(|| AadError::unknown_tenant(segment))
}

/// An `application/x-www-form-urlencoded` body as ordered pairs (first value of a key wins).
#[derive(Debug, Clone, Default)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

impl FromRequest<AppState> for Form {
    type Rejection = AadError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            });
        let bytes = Bytes::from_request(request, state).await.map_err(|_| {
            AadError::invalid_request(900144, "The request body could not be read.")
        })?;
        if !is_form {
            return Err(AadError::invalid_request(
                900144,
                "The request body must contain the following parameter: 'grant_type'. The body must be application/x-www-form-urlencoded.",
            ));
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            AadError::invalid_request(900144, "The request body is not valid UTF-8.")
        })?;
        crate::protocol::request::parse_pairs(Some(text))
            .map(Form)
            .map_err(|_| {
                AadError::invalid_request(900144, "The request body is not a valid form encoding.")
            })
    }
}

/// The identity-platform routes. `{tenant}` comes first in every path, as on
/// login.microsoftonline.com.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_configuration_v2),
        )
        .route(
            "/{tenant}/.well-known/openid-configuration",
            get(discovery::openid_configuration_v1),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::keys_v2))
        .route("/{tenant}/discovery/keys", get(discovery::keys_v1))
        .route(
            "/{tenant}/discovery/instance",
            get(discovery::instance_discovery),
        )
        .route("/{tenant}/userrealm/{user}", get(discovery::user_realm))
        .route(
            "/{tenant}/oauth2/v2.0/token",
            get(token::get_refused).post(token::token_v2),
        )
        .route(
            "/{tenant}/oauth2/token",
            get(token::get_refused).post(token::token_v1),
        )
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            post(token::device_authorization),
        )
        .route(
            "/{tenant}/oauth2/devicecode",
            post(token::device_authorization),
        )
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize::authorize_v2).post(steps::submit),
        )
        .route(
            "/{tenant}/oauth2/authorize",
            get(authorize::authorize_v1).post(steps::submit),
        )
        .route("/devicelogin", get(steps::device_login).post(steps::submit))
        .route("/oidc/userinfo", get(discovery::user_info))
}
