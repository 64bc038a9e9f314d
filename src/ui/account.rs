//! Sign in as a user and "My account". Signing in reuses the identity platform's sign-in page:
//! an authorization-code flow for a built-in public client (Microsoft Graph Command Line Tools)
//! back to this page's callback, which redeems the code and keeps the user in a signed,
//! HttpOnly cookie. My account connects LinkedIn through the real connect flow (sign-in and
//! consent pages, then the grant) or disconnects it (deletes the grant, as
//! `PATCH …/users/{u}/linkedIn {"disconnect": true}` does).

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;

use super::html::{self, Nav, PageError, PageResult, esc};
use super::{PREFIX, security};
use crate::linkedin::{self, ConnectionState, LinkedInSettings};
use crate::protocol::wire::Origin;
use crate::state::AppState;
use crate::store;

/// The built-in public client the pages sign in with.
pub const CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{PREFIX}/t/{{tenant}}/account"), get(show))
        .route(&format!("{PREFIX}/t/{{tenant}}/signin"), get(sign_in))
        .route(&format!("{PREFIX}/t/{{tenant}}/signout"), post(sign_out))
        .route(
            &format!("{PREFIX}/t/{{tenant}}/account/disconnect"),
            post(disconnect),
        )
        .route(&format!("{PREFIX}/signin/callback"), get(callback))
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// GET …/signin — into the identity platform's sign-in page.
async fn sign_in(
    State(state): State<AppState>,
    origin: Origin,
    Path(key): Path<String>,
) -> PageResult {
    let mut conn = state.db.pool.acquire().await?;
    let tenant = super::tenant(&mut conn, &key).await?;
    let nonce = crate::sts::flows::random_token(24);
    let redirect = format!("{}{PREFIX}/signin/callback", origin.0);
    let location = format!(
        "/{}/oauth2/v2.0/authorize?client_id={CLIENT_ID}&response_type=code&redirect_uri={}&scope={}&state={}&prompt=login",
        tenant.id,
        html::url(&redirect),
        html::url("openid profile"),
        html::url(&nonce)
    );
    Ok(with_cookie(
        html::see_other(&location),
        &security::set_cookie(security::STATE_COOKIE, Some(&nonce), "Lax"),
    ))
}

/// GET /_tenantsim/ui/signin/callback?code=&state= — redeems the code (the state must match
/// this browser's cookie) and signs the user in on the pages.
async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> PageResult {
    let expected = security::cookie(&headers, security::STATE_COOKIE).unwrap_or_default();
    if expected.is_empty() || query.get("state") != Some(&expected) {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            "The sign-in did not start here (state mismatch); start again.",
        ));
    }
    if let Some(error) = query.get("error") {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "Sign-in failed: {error}. {}",
                query
                    .get("error_description")
                    .map(String::as_str)
                    .unwrap_or("")
            ),
        ));
    }
    let code = query.get("code").map(String::as_str).unwrap_or("");
    let crate::sts::flows::Redeem::Ready(code) = state.flows.redeem_code(code, state.clock.unix())
    else {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            "The authorization code is not valid (expired or already used).",
        ));
    };
    if !code.client_app_id.eq_ignore_ascii_case(CLIENT_ID) {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            "The code was not issued to the pages' client.",
        ));
    }
    let mut conn = state.db.pool.acquire().await?;
    let tenant = super::tenant(&mut conn, &code.tenant).await?;
    let response = html::see_other(&format!("{PREFIX}/t/{}/account", tenant.id));
    let response = with_cookie(
        response,
        &security::set_cookie(security::STATE_COOKIE, None, "Lax"),
    );
    let value = security::user_cookie_value(&tenant.id, &code.user_id);
    Ok(with_cookie(
        response,
        &security::set_cookie(security::USER_COOKIE, Some(&value), "Lax"),
    ))
}

async fn sign_out(Path(key): Path<String>) -> Response {
    with_cookie(
        html::see_other(&format!("{PREFIX}/t/{}/account", html::url(&key))),
        &security::set_cookie(security::USER_COOKIE, None, "Lax"),
    )
}

fn state_words(state: ConnectionState) -> &'static str {
    match state {
        ConnectionState::Unbound => "Not connected (Unbound)",
        ConnectionState::Bound => "Connected (Bound)",
        ConnectionState::MicrosoftBound => "Consented; LinkedIn side pending (MicrosoftBound)",
        ConnectionState::OptOut => "Switched off by you (OptOut)",
    }
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> PageResult {
    let mut conn = state.db.pool.acquire().await?;
    let tenant = super::tenant(&mut conn, &key).await?;
    let base = format!("{PREFIX}/t/{}", tenant.id);
    let mut body = String::new();
    match query.get("linkedIn").map(String::as_str) {
        Some("connected") => {
            body.push_str(&html::flash("Your LinkedIn account is connected.", false))
        }
        Some(_) => body.push_str(&html::flash(
            &format!(
                "LinkedIn was not connected{}.",
                query
                    .get("error")
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ),
            true,
        )),
        None => {}
    }
    if query.contains_key("disconnected") {
        body.push_str(&html::flash(
            "Your LinkedIn account is disconnected: the consent (grant) was removed.",
            false,
        ));
    }
    let user = match security::signed_in_user(&headers, &tenant.id) {
        Some(id) => store::objects::get_user(&mut conn, &tenant.id, &id).await?,
        None => None,
    };
    match user {
        None => body.push_str(&format!(
            "<section><p>Sign in as a user of {} with the identity platform's sign-in page \
             (fixture users' password: <code>Passw0rd!</code>).</p>\
             <p><a class=\"button primary\" id=\"sign-in\" href=\"{base}/signin\">Sign in</a></p></section>",
            esc(&tenant.display_name)
        )),
        Some(user) => {
            let settings = LinkedInSettings::from_tenant(&tenant);
            let name = user.display_name.clone().unwrap_or_default();
            let upn = user.user_principal_name.clone().unwrap_or_default();
            let data: Value = serde_json::from_str(&user.data).unwrap_or(Value::Null);
            body.push_str(&format!(
                "<section aria-labelledby=\"me\"><h2 id=\"me\">{}</h2><p id=\"signed-in-as\">Signed in as <strong>{}</strong> ({})</p>\
                 <p class=\"muted\">{}</p>\
                 <form method=\"post\" action=\"{base}/signout\">{}<button type=\"submit\">Sign out</button></form></section>",
                esc(&name), esc(&name), esc(&upn),
                esc(data["jobTitle"].as_str().unwrap_or("")),
                html::csrf_field()
            ));
            body.push_str("<section aria-labelledby=\"lic\"><h2 id=\"lic\">LinkedIn account connection</h2>");
            if settings.effective(&tenant).is_none() {
                body.push_str(&format!("<p>LinkedIn account connections are not available in the {} cloud.</p>", esc(&tenant.cloud)));
            } else {
                let (connection, grant) = linkedin::connection(&mut conn, &tenant.id, &settings, &user.id).await?;
                let profile = store::linkedin::profile(&mut conn, &tenant.id, &user.id).await?;
                body.push_str(&format!(
                    "<p>State: <strong id=\"linkedin-state\">{}</strong></p><p>LinkedIn profile: {}</p>",
                    state_words(connection),
                    profile.map(|p| format!("<code>{}</code> — {}", esc(&p.vanity_name), esc(p.headline.as_deref().unwrap_or("")))).unwrap_or_else(|| "none".into())
                ));
                if let Some(grant) = grant {
                    body.push_str(&format!(
                        "<p class=\"muted\">Your consent: grant <code>{}</code>, scopes <code>{}</code>.</p>\
                         <form method=\"post\" action=\"{base}/account/disconnect\">{}<button type=\"submit\" id=\"disconnect\">Disconnect LinkedIn</button></form>",
                        esc(&grant.id), esc(&grant.scope), html::csrf_field()
                    ));
                }
                if connection != ConnectionState::Bound {
                    let back = format!("{base}/account");
                    body.push_str(&format!(
                        "<p>Connecting goes through the consent page: you consent to the LinkedIn app reading your profile.</p>\
                         <p><a class=\"button primary\" id=\"connect\" href=\"/_tenantsim/tenants/{}/linkedIn/connect?user={}&amp;returnTo={}\">Connect LinkedIn</a></p>",
                        esc(&tenant.id), esc(&html::url(&upn)), esc(&html::url(&back))
                    ));
                }
            }
            body.push_str("</section>");
        }
    }
    let nav = Nav {
        tenant: Some((&tenant.id, &tenant.display_name)),
        current: "account",
    };
    Ok(html::page("My account", &nav, &body).into_response())
}

/// POST …/account/disconnect — removes the signed-in user's LinkedIn consent (their grant).
async fn disconnect(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> PageResult {
    let mut tx = state.db.begin_write().await?;
    let tenant = super::tenant(&mut tx, &key).await?;
    let Some(user) = security::signed_in_user(&headers, &tenant.id) else {
        return Err(PageError::new(StatusCode::UNAUTHORIZED, "Sign in first."));
    };
    let settings = LinkedInSettings::from_tenant(&tenant);
    if let Some(id) = linkedin::grant_id(&tenant.id, &settings, &user) {
        store::apps::delete_grant(&mut tx, &tenant.id, &id).await?;
    }
    tx.commit().await?;
    Ok(html::see_other(&format!(
        "{PREFIX}/t/{}/account?disconnected=1",
        tenant.id
    )))
}
