//! Membership: members / transitiveMembers (with casts and `/$count`), `$ref` writes,
//! `members@odata.bind`, memberOf / transitiveMemberOf, and the membership checks.

use serde_json::{Value, json};
use tenantsim::Settings;

use crate::common::*;

const ALREADY_MEMBER: &str = "One or more added object references already exist for the following modified properties: 'members'.";
const NOT_A_MEMBER: &str = "One or more removed object references do not exist for the following modified properties: 'members'.";
const MISSING: &str = "00000000-0000-4000-8000-00000000dead";

fn not_found(id: &str) -> String {
    format!(
        "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
    )
}

async fn members(app: &TestApp, token: &str, group: &str) -> Vec<String> {
    let response = app
        .get(&format!("/v1.0/groups/{group}/members"))
        .token(token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    sorted(&response.ids())
}

async fn transitive_members(app: &TestApp, token: &str, group: &str) -> Vec<String> {
    let response = app
        .get(&format!("/v1.0/groups/{group}/transitiveMembers"))
        .token(token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    sorted(&response.ids())
}

fn types_by_id(response: &TestResponse) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = response.json["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|v| {
            (
                v["id"].as_str().expect("id").to_owned(),
                v["@odata.type"].as_str().unwrap_or("(none)").to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

fn typed(id: &str, kind: &str) -> (String, String) {
    (id.to_owned(), format!("#microsoft.graph.{kind}"))
}

#[tokio::test]
async fn members_lists_direct_members_with_their_odata_type() {
    let app = TestApp::new().await;
    let response = app
        .get(&format!("/v1.0/groups/{LINKEDIN_PILOT}/members"))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#directoryObjects"
    );
    let mut expected = vec![
        typed(ADELE, "user"),
        typed(ALEX, "user"),
        typed(MEGAN, "user"),
        typed(RETAIL_EUROPE, "group"),
    ];
    expected.sort();
    assert_eq!(types_by_id(&response), expected);
    let retail = response.json["value"]
        .as_array()
        .expect("value")
        .iter()
        .find(|v| v["id"] == RETAIL_EUROPE)
        .expect("nested group listed");
    assert_eq!(retail["displayName"], "Retail Europe");
    assert_eq!(retail["securityEnabled"], true);
}

#[tokio::test]
async fn transitive_members_flattens_nested_groups_and_lists_them_too() {
    let app = TestApp::new().await;
    let response = app
        .get(&format!("/v1.0/groups/{LINKEDIN_PILOT}/transitiveMembers"))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let mut expected = vec![
        typed(ADELE, "user"),
        typed(ALEX, "user"),
        typed(MEGAN, "user"),
        typed(RETAIL_EUROPE, "group"),
        typed(JOHANNA, "user"),
        typed(HENRIETTA, "user"),
        typed(RETAIL_MUNICH, "group"),
        typed(CHRISTIE, "user"),
    ];
    expected.sort();
    assert_eq!(types_by_id(&response), expected);
    // The direct view of the same group is smaller.
    assert_eq!(
        members(&app, &app.admin(), LINKEDIN_PILOT).await,
        sorted(&[ADELE, ALEX, MEGAN, RETAIL_EUROPE])
    );
}

#[tokio::test]
async fn members_of_an_unknown_group_is_request_resource_not_found() {
    let app = TestApp::new().await;
    for path in ["members", "transitiveMembers", "members/$count"] {
        let response = app
            .get(&format!("/v1.0/groups/{MISSING}/{path}"))
            .eventual()
            .token(&app.admin())
            .send()
            .await;
        let message = response.assert_error(404, "Request_ResourceNotFound");
        assert_eq!(message, not_found(MISSING), "{path}");
    }
}

#[tokio::test]
async fn add_member_ref_answers_204_and_the_member_is_visible() {
    let app = TestApp::new().await;
    let token = app.admin();
    let response = app
        .post(&format!("/v1.0/groups/{FINANCE}/members/$ref"))
        .token(&token)
        .json(reference(LYNNE_NO_GROUPS))
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert!(response.text.is_empty());
    assert_eq!(
        members(&app, &token, FINANCE).await,
        sorted(&[user(8).as_str(), user(9).as_str(), LYNNE_NO_GROUPS])
    );
    let member_of = app
        .get(&format!("/v1.0/users/{LYNNE_NO_GROUPS}/memberOf"))
        .token(&token)
        .send()
        .await;
    assert_eq!(member_of.ids(), [FINANCE]);
}

#[tokio::test]
async fn add_member_accepts_users_urls_and_upper_case_ids() {
    let app = TestApp::new().await;
    let token = app.admin();
    let upper = LYNNE_NO_GROUPS.to_ascii_uppercase();
    let response = app
        .post(&format!("/v1.0/groups/{FINANCE}/members/$ref"))
        .token(&token)
        .json(json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{upper}")}))
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert!(
        members(&app, &token, FINANCE)
            .await
            .contains(&LYNNE_NO_GROUPS.to_owned())
    );
}

#[tokio::test]
async fn adding_a_member_twice_is_request_bad_request() {
    let app = TestApp::new().await;
    let token = app.admin();
    let response = app
        .post(&format!("/v1.0/groups/{LINKEDIN_PILOT}/members/$ref"))
        .token(&token)
        .json(reference(ADELE))
        .send()
        .await;
    let message = response.assert_error(400, "Request_BadRequest");
    assert_eq!(message, ALREADY_MEMBER);
    assert_eq!(
        members(&app, &token, LINKEDIN_PILOT).await,
        sorted(&[ADELE, ALEX, MEGAN, RETAIL_EUROPE])
    );
}

#[tokio::test]
async fn adding_a_missing_object_is_request_resource_not_found() {
    let app = TestApp::new().await;
    let token = app.admin();
    let response = app
        .post(&format!("/v1.0/groups/{FINANCE}/members/$ref"))
        .token(&token)
        .json(reference(MISSING))
        .send()
        .await;
    let message = response.assert_error(404, "Request_ResourceNotFound");
    assert_eq!(message, not_found(MISSING));
    // Adding into a missing group names the group.
    let response = app
        .post(&format!("/v1.0/groups/{MISSING}/members/$ref"))
        .token(&token)
        .json(reference(ADELE))
        .send()
        .await;
    let message = response.assert_error(404, "Request_ResourceNotFound");
    assert_eq!(message, not_found(MISSING));
}

#[tokio::test]
async fn add_member_without_an_odata_id_is_400() {
    let app = TestApp::new().await;
    let token = app.admin();
    for body in [
        json!({}),
        json!({"@odata.id": 42}),
        json!({"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/not-a-guid"}),
    ] {
        let response = app
            .post(&format!("/v1.0/groups/{FINANCE}/members/$ref"))
            .token(&token)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(response.status, 400, "{body}: {}", response.text);
    }
    assert_eq!(
        members(&app, &token, FINANCE).await,
        sorted(&[user(8), user(9)])
    );
}

#[tokio::test]
async fn changing_members_of_a_dynamic_group_is_authorization_request_denied() {
    let app = TestApp::new().await;
    let token = app.admin();
    let response = app
        .post(&format!("/v1.0/groups/{DYNAMIC_SEATTLE}/members/$ref"))
        .token(&token)
        .json(reference(ADELE))
        .send()
        .await;
    let message = response.assert_error(403, "Authorization_RequestDenied");
    assert_eq!(
        message,
        "Insufficient privileges to complete the operation."
    );
    let response = app
        .delete(&format!(
            "/v1.0/groups/{DYNAMIC_SEATTLE}/members/{MEGAN}/$ref"
        ))
        .token(&token)
        .send()
        .await;
    response.assert_error(403, "Authorization_RequestDenied");
    let response = app
        .patch(&format!("/v1.0/groups/{DYNAMIC_SEATTLE}"))
        .token(&token)
        .json(json!({"members@odata.bind": [format!("https://graph.microsoft.com/v1.0/directoryObjects/{ADELE}")]}))
        .send()
        .await;
    response.assert_error(403, "Authorization_RequestDenied");
    assert_eq!(
        members(&app, &token, DYNAMIC_SEATTLE).await,
        sorted(&[MEGAN, NESTOR, user(18).as_str()])
    );
}

#[tokio::test]
async fn adding_a_group_to_a_microsoft_365_group_is_400_but_a_user_is_fine() {
    let app = TestApp::new().await;
    let token = app.admin();
    let before = members(&app, &token, SALES_M365).await;
    let response = app
        .post(&format!("/v1.0/groups/{SALES_M365}/members/$ref"))
        .token(&token)
        .json(reference(FINANCE))
        .send()
        .await;
    response.assert_error(400, "Request_BadRequest");
    assert_eq!(members(&app, &token, SALES_M365).await, before);
    let response = app
        .post(&format!("/v1.0/groups/{SALES_M365}/members/$ref"))
        .token(&token)
        .json(reference(ADELE))
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
}

#[tokio::test]
async fn adding_a_group_that_would_make_a_cycle_is_400_and_changes_nothing() {
    let app = TestApp::new().await;
    let token = app.admin();
    let munich_before = transitive_members(&app, &token, RETAIL_MUNICH).await;
    let pilot_before = transitive_members(&app, &token, LINKEDIN_PILOT).await;
    // LinkedIn Pilot ⊃ Retail Europe ⊃ Retail Munich Store: the reverse closes a loop.
    for (group, member) in [
        (RETAIL_MUNICH, LINKEDIN_PILOT),
        (RETAIL_EUROPE, LINKEDIN_PILOT),
        (RETAIL_MUNICH, RETAIL_MUNICH),
    ] {
        let response = app
            .post(&format!("/v1.0/groups/{group}/members/$ref"))
            .token(&token)
            .json(reference(member))
            .send()
            .await;
        response.assert_error(400, "Request_BadRequest");
    }
    assert_eq!(
        transitive_members(&app, &token, RETAIL_MUNICH).await,
        munich_before
    );
    assert_eq!(
        transitive_members(&app, &token, LINKEDIN_PILOT).await,
        pilot_before
    );
    // The same loop through members@odata.bind is refused too.
    let response = app
        .patch(&format!("/v1.0/groups/{RETAIL_MUNICH}"))
        .token(&token)
        .json(json!({"members@odata.bind": [format!("https://graph.microsoft.com/v1.0/directoryObjects/{LINKEDIN_PILOT}")]}))
        .send()
        .await;
    response.assert_error(400, "Request_BadRequest");
    assert_eq!(
        transitive_members(&app, &token, RETAIL_MUNICH).await,
        munich_before
    );
}

#[tokio::test]
async fn remove_member_ref_answers_204_and_the_member_is_gone() {
    let app = TestApp::new().await;
    let token = app.admin();
    let response = app
        .delete(&format!(
            "/v1.0/groups/{LINKEDIN_PILOT}/members/{RETAIL_EUROPE}/$ref"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert!(response.text.is_empty());
    assert_eq!(
        transitive_members(&app, &token, LINKEDIN_PILOT).await,
        sorted(&[ADELE, ALEX, MEGAN])
    );
    // Removing it again: it is not a member any more.
    let response = app
        .delete(&format!(
            "/v1.0/groups/{LINKEDIN_PILOT}/members/{RETAIL_EUROPE}/$ref"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(
        response.assert_error(400, "Request_BadRequest"),
        NOT_A_MEMBER
    );
}

#[tokio::test]
async fn removing_a_non_member_is_request_bad_request_by_default() {
    let app = TestApp::new().await;
    let token = app.admin();
    // Christie is a transitive member of LinkedIn Pilot, not a direct one.
    for id in [CHRISTIE, MISSING] {
        let response = app
            .delete(&format!("/v1.0/groups/{LINKEDIN_PILOT}/members/{id}/$ref"))
            .token(&token)
            .send()
            .await;
        assert_eq!(
            response.assert_error(400, "Request_BadRequest"),
            NOT_A_MEMBER
        );
    }
    assert_eq!(
        transitive_members(&app, &token, LINKEDIN_PILOT).await.len(),
        8
    );
}

#[tokio::test]
async fn removing_a_non_member_is_404_when_configured() {
    let app = TestApp::with_settings(Settings {
        remove_missing_member_404: true,
        ..Default::default()
    })
    .await;
    let response = app
        .delete(&format!(
            "/v1.0/groups/{LINKEDIN_PILOT}/members/{CHRISTIE}/$ref"
        ))
        .token(&app.admin())
        .send()
        .await;
    let message = response.assert_error(404, "Request_ResourceNotFound");
    assert_eq!(message, not_found(CHRISTIE));
    // A real member is still removed with 204.
    let response = app
        .delete(&format!(
            "/v1.0/groups/{LINKEDIN_PILOT}/members/{ADELE}/$ref"
        ))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
}

fn bind_urls(ids: &[String]) -> Value {
    json!(
        ids.iter()
            .map(|id| format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}"))
            .collect::<Vec<_>>()
    )
}

#[tokio::test]
async fn patch_with_members_odata_bind_adds_every_member() {
    let app = TestApp::new().await;
    let token = app.admin();
    let response = app
        .patch(&format!("/v1.0/groups/{FINANCE}"))
        .token(&token)
        .json(json!({
            "description": "Money people",
            "members@odata.bind": bind_urls(&[LYNNE_NO_GROUPS.to_owned(), IT_ADMINS.to_owned()])
        }))
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert_eq!(
        members(&app, &token, FINANCE).await,
        sorted(&[
            user(8).as_str(),
            user(9).as_str(),
            LYNNE_NO_GROUPS,
            IT_ADMINS
        ])
    );
    let read = app
        .get(&format!("/v1.0/groups/{FINANCE}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(read.json["description"], "Money people");
}

#[tokio::test]
async fn patch_with_20_binds_works_and_21_is_request_bad_request() {
    let app = TestApp::new().await;
    let token = app.admin();
    let created = app
        .post("/v1.0/groups")
        .token(&token)
        .json(json!({
            "displayName": "Bulk", "mailEnabled": false, "mailNickname": "bulk", "securityEnabled": true
        }))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let group = created.json["id"].as_str().expect("id").to_owned();
    let mut ids: Vec<String> = (1..=20).map(user).collect();
    ids.push(FINANCE.to_owned());
    let response = app
        .patch(&format!("/v1.0/groups/{group}"))
        .token(&token)
        .json(json!({"members@odata.bind": bind_urls(&ids)}))
        .send()
        .await;
    response.assert_error(400, "Request_BadRequest");
    assert!(members(&app, &token, &group).await.is_empty());
    let response = app
        .patch(&format!("/v1.0/groups/{group}"))
        .token(&token)
        .json(json!({"members@odata.bind": bind_urls(&ids[..20])}))
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert_eq!(members(&app, &token, &group).await, sorted(&ids[..20]));
}

#[tokio::test]
async fn patch_with_one_bad_bind_adds_nothing_and_changes_nothing() {
    let app = TestApp::new().await;
    let token = app.admin();
    let path = format!("/v1.0/groups/{FINANCE}");
    let before = app.get(&path).token(&token).send().await.json;
    // A missing object among good ones: 404 for the missing one, nothing added.
    let response = app
        .patch(&path)
        .token(&token)
        .json(json!({
            "description": "should not stick",
            "members@odata.bind": bind_urls(&[LYNNE_NO_GROUPS.to_owned(), MISSING.to_owned(), ADELE.to_owned()])
        }))
        .send()
        .await;
    let message = response.assert_error(404, "Request_ResourceNotFound");
    assert_eq!(message, not_found(MISSING));
    // An existing member among new ones: 400, nothing added.
    let response = app
        .patch(&path)
        .token(&token)
        .json(json!({"members@odata.bind": bind_urls(&[LYNNE_NO_GROUPS.to_owned(), user(8)])}))
        .send()
        .await;
    assert_eq!(
        response.assert_error(400, "Request_BadRequest"),
        ALREADY_MEMBER
    );
    // A malformed entry: 400, nothing added.
    let response = app
        .patch(&path)
        .token(&token)
        .json(json!({"members@odata.bind": [
            format!("https://graph.microsoft.com/v1.0/directoryObjects/{LYNNE_NO_GROUPS}"),
            "not a url"
        ]}))
        .send()
        .await;
    assert_eq!(response.status, 400, "{}", response.text);
    assert_eq!(
        members(&app, &token, FINANCE).await,
        sorted(&[user(8), user(9)])
    );
    assert_eq!(app.get(&path).token(&token).send().await.json, before);
}

#[tokio::test]
async fn member_of_lists_direct_groups_and_transitive_member_of_the_nesting() {
    let app = TestApp::new().await;
    let token = app.admin();
    let direct = app
        .get(&format!("/v1.0/users/{CHRISTIE}/memberOf"))
        .token(&token)
        .send()
        .await;
    assert_eq!(direct.status, 200, "{}", direct.text);
    assert_eq!(types_by_id(&direct), [typed(RETAIL_MUNICH, "group")]);
    let transitive = app
        .get(&format!("/v1.0/users/{CHRISTIE}/transitiveMemberOf"))
        .token(&token)
        .send()
        .await;
    assert_eq!(transitive.status, 200, "{}", transitive.text);
    let mut expected = vec![
        typed(RETAIL_MUNICH, "group"),
        typed(RETAIL_EUROPE, "group"),
        typed(LINKEDIN_PILOT, "group"),
    ];
    expected.sort();
    assert_eq!(types_by_id(&transitive), expected);
    // By userPrincipalName too.
    let by_upn = app
        .get("/v1.0/users/ChristieC@contoso.onmicrosoft.com/transitiveMemberOf")
        .token(&token)
        .send()
        .await;
    assert_eq!(types_by_id(&by_upn), expected);
    // Groups have memberOf as well.
    let group = app
        .get(&format!("/v1.0/groups/{RETAIL_MUNICH}/transitiveMemberOf"))
        .token(&token)
        .send()
        .await;
    assert_eq!(
        sorted(&group.ids()),
        sorted(&[RETAIL_EUROPE, LINKEDIN_PILOT])
    );
    // Someone in no group.
    let none = app
        .get(&format!("/v1.0/users/{LYNNE_NO_GROUPS}/transitiveMemberOf"))
        .token(&token)
        .send()
        .await;
    assert_eq!(none.status, 200);
    assert!(none.ids().is_empty());
}

#[tokio::test]
async fn member_of_an_unknown_user_is_request_resource_not_found() {
    let app = TestApp::new().await;
    for path in ["memberOf", "transitiveMemberOf"] {
        let response = app
            .get(&format!("/v1.0/users/{MISSING}/{path}"))
            .token(&app.admin())
            .send()
            .await;
        assert_eq!(
            response.assert_error(404, "Request_ResourceNotFound"),
            not_found(MISSING)
        );
    }
}

async fn post_check(app: &TestApp, token: &str, path: &str, body: Value) -> TestResponse {
    let response = app.post(path).token(token).json(body).send().await;
    assert_eq!(response.status, 200, "{path}: {}", response.text);
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#Collection(Edm.String)"
    );
    response
}

fn strings(response: &TestResponse) -> Vec<String> {
    response.json["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|v| v.as_str().expect("a string").to_owned())
        .collect()
}

#[tokio::test]
async fn check_member_groups_is_transitive_and_keeps_only_matches() {
    let app = TestApp::new().await;
    let token = app.admin();
    let response = post_check(
        &app,
        &token,
        &format!("/v1.0/users/{CHRISTIE}/checkMemberGroups"),
        json!({"groupIds": [FINANCE, LINKEDIN_PILOT, SALES_M365, RETAIL_MUNICH, MISSING]}),
    )
    .await;
    assert_eq!(strings(&response), [LINKEDIN_PILOT, RETAIL_MUNICH]);
    let none = post_check(
        &app,
        &token,
        &format!("/v1.0/users/{LYNNE_NO_GROUPS}/checkMemberGroups"),
        json!({"groupIds": [FINANCE, LINKEDIN_PILOT]}),
    )
    .await;
    assert!(strings(&none).is_empty());
    // On a group and through directoryObjects.
    let group = post_check(
        &app,
        &token,
        &format!("/v1.0/groups/{RETAIL_MUNICH}/checkMemberGroups"),
        json!({"groupIds": [LINKEDIN_PILOT, FINANCE]}),
    )
    .await;
    assert_eq!(strings(&group), [LINKEDIN_PILOT]);
    let object = post_check(
        &app,
        &token,
        &format!("/v1.0/directoryObjects/{ALEX}/checkMemberGroups"),
        json!({"groupIds": [SALES_M365, RETAIL_EUROPE]}),
    )
    .await;
    assert_eq!(strings(&object), [SALES_M365]);
}

#[tokio::test]
async fn check_member_groups_rejects_more_than_20_ids_and_non_guids() {
    let app = TestApp::new().await;
    let token = app.admin();
    let many: Vec<String> = (1..=21).map(user).collect();
    let response = app
        .post(&format!("/v1.0/users/{ADELE}/checkMemberGroups"))
        .token(&token)
        .json(json!({"groupIds": many}))
        .send()
        .await;
    response.assert_error(400, "Request_BadRequest");
    let response = app
        .post(&format!("/v1.0/users/{ADELE}/checkMemberGroups"))
        .token(&token)
        .json(json!({"groupIds": ["not-a-guid"]}))
        .send()
        .await;
    response.assert_error(400, "Request_BadRequest");
    let response = app
        .post(&format!("/v1.0/users/{MISSING}/checkMemberGroups"))
        .token(&token)
        .json(json!({"groupIds": [FINANCE]}))
        .send()
        .await;
    response.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn check_member_objects_matches_transitive_groups() {
    let app = TestApp::new().await;
    let token = app.admin();
    let response = post_check(
        &app,
        &token,
        &format!("/v1.0/users/{JOHANNA}/checkMemberObjects"),
        json!({"ids": [MARK8_M365, LINKEDIN_PILOT, RETAIL_MUNICH, ADELE]}),
    )
    .await;
    assert_eq!(strings(&response), [MARK8_M365, LINKEDIN_PILOT]);
}

#[tokio::test]
async fn get_member_groups_honours_security_enabled_only() {
    let app = TestApp::new().await;
    let token = app.admin();
    let path = format!("/v1.0/users/{ALEX}/getMemberGroups");
    let all = post_check(&app, &token, &path, json!({"securityEnabledOnly": false})).await;
    assert_eq!(
        sorted(&strings(&all)),
        sorted(&[LINKEDIN_PILOT, SALES_M365])
    );
    let security = post_check(&app, &token, &path, json!({"securityEnabledOnly": true})).await;
    assert_eq!(strings(&security), [LINKEDIN_PILOT]);
    // Transitive: Christie's three nested security groups.
    let christie = post_check(
        &app,
        &token,
        &format!("/v1.0/users/{CHRISTIE}/getMemberGroups"),
        json!({"securityEnabledOnly": true}),
    )
    .await;
    assert_eq!(
        sorted(&strings(&christie)),
        sorted(&[RETAIL_MUNICH, RETAIL_EUROPE, LINKEDIN_PILOT])
    );
    // Megan: the dynamic group is security-enabled, the Microsoft 365 group is not.
    let megan = post_check(
        &app,
        &token,
        &format!("/v1.0/users/{MEGAN}/getMemberGroups"),
        json!({"securityEnabledOnly": true}),
    )
    .await;
    assert_eq!(
        sorted(&strings(&megan)),
        sorted(&[LINKEDIN_PILOT, DYNAMIC_SEATTLE])
    );
    // The flag is required.
    app.post(&path)
        .token(&token)
        .json(json!({}))
        .send()
        .await
        .assert_error(400, "Request_BadRequest");
}

#[tokio::test]
async fn me_variants_answer_for_the_signed_in_user() {
    let app = TestApp::new().await;
    let token = app.user_token(CONTOSO, CHRISTIE, &["User.Read"]).await;
    let member_of = app.get("/v1.0/me/memberOf").token(&token).send().await;
    assert_eq!(member_of.status, 200, "{}", member_of.text);
    assert_eq!(member_of.ids(), [RETAIL_MUNICH]);
    let transitive = app
        .get("/v1.0/me/transitiveMemberOf")
        .token(&token)
        .send()
        .await;
    assert_eq!(
        sorted(&transitive.ids()),
        sorted(&[RETAIL_MUNICH, RETAIL_EUROPE, LINKEDIN_PILOT])
    );
    let check = post_check(
        &app,
        &token,
        "/v1.0/me/checkMemberGroups",
        json!({"groupIds": [LINKEDIN_PILOT, FINANCE]}),
    )
    .await;
    assert_eq!(strings(&check), [LINKEDIN_PILOT]);
    let objects = post_check(
        &app,
        &token,
        "/v1.0/me/checkMemberObjects",
        json!({"ids": [RETAIL_EUROPE, SALES_M365]}),
    )
    .await;
    assert_eq!(strings(&objects), [RETAIL_EUROPE]);
    let groups = post_check(
        &app,
        &token,
        "/v1.0/me/getMemberGroups",
        json!({"securityEnabledOnly": false}),
    )
    .await;
    assert_eq!(
        sorted(&strings(&groups)),
        sorted(&[RETAIL_MUNICH, RETAIL_EUROPE, LINKEDIN_PILOT])
    );
}

#[tokio::test]
async fn me_variants_are_refused_for_app_tokens() {
    let app = TestApp::new().await;
    let token = app.admin();
    let message = "/me request is only valid with delegated authentication flow.";
    for path in ["/v1.0/me/memberOf", "/v1.0/me/transitiveMemberOf"] {
        let response = app.get(path).token(&token).send().await;
        assert_eq!(response.assert_error(400, "BadRequest"), message, "{path}");
    }
    for (path, body) in [
        (
            "/v1.0/me/checkMemberGroups",
            json!({"groupIds": [LINKEDIN_PILOT]}),
        ),
        (
            "/v1.0/me/checkMemberObjects",
            json!({"ids": [LINKEDIN_PILOT]}),
        ),
        (
            "/v1.0/me/getMemberGroups",
            json!({"securityEnabledOnly": true}),
        ),
    ] {
        let response = app.post(path).token(&token).json(body).send().await;
        assert_eq!(response.assert_error(400, "BadRequest"), message, "{path}");
    }
}

#[tokio::test]
async fn members_count_needs_consistency_level_and_answers_text_plain() {
    let app = TestApp::new().await;
    let token = app.admin();
    let path = format!("/v1.0/groups/{LINKEDIN_PILOT}/members/$count");
    let response = app.get(&path).token(&token).send().await;
    assert_eq!(
        response.assert_error(400, "Request_BadRequest"),
        "$count is not currently supported."
    );
    let response = app.get(&path).eventual().token(&token).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(
        response.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/plain")
    );
    assert_eq!(response.text, "4");
    let transitive = app
        .get(&format!(
            "/v1.0/groups/{LINKEDIN_PILOT}/transitiveMembers/$count"
        ))
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!(transitive.text, "8");
}

#[tokio::test]
async fn casts_on_membership_are_advanced_queries() {
    let app = TestApp::new().await;
    let token = app.admin();
    let users = format!("/v1.0/groups/{LINKEDIN_PILOT}/transitiveMembers/microsoft.graph.user");
    let response = app.get(&users).token(&token).send().await;
    response.assert_error(400, "Request_UnsupportedQuery");
    let response = app.get(&users).eventual().token(&token).send().await;
    response.assert_error(400, "Request_UnsupportedQuery");
    let response = app
        .get(&format!("{users}?$count=true"))
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json["@odata.count"], 6);
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#users"
    );
    assert_eq!(
        sorted(&response.ids()),
        sorted(&[ADELE, ALEX, MEGAN, JOHANNA, HENRIETTA, CHRISTIE])
    );
    let groups = app
        .get(&format!(
            "/v1.0/groups/{LINKEDIN_PILOT}/transitiveMembers/microsoft.graph.group?$count=true"
        ))
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!(groups.status, 200, "{}", groups.text);
    assert_eq!(
        sorted(&groups.ids()),
        sorted(&[RETAIL_EUROPE, RETAIL_MUNICH])
    );
    let direct_groups = app
        .get(&format!(
            "/v1.0/groups/{LINKEDIN_PILOT}/members/microsoft.graph.group?$count=true"
        ))
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!(direct_groups.ids(), [RETAIL_EUROPE]);
    let direct_users = app
        .get(&format!(
            "/v1.0/groups/{LINKEDIN_PILOT}/members/microsoft.graph.user?$count=true&$select=id"
        ))
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!(direct_users.json["@odata.count"], 3);
    assert_eq!(sorted(&direct_users.ids()), sorted(&[ADELE, ALEX, MEGAN]));
}

#[tokio::test]
async fn members_can_be_filtered_and_paged() {
    let app = TestApp::new().await;
    let token = app.admin();
    let filtered = app
        .get(&format!(
            "/v1.0/groups/{LINKEDIN_PILOT}/transitiveMembers?$filter=startsWith(displayName,'Retail')"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(filtered.status, 200, "{}", filtered.text);
    assert_eq!(
        sorted(&filtered.ids()),
        sorted(&[RETAIL_EUROPE, RETAIL_MUNICH])
    );
    let pages = all_pages(
        &app,
        &token,
        &format!("/v1.0/groups/{LINKEDIN_PILOT}/transitiveMembers?$top=3"),
    )
    .await;
    assert_eq!(pages.len(), 3);
    let ids: Vec<String> = pages
        .iter()
        .flat_map(|p| p["value"].as_array().expect("value").clone())
        .map(|v| v["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(
        sorted(&ids),
        transitive_members(&app, &token, LINKEDIN_PILOT).await
    );
}

#[tokio::test]
async fn a_cast_to_users_filters_and_selects_on_user_properties() {
    let app = TestApp::new().await;
    let response = app
        .get(&format!(
            "/v1.0/groups/{LINKEDIN_PILOT}/transitiveMembers/microsoft.graph.user?$count=true&$filter=city eq 'Munich'&$select=id,city"
        ))
        .eventual()
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(sorted(&response.ids()), sorted(&[JOHANNA, CHRISTIE]));
    assert_eq!(response.json["@odata.count"], 2);
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#users(id,city)"
    );
    // Groups have no `city`.
    let response = app
        .get(&format!(
            "/v1.0/groups/{LINKEDIN_PILOT}/transitiveMembers/microsoft.graph.group?$count=true&$filter=city eq 'Munich'"
        ))
        .eventual()
        .token(&app.admin())
        .send()
        .await;
    response.assert_error(400, "Request_BadRequest");
}

#[tokio::test]
async fn member_lists_project_select_and_keep_the_odata_type() {
    let app = TestApp::new().await;
    let response = app
        .get(&format!(
            "/v1.0/groups/{RETAIL_EUROPE}/members?$select=id,displayName"
        ))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#directoryObjects(id,displayName)"
    );
    assert_eq!(
        response.json["value"],
        json!([
            {"@odata.type": "#microsoft.graph.user", "id": JOHANNA, "displayName": "Johanna Lorenz"},
            {"@odata.type": "#microsoft.graph.user", "id": HENRIETTA, "displayName": "Henrietta Mueller"},
            {"@odata.type": "#microsoft.graph.group", "id": RETAIL_MUNICH, "displayName": "Retail Munich Store"},
        ])
    );
}

#[tokio::test]
async fn member_of_accepts_a_percent_encoded_guest_upn() {
    let app = TestApp::new().await;
    // Kiota expands path parameters with RFC 6570 encoding: `#` and `@` arrive encoded.
    let response = app
        .get("/v1.0/users/jane_fabrikam.com%23EXT%23%40contoso.onmicrosoft.com/memberOf")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.ids(), [SALES_M365]);
}

#[tokio::test]
async fn deleting_a_user_removes_it_from_every_group() {
    let app = TestApp::new().await;
    let token = app.admin();
    let response = app
        .delete(&format!("/v1.0/users/{CHRISTIE}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert!(members(&app, &token, RETAIL_MUNICH).await.is_empty());
    assert!(
        !transitive_members(&app, &token, LINKEDIN_PILOT)
            .await
            .contains(&CHRISTIE.to_owned())
    );
}

/// The members a snapshot lists for a group, as exported.
async fn exported_members(app: &TestApp, group: &str) -> Vec<String> {
    let snapshot = app.get("/_tenantsim/snapshot").send().await;
    assert_eq!(snapshot.status, 200, "{}", snapshot.text);
    snapshot.json["tenants"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|tenant| tenant["groups"].as_array().into_iter().flatten())
        .find(|g| g["id"] == group)
        .map(|g| serde_json::from_value(g["members"].clone()).expect("member ids"))
        .expect("the group is exported")
}

/// A group's direct members keep the order they were added in (a snapshot lists them so): a
/// member removed and added again comes after the rest, after one added before it whose id
/// sorts later. Each tenant numbers its memberships with a counter on its row (migration
/// 0018), not by reading the highest number.
#[tokio::test]
async fn a_groups_members_keep_the_order_they_were_added_in() {
    let app = TestApp::new().await;
    let token = app.admin();
    let seeded = exported_members(&app, LINKEDIN_PILOT).await;
    assert!(seeded.len() >= 3, "{seeded:?}");
    let first = seeded[0].clone();
    let removed = app
        .delete(&format!(
            "/v1.0/groups/{LINKEDIN_PILOT}/members/{first}/$ref"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    assert!(
        first.as_str() < LYNNE_NO_GROUPS,
        "ids in the other order than added"
    );
    for id in [LYNNE_NO_GROUPS, first.as_str()] {
        let added = app
            .post(&format!("/v1.0/groups/{LINKEDIN_PILOT}/members/$ref"))
            .token(&token)
            .json(reference(id))
            .send()
            .await;
        assert_eq!(added.status, 204, "{}", added.text);
    }
    let mut expected = seeded[1..].to_vec();
    expected.extend([LYNNE_NO_GROUPS.to_owned(), first]);
    assert_eq!(exported_members(&app, LINKEDIN_PILOT).await, expected);
    // A reset by the undo log puts the seeded order back.
    let reset = app.post("/_tenantsim/reset").send().await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert_eq!(exported_members(&app, LINKEDIN_PILOT).await, seeded);
}
