//! Relationships of applications and the ones tenantsim records nothing of:
//! `applications/{id}/owners` (application-list-owners, application-post-owners,
//! application-delete-owners) with their snapshot round trip, `createdObjects` of users and
//! service principals (always empty, D42) and the device relationships of a directory without
//! devices (device-list-registeredowners, device-list-registeredusers: 404).

use serde_json::{Value, json};

use crate::common::*;
use crate::identity::SYNC_APP;
use tenantsim::app_objects::derived_object_id;

const SYNC_SP: &str = "c0a70550-0000-4000-8000-000000000301";

fn reference(id: &str) -> Value {
    json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}")})
}

fn sync_object() -> String {
    derived_object_id(CONTOSO, SYNC_APP)
}

async fn ids(app: &TestApp, path: &str) -> Vec<String> {
    let response = app.get(path).token(&app.admin()).send().await;
    assert_eq!(response.status, 200, "{path}: {}", response.text);
    sorted(&response.ids())
}

#[tokio::test]
async fn application_owners_are_listed_cast_counted_added_and_removed() {
    let app = TestApp::new().await;
    let token = app.admin();
    let object = sync_object();
    let list = format!("/v1.0/applications/{object}/owners");
    assert!(ids(&app, &list).await.is_empty());
    for owner in [ADELE, SYNC_SP] {
        let add = app
            .post(&format!("{list}/$ref"))
            .token(&token)
            .json(reference(owner))
            .send()
            .await;
        assert_eq!(add.status, 204, "{}", add.text);
    }
    assert_eq!(ids(&app, &list).await, sorted(&[ADELE, SYNC_SP]));
    // Owners of the application are not owners of its service principal.
    assert!(
        ids(&app, &format!("/v1.0/servicePrincipals/{SYNC_SP}/owners"))
            .await
            .is_empty()
    );
    // Casts in both spellings, $count, one owner, $ref.
    assert_eq!(
        ids(&app, &format!("{list}/microsoft.graph.user")).await,
        [ADELE]
    );
    assert_eq!(
        ids(&app, &format!("{list}/graph.servicePrincipal")).await,
        [SYNC_SP]
    );
    let count = app
        .get(&format!("{list}/$count"))
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!((count.status.as_u16(), count.text.as_str()), (200, "2"));
    let one = app
        .get(&format!("{list}/{ADELE}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.json["@odata.type"], "#microsoft.graph.user");
    let refs = app.get(&format!("{list}/$ref")).token(&token).send().await;
    assert_eq!(refs.status, 200, "{}", refs.text);
    assert_eq!(refs.json["value"].as_array().map(Vec::len), Some(2));
    // The owned application shows in the owner's ownedObjects.
    let owned = ids(&app, &format!("/v1.0/users/{ADELE}/ownedObjects")).await;
    assert!(owned.contains(&object), "{owned:?}");
    // Twice → Graph's 400; a group cannot own an application.
    let again = app
        .post(&format!("{list}/$ref"))
        .token(&token)
        .json(reference(ADELE))
        .send()
        .await;
    again.assert_error(400, "Request_BadRequest");
    let group = app
        .post(&format!("{list}/$ref"))
        .token(&token)
        .json(reference(FINANCE))
        .send()
        .await;
    group.assert_error(400, "Request_BadRequest");
    // Every owner may go: an application may have none.
    for owner in [ADELE, SYNC_SP] {
        let remove = app
            .delete(&format!("{list}/{owner}/$ref"))
            .token(&token)
            .send()
            .await;
        assert_eq!(remove.status, 204, "{}", remove.text);
    }
    assert!(ids(&app, &list).await.is_empty());
    let missing = app
        .delete(&format!("{list}/{ADELE}/$ref"))
        .token(&token)
        .send()
        .await;
    missing.assert_error(400, "Request_BadRequest");
    // An unknown application is Graph's 404.
    let unknown = app
        .get("/v1.0/applications/00000000-0000-4000-8000-00000000dead/owners")
        .token(&token)
        .send()
        .await;
    unknown.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn application_owners_need_an_application_permission() {
    let app = TestApp::new().await;
    let list = format!("/v1.0/applications/{}/owners", sync_object());
    let reader = app.app_token(CONTOSO, &["Application.Read.All"]);
    let read = app.get(&list).token(&reader).send().await;
    assert_eq!(read.status, 200, "{}", read.text);
    let add = app
        .post(&format!("{list}/$ref"))
        .token(&reader)
        .json(reference(ADELE))
        .send()
        .await;
    add.assert_error(403, "Authorization_RequestDenied");
    let users_only = app.app_token(CONTOSO, &["User.Read.All"]);
    let refused = app.get(&list).token(&users_only).send().await;
    refused.assert_error(403, "Authorization_RequestDenied");
    assert!(
        ids(&app, &list).await.is_empty(),
        "a refused add changed nothing"
    );
}

#[tokio::test]
async fn application_owners_survive_snapshot_export_and_import() {
    let app = TestApp::new().await;
    let object = sync_object();
    let add = app
        .post(&format!("/v1.0/applications/{object}/owners/$ref"))
        .token(&app.admin())
        .json(reference(ADELE))
        .send()
        .await;
    assert_eq!(add.status, 204, "{}", add.text);
    let first = app.get("/_tenantsim/snapshot").send().await;
    assert_eq!(first.status, 200);
    assert!(first.text.contains("\"applicationOwners\""), "exported");
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
    assert_eq!(
        ids(&fresh, &format!("/v1.0/applications/{object}/owners")).await,
        [ADELE]
    );
    // A reset brings the fixture back: no owners on the application.
    let reset = app
        .post(&format!("/_tenantsim/tenants/{CONTOSO}/reset"))
        .send()
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert!(
        ids(&app, &format!("/v1.0/applications/{object}/owners"))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn created_objects_are_empty_collections() {
    let app = TestApp::new().await;
    let token = app.admin();
    for path in [
        format!("/v1.0/users/{ADELE}/createdObjects"),
        format!("/v1.0/servicePrincipals/{SYNC_SP}/createdObjects"),
        format!("/beta/users/{ADELE}/createdObjects/microsoft.graph.servicePrincipal"),
    ] {
        let response = app.get(&path).token(&token).send().await;
        assert_eq!(response.status, 200, "{path}: {}", response.text);
        assert_eq!(response.json["value"], json!([]), "{path}");
        assert!(
            response.json["@odata.context"]
                .as_str()
                .is_some_and(|c| c.contains("$metadata#")),
            "{path}: {}",
            response.text
        );
    }
    let count = app
        .get(&format!("/v1.0/users/{ADELE}/createdObjects/$count"))
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!((count.status.as_u16(), count.text.as_str()), (200, "0"));
    let one = app
        .get(&format!("/v1.0/users/{ADELE}/createdObjects/{FINANCE}"))
        .token(&token)
        .send()
        .await;
    one.assert_error(404, "Request_ResourceNotFound");
    // /me reads its own with User.Read; another user's need User.Read.All.
    let own = app.user_token(CONTOSO, ADELE, &["User.Read"]).await;
    let mine = app.get("/v1.0/me/createdObjects").token(&own).send().await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(mine.json["value"], json!([]));
    let other = app
        .get(&format!("/v1.0/users/{ALEX}/createdObjects"))
        .token(&own)
        .send()
        .await;
    other.assert_error(403, "Authorization_RequestDenied");
    let unknown = app
        .get("/v1.0/users/00000000-0000-4000-8000-00000000dead/createdObjects")
        .token(&token)
        .send()
        .await;
    unknown.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn device_relationships_answer_as_a_directory_without_devices() {
    let app = TestApp::new().await;
    let device = "00000000-0000-4000-8000-00000000de71";
    let reader = app.app_token(CONTOSO, &["Device.Read.All"]);
    for nav in ["registeredOwners", "registeredUsers"] {
        for tail in ["", "/$count", "/microsoft.graph.user", "/$ref", "/{ADELE}"] {
            let tail = tail.replace("{ADELE}", ADELE);
            let path = format!("/v1.0/devices/{device}/{nav}{tail}");
            let response = app.get(&path).eventual().token(&reader).send().await;
            let message = response.assert_error(404, "Request_ResourceNotFound");
            assert!(message.contains(device), "{path}: {message}");
        }
    }
    // The permission is checked first: without it, the same 403 whether or not it exists.
    let users_only = app.app_token(CONTOSO, &["User.Read.All"]);
    let refused = app
        .get(&format!("/v1.0/devices/{device}/registeredOwners"))
        .token(&users_only)
        .send()
        .await;
    refused.assert_error(403, "Authorization_RequestDenied");
}
