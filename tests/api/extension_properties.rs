//! Directory extensions on applications: application-list-extensionproperty,
//! application-post-extensionproperty, extensionproperty-get, extensionproperty-delete, and the
//! snapshot round trip.

use serde_json::{Value, json};

use crate::common::*;
use crate::identity::SYNC_APP;
use tenantsim::app_objects::derived_object_id;

/// Contoso's Directory Sync app registers `employeeBadge` for users (fixtures/contoso.json).
const FIXTURE_EXTENSION: &str = "c0a70550-e470-4000-8000-000000000301";

fn base() -> String {
    format!(
        "/v1.0/applications/{}/extensionProperties",
        derived_object_id(CONTOSO, SYNC_APP)
    )
}

fn expected_name(short: &str) -> String {
    format!("extension_{}_{short}", SYNC_APP.replace('-', ""))
}

async fn create(app: &TestApp, body: Value) -> TestResponse {
    app.post(&base())
        .token(&app.admin())
        .json(body)
        .send()
        .await
}

#[tokio::test]
async fn extensions_are_created_with_graphs_name_listed_read_and_deleted() {
    let app = TestApp::new().await;
    let token = app.admin();
    let created = create(
        &app,
        json!({"name": "jobGroup", "dataType": "String", "targetObjects": ["User", "group"]}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().expect("id").to_owned();
    assert_eq!(created.json["name"], expected_name("jobGroup"));
    assert_eq!(created.json["dataType"], "String");
    assert_eq!(created.json["isMultiValued"], false);
    assert_eq!(created.json["isSyncedFromOnPremises"], false);
    assert_eq!(created.json["targetObjects"], json!(["User", "Group"]));
    assert!(
        created.json["appDisplayName"].is_string(),
        "{}",
        created.text
    );
    assert!(created.json["deletedDateTime"].is_null());
    assert!(
        created.json["@odata.context"]
            .as_str()
            .is_some_and(|c| c.ends_with("/extensionProperties/$entity")),
        "{}",
        created.text
    );
    let list = app.get(&base()).token(&token).send().await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.ids(), [FIXTURE_EXTENSION.to_owned(), id.clone()]);
    assert_eq!(
        list.json["value"][0]["name"],
        expected_name("employeeBadge"),
        "the fixture's extension"
    );
    let one = app
        .get(&format!("{}/{id}", base()))
        .token(&token)
        .send()
        .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.json["name"], expected_name("jobGroup"));
    // The name is unique in the tenant (any case).
    let again = create(
        &app,
        json!({"name": "JOBGROUP", "dataType": "Integer", "targetObjects": ["User"]}),
    )
    .await;
    again.assert_error(400, "Request_BadRequest");
    let deleted = app
        .delete(&format!("{}/{id}", base()))
        .token(&token)
        .send()
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let gone = app
        .get(&format!("{}/{id}", base()))
        .token(&token)
        .send()
        .await;
    gone.assert_error(404, "Request_ResourceNotFound");
    let list = app.get(&base()).token(&token).send().await;
    assert_eq!(list.ids(), [FIXTURE_EXTENSION]);
}

#[tokio::test]
async fn bad_definitions_are_400_and_change_nothing() {
    let app = TestApp::new().await;
    for (body, property) in [
        (
            json!({"dataType": "String", "targetObjects": ["User"]}),
            "name",
        ),
        (
            json!({"name": "has space", "dataType": "String", "targetObjects": ["User"]}),
            "name",
        ),
        (
            json!({"name": "x".repeat(100), "dataType": "String", "targetObjects": ["User"]}),
            "name",
        ),
        (
            json!({"name": "a", "dataType": "Text", "targetObjects": ["User"]}),
            "dataType",
        ),
        (json!({"name": "a", "targetObjects": ["User"]}), "dataType"),
        (
            json!({"name": "a", "dataType": "String", "targetObjects": []}),
            "targetObjects",
        ),
        (
            json!({"name": "a", "dataType": "String", "targetObjects": ["Contact"]}),
            "targetObjects",
        ),
        (
            json!({"name": "a", "dataType": "String", "targetObjects": ["User"], "isMultiValued": "yes"}),
            "isMultiValued",
        ),
    ] {
        let response = create(&app, body.clone()).await;
        let message = response.assert_error(400, "Request_BadRequest");
        assert!(message.contains(property), "{body}: {message}");
    }
    let unknown = create(
        &app,
        json!({"name": "a", "dataType": "String", "targetObjects": ["User"], "colour": 1}),
    )
    .await;
    let message = unknown.assert_error(400, "Request_BadRequest");
    assert!(message.contains("'colour' does not exist"), "{message}");
    let list = app.get(&base()).token(&app.admin()).send().await;
    assert_eq!(list.ids(), [FIXTURE_EXTENSION], "{}", list.text);
    // An unknown application is Graph's 404.
    let missing = app
        .post("/v1.0/applications/00000000-0000-4000-8000-00000000dead/extensionProperties")
        .token(&app.admin())
        .json(json!({"name": "a", "dataType": "String", "targetObjects": ["User"]}))
        .send()
        .await;
    missing.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn extensions_need_application_permissions() {
    let app = TestApp::new().await;
    let reader = app.app_token(CONTOSO, &["Application.Read.All"]);
    let list = app.get(&base()).token(&reader).send().await;
    assert_eq!(list.status, 200, "{}", list.text);
    let refused = app
        .post(&base())
        .token(&reader)
        .json(json!({"name": "a", "dataType": "String", "targetObjects": ["User"]}))
        .send()
        .await;
    refused.assert_error(403, "Authorization_RequestDenied");
    let users = app.app_token(CONTOSO, &["User.Read.All"]);
    let refused = app.get(&base()).token(&users).send().await;
    refused.assert_error(403, "Authorization_RequestDenied");
}

#[tokio::test]
async fn extensions_survive_snapshot_export_and_import_and_go_with_their_application() {
    let app = TestApp::new().await;
    let created = create(
        &app,
        json!({"name": "costCentre", "dataType": "Integer", "isMultiValued": true, "targetObjects": ["User"]}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let first = app.get("/_tenantsim/snapshot").send().await;
    assert_eq!(first.status, 200);
    assert!(first.text.contains(&expected_name("costCentre")));
    let fresh = TestApp::on_db(
        tenantsim::store::Db::open(None).await.expect("db"),
        tenantsim::Settings::default(),
        false,
    )
    .await;
    let imported = fresh
        .post("/_tenantsim/snapshot")
        .json(first.json.clone())
        .send()
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    let second = fresh.get("/_tenantsim/snapshot").send().await;
    assert_eq!(first.text, second.text);
    let list = fresh.get(&base()).token(&fresh.admin()).send().await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json["value"][1]["isMultiValued"], true);
    assert_eq!(list.json["value"][1]["dataType"], "Integer");
    // Deleting the application deletes its extensions.
    let writer = app.app_token(CONTOSO, &["Application.ReadWrite.All"]);
    let registered = app
        .post("/v1.0/applications")
        .token(&writer)
        .json(json!({"displayName": "Short-lived"}))
        .send()
        .await;
    assert_eq!(registered.status, 201, "{}", registered.text);
    let object = registered.json["id"].as_str().expect("id");
    let extensions = format!("/v1.0/applications/{object}/extensionProperties");
    let added = app
        .post(&extensions)
        .token(&writer)
        .json(json!({"name": "temporary", "dataType": "Boolean", "targetObjects": ["Group"]}))
        .send()
        .await;
    assert_eq!(added.status, 201, "{}", added.text);
    let name = added.json["name"].as_str().expect("name").to_owned();
    let deleted = app
        .delete(&format!("/v1.0/applications/{object}"))
        .token(&writer)
        .send()
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let snapshot = app.get("/_tenantsim/snapshot").send().await;
    assert!(
        !snapshot.text.contains(&name),
        "{name} outlived its application"
    );
}
