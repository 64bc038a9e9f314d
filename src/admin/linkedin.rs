//! The LinkedIn part of the control API: the profile-card
//! decision and each user's LinkedIn connection state, read-only, for tests and demos.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::json;

use crate::app::AppState;
use crate::error::{GraphError, Result};
use crate::graph::wire::GraphJson;
use crate::linkedin::{self, LinkedInSettings, decision};
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/_tenantsim/tenants/{tenant}/profileCard",
            get(profile_card),
        )
        .route(
            "/_tenantsim/tenants/{tenant}/users/{user}/linkedIn",
            get(linked_in_state),
        )
}

async fn tenant(conn: &mut sqlx::SqliteConnection, key: &str) -> Result<store::tenants::TenantRow> {
    store::tenants::resolve_tenant(conn, key)
        .await?
        .ok_or_else(|| GraphError::not_found(key))
}

/// GET /_tenantsim/tenants/{tenant}/profileCard?viewer={id|upn}&person={id|upn} — what the
/// viewer's profile card shows about the person, with the ordered reasons.
async fn profile_card(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<GraphJson> {
    let viewer = query.get("viewer").ok_or_else(|| {
        GraphError::request_bad_request("The query parameter 'viewer' is required.")
    })?;
    let person = query.get("person").ok_or_else(|| {
        GraphError::request_bad_request("The query parameter 'person' is required.")
    })?;
    let mut conn = state.db.pool.acquire().await?;
    let tenant = tenant(&mut conn, &key).await?;
    let card = decision::profile_card(&mut conn, &tenant, viewer, person)
        .await
        .map_err(|err| match err {
            decision::CardError::UnknownUser(user) => GraphError::not_found(user),
            decision::CardError::Db(err) => GraphError::internal(err),
        })?;
    Ok(GraphJson(
        StatusCode::OK,
        serde_json::to_value(card).map_err(GraphError::internal)?,
    ))
}

/// GET /_tenantsim/tenants/{tenant}/users/{user}/linkedIn — the user's connection state
/// (tenantsim-specific: how Microsoft 365 reads it is not public, graph-contract D7).
async fn linked_in_state(
    State(state): State<AppState>,
    Path((key, user)): Path<(String, String)>,
) -> Result<GraphJson> {
    let mut conn = state.db.pool.acquire().await?;
    let tenant = tenant(&mut conn, &key).await?;
    let row = store::objects::get_user(&mut conn, &tenant.id, &user)
        .await?
        .ok_or_else(|| GraphError::not_found(&user))?;
    let settings = LinkedInSettings::from_tenant(&tenant);
    let (connection, grant) =
        linkedin::connection(&mut conn, &tenant.id, &settings, &row.id).await?;
    let profile = store::linkedin::profile(&mut conn, &tenant.id, &row.id).await?;
    Ok(GraphJson(
        StatusCode::OK,
        json!({
            "userId": row.id,
            "userPrincipalName": row.user_principal_name,
            "state": connection,
            "grant": grant.map(|g| json!({"id": g.id, "clientId": g.client_id, "resourceId": g.resource_id, "scope": g.scope})),
            "linkedInAppId": settings.app_id(),
            "profile": profile,
        }),
    ))
}
