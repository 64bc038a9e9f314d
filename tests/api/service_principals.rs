//! Service principals: list with `$filter`, get by id and by appId, their grants and app-role
//! assignments, permissions and tenant isolation.

use tenantsim::builtin;

use crate::common::*;

const DIRECTORY_SYNC: &str = "c0a70550-0000-4000-8000-000000000301";
const DIRECTORY_SYNC_APP: &str = "c0a70550-a990-4000-8000-000000000301";
const GRAPH_CLI_APP: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

fn reader(app: &TestApp) -> String {
    app.app_token(CONTOSO, &["Application.Read.All"])
}

#[tokio::test]
async fn get_service_principal_returns_graphs_default_properties() {
    let app = TestApp::new().await;
    let response = app
        .get(&format!("/v1.0/servicePrincipals/{DIRECTORY_SYNC}"))
        .token(&reader(&app))
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#servicePrincipals/$entity"
    );
    assert_eq!(response.json["keyCredentials"], serde_json::json!([]));
    assert!(response.json["homepage"].is_null());
    insta::assert_json_snapshot!(response.redacted());
}

#[tokio::test]
async fn list_service_principals_holds_built_ins_and_fixture_apps_and_filters() {
    let app = TestApp::new().await;
    let token = reader(&app);
    let all = app
        .get("/v1.0/servicePrincipals?$top=999")
        .token(&token)
        .send()
        .await;
    assert_eq!(all.status, 200, "{}", all.text);
    let ids = all.ids();
    assert!(ids.contains(&builtin::graph_sp_id(CONTOSO)));
    assert!(ids.contains(&DIRECTORY_SYNC.to_owned()));
    assert_eq!(
        all.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#servicePrincipals"
    );

    let by_app_id = app
        .get(&format!(
            "/v1.0/servicePrincipals?$filter=appId eq '{DIRECTORY_SYNC_APP}'"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(by_app_id.ids(), [DIRECTORY_SYNC]);

    let graph = app
        .get("/beta/servicePrincipals?$filter=displayName eq 'Microsoft Graph'&$select=id,appId")
        .token(&token)
        .send()
        .await;
    assert_eq!(graph.status, 200, "{}", graph.text);
    assert_eq!(
        graph.json["value"],
        serde_json::json!([{"id": builtin::graph_sp_id(CONTOSO), "appId": builtin::GRAPH_APP_ID}])
    );

    let contoso = app
        .get("/v1.0/servicePrincipals?$filter=startsWith(displayName,'Contoso')")
        .token(&token)
        .send()
        .await;
    let names = contoso.names();
    assert_eq!(names.len(), 7, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("Contoso")));

    let paged = all_pages(&app, &token, "/v1.0/servicePrincipals?$top=4").await;
    let count: usize = paged
        .iter()
        .map(|p| p["value"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(count, ids.len());
}

#[tokio::test]
async fn get_by_app_id_agrees_with_get_by_object_id() {
    let app = TestApp::new().await;
    let token = reader(&app);
    let by_id = app
        .get(&format!("/v1.0/servicePrincipals/{DIRECTORY_SYNC}"))
        .token(&token)
        .send()
        .await;
    let by_app_id = app
        .get(&format!(
            "/v1.0/servicePrincipals(appId='{DIRECTORY_SYNC_APP}')"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(by_app_id.status, 200, "{}", by_app_id.text);
    assert_eq!(by_id.json, by_app_id.json);
    // Quotes percent-encoded, appId in upper case.
    let encoded = app
        .get(&format!(
            "/v1.0/servicePrincipals(appId=%27{}%27)?$select=id",
            GRAPH_CLI_APP.to_uppercase()
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(encoded.status, 200, "{}", encoded.text);
    assert_eq!(
        encoded.json["id"],
        builtin::derived_id(CONTOSO, GRAPH_CLI_APP)
    );
}

#[tokio::test]
async fn unknown_service_principal_is_request_resource_not_found() {
    let app = TestApp::new().await;
    // Application.Read.All reads service principals; their grants need a grant read
    // permission (serviceprincipal-list-oauth2permissiongrants).
    let token = app.app_token(CONTOSO, &["Application.Read.All", "Directory.Read.All"]);
    let missing = "00000000-0000-4000-8000-00000000dead";
    for path in [
        format!("/v1.0/servicePrincipals/{missing}"),
        format!("/v1.0/servicePrincipals(appId='{missing}')"),
        format!("/v1.0/servicePrincipals/{missing}/oauth2PermissionGrants"),
        format!("/v1.0/servicePrincipals/{missing}/appRoleAssignedTo"),
    ] {
        let response = app.get(&path).token(&token).send().await;
        let message = response.assert_error(404, "Request_ResourceNotFound");
        assert!(message.contains(missing), "{message}");
    }
    // A user is not a service principal.
    let response = app
        .get(&format!("/v1.0/servicePrincipals/{ADELE}"))
        .token(&token)
        .send()
        .await;
    response.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn service_principal_grants_are_those_where_it_is_the_client() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, &["Directory.Read.All"]);
    let cli = builtin::derived_id(CONTOSO, GRAPH_CLI_APP);
    let grants = app
        .get(&format!(
            "/v1.0/servicePrincipals/{cli}/oauth2PermissionGrants"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(grants.status, 200, "{}", grants.text);
    let value = grants.json["value"].as_array().expect("value");
    assert_eq!(value.len(), 1);
    assert_eq!(value[0]["clientId"], cli.as_str());
    assert_eq!(value[0]["consentType"], "AllPrincipals");
    assert_eq!(value[0]["resourceId"], builtin::graph_sp_id(CONTOSO));
    // Microsoft Graph is the resource of that grant, not its client.
    let graph = app
        .get(&format!(
            "/v1.0/servicePrincipals/{}/oauth2PermissionGrants",
            builtin::graph_sp_id(CONTOSO)
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(graph.json["value"], serde_json::json!([]));
}

#[tokio::test]
async fn app_role_assigned_to_and_app_role_assignments_mirror_each_other() {
    let app = TestApp::new().await;
    let token = reader(&app);
    let graph = builtin::graph_sp_id(CONTOSO);
    let assigned_to = app
        .get(&format!(
            "/v1.0/servicePrincipals/{graph}/appRoleAssignedTo"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(assigned_to.status, 200, "{}", assigned_to.text);
    let to_sync: Vec<&serde_json::Value> = assigned_to.json["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter(|a| a["principalId"] == DIRECTORY_SYNC)
        .collect();
    assert_eq!(
        to_sync.len(),
        3,
        "User.Read.All, Group.Read.All, GroupMember.Read.All"
    );
    assert_eq!(to_sync[0]["principalType"], "ServicePrincipal");
    assert_eq!(to_sync[0]["principalDisplayName"], "Contoso Directory Sync");
    assert_eq!(to_sync[0]["resourceDisplayName"], "Microsoft Graph");

    let assignments = app
        .get(&format!(
            "/v1.0/servicePrincipals/{DIRECTORY_SYNC}/appRoleAssignments"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(assignments.status, 200, "{}", assignments.text);
    assert_eq!(
        assignments.json["@odata.context"],
        format!(
            "http://localhost:8080/v1.0/$metadata#servicePrincipals('{DIRECTORY_SYNC}')/appRoleAssignments"
        )
    );
    let mut ids = assignments.ids();
    let mut mirrored: Vec<String> = to_sync
        .iter()
        .map(|a| a["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    ids.sort();
    mirrored.sort();
    assert_eq!(ids, mirrored);
    for item in assignments.json["value"].as_array().expect("value") {
        assert_eq!(item["resourceId"], graph.as_str());
        assert!(item["appRoleId"].is_string() && item["createdDateTime"].is_string());
    }
    // Unsupported options fail loudly.
    let response = app
        .get(&format!(
            "/v1.0/servicePrincipals/{graph}/appRoleAssignedTo?$top=1"
        ))
        .token(&token)
        .send()
        .await;
    response.assert_error(400, "BadRequest");
}

#[tokio::test]
async fn service_principals_need_an_application_read_permission() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, &["User.Read.All"]);
    for path in [
        "/v1.0/servicePrincipals".to_owned(),
        format!("/v1.0/servicePrincipals/{DIRECTORY_SYNC}"),
        format!("/v1.0/servicePrincipals/{DIRECTORY_SYNC}/appRoleAssignments"),
        format!("/v1.0/servicePrincipals/{DIRECTORY_SYNC}/oauth2PermissionGrants"),
    ] {
        let response = app.get(&path).token(&token).send().await;
        response.assert_error(403, "Authorization_RequestDenied");
    }
    let delegated = app
        .user_token(CONTOSO, ADELE, &["Application.Read.All"])
        .await;
    let response = app
        .get("/v1.0/servicePrincipals")
        .token(&delegated)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn a_fabrikam_token_sees_none_of_contosos_service_principals() {
    let app = TestApp::new().await;
    let token = app.app_token(FABRIKAM, &["Application.Read.All"]);
    let list = app
        .get("/v1.0/servicePrincipals?$top=999")
        .token(&token)
        .send()
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    let ids = list.ids();
    assert!(ids.contains(&builtin::graph_sp_id(FABRIKAM)));
    assert!(!ids.contains(&builtin::graph_sp_id(CONTOSO)));
    assert!(!ids.iter().any(|id| id.starts_with("c0a70550")));
    for path in [
        format!("/v1.0/servicePrincipals/{DIRECTORY_SYNC}"),
        format!("/v1.0/servicePrincipals(appId='{DIRECTORY_SYNC_APP}')"),
        format!("/v1.0/servicePrincipals/{}", builtin::graph_sp_id(CONTOSO)),
    ] {
        let response = app.get(&path).token(&token).send().await;
        response.assert_error(404, "Request_ResourceNotFound");
    }
}
