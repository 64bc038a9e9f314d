//! The authorization endpoint (`/{tenant}/oauth2/v2.0/authorize` and v1 `/oauth2/authorize`):
//! validates the client and redirect URI, then hands over to the sign-in and consent pages
//! (`interactive`), or answers `prompt=none` from the session cookie.
//! See <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow>.

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sqlx::SqliteConnection;

use super::error::AadError;
use super::flows::{PENDING_LIFETIME_SECONDS, PendingKind, PendingSignIn};
use super::interactive;
use super::{Form, TenantSegment, clients, pages, resolve_segment, scopes};
use crate::protocol::cloud::HostCloud;
use crate::protocol::wire::origin_of;
use crate::request_context;
use crate::state::AppState;
use crate::store::{self, apps::ApplicationRow};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tenantsim_session";

/// Characters left as they are in query and fragment values (RFC 3986 unreserved).
pub const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Where and how a response goes back to the client.
#[derive(Debug, Clone)]
pub struct Reply {
    pub redirect_uri: String,
    pub response_mode: String,
    pub state: Option<String>,
}

impl Reply {
    pub fn of(kind: &PendingKind) -> Option<Self> {
        match kind {
            PendingKind::Authorize {
                redirect_uri,
                state,
                response_mode,
                ..
            } => Some(Self {
                redirect_uri: redirect_uri.clone(),
                response_mode: response_mode.clone(),
                state: state.clone(),
            }),
            PendingKind::Device { .. } => None,
        }
    }

    /// Sends `params` (plus `state`) to the redirect URI: a 302 with a query or fragment, or an
    /// auto-submitting form for `form_post`.
    pub fn send(&self, mut params: Vec<(&'static str, String)>) -> Response {
        if let Some(state) = &self.state {
            params.push(("state", state.clone()));
        }
        if self.response_mode == "form_post" {
            return pages::form_post(&self.redirect_uri, &params);
        }
        let encoded: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, VALUE)))
            .collect();
        let separator = match (self.response_mode.as_str(), self.redirect_uri.contains('?')) {
            ("fragment", _) => '#',
            (_, true) => '&',
            (_, false) => '?',
        };
        let location = format!("{}{separator}{}", self.redirect_uri, encoded.join("&"));
        let mut response = StatusCode::FOUND.into_response();
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store, no-cache"),
        );
        response
    }

    /// An OAuth error to the client, described the way Entra describes it.
    pub fn error(&self, error: &str, code: u32, message: &str) -> Response {
        let ctx = request_context::current();
        let timestamp = format!("{}Z", ctx.date().replacen('T', " ", 1));
        let description = format!(
            "AADSTS{code}: {message}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {timestamp}",
            ctx.request_id,
            ctx.client_request_id()
        );
        self.send(vec![
            ("error", error.to_owned()),
            ("error_description", description),
            (
                "error_uri",
                format!("https://login.microsoftonline.com/error?code={code}"),
            ),
        ])
    }

    pub fn aad_error(&self, err: &AadError) -> Response {
        self.error(err.error, err.code, &err.message)
    }
}

/// The `tenantsim_session` cookie's value, if the browser sent one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// An error page for a problem the client must not be redirected about.
pub fn page_error(err: &AadError) -> Response {
    pages::error_page(StatusCode::BAD_REQUEST, err.code, &err.message)
}

/// AADSTS50011: the redirect URI is not registered.
fn redirect_mismatch(uri: &str, app_id: &str) -> AadError {
    AadError::invalid_request(
        50011,
        format!(
            "The redirect URI '{uri}' specified in the request does not match the redirect URIs configured for the application '{app_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
        ),
    )
}

/// `http://localhost[:port]…` or `http://127.0.0.1[:port]…` (RFC 8252 loopback redirects).
fn is_loopback(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = authority.split_once(':').unwrap_or((authority, ""));
    (host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1")
        && port.chars().all(|c| c.is_ascii_digit())
}

/// The registered redirect URIs of an application.
pub fn registered_redirects(app: &ApplicationRow) -> Vec<String> {
    serde_json::from_str(&app.redirect_uris).unwrap_or_default()
}

/// Exact match with a registered URI; public clients also get any loopback port (Entra
/// ignores the port of `localhost` redirect URIs of native apps).
pub fn redirect_allowed(app: &ApplicationRow, uri: &str) -> bool {
    let registered = registered_redirects(app);
    registered.iter().any(|r| same_redirect(r, uri)) || (app.public_client && is_loopback(uri))
}

/// tenantsim's LinkedIn callback on the origin serving this request, for an app that registered
/// it (the LinkedIn app registers it on `localhost`; the browser may know tenantsim by another
/// name).
fn own_callback(app: &ApplicationRow, uri: &str, origin: &str) -> bool {
    let callback = crate::linkedin::CALLBACK_PATH;
    uri.strip_prefix(origin) == Some(callback)
        && registered_redirects(app).iter().any(|r| {
            r.split_once("://")
                .is_some_and(|(_, rest)| rest.ends_with(callback))
        })
}

/// Whether `uri` is the `registered` redirect URI: equal, or both loopback URIs that differ
/// only in the port.
pub fn same_redirect(registered: &str, uri: &str) -> bool {
    registered == uri
        || without_loopback_port(registered).is_some_and(|r| Some(r) == without_loopback_port(uri))
}

/// A `localhost` / `127.0.0.1` URI (http or https) without its port: Entra ignores the port of
/// loopback redirect URIs when it compares them with the registered ones.
fn without_loopback_port(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (host, port) = authority.split_once(':').unwrap_or((authority, ""));
    let loopback = host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1";
    (loopback && port.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("{scheme}://{}{tail}", host.to_ascii_lowercase()))
}

/// Finds the client: in the named tenant, or on `common` / `organizations` in the first tenant
/// that has it (the tenant is settled when the user signs in).
pub async fn find_client(
    conn: &mut SqliteConnection,
    segment: &TenantSegment,
    client_id: &str,
) -> Result<ApplicationRow, AadError> {
    let tenants = match segment {
        TenantSegment::Tenant(tenant) => vec![tenant.id.clone()],
        TenantSegment::Common(_) => store::tenants::list_tenants(conn)
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect(),
    };
    for tenant in &tenants {
        if let Some(app) = store::apps::get_application(conn, tenant, client_id).await? {
            return Ok(app);
        }
    }
    Err(clients::unknown_client(client_id, segment.path()))
}

/// GET /{tenant}/oauth2/v2.0/authorize
pub async fn authorize_v2(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    parts: Parts,
) -> Response {
    authorize(&state, &tenant, &parts, false).await
}

/// GET /{tenant}/oauth2/authorize (v1: `resource` instead of `scope`).
pub async fn authorize_v1(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    parts: Parts,
) -> Response {
    authorize(&state, &tenant, &parts, true).await
}

async fn authorize(state: &AppState, tenant: &str, parts: &Parts, v1: bool) -> Response {
    let params = match crate::protocol::request::parse_pairs(parts.uri.query()) {
        Ok(pairs) => Form(pairs),
        Err(_) => {
            return page_error(&AadError::invalid_request(
                900144,
                "The query string is not a valid URL encoding.",
            ));
        }
    };
    let segment = match resolve_segment(state, tenant, HostCloud::of(parts)).await {
        Ok(segment) => segment,
        Err(err) => return page_error(&err),
    };
    let Some(client_id) = params.get("client_id").filter(|c| !c.is_empty()) else {
        return page_error(&AadError::invalid_request(
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        ));
    };
    let mut conn = match state.db.pool.acquire().await {
        Ok(conn) => conn,
        Err(err) => return page_error(&AadError::from(err)),
    };
    let app = match find_client(&mut conn, &segment, client_id).await {
        Ok(app) => app,
        Err(err) => return page_error(&err),
    };
    let redirect_uri = match params.get("redirect_uri") {
        Some(uri) => uri.to_owned(),
        None => match registered_redirects(&app).into_iter().next() {
            Some(uri) => uri,
            None => {
                return page_error(&AadError::invalid_request(
                    500113,
                    "No reply address is registered for the application.",
                ));
            }
        },
    };
    let origin = origin_of(parts, &state.settings);
    if !redirect_allowed(&app, &redirect_uri) && !own_callback(&app, &redirect_uri, &origin.0) {
        return page_error(&redirect_mismatch(&redirect_uri, &app.app_id));
    }
    // From here on, problems go back to the client's redirect URI.
    let response_mode = params
        .get("response_mode")
        .unwrap_or("query")
        .to_ascii_lowercase();
    let reply = Reply {
        redirect_uri: redirect_uri.clone(),
        response_mode: if ["query", "fragment", "form_post"].contains(&response_mode.as_str()) {
            response_mode.clone()
        } else {
            "query".to_owned()
        },
        state: params.get("state").map(str::to_owned),
    };
    if reply.response_mode != response_mode {
        return reply.error("invalid_request", 900144, &format!("The provided value for the input parameter 'response_mode' is not valid: '{response_mode}'."));
    }
    let response_type = params.get("response_type").unwrap_or_default();
    if response_type != "code" {
        return reply.error(
            "unsupported_response_type",
            700054,
            &format!("response_type '{response_type}' is not enabled for the application. tenantsim supports the authorization code flow (response_type=code)."),
        );
    }
    let scope = if v1 {
        let resource = params
            .get("resource")
            .unwrap_or("https://graph.microsoft.com");
        format!(
            "{resource}/.default {}",
            params.get("scope").unwrap_or("openid")
        )
    } else {
        match params.get("scope").filter(|s| !s.trim().is_empty()) {
            Some(scope) => scope.to_owned(),
            None => {
                return reply.error(
                    "invalid_request",
                    900144,
                    "The request body must contain the following parameter: 'scope'.",
                );
            }
        }
    };
    if let Err(err) = scopes::parse(&scope, origin.0.split("://").nth(1)) {
        return reply.aad_error(&err);
    }
    let method = params.get("code_challenge_method").map(str::to_owned);
    if let Some(m) = &method
        && !m.eq_ignore_ascii_case("S256")
        && !m.eq_ignore_ascii_case("plain")
    {
        return reply.error(
            "invalid_request",
            501491,
            &format!("Invalid code_challenge_method '{m}': expected 'S256' or 'plain'."),
        );
    }
    let prompt = params
        .get("prompt")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !["", "none", "login", "consent", "select_account"].contains(&prompt.as_str()) {
        return reply.error(
            "invalid_request",
            90023,
            &format!("Invalid prompt value '{prompt}'."),
        );
    }
    let pending = PendingSignIn {
        kind: PendingKind::Authorize {
            path: parts.uri.path().to_owned(),
            redirect_uri,
            state: reply.state.clone(),
            nonce: params.get("nonce").map(str::to_owned),
            code_challenge: params.get("code_challenge").map(str::to_owned),
            code_challenge_method: method,
            response_mode,
        },
        tenant: segment.path().to_owned(),
        client_app_id: app.app_id.clone(),
        scope,
        login_hint: params
            .get("login_hint")
            .filter(|h| !h.is_empty())
            .map(str::to_owned),
        force_consent: prompt == "consent",
        signed_in: None,
        expires_at: state.clock.unix() + PENDING_LIFETIME_SECONDS,
    };
    let session = session_cookie(&parts.headers);
    let remembered = match &session {
        Some(session) => interactive::session_user(state, &mut conn, session, &pending).await,
        None => Ok(None),
    };
    let remembered = match remembered {
        Ok(user) => user,
        Err(err) => return page_error(&err),
    };
    let ctx = interactive::Ctx {
        state,
        origin_host: origin.0.split("://").nth(1).map(str::to_owned),
        secure: origin.0.starts_with("https://"),
    };
    if prompt == "none" {
        return interactive::silent(
            &ctx,
            &mut conn,
            pending,
            remembered,
            // Several accounts in this browser and nothing to choose between them.
            matches!(segment, TenantSegment::Common(_))
                && session
                    .as_deref()
                    .is_some_and(|s| state.flows.session_users(s, state.clock.unix()).len() > 1),
            &reply,
        )
        .await;
    }
    let id = state
        .flows
        .start_pending(pending.clone(), state.clock.unix());
    match remembered {
        Some(signed_in) if prompt != "login" && prompt != "select_account" => {
            let mut pending = pending;
            pending.signed_in = Some(signed_in);
            state.flows.update_pending(&id, pending.clone());
            interactive::after_sign_in(&ctx, &mut conn, &id, pending).await
        }
        _ => interactive::sign_in_page(&mut conn, &id, &pending, &app, None).await,
    }
}

#[cfg(test)]
mod loopback_tests {
    use super::without_loopback_port;

    #[test]
    fn loopback_redirects_compare_without_their_port() {
        assert_eq!(
            without_loopback_port("https://localhost:8443/cb?x=1").as_deref(),
            Some("https://localhost/cb?x=1")
        );
        assert_eq!(
            without_loopback_port("http://127.0.0.1/cb").as_deref(),
            Some("http://127.0.0.1/cb")
        );
        assert_eq!(without_loopback_port("https://example.com:8443/cb"), None);
        assert_ne!(
            without_loopback_port("http://localhost:1/cb"),
            without_loopback_port("https://localhost:1/cb")
        );
    }
}
