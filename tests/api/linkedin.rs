//! LinkedIn account connections, driven only through public endpoints: the portal API flips the
//! setting, Graph changes membership and grants, the consent pages connect, and the
//! profile-card decision explains what a viewer sees.

use serde_json::{Value, json};

use crate::common::*;
use crate::identity::{PASSWORD, location, param, press, sign_in};
use tenantsim::auth::token::Subject;

const NESTOR: &str = "c0a70550-0000-4000-8000-000000000107";
const PRADEEP_HIDDEN: &str = "c0a70550-0000-4000-8000-000000000109";
const ISAIAH_OPT_OUT: &str = "c0a70550-0000-4000-8000-000000000110";
const MEGAN_UNBOUND: &str = "c0a70550-0000-4000-8000-000000000104";
const GRADY_NO_PROFILE: &str = "c0a70550-0000-4000-8000-000000000114";
const MIRIAM: &str = "c0a70550-0000-4000-8000-000000000113";
const PORTAL_APP: &str = "74658136-14ec-4630-ad9b-26e160ff0fc6";

/// A delegated portal token (ADIbizaUX audience) for a fixture user.
async fn portal_token(app: &TestApp, tenant: &str, user: &str) -> String {
    let mut conn = app.state.db.pool.acquire().await.expect("conn");
    let row = tenantsim::store::objects::get_user(&mut conn, tenant, user)
        .await
        .expect("query")
        .expect("user");
    let wids = tenantsim::store::members::roles_of(&mut conn, tenant, &row.id)
        .await
        .expect("roles");
    let subject = Subject::User {
        object_id: row.id,
        upn: row.user_principal_name.unwrap_or_default(),
        name: row.display_name.unwrap_or_default(),
        scopes: vec!["user_impersonation".to_owned()],
        wids,
    };
    let mut request = app.token_request(tenant, subject);
    request.audience = PORTAL_APP.to_owned();
    tenantsim::auth::token::mint(&app.state.keys(), &request).expect("mint")
}

async fn set_linked_in(app: &TestApp, body: Value) -> TestResponse {
    let token = portal_token(app, CONTOSO, ADMIN).await;
    app.request(axum::http::Method::PUT, "/api/Directories/PropertiesV2")
        .token(&token)
        .json(body)
        .send()
        .await
}

async fn card(app: &TestApp, tenant: &str, viewer: &str, person: &str) -> Value {
    let response = app
        .get(&format!(
            "/_tenantsim/tenants/{tenant}/profileCard?viewer={viewer}&person={person}"
        ))
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json["linkedIn"].clone()
}

/// The check that decided, and `shown`.
fn decided(section: &Value) -> (String, Option<String>) {
    let shown = section["shown"].as_str().expect("shown").to_owned();
    let decisive = section["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .find(|r| r["decisive"] == true)
        .map(|r| r["check"].as_str().unwrap_or_default().to_owned());
    (shown, decisive)
}

/// The user connects LinkedIn through the real sign-in and consent pages; returns the final
/// callback answer (or the redirect's error).
async fn connect(app: &TestApp, upn: &str) -> Value {
    let start = app
        .get(&format!(
            "/_tenantsim/tenants/{CONTOSO}/linkedIn/connect?user={upn}"
        ))
        .send()
        .await;
    let authorize = location(&start);
    let (mut response, flow) = sign_in(app, &authorize, upn, PASSWORD).await;
    if response.status == 200 {
        response = press(app, &authorize, &flow, "accept").await;
    }
    if response.status == 200 && response.text.contains("admin approval") {
        response = press(app, &authorize, &flow, "decline").await;
    }
    let callback = location(&response);
    assert!(
        callback.starts_with("http://localhost:8080/_tenantsim/linkedin/callback?"),
        "{callback}"
    );
    let path = callback
        .strip_prefix("http://localhost:8080")
        .expect("origin");
    let answer = app.get(path).send().await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    if let Some(error) = param(&callback, "error") {
        assert_eq!(answer.json["error"], error);
    }
    answer.json
}

#[tokio::test]
async fn yes_shows_the_connected_view_to_a_bound_viewer_with_degree_and_mutual_connections() {
    let app = TestApp::new().await;
    let section = card(&app, CONTOSO, ADELE, ALEX).await;
    assert_eq!(decided(&section), ("connected".to_owned(), None));
    assert_eq!(section["data"]["connectionDegree"], 1);
    assert_eq!(
        section["data"]["profileUrl"],
        "https://www.linkedin.com/in/alex-wilber"
    );
    // Adele and Alex are both connected to Megan (fixtures/README.md §4.3).
    assert_eq!(
        section["data"]["mutualConnections"],
        json!([{"id": MEGAN, "displayName": "Megan Bowen"}])
    );
    // Miriam is 2nd degree from Adele, through both Alex and Megan.
    let second = card(&app, CONTOSO, ADELE, MIRIAM).await;
    assert_eq!(decided(&second), ("connected".to_owned(), None));
    assert_eq!(second["data"]["connectionDegree"], 2);
    let mut mutual: Vec<(String, String)> = second["data"]["mutualConnections"]
        .as_array()
        .expect("mutualConnections")
        .iter()
        .map(|m| {
            (
                m["id"].as_str().expect("id").to_owned(),
                m["displayName"].as_str().expect("displayName").to_owned(),
            )
        })
        .collect();
    mutual.sort();
    assert_eq!(
        mutual,
        [
            (ALEX.to_owned(), "Alex Wilber".to_owned()),
            (MEGAN.to_owned(), "Megan Bowen".to_owned())
        ]
    );
    let checks: Vec<&str> = section["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(|r| r["check"].as_str())
        .collect();
    assert_eq!(
        checks,
        [
            "cloud",
            "tenantSetting",
            "consentPolicy",
            "viewerConnection",
            "personProfile",
            "personVisibility"
        ]
    );
}

#[tokio::test]
async fn an_unbound_viewer_sees_the_public_profile_and_an_opted_out_viewer_none() {
    let app = TestApp::new().await;
    let unbound = card(&app, CONTOSO, MEGAN_UNBOUND, ALEX).await;
    assert_eq!(decided(&unbound), ("public".to_owned(), None));
    assert!(unbound["data"].get("connectionDegree").is_none());
    let opted_out = card(&app, CONTOSO, ISAIAH_OPT_OUT, ALEX).await;
    assert_eq!(
        decided(&opted_out),
        ("none".to_owned(), Some("viewerConnection".to_owned()))
    );
}

#[tokio::test]
async fn the_persons_own_profile_and_visibility_decide_last() {
    let app = TestApp::new().await;
    assert_eq!(
        decided(&card(&app, CONTOSO, ADELE, PRADEEP_HIDDEN).await),
        ("none".to_owned(), Some("personVisibility".to_owned()))
    );
    assert_eq!(
        decided(&card(&app, CONTOSO, ADELE, GRADY_NO_PROFILE).await),
        ("none".to_owned(), Some("personProfile".to_owned()))
    );
}

#[tokio::test]
async fn no_turns_linkedin_off_for_everyone_and_the_portal_reads_it_back() {
    let app = TestApp::new().await;
    let response = set_linked_in(&app, json!({"enableLinkedInAppFamily": 1})).await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert_eq!(
        decided(&card(&app, CONTOSO, ADELE, ALEX).await),
        ("none".to_owned(), Some("tenantSetting".to_owned()))
    );
    let token = portal_token(&app, CONTOSO, ADMIN).await;
    let properties = app
        .get("/api/Directories/Properties")
        .token(&token)
        .send()
        .await;
    assert_eq!(properties.json["enableLinkedInAppFamily"], 1);
    assert_eq!(
        properties.json["linkedInSelectedGroupObjectId"],
        Value::Null
    );
    assert_eq!(properties.json["objectId"], CONTOSO);
    assert_eq!(properties.json["toEnableLinkedInUsers"], json!([]));
}

#[tokio::test]
async fn yes_turns_linkedin_back_on_for_everyone_after_no_or_a_selected_group() {
    let app = TestApp::new().await;
    let token = portal_token(&app, CONTOSO, ADMIN).await;
    // From a selected group (Nestor, outside it, sees nothing) and from No, Yes reaches everyone.
    for before in [
        json!({"enableLinkedInAppFamily": 4, "linkedInSelectedGroupObjectId": LINKEDIN_PILOT}),
        json!({"enableLinkedInAppFamily": 1}),
    ] {
        let response = set_linked_in(&app, before.clone()).await;
        assert_eq!(response.status, 204, "{before}: {}", response.text);
        assert_eq!(
            decided(&card(&app, CONTOSO, NESTOR, ADELE).await).0,
            "none",
            "{before}"
        );
        let response = set_linked_in(&app, json!({"enableLinkedInAppFamily": 0})).await;
        assert_eq!(response.status, 204, "after {before}: {}", response.text);
        let properties = app
            .get("/api/Directories/Properties")
            .token(&token)
            .send()
            .await;
        assert_eq!(properties.status, 200, "{}", properties.text);
        assert_eq!(
            properties.json["enableLinkedInAppFamily"], 0,
            "after {before}"
        );
        assert_eq!(
            properties.json["linkedInSelectedGroupObjectId"],
            Value::Null,
            "after {before}"
        );
        for (viewer, person) in [(NESTOR, ADELE), (ADELE, ALEX)] {
            let section = card(&app, CONTOSO, viewer, person).await;
            assert_eq!(
                decided(&section),
                ("connected".to_owned(), None),
                "after {before}: {section}"
            );
            let setting = section["reasons"]
                .as_array()
                .expect("reasons")
                .iter()
                .find(|r| r["check"] == "tenantSetting")
                .expect("tenantSetting reason");
            assert_eq!(setting["decisive"], false, "{setting}");
        }
    }
}

#[tokio::test]
async fn selected_group_covers_direct_members_only_by_default_and_nested_ones_when_configured() {
    let app = TestApp::new().await;
    let response = set_linked_in(
        &app,
        json!({"enableLinkedInAppFamily": 4, "linkedInSelectedGroupObjectId": LINKEDIN_PILOT}),
    )
    .await;
    assert_eq!(response.status, 204, "{}", response.text);
    // Adele is a direct member; the person viewed (Nestor) is not in the group, which is fine.
    assert_eq!(
        decided(&card(&app, CONTOSO, ADELE, NESTOR).await).0,
        "connected"
    );
    // Nestor is connected but outside the group.
    let outside = card(&app, CONTOSO, NESTOR, ADELE).await;
    assert_eq!(
        decided(&outside),
        ("none".to_owned(), Some("selectedGroup".to_owned()))
    );
    // Johanna is only in Retail Europe, nested in LinkedIn Pilot.
    let nested = card(&app, CONTOSO, JOHANNA, ADELE).await;
    assert_eq!(
        decided(&nested),
        ("none".to_owned(), Some("selectedGroup".to_owned()))
    );
    let path = &nested["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .find(|r| r["check"] == "selectedGroup")
        .expect("step")["data"]["path"];
    assert_eq!(path[0]["displayName"], "Retail Europe");
    assert_eq!(path[1]["displayName"], "LinkedIn Pilot");
    let options = app
        .patch(&format!("/_tenantsim/tenants/{CONTOSO}/linkedIn"))
        .json(json!({"nestedGroupMembership": true}))
        .send()
        .await;
    assert_eq!(options.status, 200, "{}", options.text);
    assert_eq!(
        decided(&card(&app, CONTOSO, JOHANNA, ADELE).await).0,
        "connected"
    );
    // The portal shows the group by id and name.
    let token = portal_token(&app, CONTOSO, ADMIN).await;
    let properties = app
        .get("/api/Directories/Properties")
        .token(&token)
        .send()
        .await;
    assert_eq!(properties.json["enableLinkedInAppFamily"], 4);
    assert_eq!(
        properties.json["linkedInSelectedGroupDisplayName"],
        "LinkedIn Pilot"
    );
}

#[tokio::test]
async fn adding_the_viewer_to_the_selected_group_through_graph_changes_the_card() {
    let app = TestApp::new().await;
    assert_eq!(set_linked_in(&app, json!({"enableLinkedInAppFamily": 4, "linkedInSelectedGroupDisplayName": "LinkedIn Pilot"})).await.status, 204);
    assert_eq!(decided(&card(&app, CONTOSO, NESTOR, ADELE).await).0, "none");
    let member =
        json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{NESTOR}")});
    let added = app
        .post(&format!("/v1.0/groups/{LINKEDIN_PILOT}/members/$ref"))
        .token(&app.admin())
        .json(member)
        .send()
        .await;
    assert_eq!(added.status, 204);
    assert_eq!(
        decided(&card(&app, CONTOSO, NESTOR, ADELE).await).0,
        "connected"
    );
}

#[tokio::test]
async fn a_deleted_selected_group_leaves_nobody_in_it() {
    let app = TestApp::new().await;
    let token = app.admin();
    let group = json!({"displayName": "LinkedIn temp", "mailEnabled": false, "mailNickname": "litemp", "securityEnabled": true,
        "members@odata.bind": [format!("https://graph.microsoft.com/v1.0/directoryObjects/{ADELE}")]});
    let created = app
        .post("/v1.0/groups")
        .token(&token)
        .json(group)
        .send()
        .await;
    let id = created.json["id"].as_str().expect("id").to_owned();
    assert_eq!(
        set_linked_in(
            &app,
            json!({"enableLinkedInAppFamily": 4, "linkedInSelectedGroupObjectId": id})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        decided(&card(&app, CONTOSO, ADELE, ALEX).await).0,
        "connected"
    );
    assert_eq!(
        app.delete(&format!("/v1.0/groups/{id}"))
            .token(&token)
            .send()
            .await
            .status,
        204
    );
    assert_eq!(
        decided(&card(&app, CONTOSO, ADELE, ALEX).await),
        ("none".to_owned(), Some("selectedGroup".to_owned()))
    );
}

#[tokio::test]
async fn the_portal_api_refuses_bad_values_and_changes_nothing() {
    let app = TestApp::new().await;
    let token = portal_token(&app, CONTOSO, ADMIN).await;
    let before = app
        .get("/api/Directories/Properties")
        .token(&token)
        .send()
        .await
        .json;
    for body in [
        json!({"enableLinkedInAppFamily": 4}),
        json!({"enableLinkedInAppFamily": 4, "linkedInSelectedGroupObjectId": "00000000-0000-4000-8000-00000000dead"}),
        json!({"enableLinkedInAppFamily": 4, "linkedInSelectedGroupObjectId": DYNAMIC_SEATTLE}),
        json!({"enableLinkedInAppFamily": 2}),
        json!({"enableLinkedInAppFamily": "yes"}),
        json!({"enableLinkedInAppFamily": 0, "linkedInSelectedGroupObjectId": LINKEDIN_PILOT}),
    ] {
        let response = set_linked_in(&app, body.clone()).await;
        response.assert_error(400, "Request_BadRequest");
        assert_eq!(
            app.get("/api/Directories/Properties")
                .token(&token)
                .send()
                .await
                .json,
            before,
            "{body}"
        );
    }
    // Only a Global Administrator may change it; a Graph token is the wrong audience.
    let adele = portal_token(&app, CONTOSO, ADELE).await;
    app.request(axum::http::Method::PUT, "/api/Directories/PropertiesV2")
        .token(&adele)
        .json(json!({"enableLinkedInAppFamily": 1}))
        .send()
        .await
        .assert_error(403, "Authorization_RequestDenied");
    let graph = app.user_token(CONTOSO, ADMIN, &["User.Read"]).await;
    app.get("/api/Directories/Properties")
        .token(&graph)
        .send()
        .await
        .assert_error(401, "InvalidAuthenticationToken");
    // The older PUT path takes the same partial body.
    let old = app
        .request(axum::http::Method::PUT, "/api/Directories/Properties")
        .token(&token)
        .json(json!({"enableLinkedInAppFamily": 1}))
        .send()
        .await;
    assert_eq!(old.status, 204);
}

#[tokio::test]
async fn sovereign_clouds_have_no_linkedin_and_refuse_the_setting() {
    let app = TestApp::new().await;
    let section = card(&app, FABRIKAM, FABRIKAM_ADMIN, FABRIKAM_ADMIN).await;
    assert_eq!(
        decided(&section),
        ("none".to_owned(), Some("cloud".to_owned()))
    );
    let token = portal_token(&app, FABRIKAM, FABRIKAM_ADMIN).await;
    let properties = app
        .get("/api/Directories/Properties")
        .token(&token)
        .send()
        .await;
    assert_eq!(properties.json["enableLinkedInAppFamily"], Value::Null);
    let put = app
        .request(axum::http::Method::PUT, "/api/Directories/PropertiesV2")
        .token(&token)
        .json(json!({"enableLinkedInAppFamily": 0}))
        .send()
        .await;
    let message = put.assert_error(400, "Request_BadRequest");
    assert!(message.contains("usgov"), "{message}");
}

#[tokio::test]
async fn tenants_provisioned_in_germany_or_france_start_at_no() {
    let app = TestApp::new().await;
    for (country, tenant) in [
        ("DE", "de000000-0000-4000-8000-000000000001"),
        ("FR", "f7000000-0000-4000-8000-000000000001"),
        ("US", "05000000-0000-4000-8000-000000000001"),
    ] {
        let domain = format!("{}.onmicrosoft.com", country.to_ascii_lowercase());
        let fixture = json!({"id": tenant, "displayName": country, "domains": [domain], "cloud": "public", "country": country,
            "users": [{"id": format!("{}", tenant.replace("000000000001", "000000000101")), "userPrincipalName": format!("a@{domain}"), "displayName": "A", "accountEnabled": true,
                "linkedIn": {"vanityName": "a", "connection": "Bound"}}]});
        let created = app
            .post("/_tenantsim/tenants")
            .json(json!({"fixture": fixture}))
            .send()
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        let user = tenant.replace("000000000001", "000000000101");
        let section = card(&app, tenant, &user, &user).await;
        let expected = if country == "US" { "connected" } else { "none" };
        assert_eq!(section["shown"], expected, "{country}");
        assert_eq!(
            created.json["linkedIn"]["enableLinkedInAppFamily"],
            if country == "US" { 0 } else { 1 }
        );
    }
}

#[tokio::test]
async fn connecting_through_the_consent_page_creates_the_grant_and_changes_the_card() {
    let app = TestApp::new().await;
    assert_eq!(
        decided(&card(&app, CONTOSO, MEGAN_UNBOUND, ALEX).await).0,
        "public"
    );
    let answer = connect(&app, "MeganB@contoso.onmicrosoft.com").await;
    assert_eq!(answer["connected"], true, "{answer}");
    let state = app
        .get(&format!(
            "/_tenantsim/tenants/{CONTOSO}/users/{MEGAN_UNBOUND}/linkedIn"
        ))
        .send()
        .await;
    assert_eq!(state.json["state"], "Bound");
    assert_eq!(state.json["grant"]["scope"], "User.Read People.Read");
    assert_eq!(
        decided(&card(&app, CONTOSO, MEGAN_UNBOUND, ALEX).await).0,
        "connected"
    );
    // The grant is a Graph oauth2PermissionGrant of the user's.
    let grants = app
        .get(&format!(
            "/v1.0/users/{MEGAN_UNBOUND}/oauth2PermissionGrants"
        ))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(grants.status, 200, "{}", grants.text);
    assert!(
        grants.json["value"]
            .as_array()
            .expect("grants")
            .iter()
            .any(|g| g["id"] == state.json["grant"]["id"])
    );
}

#[tokio::test]
async fn without_user_consent_the_connection_ends_in_consent_required_and_nothing_changes() {
    let app = TestApp::new().await;
    let patched = app
        .patch("/v1.0/policies/authorizationPolicy")
        .token(&app.app_token(
            CONTOSO,
            &["Policy.ReadWrite.Authorization", "Policy.Read.All"],
        ))
        .json(json!({"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": []}}))
        .send()
        .await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    let answer = connect(&app, "MeganB@contoso.onmicrosoft.com").await;
    assert_eq!(answer["connected"], false);
    assert_eq!(answer["error"], "consent_required");
    let state = app
        .get(&format!(
            "/_tenantsim/tenants/{CONTOSO}/users/{MEGAN_UNBOUND}/linkedIn"
        ))
        .send()
        .await;
    assert_eq!(state.json["state"], "Unbound");
    let section = card(&app, CONTOSO, MEGAN_UNBOUND, ALEX).await;
    assert_eq!(section["shown"], "public");
    let policy = section["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .find(|r| r["check"] == "consentPolicy")
        .expect("step")
        .clone();
    assert_eq!(policy["data"]["usersMayConsent"], false);
}

#[tokio::test]
async fn an_admin_deleting_the_grant_through_graph_disconnects_the_user() {
    let app = TestApp::new().await;
    let state = app
        .get(&format!(
            "/_tenantsim/tenants/{CONTOSO}/users/{ADELE}/linkedIn"
        ))
        .send()
        .await;
    let grant = state.json["grant"]["id"]
        .as_str()
        .expect("Adele is Bound in the fixture")
        .to_owned();
    let token = app.app_token(CONTOSO, &["DelegatedPermissionGrant.ReadWrite.All"]);
    let deleted = app
        .delete(&format!("/v1.0/oauth2PermissionGrants/{grant}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let after = app
        .get(&format!(
            "/_tenantsim/tenants/{CONTOSO}/users/{ADELE}/linkedIn"
        ))
        .send()
        .await;
    assert_eq!(after.json["state"], "Unbound");
    assert_eq!(decided(&card(&app, CONTOSO, ADELE, ALEX).await).0, "public");
}

#[tokio::test]
async fn a_user_can_disconnect_and_opt_out_themselves() {
    let app = TestApp::new().await;
    let path = format!("/_tenantsim/tenants/{CONTOSO}/users/{NESTOR}/linkedIn");
    let response = app
        .patch(&path)
        .json(json!({"disconnect": true}))
        .send()
        .await;
    assert_eq!(response.json["state"], "Unbound");
    let response = app.patch(&path).json(json!({"optOut": true})).send().await;
    assert_eq!(response.json["state"], "OptOut", "{}", response.text);
    assert_eq!(decided(&card(&app, CONTOSO, NESTOR, ADELE).await).0, "none");
    app.patch(&path)
        .json(json!({"linkedInSide": "sideways"}))
        .send()
        .await
        .assert_error(400, "Request_BadRequest");
}

#[tokio::test]
async fn the_profile_card_and_graph_profile_agree_on_the_persons_linkedin_account() {
    let app = TestApp::new().await;
    let profile = app
        .get(&format!("/beta/users/{ALEX}/profile"))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(profile.status, 200, "{}", profile.text);
    let accounts = profile.json["webAccounts"].as_array().expect("webAccounts");
    assert_eq!(accounts[0]["service"]["name"], "LinkedIn");
    assert_eq!(
        accounts[0]["webUrl"],
        card(&app, CONTOSO, ADELE, ALEX).await["data"]["profileUrl"]
    );
    let hidden = app
        .get(&format!("/beta/users/{PRADEEP_HIDDEN}/profile"))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(hidden.json["webAccounts"], json!([]));
    app.get(&format!("/v1.0/users/{ALEX}/profile"))
        .token(&app.admin())
        .send()
        .await
        .assert_error(400, "BadRequest");
}

#[tokio::test]
async fn an_admin_gets_a_portal_token_from_the_token_endpoint_with_a_first_party_client() {
    let app = TestApp::new().await;
    let azure_powershell = "1950a258-227b-4e31-a9cf-717495945fc2";
    let response = crate::identity::token(
        &app,
        CONTOSO,
        &[
            ("grant_type", "password"),
            ("client_id", azure_powershell),
            ("username", "admin@contoso.onmicrosoft.com"),
            ("password", PASSWORD),
            ("scope", "74658136-14ec-4630-ad9b-26e160ff0fc6/.default"),
        ],
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let token = response.json["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(crate::identity::claims(&token)["aud"], PORTAL_APP);
    let put = app
        .request(axum::http::Method::PUT, "/api/Directories/PropertiesV2")
        .token(&token)
        .json(json!({"enableLinkedInAppFamily": 1}))
        .send()
        .await;
    assert_eq!(put.status, 204, "{}", put.text);
}

#[tokio::test]
async fn connect_returns_only_to_this_server_or_to_a_redirect_uri_an_app_registered() {
    let app = TestApp::new().await;
    let start = |back: &str| {
        format!(
            "/_tenantsim/tenants/{CONTOSO}/linkedIn/connect?user=LeeG@contoso.onmicrosoft.com&returnTo={}",
            percent_encoding::utf8_percent_encode(back, percent_encoding::NON_ALPHANUMERIC)
        )
    };
    // A page of tenantsim and the Contoso Team SPA's registered redirect URI (query aside).
    for back in ["/_tenantsim/ui", "http://localhost:3000/?tab=linkedin"] {
        let response = app.get(&start(back)).send().await;
        assert_eq!(response.status, 302, "{back}: {}", response.text);
        let authorize = location(&response);
        assert_eq!(
            param(&authorize, "state").as_deref(),
            Some(format!("{CONTOSO}|{back}").as_str())
        );
    }
    // Any other site is refused before the sign-in starts.
    for back in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        "/\n/evil.example/",
        "http://localhost:3000.evil.example/",
        "http://localhost:3000/\t",
    ] {
        let response = app.get(&start(back)).send().await;
        assert_eq!(response.status, 400, "{back}: {}", response.text);
        assert_eq!(response.json["error"]["code"], "Request_BadRequest");
        assert!(!response.headers.contains_key("location"), "{back}");
    }
    // A state forged in the callback's URL cannot redirect elsewhere either.
    let forged = app
        .get(&format!(
            "/_tenantsim/linkedin/callback?state={CONTOSO}%7Chttps://evil.example/&error=access_denied"
        ))
        .send()
        .await;
    assert_eq!(forged.status, 400, "{}", forged.text);
    assert!(!forged.headers.contains_key("location"));
    // A declined consent goes back to the SPA, its error encoded.
    let declined = app
        .get(&format!(
            "/_tenantsim/linkedin/callback?state={CONTOSO}%7Chttp://localhost:3000/&error=access_denied%26x%3D1"
        ))
        .send()
        .await;
    assert_eq!(declined.status, 302, "{}", declined.text);
    assert_eq!(
        location(&declined),
        "http://localhost:3000/?linkedIn=failed&error=access_denied%26x%3D1"
    );
}

#[tokio::test]
async fn the_connection_comes_back_to_tenantsim_by_whatever_name_the_browser_uses() {
    // Reached as login.microsoftonline.com (the proxy) or by a public name, the LinkedIn app's
    // callback is tenantsim's own: the sign-in page opens instead of AADSTS50011.
    let app = TestApp::new().await;
    for host in ["login.microsoftonline.com", "tenantsim.lab.example:8080"] {
        let start = app
            .get(&format!(
                "/_tenantsim/tenants/{CONTOSO}/linkedIn/connect?user=LeeG@contoso.onmicrosoft.com"
            ))
            .header("host", host)
            .send()
            .await;
        assert_eq!(start.status, 302, "{host}: {}", start.text);
        let authorize = location(&start);
        assert_eq!(
            param(&authorize, "redirect_uri"),
            Some(format!("http://{host}/_tenantsim/linkedin/callback"))
        );
        let page = app.get(&authorize).header("host", host).send().await;
        assert_eq!(page.status, 200, "{host}: {}", page.text);
        assert!(!page.text.contains("AADSTS50011"), "{host}: {}", page.text);
        // Another app cannot use tenantsim's callback as its redirect URI.
        let other = authorize.replace(
            &"7e5a1c4d-1d0e-4f00-8000-6c696e6b6564".replace('-', "%2D"),
            "c0a70550-a990-4000-8000-000000000308",
        );
        assert_ne!(other, authorize);
        let refused = app.get(&other).header("host", host).send().await;
        assert!(
            refused.text.contains("AADSTS50011"),
            "{host}: {}",
            refused.text
        );
    }
}

#[tokio::test]
async fn a_snapshot_carries_each_users_connection_state_and_loads_back_with_it() {
    let app = TestApp::new().await;
    let nestor = format!("/_tenantsim/tenants/{CONTOSO}/users/{NESTOR}/linkedIn");
    let pending = app
        .patch(&nestor)
        .json(json!({"linkedInSide": "pending"}))
        .send()
        .await;
    assert_eq!(pending.json["state"], "MicrosoftBound", "{}", pending.text);
    let snapshot_path = format!("/_tenantsim/tenants/{CONTOSO}/snapshot");
    let exported = app.get(&snapshot_path).send().await;
    assert_eq!(exported.status, 200, "{}", exported.text);
    let connection = |snapshot: &Value, user: &str| {
        snapshot["tenants"][0]["users"]
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["id"] == user)
            .map(|u| u["linkedIn"]["connection"].clone())
            .expect("user")
    };
    assert_eq!(connection(&exported.json, NESTOR), "MicrosoftBound");
    assert_eq!(connection(&exported.json, ISAIAH_OPT_OUT), "OptOut");
    assert_eq!(connection(&exported.json, MEGAN_UNBOUND), "Unbound");
    assert_eq!(connection(&exported.json, ADELE), "Bound");

    let imported = app
        .post("/_tenantsim/snapshot")
        .json(exported.json.clone())
        .send()
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    let again = app.get(&snapshot_path).send().await;
    assert_eq!(again.json, exported.json);
}
