//! OpenID Connect discovery (v2 and v1), the signing keys (JWKS), instance discovery and user
//! realm. Every URL is built from the request's origin (or `--public-url`), so clients that use
//! `localhost` and `127.0.0.1` both see an issuer on their own origin.
//! See <https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc>.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::error::{AadError, AadResult};
use super::{TenantSegment, resolve_segment};
use crate::protocol::cloud::HostCloud;
use crate::protocol::wire::Origin;
use crate::state::AppState;

/// The tenant as discovery documents name it: the GUID, or Entra's `{tenantid}` placeholder
/// for the multi-tenant segments.
fn tenant_label(segment: &TenantSegment) -> String {
    match segment {
        TenantSegment::Tenant(tenant) => tenant.id.clone(),
        TenantSegment::Common(_) => "{tenantid}".to_owned(),
    }
}

/// GET /{tenant}/v2.0/.well-known/openid-configuration
pub async fn openid_configuration_v2(
    State(state): State<AppState>,
    origin: Origin,
    cloud: HostCloud,
    Path(tenant): Path<String>,
) -> AadResult<Json<Value>> {
    let segment = resolve_segment(&state, &tenant, cloud).await?;
    let o = &origin.0;
    let path = segment.path();
    let issuer = format!("{o}/{}/v2.0", tenant_label(&segment));
    Ok(Json(json!({
        "token_endpoint": format!("{o}/{path}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{o}/{path}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "request_uri_parameter_supported": false,
        // Divergence: Entra points at graph.microsoft.com/oidc/userinfo; tenantsim serves it itself.
        "userinfo_endpoint": format!("{o}/oidc/userinfo"),
        "authorization_endpoint": format!("{o}/{path}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{o}/{path}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{o}/{path}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{o}/{path}/kerberos"),
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    })))
}

/// GET /{tenant}/.well-known/openid-configuration (v1: issuer `https://sts.windows.net/{tid}/`).
pub async fn openid_configuration_v1(
    State(state): State<AppState>,
    origin: Origin,
    cloud: HostCloud,
    Path(tenant): Path<String>,
) -> AadResult<Json<Value>> {
    let segment = resolve_segment(&state, &tenant, cloud).await?;
    let o = &origin.0;
    let path = segment.path();
    Ok(Json(json!({
        "token_endpoint": format!("{o}/{path}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{o}/common/discovery/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
        "scopes_supported": ["openid"],
        "issuer": format!("https://sts.windows.net/{}/", tenant_label(&segment)),
        "microsoft_multi_refresh_token": true,
        "authorization_endpoint": format!("{o}/{path}/oauth2/authorize"),
        "device_authorization_endpoint": format!("{o}/{path}/oauth2/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{o}/{path}/oauth2/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name", "family_name", "nickname"],
        "check_session_iframe": format!("{o}/{path}/oauth2/checksession"),
        "userinfo_endpoint": format!("{o}/{path}/openid/userinfo"),
        "kerberos_endpoint": format!("{o}/{path}/kerberos"),
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    })))
}

/// The JWKS entry of tenantsim's signing key.
pub fn jwk(state: &AppState, issuer: Option<String>) -> Value {
    let keys = &state.keys();
    let (n, e) = super::der::rsa_modulus_exponent(&keys.public_pkcs1_der).unwrap_or_default();
    let mut key = json!({
        "kty": "RSA",
        "use": "sig",
        "kid": keys.kid,
        "x5t": keys.kid,
        "n": URL_SAFE_NO_PAD.encode(n),
        "e": URL_SAFE_NO_PAD.encode(e),
        "alg": "RS256",
    });
    if let Some(der) = keys.certificate_der() {
        key["x5c"] = json!([STANDARD.encode(der)]);
    }
    if let Some(issuer) = issuer {
        key["issuer"] = json!(issuer);
    }
    key
}

/// GET /{tenant}/discovery/v2.0/keys
pub async fn keys_v2(
    State(state): State<AppState>,
    origin: Origin,
    cloud: HostCloud,
    Path(tenant): Path<String>,
) -> AadResult<Json<Value>> {
    let segment = resolve_segment(&state, &tenant, cloud).await?;
    let issuer = format!("{}/{}/v2.0", origin.0, tenant_label(&segment));
    Ok(Json(json!({ "keys": [jwk(&state, Some(issuer))] })))
}

/// GET /{tenant}/discovery/keys (v1)
pub async fn keys_v1(
    State(state): State<AppState>,
    cloud: HostCloud,
    Path(tenant): Path<String>,
) -> AadResult<Json<Value>> {
    resolve_segment(&state, &tenant, cloud).await?;
    Ok(Json(json!({ "keys": [jwk(&state, None)] })))
}

/// GET /common/discovery/instance — instance discovery, answered for tenantsim's own host.
pub async fn instance_discovery(
    origin: Origin,
    Path(tenant): Path<String>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    if !tenant.eq_ignore_ascii_case("common") && !tenant.eq_ignore_ascii_case("organizations") {
        return AadError::unknown_tenant(&tenant).into_response();
    }
    let host = origin.0.split("://").nth(1).unwrap_or_default().to_owned();
    let authorization = query
        .get("authorization_endpoint")
        .cloned()
        .unwrap_or_default();
    // Entra knows its own instances only: an authorize URL on another host is AADSTS50049.
    if !authorization.is_empty() && authority(&authorization) != authority(&origin.0) {
        return AadError::new("invalid_instance", 50049, "Unknown or invalid instance.")
            .into_response();
    }
    // The tenant segment of the client's authorize URL (…/{tenant}/oauth2/v2.0/authorize).
    let tenant_of = authorization
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').nth(1))
        .filter(|t| !t.is_empty())
        .unwrap_or("common")
        .to_owned();
    Json(json!({
        "tenant_discovery_endpoint": format!("{}/{tenant_of}/v2.0/.well-known/openid-configuration", origin.0),
        "api-version": "1.1",
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
    }))
    .into_response()
}

/// The lower-cased `host[:port]` of an absolute URL, without the scheme's default port.
fn authority(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => return None,
    };
    let authority = authority
        .strip_suffix(default_port)
        .map_or(authority.clone(), str::to_owned);
    (!authority.is_empty()).then_some(authority)
}

/// GET /common/userrealm/{user} — every tenantsim account is managed (not federated), so MSAL's
/// ROPC flow posts the password straight to the token endpoint.
pub async fn user_realm(
    State(state): State<AppState>,
    Path((tenant, user)): Path<(String, String)>,
) -> Response {
    if !tenant.eq_ignore_ascii_case("common") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let domain = user
        .rsplit_once('@')
        .map(|(_, d)| d.to_owned())
        .unwrap_or_default();
    let known = match state.db.pool.acquire().await {
        Ok(mut conn) => crate::store::tenants::resolve_tenant(&mut conn, &domain)
            .await
            .ok()
            .flatten(),
        Err(_) => None,
    };
    match known {
        Some(tenant) => Json(json!({
            "ver": "1.0",
            "account_type": "Managed",
            "domain_name": domain,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_audience_urn": "urn:federation:MicrosoftOnline",
            "tenant_id": tenant.id,
        }))
        .into_response(),
        None => Json(json!({"ver": "1.0", "account_type": "Unknown", "cloud_instance_name": "microsoftonline.com"})).into_response(),
    }
}

/// GET /oidc/userinfo — the OpenID Connect userinfo endpoint (on graph.microsoft.com in Entra),
/// for a delegated Graph token.
pub async fn user_info(
    caller: crate::auth::Caller,
    State(state): State<AppState>,
) -> Result<Json<Value>, crate::error::GraphError> {
    let user_id = crate::graph::users::me(&caller)?.to_owned();
    let mut conn = state.db.pool.acquire().await?;
    let row = crate::store::objects::get_user(&mut conn, &caller.tenant, &user_id)
        .await?
        .ok_or_else(|| crate::error::GraphError::not_found(&user_id))?;
    let data: serde_json::Map<String, Value> = serde_json::from_str(&row.data).unwrap_or_default();
    Ok(Json(json!({
        "sub": row.id,
        "name": data.get("displayName"),
        "family_name": data.get("surname"),
        "given_name": data.get("givenName"),
        "email": data.get("mail"),
    })))
}
