//! Delta query for users and service principals (groups: tests/api/delta.rs), and the
//! `delta()` / `microsoft.graph.delta()` spellings the SDKs send on every set.

use serde_json::{Value, json};

use crate::common::*;

const ORIGIN: &str = "http://localhost:8080";

/// Follows nextLinks from `path`; returns every item and the final deltaLink (relative).
async fn sync(app: &TestApp, token: &str, path: &str) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut url = path.to_owned();
    for _ in 0..50 {
        let response = app.get(&url).token(token).send().await;
        assert_eq!(response.status, 200, "{url}: {}", response.text);
        items.extend(response.json["value"].as_array().expect("value").clone());
        let next = response.json["@odata.nextLink"].as_str();
        let delta = response.json["@odata.deltaLink"].as_str();
        match (next, delta) {
            (Some(next), None) => {
                url = next.strip_prefix(ORIGIN).expect("absolute").to_owned();
            }
            (None, Some(delta)) => {
                return (
                    items,
                    delta.strip_prefix(ORIGIN).expect("absolute").to_owned(),
                );
            }
            _ => panic!("exactly one of nextLink and deltaLink: {}", response.text),
        }
    }
    panic!("paging does not end")
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn every_delta_spelling_answers_on_users_groups_and_service_principals() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, &["Directory.Read.All"]);
    for set in ["users", "groups", "servicePrincipals"] {
        for spelling in ["delta", "delta()", "microsoft.graph.delta()"] {
            let path = format!("/v1.0/{set}/{spelling}?$select=displayName");
            let response = app.get(&path).token(&token).send().await;
            assert_eq!(response.status, 200, "{path}: {}", response.text);
            assert_eq!(
                response.json["@odata.context"],
                format!("{ORIGIN}/v1.0/$metadata#{set}(displayName)")
            );
            let link = response.json["@odata.deltaLink"]
                .as_str()
                .or(response.json["@odata.nextLink"].as_str())
                .expect("a link");
            assert!(
                link.starts_with(&format!("{ORIGIN}/v1.0/{set}/{spelling}?")),
                "{link}"
            );
        }
    }
}

#[tokio::test]
async fn users_delta_pages_every_user_then_reports_creations_updates_and_deletions() {
    let app = TestApp::new().await;
    let token = app.admin();
    let (items, delta_link) = sync(
        &app,
        &token,
        "/v1.0/users/delta()?$select=displayName,jobTitle&$top=7",
    )
    .await;
    let all = all_pages(&app, &token, "/v1.0/users?$select=id&$top=999").await;
    let every: Vec<String> = all
        .iter()
        .flat_map(|p| p["value"].as_array().expect("value").clone())
        .map(|u| u["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(sorted(&ids(&items)), sorted(&every));
    assert_eq!(
        items[0]
            .as_object()
            .expect("object")
            .keys()
            .collect::<Vec<_>>(),
        ["id", "displayName", "jobTitle"]
    );
    // Nothing happened: an empty round with the same deltaLink.
    let quiet = app.get(&delta_link).token(&token).send().await;
    assert_eq!(quiet.json["value"], json!([]));
    assert!(
        quiet.json["@odata.deltaLink"]
            .as_str()
            .expect("link")
            .ends_with(&delta_link)
    );

    let created = app
        .post("/v1.0/users")
        .token(&token)
        .json(json!({
            "accountEnabled": true, "displayName": "Delta Probe", "mailNickname": "deltaprobe",
            "userPrincipalName": "deltaprobe@contoso.onmicrosoft.com",
            "passwordProfile": {"forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d"}
        }))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let probe = created.json["id"].as_str().expect("id").to_owned();
    let renamed = app
        .patch(&format!("/v1.0/users/{ADELE}"))
        .token(&token)
        .json(json!({"jobTitle": "Delta Tester"}))
        .send()
        .await;
    assert_eq!(renamed.status, 204);
    let deleted = app
        .delete(&format!("/v1.0/users/{ALEX}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(deleted.status, 204);
    let (changes, next_link) = sync(&app, &token, &delta_link).await;
    assert_eq!(
        sorted(&ids(&changes)),
        sorted(&[probe.as_str(), ADELE, ALEX])
    );
    let adele = changes.iter().find(|c| c["id"] == ADELE).expect("Adele");
    assert_eq!(adele["jobTitle"], "Delta Tester");
    let alex = changes.iter().find(|c| c["id"] == ALEX).expect("Alex");
    assert_eq!(alex["@removed"], json!({"reason": "deleted"}));
    // Group changes are not user changes.
    let group = app
        .patch(&format!("/v1.0/groups/{FINANCE}"))
        .token(&token)
        .json(json!({"description": "not a user"}))
        .send()
        .await;
    assert_eq!(group.status, 204);
    let (after, _) = sync(&app, &token, &next_link).await;
    assert_eq!(after, Vec::<Value>::new());
}

#[tokio::test]
async fn service_principals_delta_lists_every_service_principal_and_refuses_bad_tokens() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, &["Directory.Read.All"]);
    let (items, delta_link) = sync(&app, &token, "/v1.0/servicePrincipals/delta()").await;
    let listed = app
        .get("/v1.0/servicePrincipals?$select=id&$top=999")
        .token(&token)
        .send()
        .await;
    assert_eq!(sorted(&ids(&items)), sorted(&listed.ids()));
    assert!(items[0]["appId"].is_string());
    assert!(delta_link.contains("$deltatoken="));
    let bad = app
        .get("/v1.0/servicePrincipals/delta()?$deltatoken=nope")
        .token(&token)
        .send()
        .await;
    let message = bad.assert_error(400, "Request_BadRequest");
    assert!(message.contains("/servicePrincipals/delta"), "{message}");
    let denied = app
        .get("/v1.0/servicePrincipals/delta()")
        .token(&app.app_token(CONTOSO, &["User.Read.All"]))
        .send()
        .await;
    denied.assert_error(403, "Authorization_RequestDenied");
    let users_denied = app
        .get("/v1.0/users/delta()")
        .token(&app.app_token(CONTOSO, &["Group.Read.All"]))
        .send()
        .await;
    users_denied.assert_error(403, "Authorization_RequestDenied");
}

#[tokio::test]
async fn applications_delta_lists_every_application_then_reports_its_changes_only() {
    let app = TestApp::new().await;
    let reader = app.app_token(CONTOSO, &["Application.Read.All"]);
    let writer = app.app_token(CONTOSO, &["Application.ReadWrite.All"]);
    let (items, delta_link) = sync(
        &app,
        &reader,
        "/v1.0/applications/delta?$select=displayName,appId&$top=2",
    )
    .await;
    let listed = app
        .get("/v1.0/applications?$select=id&$top=999")
        .token(&reader)
        .send()
        .await;
    assert!(listed.ids().len() > 2, "{}", listed.text);
    assert_eq!(sorted(&ids(&items)), sorted(&listed.ids()));
    assert_eq!(
        items[0]
            .as_object()
            .expect("object")
            .keys()
            .collect::<Vec<_>>(),
        ["id", "displayName", "appId"]
    );
    assert!(
        delta_link.starts_with("/v1.0/applications/delta?"),
        "{delta_link}"
    );
    let quiet = app.get(&delta_link).token(&reader).send().await;
    assert_eq!(quiet.json["value"], json!([]), "{}", quiet.text);

    let created = app
        .post("/v1.0/applications")
        .token(&writer)
        .json(json!({"displayName": "Delta App"}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let probe = created.json["id"].as_str().expect("id").to_owned();
    let ids_listed = listed.ids();
    let (renamed_id, deleted_id) = (&ids_listed[0], &ids_listed[1]);
    let renamed = app
        .patch(&format!("/v1.0/applications/{renamed_id}"))
        .token(&writer)
        .json(json!({"displayName": "Renamed For Delta"}))
        .send()
        .await;
    assert_eq!(renamed.status, 204, "{}", renamed.text);
    // Deleting an application also deletes its service principal: not an application change.
    let deleted = app
        .delete(&format!("/v1.0/applications/{deleted_id}"))
        .token(&writer)
        .send()
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let user = app
        .patch(&format!("/v1.0/users/{ADELE}"))
        .token(&app.admin())
        .json(json!({"jobTitle": "Not an application"}))
        .send()
        .await;
    assert_eq!(user.status, 204);
    let (changes, _) = sync(&app, &reader, &delta_link).await;
    assert_eq!(
        sorted(&ids(&changes)),
        sorted(&[probe.as_str(), renamed_id.as_str(), deleted_id.as_str()])
    );
    let new = changes
        .iter()
        .find(|c| c["id"] == probe.as_str())
        .expect("new");
    assert_eq!(new["displayName"], "Delta App");
    assert_eq!(new["appId"], created.json["appId"]);
    let changed = changes
        .iter()
        .find(|c| &c["id"] == renamed_id)
        .expect("renamed");
    assert_eq!(changed["displayName"], "Renamed For Delta");
    let gone = changes
        .iter()
        .find(|c| &c["id"] == deleted_id)
        .expect("deleted");
    assert_eq!(gone["@removed"], json!({"reason": "deleted"}));

    for spelling in ["delta", "delta()", "microsoft.graph.delta()"] {
        let path = format!("/v1.0/applications/{spelling}?$select=displayName");
        let response = app.get(&path).token(&reader).send().await;
        assert_eq!(response.status, 200, "{path}: {}", response.text);
        assert_eq!(
            response.json["@odata.context"],
            format!("{ORIGIN}/v1.0/$metadata#applications(displayName)")
        );
    }
    let bad = app
        .get("/v1.0/applications/delta()?$deltatoken=nope")
        .token(&reader)
        .send()
        .await;
    let message = bad.assert_error(400, "Request_BadRequest");
    assert!(message.contains("/applications/delta"), "{message}");
    let denied = app
        .get("/v1.0/applications/delta()")
        .token(&app.app_token(CONTOSO, &["User.Read.All"]))
        .send()
        .await;
    denied.assert_error(403, "Authorization_RequestDenied");
}
