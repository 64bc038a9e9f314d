//! Tenant isolation: a Fabrikam token never sees or changes a Contoso object, on any route.

use axum::http::Method;
use serde_json::{Value, json};

use crate::common::*;

const FABRIKAM_USERS: [&str; 4] = [FABRIKAM_ADMIN, FABRIKAM_KIM, FABRIKAM_RAY, FABRIKAM_MATEO];
const FABRIKAM_GROUPS: [&str; 2] = [FABRIKAM_STAFF, FABRIKAM_IT_ADMINS];

fn fabrikam(app: &TestApp) -> String {
    app.app_token(FABRIKAM, ALL_ROLES)
}

fn bind(id: &str) -> Value {
    json!({"members@odata.bind": [format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}")]})
}

/// Fabrikam-visible Contoso state, read with a Contoso token, to show nothing changed.
async fn contoso_state(app: &TestApp) -> Vec<Value> {
    let token = app.admin();
    let mut out = Vec::new();
    for path in [
        "/v1.0/users?$top=999".to_owned(),
        "/v1.0/groups?$top=999".to_owned(),
        format!("/v1.0/groups/{LINKEDIN_PILOT}/transitiveMembers"),
        format!("/v1.0/groups/{FINANCE}/members"),
        format!("/v1.0/users/{ADELE}/memberOf"),
    ] {
        let response = app.get(&path).token(&token).send().await;
        assert_eq!(response.status, 200, "{path}: {}", response.text);
        out.push(response.json);
    }
    out
}

#[tokio::test]
async fn fabrikam_lists_contain_only_fabrikam_objects() {
    let app = TestApp::new().await;
    let token = fabrikam(&app);
    let lists: [(&str, &[&str]); 9] = [
        ("/v1.0/users", &FABRIKAM_USERS),
        ("/beta/users", &FABRIKAM_USERS),
        ("/v1.0/groups", &FABRIKAM_GROUPS),
        ("/v1.0/users?$top=999&$select=id", &FABRIKAM_USERS),
        (
            "/v1.0/users?$filter=startsWith(userPrincipalName,'admin')",
            &[FABRIKAM_ADMIN],
        ),
        (
            "/v1.0/groups?$filter=startsWith(displayName,'')",
            &FABRIKAM_GROUPS,
        ),
        ("/v1.0/users?$orderby=displayName", &FABRIKAM_USERS),
        ("/v1.0/groups?$expand=members($select=id)", &FABRIKAM_GROUPS),
        (
            "/v1.0/users?$filter=proxyAddresses/any(x:startsWith(x,'smtp:'))",
            &FABRIKAM_USERS,
        ),
    ];
    for (path, expected) in lists {
        let response = app.get(path).token(&token).send().await;
        assert_eq!(response.status, 200, "{path}: {}", response.text);
        assert_eq!(sorted(&response.ids()), sorted(expected), "{path}");
        assert!(
            !response.text.contains("c0a70550"),
            "{path}: {}",
            response.text
        );
    }
    // Advanced queries and $search.
    for (path, expected) in [
        (
            "/v1.0/users?$search=\"displayName:MOD\"",
            vec![FABRIKAM_ADMIN],
        ),
        (
            "/v1.0/users?$filter=accountEnabled ne false&$count=true",
            FABRIKAM_USERS.to_vec(),
        ),
    ] {
        let response = app.get(path).eventual().token(&token).send().await;
        assert_eq!(response.status, 200, "{path}: {}", response.text);
        assert_eq!(sorted(&response.ids()), sorted(&expected), "{path}");
    }
    for (path, count) in [("/v1.0/users/$count", "4"), ("/v1.0/groups/$count", "2")] {
        let response = app.get(path).eventual().token(&token).send().await;
        assert_eq!(response.text, count, "{path}");
    }
    // Membership lists of Fabrikam's own objects hold only Fabrikam ids.
    let members = app
        .get(&format!("/v1.0/groups/{FABRIKAM_STAFF}/transitiveMembers"))
        .token(&token)
        .send()
        .await;
    assert_eq!(
        sorted(&members.ids()),
        sorted(&[FABRIKAM_KIM, FABRIKAM_RAY, FABRIKAM_MATEO])
    );
    let groups = app
        .post(&format!("/v1.0/users/{FABRIKAM_MATEO}/getMemberGroups"))
        .token(&token)
        .json(json!({"securityEnabledOnly": false}))
        .send()
        .await;
    assert_eq!(groups.status, 200, "{}", groups.text);
    let mut ids: Vec<String> = groups.json["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|v| v.as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    assert_eq!(ids, sorted(&FABRIKAM_GROUPS));
}

#[tokio::test]
async fn every_route_answers_404_for_contoso_objects_and_changes_nothing() {
    let app = TestApp::new().await;
    let token = fabrikam(&app);
    let before = contoso_state(&app).await;
    let adele_upn = "AdeleV@contoso.onmicrosoft.com";
    let contoso_admin_upn = "admin@contoso.onmicrosoft.com";
    let check_groups = json!({"groupIds": [LINKEDIN_PILOT, FABRIKAM_STAFF]});
    let check_objects = json!({"ids": [LINKEDIN_PILOT, FABRIKAM_STAFF]});
    let get_groups = json!({"securityEnabledOnly": false});
    let group_body = json!({"description": "hijacked"});
    let user_body = json!({"jobTitle": "hijacked"});
    // (method, path, body): every one must be 404 Request_ResourceNotFound.
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        // Users, by id and by userPrincipalName.
        (Method::GET, format!("/v1.0/users/{ADELE}"), None),
        (Method::GET, format!("/beta/users/{ADELE}"), None),
        (Method::GET, format!("/v1.0/users/{adele_upn}"), None),
        (
            Method::GET,
            format!("/v1.0/users/{contoso_admin_upn}"),
            None,
        ),
        (Method::GET, format!("/v1.0/users/{ADELE}?$select=id"), None),
        (
            Method::PATCH,
            format!("/v1.0/users/{ADELE}"),
            Some(user_body.clone()),
        ),
        (
            Method::PATCH,
            format!("/v1.0/users/{adele_upn}"),
            Some(user_body),
        ),
        (Method::DELETE, format!("/v1.0/users/{ALEX}"), None),
        (Method::DELETE, format!("/v1.0/users/{adele_upn}"), None),
        // Groups.
        (Method::GET, format!("/v1.0/groups/{LINKEDIN_PILOT}"), None),
        (
            Method::GET,
            format!("/v1.0/groups/{LINKEDIN_PILOT}?$expand=members"),
            None,
        ),
        (
            Method::PATCH,
            format!("/v1.0/groups/{FINANCE}"),
            Some(group_body.clone()),
        ),
        (
            Method::PATCH,
            format!("/v1.0/groups/{FINANCE}"),
            Some(bind(FABRIKAM_KIM)),
        ),
        (Method::DELETE, format!("/v1.0/groups/{IT_ADMINS}"), None),
        // Membership reads of Contoso groups.
        (
            Method::GET,
            format!("/v1.0/groups/{LINKEDIN_PILOT}/members"),
            None,
        ),
        (
            Method::GET,
            format!("/v1.0/groups/{LINKEDIN_PILOT}/transitiveMembers"),
            None,
        ),
        (
            Method::GET,
            format!("/v1.0/groups/{LINKEDIN_PILOT}/members/$count"),
            None,
        ),
        (
            Method::GET,
            format!("/v1.0/groups/{LINKEDIN_PILOT}/transitiveMembers/$count"),
            None,
        ),
        (
            Method::GET,
            format!("/v1.0/groups/{LINKEDIN_PILOT}/members/microsoft.graph.user?$count=true"),
            None,
        ),
        (
            Method::GET,
            format!(
                "/v1.0/groups/{LINKEDIN_PILOT}/transitiveMembers/microsoft.graph.group?$count=true"
            ),
            None,
        ),
        (
            Method::GET,
            format!("/v1.0/groups/{RETAIL_MUNICH}/memberOf"),
            None,
        ),
        (
            Method::GET,
            format!("/v1.0/groups/{RETAIL_MUNICH}/transitiveMemberOf"),
            None,
        ),
        // memberOf of Contoso users.
        (
            Method::GET,
            format!("/v1.0/users/{CHRISTIE}/memberOf"),
            None,
        ),
        (
            Method::GET,
            format!("/v1.0/users/{CHRISTIE}/transitiveMemberOf"),
            None,
        ),
        (
            Method::GET,
            format!("/v1.0/users/{adele_upn}/memberOf"),
            None,
        ),
        // Membership writes that name a Contoso object on either side.
        (
            Method::POST,
            format!("/v1.0/groups/{FABRIKAM_STAFF}/members/$ref"),
            Some(reference(ADELE)),
        ),
        (
            Method::POST,
            format!("/v1.0/groups/{FABRIKAM_STAFF}/members/$ref"),
            Some(reference(LINKEDIN_PILOT)),
        ),
        (
            Method::POST,
            format!("/v1.0/groups/{LINKEDIN_PILOT}/members/$ref"),
            Some(reference(FABRIKAM_KIM)),
        ),
        (
            Method::POST,
            format!("/v1.0/groups/{LINKEDIN_PILOT}/members/$ref"),
            Some(reference(LYNNE_NO_GROUPS)),
        ),
        (
            Method::PATCH,
            format!("/v1.0/groups/{FABRIKAM_STAFF}"),
            Some(bind(ADELE)),
        ),
        (
            Method::DELETE,
            format!("/v1.0/groups/{LINKEDIN_PILOT}/members/{ADELE}/$ref"),
            None,
        ),
        // Membership checks on Contoso subjects, through every entity set.
        (
            Method::POST,
            format!("/v1.0/users/{ADELE}/checkMemberGroups"),
            Some(check_groups.clone()),
        ),
        (
            Method::POST,
            format!("/v1.0/users/{adele_upn}/checkMemberGroups"),
            Some(check_groups.clone()),
        ),
        (
            Method::POST,
            format!("/v1.0/groups/{RETAIL_MUNICH}/checkMemberGroups"),
            Some(check_groups.clone()),
        ),
        (
            Method::POST,
            format!("/v1.0/directoryObjects/{ADELE}/checkMemberGroups"),
            Some(check_groups),
        ),
        (
            Method::POST,
            format!("/v1.0/users/{ADELE}/checkMemberObjects"),
            Some(check_objects.clone()),
        ),
        (
            Method::POST,
            format!("/v1.0/groups/{RETAIL_MUNICH}/checkMemberObjects"),
            Some(check_objects.clone()),
        ),
        (
            Method::POST,
            format!("/v1.0/directoryObjects/{ADELE}/checkMemberObjects"),
            Some(check_objects),
        ),
        (
            Method::POST,
            format!("/v1.0/users/{ADELE}/getMemberGroups"),
            Some(get_groups.clone()),
        ),
        (
            Method::POST,
            format!("/v1.0/groups/{RETAIL_MUNICH}/getMemberGroups"),
            Some(get_groups.clone()),
        ),
        (
            Method::POST,
            format!("/v1.0/directoryObjects/{ADELE}/getMemberGroups"),
            Some(get_groups.clone()),
        ),
        (
            Method::POST,
            format!("/v1.0/users/{ADELE}/getMemberObjects"),
            Some(get_groups.clone()),
        ),
        (
            Method::POST,
            format!("/v1.0/directoryObjects/{ADELE}/getMemberObjects"),
            Some(get_groups),
        ),
    ];
    for (method, path, body) in routes {
        let mut request = app.request(method.clone(), &path).eventual().token(&token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await;
        response.assert_error(404, "Request_ResourceNotFound");
        for leak in [
            "Adele Vance",
            "LinkedIn Pilot",
            "Retail Munich",
            "\"value\"",
        ] {
            assert!(
                !response.text.contains(leak),
                "{method} {path}: {}",
                response.text
            );
        }
    }
    // Creating a Fabrikam group that binds a Contoso member fails and creates nothing.
    let response = app
        .post("/v1.0/groups")
        .token(&token)
        .json(json!({
            "displayName": "Sneaky", "mailEnabled": false, "mailNickname": "sneaky",
            "securityEnabled": true,
            "members@odata.bind": [format!("https://graph.microsoft.com/v1.0/directoryObjects/{ADELE}")]
        }))
        .send()
        .await;
    response.assert_error(404, "Request_ResourceNotFound");
    let count = app
        .get("/v1.0/groups/$count")
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!(count.text, "2");
    // Fabrikam's own group kept its members.
    let members = app
        .get(&format!("/v1.0/groups/{FABRIKAM_STAFF}/members"))
        .token(&token)
        .send()
        .await;
    assert_eq!(
        sorted(&members.ids()),
        sorted(&[FABRIKAM_KIM, FABRIKAM_RAY, FABRIKAM_MATEO])
    );
    assert_eq!(contoso_state(&app).await, before);
}

#[tokio::test]
async fn checks_never_match_the_other_tenants_groups() {
    let app = TestApp::new().await;
    let token = fabrikam(&app);
    let response = app
        .post(&format!("/v1.0/users/{FABRIKAM_MATEO}/checkMemberGroups"))
        .token(&token)
        .json(json!({"groupIds": [LINKEDIN_PILOT, FINANCE, FABRIKAM_IT_ADMINS]}))
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json["value"], json!([FABRIKAM_IT_ADMINS]));
    let response = app
        .post(&format!("/v1.0/users/{FABRIKAM_MATEO}/checkMemberObjects"))
        .token(&token)
        .json(json!({"ids": [IT_ADMINS, FABRIKAM_STAFF]}))
        .send()
        .await;
    assert_eq!(response.json["value"], json!([FABRIKAM_STAFF]));
}

#[tokio::test]
async fn a_fabrikam_user_sees_only_their_own_tenant_through_me() {
    let app = TestApp::new().await;
    let token = app
        .user_token(FABRIKAM, FABRIKAM_MATEO, &["User.Read", "User.Read.All"])
        .await;
    let me = app.get("/v1.0/me").token(&token).send().await;
    assert_eq!(me.json["id"], FABRIKAM_MATEO);
    let member_of = app.get("/v1.0/me/memberOf").token(&token).send().await;
    assert_eq!(sorted(&member_of.ids()), sorted(&FABRIKAM_GROUPS));
    let users = app.get("/v1.0/users").token(&token).send().await;
    assert_eq!(sorted(&users.ids()), sorted(&FABRIKAM_USERS));
    let response = app
        .post("/v1.0/me/checkMemberGroups")
        .token(&token)
        .json(json!({"groupIds": [LINKEDIN_PILOT, FABRIKAM_STAFF]}))
        .send()
        .await;
    assert_eq!(response.json["value"], json!([FABRIKAM_STAFF]));
}

#[tokio::test]
async fn contoso_cannot_reach_fabrikam_either() {
    let app = TestApp::new().await;
    let token = app.admin();
    for path in [
        format!("/v1.0/users/{FABRIKAM_ADMIN}"),
        "/v1.0/users/admin@fabrikamgov.onmicrosoft.com".to_owned(),
        format!("/v1.0/groups/{FABRIKAM_STAFF}"),
        format!("/v1.0/groups/{FABRIKAM_STAFF}/members"),
        format!("/v1.0/users/{FABRIKAM_KIM}/memberOf"),
    ] {
        app.get(&path)
            .token(&token)
            .send()
            .await
            .assert_error(404, "Request_ResourceNotFound");
    }
    let users = app.get("/v1.0/users?$top=999").token(&token).send().await;
    assert!(users.ids().iter().all(|id| id.starts_with("c0a70550")));
    assert_eq!(users.ids().len(), 20);
}

#[tokio::test]
async fn each_clouds_microsoft_host_names_reach_only_that_clouds_tenants() {
    // Through the proxy the Host header is the Microsoft name the client used. Fabrikam's
    // fixture tenant is in US Government, Contoso in the public cloud.
    let app = TestApp::new().await;
    let contoso = app.admin();
    let fabrikam = fabrikam(&app);
    for (host, token, status) in [
        ("graph.microsoft.com", &contoso, 200),
        ("graph.microsoft.us", &fabrikam, 200),
        ("graph.microsoft.us", &contoso, 401),
        ("graph.microsoft.com", &fabrikam, 401),
        ("GRAPH.microsoft.US:443", &contoso, 401),
        // Any other name (localhost, a --public-url) reaches every tenant.
        ("localhost:8080", &fabrikam, 200),
    ] {
        let response = app
            .get("/v1.0/users?$top=1")
            .header("host", host)
            .token(token)
            .send()
            .await;
        assert_eq!(response.status, status, "{host}: {}", response.text);
        if status == 401 {
            assert_eq!(response.json["error"]["code"], "InvalidAuthenticationToken");
        }
    }
    for (host, tenant, status) in [
        ("login.microsoftonline.com", CONTOSO, 200),
        ("login.microsoftonline.us", FABRIKAM, 200),
        ("login.microsoftonline.us", CONTOSO, 400),
        ("login.microsoftonline.com", FABRIKAM, 400),
        ("login.windows.net", FABRIKAM, 400),
        ("localhost:8080", FABRIKAM, 200),
    ] {
        for path in [
            format!("/{tenant}/v2.0/.well-known/openid-configuration"),
            format!("/{tenant}/discovery/v2.0/keys"),
        ] {
            let response = app.get(&path).header("host", host).send().await;
            assert_eq!(response.status, status, "{host}{path}: {}", response.text);
            if status == 400 {
                assert_eq!(response.json["error_codes"], json!([90002]), "{host}{path}");
            }
        }
        // The token endpoint answers the same way (client credentials of Fabrikam's app would
        // otherwise succeed on the US Government name).
        let token = app
            .post(&format!("/{tenant}/oauth2/v2.0/token"))
            .header("host", host)
            .raw_body(
                "application/x-www-form-urlencoded",
                "grant_type=client_credentials&client_id=x&client_secret=y&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
            )
            .send()
            .await;
        if status == 400 {
            assert_eq!(
                token.json["error_codes"],
                json!([90002]),
                "{host}: {}",
                token.text
            );
        } else {
            assert_ne!(
                token.json["error_codes"],
                json!([90002]),
                "{host}: {}",
                token.text
            );
        }
    }
}
