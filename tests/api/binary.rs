//! The real binary: `serve` prints its ready line and serves over a real socket, `healthcheck`,
//! `token` and `fixtures check` behave as documented, SIGTERM shuts down gracefully, and a
//! file database keeps what was written across a restart.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::common::{ADELE, CONTOSO, raw_http};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_tenantsim");

pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
    /// The whole ready line (it names the proxy when there is one).
    pub(crate) ready: String,
    /// The log lines (stdout) written after the ready line, so far.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    pub(crate) fn start(args: &[&str]) -> Self {
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
        let (base, ready) = loop {
            let line = lines
                .next()
                .expect("tenantsim exited before its ready line")
                .expect("read");
            if let Some(at) = line.find("tenantsim ready on ") {
                let rest = &line[at + "tenantsim ready on ".len()..];
                let base = rest.split_whitespace().next().expect("url").to_owned();
                break (base, line);
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                kept.lock().unwrap_or_else(|p| p.into_inner()).push(line);
            }
        });
        Self {
            child,
            base,
            ready,
            log,
        }
    }

    /// The first log line that `wanted` accepts, waiting up to five seconds for it.
    pub(crate) fn log_line(&self, wanted: impl Fn(&str) -> bool) -> Option<String> {
        for _ in 0..100 {
            let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(line) = log.iter().find(|l| wanted(l)) {
                return Some(line.clone());
            }
            drop(log);
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }

    pub(crate) fn host(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// A raw HTTP/1.1 request; returns (status, headers+body text).
    pub(crate) fn request(
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

    pub(crate) fn terminate(mut self) -> std::process::ExitStatus {
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

/// An app-only token for the fixtures' sync app holding `roles`, minted by `tenantsim token`.
fn app_token(data_dir: &str, roles: &str) -> String {
    mint(
        data_dir,
        &[
            "--app",
            "0b5e6f4c-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            "--roles",
            roles,
        ],
    )
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
    let token = app_token(data_dir, "User.Read.All");
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
    let token = app_token(data_dir, "Directory.ReadWrite.All");

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

/// Issue 11: `fixtures check` reports what would let a key name two tenants, naming the field:
/// a GUID as a domain, one tenant id twice in a document, domains that differ only in case
/// (within a file and across files), an appId two tenants register.
#[test]
fn fixtures_check_names_guid_domains_repeated_tenant_ids_and_case_duplicate_domains() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tenant = |id: &str, domains: &[&str]| serde_json::json!({"id": id, "displayName": "T", "domains": domains});
    let a = "1c3e0000-0000-4000-8000-00000000000a";
    let b = "1c3e0000-0000-4000-8000-00000000000b";
    let c = "1c3e0000-0000-4000-8000-00000000000c";
    let d = "1c3e0000-0000-4000-8000-00000000000d";
    let mut with_app = tenant(d, &["apps.example"]);
    with_app["applications"] = serde_json::json!([{"appId": "c0a70550-a990-4000-8000-000000000301",
        "id": "1c3e0000-0000-4000-8000-000000000301", "displayName": "Sync twin"}]);
    let documents = [
        (
            "1-guid-domain.json",
            serde_json::json!({"tenants": [tenant(a, &["a.example", "C0A70550-0000-4000-8000-000000000001"])]}),
        ),
        (
            "2-same-id.json",
            serde_json::json!({"tenants": [tenant(b, &["b.example"]), tenant(b, &["b2.example"])]}),
        ),
        (
            "3-case.json",
            serde_json::json!({"tenants": [tenant(c, &["Case.example"]), tenant(d, &["CASE.EXAMPLE"])]}),
        ),
        // Valid alone; across files it repeats Contoso's domain and its app's appId.
        ("4-across.json", serde_json::json!({"tenants": [with_app]})),
        (
            "5-across.json",
            serde_json::json!({"tenants": [tenant(c, &["Contoso.COM"])]}),
        ),
    ];
    for (name, document) in &documents {
        std::fs::write(dir.path().join(name), document.to_string()).expect("write");
    }
    std::fs::write(
        dir.path().join("0-contoso.json"),
        tenantsim::fixtures::CONTOSO,
    )
    .expect("write");
    let out = Command::new(BIN)
        .args(["fixtures", "check"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let file = |name: &str| dir.path().join(name).display().to_string();
    for expected in [
        format!(
            "{}: tenant {a}: domains[1]: 'c0a70550-0000-4000-8000-000000000001' is not a DNS name",
            file("1-guid-domain.json")
        ),
        format!(
            "{}: tenant {b}: id: the same tenant id appears twice",
            file("2-same-id.json")
        ),
        format!(
            "{}: tenant {d}: domains[0]: 'case.example' is also a domain of tenant {c}",
            file("3-case.json")
        ),
        format!(
            "{}: tenant {d}: applications: appId c0a70550-a990-4000-8000-000000000301 is also an application of tenant {CONTOSO}",
            file("4-across.json")
        ),
        format!(
            "{}: tenant {c}: domains[0]: 'contoso.com' is also a domain of tenant {CONTOSO}",
            file("5-across.json")
        ),
    ] {
        assert!(
            stderr.contains(&expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
}

#[test]
fn the_ca_certificate_is_served_without_the_admin_key_and_is_the_one_the_listener_chains_to() {
    let data = tempfile::tempdir().expect("tempdir");
    let data_dir = data.path().to_str().expect("path");
    let server = Server::start(&["--data-dir", data_dir, "--admin-key", "k3y-for-ca-test"]);
    let (status, text) = server.request("GET", "/_tenantsim/ca.pem", None, None);
    assert_eq!(status, 200, "{text}");
    let lower = text.to_ascii_lowercase();
    assert!(
        lower.contains("content-type: application/x-pem-file"),
        "{text}"
    );
    let body = text.split("\r\n\r\n").nth(1).expect("body");
    let on_disk = std::fs::read_to_string(data.path().join("tls-ca.pem")).expect("ca file");
    assert_eq!(body, on_disk, "the served CA is the data directory's");
    assert!(body.starts_with("-----BEGIN CERTIFICATE-----"), "{body}");
    assert!(!body.contains("PRIVATE KEY"), "{body}");
    // The rest of the control API still needs the key.
    let (status, _) = server.request("GET", "/_tenantsim/tenants", None, None);
    assert_eq!(status, 401);
    server.terminate();

    let plain = Server::start(&["--data-dir", data_dir, "--no-https"]);
    let (status, text) = plain.request("GET", "/_tenantsim/ca.pem", None, None);
    assert_eq!(status, 404, "{text}");
    assert!(text.contains("Request_ResourceNotFound"), "{text}");
    plain.terminate();
}

#[test]
fn sigterm_stops_the_server_after_its_parent_closed_stdout_and_stderr() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--http-port",
            "0",
            "--https-port",
            "0",
            "--data-dir",
        ])
        .arg(data.path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tenantsim");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    while let Some(Ok(line)) = lines.next() {
        if line.contains("tenantsim ready on ") {
            break;
        }
    }
    // The parent stops reading both streams (a test runner that exited, `| head -c 1`).
    drop(lines);
    drop(child.stderr.take());
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(
        status.is_some(),
        "SIGTERM did not stop a server whose stdout and stderr are closed"
    );
}

/// `serve --proxy-port`: a client that keeps `https://graph.microsoft.com` reaches tenantsim
/// through a CONNECT tunnel, trusting tenantsim's CA; any other host is refused, never
/// forwarded.
#[test]
fn the_proxy_answers_for_microsoft_host_names_and_refuses_every_other() {
    use base64::Engine;
    use std::io::{Read, Write};
    use std::net::TcpStream;

    let data = tempfile::tempdir().expect("tempdir");
    let data_dir = data.path().to_str().expect("path");
    let server = Server::start(&["--proxy-port", "0", "--data-dir", data_dir]);
    let ready = server.ready.clone();
    let proxy = ready
        .split("(proxy http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the ready line names the proxy")
        .to_owned();
    let token = app_token(data_dir, "User.Read.All");

    // Refused: another host, another port, a plain-HTTP proxy request.
    for head in [
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        "CONNECT graph.microsoft.com:8443 HTTP/1.1\r\n\r\n",
        "GET http://graph.microsoft.com/v1.0/users HTTP/1.1\r\nHost: graph.microsoft.com\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(&proxy).expect("connect");
        stream.write_all(head.as_bytes()).expect("write");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        assert!(answer.starts_with("HTTP/1.1 403 "), "{head}: {answer}");
        assert!(answer.contains("never forwards"), "{answer}");
    }

    // Tunnelled: TLS for graph.microsoft.com, signed by tenantsim's CA, and Graph behind it.
    let ca_pem = std::fs::read_to_string(data.path().join("tls-ca.pem")).expect("ca");
    let der: String = ca_pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(der)
        .expect("ca der");
    tenantsim::cli::rustls_provider();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(der))
        .expect("root");
    let config = std::sync::Arc::new(
        rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    );
    for host in ["graph.microsoft.com", "login.microsoftonline.com"] {
        let mut tcp = TcpStream::connect(&proxy).expect("connect");
        tcp.write_all(
            format!("CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n").as_bytes(),
        )
        .expect("write");
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            tcp.read_exact(&mut byte).expect("read");
            head.push(byte[0]);
        }
        assert!(
            head.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&head)
        );
        let name = rustls::pki_types::ServerName::try_from(host.to_owned()).expect("name");
        let connection = rustls::ClientConnection::new(config.clone(), name).expect("tls");
        let mut tls = rustls::StreamOwned::new(connection, tcp);
        let path = if host.starts_with("graph") {
            "/v1.0/users?$top=1&$select=displayName"
        } else {
            "/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"
        };
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        );
        tls.write_all(request.as_bytes()).expect("write");
        let mut answer = Vec::new();
        let _ = tls.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 200"), "{host}: {answer}");
        if host.starts_with("graph") {
            // Absolute URLs carry the real host name.
            assert!(
                answer.contains("\"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/users?"),
                "{answer}"
            );
        } else {
            assert!(
                answer.contains("\"issuer\":\"https://login.microsoftonline.com/c0a70550-0000-4000-8000-000000000001/v2.0\""),
                "{answer}"
            );
        }
    }
    server.terminate();
}

#[test]
fn a_501_is_logged_as_a_warning_and_a_server_fault_as_an_error() {
    let data = tempfile::tempdir().expect("tempdir");
    let data_dir = data.path().to_str().expect("path");
    let server = Server::start(&["--data-dir", data_dir]);
    let token = app_token(data_dir, "User.Read.All");
    let calendar = &format!("/v1.0/users/{ADELE}/calendar");
    let (status, text) = server.request("GET", calendar, Some(&token), None);
    assert_eq!(status, 501, "{text}");
    let rule = r#"{"match":{"path":"/v1.0/organization"},"action":{"error":{"status":503}}}"#;
    let (status, text) = server.request("POST", "/_tenantsim/faults", None, Some(rule));
    assert_eq!(status, 201, "{text}");
    let (status, text) = server.request("GET", "/v1.0/organization", Some(&token), None);
    assert_eq!(status, 503, "{text}");
    let fault = server
        .log_line(|l| l.contains("/v1.0/organization") && l.contains("server error"))
        .expect("the 503 is logged");
    assert!(fault.contains("ERROR"), "{fault}");
    let designed = server
        .log_line(|l| l.contains(calendar))
        .expect("the 501 is logged");
    assert!(
        designed.contains("WARN") && designed.contains("not emulated"),
        "{designed}"
    );
    assert!(!designed.contains("ERROR"), "{designed}");
    server.terminate();
}

/// `serve` keeps a large fixture as its packed text (`admin::seeds`): the tenant listing shows
/// its demo credentials from the head kept, and a reset that has to reload the tenant parses the
/// text again to the tenant as loaded.
#[test]
fn a_large_fixture_kept_packed_reloads_as_loaded() {
    use crate::bulk_load::{BULK, USERS, bulk_fixture};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bulk = bulk_fixture("bulk.example");
    let admin = &mut bulk["tenants"][0]["users"][3];
    admin["password"] = serde_json::json!("Bulk-Passw0rd!");
    admin["directoryRoles"] = serde_json::json!(["Global Administrator"]);
    let fixture = dir.path().join("bulk.json");
    let text = serde_json::to_string_pretty(&bulk).expect("json");
    assert!(text.len() >= tenantsim::admin::seeds::PACK_FROM_BYTES);
    std::fs::write(&fixture, text).expect("write");
    let server = Server::start(&[
        "--data-dir",
        dir.path().to_str().expect("path"),
        "--fixtures",
        fixture.to_str().expect("path"),
    ]);
    let users = |server: &Server| {
        let (status, text) = server.request(
            "GET",
            &format!("/_tenantsim/tenants/{BULK}/snapshot"),
            None,
            None,
        );
        assert_eq!(status, 200);
        let body = &text[text.find("\r\n\r\n").expect("head") + 4..];
        let snapshot: serde_json::Value = serde_json::from_str(body).expect("json");
        snapshot["tenants"][0]["users"]
            .as_array()
            .expect("users")
            .len()
    };
    let (status, text) = server.request("GET", &format!("/_tenantsim/tenants/{BULK}"), None, None);
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("\"password\":\"Bulk-Passw0rd!\""), "{text}");
    assert_eq!(users(&server), USERS);
    let reset = |body: &str| {
        let (status, text) = server.request(
            "POST",
            &format!("/_tenantsim/tenants/{BULK}/reset"),
            None,
            Some(body),
        );
        assert_eq!(status, 200, "{text}");
        text
    };
    reset(r#"{"to":"empty"}"#);
    assert_eq!(users(&server), 0);
    assert!(reset("{}").contains("\"method\":\"reload\""));
    assert_eq!(users(&server), USERS);
    assert!(server.terminate().success());
}
