//! The identity platform over HTTP only: discovery and keys, every token grant, the sign-in
//! and consent pages, the device-code pages, AADSTS errors, the user-consent policy and
//! single-page apps.

mod consent;
mod endpoints;
mod errors;
mod grants;
mod pages;
mod spa;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::common::*;

pub const PASSWORD: &str = "Passw0rd!";
pub const GRAPH_CLI: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
pub const SYNC_APP: &str = "c0a70550-a990-4000-8000-000000000301";
pub const SYNC_SECRET: &str = "sync-secret-Passw0rd!";
pub const CERT_APP: &str = "c0a70550-a990-4000-8000-000000000304";
pub const PORTAL: &str = "c0a70550-a990-4000-8000-000000000305";
pub const PORTAL_SP: &str = "c0a70550-0000-4000-8000-000000000305";
pub const PORTAL_SECRET: &str = "portal-secret-Passw0rd!";
pub const PORTAL_REDIRECT: &str = "http://localhost:5000/callback";
pub const MOBILE: &str = "c0a70550-a990-4000-8000-000000000306";
pub const ADELE_UPN: &str = "AdeleV@contoso.onmicrosoft.com";
pub const ADMIN_UPN: &str = "admin@contoso.onmicrosoft.com";
pub const GRAPH: &str = "https://graph.microsoft.com/.default";

/// `application/x-www-form-urlencoded` (also good for query strings).
pub fn encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn post_form(app: &TestApp, path: &str, pairs: &[(&str, &str)]) -> TestResponse {
    post_form_with(app, path, pairs, &[]).await
}

/// A form post with extra headers (`cookie`, `authorization`, `host`).
pub async fn post_form_with(
    app: &TestApp,
    path: &str,
    pairs: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> TestResponse {
    let mut request = app.post(path);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request
        .raw_body("application/x-www-form-urlencoded", encode(pairs))
        .send()
        .await
}

/// POST /{tenant}/oauth2/v2.0/token
pub async fn token(app: &TestApp, tenant: &str, pairs: &[(&str, &str)]) -> TestResponse {
    post_form(app, &format!("/{tenant}/oauth2/v2.0/token"), pairs).await
}

/// The payload of a JWT, unverified.
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("json")
}

/// Asserts Entra's token-endpoint error body; returns `error_description`.
pub fn assert_aad_error(response: &TestResponse, status: u16, error: &str, code: u32) -> String {
    assert_eq!(response.status.as_u16(), status, "{}", response.text);
    let body = &response.json;
    assert_eq!(body["error"], error, "{}", response.text);
    assert_eq!(
        body["error_codes"],
        serde_json::json!([code]),
        "{}",
        response.text
    );
    let description = body["error_description"]
        .as_str()
        .expect("error_description");
    assert!(
        description.starts_with(&format!("AADSTS{code}:")),
        "{description}"
    );
    for key in ["timestamp", "trace_id", "correlation_id"] {
        assert!(
            body[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key} in {}",
            response.text
        );
    }
    description.to_owned()
}

/// An app-only Graph token for the Directory Sync app (client secret in the form).
pub async fn sync_token(app: &TestApp) -> String {
    let response = token(
        app,
        CONTOSO,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", SYNC_APP),
            ("client_secret", SYNC_SECRET),
            ("scope", GRAPH),
        ],
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json["access_token"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// The pending-request id a page's form carries.
pub fn flow_id(html: &str) -> String {
    let marker = "name=\"flow\" value=\"";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no flow id in {html}"))
        + marker.len();
    html[start..].split('"').next().expect("value").to_owned()
}

/// The `Location` of a redirect.
pub fn location(response: &TestResponse) -> String {
    assert_eq!(response.status, 302, "{}", response.text);
    response.headers["location"]
        .to_str()
        .expect("ascii")
        .to_owned()
}

/// A parameter of a redirect URL's query (or fragment), decoded.
pub fn param(url: &str, key: &str) -> Option<String> {
    let query = url.split_once(['?', '#']).map(|(_, q)| q)?;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// `tenantsim_session=…` from a response's `Set-Cookie`.
pub fn session_cookie(response: &TestResponse) -> String {
    let cookie = response
        .headers
        .get("set-cookie")
        .expect("set-cookie")
        .to_str()
        .expect("ascii");
    cookie.split(';').next().expect("pair").to_owned()
}

/// An RFC 7636 verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    (verifier, URL_SAFE_NO_PAD.encode(digest.as_ref()))
}

/// An authorize request for the Team Portal.
pub fn portal_authorize(scope: &str, challenge: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("client_id", PORTAL),
        ("response_type", "code"),
        ("redirect_uri", PORTAL_REDIRECT),
        ("scope", scope),
        ("state", "st-123"),
        ("nonce", "n-456"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    pairs.extend_from_slice(extra);
    format!("/{CONTOSO}/oauth2/v2.0/authorize?{}", encode(&pairs))
}

/// GET the authorize URL (a sign-in page) and sign in as `username`; returns the response to
/// the sign-in post and the pending id.
pub async fn sign_in(
    app: &TestApp,
    authorize: &str,
    username: &str,
    password: &str,
) -> (TestResponse, String) {
    let page = app.get(authorize).send().await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("Sign in"), "{}", page.text);
    let flow = flow_id(&page.text);
    let path = authorize.split('?').next().expect("path");
    let response = post_form(
        app,
        path,
        &[
            ("flow", &flow),
            ("step", "signin"),
            ("username", username),
            ("password", password),
        ],
    )
    .await;
    (response, flow)
}

/// Posts a consent-page button (`accept`, `cancel`) or the admin-approval page's `decline`.
pub async fn press(app: &TestApp, authorize: &str, flow: &str, step: &str) -> TestResponse {
    post_form(
        app,
        authorize.split('?').next().expect("path"),
        &[("flow", flow), ("step", step)],
    )
    .await
}

/// Signs in and accepts consent if asked; returns the code from the redirect.
pub async fn portal_code(app: &TestApp, scope: &str, challenge: &str, username: &str) -> String {
    let authorize = portal_authorize(scope, challenge, &[]);
    let (mut response, flow) = sign_in(app, &authorize, username, PASSWORD).await;
    if response.status == 200 {
        assert!(
            response.text.contains("Permissions requested"),
            "{}",
            response.text
        );
        response = press(app, &authorize, &flow, "accept").await;
    }
    let url = location(&response);
    assert!(url.starts_with(&format!("{PORTAL_REDIRECT}?")), "{url}");
    assert_eq!(param(&url, "state").as_deref(), Some("st-123"));
    param(&url, "code").expect("code")
}

/// Redeems a Team Portal code.
pub async fn redeem(app: &TestApp, code: &str, verifier: &str) -> TestResponse {
    token(
        app,
        CONTOSO,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", PORTAL),
            ("client_secret", PORTAL_SECRET),
            ("code", code),
            ("redirect_uri", PORTAL_REDIRECT),
            ("code_verifier", verifier),
            ("client_info", "1"),
        ],
    )
    .await
}

/// The scopes of an access token's `scp`.
pub fn scp(access_token: &str) -> Vec<String> {
    claims(access_token)["scp"]
        .as_str()
        .unwrap_or_default()
        .split(' ')
        .map(str::to_owned)
        .collect()
}
