//! CORS as Microsoft Graph and the identity platform answer single-page apps: preflights for
//! any origin, `Access-Control-Allow-Origin: *` and Graph's exposed headers on every answer
//! to a browser (errors included), nothing on tenantsim's own pages and control API.

use axum::http::Method;

use crate::common::*;

const BROWSER: &str = "http://localhost:5173";

fn preflight<'a>(app: &'a TestApp, path: &str, method: &str, headers: &str) -> TestRequest<'a> {
    app.request(Method::OPTIONS, path)
        .header("origin", BROWSER)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", headers)
}

#[tokio::test]
async fn graph_answers_a_preflight_from_any_origin_with_the_requested_headers() {
    let app = TestApp::new().await;
    let asked = "authorization,client-request-id,consistencylevel,sdkversion";
    for (path, method) in [
        ("/v1.0/me", "GET"),
        ("/v1.0/users?$count=true", "GET"),
        ("/V1.0/Groups/", "POST"),
        ("/beta/users/x", "PATCH"),
        ("/v1.0/groups/x/members/y/$ref", "DELETE"),
    ] {
        let response = preflight(&app, path, method, asked).send().await;
        assert_eq!(response.status, 200, "{path}: {}", response.text);
        let h = &response.headers;
        assert_eq!(h["access-control-allow-origin"], "*", "{path}");
        assert_eq!(h["access-control-allow-headers"], asked, "{path}");
        let methods = h["access-control-allow-methods"].to_str().expect("ascii");
        assert!(
            methods.split(", ").any(|m| m == method),
            "{path}: {methods}"
        );
        assert!(h.contains_key("access-control-max-age"), "{path}");
        assert!(response.text.is_empty(), "{path}: {}", response.text);
    }
    // OPTIONS that is not a preflight (no Origin) stays Graph's 405.
    let plain = app.request(Method::OPTIONS, "/v1.0/me").send().await;
    assert_eq!(plain.status, 405, "{}", plain.text);
    assert!(plain.json["error"]["code"].is_string(), "{}", plain.text);
    assert!(!plain.headers.contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn graph_answers_to_a_browser_expose_request_id_and_friends_errors_included() {
    let app = TestApp::new().await;
    let token = app.user_token(CONTOSO, ADELE, &["User.Read"]).await;
    let me = app
        .get("/v1.0/me")
        .token(&token)
        .header("origin", BROWSER)
        .header("client-request-id", "5a8f0f0e-0000-4000-8000-00000000c0de")
        .send()
        .await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.headers["access-control-allow-origin"], "*");
    let exposed: Vec<&str> = me.headers["access-control-expose-headers"]
        .to_str()
        .expect("ascii")
        .split(", ")
        .collect();
    for name in [
        "ETag",
        "Location",
        "Preference-Applied",
        "request-id",
        "client-request-id",
        "Retry-After",
        "WWW-Authenticate",
    ] {
        assert!(exposed.contains(&name), "{name} in {exposed:?}");
    }
    assert_eq!(
        me.headers["client-request-id"],
        "5a8f0f0e-0000-4000-8000-00000000c0de"
    );
    // A 401 is readable by the page, so it can sign in again.
    let anonymous = app.get("/v1.0/me").header("origin", BROWSER).send().await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.text);
    assert_eq!(anonymous.headers["access-control-allow-origin"], "*");
    assert_eq!(
        anonymous.json["error"]["code"],
        "InvalidAuthenticationToken"
    );
    // A server (no Origin) gets no CORS headers.
    let server = app.get("/v1.0/me").token(&token).send().await;
    assert!(!server.headers.contains_key("access-control-allow-origin"));
    assert!(!server.headers.contains_key("access-control-expose-headers"));
}

#[tokio::test]
async fn the_identity_platform_lets_browsers_read_discovery_and_post_to_the_token_endpoint() {
    let app = TestApp::new().await;
    for path in [
        format!("/{CONTOSO}/v2.0/.well-known/openid-configuration"),
        format!("/{CONTOSO}/discovery/v2.0/keys"),
        "/common/discovery/instance?api-version=1.1&authorization_endpoint=http://localhost:8080/common/oauth2/v2.0/authorize".to_owned(),
    ] {
        let response = app.get(&path).header("origin", BROWSER).send().await;
        assert_eq!(response.status, 200, "{path}: {}", response.text);
        assert_eq!(response.headers["access-control-allow-origin"], "*", "{path}");
        // The identity platform carries no Graph headers, CORS or not.
        assert!(!response.headers.contains_key("odata-version"), "{path}");
    }
    let token_path = format!("/{CONTOSO}/oauth2/v2.0/token");
    let asked = "content-type,x-client-sku,x-client-ver,x-ms-lib-capability,client-request-id";
    let response = preflight(&app, &token_path, "POST", asked).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.headers["access-control-allow-origin"], "*");
    assert_eq!(response.headers["access-control-allow-headers"], asked);
    // Only GET and POST: a preflight for DELETE gets no allowed methods, so the browser
    // refuses it.
    let response = preflight(&app, &token_path, "DELETE", asked).send().await;
    assert!(
        !response
            .headers
            .contains_key("access-control-allow-methods")
    );
}

#[tokio::test]
async fn tenantsims_own_pages_and_control_api_are_same_origin_only() {
    let app = TestApp::new().await;
    for path in [
        "/_tenantsim/tenants".to_owned(),
        format!("/_tenantsim/ui/t/{CONTOSO}/admin"),
        "/health".to_owned(),
    ] {
        let response = app.get(&path).header("origin", BROWSER).send().await;
        assert!(
            !response.headers.contains_key("access-control-allow-origin"),
            "{path}"
        );
        let preflight = preflight(&app, &path, "GET", "authorization").send().await;
        assert!(
            !preflight
                .headers
                .contains_key("access-control-allow-origin"),
            "{path}"
        );
    }
}
