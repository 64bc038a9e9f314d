//! The organization: a collection of one, the entity by tenant id, verified domains from the
//! tenant's domains, PATCH of the writable properties only, and what a reset and a snapshot
//! keep.

use serde_json::json;

use crate::common::*;

const ORG_READ: &[&str] = &["Organization.Read.All"];
const ORG_WRITE: &[&str] = &["Organization.ReadWrite.All"];

#[tokio::test]
async fn list_organization_is_a_collection_of_the_callers_tenant() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, &["Directory.Read.All"]);
    let response = app.get("/v1.0/organization").token(&token).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#organization"
    );
    let value = response.json["value"].as_array().expect("value");
    assert_eq!(value.len(), 1);
    let org = &value[0];
    assert_eq!(org["id"], CONTOSO);
    assert_eq!(org["displayName"], "Contoso");
    assert_eq!(org["countryLetterCode"], "US");
    assert_eq!(org["tenantType"], "AAD");
    assert_eq!(org["createdDateTime"], "2024-01-01T00:00:00Z");
    assert_eq!(
        org["technicalNotificationMails"],
        json!(["admin@contoso.com"])
    );
    assert_eq!(org["marketingNotificationEmails"], json!([]));
    assert_eq!(org["privacyProfile"], json!(null));
    let domains = org["verifiedDomains"].as_array().expect("verifiedDomains");
    let names: Vec<&str> = domains.iter().filter_map(|d| d["name"].as_str()).collect();
    assert_eq!(names, ["contoso.onmicrosoft.com", "contoso.com"]);
    assert_eq!(domains[0]["isInitial"], true);
    assert_eq!(domains[0]["isDefault"], true);
    assert_eq!(domains[0]["type"], "Managed");
    assert_eq!(domains[1]["isInitial"], false);
    assert_eq!(
        domains[1]["capabilities"],
        "Email, OfficeCommunicationsOnline"
    );

    let fabrikam = app.app_token(FABRIKAM, &["Directory.Read.All"]);
    let response = app.get("/v1.0/organization").token(&fabrikam).send().await;
    assert_eq!(response.json["value"][0]["id"], FABRIKAM);
    assert_eq!(
        response.json["value"][0]["verifiedDomains"][0]["name"],
        "fabrikamgov.onmicrosoft.com"
    );
}

#[tokio::test]
async fn get_organization_by_tenant_id_honours_select_and_refuses_other_ids() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, ORG_READ);
    let response = app
        .get(&format!(
            "/v1.0/organization/{CONTOSO}?$select=displayName,verifiedDomains"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#organization(displayName,verifiedDomains)/$entity"
    );
    let keys: Vec<&String> = response.json.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["@odata.context", "displayName", "verifiedDomains"]);

    // Another tenant's id names nothing here.
    let response = app
        .get(&format!("/v1.0/organization/{FABRIKAM}"))
        .token(&token)
        .send()
        .await;
    response.assert_error(404, "Request_ResourceNotFound");
    let response = app
        .get(&format!("/v1.0/organization/{CONTOSO}?$select=nope"))
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 400, "{}", response.text);
}

#[tokio::test]
async fn user_read_alone_sees_only_id_display_name_and_verified_domains() {
    let app = TestApp::new().await;
    let token = app.user_token(CONTOSO, ADELE, &["User.Read"]).await;
    let response = app
        .get(&format!("/v1.0/organization/{CONTOSO}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json["displayName"], "Contoso");
    assert!(response.json["verifiedDomains"].is_array());
    assert_eq!(response.json["city"], json!(null));
    assert_eq!(response.json["technicalNotificationMails"], json!(null));
    let reader = app
        .user_token(CONTOSO, ADELE, &["Organization.Read.All"])
        .await;
    let response = app
        .get(&format!("/v1.0/organization/{CONTOSO}"))
        .token(&reader)
        .send()
        .await;
    assert_eq!(response.json["city"], "Redmond");
}

#[tokio::test]
async fn patch_organization_writes_the_documented_properties_and_they_read_back() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, ORG_WRITE);
    let body = json!({
        "marketingNotificationEmails": ["marketing@contoso.com"],
        "privacyProfile": {"contactEmail": "alice@contoso.com", "statementUrl": "https://contoso.com/privacyStatement"},
        "securityComplianceNotificationMails": ["security@contoso.com"],
        "securityComplianceNotificationPhones": ["(123) 456-7890"],
        "technicalNotificationMails": ["tech@contoso.com"]
    });
    // The SDKs annotate the body with `@odata.type`: an annotation, not a property.
    let mut sent = body.clone();
    sent["@odata.type"] = json!("#microsoft.graph.organization");
    sent["privacyProfile"]["@odata.type"] = json!("#microsoft.graph.privacyProfile");
    let response = app
        .patch(&format!("/v1.0/organization/{CONTOSO}"))
        .token(&token)
        .json(sent)
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
    let read = app
        .get(&format!("/v1.0/organization/{CONTOSO}"))
        .token(&token)
        .send()
        .await;
    for (name, value) in body.as_object().expect("object") {
        assert_eq!(&read.json[name], value, "{name}");
    }
    // Untouched properties keep their values.
    assert_eq!(read.json["city"], "Redmond");
}

#[tokio::test]
async fn patch_organization_refuses_read_only_unknown_and_mistyped_properties_and_changes_nothing()
{
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, ORG_WRITE);
    let path = format!("/v1.0/organization/{CONTOSO}");
    let before = app.get(&path).token(&token).send().await;
    for body in [
        json!({"displayName": "Not Contoso"}),
        json!({"technicalNotificationMails": ["a@contoso.com"], "verifiedDomains": []}),
        json!({"favouriteColour": "blue"}),
        json!({"technicalNotificationMails": "tech@contoso.com"}),
        json!({"technicalNotificationMails": null}),
        json!({"privacyProfile": {"contactEmail": 3}}),
        json!({"privacyProfile": {"phone": "1"}}),
    ] {
        let response = app
            .patch(&path)
            .token(&token)
            .json(body.clone())
            .send()
            .await;
        let message = response.assert_error(400, "Request_BadRequest");
        assert!(message.contains("'"), "{body}: {message}");
    }
    let after = app.get(&path).token(&token).send().await;
    assert_eq!(before.json, after.json);

    let elsewhere = app
        .patch(&format!("/v1.0/organization/{FABRIKAM}"))
        .token(&token)
        .json(json!({"technicalNotificationMails": []}))
        .send()
        .await;
    elsewhere.assert_error(404, "Request_ResourceNotFound");
    let reader = app.app_token(CONTOSO, &["Directory.ReadWrite.All"]);
    let denied = app
        .patch(&path)
        .token(&reader)
        .json(json!({"technicalNotificationMails": []}))
        .send()
        .await;
    denied.assert_error(403, "Authorization_RequestDenied");
}

#[tokio::test]
async fn organization_changes_survive_a_snapshot_and_a_reset_restores_the_fixture() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, ORG_WRITE);
    let path = format!("/v1.0/organization/{CONTOSO}");
    let response = app
        .patch(&path)
        .token(&token)
        .json(json!({"securityComplianceNotificationMails": ["soc@contoso.com"]}))
        .send()
        .await;
    assert_eq!(response.status, 204);
    let exported = app
        .get(&format!("/_tenantsim/tenants/{CONTOSO}/snapshot"))
        .send()
        .await;
    assert_eq!(exported.status, 200, "{}", exported.text);
    let tenant = &exported.json["tenants"][0];
    assert_eq!(
        tenant["settings"]["organization"]["securityComplianceNotificationMails"],
        json!(["soc@contoso.com"])
    );
    let reset = app
        .post(&format!("/_tenantsim/tenants/{CONTOSO}/reset"))
        .send()
        .await;
    assert!(reset.status.is_success(), "{}", reset.text);
    let read = app.get(&path).token(&token).send().await;
    assert_eq!(read.json["securityComplianceNotificationMails"], json!([]));
    let imported = app
        .post("/_tenantsim/snapshot")
        .json(exported.json.clone())
        .send()
        .await;
    assert!(imported.status.is_success(), "{}", imported.text);
    let read = app.get(&path).token(&token).send().await;
    assert_eq!(
        read.json["securityComplianceNotificationMails"],
        json!(["soc@contoso.com"])
    );
}
