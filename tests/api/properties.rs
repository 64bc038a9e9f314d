//! Honest boundaries for properties (issue 12, item 4), against Graph's own type metadata
//! (`src/odata/known_properties/`, from the official SDKs' models):
//!
//! - `$select` of a property Graph has but tenantsim does not store → `null`, as Graph renders an
//!   unset property; a property Graph does not have → Graph's 400;
//! - `$filter`/`$orderby` on such a property → 501 `NotImplemented` naming tenantsim;
//! - a POST/PATCH body naming a property the type does not have → Graph's 400, nothing changed;
//!   a real Graph property tenantsim does not store → 501, nothing changed (never dropped);
//! - a weak `passwordProfile.password` → Graph's complexity error.

use serde_json::{Value, json};

use crate::common::*;

const NO_SUCH_USER_PROPERTY: &str = "The property 'favouriteColour' does not exist on type 'microsoft.graph.user'. Make sure to only use property names that are defined by the type.";
const TOO_WEAK: &str = "The specified password does not comply with password complexity requirements. Please provide a different password.";

fn new_user(nickname: &str, password: &str) -> Value {
    json!({
        "accountEnabled": true, "displayName": nickname, "mailNickname": nickname,
        "userPrincipalName": format!("{nickname}@contoso.onmicrosoft.com"),
        "passwordProfile": {"forceChangePasswordNextSignIn": false, "password": password}
    })
}

#[tokio::test]
async fn select_of_a_graph_property_tenantsim_does_not_store_is_null() {
    let app = TestApp::new().await;
    let token = app.admin();
    for version in ["v1.0", "beta"] {
        let one = app
            .get(&format!(
                "/{version}/users/{ADELE}?$select=displayName,employeeOrgData,ONPREMISESDISTINGUISHEDNAME"
            ))
            .token(&token)
            .send()
            .await;
        assert_eq!(one.status, 200, "{}", one.text);
        assert_eq!(one.json["displayName"], "Adele Vance");
        // Graph's spelling, present and null.
        let object = one.json.as_object().expect("object");
        assert!(object["employeeOrgData"].is_null(), "{}", one.text);
        assert!(
            object["onPremisesDistinguishedName"].is_null(),
            "{}",
            one.text
        );
        assert!(
            one.json["@odata.context"].as_str().unwrap().ends_with(
                "users(displayName,employeeOrgData,onPremisesDistinguishedName)/$entity"
            ),
            "{}",
            one.text
        );
    }
    let list = app
        .get("/v1.0/groups?$select=id,isManagementRestricted&$top=3")
        .token(&token)
        .send()
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    let items = list.json["value"].as_array().expect("value");
    assert_eq!(items.len(), 3);
    for item in items {
        assert!(
            item.as_object().unwrap()["isManagementRestricted"].is_null(),
            "{item}"
        );
        assert!(item["id"].is_string());
    }
}

#[tokio::test]
async fn select_of_a_property_graph_does_not_have_keeps_graphs_400() {
    let app = TestApp::new().await;
    let token = app.admin();
    let message = app
        .get(&format!(
            "/v1.0/users/{ADELE}?$select=displayName,favouriteColour"
        ))
        .token(&token)
        .send()
        .await
        .assert_error(400, "Request_BadRequest");
    assert_eq!(
        message,
        "Could not find a property named 'favouriteColour' on type 'microsoft.graph.user'."
    );
    // A navigation property is not a structural property to select.
    app.get("/v1.0/users?$select=manager")
        .token(&token)
        .send()
        .await
        .assert_error(400, "Request_BadRequest");
    // A beta-only property is not a v1.0 one.
    let beta_only = "isLicenseReconciliationNeeded";
    assert_eq!(
        app.get(&format!("/beta/users/{ADELE}?$select={beta_only}"))
            .token(&token)
            .send()
            .await
            .status,
        200
    );
    app.get(&format!("/v1.0/users/{ADELE}?$select={beta_only}"))
        .token(&token)
        .send()
        .await
        .assert_error(400, "Request_BadRequest");
}

#[tokio::test]
async fn filter_and_orderby_on_a_graph_property_tenantsim_does_not_store_are_501() {
    let app = TestApp::new().await;
    let token = app.admin();
    for (path, clause) in [
        (
            "/v1.0/users?$filter=onPremisesDistinguishedName eq 'x'",
            "filtering",
        ),
        (
            "/v1.0/users?$filter=startswith(EMPLOYEEORGDATA/division,'R')",
            "filtering",
        ),
        (
            "/v1.0/groups?$filter=isManagementRestricted eq true",
            "filtering",
        ),
        (
            "/v1.0/users?$orderby=onPremisesDistinguishedName",
            "sorting",
        ),
    ] {
        let response = app.get(path).token(&token).send().await;
        let message = response.assert_error(501, "NotImplemented");
        assert!(
            message.starts_with(&format!(
                "tenantsim does not emulate {clause} on the property '"
            )),
            "{path}: {message}"
        );
    }
    // A property Graph does not have is still Graph's 400.
    for path in [
        "/v1.0/users?$filter=favouriteColour eq 'x'",
        "/v1.0/users?$orderby=favouriteColour",
    ] {
        let message = app
            .get(path)
            .token(&token)
            .send()
            .await
            .assert_error(400, "Request_BadRequest");
        assert!(message.contains("'favouriteColour'"), "{path}: {message}");
    }
}

#[tokio::test]
async fn a_body_naming_a_property_the_type_does_not_have_is_400_and_changes_nothing() {
    let app = TestApp::new().await;
    let token = app.admin();
    let mut body = new_user("colourful", "Passw0rd!");
    body["favouriteColour"] = json!("teal");
    let message = app
        .post("/v1.0/users")
        .token(&token)
        .json(body)
        .send()
        .await
        .assert_error(400, "Request_BadRequest");
    assert_eq!(message, NO_SUCH_USER_PROPERTY);
    app.get("/v1.0/users/colourful@contoso.onmicrosoft.com")
        .token(&token)
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");

    let path = format!("/v1.0/users/{ADELE}");
    let before = app.get(&path).token(&token).send().await.json;
    let message = app
        .patch(&path)
        .token(&token)
        .json(json!({"jobTitle": "Painter", "favouriteColour": "teal"}))
        .send()
        .await
        .assert_error(400, "Request_BadRequest");
    assert_eq!(message, NO_SUCH_USER_PROPERTY);
    assert_eq!(app.get(&path).token(&token).send().await.json, before);

    // A user's property is not a group's.
    let group = format!("/v1.0/groups/{FINANCE}");
    let before = app.get(&group).token(&token).send().await.json;
    let message = app
        .patch(&group)
        .token(&token)
        .json(json!({"description": "x", "jobTitle": "x"}))
        .send()
        .await
        .assert_error(400, "Request_BadRequest");
    assert!(
        message
            .starts_with("The property 'jobTitle' does not exist on type 'microsoft.graph.group'."),
        "{message}"
    );
    assert_eq!(app.get(&group).token(&token).send().await.json, before);
    app.post("/v1.0/groups")
        .token(&token)
        .json(
            json!({"displayName": "Painters", "mailEnabled": false, "mailNickname": "painters",
                     "securityEnabled": true, "jobTitle": "x"}),
        )
        .send()
        .await
        .assert_error(400, "Request_BadRequest");
    let painters = app
        .get("/v1.0/groups?$filter=displayName eq 'Painters'")
        .token(&token)
        .send()
        .await;
    assert_eq!(painters.json["value"], json!([]), "{}", painters.text);
}

#[tokio::test]
async fn a_graph_property_tenantsim_does_not_store_is_501_in_a_write_and_changes_nothing() {
    let app = TestApp::new().await;
    let token = app.admin();
    let path = format!("/v1.0/users/{ADELE}");
    let before = app.get(&path).token(&token).send().await.json;
    let message = app
        .patch(&path)
        .token(&token)
        .json(json!({"jobTitle": "x", "employeeOrgData": {"division": "Retail"}}))
        .send()
        .await
        .assert_error(501, "NotImplemented");
    assert_eq!(
        message,
        "tenantsim does not store the property 'employeeOrgData' of 'microsoft.graph.user'; it is not emulated in writes."
    );
    assert_eq!(app.get(&path).token(&token).send().await.json, before);
    let mut body = new_user("orgdata", "Passw0rd!");
    body["employeeOrgData"] = json!({"division": "Retail"});
    app.post("/v1.0/users")
        .token(&token)
        .json(body)
        .send()
        .await
        .assert_error(501, "NotImplemented");
    app.get("/v1.0/users/orgdata@contoso.onmicrosoft.com")
        .token(&token)
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
    // Stored properties, annotations and read-only properties still pass.
    let response = app
        .patch(&path)
        .token(&token)
        .json(json!({"jobTitle": "Buyer", "@odata.type": "#microsoft.graph.user", "createdDateTime": null}))
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
}

#[tokio::test]
async fn a_navigation_property_written_inline_is_400_and_changes_nothing() {
    let app = TestApp::new().await;
    let token = app.admin();
    let user = format!("https://graph.microsoft.com/v1.0/users/{ADELE}");
    let group = |extra: Value| {
        let mut body = json!({
            "displayName": "Inline", "mailEnabled": false, "mailNickname": "inline",
            "securityEnabled": true, "groupTypes": ["Unified"],
        });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    for (inline, says) in [
        // Links where entities belong: the OData reader's complaint.
        (json!({ "members": [user] }), "'PrimitiveValue'"),
        // Entities inline: the directory does not deep-insert; the message names the binding.
        (json!({ "owners": [{"id": ADELE}] }), "'owners@odata.bind'"),
    ] {
        let message = app
            .post("/v1.0/groups")
            .token(&token)
            .json(group(inline))
            .send()
            .await
            .assert_error(400, "Request_BadRequest");
        assert!(message.contains(says), "{message}");
    }
    let found = app
        .get("/v1.0/groups?$filter=displayName eq 'Inline'")
        .token(&token)
        .send()
        .await;
    assert_eq!(found.json["value"], json!([]), "{}", found.text);
    let path = format!("/v1.0/users/{ADELE}");
    let before = app.get(&path).token(&token).send().await.json;
    app.patch(&path)
        .token(&token)
        .json(json!({"jobTitle": "x", "manager": {"id": ADELE}}))
        .send()
        .await
        .assert_error(400, "Request_BadRequest");
    assert_eq!(app.get(&path).token(&token).send().await.json, before);
    // The bound form still works.
    let response = app
        .post("/v1.0/groups")
        .token(&token)
        .json(group(json!({ "members@odata.bind": [user] })))
        .send()
        .await;
    assert_eq!(response.status, 201, "{}", response.text);
}

#[tokio::test]
async fn weak_passwords_get_graphs_complexity_error_and_strong_ones_pass() {
    let app = TestApp::new().await;
    let token = app.admin();
    for weak in [
        "password",
        "Pa0!",
        "PASSWORD1",
        "12345678abc",
        &"Aa1!".repeat(65),
    ] {
        let message = app
            .post("/v1.0/users")
            .token(&token)
            .json(new_user("weakling", weak))
            .send()
            .await
            .assert_error(400, "Request_BadRequest");
        assert_eq!(message, TOO_WEAK, "{weak}");
    }
    app.get("/v1.0/users/weakling@contoso.onmicrosoft.com")
        .token(&token)
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
    // The fixtures' password passes; so does a weak one where the user's policy allows it.
    let created = app
        .post("/v1.0/users")
        .token(&token)
        .json(new_user("strong", "Passw0rd!"))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let mut lax = new_user("lax", "password");
    lax["passwordPolicies"] = json!("DisablePasswordExpiration, DisableStrongPassword");
    let created = app.post("/v1.0/users").token(&token).json(lax).send().await;
    assert_eq!(created.status, 201, "{}", created.text);
    // PATCH: a weak password changes nothing (the old one still signs in), a strong one is set.
    let path = format!("/v1.0/users/{ADELE}");
    app.patch(&path)
        .token(&token)
        .json(json!({"passwordProfile": {"password": "adele"}}))
        .send()
        .await
        .assert_error(400, "Request_BadRequest");
    let response = app
        .patch(&path)
        .token(&token)
        .json(json!({"passwordProfile": {"password": "N3w-Passw0rd"}}))
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
}
