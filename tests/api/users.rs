//! Users: list, get, create, update, delete, /me.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn list_users_returns_the_default_property_set() {
    let app = TestApp::new().await;
    let response = app
        .get("/v1.0/users?$top=2")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200);
    insta::assert_json_snapshot!(response.redacted());
}

#[tokio::test]
async fn list_users_with_select_and_top_pages_through_every_user_by_next_link() {
    let app = TestApp::new().await;
    let token = app.admin();
    let everyone = app
        .get("/v1.0/users?$top=999&$select=id")
        .token(&token)
        .send()
        .await;
    assert_eq!(everyone.status, 200, "{}", everyone.text);
    let all_ids = everyone.ids();
    assert_eq!(all_ids.len(), 20, "Contoso has 20 users");

    let mut path = "/v1.0/users?$select=id,displayName&$top=7".to_owned();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = app.get(&path).token(&token).send().await;
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        pages += 1;
        assert_eq!(
            page.json["@odata.context"],
            "http://localhost:8080/v1.0/$metadata#users(id,displayName)",
            "{path}"
        );
        let items = page.json["value"].as_array().expect("value");
        assert!(items.len() <= 7, "{path}: {} items", items.len());
        for item in items {
            let mut keys: Vec<&str> = item
                .as_object()
                .expect("user")
                .keys()
                .map(String::as_str)
                .collect();
            keys.sort_unstable();
            assert_eq!(keys, ["displayName", "id"], "{path}: {item}");
            assert!(item["displayName"].is_string(), "{item}");
        }
        seen.extend(page.ids());
        let Some(link) = page.json["@odata.nextLink"].as_str() else {
            break;
        };
        // Absolute, and it keeps the other query options.
        path = link
            .strip_prefix("http://localhost:8080")
            .unwrap_or_else(|| panic!("nextLink not absolute: {link}"))
            .to_owned();
        assert!(
            path.contains("select=id,displayName") || path.contains("select=id%2CdisplayName"),
            "{path}"
        );
        assert!(path.contains("top=7"), "{path}");
        assert!(pages < 10, "more pages than 20 users need: {path}");
    }
    assert_eq!(pages, 3, "20 users, 7 a page");
    assert_eq!(
        seen, all_ids,
        "every user once, in the same order as one big page"
    );
}

#[tokio::test]
async fn get_user_by_upn_and_by_id_agree() {
    let app = TestApp::new().await;
    let token = app.admin();
    let by_id = app
        .get(&format!("/v1.0/users/{ADELE}"))
        .token(&token)
        .send()
        .await;
    let upn = by_id.json["userPrincipalName"]
        .as_str()
        .expect("upn")
        .to_owned();
    let by_upn = app
        .get(&format!("/v1.0/users/{upn}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.json, by_upn.json);
    assert_eq!(
        by_id.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#users/$entity"
    );
}

#[tokio::test]
async fn get_user_with_select_projects_and_names_the_selection_in_the_context() {
    let app = TestApp::new().await;
    let response = app
        .get(&format!(
            "/v1.0/users/{ADELE}?$select=displayName,city,accountEnabled"
        ))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json,
        json!({
            "@odata.context": "http://localhost:8080/v1.0/$metadata#users(displayName,city,accountEnabled)/$entity",
            "displayName": "Adele Vance",
            "city": response.json["city"],
            "accountEnabled": true,
        })
    );
    assert!(response.json["city"].is_string());
}

#[tokio::test]
async fn get_unknown_user_is_request_resource_not_found() {
    let app = TestApp::new().await;
    let missing = "00000000-0000-4000-8000-00000000dead";
    let response = app
        .get(&format!("/v1.0/users/{missing}"))
        .token(&app.admin())
        .send()
        .await;
    let message = response.assert_error(404, "Request_ResourceNotFound");
    assert_eq!(
        message,
        format!(
            "Resource '{missing}' does not exist or one of its queried reference-property objects are not present."
        )
    );
}

fn new_user(upn: &str) -> serde_json::Value {
    json!({
        "accountEnabled": true,
        "displayName": "Test User",
        "mailNickname": "testuser",
        "userPrincipalName": upn,
        "passwordProfile": {"forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d"},
        "@odata.type": "#microsoft.graph.user"
    })
}

#[tokio::test]
async fn create_user_returns_201_and_the_user_can_be_read_back() {
    let app = TestApp::new().await;
    let token = app.admin();
    let created = app
        .post("/v1.0/users")
        .token(&token)
        .json(new_user("test.user@contoso.com"))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().expect("id");
    assert!(created.json.get("passwordProfile").is_none());
    let read = app
        .get(&format!(
            "/v1.0/users/{id}?$select=userPrincipalName,accountEnabled,createdDateTime,userType"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(read.json["userPrincipalName"], "test.user@contoso.com");
    assert_eq!(read.json["userType"], "Member");
    assert!(
        read.json["createdDateTime"]
            .as_str()
            .expect("timestamp")
            .ends_with('Z')
    );
}

#[tokio::test]
async fn create_user_with_a_taken_upn_is_rejected_and_changes_nothing() {
    let app = TestApp::new().await;
    let token = app.admin();
    let before = app
        .get("/v1.0/users/$count")
        .eventual()
        .token(&token)
        .send()
        .await
        .text;
    // Graph compares UPNs without regard to case; its answer names the property in `details`.
    for taken in [
        "AdeleV@contoso.onmicrosoft.com",
        "adelev@CONTOSO.onmicrosoft.com",
    ] {
        let response = app
            .post("/v1.0/users")
            .token(&token)
            .json(new_user(taken))
            .send()
            .await;
        let message = response.assert_error(400, "Request_BadRequest");
        assert_eq!(
            message,
            "Another object with the same value for property userPrincipalName already exists."
        );
        assert_eq!(
            response.json["error"]["details"],
            json!([{"target": "userPrincipalName", "code": "ObjectConflict"}]),
            "{taken}: {}",
            response.text
        );
    }
    let after = app
        .get("/v1.0/users/$count")
        .eventual()
        .token(&token)
        .send()
        .await
        .text;
    assert_eq!(before, after);
}

#[tokio::test]
async fn create_user_needs_graphs_required_properties_and_a_verified_domain() {
    let app = TestApp::new().await;
    let token = app.admin();
    for missing in [
        "accountEnabled",
        "displayName",
        "mailNickname",
        "passwordProfile",
        "userPrincipalName",
    ] {
        let mut body = new_user("x@contoso.com");
        body.as_object_mut().expect("object").remove(missing);
        let response = app
            .post("/v1.0/users")
            .token(&token)
            .json(body)
            .send()
            .await;
        let message = response.assert_error(400, "Request_BadRequest");
        assert!(
            message.contains(&format!("'{missing}'")),
            "{missing}: {message}"
        );
    }
    let response = app
        .post("/v1.0/users")
        .token(&token)
        .json(new_user("x@fabrikam.com"))
        .send()
        .await;
    let message = response.assert_error(400, "Request_BadRequest");
    assert!(message.contains("verified domain"), "{message}");
    let response = app
        .post("/v1.0/users")
        .token(&token)
        .json(new_user("bad user@contoso.com"))
        .send()
        .await;
    response.assert_error(400, "Request_BadRequest");
}

#[tokio::test]
async fn update_user_answers_204_and_null_clears_a_property() {
    let app = TestApp::new().await;
    let token = app.admin();
    let path = format!("/v1.0/users/{ADELE}");
    let response = app
        .patch(&path)
        .token(&token)
        .json(json!({"jobTitle": "Chief Connector", "officeLocation": null}))
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert!(response.text.is_empty());
    let read = app.get(&path).token(&token).send().await;
    assert_eq!(read.json["jobTitle"], "Chief Connector");
    assert_eq!(read.json["officeLocation"], serde_json::Value::Null);
    assert_eq!(read.json["displayName"], "Adele Vance");
}

#[tokio::test]
async fn update_user_with_a_wrong_type_is_400_and_changes_nothing() {
    let app = TestApp::new().await;
    let token = app.admin();
    let path = format!("/v1.0/users/{ADELE}");
    let before = app.get(&path).token(&token).send().await.json;
    let response = app
        .patch(&path)
        .token(&token)
        .json(json!({"jobTitle": "x", "accountEnabled": "yes"}))
        .send()
        .await;
    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(app.get(&path).token(&token).send().await.json, before);
}

#[tokio::test]
async fn delete_user_answers_204_then_404() {
    let app = TestApp::new().await;
    let token = app.admin();
    let path = format!("/v1.0/users/{ALEX}");
    assert_eq!(app.delete(&path).token(&token).send().await.status, 204);
    app.get(&path)
        .token(&token)
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
    app.delete(&path)
        .token(&token)
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn me_is_the_signed_in_user_and_refused_for_app_tokens() {
    let app = TestApp::new().await;
    let token = app.user_token(CONTOSO, ADELE, &["User.Read"]).await;
    let me = app.get("/v1.0/me").token(&token).send().await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json["id"], ADELE);
    let response = app.get("/v1.0/me").token(&app.admin()).send().await;
    let message = response.assert_error(400, "BadRequest");
    assert_eq!(
        message,
        "/me request is only valid with delegated authentication flow."
    );
}

#[tokio::test]
async fn beta_returns_every_stored_property_without_select() {
    let app = TestApp::new().await;
    let response = app
        .get(&format!("/beta/users/{ADELE}"))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/beta/$metadata#users/$entity"
    );
    assert!(response.json.get("city").is_some());
    assert!(response.json.get("accountEnabled").is_some());
}

#[tokio::test]
async fn a_read_after_a_write_sees_the_write_through_the_object_cache() {
    let app = TestApp::new().await;
    let token = app.admin();
    let path = format!("/v1.0/users/{ADELE}");
    let upn_path = "/v1.0/users/AdeleV@contoso.onmicrosoft.com";
    assert_eq!(
        app.get(&path).token(&token).send().await.json["jobTitle"],
        "Retail Manager"
    );
    assert_eq!(
        app.get(upn_path).token(&token).send().await.json["jobTitle"],
        "Retail Manager"
    );
    let patched = app
        .patch(&path)
        .token(&token)
        .json(json!({"jobTitle": "Cached?"}))
        .send()
        .await;
    assert_eq!(patched.status, 204);
    assert_eq!(
        app.get(&path).token(&token).send().await.json["jobTitle"],
        "Cached?"
    );
    assert_eq!(
        app.get(upn_path).token(&token).send().await.json["jobTitle"],
        "Cached?"
    );
    assert_eq!(app.delete(&path).token(&token).send().await.status, 204);
    app.get(upn_path)
        .token(&token)
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
}

/// An unrelated write moves the write generation, so the same reads now come from the
/// database: each must answer exactly what it answered before (`first`, from the cache).
async fn reads_match_after_an_unrelated_write(
    app: &TestApp,
    token: &str,
    paths: &[String],
    first: &[String],
) {
    let other = app
        .patch(&format!("/v1.0/users/{ADELE}"))
        .token(token)
        .json(json!({"jobTitle": "Elsewhere"}))
        .send()
        .await;
    assert_eq!(other.status, 204);
    for (path, cached) in paths.iter().zip(first) {
        let read = app.get(path).token(token).send().await;
        assert_eq!(&read.text, cached, "{path}");
    }
}

#[tokio::test]
async fn a_created_user_reads_back_the_same_from_the_write_through_cache_and_the_database() {
    let app = TestApp::new().await;
    let token = app.admin();
    let created = app
        .post("/v1.0/users")
        .token(&token)
        .json(new_user("Cache.Probe@contoso.com"))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().expect("id").to_owned();
    // Right after the create (the cache holds the committed row), by id and by UPN in
    // another case, in both versions.
    let paths = [
        format!("/v1.0/users/{id}"),
        "/beta/users/cache.probe@CONTOSO.com".to_owned(),
        format!("/v1.0/users/{id}?$select=id,userPrincipalName,createdDateTime,userType"),
    ];
    let mut first = Vec::new();
    for path in &paths {
        let read = app.get(path).token(&token).send().await;
        assert_eq!(read.status, 200, "{path}: {}", read.text);
        assert_eq!(read.json["id"], id.as_str(), "{path}");
        first.push(read.text);
    }
    reads_match_after_an_unrelated_write(&app, &token, &paths, &first).await;
    // And the created user's own later writes are seen at once.
    let patched = app
        .patch(&format!("/v1.0/users/{id}"))
        .token(&token)
        .json(json!({"jobTitle": "Probe"}))
        .send()
        .await;
    assert_eq!(patched.status, 204);
    let read = app.get(&paths[1]).token(&token).send().await;
    assert_eq!(read.json["jobTitle"], "Probe", "{}", read.text);
    assert_eq!(
        app.delete(&format!("/v1.0/users/{id}"))
            .token(&token)
            .send()
            .await
            .status,
        204
    );
    app.get(&paths[0])
        .token(&token)
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn a_patched_user_reads_back_the_same_from_the_write_through_cache_and_the_database() {
    let app = TestApp::new().await;
    let token = app.admin();
    let before = app
        .get(&format!("/v1.0/users/{ALEX}"))
        .token(&token)
        .send()
        .await;
    let old_upn = before.json["userPrincipalName"]
        .as_str()
        .expect("userPrincipalName")
        .to_owned();
    let patched = app
        .patch(&format!("/v1.0/users/{ALEX}"))
        .token(&token)
        .json(json!({
            "jobTitle": "Write-through",
            "officeLocation": null,
            "userPrincipalName": "Alex.Renamed@contoso.com",
            "passwordProfile": {"password": "Str0ng!Passw0rd#1"}
        }))
        .send()
        .await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    // Right after the PATCH (the cache holds the replaced row): by id, by the new UPN in
    // another case, beta, and a $select.
    let paths = [
        format!("/v1.0/users/{ALEX}"),
        "/beta/users/alex.RENAMED@contoso.com".to_owned(),
        format!("/v1.0/users/{ALEX}?$select=id,userPrincipalName,jobTitle,officeLocation"),
    ];
    let mut first = Vec::new();
    for path in &paths {
        let read = app.get(path).token(&token).send().await;
        assert_eq!(read.status, 200, "{path}: {}", read.text);
        assert_eq!(read.json["jobTitle"], "Write-through", "{path}");
        assert_eq!(
            read.json["userPrincipalName"], "Alex.Renamed@contoso.com",
            "{path}"
        );
        first.push(read.text);
    }
    let old_path = format!("/v1.0/users/{old_upn}");
    app.get(&old_path)
        .token(&token)
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
    reads_match_after_an_unrelated_write(&app, &token, &paths, &first).await;
    app.get(&old_path)
        .token(&token)
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
}
