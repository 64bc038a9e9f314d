//! Persisted seeds (a file database): written with the tenant, gone with it, and the real
//! binary resetting created, imported and lab tenants the same after a restart.

use serde_json::json;
use tenantsim::store;

use crate::binary::Server;
use crate::common::*;

async fn persisted(app: &TestApp) -> Vec<String> {
    let mut conn = app.state.db.pool.acquire().await.expect("conn");
    store::seeds::all_seeds(&mut conn)
        .await
        .expect("seeds")
        .into_iter()
        .map(|(tenant, _)| tenant)
        .collect()
}

#[tokio::test]
async fn a_seed_is_kept_with_its_tenant_and_deleted_with_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = TestApp::in_file(dir.path(), "seeds.db").await;
    assert!(
        persisted(&app).await.is_empty(),
        "fixture tenants take their seed from the fixture files"
    );
    let created = app
        .post("/_tenantsim/tenants")
        .json(json!({"template": "contoso", "name": "seeded01"}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let copy = created.json["id"].as_str().expect("id").to_owned();
    let exported = app
        .get(&format!("/_tenantsim/tenants/{copy}/snapshot"))
        .send()
        .await;
    assert_eq!(persisted(&app).await, vec![copy.clone()]);
    {
        // The persisted seed is the tenant's snapshot right after creation.
        let mut conn = app.state.db.pool.acquire().await.expect("conn");
        let (_, document) = store::seeds::all_seeds(&mut conn).await.expect("seeds")[0].clone();
        let document: serde_json::Value = serde_json::from_str(&document).expect("json");
        assert_eq!(document, exported.json);
    }

    let deleted = app
        .delete(&format!("/_tenantsim/tenants/{copy}"))
        .send()
        .await;
    assert_eq!(deleted.status, 204);
    assert!(persisted(&app).await.is_empty());

    // An import is persisted too; a full reset removes it with its tenant.
    let imported = app
        .post("/_tenantsim/snapshot")
        .json(exported.json.clone())
        .send()
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(persisted(&app).await, vec![copy.clone()]);
    let reset = app.post("/_tenantsim/reset").send().await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert!(persisted(&app).await.is_empty());
    let gone = app.get(&format!("/_tenantsim/tenants/{copy}")).send().await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn the_in_memory_database_persists_no_seed() {
    let app = TestApp::new().await;
    let created = app
        .post("/_tenantsim/tenants")
        .json(json!({"template": "contoso", "name": "seeded02"}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert!(persisted(&app).await.is_empty());
    // It still resets to its seed (kept in memory).
    let id = created.json["id"].as_str().expect("id");
    let reset = app
        .post(&format!("/_tenantsim/tenants/{id}/reset"))
        .send()
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text);
}

/// A `application/x-www-form-urlencoded` token request to the real server; returns (status,
/// body).
fn token_request(server: &Server, tenant: &str, form: &[(&str, &str)]) -> (u16, String) {
    let body: Vec<String> = form
        .iter()
        .map(|(k, v)| {
            let value: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={value}")
        })
        .collect();
    let (status, text) = raw_http(
        server.host(),
        "POST",
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(&body.join("&")),
    );
    (status, text)
}

/// The JSON body of a raw answer.
fn body_json(text: &str) -> serde_json::Value {
    let body = text.split_once("\r\n\r\n").map_or(text, |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

const IMPORTED: &str = "5eed5eed-0000-4000-8000-000000000001";
const IMPORTED_USER: &str = "5eed5eed-0000-4000-8000-000000000101";
const IMPORTED_APP: &str = "5eed5eed-a990-4000-8000-000000000301";
const IMPORTED_PASSWORD: &str = "Clear-Imported-Passw0rd-7Q";
const IMPORTED_SECRET: &str = "clear-imported-client-secret-9Z";
const GRAPH_CLI: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

#[test]
fn seeds_of_created_and_imported_tenants_survive_a_restart_without_clear_secrets() {
    let data = tempfile::tempdir().expect("tempdir");
    let data_dir = data.path().to_str().expect("path");
    let db_path = data.path().join("seeds.db");
    let db = db_path.to_str().expect("path");
    let args = ["--data-dir", data_dir, "--db", db];
    let server = Server::start(&args);

    // A copy of Contoso, and an imported tenant with its own clear password and secret.
    let (status, text) = server.request(
        "POST",
        "/_tenantsim/tenants",
        None,
        Some(r#"{"template":"contoso","name":"keepseed"}"#),
    );
    assert_eq!(status, 201, "{text}");
    let summary = body_json(&text);
    let copy = summary["id"].as_str().expect("id").to_owned();
    let admin = &summary["credentials"]["globalAdministrators"][0];
    let admin_upn = admin["userPrincipalName"].as_str().expect("upn").to_owned();
    let admin_password = admin["password"].as_str().expect("password").to_owned();
    let app = &summary["credentials"]["applications"][0];
    let copy_client = app["clientId"].as_str().expect("client").to_owned();
    let copy_secret = app["clientSecret"].as_str().expect("secret").to_owned();
    let document = serde_json::json!({"tenants": [{
        "id": IMPORTED, "displayName": "Imported", "domains": ["imported.example"],
        "users": [{"id": IMPORTED_USER, "userPrincipalName": "ivy@imported.example",
            "displayName": "Ivy", "accountEnabled": true, "password": IMPORTED_PASSWORD}],
        "applications": [{"appId": IMPORTED_APP, "id": "5eed5eed-0000-4000-8000-000000000301",
            "displayName": "Imported Sync", "secrets": [IMPORTED_SECRET],
            "applicationPermissions": ["User.Read.All"]}],
        "oauth2PermissionGrants": [{"clientId": GRAPH_CLI, "consentType": "AllPrincipals",
            "principalId": null, "scope": "User.Read openid profile offline_access"}],
    }]});
    let (status, text) = server.request(
        "POST",
        "/_tenantsim/snapshot",
        None,
        Some(&document.to_string()),
    );
    assert_eq!(status, 200, "{text}");
    let snapshot = |server: &Server, tenant: &str| {
        let (status, text) = server.request(
            "GET",
            &format!("/_tenantsim/tenants/{tenant}/snapshot"),
            None,
            None,
        );
        assert_eq!(status, 200, "{text}");
        body_json(&text)
    };
    let copy_created = snapshot(&server, &copy);
    let imported_created = snapshot(&server, IMPORTED);

    // Change both: a user deleted through Graph in the copy, the imported tenant emptied.
    let (status, text) = server.request(
        "POST",
        "/_tenantsim/tokens",
        None,
        Some(&format!(
            r#"{{"tenant":"{copy}","kind":"app","roles":["User.ReadWrite.All"]}}"#
        )),
    );
    assert_eq!(status, 200, "{text}");
    let token = body_json(&text)["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let (status, text) = server.request(
        "DELETE",
        &format!("/v1.0/users/{admin_upn}"),
        Some(&token),
        None,
    );
    assert_eq!(status, 204, "{text}");
    let (status, text) = server.request(
        "POST",
        &format!("/_tenantsim/tenants/{IMPORTED}/reset"),
        None,
        Some(r#"{"to":"empty"}"#),
    );
    assert_eq!(status, 200, "{text}");
    assert_ne!(snapshot(&server, &copy), copy_created);
    assert_ne!(snapshot(&server, IMPORTED), imported_created);
    assert!(server.terminate().success());

    // After a restart each resets to what it was right after it was created.
    let server = Server::start(&args);
    for (tenant, created) in [
        (copy.as_str(), &copy_created),
        (IMPORTED, &imported_created),
    ] {
        let (status, text) = server.request(
            "POST",
            &format!("/_tenantsim/tenants/{tenant}/reset"),
            None,
            None,
        );
        assert_eq!(status, 200, "reset {tenant} after a restart: {text}");
        assert_eq!(&snapshot(&server, tenant), created, "{tenant} after reset");
    }
    // The template copy's demo credentials are still listed in clear (fixture values whose
    // digests the persisted seed holds).
    let (_, text) = server.request("GET", &format!("/_tenantsim/tenants/{copy}"), None, None);
    assert!(
        text.contains(&format!("\"password\":\"{admin_password}\"")),
        "{text}"
    );
    // And its passwords and client secrets still sign in.
    for (tenant, client, secret) in [
        (copy.as_str(), copy_client.as_str(), copy_secret.as_str()),
        (IMPORTED, IMPORTED_APP, IMPORTED_SECRET),
    ] {
        let (status, text) = token_request(
            &server,
            tenant,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", client),
                ("client_secret", secret),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        );
        assert_eq!(status, 200, "client secret of {tenant}: {text}");
    }
    for (tenant, user, password) in [
        (copy.as_str(), admin_upn.as_str(), admin_password.as_str()),
        (IMPORTED, "ivy@imported.example", IMPORTED_PASSWORD),
    ] {
        let (status, text) = token_request(
            &server,
            tenant,
            &[
                ("grant_type", "password"),
                ("client_id", GRAPH_CLI),
                ("username", user),
                ("password", password),
                ("scope", "User.Read"),
            ],
        );
        assert_eq!(status, 200, "password of {user}: {text}");
    }
    assert!(server.terminate().success());

    // No clear secret rests in the database files.
    for file in ["seeds.db", "seeds.db-wal", "seeds.db-shm"] {
        let Ok(bytes) = std::fs::read(data.path().join(file)) else {
            continue;
        };
        for clear in [
            IMPORTED_PASSWORD,
            IMPORTED_SECRET,
            copy_secret.as_str(),
            "Passw0rd!",
        ] {
            assert!(
                !bytes.windows(clear.len()).any(|w| w == clear.as_bytes()),
                "{clear} rests in clear in {file}"
            );
        }
    }
    // What is there is the digest (the search does find what the files hold).
    let digest = tenantsim::fixtures::password_digest(IMPORTED_PASSWORD);
    let found = ["seeds.db", "seeds.db-wal"].iter().any(|file| {
        std::fs::read(data.path().join(file))
            .is_ok_and(|bytes| bytes.windows(digest.len()).any(|w| w == digest.as_bytes()))
    });
    assert!(found, "the password's digest is stored");
}

#[test]
fn lab_tenants_of_a_file_database_reset_to_their_first_copy_after_a_restart() {
    let data = tempfile::tempdir().expect("tempdir");
    let data_dir = data.path().to_str().expect("path");
    let db = data.path().join("lab.db");
    let args = [
        "--data-dir",
        data_dir,
        "--db",
        db.to_str().expect("path"),
        "--lab",
        "1",
    ];
    let server = Server::start(&args);
    let student = "student01.onmicrosoft.com";
    let snapshot = |server: &Server| {
        let (status, text) = server.request(
            "GET",
            &format!("/_tenantsim/tenants/{student}/snapshot"),
            None,
            None,
        );
        assert_eq!(status, 200, "{text}");
        body_json(&text)
    };
    let first = snapshot(&server);
    // The template changes, and the student tenant is emptied.
    let (status, text) = server.request(
        "POST",
        "/_tenantsim/tenants/contoso/reset",
        None,
        Some(r#"{"to":"empty"}"#),
    );
    assert_eq!(status, 200, "{text}");
    let (status, text) = server.request(
        "POST",
        &format!("/_tenantsim/tenants/{student}/reset"),
        None,
        Some(r#"{"to":"empty"}"#),
    );
    assert_eq!(status, 200, "{text}");
    assert!(server.terminate().success());

    let server = Server::start(&args);
    let (status, text) = server.request(
        "POST",
        &format!("/_tenantsim/tenants/{student}/reset"),
        None,
        None,
    );
    assert_eq!(status, 200, "{text}");
    assert_eq!(snapshot(&server), first, "the seed it was created with");
    // The demo credentials are still listed in clear (they are the template's fixture values).
    let (_, text) = server.request("GET", &format!("/_tenantsim/tenants/{student}"), None, None);
    assert!(text.contains("\"password\":\"Passw0rd!\""), "{text}");
    assert!(server.terminate().success());
}
