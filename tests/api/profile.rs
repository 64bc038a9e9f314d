//! The beta user profile: `$select` of its collections, and its `webAccounts` (list, create,
//! get, update, delete) next to the LinkedIn entry, kept across a snapshot round trip.

use serde_json::{Value, json};

use crate::common::*;

const ALEX_UPN: &str = "AlexW@contoso.onmicrosoft.com";

fn github() -> Value {
    json!({
        "description": "My Github contributions!",
        "userId": "innocenty.popov",
        "service": {"name": "GitHub", "webUrl": "https://github.com"}
    })
}

#[tokio::test]
async fn profile_select_returns_only_the_selected_collections() {
    let app = TestApp::new().await;
    let token = app.admin();
    let response = app
        .get(&format!(
            "/beta/users/{ALEX}/profile?$select=webAccounts,Names"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let keys: Vec<&String> = response.json.as_object().expect("object").keys().collect();
    // In the profile's property order, whatever the order of $select.
    assert_eq!(
        keys,
        ["@odata.context", "id", "names", "webAccounts"],
        "{}",
        response.text
    );
    assert_eq!(
        response.json["@odata.context"],
        format!(
            "http://localhost:8080/beta/$metadata#users('{ALEX}')/profile(webAccounts,names)/$entity"
        )
    );
    assert_eq!(
        response.json["webAccounts"][0]["service"]["name"],
        "LinkedIn"
    );
    assert_eq!(response.json["names"][0]["first"], "Alex");
    // Without $select: every collection.
    let full = app
        .get(&format!("/beta/users/{ALEX}/profile"))
        .token(&token)
        .send()
        .await;
    assert_eq!(
        full.json.as_object().expect("object").len(),
        22,
        "{}",
        full.text
    );
    // /me/profile too.
    let me = app.user_token(CONTOSO, ALEX, &["User.Read"]).await;
    let mine = app
        .get("/beta/me/profile?$select=emails")
        .token(&me)
        .send()
        .await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(
        mine.json.as_object().expect("object").len(),
        3,
        "{}",
        mine.text
    );
    assert_eq!(mine.json["emails"][0]["address"], "AlexW@contoso.com");
    // A property the profile does not have.
    let bad = app
        .get(&format!("/beta/users/{ALEX}/profile?$select=widgets"))
        .token(&token)
        .send()
        .await;
    assert_eq!(
        bad.assert_error(400, "BadRequest"),
        "Could not find a property named 'widgets' on type 'microsoft.graph.profile'."
    );
}

#[tokio::test]
async fn web_accounts_are_created_read_updated_and_deleted_next_to_linkedin() {
    let app = TestApp::new().await;
    let alex = app.user_token(CONTOSO, ALEX, &["User.ReadWrite"]).await;
    let created = app
        .post("/beta/me/profile/webAccounts")
        .token(&alex)
        .json(github())
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().expect("id").to_owned();
    assert_eq!(created.json["userId"], "innocenty.popov");
    assert_eq!(created.json["service"]["name"], "GitHub");
    // Graph's example: the service's URL and the user name.
    assert_eq!(created.json["webUrl"], "https://github.com/innocenty.popov");
    assert_eq!(created.json["allowedAudiences"], "organization");
    assert_eq!(created.json["createdBy"]["user"]["id"], ALEX);
    assert_eq!(
        created.json["createdBy"]["user"]["displayName"],
        "Alex Wilber"
    );
    assert_eq!(
        created.json["@odata.context"],
        format!("http://localhost:8080/beta/$metadata#users('{ALEX}')/profile/webAccounts/$entity")
    );

    // The profile shows it after the LinkedIn entry; the list and the get agree.
    let profile = app
        .get(&format!("/beta/users/{ALEX}/profile"))
        .token(&app.admin())
        .send()
        .await;
    let accounts = profile.json["webAccounts"].as_array().expect("webAccounts");
    assert_eq!(accounts.len(), 2, "{}", profile.text);
    assert_eq!(accounts[0]["service"]["name"], "LinkedIn");
    assert_eq!(accounts[1]["id"], id.as_str());
    let list = app
        .get(&format!("/beta/users/{ALEX_UPN}/profile/webAccounts"))
        .token(&alex)
        .send()
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json["value"], json!(accounts));
    let got = app
        .get(&format!("/beta/me/profile/webAccounts/{id}"))
        .token(&alex)
        .send()
        .await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(got.json["description"], "My Github contributions!");

    // PATCH changes the given properties; 200 with the account.
    let updated = app
        .patch(&format!("/beta/users/{ALEX}/profile/webAccounts/{id}"))
        .token(&alex)
        .json(json!({"statusMessage": "Busy", "allowedAudiences": "everyone"}))
        .send()
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.json["statusMessage"], "Busy");
    assert_eq!(updated.json["allowedAudiences"], "everyone");
    assert_eq!(updated.json["userId"], "innocenty.popov");

    // The LinkedIn entry is read here, not written.
    let linked_in = accounts[0]["id"].as_str().expect("id");
    app.delete(&format!("/beta/me/profile/webAccounts/{linked_in}"))
        .token(&alex)
        .send()
        .await
        .assert_error(400, "BadRequest");

    let deleted = app
        .delete(&format!("/beta/me/profile/webAccounts/{id}"))
        .token(&alex)
        .send()
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    app.get(&format!("/beta/me/profile/webAccounts/{id}"))
        .token(&alex)
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
    app.delete(&format!("/beta/me/profile/webAccounts/{id}"))
        .token(&alex)
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
    let after = app
        .get("/beta/me/profile/webAccounts")
        .token(&alex)
        .send()
        .await;
    assert_eq!(after.json["value"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn web_account_writes_need_user_read_write_and_refuse_bad_bodies() {
    let app = TestApp::new().await;
    let path = format!("/beta/users/{ADELE}/profile/webAccounts");
    // Applications are not supported (profile-post-webaccounts).
    app.post(&path)
        .token(&app.admin())
        .json(github())
        .send()
        .await
        .assert_error(403, "Authorization_RequestDenied");
    // User.ReadWrite writes only the signed-in user's own profile.
    let alex = app.user_token(CONTOSO, ALEX, &["User.ReadWrite"]).await;
    app.post(&path)
        .token(&alex)
        .json(github())
        .send()
        .await
        .assert_error(403, "Authorization_RequestDenied");
    let reader = app.user_token(CONTOSO, ADELE, &["User.Read"]).await;
    app.post(&path)
        .token(&reader)
        .json(github())
        .send()
        .await
        .assert_error(403, "Authorization_RequestDenied");
    let all = app.user_token(CONTOSO, ALEX, &["User.ReadWrite.All"]).await;
    let before = app.get(&path).token(&all).send().await;
    assert_eq!(before.status, 200, "{}", before.text);
    assert_eq!(before.json["value"][0]["service"]["name"], "LinkedIn");
    for (body, message) in [
        (
            json!({"userId": "x", "service": {"name": "GitHub"}, "colour": "red"}),
            "Property 'colour' does not exist on type 'microsoft.graph.webAccount'.",
        ),
        (
            json!({"service": {"name": "GitHub"}}),
            "The property 'userId' is required.",
        ),
        (
            json!({"userId": "x"}),
            "The property 'service' with a 'name' is required.",
        ),
        (
            json!({"userId": 5, "service": {"name": "GitHub"}}),
            "Invalid value for property 'userId' of type 'microsoft.graph.webAccount'.",
        ),
        (
            json!({"userId": "x", "service": {"name": "GitHub"}, "allowedAudiences": "world"}),
            "The value 'world' is not a valid allowedAudiences value.",
        ),
    ] {
        let refused = app.post(&path).token(&all).json(body).send().await;
        assert_eq!(refused.assert_error(400, "BadRequest"), message);
    }
    let list = app.get(&path).token(&all).send().await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(
        list.json["value"], before.json["value"],
        "nothing was stored"
    );
    // User.ReadWrite.All writes anyone's.
    let created = app.post(&path).token(&all).json(github()).send().await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["createdBy"]["user"]["id"], ALEX);
    // An unknown user after the permission check; v1.0 has no profile.
    app.post("/beta/users/00000000-0000-4000-8000-00000000dead/profile/webAccounts")
        .token(&all)
        .json(github())
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
    // Another tenant's admin finds none of Contoso's users.
    let fabrikam = app
        .user_token(FABRIKAM, FABRIKAM_ADMIN, &["User.ReadWrite.All"])
        .await;
    app.get(&format!("/beta/users/{ADMIN}/profile/webAccounts"))
        .token(&fabrikam)
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
    app.get(&format!("/v1.0/users/{ADELE}/profile/webAccounts"))
        .token(&all)
        .send()
        .await
        .assert_error(400, "BadRequest");
}

#[tokio::test]
async fn web_accounts_survive_a_snapshot_and_a_reset_forgets_them() {
    let app = TestApp::new().await;
    let alex = app.user_token(CONTOSO, ALEX, &["User.ReadWrite"]).await;
    let created = app
        .post("/beta/me/profile/webAccounts")
        .token(&alex)
        .json(github())
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let exported = app
        .get(&format!("/_tenantsim/tenants/{CONTOSO}/snapshot"))
        .send()
        .await;
    assert_eq!(exported.status, 200, "{}", exported.text);
    let reset = app
        .post(&format!("/_tenantsim/tenants/{CONTOSO}/reset"))
        .send()
        .await;
    assert!(reset.status.is_success(), "{}", reset.text);
    let count = |response: &TestResponse| response.json["value"].as_array().map(Vec::len);
    let after_reset = app
        .get("/beta/me/profile/webAccounts")
        .token(&alex)
        .send()
        .await;
    assert_eq!(
        count(&after_reset),
        Some(1),
        "only LinkedIn: {}",
        after_reset.text
    );
    let imported = app
        .post("/_tenantsim/snapshot")
        .raw_body("application/json", exported.text.clone())
        .send()
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    let back = app
        .get("/beta/me/profile/webAccounts")
        .token(&alex)
        .send()
        .await;
    assert_eq!(count(&back), Some(2), "{}", back.text);
    assert_eq!(back.json["value"][1], {
        let mut c = created.json.clone();
        c.as_object_mut().expect("object").remove("@odata.context");
        c
    });
    let again = app
        .get(&format!("/_tenantsim/tenants/{CONTOSO}/snapshot"))
        .send()
        .await;
    assert_eq!(
        again.text, exported.text,
        "export → import → export is identical"
    );
}
