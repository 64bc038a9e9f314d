//! The web pages under `/_tenantsim/ui/`: every page answers with its content, the admin form
//! saves through the portal API's code path (read back through the portal API), invalid
//! choices show the portal's error and change nothing, cross-origin or token-less POSTs are
//! refused, and `--admin-key` gates the pages.

use serde_json::Value;

use crate::common::*;
use tenantsim::Settings;
use tenantsim::auth::token::Subject;
use tenantsim::ui::security;

const PORTAL_APP: &str = "74658136-14ec-4630-ad9b-26e160ff0fc6";
const NESTOR: &str = "c0a70550-0000-4000-8000-000000000107";
const FORM: &str = "application/x-www-form-urlencoded";

fn ui(path: &str) -> String {
    format!("/_tenantsim/ui/t/{CONTOSO}{path}")
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut all: Vec<(String, String)> = vec![("csrf".into(), security::csrf_token())];
    all.extend(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    all.iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn post_form(app: &TestApp, path: &str, pairs: &[(&str, &str)]) -> TestResponse {
    app.post(path)
        .header("origin", "http://localhost:8080")
        .raw_body(FORM, form(pairs))
        .send()
        .await
}

/// The portal API's view of the tenant properties (as the admin).
async fn portal_properties(app: &TestApp) -> Value {
    let mut conn = app.state.db.pool.acquire().await.expect("conn");
    let wids = tenantsim::store::members::roles_of(&mut conn, CONTOSO, ADMIN)
        .await
        .expect("roles");
    let subject = Subject::User {
        object_id: ADMIN.to_owned(),
        upn: "admin@contoso.onmicrosoft.com".to_owned(),
        name: "MOD Administrator".to_owned(),
        scopes: vec!["user_impersonation".to_owned()],
        wids,
    };
    let mut request = app.token_request(CONTOSO, subject);
    request.audience = PORTAL_APP.to_owned();
    let token = tenantsim::auth::token::mint(&app.state.keys(), &request).expect("mint");
    let response = app
        .get("/api/Directories/Properties")
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json
}

#[tokio::test]
async fn every_page_answers_with_its_content() {
    let app = TestApp::new().await;
    let root = app.get("/").send().await;
    assert_eq!(root.status, 303);
    assert_eq!(root.headers["location"], "/_tenantsim/ui/");
    let pages: &[(String, &[&str])] = &[
        (
            "/_tenantsim/ui/".into(),
            &[
                "Contoso",
                "Fabrikam",
                "Not available in the usgov cloud",
                "admin@contoso.onmicrosoft.com",
                "<main",
            ],
        ),
        (
            ui("/admin"),
            &[
                "LinkedIn account connections",
                "Selected group",
                "dynamic membership: can't be the selected group",
                "Do not allow user consent",
                "Allow user consent for apps from verified publishers",
            ],
        ),
        (
            format!("/_tenantsim/ui/t/{FABRIKAM}/admin"),
            &[
                "Unavailable: LinkedIn account connections are not available in the <strong>usgov</strong> cloud.",
            ],
        ),
        (ui("/account"), &["Sign in", "/signin"]),
        (
            ui(&format!("/card?viewer={NESTOR}&person={MEGAN}")),
            &[
                "Megan Bowen",
                "data-shown=\"connected\"",
                "data-check=\"tenantSetting\"",
                "1st-degree connection",
            ],
        ),
        (
            ui(&format!("/groups?group={LINKEDIN_PILOT}")),
            &[
                "Direct members",
                "Retail Europe",
                "Adele Vance",
                "Add member",
            ],
        ),
        (
            "/_tenantsim/ui/journal".into(),
            &["Request journal", "<details", "Any status"],
        ),
        (
            ui("/lab"),
            &["Reset this tenant", "snapshot.json", "multipart/form-data"],
        ),
    ];
    // Something in the journal first.
    app.get("/v1.0/users").token(&app.admin()).send().await;
    for (path, expected) in pages {
        let response = app.get(path).send().await;
        assert_eq!(response.status, 200, "{path}: {}", response.text);
        for text in *expected {
            assert!(response.text.contains(text), "{path} lacks {text:?}");
        }
    }
    let snapshot = app.get(&ui("/lab/snapshot.json")).send().await;
    assert_eq!(snapshot.status, 200);
    assert_eq!(snapshot.json["tenants"][0]["id"], CONTOSO);
    let fresh = app
        .get("/_tenantsim/ui/journal/entries?after=0")
        .send()
        .await;
    assert!(
        fresh.json["count"].as_u64().unwrap_or(0) >= 1,
        "{}",
        fresh.text
    );
}

#[tokio::test]
async fn user_values_are_escaped() {
    let app = TestApp::new().await;
    let response = app
        .patch(&format!("/v1.0/users/{MEGAN}"))
        .token(&app.admin())
        .json(serde_json::json!({"jobTitle": "<script>alert(1)</script>"}))
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
    let card = app
        .get(&ui(&format!("/card?viewer={NESTOR}&person={MEGAN}")))
        .send()
        .await;
    assert!(!card.text.contains("<script>alert(1)"));
    assert!(card.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[tokio::test]
async fn the_setting_form_saves_through_the_portal_path() {
    let app = TestApp::new().await;
    let saved = post_form(
        &app,
        &ui("/admin/linkedin"),
        &[("choice", "group"), ("group", LINKEDIN_PILOT)],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    let properties = portal_properties(&app).await;
    assert_eq!(properties["enableLinkedInAppFamily"], 4);
    assert_eq!(properties["linkedInSelectedGroupObjectId"], LINKEDIN_PILOT);
    assert_eq!(
        properties["linkedInSelectedGroupDisplayName"],
        "LinkedIn Pilot"
    );
    let page = app.get(&ui("/admin?saved=x")).send().await;
    assert!(
        page.text
            .contains(&format!("value=\"{LINKEDIN_PILOT}\" checked"))
    );

    let no = post_form(&app, &ui("/admin/linkedin"), &[("choice", "no")]).await;
    assert_eq!(no.status, 303);
    assert_eq!(portal_properties(&app).await["enableLinkedInAppFamily"], 1);

    // The nested-membership option and the user-consent setting.
    let options = post_form(
        &app,
        &ui("/admin/options"),
        &[("nested", "on"), ("public", "on")],
    )
    .await;
    assert_eq!(options.status, 303);
    let stored = app
        .get(&format!("/_tenantsim/tenants/{CONTOSO}/linkedIn"))
        .send()
        .await;
    assert_eq!(stored.json["nestedGroupMembership"], true);
    let consent = post_form(&app, &ui("/admin/consent"), &[("consent", "doNotAllow")]).await;
    assert_eq!(consent.status, 303);
    let policy = app
        .get("/v1.0/policies/authorizationPolicy")
        .token(&app.app_token(CONTOSO, &["Policy.Read.All"]))
        .send()
        .await;
    let assigned =
        policy.json["defaultUserRolePermissions"]["permissionGrantPoliciesAssigned"].to_string();
    assert!(
        !assigned
            .to_lowercase()
            .contains("managepermissiongrantsforself"),
        "{assigned}"
    );
    assert!(assigned.contains("DeveloperConsent"), "{assigned}");
    assert_eq!(
        portal_properties(&app).await["usersCanAllowAppsToAccessData"],
        false
    );
}

#[tokio::test]
async fn invalid_choices_show_the_error_and_change_nothing() {
    let app = TestApp::new().await;
    let before = portal_properties(&app).await;
    let dynamic = post_form(
        &app,
        &ui("/admin/linkedin"),
        &[("choice", "group"), ("group", DYNAMIC_SEATTLE)],
    )
    .await;
    assert_eq!(dynamic.status, 400);
    assert!(dynamic.text.contains("role=\"alert\""));
    assert!(
        dynamic.text.contains(
            "has dynamic membership; dynamic groups cannot be the LinkedIn selected group"
        ),
        "{}",
        dynamic.text
    );
    let missing = post_form(&app, &ui("/admin/linkedin"), &[("choice", "group")]).await;
    assert_eq!(missing.status, 400);
    assert!(missing.text.contains("needs linkedInSelectedGroupObjectId"));
    let sovereign = post_form(
        &app,
        &format!("/_tenantsim/ui/t/{FABRIKAM}/admin/linkedin"),
        &[("choice", "yes")],
    )
    .await;
    assert_eq!(sovereign.status, 400);
    assert!(sovereign.text.contains("not available in the usgov cloud"));
    assert_eq!(portal_properties(&app).await, before);

    // Groups follow Graph's rules: a dynamic group takes no manual members.
    let refused = post_form(
        &app,
        &ui("/groups/add"),
        &[("group", DYNAMIC_SEATTLE), ("member", ADELE)],
    )
    .await;
    assert_eq!(refused.status, 403);
    assert!(refused.text.contains("Not changed"));
    let added = post_form(
        &app,
        &ui("/groups/add"),
        &[("group", RETAIL_EUROPE), ("member", NESTOR)],
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.text);
    let members = app
        .get(&format!("/v1.0/groups/{RETAIL_EUROPE}/members"))
        .token(&app.admin())
        .send()
        .await;
    assert!(members.ids().contains(&NESTOR.to_owned()));
    let twice = post_form(
        &app,
        &ui("/groups/add"),
        &[("group", RETAIL_EUROPE), ("member", NESTOR)],
    )
    .await;
    assert_eq!(twice.status, 400);
    let removed = post_form(
        &app,
        &ui("/groups/remove"),
        &[("group", RETAIL_EUROPE), ("member", NESTOR)],
    )
    .await;
    assert_eq!(removed.status, 303);
}

#[tokio::test]
async fn cross_origin_and_tokenless_posts_are_refused() {
    let app = TestApp::new().await;
    let before = portal_properties(&app).await;
    let evil = app
        .post(&ui("/admin/linkedin"))
        .header("origin", "http://evil.example")
        .raw_body(FORM, form(&[("choice", "no")]))
        .send()
        .await;
    assert_eq!(evil.status, 403, "{}", evil.text);
    assert!(evil.text.contains("another site"));
    let referer = app
        .post(&ui("/admin/linkedin"))
        .header("referer", "http://evil.example/page")
        .raw_body(FORM, form(&[("choice", "no")]))
        .send()
        .await;
    assert_eq!(referer.status, 403);
    let null_origin = app
        .post(&ui("/admin/linkedin"))
        .header("origin", "null")
        .raw_body(FORM, form(&[("choice", "no")]))
        .send()
        .await;
    assert_eq!(null_origin.status, 403);
    let no_token = app
        .post(&ui("/admin/linkedin"))
        .header("origin", "http://localhost:8080")
        .raw_body(FORM, "choice=no")
        .send()
        .await;
    assert_eq!(no_token.status, 403);
    let wrong_token = app
        .post(&ui("/lab/reset?csrf=nope"))
        .raw_body("multipart/form-data; boundary=x", "--x--")
        .send()
        .await;
    assert_eq!(wrong_token.status, 403);
    assert_eq!(portal_properties(&app).await, before);
}

#[tokio::test]
async fn the_admin_key_gates_the_pages() {
    let settings = Settings {
        admin_key: Some("s3cret-key".to_owned()),
        ..Settings::default()
    };
    let app = TestApp::with_settings(settings).await;
    let home = app.get("/_tenantsim/ui/").send().await;
    assert_eq!(home.status, 303);
    assert!(
        home.headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/_tenantsim/ui/login")
    );
    let post = post_form(&app, &ui("/admin/linkedin"), &[("choice", "no")]).await;
    assert_eq!(post.status, 403);
    let login_page = app.get("/_tenantsim/ui/login").send().await;
    assert_eq!(login_page.status, 200);
    assert!(login_page.text.contains("type=\"password\""));
    let wrong = post_form(&app, "/_tenantsim/ui/login", &[("key", "guess")]).await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.headers.get("set-cookie").is_none());
    let right = post_form(
        &app,
        "/_tenantsim/ui/login",
        &[("key", "s3cret-key"), ("next", "/_tenantsim/ui/journal")],
    )
    .await;
    assert_eq!(right.status, 303);
    assert_eq!(right.headers["location"], "/_tenantsim/ui/journal");
    let cookie = right.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly"));
    assert!(!cookie.contains("s3cret-key"));
    let pair = cookie.split(';').next().unwrap().to_owned();
    let home = app
        .get("/_tenantsim/ui/")
        .header("cookie", &pair)
        .send()
        .await;
    assert_eq!(home.status, 200);
    let saved = app
        .post(&ui("/admin/linkedin"))
        .header("cookie", &pair)
        .raw_body(FORM, form(&[("choice", "no")]))
        .send()
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    // The admin API itself still needs the key.
    let api = app
        .get("/_tenantsim/tenants")
        .header("cookie", &pair)
        .send()
        .await;
    assert_eq!(api.status, 401);
}

#[tokio::test]
async fn the_card_explains_the_selected_group_and_the_lab_resets() {
    let app = TestApp::new().await;
    post_form(
        &app,
        &ui("/admin/linkedin"),
        &[("choice", "group"), ("group", LINKEDIN_PILOT)],
    )
    .await;
    let card = app
        .get(&ui(&format!("/card?viewer={NESTOR}&person={MEGAN}")))
        .send()
        .await;
    assert!(card.text.contains("data-shown=\"none\""));
    assert!(
        card.text
            .contains("class=\"fail decisive\" data-check=\"selectedGroup\""),
        "{}",
        card.text
    );
    let reset = post_form(&app, &ui("/lab/reset"), &[]).await;
    assert_eq!(reset.status, 303);
    assert_eq!(portal_properties(&app).await["enableLinkedInAppFamily"], 0);
    // Import: the downloaded snapshot, uploaded as a file.
    let snapshot = app.get(&ui("/lab/snapshot.json")).send().await.text;
    let body = format!(
        "--b0und\r\nContent-Disposition: form-data; name=\"document\"; filename=\"s.json\"\r\nContent-Type: application/json\r\n\r\n{snapshot}\r\n--b0und--\r\n"
    );
    let imported = app
        .post(&ui(&format!("/lab/import?csrf={}", security::csrf_token())))
        .header("origin", "http://localhost:8080")
        .raw_body("multipart/form-data; boundary=b0und", body)
        .send()
        .await;
    assert_eq!(imported.status, 303, "{}", imported.text);
    assert!(
        imported.headers["location"]
            .to_str()
            .unwrap()
            .ends_with("done=imported")
    );
}
