//! Applications and service-principal writes: fixture apps as application objects, create /
//! get / list / update / delete, by appId and uniqueName (upsert), addPassword secrets that
//! work at the token endpoint until removePassword, service principal create / upsert /
//! update / delete, snapshots, tenant walls.

use serde_json::{Value, json};
use tenantsim::app_objects::derived_object_id;

use crate::common::*;
use crate::identity::{GRAPH, SYNC_APP, SYNC_SECRET, assert_aad_error, token};

const DIRECTORY_SYNC_SP: &str = "c0a70550-0000-4000-8000-000000000301";
/// The fixture application without a service principal.
const UNPUBLISHED_APP: &str = "c0a70550-a990-4000-8000-000000000307";

fn writer(app: &TestApp) -> String {
    app.app_token(CONTOSO, &["Application.ReadWrite.All"])
}

async fn create_app(app: &TestApp, tenant: &str, body: Value) -> Value {
    let token = app.app_token(tenant, &["Application.ReadWrite.All"]);
    let created = app
        .post("/v1.0/applications")
        .token(&token)
        .json(body)
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.json
}

async fn add_password(app: &TestApp, id: &str) -> Value {
    let added = app
        .post(&format!("/v1.0/applications/{id}/addPassword"))
        .token(&writer(app))
        .json(json!({"passwordCredential": {"displayName": "ci"}}))
        .send()
        .await;
    assert_eq!(added.status, 200, "{}", added.text);
    added.json
}

async fn client_credentials(
    app: &TestApp,
    tenant: &str,
    client: &str,
    secret: &str,
) -> TestResponse {
    token(
        app,
        tenant,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", secret),
            ("scope", GRAPH),
        ],
    )
    .await
}

#[tokio::test]
async fn fixture_apps_are_application_objects_with_derived_ids() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, &["Application.Read.All"]);
    let id = derived_object_id(CONTOSO, SYNC_APP);
    let got = app
        .get(&format!("/v1.0/applications/{id}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(
        got.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#applications/$entity"
    );
    assert_eq!(got.json["appId"], SYNC_APP);
    assert_eq!(got.json["displayName"], "Contoso Directory Sync");
    assert_eq!(got.json["signInAudience"], "AzureADMyOrg");
    // The fixture secret shows as metadata only.
    let passwords = got.json["passwordCredentials"].as_array().expect("array");
    assert_eq!(passwords.len(), 1);
    assert!(passwords[0]["secretText"].is_null());
    assert!(!got.text.contains(SYNC_SECRET));
    // requiredResourceAccess lists its Graph application permissions as roles.
    let access = &got.json["requiredResourceAccess"][0];
    assert_eq!(
        access["resourceAppId"],
        "00000003-0000-0000-c000-000000000000"
    );
    assert_eq!(access["resourceAccess"].as_array().expect("array").len(), 3);
    // By appId, and the service principal keeps its fixture id.
    let by_app_id = app
        .get(&format!(
            "/v1.0/applications(appId='{SYNC_APP}')?$select=id,appId"
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(by_app_id.json["id"], id);
    let sp = app
        .get(&format!("/v1.0/servicePrincipals(appId='{SYNC_APP}')"))
        .token(&token)
        .send()
        .await;
    assert_eq!(sp.json["id"], DIRECTORY_SYNC_SP);
    // The fixture secret still signs in.
    let signed_in = client_credentials(&app, CONTOSO, SYNC_APP, SYNC_SECRET).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.text);
    // uniqueName from the fixture; an application without `id` has no service principal.
    let by_name = app
        .get("/v1.0/applications(uniqueName='contoso-directory-sync')?$select=id")
        .token(&token)
        .send()
        .await;
    assert_eq!(by_name.json["id"], id);
    let unpublished = app
        .get(&format!("/v1.0/applications(appId='{UNPUBLISHED_APP}')"))
        .token(&token)
        .send()
        .await;
    assert_eq!(unpublished.status, 200, "{}", unpublished.text);
    assert_eq!(
        unpublished.json["id"],
        derived_object_id(CONTOSO, UNPUBLISHED_APP)
    );
    assert_eq!(
        unpublished.json["web"]["redirectUris"],
        json!(["https://unpublished.contoso.com/signin"])
    );
    let no_sp = app
        .get(&format!(
            "/v1.0/servicePrincipals(appId='{UNPUBLISHED_APP}')"
        ))
        .token(&token)
        .send()
        .await;
    no_sp.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn list_filters_selects_counts_and_pages_applications() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, &["Application.Read.All"]);
    let pages = all_pages(&app, &token, "/v1.0/applications?$top=2").await;
    assert_eq!(pages.len(), 4);
    let fixture_apps = 8;
    let ids: Vec<&str> = pages
        .iter()
        .flat_map(|p| p["value"].as_array().expect("value"))
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(ids.len(), fixture_apps);
    assert!(ids.contains(&derived_object_id(CONTOSO, SYNC_APP).as_str()));
    let created = create_app(
        &app,
        CONTOSO,
        json!({"displayName": "Inventory API", "identifierUris": ["api://inventory"]}),
    )
    .await;
    let by_uri = app
        .get("/v1.0/applications?$filter=identifierUris/any(x:x eq 'api://inventory')&$select=id,displayName")
        .token(&token)
        .send()
        .await;
    assert_eq!(by_uri.status, 200, "{}", by_uri.text);
    assert_eq!(
        by_uri.json["value"],
        json!([{"id": created["id"], "displayName": "Inventory API"}])
    );
    let by_app_id = app
        .get(&format!(
            "/v1.0/applications?$filter=appId eq '{}'",
            created["appId"].as_str().unwrap()
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(by_app_id.ids(), [created["id"].as_str().unwrap()]);
    let by_name = app
        .get("/v1.0/applications?$filter=startsWith(displayName,'Inventory')")
        .token(&token)
        .send()
        .await;
    assert_eq!(by_name.names(), ["Inventory API"]);
    let count = app
        .get("/v1.0/applications/$count")
        .token(&token)
        .eventual()
        .send()
        .await;
    assert_eq!(count.status, 200, "{}", count.text);
    assert_eq!(count.text, (fixture_apps + 1).to_string());
    let no_eventual = app
        .get("/v1.0/applications/$count")
        .token(&token)
        .send()
        .await;
    no_eventual.assert_error(400, "Request_BadRequest");
    let unknown = app
        .get("/v1.0/applications?$select=favouriteColour")
        .token(&token)
        .send()
        .await;
    assert_eq!(unknown.status, 400, "{}", unknown.text);
}

#[tokio::test]
async fn create_update_and_delete_an_application() {
    let app = TestApp::new().await;
    let token = writer(&app);
    let created = create_app(
        &app,
        CONTOSO,
        json!({
            "displayName": "Orders",
            "web": {"redirectUris": ["https://orders.contoso.com/signin"]},
            "requiredResourceAccess": [{
                "resourceAppId": "00000003-0000-0000-c000-000000000000",
                "resourceAccess": [{"id": "df021288-bdef-4463-88db-98f22de89214", "type": "Role"}]
            }]
        }),
    )
    .await;
    let id = created["id"].as_str().expect("id").to_owned();
    let app_id = created["appId"].as_str().expect("appId").to_owned();
    assert_ne!(id, app_id);
    assert_eq!(
        created["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#applications/$entity"
    );
    assert_eq!(created["publisherDomain"], "contoso.onmicrosoft.com");
    assert_eq!(
        created["web"]["redirectUris"],
        json!(["https://orders.contoso.com/signin"])
    );
    assert_eq!(
        created["web"]["implicitGrantSettings"]["enableIdTokenIssuance"],
        false
    );
    assert_eq!(created["passwordCredentials"], json!([]));
    assert!(created["createdDateTime"].is_string());

    let patched = app
        .patch(&format!("/v1.0/applications/{id}"))
        .token(&token)
        .json(json!({"displayName": "Orders v2", "tags": ["prod"]}))
        .send()
        .await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    let by_app_id = app
        .patch(&format!("/v1.0/applications(appId='{app_id}')"))
        .token(&token)
        .json(json!({"notes": "owned by ops"}))
        .send()
        .await;
    assert_eq!(by_app_id.status, 204, "{}", by_app_id.text);
    let got = app
        .get(&format!("/v1.0/applications/{id}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(got.json["displayName"], "Orders v2");
    assert_eq!(got.json["tags"], json!(["prod"]));
    assert_eq!(got.json["notes"], "owned by ops");
    assert_eq!(
        got.json["web"]["redirectUris"],
        json!(["https://orders.contoso.com/signin"])
    );

    let deleted = app
        .delete(&format!("/v1.0/applications/{id}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let gone = app
        .get(&format!("/v1.0/applications/{id}"))
        .token(&token)
        .send()
        .await;
    gone.assert_error(404, "Request_ResourceNotFound");
    let again = app
        .delete(&format!("/v1.0/applications(appId='{app_id}')"))
        .token(&token)
        .send()
        .await;
    again.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn bad_application_bodies_are_graphs_400_and_change_nothing() {
    let app = TestApp::new().await;
    let token = writer(&app);
    for body in [
        json!({}),
        json!({"displayName": ""}),
        json!({"displayName": "x", "favouriteColour": "blue"}),
        json!({"displayName": "x", "signInAudience": "Everyone"}),
        json!({"displayName": "x", "web": {"redirectUris": "https://a"}}),
        json!({"displayName": "x", "requiredResourceAccess": [{"resourceAppId": "g", "resourceAccess": [{"id": "nope", "type": "Role"}]}]}),
        json!({"displayName": "x", "passwordCredentials": [{"displayName": "p"}]}),
    ] {
        let response = app
            .post("/v1.0/applications")
            .token(&token)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(response.status, 400, "{body}: {}", response.text);
        assert_eq!(
            response.json["error"]["code"], "Request_BadRequest",
            "{body}"
        );
    }
    let count = app
        .get("/v1.0/applications/$count")
        .token(&token)
        .eventual()
        .send()
        .await;
    assert_eq!(count.text, "8");
    // identifierUris are unique in the tenant.
    create_app(
        &app,
        CONTOSO,
        json!({"displayName": "a", "identifierUris": ["api://shared"]}),
    )
    .await;
    let clash = app
        .post("/v1.0/applications")
        .token(&token)
        .json(json!({"displayName": "b", "identifierUris": ["API://shared"]}))
        .send()
        .await;
    let message = clash.assert_error(400, "Request_BadRequest");
    assert!(message.contains("identifierUris"), "{message}");
}

#[tokio::test]
async fn upsert_by_unique_name_creates_only_with_prefer_create_if_missing() {
    let app = TestApp::new().await;
    let token = writer(&app);
    let path = "/v1.0/applications(uniqueName='inventory-sync')";
    let without = app
        .patch(path)
        .token(&token)
        .json(json!({"displayName": "Sync"}))
        .send()
        .await;
    without.assert_error(404, "Request_ResourceNotFound");
    let created = app
        .patch(path)
        .token(&token)
        .header("Prefer", "create-if-missing")
        .json(json!({"displayName": "Sync"}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["uniqueName"], "inventory-sync");
    let updated = app
        .patch(path)
        .token(&token)
        .header("Prefer", "create-if-missing")
        .json(json!({"displayName": "Sync 2"}))
        .send()
        .await;
    assert_eq!(updated.status, 204, "{}", updated.text);
    let got = app.get(path).token(&token).send().await;
    assert_eq!(got.json["id"], created.json["id"]);
    assert_eq!(got.json["displayName"], "Sync 2");
}

#[tokio::test]
async fn a_new_app_with_a_service_principal_and_a_password_gets_a_token() {
    let app = TestApp::new().await;
    let token = writer(&app);
    let created = create_app(&app, CONTOSO, json!({"displayName": "Nightly export"})).await;
    let id = created["id"].as_str().expect("id");
    let app_id = created["appId"].as_str().expect("appId");
    let password = add_password(&app, id).await;
    let secret = password["secretText"]
        .as_str()
        .expect("secretText")
        .to_owned();
    assert!(secret.len() >= 16, "{secret}");
    assert_eq!(password["hint"], secret[..3]);
    assert_eq!(password["displayName"], "ci");
    assert!(
        password["keyId"]
            .as_str()
            .is_some_and(|k| uuid::Uuid::parse_str(k).is_ok())
    );
    assert!(password["startDateTime"].is_string() && password["endDateTime"].is_string());
    assert_eq!(
        password["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#microsoft.graph.passwordCredential"
    );
    // The secret is shown once: reads carry its metadata, never its text.
    let got = app
        .get(&format!("/v1.0/applications/{id}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(
        got.json["passwordCredentials"][0]["keyId"],
        password["keyId"]
    );
    assert!(got.json["passwordCredentials"][0]["secretText"].is_null());
    assert!(!got.text.contains(&secret));

    // Without a service principal the app is not in the directory of the token endpoint.
    let before = client_credentials(&app, CONTOSO, app_id, &secret).await;
    assert_aad_error(&before, 400, "unauthorized_client", 700016);

    let sp = app
        .post("/v1.0/servicePrincipals")
        .token(&token)
        .json(json!({"appId": app_id}))
        .send()
        .await;
    assert_eq!(sp.status, 201, "{}", sp.text);
    assert_eq!(sp.json["appId"], app_id);
    assert_eq!(sp.json["displayName"], "Nightly export");
    assert_eq!(sp.json["servicePrincipalNames"], json!([app_id]));
    assert_eq!(sp.json["appOwnerOrganizationId"], CONTOSO);

    let issued = client_credentials(&app, CONTOSO, app_id, &secret).await;
    assert_eq!(issued.status, 200, "{}", issued.text);
    let access_token = issued.json["access_token"].as_str().expect("token");
    let claims = crate::identity::claims(access_token);
    assert_eq!(claims["appid"], app_id);
    assert_eq!(claims["oid"], sp.json["id"]);
    // Graph accepts the token: authenticated, though the app has been granted nothing yet.
    let call = app.get("/v1.0/users").token(access_token).send().await;
    call.assert_error(403, "Authorization_RequestDenied");

    // removePassword: the secret stops working.
    let removed = app
        .post(&format!("/v1.0/applications/{id}/removePassword"))
        .token(&token)
        .json(json!({"keyId": password["keyId"]}))
        .send()
        .await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    let after = client_credentials(&app, CONTOSO, app_id, &secret).await;
    assert_aad_error(&after, 401, "invalid_client", 7000215);
    let twice = app
        .post(&format!("/v1.0/applications/{id}/removePassword"))
        .token(&token)
        .json(json!({"keyId": password["keyId"]}))
        .send()
        .await;
    twice.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn an_expired_password_is_refused_at_the_token_endpoint() {
    let app = TestApp::new().await;
    let token = writer(&app);
    let created = create_app(&app, CONTOSO, json!({"displayName": "Old"})).await;
    let app_id = created["appId"].as_str().expect("appId");
    let added = app
        .post(&format!("/v1.0/applications(appId='{app_id}')/addPassword"))
        .token(&token)
        .json(json!({"passwordCredential": {"startDateTime": "2020-01-01T00:00:00Z", "endDateTime": "2021-01-01T00:00:00Z"}}))
        .send()
        .await;
    assert_eq!(added.status, 200, "{}", added.text);
    assert_eq!(added.json["endDateTime"], "2021-01-01T00:00:00Z");
    let secret = added.json["secretText"].as_str().expect("secret");
    let sp = app
        .post("/v1.0/servicePrincipals")
        .token(&token)
        .json(json!({"appId": app_id}))
        .send()
        .await;
    assert_eq!(sp.status, 201, "{}", sp.text);
    let refused = client_credentials(&app, CONTOSO, app_id, secret).await;
    assert_aad_error(&refused, 401, "invalid_client", 7000222);
    let backwards = app
        .post(&format!("/v1.0/applications(appId='{app_id}')/addPassword"))
        .token(&token)
        .json(json!({"passwordCredential": {"startDateTime": "2030-01-01T00:00:00Z", "endDateTime": "2021-01-01T00:00:00Z"}}))
        .send()
        .await;
    backwards.assert_error(400, "Request_BadRequest");
}

#[tokio::test]
async fn service_principal_create_errors_upsert_update_and_delete() {
    let app = TestApp::new().await;
    let token = writer(&app);
    let unknown = "7b4d3a83-0000-4000-8000-00000000ffff";
    let missing = app
        .post("/v1.0/servicePrincipals")
        .token(&token)
        .json(json!({"appId": unknown}))
        .send()
        .await;
    let message = missing.assert_error(400, "Request_BadRequest");
    assert!(
        message.contains("does not reference a valid application object"),
        "{message}"
    );
    assert_eq!(
        missing.json["error"]["details"][0]["code"],
        "NoBackingApplicationObject"
    );
    let duplicate = app
        .post("/v1.0/servicePrincipals")
        .token(&token)
        .json(json!({"appId": SYNC_APP}))
        .send()
        .await;
    let message = duplicate.assert_error(409, "Request_MultipleObjectsWithSameKeyValue");
    assert!(message.contains(SYNC_APP), "{message}");
    let no_app_id = app
        .post("/v1.0/servicePrincipals")
        .token(&token)
        .json(json!({"displayName": "x"}))
        .send()
        .await;
    no_app_id.assert_error(400, "Request_BadRequest");

    let created = create_app(&app, CONTOSO, json!({"displayName": "Upserted"})).await;
    let app_id = created["appId"].as_str().expect("appId");
    let path = format!("/v1.0/servicePrincipals(appId='{app_id}')");
    let without = app
        .patch(&path)
        .token(&token)
        .json(json!({"tags": ["a"]}))
        .send()
        .await;
    without.assert_error(404, "Request_ResourceNotFound");
    let upserted = app
        .patch(&path)
        .token(&token)
        .header("Prefer", "create-if-missing")
        .json(json!({"tags": ["a"]}))
        .send()
        .await;
    assert_eq!(upserted.status, 201, "{}", upserted.text);
    assert_eq!(upserted.json["tags"], json!(["a"]));
    let sp_id = upserted.json["id"].as_str().expect("id").to_owned();
    let updated = app
        .patch(&format!("/v1.0/servicePrincipals/{sp_id}"))
        .token(&token)
        .json(json!({"displayName": "Renamed SP", "appRoleAssignmentRequired": true}))
        .send()
        .await;
    assert_eq!(updated.status, 204, "{}", updated.text);
    let got = app.get(&path).token(&token).send().await;
    assert_eq!(got.json["displayName"], "Renamed SP");
    assert_eq!(got.json["appRoleAssignmentRequired"], true);
    let bad = app
        .patch(&format!("/v1.0/servicePrincipals/{sp_id}"))
        .token(&token)
        .json(json!({"favouriteColour": "blue"}))
        .send()
        .await;
    bad.assert_error(400, "Request_BadRequest");
    // The Microsoft Graph service principal is not the tenant's to change.
    let graph = app
        .delete(&format!(
            "/v1.0/servicePrincipals/{}",
            tenantsim::builtin::graph_sp_id(CONTOSO)
        ))
        .token(&token)
        .send()
        .await;
    graph.assert_error(403, "Authorization_RequestDenied");

    let deleted = app
        .delete(&format!("/v1.0/servicePrincipals/{sp_id}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let gone = app.get(&path).token(&token).send().await;
    gone.assert_error(404, "Request_ResourceNotFound");
    // The application stays; deleting it takes a fixture app's service principal with it.
    let still = app
        .get(&format!("/v1.0/applications(appId='{app_id}')"))
        .token(&token)
        .send()
        .await;
    assert_eq!(still.status, 200, "{}", still.text);
    let sync = app
        .delete(&format!("/v1.0/applications(appId='{SYNC_APP}')"))
        .token(&token)
        .send()
        .await;
    assert_eq!(sync.status, 204, "{}", sync.text);
    let sync_sp = app
        .get(&format!("/v1.0/servicePrincipals/{DIRECTORY_SYNC_SP}"))
        .token(&token)
        .send()
        .await;
    sync_sp.assert_error(404, "Request_ResourceNotFound");
    let signed_in = client_credentials(&app, CONTOSO, SYNC_APP, SYNC_SECRET).await;
    assert_aad_error(&signed_in, 400, "unauthorized_client", 700016);
}

#[tokio::test]
async fn writes_need_documented_permissions() {
    let app = TestApp::new().await;
    let reader = app.app_token(CONTOSO, &["Application.Read.All"]);
    let created = app
        .post("/v1.0/applications")
        .token(&reader)
        .json(json!({"displayName": "x"}))
        .send()
        .await;
    created.assert_error(403, "Authorization_RequestDenied");
    let sp = app
        .post("/v1.0/servicePrincipals")
        .token(&reader)
        .json(json!({"appId": SYNC_APP}))
        .send()
        .await;
    sp.assert_error(403, "Authorization_RequestDenied");
    let id = derived_object_id(CONTOSO, SYNC_APP);
    let add = app
        .post(&format!("/v1.0/applications/{id}/addPassword"))
        .token(&reader)
        .json(json!({}))
        .send()
        .await;
    add.assert_error(403, "Authorization_RequestDenied");
    let users_only = app.app_token(CONTOSO, &["User.Read.All"]);
    let list = app
        .get("/v1.0/applications")
        .token(&users_only)
        .send()
        .await;
    list.assert_error(403, "Authorization_RequestDenied");
}

#[tokio::test]
async fn tenants_are_walls_for_applications() {
    let app = TestApp::new().await;
    let created = create_app(&app, CONTOSO, json!({"displayName": "Contoso only"})).await;
    let id = created["id"].as_str().expect("id");
    let app_id = created["appId"].as_str().expect("appId");
    let fabrikam = app.app_token(FABRIKAM, &["Application.ReadWrite.All"]);
    for path in [
        format!("/v1.0/applications/{id}"),
        format!("/v1.0/applications(appId='{app_id}')"),
    ] {
        let read = app.get(&path).token(&fabrikam).send().await;
        read.assert_error(404, "Request_ResourceNotFound");
        let write = app
            .patch(&path)
            .token(&fabrikam)
            .json(json!({"notes": "x"}))
            .send()
            .await;
        write.assert_error(404, "Request_ResourceNotFound");
    }
    let sp = app
        .post("/v1.0/servicePrincipals")
        .token(&fabrikam)
        .json(json!({"appId": app_id}))
        .send()
        .await;
    sp.assert_error(400, "Request_BadRequest");
    let add = app
        .post(&format!("/v1.0/applications/{id}/addPassword"))
        .token(&fabrikam)
        .json(json!({}))
        .send()
        .await;
    add.assert_error(404, "Request_ResourceNotFound");
    // A new appId is never one another tenant holds, and a Contoso secret is no Fabrikam key.
    let fab_app = create_app(&app, FABRIKAM, json!({"displayName": "Fabrikam app"})).await;
    assert_ne!(fab_app["appId"], created["appId"]);
    let fab_list = app.get("/v1.0/applications").token(&fabrikam).send().await;
    assert_eq!(fab_list.names(), ["Fabrikam app"]);
}

#[tokio::test]
async fn snapshots_round_trip_applications_created_through_graph() {
    let app = TestApp::new().await;
    let token = writer(&app);
    let created = create_app(
        &app,
        CONTOSO,
        json!({"displayName": "Snapshot me", "spa": {"redirectUris": ["https://spa.contoso.com"]}, "uniqueName": "snap"}),
    )
    .await;
    let id = created["id"].as_str().expect("id").to_owned();
    let app_id = created["appId"].as_str().expect("appId").to_owned();
    let secret = add_password(&app, &id).await["secretText"]
        .as_str()
        .expect("secret")
        .to_owned();
    let sp = app
        .post("/v1.0/servicePrincipals")
        .token(&token)
        .json(json!({"appId": app_id, "tags": ["t"]}))
        .send()
        .await;
    assert_eq!(sp.status, 201, "{}", sp.text);
    let lone = create_app(
        &app,
        CONTOSO,
        json!({"displayName": "No service principal"}),
    )
    .await;

    let exported = app
        .get(&format!("/_tenantsim/tenants/{CONTOSO}/snapshot"))
        .send()
        .await;
    assert_eq!(exported.status, 200, "{}", exported.text);
    assert!(
        !exported.text.contains(&secret),
        "a snapshot holds digests only"
    );
    let document = exported.text.clone();
    let imported = app
        .post("/_tenantsim/snapshot")
        .raw_body("application/json", document.clone())
        .send()
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    let again = app
        .get(&format!("/_tenantsim/tenants/{CONTOSO}/snapshot"))
        .send()
        .await;
    assert_eq!(
        again.text, document,
        "export → import → export is byte-identical"
    );

    let got = app
        .get(&format!("/v1.0/applications/{id}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(
        got.json["spa"]["redirectUris"],
        json!(["https://spa.contoso.com"])
    );
    assert_eq!(got.json["uniqueName"], "snap");
    assert_eq!(got.json["passwordCredentials"][0]["displayName"], "ci");
    let lone_got = app
        .get(&format!(
            "/v1.0/applications/{}",
            lone["id"].as_str().unwrap()
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(lone_got.status, 200, "{}", lone_got.text);
    let sp_got = app
        .get(&format!(
            "/v1.0/servicePrincipals/{}",
            sp.json["id"].as_str().unwrap()
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(sp_got.json["tags"], json!(["t"]));
    // The imported secret still signs in.
    let issued = client_credentials(&app, CONTOSO, &app_id, &secret).await;
    assert_eq!(issued.status, 200, "{}", issued.text);
}

#[tokio::test]
async fn a_new_secret_never_reaches_the_request_journal() {
    let app = TestApp::with_settings(tenantsim::Settings {
        journal_bodies: true,
        ..tenantsim::Settings::default()
    })
    .await;
    let created = create_app(&app, CONTOSO, json!({"displayName": "Journaled"})).await;
    let id = created["id"].as_str().expect("id");
    let secret = add_password(&app, id).await["secretText"]
        .as_str()
        .expect("secret")
        .to_owned();
    let journal = app.get("/_tenantsim/requests").send().await;
    assert_eq!(journal.status, 200, "{}", journal.text);
    assert!(
        journal.text.contains("addPassword"),
        "the call was journaled"
    );
    assert!(
        !journal.text.contains(&secret),
        "the journal holds the secret"
    );
    let page = app.get("/_tenantsim/ui/journal").send().await;
    assert!(!page.text.contains(&secret));
}
