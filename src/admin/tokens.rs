//! `/_tenantsim/tokens`: the token forge. Mints any Graph-shaped access token, signed with
//! tenantsim's key (accepted) or with a foreign key tenantsim does not hold (refused), for
//! testing expiry, audiences, claims and signature checks.

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::auth::keys::SigningKeys;
use crate::auth::token::{self, Subject, TokenRequest};
use crate::error::{GraphError, Result};
use crate::protocol::request::JsonObject;
use crate::protocol::wire::GraphJson;
use crate::state::AppState;
use crate::store;

/// The client app a forged token names when the body gives no `appId`.
pub const FORGE_APP_ID: &str = "7e5a5117-0000-4000-8000-00000000f0e9";

pub fn router() -> Router<AppState> {
    Router::new().route("/_tenantsim/tokens", post(forge))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Forge {
    tenant: String,
    kind: Kind,
    app_id: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    user: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    audience: Option<String>,
    lifetime_seconds: Option<i64>,
    not_before_seconds: Option<i64>,
    #[serde(default)]
    claims: Map<String, Value>,
    #[serde(default)]
    signing_key: SigningKey,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Kind {
    App,
    User,
}

#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum SigningKey {
    #[default]
    Tenantsim,
    Foreign,
}

fn bad(message: impl std::fmt::Display) -> GraphError {
    GraphError::request_bad_request(format!("Invalid token request: {message}"))
}

/// A key generated once per process and never published or trusted.
async fn foreign_key() -> Result<Arc<SigningKeys>> {
    static FOREIGN: OnceLock<Arc<SigningKeys>> = OnceLock::new();
    if let Some(keys) = FOREIGN.get() {
        return Ok(keys.clone());
    }
    let keys = tokio::task::spawn_blocking(SigningKeys::generate)
        .await
        .map_err(GraphError::internal)?
        .map_err(GraphError::internal)?;
    Ok(FOREIGN.get_or_init(|| Arc::new(keys)).clone())
}

/// POST /_tenantsim/tokens — mints an access token; 200 `{"access_token", "claims"}`. Body:
/// `{"tenant" (id or domain), "kind": "app"|"user", "appId"?, "roles"? (app), "user"? (id or
/// UPN; its directory roles become `wids`), "scopes"? (user), "audience"? (default Graph),
/// "lifetimeSeconds"? (default 3599; negative = already expired), "notBeforeSeconds"? (`nbf`
/// relative to now), "claims"? (merged last, overriding), "signingKey"?: "tenantsim" (default)
/// | "foreign" (a key tenantsim does not hold)}`. Times are on the simulated clock.
async fn forge(State(state): State<AppState>, JsonObject(body): JsonObject) -> Result<GraphJson> {
    let body: Forge = crate::body_shape::from_value(body.into()).map_err(|m| bad(m.clause()))?;
    let mut conn = state.db.pool.acquire().await?;
    // A tenant tenantsim does not hold is kept as written (its tokens are refused, D20).
    let tenant = store::tenants::resolve_tenant(&mut conn, &body.tenant)
        .await?
        .map_or_else(|| body.tenant.to_ascii_lowercase(), |t| t.id);
    let app_id = body
        .app_id
        .clone()
        .unwrap_or_else(|| FORGE_APP_ID.to_owned());
    let subject = match body.kind {
        Kind::App => {
            let object_id = store::apps::service_principal_by_app_id(&mut conn, &tenant, &app_id)
                .await?
                .map_or_else(|| uuid::Uuid::new_v4().to_string(), |sp| sp.id);
            Subject::App {
                object_id,
                roles: body.roles.clone(),
            }
        }
        Kind::User => {
            let user = body
                .user
                .as_deref()
                .ok_or_else(|| bad("a user token needs 'user' (an id or a UPN)"))?;
            let row = store::objects::get_user(&mut conn, &tenant, user)
                .await?
                .ok_or_else(|| bad(format!("no user '{user}' in tenant '{tenant}'")))?;
            let wids = store::members::roles_of(&mut conn, &tenant, &row.id).await?;
            Subject::User {
                object_id: row.id,
                upn: row.user_principal_name.unwrap_or_default(),
                name: row.display_name.unwrap_or_default(),
                scopes: body.scopes.clone(),
                wids,
            }
        }
    };
    drop(conn);
    let now = state.clock.unix();
    let request = TokenRequest {
        tenant,
        audience: body
            .audience
            .clone()
            .unwrap_or_else(|| token::GRAPH_AUDIENCE.to_owned()),
        app_id,
        app_display_name: Some("tenantsim token forge".to_owned()),
        subject,
        issued_at: now,
        lifetime_seconds: body
            .lifetime_seconds
            .unwrap_or(token::DEFAULT_LIFETIME_SECONDS),
    };
    let mut claims = serde_json::to_value(request.claims()).map_err(GraphError::internal)?;
    let Some(map) = claims.as_object_mut() else {
        return Err(GraphError::internal(anyhow::anyhow!(
            "claims are an object"
        )));
    };
    if let Some(offset) = body.not_before_seconds {
        map.insert("nbf".to_owned(), json!(now + offset));
    }
    if body.kind == Kind::App && body.roles.is_empty() {
        map.remove("roles");
    }
    for (name, value) in body.claims {
        map.insert(name, value);
    }
    let keys = match body.signing_key {
        SigningKey::Tenantsim => state.keys().clone(),
        SigningKey::Foreign => foreign_key().await?,
    };
    let access_token = token::sign(&keys, &claims).map_err(GraphError::internal)?;
    Ok(GraphJson(
        StatusCode::OK,
        json!({ "access_token": access_token, "claims": claims }),
    ))
}
