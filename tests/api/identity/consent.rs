//! The consent page against the tenant's user-consent policy (graph-contract §10.3): a grant
//! when the policy allows it, "need admin approval" when it does not, and the Global
//! Administrator's own consent.

use tenantsim::builtin;
use tenantsim::store;

use super::*;

async fn portal_grants(app: &TestApp, user: &str) -> Vec<store::apps::GrantRow> {
    let mut conn = app.state.db.pool.acquire().await.expect("conn");
    store::apps::grants_for(
        &mut conn,
        CONTOSO,
        PORTAL_SP,
        &builtin::graph_sp_id(CONTOSO),
        user,
    )
    .await
    .expect("grants")
}

async fn set_settings(app: &TestApp, settings: &str) {
    let mut conn = app.state.db.pool.acquire().await.expect("conn");
    store::tenants::update_settings(&mut conn, CONTOSO, settings)
        .await
        .expect("settings");
}

/// Signs in as `username` asking for `scope` and presses Accept; returns that response.
async fn accept(app: &TestApp, scope: &str, username: &str) -> (TestResponse, String, String) {
    let (_, challenge) = pkce();
    let authorize = portal_authorize(scope, &challenge, &[]);
    let (consent, flow) = sign_in(app, &authorize, username, PASSWORD).await;
    assert_eq!(consent.status, 200, "{}", consent.text);
    assert!(
        consent.text.contains("Permissions requested"),
        "{}",
        consent.text
    );
    (
        press(app, &authorize, &flow, "accept").await,
        authorize,
        flow,
    )
}

#[tokio::test]
async fn consent_allowed_by_policy_creates_a_grant_and_the_next_token_has_more_scopes() {
    let app = TestApp::new().await;
    assert!(portal_grants(&app, ADELE).await.is_empty());
    let (verifier, challenge) = pkce();
    let code = portal_code(&app, "openid profile User.Read", &challenge, ADELE_UPN).await;
    let grants = portal_grants(&app, ADELE).await;
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].consent_type, "Principal");
    assert_eq!(grants[0].principal_id.as_deref(), Some(ADELE));
    assert_eq!(grants[0].scope, "User.Read openid profile");
    let first = redeem(&app, &code, &verifier).await;
    assert_eq!(
        scp(first.json["access_token"].as_str().expect("token")),
        vec!["User.Read", "openid", "profile"]
    );

    // Asking for one more permission shows consent for it and extends the same grant.
    let authorize = portal_authorize("openid User.ReadBasic.All", &challenge, &[]);
    let (consent, flow) = sign_in(&app, &authorize, ADELE_UPN, PASSWORD).await;
    assert!(
        consent.text.contains("User.ReadBasic.All"),
        "{}",
        consent.text
    );
    let code = param(
        &location(&press(&app, &authorize, &flow, "accept").await),
        "code",
    )
    .expect("code");
    let grants = portal_grants(&app, ADELE).await;
    assert_eq!(grants.len(), 1);
    assert_eq!(
        grants[0].scope,
        "User.Read openid profile User.ReadBasic.All"
    );
    let second = redeem(&app, &code, &verifier).await;
    let scopes = scp(second.json["access_token"].as_str().expect("token"));
    assert!(
        scopes.contains(&"User.Read".to_owned())
            && scopes.contains(&"User.ReadBasic.All".to_owned()),
        "{scopes:?}"
    );
    // The grant is Adele's alone.
    assert!(portal_grants(&app, MEGAN).await.is_empty());
}

#[tokio::test]
async fn consent_forbidden_by_policy_needs_an_admin_and_creates_no_grant() {
    let app = TestApp::new().await;
    set_settings(&app, r#"{"userConsent":"doNotAllow"}"#).await;
    let (response, authorize, flow) = accept(&app, "openid User.Read", ADELE_UPN).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(
        response.text.contains("Need admin approval"),
        "{}",
        response.text
    );
    assert!(
        response.text.contains("Contoso Team Portal needs permission to access resources in your organization that only an admin can grant."),
        "{}",
        response.text
    );
    assert!(portal_grants(&app, ADELE).await.is_empty());
    let url = location(&press(&app, &authorize, &flow, "decline").await);
    assert!(url.starts_with(PORTAL_REDIRECT), "{url}");
    assert_eq!(param(&url, "error").as_deref(), Some("consent_required"));
    assert!(
        param(&url, "error_description").is_some_and(|d| d.starts_with("AADSTS65001: ")),
        "{url}"
    );
    assert_eq!(param(&url, "state").as_deref(), Some("st-123"));
    assert!(portal_grants(&app, ADELE).await.is_empty());

    // The stored assignment list wins over the fixture's choice; casing does not matter.
    set_settings(&app, r#"{"permissionGrantPoliciesAssigned":["managePermissionGrantsForSelf.microsoft-user-default-low"]}"#).await;
    let (response, _, _) = accept(&app, "openid User.Read", ADELE_UPN).await;
    assert!(param(&location(&response), "code").is_some());
}

#[tokio::test]
async fn admin_only_scope_needs_admin_approval_for_an_ordinary_user() {
    let app = TestApp::new().await;
    let (response, _, _) = accept(&app, "openid User.Read.All", ADELE_UPN).await;
    assert!(
        response.text.contains("Need admin approval"),
        "{}",
        response.text
    );
    assert!(portal_grants(&app, ADELE).await.is_empty());
    // The token endpoint agrees: no consent, no token.
    let password = token(
        &app,
        CONTOSO,
        &[
            ("grant_type", "password"),
            ("client_id", PORTAL),
            ("client_secret", PORTAL_SECRET),
            ("username", ADELE_UPN),
            ("password", PASSWORD),
            ("scope", "User.Read.All"),
        ],
    )
    .await;
    assert_aad_error(&password, 400, "invalid_grant", 65001);
}

#[tokio::test]
async fn the_global_administrator_may_consent_to_admin_only_scopes_for_themselves() {
    let app = TestApp::new().await;
    set_settings(&app, r#"{"userConsent":"doNotAllow"}"#).await;
    let (verifier, challenge) = pkce();
    let code = portal_code(&app, "openid User.Read.All", &challenge, ADMIN_UPN).await;
    let grants = portal_grants(&app, ADMIN).await;
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].consent_type, "Principal");
    assert!(grants[0].scope.contains("User.Read.All"));
    let response = redeem(&app, &code, &verifier).await;
    let access_token = response.json["access_token"].as_str().expect("token");
    assert!(scp(access_token).contains(&"User.Read.All".to_owned()));
    let users = app
        .get("/v1.0/users?$top=1")
        .token(access_token)
        .send()
        .await;
    assert_eq!(users.status, 200, "{}", users.text);
    // Only for themselves: Adele still has nothing.
    assert!(portal_grants(&app, ADELE).await.is_empty());
}

#[tokio::test]
async fn low_impact_policy_allows_only_the_low_impact_scopes() {
    let app = TestApp::new().await;
    set_settings(&app, r#"{"userConsent":"allowUserConsentLowRisk"}"#).await;
    let (response, _, _) =
        accept(&app, "openid offline_access User.ReadBasic.All", ADELE_UPN).await;
    assert!(param(&location(&response), "code").is_some());
    // A user-consentable scope outside the low-impact list, if the permission table has one.
    let other = tenantsim::graph_permissions::DELEGATED.iter().find(|p| {
        !p.admin_consent_required
            && !tenantsim::consent::LOW_IMPACT_SCOPES
                .iter()
                .any(|s| s.eq_ignore_ascii_case(p.value))
    });
    if let Some(permission) = other {
        let (response, _, _) =
            accept(&app, &format!("openid {}", permission.value), ADELE_UPN).await;
        assert!(
            response.text.contains("Need admin approval"),
            "{}: {}",
            permission.value,
            response.text
        );
    }
}
