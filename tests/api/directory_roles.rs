//! Directory roles: the built-in templates, the roles the fixture activates for its role
//! holders, activation, members and `$ref` writes that change the `wids` of the next token.

use serde_json::json;

use crate::common::*;
use tenantsim::store;

const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
const HELPDESK_ADMIN: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
const READ: &[&str] = &["RoleManagement.Read.Directory"];
const WRITE: &[&str] = &["RoleManagement.ReadWrite.Directory"];

async fn wids(app: &TestApp, user: &str) -> Vec<String> {
    let mut conn = app.state.db.pool.acquire().await.expect("conn");
    store::members::roles_of(&mut conn, CONTOSO, user)
        .await
        .expect("roles")
}

#[tokio::test]
async fn role_templates_list_the_built_in_roles_with_graphs_ids_and_names() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, READ);
    let response = app
        .get("/v1.0/directoryRoleTemplates")
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let global = response.json["value"]
        .as_array()
        .expect("value")
        .iter()
        .find(|t| t["id"] == GLOBAL_ADMIN)
        .expect("Global Administrator template");
    assert_eq!(global["displayName"], "Global Administrator");
    assert!(
        global["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    let one = app
        .get(&format!("/v1.0/directoryRoleTemplates/{HELPDESK_ADMIN}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(one.json["displayName"], "Helpdesk Administrator");
    let missing = app
        .get("/v1.0/directoryRoleTemplates/00000000-0000-4000-8000-0000000000ff")
        .token(&token)
        .send()
        .await;
    missing.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn the_fixture_activates_every_role_its_users_hold_with_stable_ids() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, READ);
    let response = app.get("/v1.0/directoryRoles").token(&token).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    let mut templates: Vec<String> = response.json["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|r| r["roleTemplateId"].as_str().expect("template").to_owned())
        .collect();
    templates.sort();
    assert_eq!(templates, sorted(&[GLOBAL_ADMIN, USER_ADMIN]));
    let role = &response.json["value"][0];
    assert!(role["displayName"].is_string() && role["description"].is_string());
    assert!(role.get("@odata.type").is_none());
    // The id is derived from (tenant, template): the same after a reset, another in Fabrikam.
    let id = store::roles::role_object_id(CONTOSO, GLOBAL_ADMIN);
    assert!(response.ids().contains(&id));
    assert_ne!(id, store::roles::role_object_id(FABRIKAM, GLOBAL_ADMIN));
    let reset = app
        .post(&format!("/_tenantsim/tenants/{CONTOSO}/reset"))
        .send()
        .await;
    assert!(reset.status.is_success(), "{}", reset.text);
    let again = app.get("/v1.0/directoryRoles").token(&token).send().await;
    assert_eq!(sorted(&again.ids()), sorted(&response.ids()));
    // `$filter` on roleTemplateId, the three ways of naming one role.
    let filtered = app
        .get(&format!(
            "/v1.0/directoryRoles?$filter=roleTemplateId eq '{USER_ADMIN}'"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(filtered.names(), ["User Administrator"]);
    for path in [
        format!("/v1.0/directoryRoles/{id}"),
        format!("/v1.0/directoryRoles(roleTemplateId='{GLOBAL_ADMIN}')"),
        format!("/v1.0/directoryRoles/roleTemplateId={GLOBAL_ADMIN}"),
    ] {
        let one = app.get(&path).token(&token).send().await;
        assert_eq!(one.status, 200, "{path}: {}", one.text);
        assert_eq!(one.json["id"], id.as_str());
        assert_eq!(one.json["displayName"], "Global Administrator");
    }
    // Fabrikam's role is not reachable with a Contoso token.
    let fabrikam_role = store::roles::role_object_id(FABRIKAM, GLOBAL_ADMIN);
    let other = app
        .get(&format!("/v1.0/directoryRoles/{fabrikam_role}"))
        .token(&token)
        .send()
        .await;
    other.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn role_members_are_the_role_holders_with_their_types() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, READ);
    let response = app
        .get(&format!(
            "/v1.0/directoryRoles/roleTemplateId={GLOBAL_ADMIN}/members"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.ids(), [ADMIN]);
    assert_eq!(
        response.json["value"][0]["@odata.type"],
        "#microsoft.graph.user"
    );
}

#[tokio::test]
async fn adding_and_removing_a_role_member_changes_wids() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, WRITE);
    let role = store::roles::role_object_id(CONTOSO, USER_ADMIN);
    assert!(wids(&app, ADELE).await.is_empty());
    let added = app
        .post(&format!("/v1.0/directoryRoles/{role}/members/$ref"))
        .token(&token)
        .json(reference(ADELE))
        .send()
        .await;
    assert_eq!(added.status, 204, "{}", added.text);
    assert_eq!(wids(&app, ADELE).await, [USER_ADMIN]);
    let members = app
        .get(&format!("/v1.0/directoryRoles/{role}/members"))
        .token(&token)
        .send()
        .await;
    assert!(
        members.ids().contains(&ADELE.to_owned()),
        "{}",
        members.text
    );
    let twice = app
        .post(&format!("/v1.0/directoryRoles/{role}/members/$ref"))
        .token(&token)
        .json(reference(ADELE))
        .send()
        .await;
    twice.assert_error(400, "Request_BadRequest");
    let missing = app
        .post(&format!("/v1.0/directoryRoles/{role}/members/$ref"))
        .token(&token)
        .json(reference(FABRIKAM_KIM))
        .send()
        .await;
    missing.assert_error(404, "Request_ResourceNotFound");
    let removed = app
        .delete(&format!("/v1.0/directoryRoles/{role}/members/{ADELE}/$ref"))
        .token(&token)
        .send()
        .await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    assert!(wids(&app, ADELE).await.is_empty());
    let again = app
        .delete(&format!("/v1.0/directoryRoles/{role}/members/{ADELE}/$ref"))
        .token(&token)
        .send()
        .await;
    again.assert_error(404, "Request_ResourceNotFound");
    let reader = app.app_token(CONTOSO, READ);
    let denied = app
        .post(&format!("/v1.0/directoryRoles/{role}/members/$ref"))
        .token(&reader)
        .json(reference(ADELE))
        .send()
        .await;
    denied.assert_error(403, "Authorization_RequestDenied");
    assert!(wids(&app, ADELE).await.is_empty());
}

#[tokio::test]
async fn activating_a_role_answers_201_once_then_its_members_can_be_set() {
    let app = TestApp::new().await;
    let token = app.app_token(
        CONTOSO,
        &[
            "Directory.ReadWrite.All",
            "RoleManagement.ReadWrite.Directory",
        ],
    );
    let created = app
        .post("/v1.0/directoryRoles")
        .token(&token)
        .json(json!({"roleTemplateId": HELPDESK_ADMIN}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["roleTemplateId"], HELPDESK_ADMIN);
    assert_eq!(created.json["displayName"], "Helpdesk Administrator");
    assert_eq!(
        created.json["id"],
        store::roles::role_object_id(CONTOSO, HELPDESK_ADMIN).as_str()
    );
    let twice = app
        .post("/v1.0/directoryRoles")
        .token(&token)
        .json(json!({"roleTemplateId": HELPDESK_ADMIN}))
        .send()
        .await;
    twice.assert_error(400, "Request_BadRequest");
    for body in [
        json!({}),
        json!({"roleTemplateId": HELPDESK_ADMIN, "displayName": "x"}),
        json!({"roleTemplateId": 7}),
    ] {
        let bad = app
            .post("/v1.0/directoryRoles")
            .token(&token)
            .json(body)
            .send()
            .await;
        bad.assert_error(400, "Request_BadRequest");
    }
    let unknown = app
        .post("/v1.0/directoryRoles")
        .token(&token)
        .json(json!({"roleTemplateId": "00000000-0000-4000-8000-0000000000ff"}))
        .send()
        .await;
    unknown.assert_error(404, "Request_ResourceNotFound");
    let added = app
        .post(&format!(
            "/v1.0/directoryRoles/roleTemplateId={HELPDESK_ADMIN}/members/$ref"
        ))
        .token(&token)
        .json(reference(MEGAN))
        .send()
        .await;
    assert_eq!(added.status, 204, "{}", added.text);
    assert_eq!(wids(&app, MEGAN).await, [HELPDESK_ADMIN]);
}

#[tokio::test]
async fn an_activated_role_nobody_holds_survives_a_snapshot_and_a_reset_forgets_it() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, &["Directory.ReadWrite.All"]);
    let created = app
        .post("/v1.0/directoryRoles")
        .token(&token)
        .json(json!({"roleTemplateId": HELPDESK_ADMIN}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let snapshot = app
        .get(&format!("/_tenantsim/tenants/{CONTOSO}/snapshot"))
        .send()
        .await;
    assert_eq!(
        snapshot.json["tenants"][0]["activatedDirectoryRoles"],
        json!(["Helpdesk Administrator"])
    );
    let reset = app
        .post(&format!("/_tenantsim/tenants/{CONTOSO}/reset"))
        .send()
        .await;
    assert!(reset.status.is_success(), "{}", reset.text);
    let templates = |response: &TestResponse| -> Vec<String> {
        response.json["value"]
            .as_array()
            .expect("value")
            .iter()
            .map(|r| r["roleTemplateId"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let after_reset = app.get("/v1.0/directoryRoles").token(&token).send().await;
    assert!(!templates(&after_reset).contains(&HELPDESK_ADMIN.to_owned()));
    let imported = app
        .post("/_tenantsim/snapshot")
        .json(snapshot.json.clone())
        .send()
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    let after_import = app.get("/v1.0/directoryRoles").token(&token).send().await;
    assert!(templates(&after_import).contains(&HELPDESK_ADMIN.to_owned()));
    let again = app
        .get(&format!("/_tenantsim/tenants/{CONTOSO}/snapshot"))
        .send()
        .await;
    assert_eq!(again.json, snapshot.json);
}

#[tokio::test]
async fn role_member_casts_one_member_and_counts() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, READ);
    let role = store::roles::role_object_id(CONTOSO, GLOBAL_ADMIN);
    let users = app
        .get(&format!(
            "/v1.0/directoryRoles/{role}/members/microsoft.graph.user"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(users.status, 200, "{}", users.text);
    assert_eq!(users.ids(), [ADMIN]);
    assert_eq!(
        users.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#users"
    );
    let groups = app
        .get(&format!(
            "/v1.0/directoryRoles/{role}/members/microsoft.graph.group"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(groups.json["value"], json!([]));
    // A directory type tenantsim stores nothing of is an empty set, not an unknown segment.
    let devices = app
        .get(&format!(
            "/v1.0/directoryRoles/{role}/members/microsoft.graph.device"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(devices.status, 200, "{}", devices.text);
    assert_eq!(devices.json["value"], json!([]));
    let one = app
        .get(&format!("/v1.0/directoryRoles/{role}/members/{ADMIN}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(one.json["id"], ADMIN);
    assert_eq!(one.json["@odata.type"], "#microsoft.graph.user");
    let not_holder = app
        .get(&format!("/v1.0/directoryRoles/{role}/members/{ADELE}"))
        .token(&token)
        .send()
        .await;
    not_holder.assert_error(404, "Request_ResourceNotFound");
    for (path, expected) in [
        (format!("/v1.0/directoryRoles/{role}/members/$count"), "1"),
        (
            format!("/v1.0/directoryRoles/{role}/members/microsoft.graph.user/$count"),
            "1",
        ),
        ("/v1.0/directoryRoles/$count".to_owned(), "2"),
        ("/v1.0/directoryRoleTemplates/$count".to_owned(), "11"),
    ] {
        let counted = app.get(&path).token(&token).eventual().send().await;
        assert_eq!(counted.status, 200, "{path}: {}", counted.text);
        assert_eq!(counted.text, expected, "{path}");
        assert!(
            counted.headers["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/plain")
        );
        let without = app.get(&path).token(&token).send().await;
        without.assert_error(400, "Request_BadRequest");
    }
}
