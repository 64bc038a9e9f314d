//! The pages' protections: a per-process secret; CSRF (a token in every form POST, checked
//! with the request's `Origin`/`Referer`, which must be this origin); the `--admin-key` gate
//! (a login form that sets an HttpOnly cookie, so the pages are no bypass of the admin API);
//! and the signed cookie naming the user signed in on the pages.

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::PREFIX;
use super::html::{self, Nav, esc};
use crate::state::AppState;

/// Cookie proving the admin key was given (an HMAC of the key, never the key).
pub const KEY_COOKIE: &str = "tenantsim_ui_key";
/// Cookie naming the user signed in on the pages (`tenant.user.mac`).
pub const USER_COOKIE: &str = "tenantsim_ui_user";
/// Cookie holding the OAuth `state` of a sign-in in progress.
pub const STATE_COOKIE: &str = "tenantsim_ui_state";

fn secret() -> &'static [u8] {
    static SECRET: OnceLock<Vec<u8>> = OnceLock::new();
    SECRET.get_or_init(|| {
        let mut bytes = vec![0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).expect("system randomness");
        bytes
    })
}

/// HMAC-SHA256 of `message` under the process secret, hex.
pub fn mac(message: &str) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret());
    aws_lc_rs::hmac::sign(&key, message.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn equal(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

/// The CSRF token forms carry (per process).
pub fn csrf_token() -> String {
    mac("csrf")
}

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value scoped to the pages; `None` clears the cookie.
pub fn set_cookie(name: &str, value: Option<&str>, same_site: &str) -> String {
    match value {
        Some(value) => {
            format!("{name}={value}; Path={PREFIX}; HttpOnly; SameSite={same_site}")
        }
        None => format!("{name}=; Path={PREFIX}; HttpOnly; SameSite={same_site}; Max-Age=0"),
    }
}

/// The user signed in on the pages for `tenant`, from the signed cookie.
pub fn signed_in_user(headers: &HeaderMap, tenant: &str) -> Option<String> {
    let value = cookie(headers, USER_COOKIE)?;
    let mut parts = value.splitn(3, '.');
    let (t, user, tag) = (parts.next()?, parts.next()?, parts.next()?);
    (t == tenant && equal(tag, &mac(&format!("user|{t}|{user}")))).then(|| user.to_owned())
}

/// The signed cookie value for a signed-in user.
pub fn user_cookie_value(tenant: &str, user: &str) -> String {
    format!("{tenant}.{user}.{}", mac(&format!("user|{tenant}|{user}")))
}

fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(""))
}

/// Whether the request's `Origin` (or else `Referer`) names this server's host. Requests with
/// neither (non-browser clients) pass this check and still need the token.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .map(|v| v.to_str().unwrap_or("null"));
    match claimed {
        None => true,
        Some(value) => {
            host_of(value).is_some_and(|h| !h.is_empty() && h.eq_ignore_ascii_case(host))
        }
    }
}

fn refused(message: &str) -> Response {
    html::PageError::new(StatusCode::FORBIDDEN, message).into_response()
}

/// Middleware on every page route: the admin-key gate, then for POSTs the origin and the
/// CSRF token (a form field, or `?csrf=` for multipart uploads).
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let open = path == format!("{PREFIX}/login");
    if let Some(key) = state.settings.admin_key.as_deref()
        && !open
    {
        let presented = cookie(request.headers(), KEY_COOKIE).unwrap_or_default();
        if !equal(&presented, &mac(&format!("admin-key|{key}"))) {
            if request.method() == Method::GET {
                let back = request
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default();
                return html::see_other(&format!("{PREFIX}/login?next={}", html::url(&back)));
            }
            return refused("Sign in with the admin key first.");
        }
    }
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    if !same_origin(request.headers()) {
        return refused("This form was posted from another site; tenantsim refused it.");
    }
    let expected = csrf_token();
    let query_token = request.uri().query().and_then(|q| {
        crate::protocol::request::parse_pairs(Some(q))
            .ok()?
            .into_iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v)
    });
    let form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return match query_token {
            Some(token) if equal(&token, &expected) => next.run(request).await,
            _ => refused("The form's security token is missing or wrong; reload the page."),
        };
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, state.settings.body_limit).await else {
        return refused("The form is too large.");
    };
    let token = crate::protocol::request::parse_pairs(std::str::from_utf8(&bytes).ok())
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v));
    match token {
        Some(token) if equal(&token, &expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => refused("The form's security token is missing or wrong; reload the page."),
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route(&format!("{PREFIX}/login"), get(login_page).post(login))
}

fn safe_next(next: Option<&String>) -> String {
    next.filter(|n| n.starts_with(PREFIX) && !n.starts_with("//"))
        .cloned()
        .unwrap_or_else(|| format!("{PREFIX}/"))
}

fn login_form(next: &str, error: Option<&str>) -> Response {
    let body = format!(
        "{}<section><p>This tenantsim was started with <code>--admin-key</code>. Enter the key once; \
         the browser keeps an HttpOnly cookie for these pages.</p>\
         <form method=\"post\" action=\"{PREFIX}/login\">{}\
         <input type=\"hidden\" name=\"next\" value=\"{}\">\
         <p><label for=\"key\">Admin key</label><br><input type=\"password\" id=\"key\" name=\"key\" autocomplete=\"current-password\" required></p>\
         <button type=\"submit\" class=\"primary\">Continue</button></form></section>",
        error.map(|e| html::flash(e, true)).unwrap_or_default(),
        html::csrf_field(),
        esc(next)
    );
    let nav = Nav {
        tenant: None,
        current: "",
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    (status, html::page("Admin key", &nav, &body)).into_response()
}

async fn login_page(Query(query): Query<std::collections::HashMap<String, String>>) -> Response {
    login_form(&safe_next(query.get("next")), None)
}

async fn login(
    State(state): State<AppState>,
    axum::Form(form): axum::Form<std::collections::HashMap<String, String>>,
) -> Response {
    let next = safe_next(form.get("next"));
    let Some(key) = state.settings.admin_key.as_deref() else {
        return html::see_other(&next);
    };
    let given = form.get("key").map(String::as_str).unwrap_or("");
    if !equal(given, key) {
        return login_form(&next, Some("That is not the admin key."));
    }
    let mut response = html::see_other(&next);
    let value = set_cookie(
        KEY_COOKIE,
        Some(&mac(&format!("admin-key|{key}"))),
        "Strict",
    );
    if let Ok(value) = value.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
