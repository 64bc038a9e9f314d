//! AADSTS errors of the token endpoint, each in Entra's error body.

use super::*;

#[tokio::test]
async fn unknown_client_is_700016_and_bad_secret_7000215() {
    let app = TestApp::new().await;
    let unknown = "00000000-1111-4000-8000-000000000000";
    let response = token(
        &app,
        CONTOSO,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", unknown),
            ("client_secret", "x"),
            ("scope", GRAPH),
        ],
    )
    .await;
    let description = assert_aad_error(&response, 400, "unauthorized_client", 700016);
    assert!(description.contains(unknown), "{description}");
    let response = token(
        &app,
        CONTOSO,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", SYNC_APP),
            ("client_secret", "wrong"),
            ("scope", GRAPH),
        ],
    )
    .await;
    assert_aad_error(&response, 401, "invalid_client", 7000215);
}

#[tokio::test]
async fn unknown_tenant_is_90002() {
    let app = TestApp::new().await;
    for tenant in ["0badbad0-0000-4000-8000-000000000001", "nowhere.example"] {
        let response = token(
            &app,
            tenant,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", SYNC_APP),
                ("client_secret", SYNC_SECRET),
                ("scope", GRAPH),
            ],
        )
        .await;
        let description = assert_aad_error(&response, 400, "invalid_request", 90002);
        assert!(description.contains(tenant), "{description}");
    }
}

#[tokio::test]
async fn client_credentials_scope_errors_1002012_and_28000() {
    let app = TestApp::new().await;
    for scope in [
        "https://graph.microsoft.com/User.Read.All",
        "openid https://graph.microsoft.com/.default",
    ] {
        let response = token(
            &app,
            CONTOSO,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", SYNC_APP),
                ("client_secret", SYNC_SECRET),
                ("scope", scope),
            ],
        )
        .await;
        assert_aad_error(&response, 400, "invalid_scope", 1002012);
    }
    let response = token(
        &app,
        CONTOSO,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", SYNC_APP),
            ("client_secret", SYNC_SECRET),
            ("scope", "https://graph.microsoft.com/.default 74658136-14ec-4630-ad9b-26e160ff0fc6/.default"),
        ],
    )
    .await;
    assert_aad_error(&response, 400, "invalid_scope", 28000);
}

#[tokio::test]
async fn password_grant_errors_50126_and_50057() {
    let app = TestApp::new().await;
    let ropc = |username: &'static str, password: &'static str| {
        let app = &app;
        async move {
            token(
                app,
                CONTOSO,
                &[
                    ("grant_type", "password"),
                    ("client_id", GRAPH_CLI),
                    ("username", username),
                    ("password", password),
                    ("scope", "User.Read"),
                ],
            )
            .await
        }
    };
    assert_aad_error(&ropc(ADELE_UPN, "wrong").await, 400, "invalid_grant", 50126);
    assert_aad_error(
        &ropc("DebraB@contoso.onmicrosoft.com", PASSWORD).await,
        400,
        "invalid_grant",
        50057,
    );
    // The disabled account is Debra's.
    let debra = app
        .get(&format!(
            "/v1.0/users/{DEBRA_DISABLED}?$select=userPrincipalName,accountEnabled"
        ))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(debra.json["accountEnabled"], false);
}

#[tokio::test]
async fn expired_code_is_70008_wrong_verifier_501481_and_reuse_54005() {
    let app = TestApp::new().await;
    let (verifier, challenge) = pkce();
    let code = portal_code(&app, "openid User.Read", &challenge, ADELE_UPN).await;
    let description = assert_aad_error(
        &redeem(
            &app,
            &code,
            "not-the-verifier-but-long-enough-to-be-valid-0000",
        )
        .await,
        400,
        "invalid_grant",
        501481,
    );
    assert!(description.contains("Code_Verifier"), "{description}");
    // A failed redemption used the code up.
    assert_aad_error(
        &redeem(&app, &code, &verifier).await,
        400,
        "invalid_grant",
        54005,
    );

    let code = portal_code(&app, "openid User.Read", &challenge, ADELE_UPN).await;
    assert_eq!(redeem(&app, &code, &verifier).await.status, 200);
    assert_aad_error(
        &redeem(&app, &code, &verifier).await,
        400,
        "invalid_grant",
        54005,
    );

    let code = portal_code(&app, "openid User.Read", &challenge, ADELE_UPN).await;
    app.state
        .clock
        .set_offset(tenantsim::sts::flows::CODE_LIFETIME_SECONDS + 1);
    assert_aad_error(
        &redeem(&app, &code, &verifier).await,
        400,
        "invalid_grant",
        70008,
    );
}
