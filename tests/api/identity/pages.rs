//! The authorize endpoint and its pages: client and redirect-URI checks (error pages, never a
//! redirect), sign-in errors, prompt handling with the session cookie, response modes, the
//! pending-request id as CSRF token, escaping.

use super::*;

fn authorize_for(client: &str, redirect: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("client_id", client),
        ("response_type", "code"),
        ("redirect_uri", redirect),
        ("scope", "openid User.Read"),
        ("state", "s1"),
    ];
    pairs.extend_from_slice(extra);
    format!("/{CONTOSO}/oauth2/v2.0/authorize?{}", encode(&pairs))
}

#[tokio::test]
async fn unknown_client_tenant_and_redirect_uri_are_error_pages() {
    let app = TestApp::new().await;
    let unknown = app
        .get(&authorize_for(
            "00000000-1111-4000-8000-000000000000",
            PORTAL_REDIRECT,
            &[],
        ))
        .send()
        .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.headers.get("location").is_none());
    assert!(unknown.text.contains("AADSTS700016"), "{}", unknown.text);

    let tenant = app
        .get(&format!(
            "/nowhere.example/oauth2/v2.0/authorize?client_id={PORTAL}"
        ))
        .send()
        .await;
    assert!(tenant.text.contains("AADSTS90002"), "{}", tenant.text);

    // Entra ignores the port of localhost redirect URIs ("localhost exceptions" in the
    // redirect-URI docs), so `http://localhost:5001/callback` matches; another path does not.
    let other_port = app
        .get(&authorize_for(
            PORTAL,
            "http://localhost:5001/callback",
            &[],
        ))
        .send()
        .await;
    assert_eq!(other_port.status, 200, "{}", other_port.text);
    for redirect in [
        "http://localhost:5001/elsewhere",
        "https://localhost:5000/callback",
        "https://evil.example/callback",
        "http://localhost:5000/callback/extra",
    ] {
        let page = app.get(&authorize_for(PORTAL, redirect, &[])).send().await;
        assert_eq!(page.status, 400, "{redirect}");
        assert!(page.headers.get("location").is_none());
        assert!(
            page.text.contains(&format!(
                "AADSTS50011: The redirect URI &#39;{redirect}&#39; specified in the request does not match the redirect URIs configured for the application &#39;{PORTAL}&#39;."
            )),
            "{}",
            page.text
        );
    }
    // Public clients take any loopback port (RFC 8252); confidential ones only what is registered.
    for redirect in [
        "http://localhost:53123/cb",
        "http://127.0.0.1:8400",
        "http://localhost",
    ] {
        let page = app.get(&authorize_for(MOBILE, redirect, &[])).send().await;
        assert_eq!(page.status, 200, "{redirect}: {}", page.text);
    }
    let page = app
        .get(&authorize_for(
            MOBILE,
            "http://localhost.evil.example:80/",
            &[],
        ))
        .send()
        .await;
    assert_eq!(page.status, 400);
}

#[tokio::test]
async fn sign_in_page_lists_users_preselects_the_hint_and_reports_bad_credentials() {
    let app = TestApp::new().await;
    let (_, challenge) = pkce();
    let authorize = portal_authorize(
        "openid User.Read",
        &challenge,
        &[("login_hint", "MeganB@contoso.onmicrosoft.com")],
    );
    let page = app.get(&authorize).send().await;
    assert_eq!(page.status, 200);
    assert!(
        page.text
            .contains("value=\"MeganB@contoso.onmicrosoft.com\" required checked"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Adele Vance"), "{}", page.text);
    assert!(
        page.text.contains("<label for=\"password\">"),
        "{}",
        page.text
    );

    let (wrong, flow) = sign_in(&app, &authorize, ADELE_UPN, "wrong").await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.text.contains("AADSTS50126"), "{}", wrong.text);
    assert!(wrong.headers.get("set-cookie").is_none());
    // The same pending request can be retried.
    let path = authorize.split('?').next().expect("path");
    let disabled = post_form(
        &app,
        path,
        &[
            ("flow", &flow),
            ("step", "signin"),
            ("username", "DebraB@contoso.onmicrosoft.com"),
            ("password", ""),
        ],
    )
    .await;
    assert!(disabled.text.contains("AADSTS50057"), "{}", disabled.text);
    let blank = post_form(
        &app,
        path,
        &[
            ("flow", &flow),
            ("step", "signin"),
            ("username", ADELE_UPN),
            ("password", ""),
        ],
    )
    .await;
    assert_eq!(blank.status, 200);
    assert!(
        blank.text.contains("Permissions requested"),
        "{}",
        blank.text
    );
}

#[tokio::test]
async fn posts_need_a_live_pending_id() {
    let app = TestApp::new().await;
    let path = format!("/{CONTOSO}/oauth2/v2.0/authorize");
    for pairs in [
        vec![("step", "signin"), ("username", ADELE_UPN)],
        vec![("flow", "forged"), ("step", "accept")],
    ] {
        let response = post_form(&app, &path, &pairs).await;
        assert_eq!(response.status, 400, "{}", response.text);
        assert!(response.headers.get("location").is_none());
    }
    // Accept before signing in is refused too.
    let (_, challenge) = pkce();
    let authorize = portal_authorize("openid User.Read", &challenge, &[]);
    let flow = flow_id(&app.get(&authorize).send().await.text);
    let early = press(&app, &authorize, &flow, "accept").await;
    assert_eq!(early.status, 400, "{}", early.text);
    // A completed request cannot be replayed.
    let (consent, flow) = sign_in(&app, &authorize, ADELE_UPN, PASSWORD).await;
    assert_eq!(consent.status, 200);
    assert_eq!(press(&app, &authorize, &flow, "accept").await.status, 302);
    assert_eq!(press(&app, &authorize, &flow, "accept").await.status, 400);
    // The pending request expires after 15 minutes.
    let (_, flow) = sign_in(&app, &authorize, ADELE_UPN, PASSWORD).await;
    app.state
        .clock
        .set_offset(tenantsim::sts::flows::PENDING_LIFETIME_SECONDS + 1);
    assert_eq!(press(&app, &authorize, &flow, "accept").await.status, 400);
}

#[tokio::test]
async fn cancel_on_the_consent_page_is_access_denied_65004() {
    let app = TestApp::new().await;
    let (_, challenge) = pkce();
    let authorize = portal_authorize("openid User.Read", &challenge, &[]);
    let (_, flow) = sign_in(&app, &authorize, ADELE_UPN, PASSWORD).await;
    let url = location(&press(&app, &authorize, &flow, "cancel").await);
    assert!(url.starts_with(PORTAL_REDIRECT), "{url}");
    assert_eq!(param(&url, "error").as_deref(), Some("access_denied"));
    assert!(param(&url, "error_description").is_some_and(|d| {
        d.starts_with("AADSTS65004: User declined to consent to access the app.")
    }));
    assert_eq!(param(&url, "state").as_deref(), Some("st-123"));
    assert!(param(&url, "code").is_none());
}

#[tokio::test]
async fn prompt_none_login_and_consent_follow_the_session_cookie() {
    let app = TestApp::new().await;
    let (_, challenge) = pkce();
    // No session: login_required, with the state.
    let silent = portal_authorize("openid User.Read", &challenge, &[("prompt", "none")]);
    let url = location(&app.get(&silent).send().await);
    assert_eq!(param(&url, "error").as_deref(), Some("login_required"));
    assert_eq!(param(&url, "state").as_deref(), Some("st-123"));

    let authorize = portal_authorize("openid User.Read", &challenge, &[]);
    let (consent, flow) = sign_in(&app, &authorize, ADELE_UPN, PASSWORD).await;
    let cookie = session_cookie(&consent);
    location(&press(&app, &authorize, &flow, "accept").await);

    // Session and consent: a code without any page.
    let url = location(&app.get(&silent).header("cookie", &cookie).send().await);
    assert!(param(&url, "code").is_some(), "{url}");
    let url = location(
        &app.get(&authorize)
            .header("cookie", &format!("other=1; {cookie}"))
            .send()
            .await,
    );
    assert!(param(&url, "code").is_some(), "{url}");
    // A scope not consented yet: consent_required (AADSTS65001).
    let more = portal_authorize(
        "openid User.ReadBasic.All",
        &challenge,
        &[("prompt", "none")],
    );
    let url = location(&app.get(&more).header("cookie", &cookie).send().await);
    assert_eq!(param(&url, "error").as_deref(), Some("consent_required"));
    assert!(param(&url, "error_description").is_some_and(|d| d.starts_with("AADSTS65001:")));
    // A login_hint naming someone else is not answered silently.
    let other = portal_authorize(
        "openid User.Read",
        &challenge,
        &[
            ("prompt", "none"),
            ("login_hint", "MeganB@contoso.onmicrosoft.com"),
        ],
    );
    let url = location(&app.get(&other).header("cookie", &cookie).send().await);
    assert!(param(&url, "error").is_some(), "{url}");
    // prompt=login shows the sign-in page; prompt=consent the consent page.
    let login = app
        .get(&portal_authorize(
            "openid User.Read",
            &challenge,
            &[("prompt", "login")],
        ))
        .header("cookie", &cookie)
        .send()
        .await;
    assert!(login.text.contains("Pick an account"), "{}", login.text);
    let again = app
        .get(&portal_authorize(
            "openid User.Read",
            &challenge,
            &[("prompt", "consent")],
        ))
        .header("cookie", &cookie)
        .send()
        .await;
    assert!(
        again.text.contains("Permissions requested"),
        "{}",
        again.text
    );
}

#[tokio::test]
async fn response_modes_fragment_and_form_post_and_the_v1_endpoint() {
    let app = TestApp::new().await;
    let (_, challenge) = pkce();
    let fragment = portal_authorize(
        "openid User.Read",
        &challenge,
        &[("response_mode", "fragment")],
    );
    let (consent, flow) = sign_in(&app, &fragment, ADELE_UPN, PASSWORD).await;
    let cookie = session_cookie(&consent);
    let url = location(&press(&app, &fragment, &flow, "accept").await);
    assert!(
        url.starts_with(&format!("{PORTAL_REDIRECT}#code=")),
        "{url}"
    );

    let form_post = portal_authorize(
        "openid User.Read",
        &challenge,
        &[("response_mode", "form_post")],
    );
    let page = app.get(&form_post).header("cookie", &cookie).send().await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text.contains(&format!("action=\"{PORTAL_REDIRECT}\"")),
        "{}",
        page.text
    );
    assert!(page.text.contains("name=\"code\""), "{}", page.text);
    assert!(
        page.text.contains("name=\"state\" value=\"st-123\""),
        "{}",
        page.text
    );

    // v1: `resource` instead of `scope`; the Graph CLI is consented tenant-wide.
    let v1 = format!(
        "/{CONTOSO}/oauth2/authorize?{}",
        encode(&[
            ("client_id", GRAPH_CLI),
            ("response_type", "code"),
            ("redirect_uri", "http://localhost:7777"),
            ("resource", "https://graph.microsoft.com")
        ])
    );
    let (response, _) = sign_in(&app, &v1, ADELE_UPN, "").await;
    let url = location(&response);
    assert!(url.starts_with("http://localhost:7777?code="), "{url}");
}

#[tokio::test]
async fn user_controlled_values_are_escaped() {
    let app = TestApp::new().await;
    let hint = "\"><script>alert(1)</script>";
    let path = format!(
        "/organizations/oauth2/v2.0/authorize?{}",
        encode(&[
            ("client_id", GRAPH_CLI),
            ("response_type", "code"),
            ("redirect_uri", "http://localhost:1"),
            ("scope", "openid"),
            ("login_hint", hint)
        ])
    );
    let page = app.get(&path).send().await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(!page.text.contains("<script>alert"), "{}", page.text);
    assert!(
        page.text
            .contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        page.text
    );
    let bad = format!("http://localhost:1/<b>{}", "x");
    let page = app.get(&authorize_for(PORTAL, &bad, &[])).send().await;
    assert!(page.text.contains("&lt;b&gt;"), "{}", page.text);
}
