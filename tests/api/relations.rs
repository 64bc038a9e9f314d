//! Relationships read through the declared engine: manager / directReports / `$expand=manager`,
//! owners / ownedObjects, memberOf with directory roles, casts in both spellings, `/$count`,
//! `/{id}`, `$ref` lists and Graph's advanced-query rules (aad-advanced-queries).

use serde_json::{Value, json};

use crate::common::*;

pub const PATTI_CEO: &str = "c0a70550-0000-4000-8000-000000000108";
pub const PRADEEP: &str = "c0a70550-0000-4000-8000-000000000109";
pub const MIRIAM: &str = "c0a70550-0000-4000-8000-000000000113";
pub const LIDIA: &str = "c0a70550-0000-4000-8000-000000000106";
pub const DIEGO: &str = "c0a70550-0000-4000-8000-000000000115";

fn no_manager() -> &'static str {
    "Resource 'manager' does not exist or one of its queried reference-property objects are not present."
}

#[tokio::test]
async fn manager_returns_the_managers_user_object_and_the_ceo_has_none() {
    let app = TestApp::new().await;
    let token = app.admin();
    let response = app
        .get(&format!("/v1.0/users/{ADELE}/manager"))
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json["id"], JOHANNA);
    assert_eq!(response.json["@odata.type"], "#microsoft.graph.user");
    assert_eq!(response.json["displayName"], "Johanna Lorenz");
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#directoryObjects/$entity"
    );
    // By userPrincipalName too, and with $select.
    let selected = app
        .get("/v1.0/users/AdeleV@contoso.onmicrosoft.com/manager?$select=id,jobTitle")
        .token(&token)
        .send()
        .await;
    assert_eq!(selected.status, 200, "{}", selected.text);
    assert_eq!(selected.json["jobTitle"], "Regional Retail Manager");
    assert!(
        selected.json.get("displayName").is_none(),
        "{}",
        selected.text
    );
    let ceo = app
        .get(&format!("/v1.0/users/{PATTI_CEO}/manager"))
        .token(&token)
        .send()
        .await;
    assert_eq!(
        ceo.assert_error(404, "Request_ResourceNotFound"),
        no_manager()
    );
    let unknown = app
        .get("/v1.0/users/00000000-0000-4000-8000-00000000dead/manager")
        .token(&token)
        .send()
        .await;
    unknown.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn every_contoso_user_but_the_ceo_has_a_manager_and_the_chain_ends_at_the_ceo() {
    let app = TestApp::new().await;
    let token = app.admin();
    let users = app.get("/v1.0/users?$select=id").token(&token).send().await;
    let ids = users.ids();
    assert_eq!(ids.len(), 20);
    for id in &ids {
        let mut current = id.clone();
        let mut depth = 0;
        loop {
            let manager = app
                .get(&format!("/v1.0/users/{current}/manager"))
                .token(&token)
                .send()
                .await;
            if manager.status == 404 {
                break;
            }
            assert_eq!(manager.status, 200, "{}", manager.text);
            current = manager.json["id"].as_str().expect("id").to_owned();
            depth += 1;
            assert!(depth <= 3, "{id}: more than 3 levels below the CEO");
        }
        assert_eq!(current, PATTI_CEO, "{id}'s chain does not end at the CEO");
        assert_eq!(depth == 0, id == PATTI_CEO);
    }
}

#[tokio::test]
async fn direct_reports_list_the_people_who_report_to_a_user() {
    let app = TestApp::new().await;
    let token = app.admin();
    let response = app
        .get(&format!("/v1.0/users/{NESTOR}/directReports"))
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(sorted(&response.ids()), sorted(&[ADMIN, PRADEEP, JOHANNA]));
    assert!(
        response.json["value"]
            .as_array()
            .expect("value")
            .iter()
            .all(|v| v["@odata.type"] == "#microsoft.graph.user")
    );
    let count = app
        .get(&format!("/v1.0/users/{NESTOR}/directReports/$count"))
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!(count.text, "3");
    let none = app
        .get(&format!("/v1.0/users/{CHRISTIE}/directReports"))
        .token(&token)
        .send()
        .await;
    assert_eq!(none.json["value"], json!([]));
}

#[tokio::test]
async fn me_manager_and_me_direct_reports_answer_for_the_signed_in_user() {
    let app = TestApp::new().await;
    let token = app.user_token(CONTOSO, NESTOR, &["User.Read.All"]).await;
    let manager = app.get("/v1.0/me/manager").token(&token).send().await;
    assert_eq!(manager.status, 200, "{}", manager.text);
    assert_eq!(manager.json["id"], PATTI_CEO);
    let reports = app.get("/v1.0/me/directReports").token(&token).send().await;
    assert_eq!(sorted(&reports.ids()), sorted(&[ADMIN, PRADEEP, JOHANNA]));
    // User.Read alone does not read the organization (user-list-manager).
    let weak = app.user_token(CONTOSO, NESTOR, &["User.Read"]).await;
    let refused = app.get("/v1.0/me/manager").token(&weak).send().await;
    refused.assert_error(403, "Authorization_RequestDenied");
    let app_only = app.get("/v1.0/me/manager").token(&app.admin()).send().await;
    assert_eq!(app_only.status, 400, "{}", app_only.text);
}

#[tokio::test]
async fn expand_manager_on_get_and_list_of_users() {
    let app = TestApp::new().await;
    let token = app.admin();
    let response = app
        .get(&format!(
            "/v1.0/users/{ADELE}?$expand=manager($select=id,displayName)"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json["manager"],
        json!({"@odata.type": "#microsoft.graph.user", "id": JOHANNA, "displayName": "Johanna Lorenz"})
    );
    // The CEO has none: the navigation is left out.
    let ceo = app
        .get(&format!("/v1.0/users/{PATTI_CEO}?$expand=manager"))
        .token(&token)
        .send()
        .await;
    assert_eq!(ceo.status, 200, "{}", ceo.text);
    assert!(ceo.json.get("manager").is_none(), "{}", ceo.text);
    let list = app
        .get("/v1.0/users?$select=id,displayName&$expand=manager($select=id)")
        .token(&token)
        .send()
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    let values = list.json["value"].as_array().expect("value");
    let with_manager = values.iter().filter(|u| u.get("manager").is_some()).count();
    assert_eq!(with_manager, values.len() - 1);
    let adele = values.iter().find(|u| u["id"] == ADELE).expect("Adele");
    assert_eq!(adele["manager"]["id"], JOHANNA);
    // directReports expand as a collection.
    let reports = app
        .get(&format!(
            "/v1.0/users/{NESTOR}?$expand=directReports($select=id)"
        ))
        .token(&token)
        .send()
        .await;
    let ids: Vec<&str> = reports.json["directReports"]
        .as_array()
        .expect("directReports")
        .iter()
        .filter_map(|v| v["id"].as_str())
        .collect();
    assert_eq!(sorted(&ids), sorted(&[ADMIN, PRADEEP, JOHANNA]));
}

#[tokio::test]
async fn group_owners_and_owned_objects_come_from_the_fixture() {
    let app = TestApp::new().await;
    let token = app.admin();
    let owners = app
        .get(&format!("/v1.0/groups/{SALES_M365}/owners"))
        .token(&token)
        .send()
        .await;
    assert_eq!(owners.status, 200, "{}", owners.text);
    assert_eq!(sorted(&owners.ids()), sorted(&[MIRIAM, MEGAN]));
    let users = app
        .get(&format!(
            "/v1.0/groups/{SALES_M365}/owners/microsoft.graph.user?$select=id"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(users.status, 200, "{}", users.text);
    assert_eq!(
        users.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#users(id)"
    );
    assert_eq!(users.ids().len(), 2);
    let owned = app
        .get(&format!("/v1.0/users/{MEGAN}/ownedObjects"))
        .token(&token)
        .send()
        .await;
    assert_eq!(owned.status, 200, "{}", owned.text);
    assert_eq!(sorted(&owned.ids()), sorted(&[SALES_M365, MARK8_M365]));
    assert_eq!(
        owned.json["value"][0]["@odata.type"],
        "#microsoft.graph.group"
    );
    let expanded = app
        .get(&format!(
            "/v1.0/groups/{SALES_M365}?$expand=owners($select=id)"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(expanded.status, 200, "{}", expanded.text);
    assert_eq!(expanded.json["owners"].as_array().expect("owners").len(), 2);
    // Every Contoso group has an owner.
    let groups = app
        .get("/v1.0/groups?$expand=owners")
        .token(&token)
        .send()
        .await;
    for group in groups.json["value"].as_array().expect("value") {
        assert!(
            !group["owners"].as_array().expect("owners").is_empty(),
            "{group}"
        );
    }
}

#[tokio::test]
async fn member_of_casts_work_in_both_spellings_and_direct_casts_need_no_eventual() {
    let app = TestApp::new().await;
    let token = app.user_token(CONTOSO, ADELE, &["User.Read"]).await;
    for spelling in [
        "microsoft.graph.group",
        "graph.group",
        "Microsoft.Graph.Group",
    ] {
        let response = app
            .get(&format!("/v1.0/me/memberOf/{spelling}"))
            .token(&token)
            .send()
            .await;
        assert_eq!(response.status, 200, "{spelling}: {}", response.text);
        assert_eq!(
            response.json["@odata.context"],
            "http://localhost:8080/v1.0/$metadata#groups"
        );
        assert!(
            response.ids().contains(&LINKEDIN_PILOT.to_owned()),
            "{}",
            response.text
        );
    }
    // Transitive casts are advanced queries (aad-advanced-queries).
    let path = "/v1.0/me/transitiveMemberOf/microsoft.graph.group";
    let refused = app.get(path).token(&token).send().await;
    refused.assert_error(400, "Request_UnsupportedQuery");
    let allowed = app
        .get(&format!("{path}?$count=true"))
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!(allowed.status, 200, "{}", allowed.text);
    assert_eq!(allowed.json["@odata.count"], allowed.ids().len());
    // Kinds tenantsim never stores are empty, with a count of 0.
    for cast in [
        "microsoft.graph.device",
        "microsoft.graph.administrativeUnit",
        "graph.orgContact",
    ] {
        let empty = app
            .get(&format!("/v1.0/me/memberOf/{cast}?$count=true"))
            .eventual()
            .token(&token)
            .send()
            .await;
        assert_eq!(empty.status, 200, "{cast}: {}", empty.text);
        assert_eq!(empty.json["value"], json!([]));
        assert_eq!(empty.json["@odata.count"], 0);
    }
    let unknown = app
        .get("/v1.0/me/memberOf/microsoft.graph.widget")
        .token(&token)
        .send()
        .await;
    unknown.assert_error(400, "BadRequest");
}

#[tokio::test]
async fn counts_are_text_plain_and_need_consistency_level() {
    let app = TestApp::new().await;
    let token = app.admin();
    let path = format!("/v1.0/users/{ADELE}/memberOf/$count");
    let refused = app.get(&path).token(&token).send().await;
    refused.assert_error(400, "Request_BadRequest");
    let count = app.get(&path).eventual().token(&token).send().await;
    assert_eq!(count.status, 200, "{}", count.text);
    assert!(
        count.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/plain")
    );
    let list = app
        .get(&format!("/v1.0/users/{ADELE}/memberOf"))
        .token(&token)
        .send()
        .await;
    assert_eq!(count.text, list.ids().len().to_string());
    let cast = app
        .get(&format!("/v1.0/users/{ADELE}/memberOf/graph.group/$count"))
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!(cast.text, count.text);
    let users = app
        .get(&format!(
            "/v1.0/users/{ADELE}/memberOf/microsoft.graph.user/$count"
        ))
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!(users.text, "0");
}

#[tokio::test]
async fn one_object_of_a_relationship_by_id_with_and_without_a_cast() {
    let app = TestApp::new().await;
    let token = app.admin();
    let one = app
        .get(&format!("/v1.0/groups/{RETAIL_EUROPE}/members/{JOHANNA}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.json["@odata.type"], "#microsoft.graph.user");
    assert_eq!(one.json["id"], JOHANNA);
    let cast = app
        .get(&format!(
            "/v1.0/groups/{RETAIL_EUROPE}/members/{JOHANNA}/microsoft.graph.user"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(cast.status, 200, "{}", cast.text);
    assert_eq!(
        cast.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#users/$entity"
    );
    let wrong_cast = app
        .get(&format!(
            "/v1.0/groups/{RETAIL_EUROPE}/members/{JOHANNA}/graph.group"
        ))
        .token(&token)
        .send()
        .await;
    wrong_cast.assert_error(404, "Request_ResourceNotFound");
    let not_member = app
        .get(&format!("/v1.0/groups/{RETAIL_EUROPE}/members/{ALEX}"))
        .token(&token)
        .send()
        .await;
    not_member.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn ref_lists_name_each_object() {
    let app = TestApp::new().await;
    let response = app
        .get(&format!("/v1.0/groups/{RETAIL_EUROPE}/members/$ref"))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let refs: Vec<&str> = response.json["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter_map(|v| v["@odata.id"].as_str())
        .collect();
    assert_eq!(refs.len(), 3);
    assert!(
        refs.contains(&format!("http://localhost:8080/v1.0/directoryObjects/{JOHANNA}").as_str())
    );
}

#[tokio::test]
async fn member_of_lists_the_directory_roles_a_user_holds_once_they_are_activated() {
    let app = TestApp::new().await;
    let token = app.admin();
    let roles = |response: &TestResponse| -> Vec<Value> {
        response.json["value"]
            .as_array()
            .expect("value")
            .iter()
            .filter(|v| v["@odata.type"] == "#microsoft.graph.directoryRole")
            .cloned()
            .collect()
    };
    // The fixture activates the roles its users hold (a directoryRole object per template).
    let role_id =
        tenantsim::store::roles::role_object_id(CONTOSO, tenantsim::roles::GLOBAL_ADMINISTRATOR);
    let before = app
        .get(&format!("/v1.0/users/{ADMIN}/memberOf"))
        .token(&token)
        .send()
        .await;
    assert_eq!(before.status, 200, "{}", before.text);
    let listed = roles(&before);
    assert_eq!(listed.len(), 1, "{}", before.text);
    assert_eq!(listed[0]["id"], role_id.as_str());
    assert_eq!(listed[0]["displayName"], "Global Administrator");
    let cast = app
        .get(&format!(
            "/v1.0/users/{ADMIN}/memberOf/microsoft.graph.directoryRole"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(cast.ids(), [role_id.as_str()]);
    // Someone without the role does not list it.
    let other = app
        .get(&format!("/v1.0/users/{ADELE}/memberOf"))
        .token(&token)
        .send()
        .await;
    assert!(roles(&other).is_empty());
    // Taken away through the role's members, it leaves memberOf.
    let removed = app
        .delete(&format!(
            "/v1.0/directoryRoles/{role_id}/members/{ADMIN}/$ref"
        ))
        .token(&app.app_token(CONTOSO, &["RoleManagement.ReadWrite.Directory"]))
        .send()
        .await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    let after = app
        .get(&format!("/v1.0/users/{ADMIN}/memberOf"))
        .token(&token)
        .send()
        .await;
    assert!(roles(&after).is_empty(), "{}", after.text);
}

#[tokio::test]
async fn filter_on_member_of_is_an_advanced_query() {
    let app = TestApp::new().await;
    let token = app.admin();
    let path = format!("/v1.0/users/{ADELE}/memberOf?$filter=startsWith(displayName,'Retail')");
    let refused = app.get(&path).token(&token).send().await;
    refused.assert_error(400, "Request_UnsupportedQuery");
    let allowed = app
        .get(&format!("{path}&$count=true"))
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!(allowed.status, 200, "{}", allowed.text);
}

/// The manager chain of `user` walked through `/manager`, nearest first.
async fn chain_of(app: &TestApp, token: &str, user: &str) -> Vec<String> {
    let mut chain = Vec::new();
    let mut current = user.to_owned();
    loop {
        let manager = app
            .get(&format!("/v1.0/users/{current}/manager"))
            .token(token)
            .send()
            .await;
        if manager.status == 404 {
            return chain;
        }
        current = manager.json["id"].as_str().expect("id").to_owned();
        chain.push(current.clone());
    }
}

/// The ids of `object.manager.manager…`, nearest first.
fn nested_managers(object: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = object;
    while let Some(manager) = current.get("manager") {
        out.push(manager["id"].as_str().expect("id").to_owned());
        current = manager;
    }
    out
}

#[tokio::test]
async fn expand_manager_levels_nests_the_chain_with_count_and_consistency_level() {
    let app = TestApp::new().await;
    let token = app.admin();
    let chain = chain_of(&app, &token, ADELE).await;
    assert!(chain.len() >= 3, "{chain:?}");
    assert_eq!(chain.last().map(String::as_str), Some(PATTI_CEO));
    let path = format!(
        "/v1.0/users/{ADELE}?$expand=manager($levels=max;$select=id,displayName)&$select=id,displayName&$count=true"
    );
    let response = app.get(&path).token(&token).eventual().send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(nested_managers(&response.json), chain);
    assert_eq!(response.json["manager"]["displayName"], "Johanna Lorenz");
    assert!(
        response.json["manager"].get("jobTitle").is_none(),
        "$select inside the parentheses: {}",
        response.text
    );
    // $levels=n stops after n managers.
    let two = app
        .get(&format!(
            "/v1.0/users/{ADELE}?$expand=manager($levels=2)&$count=true"
        ))
        .token(&token)
        .eventual()
        .send()
        .await;
    assert_eq!(two.status, 200, "{}", two.text);
    assert_eq!(nested_managers(&two.json), chain[..2].to_vec());
    assert_eq!(two.json["manager"]["jobTitle"], "Regional Retail Manager");
    // The same request without the header, or without $count=true: 400.
    for path in [
        path.clone(),
        format!("/v1.0/users/{ADELE}?$expand=manager($levels=max)"),
    ] {
        let refused = app.get(&path).token(&token).send().await;
        assert!(
            refused
                .assert_error(400, "Request_UnsupportedQuery")
                .starts_with("$levels inside $expand"),
            "{path}"
        );
    }
    let refused = app
        .get(&format!("/v1.0/users/{ADELE}?$expand=manager($levels=max)"))
        .token(&token)
        .eventual()
        .send()
        .await;
    refused.assert_error(400, "Request_UnsupportedQuery");
    app.get(&format!(
        "/v1.0/users/{ADELE}?$expand=manager($levels=0)&$count=true"
    ))
    .token(&token)
    .eventual()
    .send()
    .await
    .assert_error(400, "BadRequest");
    // The CEO has no manager: left out.
    let ceo = app
        .get(&format!(
            "/v1.0/users/{PATTI_CEO}?$expand=manager($levels=max)&$count=true"
        ))
        .token(&token)
        .eventual()
        .send()
        .await;
    assert_eq!(ceo.status, 200, "{}", ceo.text);
    assert!(ceo.json.get("manager").is_none(), "{}", ceo.text);
}

#[tokio::test]
async fn expand_manager_levels_on_the_user_list_and_me() {
    let app = TestApp::new().await;
    let token = app.admin();
    let list = app
        .get("/v1.0/users?$expand=manager($levels=max;$select=id)&$select=id&$count=true&$top=999")
        .token(&token)
        .eventual()
        .send()
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert!(list.json["@odata.count"].as_u64().is_some_and(|n| n > 3));
    let adele = list.json["value"]
        .as_array()
        .expect("value")
        .iter()
        .find(|u| u["id"] == ADELE)
        .expect("Adele");
    assert_eq!(nested_managers(adele), chain_of(&app, &token, ADELE).await);
    let me = app.user_token(CONTOSO, ADELE, &["User.Read.All"]).await;
    let mine = app
        .get("/v1.0/me?$expand=manager($levels=1)&$count=true")
        .token(&me)
        .eventual()
        .send()
        .await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(nested_managers(&mine.json), vec![JOHANNA.to_owned()]);
}
