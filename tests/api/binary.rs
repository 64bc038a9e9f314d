//! The real binary: `serve` prints its ready line and serves over a real socket, `healthcheck`,
//! `token` and `fixtures check` behave as documented, SIGTERM shuts down gracefully, and a
//! file database keeps what was written across a restart.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::common::raw_http;

const BIN: &str = env!("CARGO_BIN_EXE_tenantsim");

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(["--http-port", "0", "--https-port", "0"])
            .args(args)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn tenantsim");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("tenantsim exited before its ready line")
                .expect("read");
            if let Some(at) = line.find("tenantsim ready on ") {
                let rest = &line[at + "tenantsim ready on ".len()..];
                break rest.split_whitespace().next().expect("url").to_owned();
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self { child, base }
    }

    fn host(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// A raw HTTP/1.1 request; returns (status, headers+body text).
    fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (u16, String) {
        let authorization = token.map(|token| format!("Bearer {token}"));
        let mut headers = vec![("client-request-id", "0f8fad5b-d9cb-469f-a165-70867728950e")];
        headers.extend(authorization.as_deref().map(|a| ("Authorization", a)));
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        raw_http(self.host(), method, path, &headers, body)
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        self.child.wait().expect("wait")
    }
}

fn mint(data_dir: &str, extra: &[&str]) -> String {
    let output = Command::new(BIN)
        .args([
            "token",
            "--tenant",
            "contoso.onmicrosoft.com",
            "--data-dir",
            data_dir,
        ])
        .args(extra)
        .output()
        .expect("run token");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

#[test]
fn serve_prints_the_ready_line_answers_graph_and_stops_on_sigterm() {
    let data = tempfile::tempdir().expect("tempdir");
    let data_dir = data.path().to_str().expect("path");
    let server = Server::start(&["--data-dir", data_dir]);
    assert!(
        server.base.starts_with("http://127.0.0.1:"),
        "{}",
        server.base
    );

    let (status, _) = server.request("GET", "/health", None, None);
    assert_eq!(status, 200);
    let (status, _) = server.request("GET", "/ready", None, None);
    assert_eq!(status, 200);
    let health = Command::new(BIN)
        .args(["healthcheck", "--url", &server.base])
        .status()
        .expect("healthcheck");
    assert!(health.success());

    // `token` and `serve` share the data directory, so they agree on the signing key.
    let token = mint(
        data_dir,
        &[
            "--app",
            "0b5e6f4c-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            "--roles",
            "User.Read.All",
        ],
    );
    let (status, text) = server.request(
        "GET",
        "/v1.0/users?$top=1&$select=displayName",
        Some(&token),
        None,
    );
    assert_eq!(status, 200, "{text}");
    let lower = text.to_ascii_lowercase();
    assert!(
        lower.contains("request-id: 0f8fad5b-d9cb-469f-a165-70867728950e"),
        "{text}"
    );
    assert!(
        lower.contains("client-request-id: 0f8fad5b-d9cb-469f-a165-70867728950e"),
        "{text}"
    );
    assert!(
        lower.contains("content-type: application/json;odata.metadata=minimal"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "\"@odata.nextLink\":\"{}/v1.0/users?$top=1&$select=displayName&$skiptoken=",
            server.base
        )),
        "{text}"
    );

    let delegated = mint(
        data_dir,
        &[
            "--user",
            "AdeleV@contoso.onmicrosoft.com",
            "--scopes",
            "User.Read",
        ],
    );
    let (status, text) = server.request(
        "GET",
        "/v1.0/me?$select=displayName",
        Some(&delegated),
        None,
    );
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("Adele Vance"));

    let base = server.base.clone();
    let status = server.terminate();
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}"
    );
    let health = Command::new(BIN)
        .args(["healthcheck", "--url", &base])
        .status()
        .expect("healthcheck");
    assert!(
        !health.success(),
        "healthcheck fails once the server is gone"
    );
}

#[test]
fn a_file_database_keeps_writes_across_a_restart() {
    let data = tempfile::tempdir().expect("tempdir");
    let data_dir = data.path().to_str().expect("path");
    let db = data.path().join("tenant.db");
    let db = db.to_str().expect("path");
    let args = ["--data-dir", data_dir, "--db", db];
    let token = mint(
        data_dir,
        &[
            "--app",
            "0b5e6f4c-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            "--roles",
            "Directory.ReadWrite.All",
        ],
    );

    let server = Server::start(&args);
    let body = r#"{"accountEnabled":true,"displayName":"Persisted Person","mailNickname":"persisted","userPrincipalName":"persisted@contoso.com","passwordProfile":{"password":"Xx-12345678"}}"#;
    let (status, text) = server.request("POST", "/v1.0/users", Some(&token), Some(body));
    assert_eq!(status, 201, "{text}");
    let (status, _) = server.request(
        "PATCH",
        "/v1.0/users/c0a70550-0000-4000-8000-000000000102",
        Some(&token),
        Some(r#"{"jobTitle":"Survivor"}"#),
    );
    assert_eq!(status, 204);
    assert!(server.terminate().success());

    let server = Server::start(&args);
    let (status, text) = server.request(
        "GET",
        "/v1.0/users/persisted@contoso.com",
        Some(&token),
        None,
    );
    assert_eq!(status, 200, "{text}");
    let (_, text) = server.request(
        "GET",
        "/v1.0/users/c0a70550-0000-4000-8000-000000000102?$select=jobTitle",
        Some(&token),
        None,
    );
    assert!(text.contains("\"jobTitle\":\"Survivor\""), "{text}");
    assert!(server.terminate().success());
}

#[test]
fn fixtures_check_accepts_the_embedded_fixtures_and_names_each_error() {
    let ok = Command::new(BIN)
        .args(["fixtures", "check", "fixtures"])
        .output()
        .expect("run");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("20 users"));

    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"tenants":[{"id":"1c3e0000-0000-4000-8000-000000000001","displayName":"Bad","domains":["bad.example"],
            "users":[{"id":"1c3e0000-0000-4000-8000-000000000101","userPrincipalName":"a@elsewhere.example","displayName":"A","accountEnabled":true,"favouriteColour":"red"}],
            "groups":[{"id":"1c3e0000-0000-4000-8000-000000000201","displayName":"G","mailEnabled":false,"mailNickname":"g","securityEnabled":true,"members":["1c3e0000-0000-4000-8000-000000000999"]}]}]}"#,
    )
    .expect("write");
    let out = Command::new(BIN)
        .args(["fixtures", "check"])
        .arg(&bad)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let file = bad.display().to_string();
    for expected in [
        format!(
            "{file}: tenant 1c3e0000-0000-4000-8000-000000000001 user a@elsewhere.example: userPrincipalName: the domain must be one of the tenant's domains"
        ),
        format!(
            "{file}: tenant 1c3e0000-0000-4000-8000-000000000001 user a@elsewhere.example: favouriteColour: unknown property"
        ),
        format!(
            "{file}: tenant 1c3e0000-0000-4000-8000-000000000001 group 'G': members: 1c3e0000-0000-4000-8000-000000000999 is not a user or group of this tenant"
        ),
    ] {
        assert!(
            stderr.contains(&expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }

    // A bad fixture given to `serve` stops it before it binds, and says why.
    let out = Command::new(BIN)
        .args(["serve", "--http-port", "0", "--fixtures"])
        .arg(&bad)
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("favouriteColour: unknown property"));
}

#[test]
fn a_non_loopback_bind_without_an_admin_key_refuses_to_start() {
    let data = tempfile::tempdir().expect("tempdir");
    let out = Command::new(BIN)
        .args([
            "serve",
            "--bind",
            "0.0.0.0",
            "--http-port",
            "0",
            "--https-port",
            "0",
            "--data-dir",
        ])
        .arg(data.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0 without --admin-key"),
        "{stderr}"
    );
}

#[test]
fn lab_mode_creates_student_tenants_listed_with_their_credentials() {
    let data = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&[
        "--data-dir",
        data.path().to_str().expect("path"),
        "--lab",
        "3",
        "--template",
        "contoso",
    ]);
    let (status, text) = server.request("GET", "/_tenantsim/tenants", None, None);
    assert_eq!(status, 200, "{text}");
    for n in 1..=3 {
        assert!(
            text.contains(&format!("\"admin@student0{n}.onmicrosoft.com\"")),
            "student0{n} in {text}"
        );
    }
    assert!(text.contains("\"password\":\"Passw0rd!\""));
    // A full reset keeps the lab tenants (they are part of the start-up state).
    let (status, _) = server.request("POST", "/_tenantsim/reset", None, None);
    assert_eq!(status, 200);
    let (_, text) = server.request("GET", "/_tenantsim/tenants", None, None);
    assert!(text.contains("student03.onmicrosoft.com"), "{text}");
    assert!(server.terminate().success());
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
