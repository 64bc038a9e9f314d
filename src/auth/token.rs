//! Access-token claims as Entra writes them for Microsoft Graph (v1.0 shape whichever endpoint
//! issued them), and minting. See
//! <https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference>.

use jsonwebtoken::{Algorithm, Header};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::keys::SigningKeys;

/// Microsoft Graph's audience, as a URL and as its appId; Graph accepts either.
pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Default lifetime: Entra's tokens last 60–90 minutes; clients see `expires_in` 3599.
pub const DEFAULT_LIFETIME_SECONDS: i64 = 3599;

/// The claims tenantsim puts in (and reads from) a Graph access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_displayname: Option<String>,
    pub appid: String,
    pub appidacr: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    pub idtyp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub oid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    pub sub: String,
    pub tid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    pub uti: String,
    pub ver: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wids: Option<Vec<String>>,
    /// Not a claim: the cloud of the token's tenant, filled in when tenantsim verifies the
    /// token (each cloud's Graph host name serves that cloud's tenants only).
    #[serde(skip)]
    pub tenant_cloud: String,
}

/// Who a minted token speaks for.
#[derive(Debug, Clone)]
pub enum Subject {
    /// App-only: the client's service-principal object id and the app roles it holds.
    App {
        object_id: String,
        roles: Vec<String>,
    },
    /// Delegated: the signed-in user, the consented scopes and the user's directory roles.
    User {
        object_id: String,
        upn: String,
        name: String,
        scopes: Vec<String>,
        wids: Vec<String>,
    },
}

/// Everything `mint` needs for one token.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub tenant: String,
    pub audience: String,
    pub app_id: String,
    pub app_display_name: Option<String>,
    pub subject: Subject,
    pub issued_at: i64,
    pub lifetime_seconds: i64,
}

impl TokenRequest {
    pub fn claims(&self) -> Claims {
        let (idtyp, oid, roles, scp, upn, name, wids, appidacr) = match &self.subject {
            Subject::App { object_id, roles } => (
                "app",
                object_id.clone(),
                Some(roles.clone()),
                None,
                None,
                None,
                None,
                "1",
            ),
            Subject::User {
                object_id,
                upn,
                name,
                scopes,
                wids,
            } => (
                "user",
                object_id.clone(),
                None,
                Some(scopes.join(" ")),
                Some(upn.clone()),
                Some(name.clone()),
                Some(wids.clone()),
                "0",
            ),
        };
        let delegated = idtyp == "user";
        Claims {
            aud: self.audience.clone(),
            iss: issuer_v1(&self.tenant),
            iat: self.issued_at,
            nbf: self.issued_at,
            exp: self.issued_at + self.lifetime_seconds,
            acr: delegated.then(|| "1".to_owned()),
            amr: delegated.then(|| vec!["pwd".to_owned()]),
            app_displayname: self.app_display_name.clone(),
            appid: self.app_id.clone(),
            appidacr: appidacr.to_owned(),
            family_name: None,
            given_name: None,
            idtyp: idtyp.to_owned(),
            name,
            sub: oid.clone(),
            oid,
            roles,
            scp,
            tid: self.tenant.clone(),
            unique_name: upn.clone(),
            upn,
            uti: uti(),
            ver: "1.0".to_owned(),
            wids,
            tenant_cloud: String::new(),
        }
    }
}

/// `https://sts.windows.net/{tid}/`, the issuer of v1 tokens.
// Divergence: tenantsim signs with its own key under Entra's issuer name (graph-contract D10).
pub fn issuer_v1(tenant: &str) -> String {
    format!("https://sts.windows.net/{tenant}/")
}

/// A unique token identifier in Entra's 22-character base64url form.
fn uti() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&Uuid::new_v4().as_bytes()[..16])
}

/// Signs claims with tenantsim's key (RS256, `typ: JWT`, the key's `kid`).
pub fn sign(keys: &SigningKeys, claims: &impl Serialize) -> anyhow::Result<String> {
    let mut header = Header::new(Algorithm::RS256);
    header.typ = Some("JWT".to_owned());
    header.kid = Some(keys.kid.clone());
    header.x5t = Some(keys.kid.clone());
    Ok(jsonwebtoken::encode(&header, claims, &keys.encoding)?)
}

pub fn mint(keys: &SigningKeys, request: &TokenRequest) -> anyhow::Result<String> {
    sign(keys, &request.claims())
}
