//! JSON batching: `dependsOn` / `depends_on` ordering, 424 after a failed prerequisite,
//! per-item 401/403/404, the `/v1.0` prefix rule (D9), batch-level 400s and real writes.

use serde_json::{Value, json};

use crate::common::*;
use tenantsim::Settings;

async fn batch(app: &TestApp, token: Option<&str>, body: Value) -> TestResponse {
    let request = app.post("/v1.0/$batch").json(body);
    match token {
        Some(token) => request.token(token).send().await,
        None => request.send().await,
    }
}

/// The response item with this id.
fn item<'a>(response: &'a TestResponse, id: &str) -> &'a Value {
    response.json["responses"]
        .as_array()
        .expect("responses")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no response {id} in {}", response.text))
}

fn new_group(nickname: &str) -> Value {
    json!({
        "displayName": format!("Batch {nickname}"),
        "mailEnabled": false,
        "mailNickname": nickname,
        "securityEnabled": true,
        "groupTypes": []
    })
}

#[tokio::test]
async fn batch_runs_items_after_their_dependencies_with_depends_on_and_snake_case() {
    let app = TestApp::new().await;
    let by_nickname = "/groups?$filter=mailNickname eq 'batchordered'&$select=id,displayName";
    let response = batch(
        &app,
        Some(&app.admin()),
        json!({"requests": [
            {"id": "check-camel", "method": "GET", "url": by_nickname, "dependsOn": ["create"]},
            {"id": "check-snake", "method": "GET", "url": by_nickname, "depends_on": ["create"],
             "headers": {"accept": "application/json"}},
            {"id": "create", "method": "POST", "url": "/groups", "depends_on": [],
             "headers": {"Content-Type": "application/json"}, "body": new_group("batchordered")},
        ]}),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(
        response.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/json")
    );
    let created = item(&response, "create");
    assert_eq!(created["status"], 201, "{created}");
    assert_eq!(created["body"]["displayName"], "Batch batchordered");
    assert!(
        created["headers"]["Content-Type"]
            .as_str()
            .expect("item content type")
            .starts_with("application/json")
    );
    for id in ["check-camel", "check-snake"] {
        let check = item(&response, id);
        assert_eq!(check["status"], 200, "{check}");
        assert_eq!(
            check["body"]["value"][0]["id"], created["body"]["id"],
            "{check}"
        );
    }
}

#[tokio::test]
async fn a_failed_prerequisite_makes_its_dependents_424() {
    let app = TestApp::new().await;
    let missing = "c0a70550-0000-4000-8000-0000000009ff";
    let response = batch(
        &app,
        Some(&app.admin()),
        json!({"requests": [
            {"id": "1", "method": "GET", "url": format!("/groups/{missing}")},
            {"id": "2", "method": "GET", "url": format!("/groups/{SALES_M365}"), "dependsOn": ["1"]},
            {"id": "3", "method": "GET", "url": "/groups?$top=1", "dependsOn": ["2"]},
            {"id": "4", "method": "GET", "url": format!("/groups/{SALES_M365}")},
        ]}),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(item(&response, "1")["status"], 404);
    assert_eq!(
        item(&response, "1")["body"]["error"]["code"],
        "Request_ResourceNotFound"
    );
    for id in ["2", "3"] {
        let failed = item(&response, id);
        assert_eq!(failed["status"], 424, "{failed}");
        assert_eq!(failed["body"]["error"]["code"], "FailedDependency");
        assert!(failed["body"]["error"]["innerError"]["request-id"].is_string());
    }
    assert_eq!(item(&response, "4")["status"], 200);
}

#[tokio::test]
async fn items_answer_their_own_401_403_and_404() {
    let app = TestApp::new().await;
    let requests = json!({"requests": [
        {"id": "group", "method": "GET", "url": format!("/groups/{SALES_M365}")},
        {"id": "users", "method": "GET", "url": "/users"},
        {"id": "missing", "method": "GET", "url": "/groups/c0a70550-0000-4000-8000-0000000009ff"},
    ]});
    let token = app.app_token(CONTOSO, &["Group.Read.All"]);
    let response = batch(&app, Some(&token), requests.clone()).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(item(&response, "group")["status"], 200);
    assert_eq!(item(&response, "users")["status"], 403);
    assert_eq!(
        item(&response, "users")["body"]["error"]["code"],
        "Authorization_RequestDenied"
    );
    assert_eq!(item(&response, "missing")["status"], 404);

    let anonymous = batch(&app, None, requests).await;
    assert_eq!(anonymous.status, 200, "{}", anonymous.text);
    for id in ["group", "users", "missing"] {
        let answer = item(&anonymous, id);
        assert_eq!(answer["status"], 401, "{answer}");
        assert_eq!(
            answer["body"]["error"]["code"],
            "InvalidAuthenticationToken"
        );
        assert!(
            answer["headers"]["Www-Authenticate"].is_string(),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn item_urls_keeping_the_version_are_400_by_default() {
    let app = TestApp::new().await;
    let response = batch(
        &app,
        Some(&app.admin()),
        json!({"requests": [
            {"id": "js", "method": "GET", "url": format!("/v1.0/groups/{SALES_M365}")},
            {"id": "plain", "method": "GET", "url": format!("/groups/{SALES_M365}")},
        ]}),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let js = item(&response, "js");
    assert_eq!(js["status"], 400);
    assert_eq!(js["body"]["error"]["code"], "BadRequest");
    assert_eq!(
        js["body"]["error"]["message"],
        "Resource not found for the segment 'v1.0'."
    );
    assert_eq!(item(&response, "plain")["status"], 200);
}

#[tokio::test]
async fn item_urls_keeping_the_version_work_when_lenient() {
    let app = TestApp::with_settings(Settings {
        lenient_batch_urls: true,
        ..Settings::default()
    })
    .await;
    let response = batch(
        &app,
        Some(&app.admin()),
        json!({"requests": [
            {"id": "v1", "method": "GET", "url": format!("/v1.0/groups/{SALES_M365}")},
            {"id": "beta", "method": "GET", "url": format!("/beta/groups/{SALES_M365}?$select=id")},
        ]}),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(item(&response, "v1")["status"], 200);
    assert_eq!(item(&response, "v1")["body"]["id"], SALES_M365);
    assert_eq!(item(&response, "beta")["status"], 200);
}

#[tokio::test]
async fn more_than_20_requests_is_400_and_20_are_fine() {
    let app = TestApp::new().await;
    let requests = |n: usize| -> Value {
        let items: Vec<Value> = (0..n)
            .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/groups?$top=1"}))
            .collect();
        json!({ "requests": items })
    };
    let twenty = batch(&app, Some(&app.admin()), requests(20)).await;
    assert_eq!(twenty.status, 200, "{}", twenty.text);
    assert_eq!(
        twenty.json["responses"]
            .as_array()
            .expect("responses")
            .len(),
        20
    );
    let too_many = batch(&app, Some(&app.admin()), requests(21)).await;
    let message = too_many.assert_error(400, "BadRequest");
    assert!(message.contains("20"), "{message}");
}

#[tokio::test]
async fn duplicate_ids_unknown_dependencies_and_cycles_are_400_for_the_whole_batch() {
    let app = TestApp::new().await;
    let get = |id: &str, deps: &[&str]| json!({"id": id, "method": "GET", "url": "/groups?$top=1", "dependsOn": deps});
    for requests in [
        json!([get("a", &[]), get("A", &[])]),
        json!([get("a", &[]), get("b", &["nope"])]),
        json!([get("a", &["b"]), get("b", &["a"])]),
        json!([get("a", &["a"])]),
    ] {
        let response = batch(&app, Some(&app.admin()), json!({ "requests": requests })).await;
        response.assert_error(400, "BadRequest");
        assert!(response.json.get("responses").is_none());
    }
}

#[tokio::test]
async fn malformed_batches_are_400_graph_shaped() {
    let app = TestApp::new().await;
    let not_json = app
        .post("/v1.0/$batch")
        .token(&app.admin())
        .raw_body("application/json", "{\"requests\": [")
        .send()
        .await;
    not_json.assert_error(400, "BadRequest");
    for body in [
        json!({}),
        json!({"requests": {}}),
        json!({"requests": [{"id": "1", "url": "/groups"}]}),
        json!({"requests": [{"id": "1", "method": "GET"}]}),
    ] {
        batch(&app, Some(&app.admin()), body)
            .await
            .assert_error(400, "BadRequest");
    }
    // Graph's rule for a write item without Content-Type or body fails the whole batch.
    let response = batch(
        &app,
        Some(&app.admin()),
        json!({"requests": [
            {"id": "w", "method": "POST", "url": "/groups", "body": new_group("nocontenttype")}
        ]}),
    )
    .await;
    let message = response.assert_error(400, "BadRequest");
    assert_eq!(
        message,
        "Write request id : w does not contain Content-Type header or body."
    );
}

#[tokio::test]
async fn write_items_really_change_the_directory() {
    let app = TestApp::new().await;
    let json_headers = json!({"Content-Type": "application/json"});
    let response = batch(
        &app,
        Some(&app.admin()),
        json!({"requests": [
            {"id": "create", "method": "POST", "url": "/groups", "headers": json_headers,
             "body": new_group("batchwrites")},
            {"id": "rename", "method": "PATCH", "url": format!("/groups/{FINANCE}"),
             "headers": json_headers, "body": {"displayName": "Finance (renamed in a batch)"}},
            {"id": "add", "method": "POST", "url": format!("/groups/{FINANCE}/members/$ref"),
             "headers": json_headers, "body": reference(LYNNE_NO_GROUPS), "dependsOn": ["rename"]},
            {"id": "delete", "method": "DELETE", "url": format!("/groups/{MARK8_M365}")},
        ]}),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(item(&response, "create")["status"], 201);
    for id in ["rename", "add", "delete"] {
        let answer = item(&response, id);
        assert_eq!(answer["status"], 204, "{answer}");
        assert!(answer.get("body").is_none(), "{answer}");
    }
    let admin = app.admin();
    let finance = app
        .get(&format!("/v1.0/groups/{FINANCE}"))
        .token(&admin)
        .send()
        .await;
    assert_eq!(finance.json["displayName"], "Finance (renamed in a batch)");
    let members = app
        .get(&format!("/v1.0/groups/{FINANCE}/members?$select=id"))
        .token(&admin)
        .send()
        .await;
    assert!(
        members.ids().contains(&LYNNE_NO_GROUPS.to_owned()),
        "{}",
        members.text
    );
    let deleted = app
        .get(&format!("/v1.0/groups/{MARK8_M365}"))
        .token(&admin)
        .send()
        .await;
    deleted.assert_error(404, "Request_ResourceNotFound");
    let created = app
        .get("/v1.0/groups?$filter=mailNickname eq 'batchwrites'")
        .token(&admin)
        .send()
        .await;
    assert_eq!(created.ids().len(), 1, "{}", created.text);
}

#[tokio::test]
async fn beta_batch_runs_items_in_beta() {
    let app = TestApp::new().await;
    let response = app
        .post("/beta/$batch")
        .token(&app.admin())
        .json(json!({"requests": [
            {"id": "1", "method": "GET", "url": format!("/groups/{SALES_M365}")}
        ]}))
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let body = &item(&response, "1")["body"];
    assert!(
        body["@odata.context"]
            .as_str()
            .expect("context")
            .contains("/beta/$metadata#groups"),
        "{body}"
    );
}

#[tokio::test]
async fn items_in_graphs_other_spellings_are_served_like_their_own_requests() {
    let app = TestApp::new().await;
    let token = app.admin();
    let response = batch(
        &app,
        Some(&token),
        json!({"requests": [
            {"id": "1", "method": "GET", "url": "/groups/delta()"},
            {"id": "2", "method": "GET", "url": "/groups/microsoft.graph.delta()"},
            {"id": "3", "method": "GET", "url": format!("/Groups/{FINANCE}/members/graph.user?$count=true"),
             "headers": {"ConsistencyLevel": "eventual"}},
            {"id": "4", "method": "GET", "url": format!("/users/{ADELE}/calendar")}
        ]}),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    for id in ["1", "2", "3"] {
        let answer = item(&response, id);
        assert_eq!(answer["status"], 200, "{answer}");
        assert!(answer["body"]["value"].is_array(), "{answer}");
    }
    let answer = item(&response, "4");
    assert_eq!(answer["status"], 501, "{answer}");
    assert_eq!(
        answer["body"]["error"]["code"], "NotImplemented",
        "{answer}"
    );
}
