//! Groups: list, get, create (security, Microsoft 365, dynamic), update, delete, `$expand=members`.

use serde_json::{Value, json};

use crate::common::*;

/// Graph's default property set of a group (group-get.md), in any order.
const GROUP_DEFAULTS: &[&str] = &[
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "creationOptions",
    "description",
    "displayName",
    "expirationDateTime",
    "groupTypes",
    "isAssignableToRole",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesDomainName",
    "onPremisesLastSyncDateTime",
    "onPremisesNetBiosName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "renewedDateTime",
    "resourceBehaviorOptions",
    "resourceProvisioningOptions",
    "securityEnabled",
    "securityIdentifier",
    "theme",
    "visibility",
    "onPremisesProvisioningErrors",
    "serviceProvisioningErrors",
];

fn keys_of(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .expect("object")
        .keys()
        .filter(|k| !k.starts_with("@odata."))
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn security_group(nickname: &str) -> Value {
    json!({
        "displayName": "Test Security",
        "mailEnabled": false,
        "mailNickname": nickname,
        "securityEnabled": true,
        "groupTypes": [],
        "@odata.type": "#microsoft.graph.group"
    })
}

async fn group_count(app: &TestApp, token: &str) -> String {
    let response = app
        .get("/v1.0/groups/$count")
        .eventual()
        .token(token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.text
}

#[tokio::test]
async fn list_groups_returns_the_default_property_set() {
    let app = TestApp::new().await;
    let response = app
        .get("/v1.0/groups?$top=2")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.ids(), [LINKEDIN_PILOT, RETAIL_EUROPE]);
    for group in response.json["value"].as_array().expect("value") {
        assert_eq!(keys_of(group), sorted(GROUP_DEFAULTS));
    }
    insta::assert_json_snapshot!(response.redacted());
}

#[tokio::test]
async fn list_groups_without_top_returns_every_contoso_group_in_one_page() {
    let app = TestApp::new().await;
    let response = app.get("/v1.0/groups").token(&app.admin()).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(response.json.get("@odata.nextLink").is_none());
    assert_eq!(
        response.names(),
        [
            "LinkedIn Pilot",
            "Retail Europe",
            "Retail Munich Store",
            "Sales and Marketing",
            "All Seattle users",
            "Finance",
            "IT Admins",
            "Mark 8 Project Team",
        ]
    );
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#groups"
    );
}

#[tokio::test]
async fn get_group_returns_the_default_properties_and_an_entity_context() {
    let app = TestApp::new().await;
    let response = app
        .get(&format!("/v1.0/groups/{SALES_M365}"))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#groups/$entity"
    );
    assert_eq!(keys_of(&response.json), sorted(GROUP_DEFAULTS));
    assert_eq!(response.json["id"], SALES_M365);
    assert_eq!(response.json["groupTypes"], json!(["Unified"]));
    assert_eq!(response.json["mail"], "sales@contoso.com");
    assert_eq!(response.json["visibility"], "Public");
}

#[tokio::test]
async fn get_unknown_group_is_request_resource_not_found() {
    let app = TestApp::new().await;
    let missing = "00000000-0000-4000-8000-00000000beef";
    let response = app
        .get(&format!("/v1.0/groups/{missing}"))
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
    // A user id is not a group.
    app.get(&format!("/v1.0/groups/{ADELE}"))
        .token(&app.admin())
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn create_security_group_returns_201_and_the_group_can_be_read_back() {
    let app = TestApp::new().await;
    let token = app.admin();
    let created = app
        .post("/v1.0/groups")
        .token(&token)
        .json(security_group("testsecurity"))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        created.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#groups/$entity"
    );
    assert_eq!(keys_of(&created.json), sorted(GROUP_DEFAULTS));
    let id = created.json["id"].as_str().expect("id").to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    assert_eq!(created.json["mail"], Value::Null);
    assert!(
        created.json["securityIdentifier"]
            .as_str()
            .expect("sid")
            .starts_with("S-1-12-1-")
    );
    let read = app
        .get(&format!("/v1.0/groups/{id}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.json["displayName"], "Test Security");
    assert_eq!(read.json["mailNickname"], "testsecurity");
    assert_eq!(read.json["securityEnabled"], true);
    assert_eq!(read.json["mailEnabled"], false);
    assert_eq!(read.json["groupTypes"], json!([]));
    let listed = app
        .get("/v1.0/groups?$filter=mailNickname eq 'testsecurity'")
        .token(&token)
        .send()
        .await;
    assert_eq!(listed.ids(), [id]);
}

#[tokio::test]
async fn create_microsoft_365_group_fills_mail_from_the_nickname() {
    let app = TestApp::new().await;
    let token = app.admin();
    let created = app
        .post("/v1.0/groups")
        .token(&token)
        .json(json!({
            "displayName": "Marketing Crew",
            "description": "Everyone in marketing",
            "groupTypes": ["Unified"],
            "mailEnabled": true,
            "mailNickname": "marketingcrew",
            "securityEnabled": false,
            "visibility": "Private"
        }))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().expect("id").to_owned();
    let read = app
        .get(&format!("/v1.0/groups/{id}"))
        .token(&token)
        .send()
        .await;
    let mail = read.json["mail"].as_str().expect("mail is filled");
    let (local, domain) = mail.split_once('@').expect("an address");
    assert_eq!(local, "marketingcrew");
    assert!(
        ["contoso.onmicrosoft.com", "contoso.com"].contains(&domain),
        "{mail}"
    );
    assert_eq!(read.json["proxyAddresses"], json!([format!("SMTP:{mail}")]));
    assert_eq!(read.json["groupTypes"], json!(["Unified"]));
    assert_eq!(read.json["visibility"], "Private");
    assert!(read.json["renewedDateTime"].is_string());
    let unified = app
        .get("/v1.0/groups?$filter=groupTypes/any(c:c eq 'Unified')")
        .token(&token)
        .send()
        .await;
    assert!(unified.ids().contains(&id));
}

#[tokio::test]
async fn create_dynamic_group_keeps_its_rule_and_turns_processing_on() {
    let app = TestApp::new().await;
    let token = app.admin();
    let created = app
        .post("/v1.0/groups")
        .token(&token)
        .json(json!({
            "displayName": "All Tulsa users",
            "groupTypes": ["DynamicMembership"],
            "mailEnabled": false,
            "mailNickname": "alltulsa",
            "securityEnabled": true,
            "membershipRule": "(user.city -eq \"Tulsa\")"
        }))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().expect("id").to_owned();
    let read = app
        .get(&format!("/v1.0/groups/{id}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(read.json["membershipRule"], "(user.city -eq \"Tulsa\")");
    assert_eq!(read.json["membershipRuleProcessingState"], "On");
    assert_eq!(read.json["groupTypes"], json!(["DynamicMembership"]));
}

#[tokio::test]
async fn create_group_without_a_mail_nickname_is_request_bad_request_and_creates_nothing() {
    let app = TestApp::new().await;
    let token = app.admin();
    let before = group_count(&app, &token).await;
    let mut body = security_group("x");
    body.as_object_mut().expect("object").remove("mailNickname");
    let response = app
        .post("/v1.0/groups")
        .token(&token)
        .json(body)
        .send()
        .await;
    let message = response.assert_error(400, "Request_BadRequest");
    assert_eq!(
        message,
        "Invalid value specified for property 'mailNickname' of resource 'Group'."
    );
    assert_eq!(group_count(&app, &token).await, before);
}

#[tokio::test]
async fn create_group_with_forbidden_mail_nickname_characters_is_request_bad_request() {
    let app = TestApp::new().await;
    let token = app.admin();
    let before = group_count(&app, &token).await;
    let too_long = "a".repeat(65);
    for nickname in [
        "has space",
        "at@sign",
        "dot.ted",
        "paren(",
        "brack[et]",
        "semi;colon",
        "colon:",
        "quo\"te",
        "back\\slash",
        "less<more>",
        "com,ma",
        "ümlaut",
        too_long.as_str(),
        "",
    ] {
        let response = app
            .post("/v1.0/groups")
            .token(&token)
            .json(security_group(nickname))
            .send()
            .await;
        let message = response.assert_error(400, "Request_BadRequest");
        assert!(message.contains("'mailNickname'"), "{nickname}: {message}");
    }
    assert_eq!(group_count(&app, &token).await, before);
    // The allowed neighbours of those characters pass.
    let ok = app
        .post("/v1.0/groups")
        .token(&token)
        .json(security_group("dash-under_score"))
        .send()
        .await;
    assert_eq!(ok.status, 201, "{}", ok.text);
}

#[tokio::test]
async fn create_dynamic_group_without_a_rule_is_request_bad_request() {
    let app = TestApp::new().await;
    let token = app.admin();
    let before = group_count(&app, &token).await;
    for rule in [None, Some(""), Some("   ")] {
        let mut body = json!({
            "displayName": "Dynamic without rule",
            "groupTypes": ["DynamicMembership"],
            "mailEnabled": false,
            "mailNickname": "norule",
            "securityEnabled": true
        });
        if let Some(rule) = rule {
            body["membershipRule"] = json!(rule);
        }
        let response = app
            .post("/v1.0/groups")
            .token(&token)
            .json(body)
            .send()
            .await;
        let message = response.assert_error(400, "Request_BadRequest");
        assert!(message.contains("'membershipRule'"), "{message}");
    }
    assert_eq!(group_count(&app, &token).await, before);
}

#[tokio::test]
async fn create_group_without_the_required_flags_is_request_bad_request() {
    let app = TestApp::new().await;
    let token = app.admin();
    for missing in ["displayName", "mailEnabled", "securityEnabled"] {
        let mut body = security_group("flags");
        body.as_object_mut().expect("object").remove(missing);
        let response = app
            .post("/v1.0/groups")
            .token(&token)
            .json(body)
            .send()
            .await;
        let message = response.assert_error(400, "Request_BadRequest");
        assert!(message.contains(&format!("'{missing}'")), "{message}");
    }
}

#[tokio::test]
async fn update_group_answers_204_and_null_clears_a_property() {
    let app = TestApp::new().await;
    let token = app.admin();
    let path = format!("/v1.0/groups/{FINANCE}");
    let response = app
        .patch(&path)
        .token(&token)
        .json(json!({"description": "Money people", "classification": "Internal"}))
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert!(response.text.is_empty());
    let read = app.get(&path).token(&token).send().await;
    assert_eq!(read.json["description"], "Money people");
    assert_eq!(read.json["classification"], "Internal");
    let response = app
        .patch(&path)
        .token(&token)
        .json(json!({"description": null}))
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
    let read = app.get(&path).token(&token).send().await;
    assert_eq!(read.json["description"], Value::Null);
    assert_eq!(read.json["classification"], "Internal");
    assert_eq!(read.json["displayName"], "Finance");
}

#[tokio::test]
async fn update_group_with_a_bad_mail_nickname_is_400_and_changes_nothing() {
    let app = TestApp::new().await;
    let token = app.admin();
    let path = format!("/v1.0/groups/{FINANCE}");
    let before = app.get(&path).token(&token).send().await.json;
    let response = app
        .patch(&path)
        .token(&token)
        .json(json!({"displayName": "Renamed", "mailNickname": "no spaces allowed"}))
        .send()
        .await;
    response.assert_error(400, "Request_BadRequest");
    assert_eq!(app.get(&path).token(&token).send().await.json, before);
}

#[tokio::test]
async fn update_unknown_group_is_request_resource_not_found() {
    let app = TestApp::new().await;
    let missing = "00000000-0000-4000-8000-00000000beef";
    app.patch(&format!("/v1.0/groups/{missing}"))
        .token(&app.admin())
        .json(json!({"description": "x"}))
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn delete_group_answers_204_then_404_and_drops_its_memberships() {
    let app = TestApp::new().await;
    let token = app.admin();
    let path = format!("/v1.0/groups/{RETAIL_EUROPE}");
    let response = app.delete(&path).token(&token).send().await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert!(response.text.is_empty());
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
    // LinkedIn Pilot no longer contains it, nor reaches Retail Munich Store through it.
    let members = app
        .get(&format!("/v1.0/groups/{LINKEDIN_PILOT}/transitiveMembers"))
        .token(&token)
        .send()
        .await;
    assert_eq!(sorted(&members.ids()), sorted(&[ADELE, ALEX, MEGAN]));
    // Deleting a user through /groups is not possible.
    app.delete(&format!("/v1.0/groups/{ADELE}"))
        .token(&token)
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
}

/// A security group with 21 members: every Contoso user bound at creation (20), plus Finance.
async fn big_group(app: &TestApp, token: &str) -> String {
    let binds: Vec<String> = (1..=20)
        .map(|n| {
            format!(
                "https://graph.microsoft.com/v1.0/directoryObjects/{}",
                user(n)
            )
        })
        .collect();
    let mut body = security_group("everyone");
    body["members@odata.bind"] = json!(binds);
    let created = app
        .post("/v1.0/groups")
        .token(token)
        .json(body)
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().expect("id").to_owned();
    let added = app
        .post(&format!("/v1.0/groups/{id}/members/$ref"))
        .token(token)
        .json(reference(FINANCE))
        .send()
        .await;
    assert_eq!(added.status, 204, "{}", added.text);
    let count = app
        .get(&format!("/v1.0/groups/{id}/members/$count"))
        .eventual()
        .token(token)
        .send()
        .await;
    assert_eq!(count.text, "21");
    id
}

#[tokio::test]
async fn expand_members_returns_at_most_20_typed_members_and_no_next_link() {
    let app = TestApp::new().await;
    let token = app.admin();
    let id = big_group(&app, &token).await;
    let response = app
        .get(&format!("/v1.0/groups/{id}?$expand=members"))
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let members = response.json["members"].as_array().expect("members");
    assert_eq!(members.len(), 20);
    for member in members {
        assert_eq!(member["@odata.type"], "#microsoft.graph.user", "{member}");
        assert!(member["id"].is_string());
        assert!(member["userPrincipalName"].is_string());
    }
    let keys = keys_of(&response.json);
    assert!(
        !keys.iter().any(|k| k.contains("nextLink")),
        "no nextLink anywhere: {keys:?}"
    );
    assert!(
        !response.text.contains("nextLink"),
        "no nextLink anywhere: {}",
        response.text
    );
}

#[tokio::test]
async fn expand_members_with_nested_select_keeps_the_type_and_the_selection() {
    let app = TestApp::new().await;
    let response = app
        .get(&format!(
            "/v1.0/groups/{LINKEDIN_PILOT}?$select=id,displayName&$expand=members($select=id,displayName)"
        ))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json["members"],
        json!([
            {"@odata.type": "#microsoft.graph.user", "id": ADELE, "displayName": "Adele Vance"},
            {"@odata.type": "#microsoft.graph.user", "id": ALEX, "displayName": "Alex Wilber"},
            {"@odata.type": "#microsoft.graph.user", "id": MEGAN, "displayName": "Megan Bowen"},
            {"@odata.type": "#microsoft.graph.group", "id": RETAIL_EUROPE, "displayName": "Retail Europe"},
        ])
    );
}

#[tokio::test]
async fn expand_members_on_a_list_expands_every_group() {
    let app = TestApp::new().await;
    let token = app.admin();
    let id = big_group(&app, &token).await;
    let response = app
        .get("/v1.0/groups?$expand=members($select=id)")
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    for group in response.json["value"].as_array().expect("value") {
        let members = group["members"].as_array().expect("members expanded");
        let expected = match group["id"].as_str().expect("id") {
            g if g == id => 20,
            LINKEDIN_PILOT => 4,
            RETAIL_MUNICH => 1,
            SALES_M365 => 5,
            _ => members.len(),
        };
        assert_eq!(members.len(), expected, "{group}");
    }
    assert!(!response.text.contains("members@odata.nextLink"));
}

#[tokio::test]
async fn create_group_with_a_bad_member_bind_is_refused_and_creates_nothing() {
    let app = TestApp::new().await;
    let token = app.admin();
    let before = group_count(&app, &token).await;
    let url = |id: &str| format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}");
    // A group inside a Microsoft 365 group.
    let response = app
        .post("/v1.0/groups")
        .token(&token)
        .json(json!({
            "displayName": "M365 with a group", "groupTypes": ["Unified"], "mailEnabled": true,
            "mailNickname": "m365group", "securityEnabled": false,
            "members@odata.bind": [url(ADELE), url(FINANCE)]
        }))
        .send()
        .await;
    response.assert_error(400, "Request_BadRequest");
    // More than 20 binds.
    let mut body = security_group("toomany");
    body["members@odata.bind"] = json!(
        (1..=20)
            .map(user)
            .chain([FINANCE.to_owned()])
            .map(|id| url(&id))
            .collect::<Vec<_>>()
    );
    let response = app
        .post("/v1.0/groups")
        .token(&token)
        .json(body)
        .send()
        .await;
    response.assert_error(400, "Request_BadRequest");
    // A missing member.
    let mut body = security_group("missingmember");
    body["members@odata.bind"] = json!([url(ADELE), url("00000000-0000-4000-8000-00000000dead")]);
    let response = app
        .post("/v1.0/groups")
        .token(&token)
        .json(body)
        .send()
        .await;
    response.assert_error(404, "Request_ResourceNotFound");
    assert_eq!(group_count(&app, &token).await, before);
    let adele_groups = app
        .get(&format!("/v1.0/users/{ADELE}/memberOf"))
        .token(&token)
        .send()
        .await;
    assert_eq!(adele_groups.ids(), [LINKEDIN_PILOT]);
}
