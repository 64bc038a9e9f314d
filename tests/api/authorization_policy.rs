//! authorizationPolicy (v1.0 and beta shapes over one stored policy), the user-consent rule it
//! drives, and the built-in permissionGrantPolicies.

use serde_json::{Value, json};
use tenantsim::{consent, store};

use crate::common::*;

const V1: &str = "/v1.0/policies/authorizationPolicy";
const BETA: &str = "/beta/policies/authorizationPolicy/authorizationPolicy";
const LEGACY: &str = "ManagePermissionGrantsForSelf.microsoft-user-default-legacy";
const DEVELOPER: &str = "ManagePermissionGrantsForOwnedResource.DeveloperConsent";

fn reader(app: &TestApp, tenant: &str) -> String {
    app.app_token(tenant, &["Policy.Read.All"])
}

fn writer(app: &TestApp) -> String {
    app.app_token(CONTOSO, &["Policy.ReadWrite.Authorization"])
}

async fn patch(app: &TestApp, path: &str, body: Value) -> TestResponse {
    app.patch(path).token(&writer(app)).json(body).send().await
}

async fn assigned_v1(app: &TestApp, tenant: &str) -> Value {
    let response = app.get(V1).token(&reader(app, tenant)).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json["defaultUserRolePermissions"]["permissionGrantPoliciesAssigned"].clone()
}

async fn stored_settings(app: &TestApp, tenant: &str) -> Value {
    let mut conn = app.state.db.pool.acquire().await.expect("conn");
    let row = store::tenants::resolve_tenant(&mut conn, tenant)
        .await
        .expect("query")
        .expect("tenant");
    serde_json::from_str(&row.settings).expect("settings JSON")
}

#[tokio::test]
async fn v1_get_is_a_single_object_defaulting_from_the_fixture() {
    let app = TestApp::new().await;
    let response = app.get(V1).token(&reader(&app, CONTOSO)).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#policies/authorizationPolicy/$entity"
    );
    assert!(
        response
            .json
            .get("permissionGrantPolicyIdsAssignedToDefaultUserRole")
            .is_none()
    );
    insta::assert_json_snapshot!(response.redacted());
    // Fabrikam's fixture allows low-risk consent only.
    assert_eq!(
        assigned_v1(&app, FABRIKAM).await,
        json!([
            "ManagePermissionGrantsForSelf.microsoft-user-default-low",
            DEVELOPER
        ])
    );
}

#[tokio::test]
async fn beta_get_moves_the_assigned_policies_to_the_top_level() {
    let app = TestApp::new().await;
    let token = reader(&app, CONTOSO);
    let response = app.get(BETA).token(&token).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/beta/$metadata#policies/authorizationPolicy/$entity"
    );
    assert_eq!(
        response.json["permissionGrantPolicyIdsAssignedToDefaultUserRole"],
        json!([LEGACY, DEVELOPER])
    );
    assert!(
        response.json["defaultUserRolePermissions"]
            .get("permissionGrantPoliciesAssigned")
            .is_none()
    );
    assert_eq!(response.json["enabledPreviewFeatures"], json!([]));
    insta::assert_json_snapshot!(response.redacted());
    // beta's collection path holds the same object.
    let collection = app
        .get("/beta/policies/authorizationPolicy")
        .token(&token)
        .send()
        .await;
    assert_eq!(collection.status, 200, "{}", collection.text);
    let mut entity = response.json.clone();
    entity
        .as_object_mut()
        .expect("object")
        .remove("@odata.context");
    assert_eq!(collection.json["value"], json!([entity]));
    // v1.0 has no such path.
    let v1 = app
        .get("/v1.0/policies/authorizationPolicy/authorizationPolicy")
        .token(&token)
        .send()
        .await;
    v1.assert_error(400, "BadRequest");
}

#[tokio::test]
async fn patch_is_partial_and_keeps_other_entries() {
    let app = TestApp::new().await;
    let response = patch(
        &app,
        V1,
        json!({"allowInvitesFrom": "adminsAndGuestInviters"}),
    )
    .await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert!(response.text.is_empty());
    assert_eq!(assigned_v1(&app, CONTOSO).await, json!([LEGACY, DEVELOPER]));

    let response = patch(
        &app,
        V1,
        json!({"defaultUserRolePermissions": {"allowedToCreateApps": false}}),
    )
    .await;
    assert_eq!(response.status, 204, "{}", response.text);
    let read = app.get(V1).token(&reader(&app, CONTOSO)).send().await;
    assert_eq!(read.json["allowInvitesFrom"], "adminsAndGuestInviters");
    let role = &read.json["defaultUserRolePermissions"];
    assert_eq!(role["allowedToCreateApps"], false);
    assert_eq!(role["allowedToReadOtherUsers"], true);
    assert_eq!(
        role["permissionGrantPoliciesAssigned"],
        json!([LEGACY, DEVELOPER])
    );

    // The list is replaced as sent (casing kept); the client resends the entries it keeps.
    let low = "managePermissionGrantsForSelf.microsoft-user-default-low";
    let response = patch(
        &app,
        V1,
        json!({"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": [low, DEVELOPER]}}),
    )
    .await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert_eq!(assigned_v1(&app, CONTOSO).await, json!([low, DEVELOPER]));
    let read = app.get(V1).token(&reader(&app, CONTOSO)).send().await;
    assert_eq!(read.json["allowInvitesFrom"], "adminsAndGuestInviters");
    assert_eq!(
        read.json["defaultUserRolePermissions"]["allowedToCreateApps"],
        false
    );
}

#[tokio::test]
async fn the_consent_rule_follows_the_patched_policy_case_insensitively() {
    let app = TestApp::new().await;
    assert!(consent::users_may_consent(
        &stored_settings(&app, CONTOSO).await
    ));
    let response = patch(
        &app,
        V1,
        json!({"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": [DEVELOPER]}}),
    )
    .await;
    assert_eq!(response.status, 204, "{}", response.text);
    let settings = stored_settings(&app, CONTOSO).await;
    assert!(!consent::users_may_consent(&settings));
    assert_eq!(
        settings["userConsent"], "allowUserConsentForApps",
        "fixture value kept"
    );

    let response = patch(
        &app,
        BETA,
        json!({"permissionGrantPolicyIdsAssignedToDefaultUserRole": ["MANAGEPERMISSIONGRANTSFORSELF.microsoft-user-default-low"]}),
    )
    .await;
    assert_eq!(response.status, 204, "{}", response.text);
    let settings = stored_settings(&app, CONTOSO).await;
    assert!(consent::users_may_consent(&settings));
    // Under `-low` alone only low-impact Graph scopes qualify.
    assert!(consent::user_may_consent_to(
        &settings,
        &["User.Read".into()],
        true
    ));
    assert!(!consent::user_may_consent_to(
        &settings,
        &["Mail.Read".into()],
        true
    ));

    let response = patch(
        &app,
        V1,
        json!({"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": []}}),
    )
    .await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert!(!consent::users_may_consent(
        &stored_settings(&app, CONTOSO).await
    ));
}

#[tokio::test]
async fn both_shapes_agree_after_a_patch_through_either() {
    let app = TestApp::new().await;
    let token = reader(&app, CONTOSO);
    let low = "ManagePermissionGrantsForSelf.microsoft-user-default-low";
    let response = patch(
        &app,
        V1,
        json!({"allowUserConsentForRiskyApps": true, "defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": [low]}}),
    )
    .await;
    assert_eq!(response.status, 204, "{}", response.text);
    let beta = app.get(BETA).token(&token).send().await;
    assert_eq!(
        beta.json["permissionGrantPolicyIdsAssignedToDefaultUserRole"],
        json!([low])
    );
    assert_eq!(beta.json["allowUserConsentForRiskyApps"], true);

    let response = patch(
        &app,
        BETA,
        json!({"permissionGrantPolicyIdsAssignedToDefaultUserRole": [LEGACY, DEVELOPER], "enabledPreviewFeatures": ["x"], "defaultUserRolePermissions": {"allowedToCreateSecurityGroups": false}}),
    )
    .await;
    assert_eq!(response.status, 204, "{}", response.text);
    let v1 = app.get(V1).token(&token).send().await;
    let role = &v1.json["defaultUserRolePermissions"];
    assert_eq!(
        role["permissionGrantPoliciesAssigned"],
        json!([LEGACY, DEVELOPER])
    );
    assert_eq!(role["allowedToCreateSecurityGroups"], false);
    assert_eq!(v1.json["allowUserConsentForRiskyApps"], true);
    assert!(v1.json.get("enabledPreviewFeatures").is_none());
    let beta = app.get(BETA).token(&token).send().await;
    assert_eq!(beta.json["enabledPreviewFeatures"], json!(["x"]));
}

#[tokio::test]
async fn invalid_patches_are_400_and_change_nothing() {
    let app = TestApp::new().await;
    let before = app.get(V1).token(&reader(&app, CONTOSO)).send().await;
    for (path, body) in [
        (V1, json!({"notAProperty": true})),
        (V1, json!({"allowInvitesFrom": "anyone"})),
        (V1, json!({"allowedToUseSSPR": "yes"})),
        (V1, json!({"id": "other"})),
        (
            V1,
            json!({"permissionGrantPolicyIdsAssignedToDefaultUserRole": []}),
        ),
        (
            V1,
            json!({"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": "x"}}),
        ),
        (
            BETA,
            json!({"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": []}}),
        ),
        (
            V1,
            json!({"allowInvitesFrom": "none", "blockMsolPowerShell": 1}),
        ),
    ] {
        let response = patch(&app, path, body.clone()).await;
        assert_eq!(response.status, 400, "{body}: {}", response.text);
        response.assert_error(400, "BadRequest");
    }
    let after = app.get(V1).token(&reader(&app, CONTOSO)).send().await;
    assert_eq!(before.json, after.json);
}

#[tokio::test]
async fn policy_routes_need_their_permissions_and_delegated_writes_an_admin_role() {
    let app = TestApp::new().await;
    let none = app.app_token(CONTOSO, &["Directory.ReadWrite.All"]);
    app.get(V1)
        .token(&none)
        .send()
        .await
        .assert_error(403, "Authorization_RequestDenied");
    let body = json!({"allowInvitesFrom": "none"});
    let read_only = reader(&app, CONTOSO);
    for path in [V1, BETA] {
        app.patch(path)
            .token(&read_only)
            .json(body.clone())
            .send()
            .await
            .assert_error(403, "Authorization_RequestDenied");
    }
    let scope = ["Policy.ReadWrite.Authorization"];
    // Adele has no admin role; Diego is a User Administrator, not a Privileged Role Administrator.
    for who in [ADELE.to_owned(), user(15)] {
        let token = app.user_token(CONTOSO, &who, &scope).await;
        app.patch(V1)
            .token(&token)
            .json(body.clone())
            .send()
            .await
            .assert_error(403, "Authorization_RequestDenied");
    }
    let admin = app.user_token(CONTOSO, ADMIN, &scope).await;
    let response = app.patch(V1).token(&admin).json(body).send().await;
    assert_eq!(response.status, 204, "{}", response.text);
    let delegated_reader = app.user_token(CONTOSO, ADELE, &["Policy.Read.All"]).await;
    let read = app.get(BETA).token(&delegated_reader).send().await;
    assert_eq!(read.json["allowInvitesFrom"], "none");
}

#[tokio::test]
async fn a_patch_in_contoso_leaves_fabrikam_alone() {
    let app = TestApp::new().await;
    let response = patch(
        &app,
        V1,
        json!({"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": []}}),
    )
    .await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert_eq!(assigned_v1(&app, CONTOSO).await, json!([]));
    assert_eq!(
        assigned_v1(&app, FABRIKAM).await,
        json!([
            "ManagePermissionGrantsForSelf.microsoft-user-default-low",
            DEVELOPER
        ])
    );
    assert!(consent::users_may_consent(
        &stored_settings(&app, FABRIKAM).await
    ));
}

#[tokio::test]
async fn permission_grant_policies_lists_the_built_ins() {
    let app = TestApp::new().await;
    let token = app.app_token(CONTOSO, &["Policy.Read.PermissionGrant"]);
    let response = app
        .get("/v1.0/policies/permissionGrantPolicies")
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.ids(),
        [
            "microsoft-user-default-legacy",
            "microsoft-user-default-low",
            "microsoft-user-default-recommended",
            "microsoft-all-application-permissions",
            "microsoft-all-application-permissions-verified",
            "microsoft-company-admin",
            "microsoft-application-admin",
        ]
    );
    insta::assert_json_snapshot!(response.redacted());
    let one = app
        .get("/beta/policies/permissionGrantPolicies/microsoft-company-admin")
        .token(&token)
        .send()
        .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(
        one.json["includes"][0]["id"],
        "1f06f3a1-42d3-4243-8fbc-5d0c30d4de4c"
    );
    app.get("/v1.0/policies/permissionGrantPolicies/tier-1")
        .token(&token)
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
    app.get("/v1.0/policies/permissionGrantPolicies")
        .token(&app.app_token(CONTOSO, &["Directory.Read.All"]))
        .send()
        .await
        .assert_error(403, "Authorization_RequestDenied");
}
