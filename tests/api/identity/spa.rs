//! Single-page apps at the token endpoint: a code sent to an `spa` redirect URI is redeemed
//! only from a browser (with `Origin`) and without a secret; its refresh token is bound the
//! same way and lives 24 hours; every other grant is refused cross-origin.

use super::*;

const SPA: &str = "c0a70550-a990-4000-8000-000000000308";
/// Registered as `http://localhost:3000/`: Entra ignores the port of a loopback URI.
const SPA_REDIRECT: &str = "http://localhost:5173/";
const BROWSER: &str = "http://localhost:5173";

/// Signs Adele in to the SPA (consenting if asked); returns the code and the PKCE verifier.
async fn spa_code(app: &TestApp) -> (String, String) {
    let (verifier, challenge) = pkce();
    let authorize = format!(
        "/{CONTOSO}/oauth2/v2.0/authorize?{}",
        encode(&[
            ("client_id", SPA),
            ("response_type", "code"),
            ("redirect_uri", SPA_REDIRECT),
            ("scope", "openid profile offline_access User.Read"),
            ("response_mode", "fragment"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
    );
    let (mut response, flow) = sign_in(app, &authorize, ADELE_UPN, PASSWORD).await;
    if response.status == 200 {
        assert!(
            response.text.contains("Contoso Team SPA"),
            "{}",
            response.text
        );
        response = press(app, &authorize, &flow, "accept").await;
    }
    let url = location(&response);
    assert!(url.starts_with(&format!("{SPA_REDIRECT}#")), "{url}");
    (param(&url, "code").expect("code"), verifier)
}

async fn redeem_spa(
    app: &TestApp,
    code: &str,
    verifier: &str,
    extra: &[(&str, &str)],
    origin: Option<&str>,
) -> TestResponse {
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("client_id", SPA),
        ("code", code),
        ("redirect_uri", SPA_REDIRECT),
        ("code_verifier", verifier),
    ];
    pairs.extend_from_slice(extra);
    let headers: Vec<(&str, &str)> = origin.map(|o| ("origin", o)).into_iter().collect();
    post_form_with(
        app,
        &format!("/{CONTOSO}/oauth2/v2.0/token"),
        &pairs,
        &headers,
    )
    .await
}

async fn refresh_spa(app: &TestApp, refresh_token: &str, origin: Option<&str>) -> TestResponse {
    let headers: Vec<(&str, &str)> = origin.map(|o| ("origin", o)).into_iter().collect();
    post_form_with(
        app,
        &format!("/{CONTOSO}/oauth2/v2.0/token"),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", SPA),
            ("refresh_token", refresh_token),
            ("scope", "User.Read offline_access"),
        ],
        &headers,
    )
    .await
}

#[tokio::test]
async fn a_single_page_app_redeems_its_code_from_the_browser_and_refreshes_for_24_hours() {
    let app = TestApp::new().await;

    // Outside a browser (no Origin), the SPA's code is refused.
    let (code, verifier) = spa_code(&app).await;
    let refused = redeem_spa(&app, &code, &verifier, &[], None).await;
    let text = assert_aad_error(&refused, 400, "invalid_request", 9002327);
    assert!(
        text.contains("may only be redeemed via cross-origin requests"),
        "{text}"
    );
    // A browser never holds a secret: one sent with an SPA code is refused.
    let (code, verifier) = spa_code(&app).await;
    let with_secret = [("client_secret", "anything")];
    let refused = redeem_spa(&app, &code, &verifier, &with_secret, Some(BROWSER)).await;
    assert_aad_error(&refused, 401, "invalid_client", 700025);

    let (code, verifier) = spa_code(&app).await;
    let response = redeem_spa(&app, &code, &verifier, &[], Some(BROWSER)).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.headers["access-control-allow-origin"], "*");
    let access = response.json["access_token"]
        .as_str()
        .expect("access token");
    assert_eq!(claims(access)["appid"], SPA);
    assert!(scp(access).contains(&"User.Read".to_owned()));
    let me = app.get("/v1.0/me").token(access).send().await;
    assert_eq!(me.json["id"], ADELE, "{}", me.text);
    let refresh = response.json["refresh_token"].as_str().expect("refresh");
    let refresh_claims = claims(refresh);
    assert_eq!(
        refresh_claims["exp"].as_i64().expect("exp") - refresh_claims["iat"].as_i64().expect("iat"),
        24 * 3600,
        "an SPA's refresh token lives 24 hours"
    );

    // The refresh token is the SPA's too: from the browser only.
    let refused = refresh_spa(&app, refresh, None).await;
    assert_aad_error(&refused, 400, "invalid_request", 9002327);
    let refreshed = refresh_spa(&app, refresh, Some(BROWSER)).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert_eq!(
        claims(refreshed.json["access_token"].as_str().expect("token"))["oid"],
        ADELE
    );

    // 24 hours on, it has expired and cannot be extended.
    app.state.clock.set_offset(24 * 3600 + 60);
    let expired = refresh_spa(&app, refresh, Some(BROWSER)).await;
    let text = assert_aad_error(&expired, 400, "invalid_grant", 700084);
    assert!(text.contains("single page app"), "{text}");
}

#[tokio::test]
async fn a_browser_cannot_redeem_a_web_apps_code_or_use_other_grants() {
    let app = TestApp::new().await;
    let (verifier, challenge) = pkce();
    let code = portal_code(
        &app,
        "openid offline_access User.Read",
        &challenge,
        ADELE_UPN,
    )
    .await;
    let refused = post_form_with(
        &app,
        &format!("/{CONTOSO}/oauth2/v2.0/token"),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", PORTAL),
            ("client_secret", PORTAL_SECRET),
            ("code", &code),
            ("redirect_uri", PORTAL_REDIRECT),
            ("code_verifier", &verifier),
        ],
        &[("origin", BROWSER)],
    )
    .await;
    let text = assert_aad_error(&refused, 400, "invalid_request", 9002326);
    assert!(
        text.contains("Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: 'http://localhost:5173'."),
        "{text}"
    );
    // The error is readable by the page that caused it.
    assert_eq!(refused.headers["access-control-allow-origin"], "*");

    let client_credentials = [
        ("grant_type", "client_credentials"),
        ("client_id", SYNC_APP),
        ("client_secret", SYNC_SECRET),
        ("scope", GRAPH),
    ];
    let refused = post_form_with(
        &app,
        &format!("/{CONTOSO}/oauth2/v2.0/token"),
        &client_credentials,
        &[("origin", BROWSER)],
    )
    .await;
    assert_aad_error(&refused, 400, "invalid_request", 9002326);
    // The same request from a server works, and carries no CORS headers.
    let ok = token(&app, CONTOSO, &client_credentials).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert!(!ok.headers.contains_key("access-control-allow-origin"));
}
