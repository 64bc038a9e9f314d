//! Tenant keys name one tenant (issue 11, item 1): a domain is a DNS name, never a GUID; an id
//! wins over a domain wherever a key is resolved; a domain belongs to one tenant whatever its
//! case; a document names each tenant once. Bad documents are a 400 or 409 that changes nothing.

use serde_json::{Value, json};

use crate::common::*;
use crate::identity::{GRAPH, SYNC_APP, SYNC_SECRET, claims, token};

const INTRUDER: &str = "1a7e0000-0000-4000-8000-000000000001";

/// A small tenant document with these domains.
pub fn tenant_doc(id: &str, domains: &[&str]) -> Value {
    json!({"id": id, "displayName": "Intruder", "domains": domains,
        "users": [{"id": "1a7e0000-0000-4000-8000-000000000101", "displayName": "Eve",
            "userPrincipalName": format!("eve@{}", domains[0].to_ascii_lowercase()),
            "accountEnabled": true, "password": "Intruder-Passw0rd!"}]})
}

/// Contoso answers to its own id and domain: discovery names it, the token endpoint issues
/// tokens with its `tid`, the control API finds it.
pub async fn contoso_answers_to_its_own_keys(app: &TestApp, case: &str) {
    for key in [CONTOSO, "contoso.com", "contoso.onmicrosoft.com"] {
        let discovery = app
            .get(&format!("/{key}/v2.0/.well-known/openid-configuration"))
            .header("host", "localhost:8080")
            .send()
            .await;
        assert_eq!(discovery.status, 200, "{case}: {key}: {}", discovery.text);
        assert_eq!(
            discovery.json["issuer"],
            format!("http://localhost:8080/{CONTOSO}/v2.0"),
            "{case}: discovery at {key}"
        );
        let issued = token(
            app,
            key,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", SYNC_APP),
                ("client_secret", SYNC_SECRET),
                ("scope", GRAPH),
            ],
        )
        .await;
        assert_eq!(
            issued.status, 200,
            "{case}: token at {key}: {}",
            issued.text
        );
        let access = issued.json["access_token"].as_str().expect("access_token");
        assert_eq!(claims(access)["tid"], CONTOSO, "{case}: tid at {key}");
        let summary = app.get(&format!("/_tenantsim/tenants/{key}")).send().await;
        assert_eq!(summary.status, 200, "{case}: {}", summary.text);
        assert_eq!(summary.json["id"], CONTOSO, "{case}: control API at {key}");
    }
}

/// The whole state the control API exports: every tenant, every object.
async fn everything(app: &TestApp) -> String {
    let response = app.get("/_tenantsim/snapshot").send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.text
}

/// A refusal in Graph's shape: 400 or 409 with a code and a message; returns the message.
pub fn refused(response: &TestResponse, case: &str) -> String {
    assert!(
        [400, 409].contains(&response.status.as_u16()),
        "{case}: {} {}",
        response.status,
        response.text
    );
    let error = &response.json["error"];
    assert!(error["code"].is_string(), "{case}: {}", response.text);
    error["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{case}: {}", response.text))
        .to_owned()
}

#[tokio::test]
async fn a_tenant_id_is_never_a_domain_and_an_id_always_wins() {
    let app = TestApp::new().await;
    let before = everything(&app).await;
    // Contoso's id, in any case, as the domain of a new tenant: by snapshot and by fixture.
    for domain in [CONTOSO.to_owned(), CONTOSO.to_ascii_uppercase()] {
        let doc = tenant_doc(INTRUDER, &[&domain]);
        let imported = app
            .post("/_tenantsim/snapshot")
            .json(json!({"tenants": [doc.clone()]}))
            .send()
            .await;
        let message = imported.assert_error(400, "Request_BadRequest");
        assert!(message.contains("domains[0]"), "{message}");
        assert!(message.contains("not a DNS name"), "{message}");
        let created = app
            .post("/_tenantsim/tenants")
            .json(json!({"fixture": doc}))
            .send()
            .await;
        let message = created.assert_error(400, "Request_BadRequest");
        assert!(message.contains("domains[0]"), "{message}");
    }
    assert_eq!(everything(&app).await, before);
    contoso_answers_to_its_own_keys(&app, "after refused imports").await;

    // A database written before the rule may hold such a domain: the id still wins on every
    // route that resolves a tenant key.
    {
        let mut tx = app.state.db.begin_write().await.expect("tx");
        let legacy = tenantsim::store::tenants::NewTenant {
            id: INTRUDER,
            display_name: "Legacy intruder",
            cloud: "public",
            country: None,
            settings: "{}",
            domains: &[CONTOSO.to_owned(), "legacy.example".to_owned()],
        };
        tenantsim::store::tenants::insert_tenant(&mut tx, &legacy)
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
    }
    contoso_answers_to_its_own_keys(&app, "legacy GUID domain").await;
    let reset = app
        .post(&format!("/_tenantsim/tenants/{CONTOSO}/reset"))
        .send()
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert_eq!(reset.json["tenant"], CONTOSO);
    // The short-name fallback (`contoso` for contoso.onmicrosoft.com) never applies to a GUID.
    let missing = app
        .get("/_tenantsim/tenants/0badbad0-0000-4000-8000-000000000001")
        .send()
        .await;
    assert_eq!(missing.status, 404, "{}", missing.text);
    let deleted = app
        .delete(&format!("/_tenantsim/tenants/{CONTOSO}"))
        .send()
        .await;
    assert_eq!(deleted.status, 204);
    let intruder = app
        .get(&format!("/_tenantsim/tenants/{INTRUDER}"))
        .send()
        .await;
    assert_eq!(intruder.status, 200, "the intruder was deleted instead");
}

#[tokio::test]
async fn a_claimed_or_case_duplicate_domain_or_a_repeated_id_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let before = everything(&app).await;
    let two = |a: Value, b: Value| json!({"tenants": [a, b]});
    let other = "1a7e0000-0000-4000-8000-000000000002";
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        (
            "a domain Contoso holds, in another case",
            json!({"tenants": [tenant_doc(INTRUDER, &["CONTOSO.com"])]}),
            409,
            "contoso.com",
        ),
        (
            "Fabrikam replaced by a document that takes Contoso's domain",
            json!({"tenants": [tenant_doc(FABRIKAM, &["fabrikamgov.onmicrosoft.com", "Contoso.OnMicrosoft.com"])]}),
            409,
            "contoso.onmicrosoft.com",
        ),
        (
            "two tenants whose domains differ only in case",
            two(
                tenant_doc(INTRUDER, &["twin.example"]),
                tenant_doc(other, &["TWIN.example"]),
            ),
            400,
            "domains[0]",
        ),
        (
            "one domain listed twice by one tenant",
            json!({"tenants": [tenant_doc(INTRUDER, &["twin.example", "Twin.Example"])]}),
            400,
            "domains[1]",
        ),
        (
            "two tenants with one id",
            two(
                tenant_doc(INTRUDER, &["first.example"]),
                tenant_doc(INTRUDER, &["second.example"]),
            ),
            400,
            "the same tenant id appears twice",
        ),
    ];
    for (case, document, status, names) in cases {
        for (route, body) in [
            ("/_tenantsim/snapshot", document.clone()),
            ("/_tenantsim/tenants", json!({"fixture": document.clone()})),
        ] {
            if route == "/_tenantsim/tenants" && case.starts_with("Fabrikam") {
                continue; // creating never replaces: Fabrikam's id alone is a 409
            }
            let response = app.post(route).json(body).send().await;
            let code = if status == 409 {
                "Request_MultipleObjectsWithSameKeyValue"
            } else {
                "Request_BadRequest"
            };
            let message = response.assert_error(status, code);
            assert!(message.contains(names), "{case} at {route}: {message}");
            assert_eq!(everything(&app).await, before, "{case} at {route}");
        }
    }
    contoso_answers_to_its_own_keys(&app, "after refused documents").await;
    // A replacing document may move a domain between the tenants it replaces.
    let moved = app
        .post("/_tenantsim/snapshot")
        .json(two(
            tenant_doc(INTRUDER, &["moving.example"]),
            tenant_doc(other, &["staying.example"]),
        ))
        .send()
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    let moved = app
        .post("/_tenantsim/snapshot")
        .json(two(
            tenant_doc(other, &["Moving.example"]),
            tenant_doc(INTRUDER, &["elsewhere.example"]),
        ))
        .send()
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    let holder = app.get("/_tenantsim/tenants/moving.example").send().await;
    assert_eq!(holder.json["id"], other);
    assert_eq!(holder.json["domains"], json!(["moving.example"]));
}
