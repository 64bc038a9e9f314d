//! Body limits: Graph routes keep Graph's 4 MiB; the import routes take whatever tenantsim
//! exports (a tenant's own export was a 413 above 4 MiB, issue 11).

use serde_json::{Value, json};
use tenantsim::Settings;

use crate::common::*;

const BIG: &str = "b16b16b1-0000-4000-8000-000000000001";
const MIB: usize = 1024 * 1024;

/// A tenant of `users` users whose street addresses are `padding` characters long.
fn big_fixture(users: usize, padding: usize) -> Value {
    let street = "x".repeat(padding);
    let users: Vec<Value> = (0..users)
        .map(|n| {
            json!({
                "id": format!("b16b16b1-0000-4000-8000-{:012x}", 0x1000 + n),
                "userPrincipalName": format!("user{n:05}@big.example"),
                "displayName": format!("User {n:05}"),
                "accountEnabled": true,
                "streetAddress": street,
                "password": "Big-Passw0rd!",
            })
        })
        .collect();
    let members: Vec<Value> = users.iter().take(50).map(|u| u["id"].clone()).collect();
    json!({"tenants": [{
        "id": BIG,
        "displayName": "Big Corp",
        "domains": ["big.example"],
        "users": users,
        "groups": [{"id": "b16b16b1-0000-4000-8000-000000000002", "displayName": "Everyone",
            "mailEnabled": false, "mailNickname": "everyone", "securityEnabled": true, "members": members}],
    }]})
}

#[tokio::test]
async fn an_export_larger_than_the_graph_limit_imports_back_with_default_settings() {
    let app = TestApp::new().await;
    let fixture = big_fixture(4_500, 1_800);
    let text = fixture.to_string();
    assert!(
        text.len() > 8 * 1000 * 1000,
        "an 8 MB fixture: {}",
        text.len()
    );
    let created = app
        .post("/_tenantsim/tenants")
        .json(json!({ "fixture": fixture }))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);

    let exported = app
        .get(&format!("/_tenantsim/tenants/{BIG}/snapshot"))
        .send()
        .await;
    assert_eq!(exported.status, 200);
    assert!(
        exported.text.len() > 4 * MIB,
        "the export is over 4 MiB: {}",
        exported.text.len()
    );
    let deleted = app
        .delete(&format!("/_tenantsim/tenants/{BIG}"))
        .send()
        .await;
    assert_eq!(deleted.status, 204);
    let imported = app
        .post("/_tenantsim/snapshot")
        .raw_body("application/json", exported.text.clone())
        .send()
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(imported.json["imported"], json!([BIG]));
    let again = app
        .get(&format!("/_tenantsim/tenants/{BIG}/snapshot"))
        .send()
        .await;
    assert_eq!(again.text, exported.text, "export → import → export");
}

#[tokio::test]
async fn graph_routes_keep_the_4_mib_limit_in_graphs_envelope() {
    let app = TestApp::new().await;
    let body = json!({"accountEnabled": true, "displayName": "Too Big", "mailNickname": "toobig",
        "userPrincipalName": "toobig@contoso.onmicrosoft.com", "streetAddress": "x".repeat(4 * MIB + 1),
        "passwordProfile": {"password": "Xx-123456789"}});
    let answer = app
        .post("/v1.0/users")
        .token(&app.admin())
        .json(body)
        .send()
        .await;
    answer.assert_error(413, "RequestEntityTooLarge");
    // Just under the limit, the same route reads the body (and judges its content).
    let body = json!({"accountEnabled": true, "displayName": "Fits", "mailNickname": "fits",
        "userPrincipalName": "fits@contoso.onmicrosoft.com", "streetAddress": "x".repeat(3 * MIB),
        "passwordProfile": {"password": "Xx-123456789"}});
    let answer = app
        .post("/v1.0/users")
        .token(&app.admin())
        .json(body)
        .send()
        .await;
    assert_ne!(answer.status.as_u16(), 413, "{}", answer.text);
}

#[tokio::test]
async fn the_import_limit_is_configurable_and_answers_413_graph_shaped() {
    let app = TestApp::with_settings(Settings {
        import_body_limit: MIB,
        ..Settings::default()
    })
    .await;
    let document = big_fixture(800, 1_800).to_string();
    assert!(document.len() > MIB);
    for path in ["/_tenantsim/snapshot", "/_tenantsim/tenants"] {
        let answer = app
            .post(path)
            .raw_body("application/json", document.clone())
            .send()
            .await;
        answer.assert_error(413, "RequestEntityTooLarge");
    }
    let tenants = app.get(&format!("/_tenantsim/tenants/{BIG}")).send().await;
    assert_eq!(tenants.status, 404, "a refused import changes nothing");
}

#[tokio::test]
async fn an_import_that_is_not_json_or_not_a_fixture_is_400_and_changes_nothing() {
    let app = TestApp::new().await;
    let before = app
        .get(&format!("/_tenantsim/tenants/{CONTOSO}/snapshot"))
        .send()
        .await;
    for body in ["{\"tenants\": [", "[]", "{\"tenants\": 3}"] {
        let answer = app
            .post("/_tenantsim/snapshot")
            .raw_body("application/json", body)
            .send()
            .await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.text);
    }
    let answer = app
        .post("/_tenantsim/snapshot")
        .raw_body("text/plain", "{\"tenants\": []}")
        .send()
        .await;
    answer.assert_error(415, "UnsupportedMediaType");
    let after = app
        .get(&format!("/_tenantsim/tenants/{CONTOSO}/snapshot"))
        .send()
        .await;
    assert_eq!(before.text, after.text);
}
