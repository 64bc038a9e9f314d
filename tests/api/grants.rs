//! oauth2PermissionGrants: list with `$filter` and paging, get, create (id format, 409),
//! update, delete, per-user lists, permissions and tenant isolation.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tenantsim::{builtin, consent};

use crate::common::*;

const TEAM_PORTAL: &str = "c0a70550-0000-4000-8000-000000000305";
const MOBILE: &str = "c0a70550-0000-4000-8000-000000000306";
const GRAPH_CLI_APP: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

fn writer(app: &TestApp) -> String {
    app.app_token(CONTOSO, &["DelegatedPermissionGrant.ReadWrite.All"])
}

fn grant(client: &str, principal: Option<&str>, scope: &str) -> Value {
    json!({
        "clientId": client,
        "consentType": if principal.is_some() { "Principal" } else { "AllPrincipals" },
        "principalId": principal,
        "resourceId": builtin::graph_sp_id(CONTOSO),
        "scope": scope,
    })
}

async fn create(app: &TestApp, body: Value) -> TestResponse {
    app.post("/v1.0/oauth2PermissionGrants")
        .token(&writer(app))
        .json(body)
        .send()
        .await
}

/// Every grant of Contoso, in creation order.
async fn all_grants(app: &TestApp) -> Vec<Value> {
    let response = app
        .get("/v1.0/oauth2PermissionGrants?$top=999")
        .token(&writer(app))
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json["value"].as_array().cloned().expect("value")
}

#[tokio::test]
async fn list_grants_returns_the_fixture_grants() {
    let app = TestApp::new().await;
    let response = app
        .get("/v1.0/oauth2PermissionGrants")
        .token(&app.app_token(CONTOSO, &["DelegatedPermissionGrant.Read.All"]))
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let value = response.json["value"].as_array().expect("value");
    // The fixture's LinkedIn connections (Principal grants) and the Graph CLI's AllPrincipals grant.
    let cli = builtin::derived_id(CONTOSO, GRAPH_CLI_APP);
    let all: Vec<&Value> = value
        .iter()
        .filter(|g| g["consentType"] == "AllPrincipals")
        .collect();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["clientId"], cli.as_str());
    assert!(all[0]["principalId"].is_null());
    assert_eq!(
        all[0]["id"].as_str(),
        consent::grant_id(&cli, &builtin::graph_sp_id(CONTOSO), None).as_deref()
    );
    insta::assert_json_snapshot!(response.redacted());
}

#[tokio::test]
async fn create_grant_answers_201_with_the_documented_id_format() {
    let app = TestApp::new().await;
    let created = create(
        &app,
        grant(TEAM_PORTAL, None, "User.Read User.ReadBasic.All"),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let graph = builtin::graph_sp_id(CONTOSO);
    let id = created.json["id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 43);
    assert_eq!(
        Some(id.clone()),
        consent::grant_id(TEAM_PORTAL, &graph, None)
    );
    // base64url(clientId.bytes_le ‖ resourceId.bytes_le), graph-contract §9.2.
    let bytes = URL_SAFE_NO_PAD.decode(&id).expect("base64url");
    let client = uuid::Uuid::from_bytes_le(bytes[..16].try_into().expect("16"));
    let resource = uuid::Uuid::from_bytes_le(bytes[16..].try_into().expect("16"));
    assert_eq!(client.to_string(), TEAM_PORTAL);
    assert_eq!(resource.to_string(), graph);
    assert_eq!(
        created.json,
        json!({
            "@odata.context": "http://localhost:8080/v1.0/$metadata#oauth2PermissionGrants/$entity",
            "clientId": TEAM_PORTAL,
            "consentType": "AllPrincipals",
            "id": id,
            "principalId": null,
            "resourceId": graph,
            "scope": "User.Read User.ReadBasic.All",
        })
    );

    // A Principal grant adds the user: 64 characters. Leading spaces in scope are kept.
    let principal = create(&app, grant(TEAM_PORTAL, Some(ADELE), " User.Read openid")).await;
    assert_eq!(principal.status, 201, "{}", principal.text);
    let principal_id = principal.json["id"].as_str().expect("id");
    assert_eq!(principal_id.len(), 64);
    assert!(principal_id.starts_with(&id[..42]));
    let read = app
        .get(&format!("/v1.0/oauth2PermissionGrants/{principal_id}"))
        .token(&writer(&app))
        .send()
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.json["scope"], " User.Read openid");
    assert_eq!(read.json["principalId"], ADELE);
}

#[tokio::test]
async fn creating_the_same_grant_twice_is_409() {
    let app = TestApp::new().await;
    assert_eq!(
        create(&app, grant(MOBILE, Some(ALEX), "User.Read"))
            .await
            .status,
        201
    );
    let again = create(&app, grant(MOBILE, Some(ALEX), "Mail.Read")).await;
    let message = again.assert_error(409, "Request_MultipleObjectsWithSameKeyValue");
    assert_eq!(message, "Permission entry already exists.");
    // The fixture's AllPrincipals grant of the Graph CLI, too.
    let cli = builtin::derived_id(CONTOSO, GRAPH_CLI_APP);
    let fixture = create(&app, grant(&cli, None, "User.Read")).await;
    fixture.assert_error(409, "Request_MultipleObjectsWithSameKeyValue");
}

#[tokio::test]
async fn create_grant_checks_its_references_and_consent_type() {
    let app = TestApp::new().await;
    let missing = "00000000-0000-4000-8000-00000000dead";
    let before = all_grants(&app).await;
    let cases = [
        (grant(ADELE, None, "User.Read"), "clientId"),
        (grant(missing, None, "User.Read"), "clientId"),
        (grant("not-a-guid", None, "User.Read"), "clientId"),
        (
            grant(TEAM_PORTAL, Some(SALES_M365), "User.Read"),
            "principalId",
        ),
        (
            grant(TEAM_PORTAL, Some(missing), "User.Read"),
            "principalId",
        ),
        (
            json!({"clientId": TEAM_PORTAL, "consentType": "Principal", "resourceId": builtin::graph_sp_id(CONTOSO), "scope": "User.Read"}),
            "principalId",
        ),
        (
            json!({"clientId": TEAM_PORTAL, "consentType": "AllPrincipals", "principalId": ADELE, "resourceId": builtin::graph_sp_id(CONTOSO)}),
            "principalId",
        ),
        (
            json!({"clientId": TEAM_PORTAL, "consentType": "Everyone", "resourceId": builtin::graph_sp_id(CONTOSO)}),
            "consentType",
        ),
        (
            json!({"clientId": TEAM_PORTAL, "consentType": "AllPrincipals", "resourceId": ADELE}),
            "resourceId",
        ),
        (
            json!({"clientId": TEAM_PORTAL, "consentType": "AllPrincipals", "resourceId": builtin::graph_sp_id(CONTOSO), "scope": "x".repeat(3851)}),
            "scope",
        ),
    ];
    for (body, property) in cases {
        let response = create(&app, body.clone()).await;
        let message = response.assert_error(400, "Request_BadRequest");
        assert!(message.contains(property), "{body}: {message}");
    }
    assert_eq!(all_grants(&app).await, before, "nothing was created");
}

#[tokio::test]
async fn get_unknown_grant_is_request_resource_not_found() {
    let app = TestApp::new().await;
    let missing = consent::grant_id(TEAM_PORTAL, MOBILE, None).expect("id");
    for request in [
        app.get(&format!("/v1.0/oauth2PermissionGrants/{missing}")),
        app.patch(&format!("/v1.0/oauth2PermissionGrants/{missing}"))
            .json(json!({"scope": "User.Read"})),
        app.delete(&format!("/v1.0/oauth2PermissionGrants/{missing}")),
    ] {
        let response = request.token(&writer(&app)).send().await;
        let message = response.assert_error(404, "Request_ResourceNotFound");
        assert!(message.contains(&missing), "{message}");
    }
}

#[tokio::test]
async fn update_grant_replaces_the_scope_and_delete_removes_it() {
    let app = TestApp::new().await;
    let created = create(
        &app,
        grant(TEAM_PORTAL, None, "User.Read User.ReadBasic.All"),
    )
    .await;
    let id = created.json["id"].as_str().expect("id").to_owned();
    let path = format!("/v1.0/oauth2PermissionGrants/{id}");
    let patched = app
        .patch(&path)
        .token(&writer(&app))
        .json(json!({"scope": "Mail.Read"}))
        .send()
        .await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    assert!(patched.text.is_empty());
    let read = app.get(&path).token(&writer(&app)).send().await;
    assert_eq!(read.json["scope"], "Mail.Read", "replaced, not merged");
    let key_change = app
        .patch(&path)
        .token(&writer(&app))
        .json(json!({"clientId": MOBILE}))
        .send()
        .await;
    key_change.assert_error(400, "Request_BadRequest");

    let deleted = app.delete(&path).token(&writer(&app)).send().await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let gone = app.get(&path).token(&writer(&app)).send().await;
    gone.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn list_filters_on_each_key_property_and_pages() {
    let app = TestApp::new().await;
    let before = all_grants(&app).await;
    let graph = builtin::graph_sp_id(CONTOSO);
    let on_graph = before
        .iter()
        .filter(|g| g["resourceId"] == graph.as_str())
        .count();
    for (client, principal) in [
        (TEAM_PORTAL, Some(ADELE)),
        (TEAM_PORTAL, Some(ALEX)),
        (MOBILE, Some(ADELE)),
        (MOBILE, None),
    ] {
        let response = create(&app, grant(client, principal, "User.Read")).await;
        assert_eq!(response.status, 201, "{}", response.text);
    }
    let token = app.app_token(CONTOSO, &["Directory.Read.All"]);
    let count = |filter: String| {
        let app = &app;
        let token = token.clone();
        async move {
            let response = app
                .get(&format!("/v1.0/oauth2PermissionGrants?$filter={filter}"))
                .token(&token)
                .send()
                .await;
            assert_eq!(response.status, 200, "{filter}: {}", response.text);
            response.ids().len()
        }
    };
    assert_eq!(count(format!("clientId eq '{TEAM_PORTAL}'")).await, 2);
    assert_eq!(count("consentType eq 'AllPrincipals'".into()).await, 2);
    assert_eq!(
        count(format!(
            "principalId eq '{ALEX}' and clientId eq '{TEAM_PORTAL}'"
        ))
        .await,
        1
    );
    assert_eq!(
        count(format!("resourceId eq '{graph}'")).await,
        on_graph + 4
    );
    assert_eq!(
        count(format!(
            "clientId eq '{MOBILE}' and consentType eq 'Principal'"
        ))
        .await,
        1
    );
    let unsupported = app
        .get("/v1.0/oauth2PermissionGrants?$filter=startsWith(scope,'User')")
        .token(&token)
        .send()
        .await;
    assert_eq!(unsupported.status, 400, "{}", unsupported.text);

    let total = before.len() + 4;
    let pages = all_pages(&app, &token, "/v1.0/oauth2PermissionGrants?$top=2").await;
    assert_eq!(pages.len(), total.div_ceil(2));
    let mut ids: Vec<String> = pages
        .iter()
        .flat_map(|p| p["value"].as_array().cloned().unwrap_or_default())
        .map(|v| v["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total);
    let counted = app
        .get("/v1.0/oauth2PermissionGrants?$count=true&$top=1")
        .token(&token)
        .eventual()
        .send()
        .await;
    assert_eq!(counted.json["@odata.count"], total);
}

#[tokio::test]
async fn user_lists_hold_only_that_users_principal_grants() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, &["Directory.Read.All"]);
    let list = |user: &'static str| {
        let (app, token) = (&app, token.clone());
        async move {
            let response = app
                .get(&format!("/v1.0/users/{user}/oauth2PermissionGrants"))
                .token(&token)
                .send()
                .await;
            assert_eq!(response.status, 200, "{}", response.text);
            response
        }
    };
    let before = list(ADELE).await.ids();
    let adele = create(&app, grant(TEAM_PORTAL, Some(ADELE), "User.Read")).await;
    create(&app, grant(TEAM_PORTAL, Some(ALEX), "User.Read")).await;
    create(&app, grant(TEAM_PORTAL, None, "User.Read")).await;
    let listed = list(ADELE).await;
    let mut expected = before.clone();
    expected.push(adele.json["id"].as_str().expect("id").to_owned());
    assert_eq!(listed.ids(), expected);
    // The fixture's AllPrincipals grant and the new one apply to Adele but are not listed.
    for item in listed.json["value"].as_array().expect("value") {
        assert_eq!(item["consentType"], "Principal");
        assert_eq!(item["principalId"], ADELE);
    }
    let delegated = app
        .user_token(CONTOSO, ADELE, &["DelegatedPermissionGrant.Read.All"])
        .await;
    let me = app
        .get("/beta/me/oauth2PermissionGrants")
        .token(&delegated)
        .send()
        .await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json["value"], listed.json["value"]);
    let app_only = app
        .get("/v1.0/me/oauth2PermissionGrants")
        .token(&token)
        .send()
        .await;
    app_only.assert_error(400, "BadRequest");
    let missing = app
        .get("/v1.0/users/00000000-0000-4000-8000-00000000dead/oauth2PermissionGrants")
        .token(&token)
        .send()
        .await;
    missing.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn grants_need_their_permissions_and_delegated_writes_an_admin_role() {
    let app = TestApp::new().await;
    let none = app.app_token(CONTOSO, &["User.Read.All"]);
    let response = app
        .get("/v1.0/oauth2PermissionGrants")
        .token(&none)
        .send()
        .await;
    response.assert_error(403, "Authorization_RequestDenied");
    let read_only = app.app_token(CONTOSO, &["DelegatedPermissionGrant.Read.All"]);
    let response = app
        .post("/v1.0/oauth2PermissionGrants")
        .token(&read_only)
        .json(grant(TEAM_PORTAL, None, "User.Read"))
        .send()
        .await;
    response.assert_error(403, "Authorization_RequestDenied");
    // A delegated write needs the scope and an admin role.
    let scope = ["DelegatedPermissionGrant.ReadWrite.All"];
    let adele = app.user_token(CONTOSO, ADELE, &scope).await;
    let response = app
        .post("/v1.0/oauth2PermissionGrants")
        .token(&adele)
        .json(grant(TEAM_PORTAL, None, "User.Read"))
        .send()
        .await;
    response.assert_error(403, "Authorization_RequestDenied");
    let admin = app.user_token(CONTOSO, ADMIN, &scope).await;
    let response = app
        .post("/v1.0/oauth2PermissionGrants")
        .token(&admin)
        .json(grant(TEAM_PORTAL, None, "User.Read"))
        .send()
        .await;
    assert_eq!(response.status, 201, "{}", response.text);
    let directory = app.app_token(CONTOSO, &["Directory.ReadWrite.All"]);
    let response = app
        .delete(&format!(
            "/v1.0/oauth2PermissionGrants/{}",
            response.json["id"].as_str().expect("id")
        ))
        .token(&directory)
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
}

#[tokio::test]
async fn a_fabrikam_token_sees_none_of_contosos_grants() {
    let app = TestApp::new().await;
    let contoso = create(&app, grant(TEAM_PORTAL, Some(ADELE), "User.Read")).await;
    let id = contoso.json["id"].as_str().expect("id");
    let token = app.app_token(FABRIKAM, &["DelegatedPermissionGrant.ReadWrite.All"]);
    let list = app
        .get("/v1.0/oauth2PermissionGrants")
        .token(&token)
        .send()
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json["value"], json!([]));
    for request in [
        app.get(&format!("/v1.0/oauth2PermissionGrants/{id}")),
        app.delete(&format!("/v1.0/oauth2PermissionGrants/{id}")),
        app.get(&format!("/v1.0/users/{ADELE}/oauth2PermissionGrants")),
    ] {
        let response = request.token(&token).send().await;
        response.assert_error(404, "Request_ResourceNotFound");
    }
    // Contoso's service principals are no references in Fabrikam.
    let response = app
        .post("/v1.0/oauth2PermissionGrants")
        .token(&token)
        .json(json!({
            "clientId": TEAM_PORTAL,
            "consentType": "AllPrincipals",
            "resourceId": builtin::graph_sp_id(FABRIKAM),
            "scope": "User.Read",
        }))
        .send()
        .await;
    response.assert_error(400, "Request_BadRequest");
    let still = app
        .get(&format!("/v1.0/oauth2PermissionGrants/{id}"))
        .token(&writer(&app))
        .send()
        .await;
    assert_eq!(still.status, 200, "{}", still.text);
}
