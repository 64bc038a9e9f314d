//! Directory objects of any kind: `directoryObjects/{id}` with `@odata.type`, `getByIds` (ids,
//! types, the 1000-id limit, request order, tenant walls) and `validateProperties`.

use serde_json::json;

use crate::common::*;

const READ: &[&str] = &["Directory.Read.All"];

fn types_of(response: &TestResponse) -> Vec<String> {
    response.json["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|v| v["@odata.type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn get_directory_object_answers_any_kind_with_its_odata_type() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, READ);
    for (id, odata_type, name) in [
        (ADELE, "#microsoft.graph.user", "Adele Vance"),
        (SALES_M365, "#microsoft.graph.group", "Sales and Marketing"),
    ] {
        let response = app
            .get(&format!("/v1.0/directoryObjects/{id}"))
            .token(&token)
            .send()
            .await;
        assert_eq!(response.status, 200, "{}", response.text);
        assert_eq!(response.json["@odata.type"], odata_type);
        assert_eq!(response.json["id"], id);
        assert_eq!(response.json["displayName"], name);
        assert_eq!(
            response.json["@odata.context"],
            "http://localhost:8080/v1.0/$metadata#directoryObjects/$entity"
        );
    }
    let missing = app
        .get("/v1.0/directoryObjects/00000000-0000-4000-8000-0000000000ff")
        .token(&token)
        .send()
        .await;
    missing.assert_error(404, "Request_ResourceNotFound");
    // Fabrikam's objects are not Contoso's.
    let other = app
        .get(&format!("/v1.0/directoryObjects/{FABRIKAM_KIM}"))
        .token(&token)
        .send()
        .await;
    other.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn get_by_ids_returns_the_objects_in_request_order_with_their_types() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, READ);
    let ids = [
        SALES_M365,
        ADELE,
        "00000000-0000-4000-8000-0000000000ff",
        MEGAN,
        FABRIKAM_KIM,
    ];
    let response = app
        .post("/v1.0/directoryObjects/getByIds")
        .token(&token)
        .json(json!({"ids": ids}))
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#directoryObjects"
    );
    assert_eq!(response.ids(), [SALES_M365, ADELE, MEGAN]);
    assert_eq!(
        types_of(&response),
        [
            "#microsoft.graph.group",
            "#microsoft.graph.user",
            "#microsoft.graph.user"
        ]
    );
    // `types` narrows (values are not case-sensitive).
    let users = app
        .post("/v1.0/directoryObjects/getByIds")
        .token(&token)
        .json(json!({"ids": ids, "types": ["USER"]}))
        .send()
        .await;
    assert_eq!(users.ids(), [ADELE, MEGAN]);
    let groups = app
        .post("/v1.0/users/getByIds")
        .token(&token)
        .json(json!({"ids": ids, "types": ["group"]}))
        .send()
        .await;
    assert_eq!(groups.status, 200, "{}", groups.text);
    assert_eq!(groups.ids(), [SALES_M365]);
}

#[tokio::test]
async fn get_by_ids_refuses_more_than_1000_ids_bad_ids_and_unknown_types() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, READ);
    let many: Vec<String> = (0..1001)
        .map(|n| format!("00000000-0000-4000-8000-{n:012}"))
        .collect();
    let response = app
        .post("/v1.0/directoryObjects/getByIds")
        .token(&token)
        .json(json!({"ids": many[..1000]}))
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    for body in [
        json!({"ids": many}),
        json!({}),
        json!({"ids": "x"}),
        json!({"ids": ["not-a-guid"]}),
        json!({"ids": [ADELE], "types": ["widget"]}),
        json!({"ids": [ADELE], "extra": true}),
    ] {
        let response = app
            .post("/v1.0/directoryObjects/getByIds")
            .token(&token)
            .json(body.clone())
            .send()
            .await;
        response.assert_error(400, "Request_BadRequest");
    }
}

#[tokio::test]
async fn validate_properties_answers_204_or_422_for_a_taken_mail_nickname() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, &["Group.Read.All"]);
    let groups = app
        .get(&format!("/v1.0/groups/{SALES_M365}?$select=mailNickname"))
        .token(&app.admin())
        .send()
        .await;
    let taken = groups.json["mailNickname"]
        .as_str()
        .expect("nickname")
        .to_owned();
    let free = app
        .post("/v1.0/directoryObjects/validateProperties")
        .token(&token)
        .json(json!({"entityType": "Group", "displayName": "Project X", "mailNickname": "projectx", "onBehalfOfUserId": ADELE}))
        .send()
        .await;
    assert_eq!(free.status, 204, "{}", free.text);
    let clash = app
        .post("/v1.0/directoryObjects/validateProperties")
        .token(&token)
        .json(json!({"entityType": "Group", "mailNickname": taken.to_uppercase()}))
        .send()
        .await;
    clash.assert_error(422, "Request_UnprocessableEntity");
    assert_eq!(clash.json["error"]["details"][0]["target"], "mailNickname");
    for body in [
        json!({"displayName": "x"}),
        json!({"entityType": "User", "displayName": "x"}),
        json!({"entityType": "Group"}),
        json!({"entityType": "Group", "displayName": 3}),
    ] {
        let response = app
            .post("/v1.0/directoryObjects/validateProperties")
            .token(&token)
            .json(body)
            .send()
            .await;
        response.assert_error(400, "Request_BadRequest");
    }
    let unknown_user = app
        .post("/v1.0/directoryObjects/validateProperties")
        .token(&token)
        .json(json!({"entityType": "Group", "displayName": "x", "onBehalfOfUserId": FABRIKAM_KIM}))
        .send()
        .await;
    unknown_user.assert_error(404, "Request_ResourceNotFound");
}

/// The fixture application with a service principal (tests/api/security.rs).
const SYNC_APP_ID: &str = "c0a70550-a990-4000-8000-000000000301";
const SYNC_SP: &str = "c0a70550-0000-4000-8000-000000000301";

#[tokio::test]
async fn delete_directory_object_deletes_each_kind_with_its_own_permission() {
    let app = TestApp::new().await;
    let users = app.app_token(CONTOSO, &["User.ReadWrite.All"]);
    let groups = app.app_token(CONTOSO, &["Group.ReadWrite.All"]);
    let apps = app.app_token(CONTOSO, &["Application.ReadWrite.All"]);
    let reader = app.app_token(CONTOSO, &["Directory.Read.All"]);
    let exists = |id: &str| {
        let path = format!("/v1.0/directoryObjects/{id}");
        let token = app.app_token(CONTOSO, READ);
        let app = &app;
        async move { app.get(&path).token(&token).send().await.status }
    };
    // Without any delete permission: 403, for a real and an unknown id alike.
    for id in [ALEX, "00000000-0000-4000-8000-00000000dead"] {
        app.delete(&format!("/v1.0/directoryObjects/{id}"))
            .token(&reader)
            .send()
            .await
            .assert_error(403, "Authorization_RequestDenied");
    }
    // Another kind's permission does not delete a user or a group.
    app.delete(&format!("/v1.0/directoryObjects/{ALEX}"))
        .token(&groups)
        .send()
        .await
        .assert_error(403, "Authorization_RequestDenied");
    app.delete(&format!("/v1.0/directoryObjects/{FINANCE}"))
        .token(&users)
        .send()
        .await
        .assert_error(403, "Authorization_RequestDenied");
    assert_eq!(exists(ALEX).await, 200);
    assert_eq!(exists(FINANCE).await, 200);

    // A user, a group.
    for (id, token) in [(ALEX, &users), (FINANCE, &groups)] {
        let response = app
            .delete(&format!("/v1.0/directoryObjects/{id}"))
            .token(token)
            .send()
            .await;
        assert_eq!(response.status, 204, "{}", response.text);
        assert_eq!(exists(id).await, 404);
        app.delete(&format!("/v1.0/directoryObjects/{id}"))
            .token(token)
            .send()
            .await
            .assert_error(404, "Request_ResourceNotFound");
    }
    let gone = app
        .get(&format!("/v1.0/users/{ALEX}"))
        .token(&users)
        .send()
        .await;
    assert_eq!(gone.status, 404, "{}", gone.text);

    // A service principal (its application stays), then an application (its service
    // principal goes with it, as application-delete).
    let application = app
        .get(&format!("/v1.0/applications(appId='{SYNC_APP_ID}')"))
        .token(&apps)
        .send()
        .await;
    assert_eq!(application.status, 200, "{}", application.text);
    let application_id = application.json["id"].as_str().expect("id").to_owned();
    let response = app
        .delete(&format!("/beta/directoryObjects/{SYNC_SP}"))
        .token(&apps)
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert_eq!(exists(SYNC_SP).await, 404);
    assert_eq!(exists(&application_id).await, 200);
    let response = app
        .delete(&format!("/v1.0/directoryObjects/{application_id}"))
        .token(&apps)
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert_eq!(exists(&application_id).await, 404);
}
