//! Delta query for groups: a paged initial sync ending in a deltaLink, then exactly what
//! changed (renames, member adds and removals, deletions), empty rounds, and bad or expired
//! tokens (D12).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::*;

const ORIGIN: &str = "http://localhost:8080";

/// Follows nextLinks from `path`; returns every item and the final deltaLink (relative).
async fn sync(app: &TestApp, token: &str, path: &str) -> (Vec<Value>, String, usize) {
    let mut items = Vec::new();
    let mut url = path.to_owned();
    let mut pages = 0;
    loop {
        let response = app.get(&url).token(token).send().await;
        assert_eq!(response.status, 200, "{}", response.text);
        pages += 1;
        assert!(pages < 50, "paging does not end");
        items.extend(response.json["value"].as_array().expect("value").clone());
        let next = response.json["@odata.nextLink"].as_str();
        let delta = response.json["@odata.deltaLink"].as_str();
        match (next, delta) {
            (Some(next), None) => {
                assert!(next.contains("$skiptoken="), "{next}");
                url = next.strip_prefix(ORIGIN).expect("absolute link").to_owned();
            }
            (None, Some(delta)) => {
                assert!(delta.contains("$deltatoken="), "{delta}");
                let relative = delta.strip_prefix(ORIGIN).expect("absolute link");
                return (items, relative.to_owned(), pages);
            }
            _ => panic!(
                "a page needs exactly one of nextLink and deltaLink: {}",
                response.text
            ),
        }
    }
}

const START: &str = "/v1.0/groups/delta?$select=displayName,description&$expand=members&$top=3";

#[tokio::test]
async fn initial_delta_sync_pages_through_every_group_and_ends_with_a_delta_link() {
    let app = TestApp::new().await;
    let token = app.admin();
    let (items, delta_link, pages) = sync(&app, &token, START).await;
    let all = app
        .get("/v1.0/groups?$select=id")
        .token(&token)
        .send()
        .await;
    assert!(pages >= 2, "{pages} pages");
    let ids: Vec<String> = items
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(sorted(&ids), sorted(&all.ids()));
    assert!(
        delta_link.starts_with("/v1.0/groups/delta?"),
        "{delta_link}"
    );
    let sales = items.iter().find(|i| i["id"] == SALES_M365).expect("sales");
    let mut keys: Vec<&str> = sales
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["description", "displayName", "id", "members@delta"]);
    let members = sales["members@delta"].as_array().expect("members@delta");
    assert_eq!(members.len(), 5, "{sales}");
    assert!(
        members
            .iter()
            .all(|m| m["@odata.type"] == "#microsoft.graph.user" && m["@removed"].is_null())
    );
    let pilot = items
        .iter()
        .find(|i| i["id"] == LINKEDIN_PILOT)
        .expect("pilot");
    assert!(
        pilot["members@delta"]
            .as_array()
            .expect("members")
            .contains(&json!({"@odata.type": "#microsoft.graph.group", "id": RETAIL_EUROPE}))
    );
}

#[tokio::test]
async fn delta_link_returns_exactly_the_changes_since_the_sync() {
    let app = TestApp::new().await;
    let token = app.admin();
    let (_, delta_link, _) = sync(&app, &token, START).await;

    let added = app
        .post(&format!("/v1.0/groups/{FINANCE}/members/$ref"))
        .token(&token)
        .json(reference(LYNNE_NO_GROUPS))
        .send()
        .await;
    assert_eq!(added.status, 204, "{}", added.text);
    let removed_member = user(15);
    let removed = app
        .delete(&format!(
            "/v1.0/groups/{IT_ADMINS}/members/{removed_member}/$ref"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    let renamed = app
        .patch(&format!("/v1.0/groups/{RETAIL_MUNICH}"))
        .token(&token)
        .json(json!({"displayName": "Munich Flagship"}))
        .send()
        .await;
    assert_eq!(renamed.status, 204, "{}", renamed.text);
    let deleted = app
        .delete(&format!("/v1.0/groups/{MARK8_M365}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);

    let (items, _, _) = sync(&app, &token, &delta_link).await;
    let ids: BTreeSet<&str> = items
        .iter()
        .map(|i| i["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        BTreeSet::from([FINANCE, IT_ADMINS, RETAIL_MUNICH, MARK8_M365]),
        "{items:#?}"
    );
    let by_id = |id: &str| items.iter().find(|i| i["id"] == id).expect("item");
    assert_eq!(
        by_id(FINANCE)["members@delta"],
        json!([{"@odata.type": "#microsoft.graph.user", "id": LYNNE_NO_GROUPS}])
    );
    assert_eq!(
        by_id(IT_ADMINS)["members@delta"],
        json!([{"@odata.type": "#microsoft.graph.user", "id": removed_member,
                "@removed": {"reason": "deleted"}}])
    );
    let munich = by_id(RETAIL_MUNICH);
    assert_eq!(munich["displayName"], "Munich Flagship");
    assert!(munich.get("members@delta").is_none(), "{munich}");
    assert_eq!(
        by_id(MARK8_M365),
        &json!({"id": MARK8_M365, "@removed": {"reason": "deleted"}})
    );
}

#[tokio::test]
async fn delta_round_with_many_changes_pages_too() {
    let app = TestApp::new().await;
    let token = app.admin();
    let (_, delta_link, _) = sync(&app, &token, START).await;
    for group in [FINANCE, IT_ADMINS, RETAIL_MUNICH, RETAIL_EUROPE] {
        let response = app
            .patch(&format!("/v1.0/groups/{group}"))
            .token(&token)
            .json(json!({"description": "changed"}))
            .send()
            .await;
        assert_eq!(response.status, 204, "{}", response.text);
    }
    let (items, _, pages) = sync(&app, &token, &delta_link).await;
    assert_eq!(pages, 2);
    assert_eq!(items.len(), 4);
    assert!(items.iter().all(|i| i["description"] == "changed"));
}

#[tokio::test]
async fn delta_without_changes_is_empty_with_the_same_delta_link() {
    let app = TestApp::new().await;
    let token = app.admin();
    let (_, delta_link, _) = sync(&app, &token, START).await;
    // A change in another tenant is not this tenant's change.
    let fabrikam = app.app_token(FABRIKAM, ALL_ROLES);
    let other = app
        .patch(&format!("/v1.0/groups/{FABRIKAM_STAFF}"))
        .token(&fabrikam)
        .json(json!({"description": "elsewhere"}))
        .send()
        .await;
    assert_eq!(other.status, 204, "{}", other.text);
    let response = app.get(&delta_link).token(&token).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json["value"], json!([]));
    assert!(response.json.get("@odata.nextLink").is_none());
    assert_eq!(
        response.json["@odata.deltaLink"],
        format!("{ORIGIN}{delta_link}")
    );
}

#[tokio::test]
async fn bad_delta_tokens_are_400_and_expired_ones_410() {
    let app = TestApp::new().await;
    let token = app.admin();
    for bad in ["not-a-token", "eyJwIjoxfQ"] {
        let response = app
            .get(&format!("/v1.0/groups/delta?$deltatoken={bad}"))
            .token(&token)
            .send()
            .await;
        response.assert_error(400, "Request_BadRequest");
    }
    let bad_skip = app
        .get("/v1.0/groups/delta?$skiptoken=garbage")
        .token(&token)
        .send()
        .await;
    bad_skip.assert_error(400, "Request_BadRequest");

    let (_, delta_link, _) = sync(&app, &token, START).await;
    app.state.clock.set_offset(8 * 24 * 3600);
    let token = app.admin();
    let expired = app.get(&delta_link).token(&token).send().await;
    expired.assert_error(410, "syncStateNotFound");
}

#[tokio::test]
async fn delta_needs_a_group_read_permission() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, &["User.Read.All"]);
    let response = app.get("/v1.0/groups/delta").token(&token).send().await;
    response.assert_error(403, "Authorization_RequestDenied");
}
