//! Single-page applications at the token endpoint: a code sent to an `spa` redirect URI is
//! redeemed only cross-origin (from the browser, with `Origin`) and without a client secret,
//! its refresh token lives 24 hours and is redeemed the same way; every other grant is refused
//! cross-origin. See <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow>
//! ("Redirect URIs for single-page apps") and
//! <https://learn.microsoft.com/entra/identity-platform/refresh-tokens> (token lifetime).

use axum::http::{HeaderMap, header};
use serde_json::{Map, Value};
use sqlx::SqliteConnection;

use super::error::{AadError, AadResult};
use crate::store::{self, apps::ApplicationRow};

/// Refresh tokens issued to a single-page app live 24 hours, not extended by use.
pub const SPA_REFRESH_LIFETIME_SECONDS: i64 = 24 * 3600;

/// The `Origin` a browser sent, when the request is cross-origin.
pub fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

/// AADSTS9002326: a browser redeemed a grant that is not a single-page app's.
pub fn cross_origin_refused(origin: &str) -> AadError {
    AadError::invalid_request(
        9002326,
        format!(
            "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '{origin}'."
        ),
    )
}

/// AADSTS9002327: a single-page app's grant redeemed from outside a browser.
pub fn same_origin_refused() -> AadError {
    AadError::invalid_request(
        9002327,
        "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.",
    )
}

/// AADSTS700084: a single-page app's refresh token is past its fixed 24 hours.
pub fn refresh_expired() -> AadError {
    AadError::invalid_grant(
        700084,
        "The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page.",
    )
}

/// Whether `uri` is one of the application's `spa` redirect URIs (the port of a loopback URI
/// is ignored, as the authorize endpoint ignores it).
pub async fn is_spa_redirect(
    conn: &mut SqliteConnection,
    tenant: &str,
    app_id: &str,
    uri: &str,
) -> sqlx::Result<bool> {
    let Some(object) =
        store::app_registrations::application_by_app_id(conn, tenant, app_id).await?
    else {
        return Ok(false);
    };
    let doc: Map<String, Value> = serde_json::from_str(&object.data).unwrap_or_default();
    Ok(crate::app_objects::spa_redirect_uris(&doc)
        .into_iter()
        .any(|registered| super::authorize::same_redirect(registered, uri)))
}

/// The origin rule for a grant: a single-page app's only with `Origin`, any other only
/// without it.
pub fn check_origin(headers: &HeaderMap, spa: bool) -> AadResult<()> {
    match (origin(headers), spa) {
        (Some(origin), false) => Err(cross_origin_refused(origin)),
        (None, true) => Err(same_origin_refused()),
        _ => Ok(()),
    }
}

/// The client of a single-page app's grant: named by `client_id`, the one the grant was issued
/// to, and with no secret or assertion (a browser cannot keep one).
pub async fn client(
    conn: &mut SqliteConnection,
    tenant: &str,
    form: &super::Form,
    issued_to: &str,
    mismatch: &'static str,
) -> AadResult<ApplicationRow> {
    let client_id = form
        .get("client_id")
        .ok_or_else(|| AadError::missing("client_id"))?;
    if form.get("client_secret").is_some() || form.get("client_assertion").is_some() {
        return Err(AadError::invalid_client(
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        ));
    }
    let app = store::apps::get_application(conn, tenant, client_id)
        .await?
        .ok_or_else(|| super::clients::unknown_client(client_id, tenant))?;
    if !app.app_id.eq_ignore_ascii_case(issued_to) {
        return Err(AadError::invalid_grant(70000, mismatch));
    }
    Ok(app)
}
