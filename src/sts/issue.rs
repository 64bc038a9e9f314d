//! Building token responses: v1-shaped access tokens, v2 id tokens, refresh tokens and
//! `client_info`, with `scp` from the grants and `roles` from the app-role assignments.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sqlx::SqliteConnection;

use super::error::{AadError, AadResult};
use super::scopes::ScopeRequest;
use crate::auth::token::{self, DEFAULT_LIFETIME_SECONDS, Subject, TokenRequest};
use crate::state::AppState;
use crate::store::{self, apps::ApplicationRow, objects::ObjectRow, tenants::TenantRow};
use crate::{builtin, consent, graph_permissions};

/// Refresh tokens live 90 days (Entra's default for non-SPA clients).
const REFRESH_LIFETIME_SECONDS: i64 = 90 * 24 * 3600;
pub const REFRESH_AUDIENCE: &str = "urn:tenantsim:refresh-token";

/// The claims of tenantsim's refresh tokens: signed, so they survive restarts; the grants are
/// looked up again at every use, so a revoked consent takes effect.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshClaims {
    pub aud: String,
    pub tid: String,
    pub oid: String,
    pub azp: String,
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// Issued to a single-page app (`spa` redirect URI): redeemed only cross-origin.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub spa: bool,
}

/// AADSTS65001: the user (or an admin) has not consented.
pub fn consent_required(client: &ApplicationRow) -> AadError {
    AadError::invalid_grant(
        65001,
        format!(
            "The user or administrator has not consented to use the application with ID '{}' named '{}'. Send an interactive authorization request for this user and resource.",
            client.app_id,
            client.display_name.as_deref().unwrap_or(&client.app_id)
        ),
    )
    .suberror("consent_required")
}

/// The names of app roles the client holds on the resource.
async fn app_roles(
    conn: &mut SqliteConnection,
    tenant: &str,
    client: &ApplicationRow,
    resource_app_id: &str,
) -> sqlx::Result<Vec<String>> {
    let resource = builtin::derived_id(tenant, resource_app_id);
    let ids =
        store::apps::app_roles_of(conn, tenant, &client.service_principal_id, &resource).await?;
    Ok(ids
        .iter()
        .filter_map(|id| {
            graph_permissions::APPLICATION
                .iter()
                .find(|p| p.id.eq_ignore_ascii_case(id))
        })
        .map(|p| p.value.to_owned())
        .collect())
}

/// `client_credentials`: an app-only token with the client's app roles.
pub async fn app_token(
    state: &AppState,
    conn: &mut SqliteConnection,
    tenant: &TenantRow,
    client: &ApplicationRow,
    scopes: &ScopeRequest,
) -> AadResult<Value> {
    let roles = app_roles(conn, &tenant.id, client, &scopes.resource_app_id).await?;
    let request = TokenRequest {
        tenant: tenant.id.clone(),
        audience: scopes.audience.clone(),
        app_id: client.app_id.clone(),
        app_display_name: client.display_name.clone(),
        subject: Subject::App {
            object_id: client.service_principal_id.clone(),
            roles,
        },
        issued_at: state.clock.unix(),
        lifetime_seconds: DEFAULT_LIFETIME_SECONDS,
    };
    let access_token = token::mint(&state.keys(), &request).map_err(AadError::internal)?;
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": DEFAULT_LIFETIME_SECONDS,
        "ext_expires_in": DEFAULT_LIFETIME_SECONDS,
        "access_token": access_token,
    }))
}

/// Everything a user-flow token response is made from.
pub struct UserTokens<'a> {
    pub tenant: &'a TenantRow,
    pub client: &'a ApplicationRow,
    pub user: &'a ObjectRow,
    pub scopes: &'a ScopeRequest,
    /// The `scope` parameter as sent, kept in the refresh token.
    pub raw_scope: &'a str,
    pub nonce: Option<String>,
    /// The v2 issuer on the client's origin (`{origin}/{tid}/v2.0`).
    pub issuer_v2: String,
    pub client_info: bool,
    /// A single-page app's redemption: its refresh token lives 24 hours.
    pub spa: bool,
}

/// The scopes a delegated token for this request carries, or AADSTS65001.
pub async fn delegated_scopes(
    conn: &mut SqliteConnection,
    tenant: &str,
    client: &ApplicationRow,
    user_id: &str,
    scopes: &ScopeRequest,
) -> AadResult<Vec<String>> {
    // Divergence: Microsoft's first-party tools are pre-authorized for the Azure portal's API
    // in Entra (no consent record exists); tenantsim grants them its one scope.
    let first_party = builtin::PUBLIC_CLIENTS
        .iter()
        .any(|(id, _)| id.eq_ignore_ascii_case(&client.app_id));
    if first_party
        && scopes
            .resource_app_id
            .eq_ignore_ascii_case(builtin::PORTAL_APP_ID)
    {
        return Ok(vec!["user_impersonation".to_owned()]);
    }
    let resource = builtin::derived_id(tenant, &scopes.resource_app_id);
    let mut granted = consent::granted_scopes(
        conn,
        tenant,
        &client.service_principal_id,
        &resource,
        user_id,
    )
    .await?;
    // Azure CLI and Azure PowerShell are pre-authorized for some Graph scopes as in Entra:
    // they count as granted without a consent record (builtin::PREAUTHORIZED_GRAPH_SCOPES).
    // Divergence: Entra's pre-authorized lists are internal; these are the observed ones (D48).
    if scopes
        .resource_app_id
        .eq_ignore_ascii_case(builtin::GRAPH_APP_ID)
    {
        for scope in builtin::preauthorized_graph_scopes(&client.app_id) {
            if !granted.iter().any(|g| g.eq_ignore_ascii_case(scope)) {
                granted.push((*scope).to_owned());
            }
        }
    }
    let missing = scopes
        .permissions
        .iter()
        .any(|p| !granted.iter().any(|g| g.eq_ignore_ascii_case(p)));
    if missing || (scopes.default && granted.is_empty()) {
        return Err(consent_required(client));
    }
    Ok(granted)
}

/// A delegated token response: access token, and per the OIDC scopes an id token, a refresh
/// token and `client_info`.
pub async fn user_tokens(
    state: &AppState,
    conn: &mut SqliteConnection,
    input: UserTokens<'_>,
) -> AadResult<Value> {
    let tenant = &input.tenant.id;
    let user = input.user;
    let scp = delegated_scopes(conn, tenant, input.client, &user.id, input.scopes).await?;
    let wids = store::members::roles_of(conn, tenant, &user.id).await?;
    let upn = user.user_principal_name.clone().unwrap_or_default();
    let name = user.display_name.clone().unwrap_or_default();
    let now = state.clock.unix();
    let request = TokenRequest {
        tenant: tenant.clone(),
        audience: input.scopes.audience.clone(),
        app_id: input.client.app_id.clone(),
        app_display_name: input.client.display_name.clone(),
        subject: Subject::User {
            object_id: user.id.clone(),
            upn: upn.clone(),
            name: name.clone(),
            scopes: scp.clone(),
            wids,
        },
        issued_at: now,
        lifetime_seconds: DEFAULT_LIFETIME_SECONDS,
    };
    let access_token = token::mint(&state.keys(), &request).map_err(AadError::internal)?;
    let graph = input
        .scopes
        .resource_app_id
        .eq_ignore_ascii_case(builtin::GRAPH_APP_ID);
    let mut granted: Vec<String> = scp
        .iter()
        .map(|s| {
            if graph {
                s.clone()
            } else {
                format!("{}/{s}", input.scopes.audience)
            }
        })
        .collect();
    for oidc in &input.scopes.oidc {
        if !granted.iter().any(|g| g.eq_ignore_ascii_case(oidc)) {
            granted.push(oidc.clone());
        }
    }
    let mut body = Map::new();
    body.insert("token_type".into(), json!("Bearer"));
    body.insert("scope".into(), json!(granted.join(" ")));
    body.insert("expires_in".into(), json!(DEFAULT_LIFETIME_SECONDS));
    body.insert("ext_expires_in".into(), json!(DEFAULT_LIFETIME_SECONDS));
    body.insert("access_token".into(), json!(access_token));
    if input.scopes.wants("offline_access") {
        let refresh = RefreshClaims {
            aud: REFRESH_AUDIENCE.to_owned(),
            tid: tenant.clone(),
            oid: user.id.clone(),
            azp: input.client.app_id.clone(),
            scope: input.raw_scope.to_owned(),
            iat: now,
            exp: now
                + if input.spa {
                    super::spa::SPA_REFRESH_LIFETIME_SECONDS
                } else {
                    REFRESH_LIFETIME_SECONDS
                },
            jti: super::flows::random_token(1),
            spa: input.spa,
        };
        body.insert(
            "refresh_token".into(),
            json!(token::sign(&state.keys(), &refresh).map_err(AadError::internal)?),
        );
    }
    if input.scopes.wants("openid") {
        let data: Map<String, Value> = serde_json::from_str(&user.data).unwrap_or_default();
        let mut id = json!({
            "aud": input.client.app_id,
            "iss": input.issuer_v2,
            "iat": now,
            "nbf": now,
            "exp": now + DEFAULT_LIFETIME_SECONDS,
            "name": name,
            "oid": user.id,
            "preferred_username": upn,
            "rh": "0.tenantsim",
            "sub": user.id,
            "tid": tenant,
            "uti": super::flows::random_token(1),
            "ver": "2.0",
        });
        if let Some(nonce) = &input.nonce {
            id["nonce"] = json!(nonce);
        }
        if input.scopes.wants("email")
            && let Some(mail) = data.get("mail").filter(|m| m.is_string())
        {
            id["email"] = mail.clone();
        }
        body.insert(
            "id_token".into(),
            json!(token::sign(&state.keys(), &id).map_err(AadError::internal)?),
        );
    }
    if input.client_info {
        let info = json!({"uid": user.id, "utid": tenant}).to_string();
        body.insert("client_info".into(), json!(URL_SAFE_NO_PAD.encode(info)));
    }
    Ok(Value::Object(body))
}

/// Reads a refresh token tenantsim issued (signature, audience, lifetime).
pub fn read_refresh_token(state: &AppState, value: &str) -> AadResult<RefreshClaims> {
    let invalid =
        || AadError::invalid_grant(9002313, "Invalid request. Request is malformed or invalid.");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[REFRESH_AUDIENCE]);
    validation.validate_exp = false;
    let data = jsonwebtoken::decode::<RefreshClaims>(value, &state.keys().decoding, &validation)
        .map_err(|_| invalid())?;
    if data.claims.exp <= state.clock.unix() {
        if data.claims.spa {
            return Err(super::spa::refresh_expired());
        }
        return Err(AadError::invalid_grant(
            700082,
            "The refresh token has expired due to inactivity. The token was issued on a date and was inactive for 90 days.",
        ));
    }
    Ok(data.claims)
}
