//! OData query options over users and groups: paging, `$select`, every `$filter` operator,
//! the ConsistencyLevel rules, `$count`, `$search`, `$orderby`, `$top`, `$skip`, and the
//! encodings real clients send.

use serde_json::Value;
use tenantsim::Settings;

use crate::common::*;

const ADVANCED_HINT: &str = "is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information";

/// Every Contoso user id (`…101`–`…120`).
fn all_users() -> Vec<String> {
    (1..=20).map(user).collect()
}

fn page_ids(pages: &[Value]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| p["value"].as_array().expect("value").clone())
        .map(|v| v["id"].as_str().expect("id").to_owned())
        .collect()
}

/// GET with an admin token; asserts 200 and returns the ids, sorted.
async fn ids(app: &TestApp, path: &str) -> Vec<String> {
    let response = app.get(path).token(&app.admin()).send().await;
    assert_eq!(response.status, 200, "{path}: {}", response.text);
    sorted(&response.ids())
}

/// The same, as an advanced query (header and `$count=true`).
async fn advanced_ids(app: &TestApp, path: &str) -> Vec<String> {
    let path = format!("{path}&$count=true");
    let response = app.get(&path).eventual().token(&app.admin()).send().await;
    assert_eq!(response.status, 200, "{path}: {}", response.text);
    assert_eq!(
        response.json["@odata.count"].as_u64(),
        Some(response.ids().len() as u64),
        "{path}"
    );
    sorted(&response.ids())
}

#[tokio::test]
async fn paging_with_top_5_visits_every_user_once_over_4_pages() {
    let app = TestApp::new().await;
    let pages = all_pages(&app, &app.admin(), "/v1.0/users?$top=5").await;
    assert_eq!(pages.len(), 4);
    for page in &pages[..3] {
        assert_eq!(page["value"].as_array().expect("value").len(), 5);
        let next = page["@odata.nextLink"].as_str().expect("nextLink");
        assert!(
            next.starts_with("http://localhost:8080/v1.0/users?"),
            "{next}"
        );
        assert!(next.contains("$top=5"), "{next}");
        assert!(next.contains("$skiptoken="), "{next}");
        let token = next.split("$skiptoken=").nth(1).expect("token");
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{token}"
        );
    }
    assert!(pages[3].get("@odata.nextLink").is_none());
    let seen = page_ids(&pages);
    assert_eq!(seen.len(), 20, "no id twice: {seen:?}");
    assert_eq!(sorted(&seen), all_users());
}

#[tokio::test]
async fn next_link_keeps_select_and_filter() {
    let app = TestApp::new().await;
    let first = "/v1.0/users?$top=5&$select=id,displayName&$filter=accountEnabled eq true";
    let pages = all_pages(&app, &app.admin(), first).await;
    assert_eq!(pages.len(), 4);
    for page in &pages {
        assert_eq!(
            page["@odata.context"],
            "http://localhost:8080/v1.0/$metadata#users(id,displayName)"
        );
        for item in page["value"].as_array().expect("value") {
            let keys: Vec<&String> = item.as_object().expect("object").keys().collect();
            assert_eq!(keys, ["id", "displayName"], "{item}");
        }
    }
    for page in &pages[..3] {
        let next = page["@odata.nextLink"].as_str().expect("nextLink");
        assert!(next.contains("$select=id,displayName"), "{next}");
        assert!(
            next.contains("$filter=accountEnabled%20eq%20true"),
            "{next}"
        );
    }
    let seen = page_ids(&pages);
    assert_eq!(seen.len(), 19);
    let expected: Vec<String> = all_users()
        .into_iter()
        .filter(|id| id != DEBRA_DISABLED)
        .collect();
    assert_eq!(sorted(&seen), expected);
}

#[tokio::test]
async fn next_link_uses_the_configured_public_url() {
    let app = TestApp::with_settings(Settings {
        public_url: Some("https://graph.tenantsim.test:8443/".into()),
        ..Default::default()
    })
    .await;
    let response = app
        .get("/v1.0/users?$top=5")
        .token(&app.admin())
        .send()
        .await;
    let next = response.json["@odata.nextLink"].as_str().expect("nextLink");
    assert!(
        next.starts_with("https://graph.tenantsim.test:8443/v1.0/users?$top=5&$skiptoken="),
        "{next}"
    );
}

#[tokio::test]
async fn small_default_page_size_pages_without_top() {
    let app = TestApp::with_settings(Settings {
        page_size: 7,
        ..Default::default()
    })
    .await;
    let pages = all_pages(&app, &app.admin(), "/v1.0/users").await;
    assert_eq!(pages.len(), 3);
    assert_eq!(sorted(&page_ids(&pages)), all_users());
}

#[tokio::test]
async fn select_projects_exactly_the_listed_properties_and_names_them_in_the_context() {
    let app = TestApp::new().await;
    let response = app
        .get("/v1.0/users?$select=id,displayName&$top=3")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#users(id,displayName)"
    );
    assert_eq!(
        response.json["value"],
        serde_json::json!([
            {"id": ADMIN, "displayName": "MOD Administrator"},
            {"id": ADELE, "displayName": "Adele Vance"},
            {"id": ALEX, "displayName": "Alex Wilber"},
        ])
    );
    // Properties outside the default set only come through $select; names are canonicalised.
    let response = app
        .get("/v1.0/users?$select=DISPLAYNAME,city&$top=1")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(
        response.json["@odata.context"],
        "http://localhost:8080/v1.0/$metadata#users(displayName,city)"
    );
    assert_eq!(
        response.json["value"][0],
        serde_json::json!({"displayName": "MOD Administrator", "city": null})
    );
}

#[tokio::test]
async fn filter_eq_matches_case_insensitively() {
    let app = TestApp::new().await;
    assert_eq!(
        ids(&app, "/v1.0/users?$filter=displayName eq 'Adele Vance'").await,
        [ADELE]
    );
    assert_eq!(
        ids(&app, "/v1.0/users?$filter=displayName eq 'adele vance'").await,
        [ADELE]
    );
    assert_eq!(
        ids(&app, &format!("/v1.0/users?$filter=id eq '{ALEX}'")).await,
        [ALEX]
    );
    assert_eq!(
        ids(&app, "/v1.0/users?$filter=accountEnabled eq false").await,
        [DEBRA_DISABLED]
    );
    assert!(
        ids(&app, "/v1.0/users?$filter=displayName eq 'Nobody'")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn filter_in_matches_any_listed_value() {
    let app = TestApp::new().await;
    assert_eq!(
        ids(
            &app,
            "/v1.0/users?$filter=userPrincipalName in ('AdeleV@contoso.onmicrosoft.com', 'alexw@contoso.onmicrosoft.com', 'nobody@contoso.com')"
        )
        .await,
        sorted(&[ADELE, ALEX])
    );
    assert_eq!(
        ids(
            &app,
            &format!("/v1.0/groups?$filter=id in ('{FINANCE}','{IT_ADMINS}')")
        )
        .await,
        sorted(&[FINANCE, IT_ADMINS])
    );
}

#[tokio::test]
async fn filter_starts_with_matches_prefixes_case_insensitively() {
    let app = TestApp::new().await;
    assert_eq!(
        ids(&app, "/v1.0/users?$filter=startsWith(displayName,'al')").await,
        [ALEX]
    );
    assert_eq!(
        ids(&app, "/v1.0/users?$filter=startswith(displayName,'A')").await,
        sorted(&[ADELE, ALEX])
    );
    assert_eq!(
        ids(
            &app,
            "/v1.0/groups?$filter=startsWith(displayName,'Retail')"
        )
        .await,
        sorted(&[RETAIL_EUROPE, RETAIL_MUNICH])
    );
    // `%` and `_` are literal characters, not wildcards.
    assert!(
        ids(&app, "/v1.0/users?$filter=startsWith(displayName,'%25')")
            .await
            .is_empty()
    );
    assert!(
        ids(&app, "/v1.0/users?$filter=startsWith(displayName,'_')")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn filter_and_or_combine() {
    let app = TestApp::new().await;
    assert_eq!(
        ids(
            &app,
            "/v1.0/users?$filter=startsWith(displayName,'A') and city eq 'Bellevue'"
        )
        .await,
        [ADELE]
    );
    assert_eq!(
        ids(
            &app,
            "/v1.0/users?$filter=displayName eq 'Adele Vance' or displayName eq 'Lee Gu'"
        )
        .await,
        sorted(&[ADELE, user(5).as_str()])
    );
    assert_eq!(
        ids(
            &app,
            "/v1.0/users?$filter=(city eq 'Seattle' or city eq 'Munich') and startsWith(displayName,'J')"
        )
        .await,
        sorted(&[JOHANNA, user(18).as_str()])
    );
}

#[tokio::test]
async fn filter_not_ne_ends_with_and_eq_null_work_as_advanced_queries() {
    let app = TestApp::new().await;
    assert_eq!(
        advanced_ids(&app, "/v1.0/users?$filter=not(accountEnabled eq true)").await,
        [DEBRA_DISABLED]
    );
    assert_eq!(
        advanced_ids(&app, "/v1.0/users?$filter=userType ne 'Member'").await,
        [GUEST]
    );
    assert_eq!(
        advanced_ids(&app, "/v1.0/users?$filter=accountEnabled ne true").await,
        [DEBRA_DISABLED]
    );
    assert_eq!(
        advanced_ids(&app, "/v1.0/users?$filter=endsWith(mail,'@fabrikam.com')").await,
        [GUEST]
    );
    assert_eq!(
        advanced_ids(
            &app,
            "/v1.0/users?$filter=endsWith(userPrincipalName,'%23EXT%23@contoso.onmicrosoft.com')"
        )
        .await,
        [GUEST]
    );
    assert_eq!(
        advanced_ids(&app, "/v1.0/users?$filter=jobTitle eq null").await,
        [ADMIN]
    );
    let others: Vec<String> = all_users().into_iter().filter(|id| id != ADMIN).collect();
    assert_eq!(
        advanced_ids(&app, "/v1.0/users?$filter=jobTitle ne null").await,
        others
    );
    assert_eq!(
        advanced_ids(
            &app,
            "/v1.0/users?$filter=not(startsWith(displayName,'A')) and city eq 'San Diego'"
        )
        .await,
        [user(13)]
    );
}

#[tokio::test]
async fn filter_any_on_group_types_finds_microsoft_365_groups() {
    let app = TestApp::new().await;
    assert_eq!(
        ids(
            &app,
            "/v1.0/groups?$filter=groupTypes/any(c:c eq 'Unified')"
        )
        .await,
        sorted(&[SALES_M365, MARK8_M365])
    );
    assert_eq!(
        ids(
            &app,
            "/v1.0/groups?$filter=groupTypes/any(c:c eq 'DynamicMembership')"
        )
        .await,
        [DYNAMIC_SEATTLE]
    );
}

#[tokio::test]
async fn filter_all_needs_every_item_to_match_and_holds_for_empty_collections() {
    let app = TestApp::new().await;
    // The oracle: every group read whole, the predicate evaluated here.
    let response = app
        .get("/v1.0/groups?$top=999&$select=id,groupTypes")
        .token(&app.admin())
        .send()
        .await;
    let mut expected: Vec<String> = response.json["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter(|g| {
            g["groupTypes"]
                .as_array()
                .expect("groupTypes")
                .iter()
                .all(|t| {
                    t.as_str()
                        .is_some_and(|t| t.eq_ignore_ascii_case("unified"))
                })
        })
        .map(|g| g["id"].as_str().expect("id").to_owned())
        .collect();
    expected.sort();
    let found = ids(
        &app,
        "/v1.0/groups?$top=999&$filter=groupTypes/all(c:c eq 'Unified')",
    )
    .await;
    assert_eq!(found, expected);
    // Not a yes-for-everything: the dynamic group is left out, the Microsoft 365 ones are in.
    assert!(!found.contains(&DYNAMIC_SEATTLE.to_owned()), "{found:?}");
    assert!(found.contains(&SALES_M365.to_owned()), "{found:?}");
    // `all` on a value that is not a collection is refused like `any`.
    let response = app
        .get("/v1.0/groups?$filter=displayName/all(c:c eq 'x')")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 400, "{}", response.text);
}

#[tokio::test]
async fn filter_any_on_proxy_addresses_matches_prefixes_and_values() {
    let app = TestApp::new().await;
    // Every user has a primary `SMTP:` address; directory strings compare case-insensitively.
    assert_eq!(
        ids(
            &app,
            "/v1.0/users?$top=999&$filter=proxyAddresses/any(x:startsWith(x,'smtp:'))"
        )
        .await,
        all_users()
    );
    assert_eq!(
        ids(
            &app,
            "/v1.0/users?$filter=proxyAddresses/any(x:startsWith(x,'smtp:jane'))"
        )
        .await,
        [GUEST]
    );
    assert_eq!(
        ids(
            &app,
            "/v1.0/users?$filter=proxyAddresses/any(x:x eq 'smtp:AdeleV@contoso.onmicrosoft.com')"
        )
        .await,
        [ADELE]
    );
    assert!(
        ids(
            &app,
            "/v1.0/users?$filter=proxyAddresses/any(x:startsWith(x,'x500:'))"
        )
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn filter_any_on_service_principal_names_finds_a_service_principal_by_app_id() {
    // Azure CLI's `az ad sp show --id <appId>` sends exactly this filter.
    let app = TestApp::new().await;
    let app_ids = |response: &TestResponse| -> Vec<String> {
        response.json["value"]
            .as_array()
            .expect("value")
            .iter()
            .map(|sp| sp["appId"].as_str().expect("appId").to_owned())
            .collect()
    };
    let sync = "c0a70550-a990-4000-8000-000000000301";
    let response = app
        .get(&format!(
            "/v1.0/servicePrincipals?$filter=servicePrincipalNames/any(c:c eq '{sync}')"
        ))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(app_ids(&response), [sync]);
    // Microsoft Graph's service principal carries its URI among its names.
    let response = app
        .get("/v1.0/servicePrincipals?$filter=servicePrincipalNames/any(c:startsWith(c,'https://graph.microsoft'))")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(app_ids(&response), ["00000003-0000-0000-c000-000000000000"]);
    let response = app
        .get("/v1.0/servicePrincipals?$filter=servicePrincipalNames/any(c:c eq 'nobody')")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(app_ids(&response).is_empty());
}

#[tokio::test]
async fn advanced_operators_without_the_header_are_request_unsupported_query() {
    let app = TestApp::new().await;
    for (filter, operator) in [
        ("userType ne 'Member'", "ne"),
        ("not(accountEnabled eq true)", "not"),
        ("endsWith(mail,'@fabrikam.com')", "endsWith"),
    ] {
        let path = format!("/v1.0/users?$filter={filter}");
        // Neither the header nor $count=true.
        let response = app.get(&path).token(&app.admin()).send().await;
        let message = response.assert_error(400, "Request_UnsupportedQuery");
        assert_eq!(message, format!("Operator '{operator}' {ADVANCED_HINT}"));
        // $count=true alone.
        let response = app
            .get(&format!("{path}&$count=true"))
            .token(&app.admin())
            .send()
            .await;
        response.assert_error(400, "Request_UnsupportedQuery");
        // The header alone.
        let response = app.get(&path).eventual().token(&app.admin()).send().await;
        let message = response.assert_error(400, "Request_UnsupportedQuery");
        assert_eq!(message, format!("Operator '{operator}' {ADVANCED_HINT}"));
    }
    let response = app
        .get("/v1.0/users?$filter=jobTitle eq null")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(
        response.assert_error(400, "Request_UnsupportedQuery"),
        "Unsupported or invalid query filter clause specified for property 'jobTitle' of resource 'User'."
    );
}

#[tokio::test]
async fn count_true_without_the_header_is_silently_ignored() {
    let app = TestApp::new().await;
    let response = app
        .get("/v1.0/users?$count=true&$top=5")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(response.json.get("@odata.count").is_none());
    assert_eq!(response.ids().len(), 5);
}

#[tokio::test]
async fn count_true_with_the_header_counts_on_the_first_page_only() {
    let app = TestApp::new().await;
    let token = app.admin();
    let first = app
        .get("/v1.0/users?$count=true&$top=5")
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.json["@odata.count"], 20);
    let keys: Vec<&String> = first.json.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        ["@odata.context", "@odata.count", "@odata.nextLink", "value"]
    );
    let next = first.json["@odata.nextLink"].as_str().expect("nextLink");
    let relative = next.strip_prefix("http://localhost:8080").expect("origin");
    let second = app.get(relative).eventual().token(&token).send().await;
    assert_eq!(second.status, 200, "{}", second.text);
    assert!(second.json.get("@odata.count").is_none());
    assert_eq!(second.ids().len(), 5);
    let filtered = app
        .get("/v1.0/users?$filter=city eq 'Seattle'&$count=true")
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!(filtered.json["@odata.count"], 3);
}

#[tokio::test]
async fn count_segment_needs_the_header_and_answers_text_plain() {
    let app = TestApp::new().await;
    let response = app
        .get("/v1.0/users/$count")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(
        response.assert_error(400, "Request_BadRequest"),
        "$count is not currently supported."
    );
    let response = app
        .get("/v1.0/users/$count")
        .eventual()
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(
        response.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/plain"),
        "{:?}",
        response.headers
    );
    assert_eq!(response.text, "20");
    let filtered = app
        .get("/v1.0/users/$count?$filter=accountEnabled eq false")
        .eventual()
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(filtered.text, "1");
    let groups = app
        .get("/v1.0/groups/$count")
        .eventual()
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(groups.text, "8");
}

#[tokio::test]
async fn search_needs_only_the_header() {
    let app = TestApp::new().await;
    let response = app
        .get("/v1.0/users?$search=\"displayName:adele\"")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(
        response.assert_error(400, "Request_UnsupportedQuery"),
        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'"
    );
    let response = app
        .get("/v1.0/users?$search=\"displayName:adele\"")
        .eventual()
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.ids(), [ADELE]);
    // A word inside the name matches too ("Vance").
    let response = app
        .get("/v1.0/users?$search=\"displayName:vance\"")
        .eventual()
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.ids(), [ADELE]);
    let groups = app
        .get("/v1.0/groups?$search=\"displayName:retail\"")
        .eventual()
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(
        sorted(&groups.ids()),
        sorted(&[RETAIL_EUROPE, RETAIL_MUNICH])
    );
}

#[tokio::test]
async fn orderby_display_name_desc_orders_across_pages() {
    let app = TestApp::new().await;
    let pages = all_pages(
        &app,
        &app.admin(),
        "/v1.0/users?$orderby=displayName desc&$top=5&$select=id,displayName",
    )
    .await;
    assert_eq!(pages.len(), 4);
    let names: Vec<String> = pages
        .iter()
        .flat_map(|p| p["value"].as_array().expect("value").clone())
        .map(|v| v["displayName"].as_str().expect("name").to_owned())
        .collect();
    let mut expected = names.clone();
    expected.sort_by_key(|n| std::cmp::Reverse(n.to_lowercase()));
    assert_eq!(names, expected);
    assert_eq!(names.len(), 20);
    assert_eq!(names.first().map(String::as_str), Some("Pradeep Gupta"));
    assert_eq!(names.last().map(String::as_str), Some("Adele Vance"));
    let ascending = app
        .get("/v1.0/users?$orderby=displayName&$top=2")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(ascending.names(), ["Adele Vance", "Alex Wilber"]);
}

#[tokio::test]
async fn orderby_with_filter_is_an_advanced_query() {
    let app = TestApp::new().await;
    let path = "/v1.0/users?$filter=city eq 'Seattle'&$orderby=displayName desc";
    let response = app.get(path).token(&app.admin()).send().await;
    assert_eq!(
        response.assert_error(400, "Request_UnsupportedQuery"),
        "Sorting not supported for current query."
    );
    let response = app
        .get(&format!("{path}&$count=true"))
        .eventual()
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.names(),
        ["Nestor Wilke", "Megan Bowen", "Joni Sherman"]
    );
}

#[tokio::test]
async fn top_outside_1_to_999_is_400() {
    let app = TestApp::new().await;
    for top in ["0", "1000", "-1", "abc"] {
        let response = app
            .get(&format!("/v1.0/users?$top={top}"))
            .token(&app.admin())
            .send()
            .await;
        let message = response.assert_error(400, "Request_UnsupportedQuery");
        assert_eq!(
            message,
            format!("Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive.")
        );
    }
    let response = app
        .get("/v1.0/users?$top=999")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.ids().len(), 20);
    assert!(response.json.get("@odata.nextLink").is_none());
}

#[tokio::test]
async fn skip_is_not_supported() {
    let app = TestApp::new().await;
    for path in ["/v1.0/users?$skip=5", "/v1.0/groups?$skip=1&$top=2"] {
        let response = app.get(path).token(&app.admin()).send().await;
        assert_eq!(
            response.assert_error(400, "Request_BadRequest"),
            "'$skip' is not supported by the service.",
            "{path}"
        );
    }
}

#[tokio::test]
async fn unknown_properties_are_400_in_filter_select_and_orderby() {
    let app = TestApp::new().await;
    let message = "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.";
    for path in [
        "/v1.0/users?$filter=shoeSize eq '42'",
        "/v1.0/users?$select=id,shoeSize",
        "/v1.0/users?$orderby=shoeSize",
        "/v1.0/users?$filter=startsWith(shoeSize,'4')",
    ] {
        let response = app.get(path).token(&app.admin()).send().await;
        assert_eq!(
            response.assert_error(400, "Request_BadRequest"),
            message,
            "{path}"
        );
    }
    let response = app
        .get("/v1.0/groups?$select=shoeSize")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(
        response.assert_error(400, "Request_BadRequest"),
        "Could not find a property named 'shoeSize' on type 'microsoft.graph.group'."
    );
    // An unknown `$` option is refused; a plain parameter is ignored.
    app.get("/v1.0/users?$frobnicate=1")
        .token(&app.admin())
        .send()
        .await
        .assert_error(400, "Request_BadRequest");
    let response = app
        .get("/v1.0/users?frobnicate=1&$top=1")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn bad_skiptoken_is_400() {
    let app = TestApp::new().await;
    let response = app
        .get("/v1.0/users?$skiptoken=garbage!!")
        .token(&app.admin())
        .send()
        .await;
    let message = response.assert_error(400, "Request_BadRequest");
    assert!(message.contains("skip token"), "{message}");
    // A real token, but from a differently ordered query.
    let ordered = app
        .get("/v1.0/users?$orderby=displayName&$top=2")
        .token(&app.admin())
        .send()
        .await;
    let next = ordered.json["@odata.nextLink"].as_str().expect("nextLink");
    let token = next.split("$skiptoken=").nth(1).expect("token");
    let response = app
        .get(&format!("/v1.0/users?$skiptoken={token}"))
        .token(&app.admin())
        .send()
        .await;
    response.assert_error(400, "Request_BadRequest");
}

#[tokio::test]
async fn percent_encoded_keys_and_python_style_values_work() {
    let app = TestApp::new().await;
    // Python's kiota encodes `$`, `(`, `,` and `'`.
    assert_eq!(
        ids(
            &app,
            "/v1.0/users?%24filter=startswith%28displayName%2C%27Ad%27%29&%24select=id%2CdisplayName"
        )
        .await,
        [ADELE]
    );
    assert_eq!(
        ids(
            &app,
            "/v1.0/users?$filter=startswith%28displayName%2C%27Ad%27%29"
        )
        .await,
        [ADELE]
    );
    // Form-style `+` for spaces, and `%20`.
    assert_eq!(
        ids(&app, "/v1.0/users?$filter=displayName+eq+'Adele+Vance'").await,
        [ADELE]
    );
    assert_eq!(
        ids(
            &app,
            "/v1.0/users?$filter=displayName%20eq%20%27Adele%20Vance%27"
        )
        .await,
        [ADELE]
    );
    // Without the `$` prefix, and in any order (the JS client reorders parameters).
    assert_eq!(
        ids(
            &app,
            "/v1.0/users?select=id&filter=startsWith(displayName,'Ad')"
        )
        .await,
        [ADELE]
    );
    // An encoded advanced query with an encoded ConsistencyLevel companion.
    let response = app
        .get("/v1.0/users?%24count=true&%24filter=endsWith%28mail%2C%27%40fabrikam.com%27%29")
        .eventual()
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.ids(), [GUEST]);
    assert_eq!(response.json["@odata.count"], 1);
}

#[tokio::test]
async fn option_given_twice_is_400() {
    let app = TestApp::new().await;
    app.get("/v1.0/users?$top=1&%24top=2")
        .token(&app.admin())
        .send()
        .await
        .assert_error(400, "Request_BadRequest");
}
