//! The control API for tenants: reset, tenant per test, templates, snapshots, the admin key.

use serde_json::{Value, json};

use crate::common::*;

async fn snapshot(app: &TestApp, tenant: &str) -> String {
    let response = app
        .get(&format!("/_tenantsim/tenants/{tenant}/snapshot"))
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.text
}

/// The one tenant of `GET /_tenantsim/tenants/{tenant}/snapshot`.
async fn snapshot_tenant(app: &TestApp, tenant: &str) -> Value {
    let document: Value = serde_json::from_str(&snapshot(app, tenant).await).expect("json");
    document["tenants"][0].clone()
}

/// `copy` (an exported tenant) with its ids and domains replaced by the template's: objects are
/// matched by UPN local part, mail nickname and application name.
fn mapped_back(copy: &Value, template: &Value, domains: &[(&str, &str)]) -> Value {
    let mut ids = vec![(
        copy["id"].as_str().expect("id").to_owned(),
        template["id"].as_str().expect("id").to_owned(),
    )];
    let upn_name = |u: &Value| {
        let upn = u["userPrincipalName"].as_str().expect("upn");
        upn.split('@').next().unwrap_or_default().to_lowercase()
    };
    for (list, key, id_keys) in [
        ("users", "userPrincipalName", &["id"][..]),
        ("groups", "mailNickname", &["id"][..]),
        ("applications", "displayName", &["id", "appId"][..]),
    ] {
        for object in copy[list].as_array().expect("list") {
            let original = template[list]
                .as_array()
                .expect("list")
                .iter()
                .find(|t| {
                    if list == "users" {
                        upn_name(t) == upn_name(object)
                    } else {
                        t[key] == object[key]
                    }
                })
                .unwrap_or_else(|| {
                    panic!("the copy's {list} {} is not in the template", object[key])
                });
            for id in id_keys {
                // An application without a service principal has no `id`.
                if let (Some(copied), Some(was)) = (object[*id].as_str(), original[*id].as_str()) {
                    ids.push((copied.to_owned(), was.to_owned()));
                    // Directory extension names carry the appId without dashes.
                    ids.push((copied.replace('-', ""), was.replace('-', "")));
                }
            }
        }
    }
    let mut text = copy.to_string();
    for (from, to) in ids
        .iter()
        .map(|(f, t)| (f.as_str(), t.as_str()))
        .chain(domains.iter().copied())
    {
        text = text.replace(from, to);
    }
    serde_json::from_str(&text).expect("json")
}

/// `value` with every array sorted: an export's order of ids and names carries no meaning.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(sorted).collect();
            items.sort_by_cached_key(Value::to_string);
            Value::Array(items)
        }
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), sorted(v))).collect())
        }
        other => other.clone(),
    }
}

#[tokio::test]
async fn reset_restores_the_fixtures_exactly() {
    let app = TestApp::new().await;
    let token = app.admin();
    let before = snapshot(&app, CONTOSO).await;
    // Change users, groups, membership and settings.
    assert_eq!(
        app.patch(&format!("/v1.0/users/{ADELE}"))
            .token(&token)
            .json(json!({"jobTitle": "Changed"}))
            .send()
            .await
            .status,
        204
    );
    assert_eq!(
        app.delete(&format!("/v1.0/users/{ALEX}"))
            .token(&token)
            .send()
            .await
            .status,
        204
    );
    let member = json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{LYNNE_NO_GROUPS}")});
    assert_eq!(
        app.post(&format!("/v1.0/groups/{LINKEDIN_PILOT}/members/$ref"))
            .token(&token)
            .json(member)
            .send()
            .await
            .status,
        204
    );
    assert_ne!(snapshot(&app, CONTOSO).await, before);

    let reset = app
        .post(&format!("/_tenantsim/tenants/{CONTOSO}/reset"))
        .send()
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert!(reset.json["elapsedMs"].as_f64().is_some());
    assert_eq!(snapshot(&app, CONTOSO).await, before);
    // Tokens keep working after a reset: the tenant and the signing key are the same.
    assert_eq!(
        app.get(&format!("/v1.0/users/{ALEX}"))
            .token(&token)
            .send()
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn full_reset_removes_tenants_created_since_and_can_empty_tenants() {
    let app = TestApp::new().await;
    let created = app
        .post("/_tenantsim/tenants")
        .json(json!({"template": "contoso", "name": "scratch"}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let scratch = created.json["id"].as_str().expect("id").to_owned();
    assert_eq!(app.post("/_tenantsim/reset").send().await.status, 200);
    assert_eq!(
        app.get(&format!("/_tenantsim/tenants/{scratch}"))
            .send()
            .await
            .status,
        404
    );
    let tenants = app.get("/_tenantsim/tenants").send().await;
    assert_eq!(tenants.ids(), vec![CONTOSO, FABRIKAM]);

    let emptied = app
        .post(&format!("/_tenantsim/tenants/{CONTOSO}/reset"))
        .json(json!({"to": "empty"}))
        .send()
        .await;
    assert_eq!(emptied.status, 200, "{}", emptied.text);
    let users = app.get("/v1.0/users").token(&app.admin()).send().await;
    assert_eq!(users.json["value"], json!([]));
    let bad = app
        .post("/_tenantsim/reset")
        .json(json!({"to": "yesterday"}))
        .send()
        .await;
    bad.assert_error(400, "Request_BadRequest");
}

#[tokio::test]
async fn a_template_copy_is_a_separate_tenant_with_predictable_names() {
    let app = TestApp::new().await;
    let created = app
        .post("/_tenantsim/tenants")
        .json(json!({"template": "contoso.onmicrosoft.com", "name": "student07"}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().expect("id").to_owned();
    assert_eq!(
        created.json["domains"],
        json!(["student07.onmicrosoft.com", "student07.contoso.com"])
    );
    let admins = &created.json["credentials"]["globalAdministrators"];
    assert_eq!(
        admins[0]["userPrincipalName"],
        "admin@student07.onmicrosoft.com"
    );
    assert_eq!(admins[0]["password"], "Passw0rd!");

    // The copy holds everything the template holds: its export, with the copy's ids and domains
    // mapped back by natural keys (UPN, mail nickname, app name), is the template's export.
    let template = snapshot_tenant(&app, CONTOSO).await;
    let copy = snapshot_tenant(&app, &id).await;
    assert_eq!(copy["displayName"], "Contoso (student07)");
    let back = mapped_back(
        &copy,
        &template,
        &[
            ("student07.onmicrosoft.com", "contoso.onmicrosoft.com"),
            ("student07.contoso.com", "contoso.com"),
        ],
    );
    let (mut template, mut back) = (sorted(&template), sorted(&back));
    for t in [&mut template, &mut back] {
        t.as_object_mut().expect("tenant").remove("displayName");
    }
    assert_eq!(back, template, "the copy differs from its template");
    assert_eq!(copy["users"].as_array().map(Vec::len), Some(20));

    let token = app.app_token(&id, ALL_ROLES);
    let users = app
        .get("/v1.0/users?$top=999&$select=id,userPrincipalName")
        .token(&token)
        .send()
        .await;
    let upns: Vec<&str> = users.json["value"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["userPrincipalName"].as_str())
        .collect();
    assert_eq!(upns.len(), 20);
    assert!(
        upns.iter()
            .all(|u| u.ends_with("@student07.onmicrosoft.com")),
        "{upns:?}"
    );
    // The copy's writes never reach the template.
    let copy_adele = users.json["value"][1]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_ne!(copy_adele, ADELE);
    assert_eq!(
        app.patch(&format!("/v1.0/users/{copy_adele}"))
            .token(&token)
            .json(json!({"jobTitle": "Student"}))
            .send()
            .await
            .status,
        204
    );
    let original = app
        .get(&format!("/v1.0/users/{ADELE}"))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(original.json["jobTitle"], "Retail Manager");
    // A Contoso token does not reach the copy, and vice versa.
    app.get(&format!("/v1.0/users/{copy_adele}"))
        .token(&app.admin())
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
    // The same template and name again: the tenant exists.
    let again = app
        .post("/_tenantsim/tenants")
        .json(json!({"template": "contoso", "name": "student07"}))
        .send()
        .await;
    again.assert_error(409, "Request_MultipleObjectsWithSameKeyValue");
}

#[tokio::test]
async fn tenants_per_test_stay_isolated_under_parallel_writes() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let mut tasks = Vec::new();
    for n in 0..8 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let created = app.post("/_tenantsim/tenants").json(json!({"template": "contoso", "name": format!("parallel{n}")})).send().await;
            assert_eq!(created.status, 201, "{}", created.text);
            let tenant = created.json["id"].as_str().expect("id").to_owned();
            let token = app.app_token(&tenant, ALL_ROLES);
            for i in 0..5 {
                let body = json!({"accountEnabled": true, "displayName": format!("P{n} U{i}"), "mailNickname": format!("p{n}u{i}"),
                    "userPrincipalName": format!("p{n}u{i}@parallel{n}.onmicrosoft.com"), "passwordProfile": {"password": "Xx-123456789"}});
                let response = app.post("/v1.0/users").token(&token).json(body).send().await;
                assert_eq!(response.status, 201, "{}", response.text);
            }
            let count = app.get("/v1.0/users/$count").eventual().token(&token).send().await;
            assert_eq!(count.text, "25", "tenant {n} sees only its own users");
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let contoso = app
        .get("/v1.0/users/$count")
        .eventual()
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(contoso.text, "20");
}

#[tokio::test]
async fn snapshot_export_import_export_is_byte_identical() {
    let app = TestApp::new().await;
    let token = app.admin();
    // Some state a fixture does not start with: a new user and a new group with members.
    let user = json!({"accountEnabled": true, "displayName": "Snap Shot", "mailNickname": "snap", "userPrincipalName": "snap@contoso.com", "passwordProfile": {"password": "Xx-123456789"}});
    assert_eq!(
        app.post("/v1.0/users")
            .token(&token)
            .json(user)
            .send()
            .await
            .status,
        201
    );
    let group = json!({"displayName": "Snapshot group", "mailEnabled": false, "mailNickname": "snapgroup", "securityEnabled": true,
        "members@odata.bind": [format!("https://graph.microsoft.com/v1.0/users/{ADELE}")]});
    assert_eq!(
        app.post("/v1.0/groups")
            .token(&token)
            .json(group)
            .send()
            .await
            .status,
        201
    );
    let first = app.get("/_tenantsim/snapshot").send().await;
    assert_eq!(first.status, 200);

    let fresh = TestApp::on_db(
        tenantsim::store::Db::open(None).await.expect("db"),
        tenantsim::Settings::default(),
        false,
    )
    .await;
    let imported = fresh
        .post("/_tenantsim/snapshot")
        .json(first.json.clone())
        .send()
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    let second = fresh.get("/_tenantsim/snapshot").send().await;
    assert_eq!(first.text, second.text);
    // The imported tenant works: the new user signs in to Graph data.
    let users = fresh
        .get("/v1.0/users/snap@contoso.com")
        .token(&fresh.admin())
        .send()
        .await;
    assert_eq!(users.status, 200, "{}", users.text);
}

#[tokio::test]
async fn a_bad_fixture_creates_nothing_and_says_what_is_wrong() {
    let app = TestApp::new().await;
    let fixture = json!({"id": "1c3e0000-0000-4000-8000-000000000001", "displayName": "Bad", "domains": ["bad.example"],
        "users": [{"id": "1c3e0000-0000-4000-8000-000000000101", "userPrincipalName": "a@elsewhere.example", "displayName": "A", "accountEnabled": true}]});
    let response = app
        .post("/_tenantsim/tenants")
        .json(json!({"fixture": fixture}))
        .send()
        .await;
    let message = response.assert_error(400, "Request_BadRequest");
    assert!(message.contains("userPrincipalName"), "{message}");
    assert_eq!(
        app.get("/_tenantsim/tenants/1c3e0000-0000-4000-8000-000000000001")
            .send()
            .await
            .status,
        404
    );
}

/// Found by the `fixture_load` fuzz target: fixtures that passed validation and then failed to
/// load, which the control API answered with a 500. Each must be a 400 naming the field, and
/// create nothing.
#[tokio::test]
async fn fixtures_whose_references_cannot_load_are_400_naming_the_field() {
    let app = TestApp::new().await;
    let tenant = "1c3e0000-0000-4000-8000-000000000002";
    let user = "1c3e0000-0000-4000-8000-000000000102";
    let base = || {
        json!({"id": tenant, "displayName": "Refs", "domains": ["refs.example"],
            "users": [{"id": user, "userPrincipalName": "a@refs.example", "displayName": "A", "accountEnabled": true}]})
    };
    let app_seed =
        |app_id: &str, id: &str| json!({"appId": app_id, "id": id, "displayName": "App"});
    // The object id Microsoft Graph's service principal gets in every tenant.
    let graph_sp = tenantsim::builtin::graph_sp_id(tenant);
    let cases = [
        ("a grant to an unknown client", "clientId", {
            let mut f = base();
            f["oauth2PermissionGrants"] = json!([{"clientId": "1c3e0000-0000-4000-8000-0000000009ff",
                "consentType": "AllPrincipals", "principalId": null, "scope": "User.Read"}]);
            f
        }),
        ("a grant for a principal that is no user", "principalId", {
            let mut f = base();
            f["oauth2PermissionGrants"] = json!([{"clientId": "14d82eec-204b-4c2f-b7e8-296a70dab67e",
                "consentType": "Principal", "principalId": "1c3e0000-0000-4000-8000-0000000009fe", "scope": "User.Read"}]);
            f
        }),
        (
            "two grants for the same client, resource and principal",
            "(grant)",
            {
                let mut f = base();
                let grant = json!({"clientId": "14d82eec-204b-4c2f-b7e8-296a70dab67e", "consentType": "Principal",
                "principalId": user, "scope": "User.Read"});
                f["oauth2PermissionGrants"] = json!([grant.clone(), grant]);
                f
            },
        ),
        ("two applications with one appId", "applications", {
            let mut f = base();
            f["applications"] = json!([
                app_seed(
                    "1c3e0000-a990-4000-8000-000000000301",
                    "1c3e0000-0000-4000-8000-000000000301"
                ),
                app_seed(
                    "1c3e0000-a990-4000-8000-000000000301",
                    "1c3e0000-0000-4000-8000-000000000302"
                )
            ]);
            f
        }),
        (
            "an application with a built-in service principal's object id",
            "applications",
            {
                let mut f = base();
                f["applications"] =
                    json!([app_seed("1c3e0000-a990-4000-8000-000000000303", &graph_sp)]);
                f
            },
        ),
        (
            "a user with a built-in service principal's object id",
            "built-in",
            {
                let mut f = base();
                f["users"][0]["id"] = json!(graph_sp);
                f
            },
        ),
        (
            "a grant the LinkedIn connection of its user already gives",
            "(grant)",
            {
                let mut f = base();
                f["users"][0]["linkedIn"] = json!({"vanityName": "a-refs", "connection": "Bound"});
                f["oauth2PermissionGrants"] = json!([{"clientId": "7e5a1c4d-1d0e-4f00-8000-6c696e6b6564",
                "consentType": "Principal", "principalId": user, "scope": "User.Read"}]);
                f
            },
        ),
        (
            "a LinkedIn appId that is another built-in app's",
            "settings.linkedIn.appId",
            {
                let mut f = base();
                f["settings"] = json!({"linkedIn": {"enableLinkedInAppFamily": 0, "appId": "14d82eec-204b-4c2f-b7e8-296a70dab67e"}});
                f
            },
        ),
        ("an application with a built-in appId", "applications", {
            let mut f = base();
            f["applications"] = json!([app_seed(
                "00000003-0000-0000-c000-000000000000",
                "1c3e0000-0000-4000-8000-000000000304"
            )]);
            f
        }),
        // Each permission is an app-role assignment whose id derives from app and role.
        (
            "an application permission listed twice",
            "applicationPermissions",
            {
                let mut f = base();
                let mut app = app_seed(
                    "1c3e0000-a990-4000-8000-000000000305",
                    "1c3e0000-0000-4000-8000-000000000305",
                );
                app["applicationPermissions"] = json!(["User.Read.All", "User.Read.All"]);
                f["applications"] = json!([app]);
                f
            },
        ),
        (
            "a grant the admin consent of its application already gives",
            "(grant)",
            {
                let mut f = base();
                let mut app = app_seed(
                    "1c3e0000-a990-4000-8000-000000000306",
                    "1c3e0000-0000-4000-8000-000000000306",
                );
                app["delegatedPermissions"] = json!(["User.Read"]);
                app["adminConsent"] = json!(true);
                f["applications"] = json!([app]);
                f["oauth2PermissionGrants"] = json!([{"clientId": "1c3e0000-a990-4000-8000-000000000306",
                    "consentType": "AllPrincipals", "principalId": null, "scope": "User.Read"}]);
                f
            },
        ),
    ];
    for (case, field, fixture) in cases {
        let response = app
            .post("/_tenantsim/tenants")
            .json(json!({ "fixture": fixture }))
            .send()
            .await;
        assert_eq!(response.status, 400, "{case}: {}", response.text);
        let message = response.assert_error(400, "Request_BadRequest");
        assert!(message.contains(field), "{case}: {message}");
        let created = app
            .get(&format!("/_tenantsim/tenants/{tenant}"))
            .send()
            .await;
        assert_eq!(created.status, 404, "{case}: the tenant was created");
    }
    // The same tenant with valid references loads.
    let mut good = base();
    good["applications"] = json!([app_seed(
        "1c3e0000-a990-4000-8000-000000000301",
        "1c3e0000-0000-4000-8000-000000000301"
    )]);
    good["oauth2PermissionGrants"] = json!([{"clientId": "1c3e0000-a990-4000-8000-000000000301", "consentType": "Principal",
        "principalId": user, "scope": "User.Read"}]);
    let response = app
        .post("/_tenantsim/tenants")
        .json(json!({ "fixture": good }))
        .send()
        .await;
    assert_eq!(response.status, 201, "{}", response.text);
}

/// Issue 11, item 9 (found by a 4-minute `fixture_load` run): a grant whose client is named by
/// a built-in app's appId (Microsoft Graph's own, the portal's) passed validation, then the load
/// failed ("client … is not a service principal of tenant …") and the control API answered 500.
/// Loading now writes the client validation resolved: the tenant is created and the grant
/// names the built-in's service principal.
#[tokio::test]
async fn a_grant_whose_client_is_a_builtin_app_id_validates_and_loads_alike() {
    let app = TestApp::new().await;
    let tenant = "1c3e0000-0000-4000-8000-000000000003";
    let user = "1c3e0000-0000-4000-8000-000000000103";
    let graph_app = tenantsim::builtin::GRAPH_APP_ID;
    let portal_app = tenantsim::builtin::PORTAL_APP_ID;
    let fixture = json!({"id": tenant, "displayName": "Built-in clients", "domains": ["builtin-clients.example"],
        "users": [{"id": user, "userPrincipalName": "a@builtin-clients.example", "displayName": "A", "accountEnabled": true}],
        "oauth2PermissionGrants": [
            {"clientId": graph_app, "consentType": "AllPrincipals", "principalId": null, "scope": "User.Read"},
            {"clientId": portal_app.to_ascii_uppercase(), "consentType": "Principal", "principalId": user, "scope": "User.Read"}]});
    let response = app
        .post("/_tenantsim/tenants")
        .json(json!({ "fixture": fixture.clone() }))
        .send()
        .await;
    assert_eq!(response.status, 201, "{}", response.text);
    let graph_sp = tenantsim::builtin::graph_sp_id(tenant);
    let portal_sp = tenantsim::builtin::derived_id(tenant, portal_app);
    let grants = app
        .get("/v1.0/oauth2PermissionGrants")
        .token(&app.app_token(tenant, ALL_ROLES))
        .send()
        .await;
    assert_eq!(grants.status, 200, "{}", grants.text);
    let mut found: Vec<(String, String, String)> = grants.json["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|g| {
            let text = |k: &str| g[k].as_str().unwrap_or_default().to_owned();
            (text("clientId"), text("resourceId"), text("consentType"))
        })
        .collect();
    found.sort();
    let mut expected = vec![
        (
            graph_sp.clone(),
            graph_sp.clone(),
            "AllPrincipals".to_owned(),
        ),
        (portal_sp, graph_sp, "Principal".to_owned()),
    ];
    expected.sort();
    assert_eq!(found, expected);
    // The snapshot import, which loads the same way, agrees.
    let imported = app
        .post("/_tenantsim/snapshot")
        .json(json!({ "tenants": [fixture] }))
        .send()
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
}

#[tokio::test]
async fn deleting_a_tenant_makes_its_tokens_fail() {
    let app = TestApp::new().await;
    let token = app.app_token(FABRIKAM, ALL_ROLES);
    assert_eq!(
        app.get("/v1.0/users").token(&token).send().await.status,
        200
    );
    assert_eq!(
        app.delete(&format!("/_tenantsim/tenants/{FABRIKAM}"))
            .send()
            .await
            .status,
        204
    );
    app.get("/v1.0/users")
        .token(&token)
        .send()
        .await
        .assert_error(401, "InvalidAuthenticationToken");
}

#[tokio::test]
async fn the_admin_key_protects_the_control_api() {
    let settings = tenantsim::Settings {
        admin_key: Some("s3cret-admin-key".to_owned()),
        ..Default::default()
    };
    let app = TestApp::with_settings(settings).await;
    app.get("/_tenantsim/tenants")
        .send()
        .await
        .assert_error(401, "InvalidAuthenticationToken");
    app.get("/_tenantsim/tenants")
        .token("wrong")
        .send()
        .await
        .assert_error(401, "InvalidAuthenticationToken");
    let ok = app
        .get("/_tenantsim/tenants")
        .token("s3cret-admin-key")
        .send()
        .await;
    assert_eq!(ok.status, 200);
    assert!(
        ok.json["value"]
            .as_array()
            .is_some_and(|v: &Vec<Value>| v.len() == 2)
    );
}

#[tokio::test]
async fn a_reset_keeps_the_signing_key_unless_asked_to_rotate_it() {
    let app = TestApp::new().await;
    let token = app.admin();
    assert_eq!(
        app.post("/_tenantsim/reset")
            .json(json!({"keepSigningKeys": true}))
            .send()
            .await
            .status,
        200
    );
    assert_eq!(
        app.get("/v1.0/users").token(&token).send().await.status,
        200
    );
    let kid = app
        .get(&format!("/{CONTOSO}/discovery/v2.0/keys"))
        .send()
        .await
        .json["keys"][0]["kid"]
        .clone();
    assert_eq!(
        app.post("/_tenantsim/reset")
            .json(json!({"keepSigningKeys": false}))
            .send()
            .await
            .status,
        200
    );
    app.get("/v1.0/users")
        .token(&token)
        .send()
        .await
        .assert_error(401, "InvalidAuthenticationToken");
    let rotated = app
        .get(&format!("/{CONTOSO}/discovery/v2.0/keys"))
        .send()
        .await
        .json["keys"][0]["kid"]
        .clone();
    assert_ne!(kid, rotated);
    assert_eq!(
        app.get("/v1.0/users")
            .token(&app.admin())
            .send()
            .await
            .status,
        200,
        "new tokens verify"
    );
}
