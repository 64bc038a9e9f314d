//! Every grant of the token endpoint, driven over HTTP (the authorization code through the
//! sign-in and consent pages).

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use http_body_util::BodyExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use tower::ServiceExt;

use super::*;

#[tokio::test]
async fn client_credentials_with_a_secret_in_the_form_or_basic_auth() {
    let app = TestApp::new().await;
    let form = token(
        &app,
        CONTOSO,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", SYNC_APP),
            ("client_secret", SYNC_SECRET),
            ("scope", GRAPH),
        ],
    )
    .await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert_eq!(form.json["token_type"], "Bearer");
    assert_eq!(form.json["expires_in"], 3599);
    let basic = STANDARD.encode(format!(
        "{SYNC_APP}:{}",
        encode(&[("s", SYNC_SECRET)]).trim_start_matches("s=")
    ));
    let response = post_form_with(
        &app,
        &format!("/{CONTOSO}/oauth2/v2.0/token?client-request-id=abc"),
        &[
            ("grant_type", "client_credentials"),
            ("scope", GRAPH),
            ("x-client-SKU", "MSAL.Python"),
        ],
        &[("authorization", &format!("Basic {basic}"))],
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    for body in [&form.json, &response.json] {
        let access_token = body["access_token"].as_str().expect("token");
        let claims = claims(access_token);
        let roles: Vec<&str> = claims["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .filter_map(|r| r.as_str())
            .collect();
        assert_eq!(
            sorted(&roles),
            sorted(&["User.Read.All", "Group.Read.All", "GroupMember.Read.All"])
        );
        assert_eq!(claims["appid"], SYNC_APP);
        assert_eq!(claims["idtyp"], "app");
        assert!(claims.get("scp").is_none());
        let users = app
            .get("/v1.0/users?$top=2")
            .token(access_token)
            .send()
            .await;
        assert_eq!(users.status, 200, "{}", users.text);
    }
}

fn certificate_der() -> Vec<u8> {
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/certs/contoso-cert-app.pem"
    ))
    .expect("pem");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).expect("base64")
}

fn assertion(alg: Algorithm, sha256: bool, token_url: &str) -> String {
    let der = certificate_der();
    let mut header = Header::new(alg);
    if sha256 {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &der);
        header.x5t_s256 = Some(URL_SAFE_NO_PAD.encode(digest.as_ref()));
    } else {
        // MSAL Python: base64url SHA-1 with `=` padding.
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);
        header.x5t = Some(URL_SAFE.encode(digest.as_ref()));
        assert!(header.x5t.as_deref().is_some_and(|t| t.ends_with('=')));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs_f64();
    let claims = json!({
        "aud": token_url, "iss": CERT_APP, "sub": CERT_APP, "jti": uuid::Uuid::new_v4().to_string(),
        "exp": now + 600.25, "iat": now - 0.5, "nbf": now.floor() as i64,
    });
    let key = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/certs/contoso-cert-app.key"
    ))
    .expect("key");
    jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(&key).expect("rsa key"),
    )
    .expect("sign")
}

#[tokio::test]
async fn client_credentials_with_certificate_assertions() {
    let app = TestApp::new().await;
    let token_url = format!("http://localhost:8080/{CONTOSO}/oauth2/v2.0/token");
    for (alg, sha256) in [(Algorithm::RS256, false), (Algorithm::PS256, true)] {
        let signed = assertion(alg, sha256, &token_url);
        let response = token(
            &app,
            CONTOSO,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CERT_APP),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", &signed),
                ("scope", GRAPH),
            ],
        )
        .await;
        assert_eq!(response.status, 200, "{alg:?}: {}", response.text);
        let claims = claims(response.json["access_token"].as_str().expect("token"));
        let roles: Vec<&str> = claims["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .filter_map(|r| r.as_str())
            .collect();
        assert_eq!(sorted(&roles), sorted(&["User.Read.All", "Group.Read.All"]));
        assert_eq!(claims["appidacr"], "1");
    }
    // An assertion for another endpoint is refused.
    let wrong = assertion(
        Algorithm::RS256,
        false,
        "https://localhost:9999/other/oauth2/v2.0/token",
    );
    let response = token(
        &app,
        CONTOSO,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CERT_APP),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &wrong),
            ("scope", GRAPH),
        ],
    )
    .await;
    assert_aad_error(&response, 401, "invalid_client", 700027);
}

#[tokio::test]
async fn password_grant_with_the_graph_cli_public_client() {
    let app = TestApp::new().await;
    let response = token(
        &app,
        CONTOSO,
        &[
            ("grant_type", "password"),
            ("client_id", GRAPH_CLI),
            ("username", ADELE_UPN),
            ("password", PASSWORD),
            (
                "scope",
                "https://graph.microsoft.com/User.Read openid profile offline_access",
            ),
        ],
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let access_token = response.json["access_token"].as_str().expect("token");
    let claims = claims(access_token);
    assert_eq!(claims["oid"], ADELE);
    assert_eq!(claims["idtyp"], "user");
    assert!(scp(access_token).contains(&"User.Read".to_owned()));
    assert!(response.json["refresh_token"].is_string());
    assert!(response.json["id_token"].is_string());
    let me = app.get("/v1.0/me").token(access_token).send().await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json["id"], ADELE);
}

#[tokio::test]
async fn authorization_code_with_pkce_through_the_pages_then_refresh() {
    let app = TestApp::new().await;
    let (verifier, challenge) = pkce();
    let authorize = portal_authorize("openid profile offline_access User.Read", &challenge, &[]);
    let (consent, flow) = sign_in(&app, &authorize, ADELE_UPN, PASSWORD).await;
    assert_eq!(consent.status, 200, "{}", consent.text);
    assert!(
        consent.text.contains("Contoso Team Portal"),
        "{}",
        consent.text
    );
    assert!(consent.text.contains("User.Read"), "{}", consent.text);
    let cookie = consent.headers["set-cookie"].to_str().expect("ascii");
    for attribute in ["tenantsim_session=", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let redirect = location(&press(&app, &authorize, &flow, "accept").await);
    assert_eq!(param(&redirect, "state").as_deref(), Some("st-123"));
    assert!(param(&redirect, "session_state").is_some());
    let code = param(&redirect, "code").expect("code");

    let response = redeem(&app, &code, &verifier).await;
    assert_eq!(response.status, 200, "{}", response.text);
    let access_token = response.json["access_token"]
        .as_str()
        .expect("access token");
    assert_eq!(
        scp(access_token),
        vec!["User.Read", "openid", "profile", "offline_access"]
    );
    let id_token = claims(response.json["id_token"].as_str().expect("id token"));
    assert_eq!(id_token["nonce"], "n-456");
    assert_eq!(id_token["aud"], PORTAL);
    assert_eq!(id_token["oid"], ADELE);
    assert!(response.json["client_info"].is_string());
    let me = app.get("/v1.0/me").token(access_token).send().await;
    assert_eq!(me.json["userPrincipalName"], ADELE_UPN);

    let refreshed = token(
        &app,
        CONTOSO,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", PORTAL),
            ("client_secret", PORTAL_SECRET),
            (
                "refresh_token",
                response.json["refresh_token"]
                    .as_str()
                    .expect("refresh token"),
            ),
            ("scope", "User.Read offline_access"),
        ],
    )
    .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert_eq!(
        claims(refreshed.json["access_token"].as_str().expect("token"))["oid"],
        ADELE
    );
    assert!(refreshed.json["refresh_token"].is_string());
}

async fn start_device(app: &TestApp, tenant: &str) -> (String, String) {
    let response = post_form(
        app,
        &format!("/{tenant}/oauth2/v2.0/devicecode"),
        &[
            ("client_id", GRAPH_CLI),
            ("scope", "User.Read openid profile offline_access"),
        ],
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(
        response.json["verification_uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("/devicelogin"))
    );
    (
        response.json["device_code"]
            .as_str()
            .expect("device")
            .to_owned(),
        response.json["user_code"]
            .as_str()
            .expect("user")
            .to_owned(),
    )
}

async fn poll(app: &TestApp, tenant: &str, device_code: &str) -> TestResponse {
    token(
        app,
        tenant,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", GRAPH_CLI),
            ("device_code", device_code),
        ],
    )
    .await
}

/// Enters the user code and signs in on the device pages; returns the final page.
async fn approve_on_pages(app: &TestApp, user_code: &str, username: &str) -> TestResponse {
    let entry = app.get("/devicelogin").send().await;
    assert_eq!(entry.status, 200);
    assert!(entry.text.contains("name=\"otc\""), "{}", entry.text);
    let page = post_form(
        app,
        "/devicelogin",
        &[("otc", &user_code.to_ascii_lowercase())],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.text);
    let flow = flow_id(&page.text);
    post_form(
        app,
        "/devicelogin",
        &[
            ("flow", &flow),
            ("step", "signin"),
            ("username", username),
            ("password", ""),
        ],
    )
    .await
}

#[tokio::test]
async fn device_code_is_pending_until_approved_then_redeemed_once() {
    let app = TestApp::new().await;
    let (device_code, user_code) = start_device(&app, CONTOSO).await;
    assert_aad_error(
        &poll(&app, CONTOSO, &device_code).await,
        400,
        "authorization_pending",
        70016,
    );
    let done = approve_on_pages(&app, &user_code, "MeganB@contoso.onmicrosoft.com").await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert!(done.text.contains("You have signed in to"), "{}", done.text);
    assert!(
        done.text.contains("You may now close this window."),
        "{}",
        done.text
    );
    // Another client cannot redeem it, nor take it away from the Graph CLI.
    let other = token(
        &app,
        CONTOSO,
        &[
            ("grant_type", "device_code"),
            ("client_id", MOBILE),
            ("device_code", &device_code),
        ],
    )
    .await;
    assert_eq!(other.status, 400, "{}", other.text);
    assert_eq!(other.json["error"], "invalid_grant");
    let response = poll(&app, CONTOSO, &device_code).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        claims(response.json["access_token"].as_str().expect("token"))["oid"],
        MEGAN
    );
    let again = poll(&app, CONTOSO, &device_code).await;
    assert_eq!(again.status, 400, "{}", again.text);
    // The code page no longer knows the user code.
    let reuse = post_form(&app, "/devicelogin", &[("otc", &user_code)]).await;
    assert_eq!(reuse.status, 400);
    assert!(
        reuse.text.contains("That code didn&#39;t work"),
        "{}",
        reuse.text
    );

    let (expired, _) = start_device(&app, CONTOSO).await;
    app.state
        .clock
        .set_offset(tenantsim::sts::flows::DEVICE_LIFETIME_SECONDS + 1);
    assert_aad_error(
        &poll(&app, CONTOSO, &expired).await,
        400,
        "expired_token",
        70020,
    );
}

#[tokio::test]
async fn device_code_on_organizations_finds_the_tenant_from_the_upn() {
    let app = TestApp::new().await;
    let (device_code, user_code) = start_device(&app, "organizations").await;
    let entry = post_form(&app, "/devicelogin", &[("otc", &user_code)]).await;
    assert!(
        entry.text.contains("type=\"email\""),
        "a UPN field: {}",
        entry.text
    );
    let done = approve_on_pages(&app, &user_code, "AlexW@contoso.com").await;
    // contoso.com is a verified domain, but the UPN is on contoso.onmicrosoft.com.
    assert_eq!(done.status, 400, "{}", done.text);
    assert!(done.text.contains("AADSTS50034"), "{}", done.text);
    let done = approve_on_pages(&app, &user_code, "AlexW@contoso.onmicrosoft.com").await;
    assert!(done.text.contains("You have signed in to"), "{}", done.text);
    let response = poll(&app, "organizations", &device_code).await;
    assert_eq!(response.status, 200, "{}", response.text);
    let claims = claims(response.json["access_token"].as_str().expect("token"));
    assert_eq!(
        (claims["tid"].as_str(), claims["oid"].as_str()),
        (Some(CONTOSO), Some(ALEX))
    );
}

#[tokio::test]
async fn device_code_cancelled_on_the_consent_page_is_declined() {
    let app = TestApp::new().await;
    let response = post_form(
        &app,
        &format!("/{CONTOSO}/oauth2/v2.0/devicecode"),
        &[("client_id", MOBILE), ("scope", "User.Read offline_access")],
    )
    .await;
    let device_code = response.json["device_code"]
        .as_str()
        .expect("device")
        .to_owned();
    let user_code = response.json["user_code"]
        .as_str()
        .expect("user")
        .to_owned();
    let consent = approve_on_pages(&app, &user_code, ADELE_UPN).await;
    assert!(
        consent.text.contains("Permissions requested"),
        "{}",
        consent.text
    );
    let done = post_form(
        &app,
        "/devicelogin",
        &[("flow", &flow_id(&consent.text)), ("step", "cancel")],
    )
    .await;
    assert!(done.text.contains("AADSTS65004"), "{}", done.text);
    let poll = token(
        &app,
        CONTOSO,
        &[
            ("grant_type", "device_code"),
            ("client_id", MOBILE),
            ("device_code", &device_code),
        ],
    )
    .await;
    assert_aad_error(&poll, 400, "authorization_declined", 70019);
}

#[tokio::test]
async fn of_eight_concurrent_redemptions_of_one_code_exactly_one_succeeds() {
    let app = TestApp::new().await;
    let (verifier, challenge) = pkce();
    let code = portal_code(&app, "openid User.Read", &challenge, ADELE_UPN).await;
    let body = encode(&[
        ("grant_type", "authorization_code"),
        ("client_id", PORTAL),
        ("client_secret", PORTAL_SECRET),
        ("code", &code),
        ("redirect_uri", PORTAL_REDIRECT),
        ("code_verifier", &verifier),
    ]);
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let router = app.router.clone();
            let request = axum::http::Request::post(format!("/{CONTOSO}/oauth2/v2.0/token"))
                .header("host", "localhost:8080")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(body.clone()))
                .expect("request");
            tokio::spawn(async move {
                let response = router.oneshot(request).await.expect("infallible");
                let status = response.status().as_u16();
                let bytes = response
                    .into_body()
                    .collect()
                    .await
                    .expect("body")
                    .to_bytes();
                (
                    status,
                    serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default(),
                )
            })
        })
        .collect();
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.expect("task"));
    }
    assert_eq!(
        results.iter().filter(|(status, _)| *status == 200).count(),
        1,
        "{results:?}"
    );
    for (status, body) in results.iter().filter(|(status, _)| *status != 200) {
        assert_eq!(*status, 400);
        assert_eq!(body["error_codes"], json!([54005]), "{body}");
    }
}

/// Async azure-identity pads every base64url segment of its client assertion with `=`; Entra
/// accepts it, so tenantsim does too (found by the Python client suite).
#[tokio::test]
async fn a_client_assertion_with_padded_segments_is_accepted() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE;
    let app = TestApp::new().await;
    let key_pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/certs/contoso-cert-app.key"
    ))
    .expect("key");
    let cert_pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/certs/contoso-cert-app.pem"
    ))
    .expect("cert");
    let der = tenantsim::sts::der::pem_certificate_der(&cert_pem).expect("der");
    let (_, sha256) = tenantsim::fixtures::apps::thumbprints(&der);
    let aud = format!("http://localhost:8080/{CONTOSO}/oauth2/v2.0/token");
    let now = app.state.clock.unix();
    let header = URL_SAFE
        .encode(serde_json::json!({"typ": "JWT", "alg": "PS256", "x5t#S256": sha256}).to_string());
    let payload = URL_SAFE.encode(
        serde_json::json!({"iss": CERT_APP, "sub": CERT_APP, "aud": aud, "jti": "padded", "nbf": now, "exp": now + 600}).to_string(),
    );
    let signing_input = format!("{header}.{payload}");
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(key_pem.as_bytes()).expect("key");
    let signature = jsonwebtoken::crypto::sign(
        signing_input.as_bytes(),
        &key,
        jsonwebtoken::Algorithm::PS256,
    )
    .expect("sign");
    let padded = URL_SAFE.encode(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&signature)
            .expect("b64"),
    );
    let assertion = format!("{signing_input}.{padded}");
    assert!(
        assertion.contains('='),
        "the test must really pad: {assertion}"
    );
    let response = token(
        &app,
        CONTOSO,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CERT_APP),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
            ("scope", GRAPH),
        ],
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
}

/// Azure CLI and Azure PowerShell are pre-authorized for Graph as in Entra (no consent record);
/// Microsoft Graph Command Line Tools asks for what the tenant has not consented to.
#[tokio::test]
async fn first_party_clients_are_pre_authorized_for_graph_and_the_graph_cli_asks_for_consent() {
    const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
    const AZURE_POWERSHELL: &str = "1950a258-227b-4e31-a9cf-717495945fc2";
    let app = TestApp::new().await;
    let password = |client: &'static str, scope: &'static str| {
        let app = &app;
        async move {
            token(
                app,
                CONTOSO,
                &[
                    ("grant_type", "password"),
                    ("client_id", client),
                    ("username", ADELE_UPN),
                    ("password", PASSWORD),
                    ("scope", scope),
                ],
            )
            .await
        }
    };
    let cli = password(
        AZURE_CLI,
        "https://graph.microsoft.com/.default openid profile offline_access",
    )
    .await;
    assert_eq!(cli.status, 200, "{}", cli.text);
    let access_token = cli.json["access_token"].as_str().expect("token");
    let granted = scp(access_token);
    for scope in [
        "Directory.AccessAsUser.All",
        "Group.ReadWrite.All",
        "User.ReadWrite.All",
        "AuditLog.Read.All",
    ] {
        assert!(granted.contains(&scope.to_owned()), "{granted:?}");
    }
    assert_eq!(claims(access_token)["appid"], AZURE_CLI);
    let users = app
        .get("/v1.0/users?$top=2")
        .token(access_token)
        .send()
        .await;
    assert_eq!(users.status, 200, "{}", users.text);
    // No consent record was needed or made.
    let admin = app.admin();
    let grants = app
        .get("/v1.0/oauth2PermissionGrants")
        .token(&admin)
        .send()
        .await;
    assert_eq!(grants.status, 200, "{}", grants.text);
    let cli_sp = app
        .get(&format!(
            "/v1.0/servicePrincipals?$filter=appId eq '{AZURE_CLI}'&$select=id"
        ))
        .token(&admin)
        .send()
        .await;
    let cli_sp = cli_sp.json["value"][0]["id"]
        .as_str()
        .expect("sp")
        .to_owned();
    assert!(
        !grants.json["value"]
            .as_array()
            .expect("grants")
            .iter()
            .any(|g| g["clientId"] == cli_sp.as_str()),
        "{}",
        grants.text
    );

    let powershell = password(AZURE_POWERSHELL, "https://graph.microsoft.com/.default").await;
    assert_eq!(powershell.status, 200, "{}", powershell.text);
    let granted = scp(powershell.json["access_token"].as_str().expect("token"));
    assert!(
        granted.contains(&"Directory.AccessAsUser.All".to_owned()),
        "{granted:?}"
    );
    assert!(
        !granted.contains(&"Group.ReadWrite.All".to_owned()),
        "{granted:?}"
    );
    // A scope outside the pre-authorized set still needs consent.
    let mail = password(AZURE_POWERSHELL, "https://graph.microsoft.com/Mail.Read").await;
    assert_aad_error(&mail, 400, "invalid_grant", 65001);
    // The Graph CLI is not pre-authorized: what Contoso has not consented to is AADSTS65001.
    let graph_cli = password(
        GRAPH_CLI,
        "https://graph.microsoft.com/Directory.ReadWrite.All",
    )
    .await;
    assert_aad_error(&graph_cli, 400, "invalid_grant", 65001);
}
