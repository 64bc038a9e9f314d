//! Authentication of Graph calls: the `Caller` extractor verifies the bearer token on every
//! request (signature, lifetime against the simulated clock, audience, tenant) and answers
//! Graph's 401 otherwise. Authorisation is one explicit `caller.require(..)` per handler.

pub mod caller;
pub mod keys;
pub mod permissions;
pub mod token;
pub mod verified;

pub use caller::{CachedCaller, Caller, CallerKind};
pub use verified::VerifiedTokens;

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, Validation};

use crate::error::GraphError;
use crate::protocol::cloud::HostCloud;
use crate::state::AppState;
use crate::store;
use permissions::Permission;
use token::{Claims, GRAPH_APP_ID, GRAPH_AUDIENCE};

impl Caller {
    /// 403 `Authorization_RequestDenied` unless the token carries one of the permissions that
    /// the Graph page lists for this operation.
    pub fn require(&self, permission: &Permission) -> Result<(), GraphError> {
        let allowed = match &self.kind {
            CallerKind::Application { roles } => permission
                .application
                .iter()
                .any(|p| roles.iter().any(|r| r.eq_ignore_ascii_case(p))),
            CallerKind::Delegated { scopes, wids, .. } => {
                let scoped = permission
                    .delegated
                    .iter()
                    .any(|p| scopes.iter().any(|s| s.eq_ignore_ascii_case(p)));
                let role_ok = permission.delegated_roles.is_empty()
                    || permission
                        .delegated_roles
                        .iter()
                        .any(|role| wids.iter().any(|w| w.eq_ignore_ascii_case(role)));
                scoped && role_ok
            }
        };
        if allowed {
            Ok(())
        } else {
            Err(GraphError::forbidden())
        }
    }

    /// The signed-in user of a delegated token.
    pub fn user_id(&self) -> Option<&str> {
        match &self.kind {
            CallerKind::Delegated { user_id, .. } => Some(user_id),
            CallerKind::Application { .. } => None,
        }
    }
}

fn bearer_token(parts: &Parts) -> Result<&str, GraphError> {
    let empty = || GraphError::unauthenticated("Access token is empty.");
    let value = parts.headers.get(header::AUTHORIZATION).ok_or_else(empty)?;
    let value = value
        .to_str()
        .map_err(|_| GraphError::unauthenticated("Invalid authentication token."))?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(empty)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(empty());
    }
    let token = token.trim();
    if token.is_empty() {
        Err(empty())
    } else {
        Ok(token)
    }
}

/// Verifies signature, algorithm and audience; the claims' lifetime and tenant are checked by
/// the caller against the simulated clock and the store.
pub fn verify_signature(
    state: &AppState,
    token: &str,
    audiences: &[&str],
) -> Result<Claims, GraphError> {
    let invalid = || GraphError::unauthenticated("Access token validation failure.");
    let header = jsonwebtoken::decode_header(token).map_err(|_| {
        GraphError::unauthenticated("CompactToken parsing failed with error code: 80049217")
    })?;
    // Only RS256: `alg: none` and HS256 keyed with the public key are refused here.
    if header.alg != Algorithm::RS256 {
        return Err(invalid());
    }
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let data =
        jsonwebtoken::decode::<serde_json::Value>(token, &state.keys().decoding, &validation)
            .map_err(|_| invalid())?;
    let aud_ok = match data.claims.get("aud") {
        Some(serde_json::Value::String(aud)) => {
            audiences.iter().any(|a| a.eq_ignore_ascii_case(aud))
        }
        _ => false,
    };
    // An empty list defers the audience check to the caller (tokens are cached for any route).
    if !audiences.is_empty() && !aud_ok {
        return Err(GraphError::unauthenticated(
            "Access token validation failure. Invalid audience.",
        ));
    }
    serde_json::from_value(data.claims).map_err(|_| invalid())
}

/// Entra allows five minutes of clock skew.
const SKEW_SECONDS: i64 = 300;

/// `exp` / `nbf` against the simulated clock.
pub fn check_lifetime(state: &AppState, claims: &Claims) -> Result<(), GraphError> {
    let now = state.clock.unix();
    if claims.exp + SKEW_SECONDS <= now {
        return Err(GraphError::unauthenticated(
            "Lifetime validation failed, the token is expired.",
        ));
    }
    if claims.nbf - SKEW_SECONDS > now {
        return Err(GraphError::unauthenticated(
            "Lifetime validation failed, the token is not yet valid (nbf).",
        ));
    }
    Ok(())
}

/// The v1 issuer of the token's own tenant, and a tenant tenantsim holds.
/// Checks the issuer and that tenantsim holds the tenant; returns the tenant's cloud.
async fn check_tenant(state: &AppState, claims: &Claims) -> Result<String, GraphError> {
    if claims.iss != token::issuer_v1(&claims.tid) {
        return Err(GraphError::unauthenticated(
            "Access token validation failure. Invalid issuer.",
        ));
    }
    // Divergence: a token for a tenant tenantsim does not hold is a 401 (graph-contract D20).
    let mut conn = state.db.pool.acquire().await?;
    store::tenants::tenant_cloud(&mut conn, &claims.tid)
        .await?
        .ok_or_else(|| {
            GraphError::unauthenticated("Access token validation failure. Invalid issuer.")
        })
}

/// Verifies a token not in the cache (signature, issuer, tenant) and caches its caller.
async fn verify_new_token(state: &AppState, token: &str) -> Result<Caller, GraphError> {
    let mut claims = verify_signature(state, token, &[])?;
    claims.tenant_cloud = check_tenant(state, &claims).await?;
    let caller = Caller::of(Arc::new(claims));
    state.verified_tokens.insert(token, caller.clone());
    Ok(caller)
}

/// Audiences a Graph token may carry.
pub const GRAPH_AUDIENCES: &[&str] =
    &[GRAPH_AUDIENCE, "https://graph.microsoft.com/", GRAPH_APP_ID];

/// Authenticates a bearer token for an API whose tokens carry one of `audiences`.
pub async fn authenticate(
    parts: &Parts,
    state: &AppState,
    audiences: &[&str],
) -> Result<Caller, GraphError> {
    let token = bearer_token(parts)?;
    // The cache holds tokens whose signature, issuer and tenant were checked; audience and
    // lifetime are checked on every request (the latter against the simulated clock).
    // Deleting a tenant clears the cache. The front middleware has usually looked this
    // request's token up already.
    let cached = parts
        .extensions
        .get::<CachedCaller>()
        .map(|CachedCaller(caller)| caller.clone())
        .or_else(|| state.verified_tokens.get(token));
    let caller = match cached {
        Some(caller) => caller,
        // Boxed: verifying a new token (its claims, a store read) is kept out of every
        // request's future, which was sized for it (the claims alone are 552 bytes).
        None => Box::pin(verify_new_token(state, token)).await?,
    };
    let claims = &caller.claims;
    // Graph's US Government host serves US Government tenants only, the public host the others.
    // Divergence: Graph's answer to a token of the other cloud was not captured (D49).
    if !HostCloud::of(parts).admits(&claims.tenant_cloud) {
        return Err(GraphError::unauthenticated(
            "Access token validation failure. Invalid audience.",
        ));
    }
    if !audiences
        .iter()
        .any(|a| a.eq_ignore_ascii_case(&claims.aud))
    {
        return Err(GraphError::unauthenticated(
            "Access token validation failure. Invalid audience.",
        ));
    }
    check_lifetime(state, claims)?;
    Ok(caller)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = GraphError;

    #[tracing::instrument(level = "debug", name = "auth", skip_all)]
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(parts, state, GRAPH_AUDIENCES).await
    }
}
