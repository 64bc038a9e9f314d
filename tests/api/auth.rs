//! Authentication (401 for every kind of bad token) and authorisation (403 without the
//! permission the Graph page lists).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use tenantsim::auth::keys::SigningKeys;
use tenantsim::auth::token::{self, Subject};

use crate::common::*;

fn app_subject(roles: &[&str]) -> Subject {
    Subject::App {
        object_id: "5e7a1c2d-0000-4000-8000-00000000a001".into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

/// Asserts a 401 `InvalidAuthenticationToken` with a Bearer challenge that has no `claims=`.
fn assert_unauthenticated(response: &TestResponse) -> String {
    let message = response.assert_error(401, "InvalidAuthenticationToken");
    let challenge = response
        .headers
        .get("www-authenticate")
        .expect("WWW-Authenticate header")
        .to_str()
        .expect("ascii");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert!(!challenge.contains("claims="), "{challenge}");
    message
}

async fn get_users(app: &TestApp, token: &str) -> TestResponse {
    app.get("/v1.0/users?$top=1").token(token).send().await
}

#[tokio::test]
async fn a_valid_token_is_accepted() {
    let app = TestApp::new().await;
    let response = get_users(&app, &app.admin()).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(response.headers.get("www-authenticate").is_none());
}

#[tokio::test]
async fn missing_authorization_header_is_401_access_token_is_empty() {
    let app = TestApp::new().await;
    let response = app.get("/v1.0/users").send().await;
    assert_eq!(assert_unauthenticated(&response), "Access token is empty.");
    for header in ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz"] {
        let response = app
            .get("/v1.0/users")
            .header("authorization", header)
            .send()
            .await;
        assert_eq!(
            assert_unauthenticated(&response),
            "Access token is empty.",
            "{header}"
        );
    }
    // Writes are refused the same way, before the body is read.
    let response = app
        .post("/v1.0/groups")
        .json(json!({"displayName": "x"}))
        .send()
        .await;
    assert_unauthenticated(&response);
}

#[tokio::test]
async fn garbage_token_is_401() {
    let app = TestApp::new().await;
    for token in ["garbage", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30"] {
        let response = get_users(&app, token).await;
        let message = assert_unauthenticated(&response);
        assert!(!message.is_empty(), "{token}");
    }
    let response = get_users(&app, "garbage").await;
    assert_eq!(
        assert_unauthenticated(&response),
        "CompactToken parsing failed with error code: 80049217"
    );
}

#[tokio::test]
async fn expired_token_is_401() {
    let app = TestApp::new().await;
    let mut request = app.token_request(CONTOSO, app_subject(ALL_ROLES));
    request.issued_at = app.state.clock.unix() - 2 * 3600;
    request.lifetime_seconds = 3599;
    let token = token::mint(&app.state.keys(), &request).expect("mint");
    let message = assert_unauthenticated(&get_users(&app, &token).await);
    assert_eq!(message, "Lifetime validation failed, the token is expired.");
    // Within the five minutes of clock skew Entra allows, it still works.
    request.issued_at = app.state.clock.unix() - 3599 - 60;
    let token = token::mint(&app.state.keys(), &request).expect("mint");
    assert_eq!(get_users(&app, &token).await.status, 200);
}

#[tokio::test]
async fn not_yet_valid_token_is_401() {
    let app = TestApp::new().await;
    let mut request = app.token_request(CONTOSO, app_subject(ALL_ROLES));
    request.issued_at = app.state.clock.unix() + 3600;
    let token = token::mint(&app.state.keys(), &request).expect("mint");
    let message = assert_unauthenticated(&get_users(&app, &token).await);
    assert_eq!(
        message,
        "Lifetime validation failed, the token is not yet valid (nbf)."
    );
}

#[tokio::test]
async fn token_signed_by_another_key_is_401() {
    let app = TestApp::new().await;
    let other = SigningKeys::generate().expect("key");
    let request = app.token_request(CONTOSO, app_subject(ALL_ROLES));
    let token = token::mint(&other, &request).expect("mint");
    let message = assert_unauthenticated(&get_users(&app, &token).await);
    assert!(
        message.starts_with("Access token validation failure"),
        "{message}"
    );
}

#[tokio::test]
async fn token_with_alg_none_is_401() {
    let app = TestApp::new().await;
    let claims = app.token_request(CONTOSO, app_subject(ALL_ROLES)).claims();
    for alg in ["none", "None", "NONE"] {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("claims"));
        for token in [format!("{header}.{body}."), format!("{header}.{body}")] {
            assert_unauthenticated(&get_users(&app, &token).await);
        }
    }
}

#[tokio::test]
async fn hs256_token_keyed_with_the_public_key_is_401() {
    let app = TestApp::new().await;
    let public_pem = rcgen::KeyPair::from_pem(&app.state.keys().private_pem)
        .expect("key pair")
        .public_key_pem();
    let claims = app.token_request(CONTOSO, app_subject(ALL_ROLES)).claims();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(app.state.keys().kid.clone());
    for secret in [public_pem.as_bytes(), public_pem.trim().as_bytes()] {
        let token = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret))
            .expect("encode");
        assert_unauthenticated(&get_users(&app, &token).await);
    }
    // The same claims, signed properly, work: only the algorithm is wrong above.
    let good = token::sign(&app.state.keys(), &claims).expect("sign");
    assert_eq!(get_users(&app, &good).await.status, 200);
}

#[tokio::test]
async fn wrong_audience_is_401_invalid_audience() {
    let app = TestApp::new().await;
    for audience in [
        "api://tenantsim-tests",
        "https://management.azure.com",
        "https://graph.microsoft.us",
    ] {
        let mut request = app.token_request(CONTOSO, app_subject(ALL_ROLES));
        request.audience = audience.to_owned();
        let token = token::mint(&app.state.keys(), &request).expect("mint");
        let message = assert_unauthenticated(&get_users(&app, &token).await);
        assert_eq!(
            message, "Access token validation failure. Invalid audience.",
            "{audience}"
        );
    }
    // Graph's appId is an accepted audience.
    let mut request = app.token_request(CONTOSO, app_subject(ALL_ROLES));
    request.audience = token::GRAPH_APP_ID.to_owned();
    let token = token::mint(&app.state.keys(), &request).expect("mint");
    assert_eq!(get_users(&app, &token).await.status, 200);
}

#[tokio::test]
async fn token_for_an_unknown_tenant_is_401() {
    let app = TestApp::new().await;
    let unknown = "0badbad0-0000-4000-8000-000000000001";
    let token = app.app_token(unknown, ALL_ROLES);
    assert_unauthenticated(&get_users(&app, &token).await);
    let token = app.app_token(unknown, ALL_ROLES);
    let response = app
        .get(&format!("/v1.0/users/{ADELE}"))
        .token(&token)
        .send()
        .await;
    assert_unauthenticated(&response);
}

#[tokio::test]
async fn app_token_without_the_needed_role_is_403_on_reads() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, &["Group.Read.All"]);
    for path in [
        "/v1.0/users".to_owned(),
        format!("/v1.0/users/{ADELE}"),
        "/v1.0/users/$count".to_owned(),
    ] {
        let response = app.get(&path).eventual().token(&token).send().await;
        let message = response.assert_error(403, "Authorization_RequestDenied");
        assert_eq!(
            message, "Insufficient privileges to complete the operation.",
            "{path}"
        );
    }
    // The role it does have works.
    let response = app.get("/v1.0/groups").token(&token).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    // No roles at all.
    let none = app.app_token(CONTOSO, &[]);
    for path in [
        "/v1.0/groups".to_owned(),
        format!("/v1.0/groups/{LINKEDIN_PILOT}/members"),
        format!("/v1.0/users/{ADELE}/memberOf"),
    ] {
        let response = app.get(&path).token(&none).send().await;
        response.assert_error(403, "Authorization_RequestDenied");
    }
    let response = app
        .post(&format!("/v1.0/users/{ADELE}/checkMemberGroups"))
        .token(&none)
        .json(json!({"groupIds": [LINKEDIN_PILOT]}))
        .send()
        .await;
    response.assert_error(403, "Authorization_RequestDenied");
}

#[tokio::test]
async fn app_token_without_the_needed_role_is_403_on_writes_and_changes_nothing() {
    let app = TestApp::new().await;
    let readers = app.app_token(
        CONTOSO,
        &["User.Read.All", "Group.Read.All", "GroupMember.Read.All"],
    );
    let group = json!({
        "displayName": "x", "mailEnabled": false, "mailNickname": "x", "securityEnabled": true
    });
    let responses = [
        app.post("/v1.0/groups")
            .token(&readers)
            .json(group.clone())
            .send()
            .await,
        app.patch(&format!("/v1.0/groups/{FINANCE}"))
            .token(&readers)
            .json(json!({"description": "changed"}))
            .send()
            .await,
        app.patch(&format!("/v1.0/groups/{FINANCE}"))
            .token(&readers)
            .json(json!({}))
            .send()
            .await,
        app.delete(&format!("/v1.0/groups/{FINANCE}"))
            .token(&readers)
            .send()
            .await,
        app.post(&format!("/v1.0/groups/{FINANCE}/members/$ref"))
            .token(&readers)
            .json(reference(ADELE))
            .send()
            .await,
        app.patch(&format!("/v1.0/groups/{FINANCE}"))
            .token(&readers)
            .json(json!({"members@odata.bind": [format!("https://graph.microsoft.com/v1.0/directoryObjects/{ADELE}")]}))
            .send()
            .await,
        app.delete(&format!("/v1.0/groups/{FINANCE}/members/{}/$ref", user(8)))
            .token(&readers)
            .send()
            .await,
        app.patch(&format!("/v1.0/users/{ADELE}"))
            .token(&readers)
            .json(json!({"jobTitle": "changed"}))
            .send()
            .await,
        app.delete(&format!("/v1.0/users/{ADELE}"))
            .token(&readers)
            .send()
            .await,
    ];
    for response in responses {
        let message = response.assert_error(403, "Authorization_RequestDenied");
        assert_eq!(
            message,
            "Insufficient privileges to complete the operation."
        );
    }
    let admin = app.admin();
    let finance = app
        .get(&format!("/v1.0/groups/{FINANCE}"))
        .token(&admin)
        .send()
        .await;
    assert_eq!(finance.status, 200);
    assert_ne!(finance.json["description"], "changed");
    let members = app
        .get(&format!("/v1.0/groups/{FINANCE}/members"))
        .token(&admin)
        .send()
        .await;
    assert_eq!(sorted(&members.ids()), sorted(&[user(8), user(9)]));
    let adele = app
        .get(&format!("/v1.0/users/{ADELE}"))
        .token(&admin)
        .send()
        .await;
    assert_eq!(adele.json["jobTitle"], "Retail Manager");
    assert_eq!(
        app.get("/v1.0/groups/$count")
            .eventual()
            .token(&admin)
            .send()
            .await
            .text,
        "8"
    );
}

#[tokio::test]
async fn group_member_write_role_is_enough_for_membership_but_not_for_properties() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, &["GroupMember.ReadWrite.All"]);
    let response = app
        .post(&format!("/v1.0/groups/{FINANCE}/members/$ref"))
        .token(&token)
        .json(reference(ADELE))
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
    let response = app
        .patch(&format!("/v1.0/groups/{FINANCE}"))
        .token(&token)
        .json(json!({"description": "changed"}))
        .send()
        .await;
    response.assert_error(403, "Authorization_RequestDenied");
}

#[tokio::test]
async fn delegated_token_needs_a_scope_too() {
    let app = TestApp::new().await;
    let token = app.user_token(CONTOSO, ADELE, &["User.Read"]).await;
    // User.Read covers /me but not the directory.
    assert_eq!(app.get("/v1.0/me").token(&token).send().await.status, 200);
    app.get("/v1.0/users")
        .token(&token)
        .send()
        .await
        .assert_error(403, "Authorization_RequestDenied");
    app.get("/v1.0/groups")
        .token(&token)
        .send()
        .await
        .assert_error(403, "Authorization_RequestDenied");
    app.patch("/v1.0/me")
        .token(&token)
        .json(json!({"jobTitle": "x"}))
        .send()
        .await
        .assert_error(403, "Authorization_RequestDenied");
    let broader = app
        .user_token(CONTOSO, ADELE, &["User.ReadWrite", "User.Read.All"])
        .await;
    assert_eq!(
        app.get("/v1.0/users").token(&broader).send().await.status,
        200
    );
    let response = app
        .patch("/v1.0/me")
        .token(&broader)
        .json(json!({"jobTitle": "x"}))
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
}
