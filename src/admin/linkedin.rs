//! The LinkedIn part of the control API: the profile-card
//! decision and each user's LinkedIn connection state, read-only, for tests and demos.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

use crate::error::{GraphError, Result};
use crate::linkedin::{self, LinkedInSettings, decision};
use crate::protocol::wire::{GraphJson, GraphJsonText};
use crate::state::AppState;
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
) -> Result<GraphJsonText> {
    let viewer = query.get("viewer").ok_or_else(|| {
        GraphError::request_bad_request("The query parameter 'viewer' is required.")
    })?;
    let person = query.get("person").ok_or_else(|| {
        GraphError::request_bad_request("The query parameter 'person' is required.")
    })?;
    // The decision reads only stored data (tenant settings, memberships, consent, profiles),
    // so its answer holds until the next write: keep it under the write generation, as Graph
    // GETs keep their rendered bodies. Keys compare as the store does (ASCII case-insensitive
    // ids, userPrincipalNames and domains).
    let cache_key = store::RenderKey::new(
        &key.to_ascii_lowercase(),
        format_args!(
            "profileCard|{}|{}",
            viewer.to_ascii_lowercase(),
            person.to_ascii_lowercase()
        ),
    );
    if let Some(body) = state.db.rendered(&cache_key) {
        return Ok(GraphJsonText(StatusCode::OK, body));
    }
    let generation = state.db.quiet_generation();
    let mut conn = state.db.pool.acquire().await?;
    let tenant = tenant(&mut conn, &key).await?;
    let card = decision::profile_card(&mut conn, &tenant, viewer, person)
        .await
        .map_err(|err| match err {
            decision::CardError::UnknownUser(user) => GraphError::not_found(user),
            decision::CardError::Db(err) => GraphError::internal(err),
        })?;
    let body: Arc<str> = serde_json::to_value(card)
        .map_err(GraphError::internal)?
        .to_string()
        .into();
    state.db.keep_rendered(cache_key, generation, body.clone());
    Ok(GraphJsonText(StatusCode::OK, body))
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

/// Routes a browser reaches during the connect flow (no admin key: the flow's code is the
/// credential).
pub fn public_router() -> Router<AppState> {
    Router::new()
        .route(
            "/_tenantsim/tenants/{tenant}/linkedIn/connect",
            get(connect_start),
        )
        .route("/_tenantsim/linkedin/callback", get(connect_callback))
}

/// Routes that change a user's LinkedIn choices (behind the admin key when one is set).
pub fn write_router() -> Router<AppState> {
    Router::new()
        .route(
            "/_tenantsim/tenants/{tenant}/users/{user}/linkedIn",
            axum::routing::patch(update_linked_in_state),
        )
        .route(
            "/_tenantsim/tenants/{tenant}/linkedIn",
            get(get_tenant_options).patch(update_tenant_options),
        )
}

/// GET /_tenantsim/tenants/{tenant}/linkedIn/connect[?user=UPN][&returnTo=/path or a registered
/// redirect URI] — starts
/// "connect my LinkedIn account": the identity platform's sign-in and consent pages for the
/// LinkedIn app, then the callback below.
async fn connect_start(
    State(state): State<AppState>,
    origin: crate::protocol::wire::Origin,
    Path(key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<axum::response::Response> {
    let mut conn = state.db.pool.acquire().await?;
    let tenant = tenant(&mut conn, &key).await?;
    if !crate::linkedin::settings::provisioned(&tenant.cloud) {
        return Err(GraphError::request_bad_request(format!(
            "LinkedIn account connections are not available in the {} cloud.",
            tenant.cloud
        )));
    }
    let settings = LinkedInSettings::from_tenant(&tenant);
    let redirect = format!("{}{}", origin.0, crate::linkedin::CALLBACK_PATH);
    let state_param = match query.get("returnTo") {
        Some(back) if return_allowed(&mut conn, &tenant.id, back).await? => {
            format!("{}|{back}", tenant.id)
        }
        Some(back) => {
            return Err(GraphError::request_bad_request(format!(
                "returnTo '{back}' is neither a path on this server nor a redirect URI registered for an application of the tenant."
            )));
        }
        None => tenant.id.clone(),
    };
    let mut pairs = vec![
        ("client_id", settings.app_id().to_owned()),
        ("response_type", "code".to_owned()),
        ("redirect_uri", redirect),
        ("scope", settings.scope().to_owned()),
        ("state", state_param),
        ("prompt", "consent".to_owned()),
    ];
    if let Some(user) = query.get("user") {
        pairs.push(("login_hint", user.clone()));
    }
    let query: String = pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    Ok(found(&format!(
        "/{}/oauth2/v2.0/authorize?{query}",
        tenant.id
    )))
}

/// Where the callback may send the browser back to: a path on this server, or (for a
/// single-page app that starts the connection) a redirect URI an application of the tenant
/// registered, its query aside — never an arbitrary site.
async fn return_allowed(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    back: &str,
) -> Result<bool> {
    // Browsers drop tabs and line breaks from a URL and read `\` as `/`: `/\t/evil.example`
    // would become `//evil.example`, another site.
    if back
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return Ok(false);
    }
    if back.starts_with('/') {
        return Ok(!back.starts_with("//"));
    }
    let base = back.split(['?', '#']).next().unwrap_or_default();
    let apps = store::apps::list_applications(conn, tenant).await?;
    Ok(apps
        .iter()
        .any(|app| crate::sts::authorize::redirect_allowed(app, base)))
}

/// GET /_tenantsim/linkedin/callback?code=…&state=… — the LinkedIn side of the connection:
/// redeems the code the consent flow issued and accepts the connection (the grant already
/// exists: consenting created it). With `returnTo` in the state, redirects back there.
async fn connect_callback(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<axum::response::Response> {
    let (tenant_id, back) = match query.get("state").map(|s| {
        s.split_once('|').map_or((s.clone(), None), |(t, b)| {
            (t.to_owned(), Some(b.to_owned()))
        })
    }) {
        Some(pair) => pair,
        None => {
            return Err(GraphError::request_bad_request(
                "The callback needs 'state'.",
            ));
        }
    };
    // The state came back through the browser: its return address is checked again, so a
    // forged state cannot turn the callback into an open redirect.
    if let Some(back) = &back {
        let mut conn = state.db.pool.acquire().await?;
        let tenant = tenant(&mut conn, &tenant_id).await?;
        if !return_allowed(&mut conn, &tenant.id, back).await? {
            return Err(GraphError::request_bad_request(
                "The state's return address is neither a path on this server nor a redirect URI registered for an application of the tenant.",
            ));
        }
    }
    let outcome = if let Some(error) = query.get("error") {
        json!({"connected": false, "error": error, "error_description": query.get("error_description")})
    } else {
        let code = query.get("code").ok_or_else(|| {
            GraphError::request_bad_request("The callback needs 'code' or 'error'.")
        })?;
        let redeemed = match state.flows.redeem_code(code, state.clock.unix()) {
            crate::sts::flows::Redeem::Ready(code) => code,
            _ => {
                return Err(GraphError::request_bad_request(
                    "The authorization code is not valid (expired or already used).",
                ));
            }
        };
        let mut tx = state.db.begin_write().await?;
        let tenant = tenant(&mut tx, &redeemed.tenant).await?;
        let settings = LinkedInSettings::from_tenant(&tenant);
        if redeemed.tenant != tenant_id
            || !redeemed
                .client_app_id
                .eq_ignore_ascii_case(settings.app_id())
        {
            return Err(GraphError::request_bad_request(
                "The authorization code was not issued to the LinkedIn app of this tenant.",
            ));
        }
        store::linkedin::set_user_state(&mut tx, &tenant.id, &redeemed.user_id, false, "accepted")
            .await?;
        let (connection, grant) =
            linkedin::connection(&mut tx, &tenant.id, &settings, &redeemed.user_id).await?;
        tx.commit().await?;
        json!({"connected": connection == linkedin::ConnectionState::Bound, "state": connection, "userId": redeemed.user_id, "grantId": grant.map(|g| g.id)})
    };
    match back {
        Some(back) => {
            let connected = outcome["connected"].as_bool().unwrap_or(false);
            let error = outcome["error"].as_str().unwrap_or_default();
            let separator = if back.contains('?') { '&' } else { '?' };
            Ok(found(&format!(
                "{back}{separator}linkedIn={}{}",
                if connected { "connected" } else { "failed" },
                if error.is_empty() {
                    String::new()
                } else {
                    format!(
                        "&error={}",
                        percent_encoding::utf8_percent_encode(error, crate::sts::authorize::VALUE)
                    )
                }
            )))
        }
        None => Ok(GraphJson(StatusCode::OK, outcome).into_response()),
    }
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateLinkedInState {
    /// The user switches LinkedIn features off (`OptOut`) or back on.
    opt_out: Option<bool>,
    /// `accepted` or `pending`: the LinkedIn side of a connection.
    linked_in_side: Option<String>,
    /// `true` removes the user's consent (their grant to the LinkedIn app), as "Remove these
    /// permissions" in My Apps does.
    disconnect: Option<bool>,
}

/// PATCH /_tenantsim/tenants/{tenant}/users/{user}/linkedIn — the user's own choices.
async fn update_linked_in_state(
    State(state): State<AppState>,
    Path((key, user)): Path<(String, String)>,
    crate::protocol::request::JsonObject(body): crate::protocol::request::JsonObject,
) -> Result<GraphJson> {
    let request: UpdateLinkedInState =
        crate::protocol::request::typed(serde_json::Value::Object(body), "linkedIn")?;
    let mut tx = state.db.begin_write().await?;
    let tenant = tenant(&mut tx, &key).await?;
    let row = store::objects::get_user(&mut tx, &tenant.id, &user)
        .await?
        .ok_or_else(|| GraphError::not_found(&user))?;
    let settings = LinkedInSettings::from_tenant(&tenant);
    let (opt_out, side) = store::linkedin::user_state(&mut tx, &tenant.id, &row.id).await?;
    let side = match request.linked_in_side.as_deref() {
        None => side,
        Some(s @ ("accepted" | "pending")) => s.to_owned(),
        Some(other) => {
            return Err(GraphError::request_bad_request(format!(
                "linkedInSide must be 'accepted' or 'pending', not '{other}'."
            )));
        }
    };
    store::linkedin::set_user_state(
        &mut tx,
        &tenant.id,
        &row.id,
        request.opt_out.unwrap_or(opt_out),
        &side,
    )
    .await?;
    if request.disconnect == Some(true)
        && let Some(id) = linkedin::grant_id(&tenant.id, &settings, &row.id)
    {
        store::apps::delete_grant(&mut tx, &tenant.id, &id).await?;
    }
    let (connection, _) = linkedin::connection(&mut tx, &tenant.id, &settings, &row.id).await?;
    tx.commit().await?;
    Ok(GraphJson(
        StatusCode::OK,
        json!({"userId": row.id, "state": connection}),
    ))
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TenantOptions {
    /// Whether nested membership of the selected group counts (graph-contract D4).
    nested_group_membership: Option<bool>,
    /// Whether unconnected viewers see public LinkedIn profiles (graph-contract D6).
    show_public_profiles: Option<bool>,
}

/// GET /_tenantsim/tenants/{tenant}/linkedIn — the stored setting and tenantsim's options.
async fn get_tenant_options(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<GraphJson> {
    let mut conn = state.db.pool.acquire().await?;
    let tenant = tenant(&mut conn, &key).await?;
    let settings = LinkedInSettings::from_tenant(&tenant);
    Ok(GraphJson(
        StatusCode::OK,
        json!({
            "provisioned": crate::linkedin::settings::provisioned(&tenant.cloud),
            "enableLinkedInAppFamily": settings.effective(&tenant),
            "selectedGroupId": settings.selected_group_id,
            "nestedGroupMembership": settings.nested_group_membership,
            "showPublicProfiles": settings.show_public_profiles,
            "appId": settings.app_id(),
            "scope": settings.scope(),
        }),
    ))
}

/// PATCH /_tenantsim/tenants/{tenant}/linkedIn — tenantsim's options for the unknowns; the
/// Yes / Selected group / No setting itself is changed through the portal API.
async fn update_tenant_options(
    State(state): State<AppState>,
    Path(key): Path<String>,
    crate::protocol::request::JsonObject(body): crate::protocol::request::JsonObject,
) -> Result<GraphJson> {
    let request: TenantOptions =
        crate::protocol::request::typed(serde_json::Value::Object(body), "linkedIn")?;
    let mut tx = state.db.begin_write().await?;
    let tenant = tenant(&mut tx, &key).await?;
    let mut settings = LinkedInSettings::from_tenant(&tenant);
    if let Some(nested) = request.nested_group_membership {
        settings.nested_group_membership = nested;
    }
    if let Some(public) = request.show_public_profiles {
        settings.show_public_profiles = public;
    }
    store::tenants::update_settings(&mut tx, &tenant.id, &settings.store_into(&tenant.settings))
        .await?;
    tx.commit().await?;
    Ok(GraphJson(
        StatusCode::OK,
        json!({"nestedGroupMembership": settings.nested_group_membership, "showPublicProfiles": settings.show_public_profiles}),
    ))
}

/// 302 Found, as Entra's own redirects.
fn found(location: &str) -> axum::response::Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = axum::http::HeaderValue::from_str(location) {
        response
            .headers_mut()
            .insert(axum::http::header::LOCATION, value);
    }
    response
}
