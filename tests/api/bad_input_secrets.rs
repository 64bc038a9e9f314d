//! The bad-input corpus against the request journal, bodies on: every route of the corpus that
//! reads a body gets secret-carrying bodies of every shape (JSON, form, multipart, free text,
//! malformed, not UTF-8, nested, straddling the journal's cap) under every content type, and
//! secrets in its query string; each secret is a unique marker. Afterwards neither the
//! journal's API answer nor its page may hold any marker.

use axum::body::Bytes;
use axum::http::Method;
use serde_json::json;
use tenantsim::Settings;

use super::bad_input::{Case, FORM, Reads, send, write_routes};
use crate::common::*;

/// Every marker starts with this; none appears in tenantsim's own output.
const MARK: &str = "S3KRTmark";

/// The journal's body cap (`control::journal::BODY_CAP`).
const CAP: usize = 4 * 1024;

const CONTENT_TYPES: &[Option<&str>] = &[
    Some("application/json"),
    Some(FORM),
    Some("text/plain"),
    Some("multipart/form-data; boundary=XyZ"),
    Some("application/octet-stream"),
    None,
];

/// Hands out unique markers.
#[derive(Default)]
struct Markers(usize);

impl Markers {
    fn next(&mut self) -> String {
        self.0 += 1;
        format!("{MARK}{}q", self.0)
    }
}

/// Form-encodes everything but unreserved characters.
fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Secret-carrying bodies of every shape, each secret a fresh marker.
fn bodies(m: &mut Markers) -> Vec<(&'static str, Bytes)> {
    let json = json!({
        "displayName": "kept",
        "password": m.next(),
        "passwordProfile": {"password": m.next(), "forceChangePasswordNextSignIn": false},
        "CLIENT_SECRET": m.next(),
        "clientSecret": m.next(),
        "client_assertion": m.next(),
        "assertion": m.next(),
        "code": m.next(),
        "code_verifier": m.next(),
        "refresh_token": m.next(),
        "device_code": m.next(),
        "secretText": m.next(),
        "keyCredentials": [{"keyId": "k", "key": m.next()}],
        "passwordCredentials": [{"secretText": m.next()}],
        "privateKey": m.next(),
        "a": {"b": [{"c": {"Password": m.next()}}]},
        "requests": [{"id": "1", "method": "POST", "url": "/users", "body": {"password": m.next()}}],
        "note": format!("grant_type=password&client_secret={}", m.next()),
        "nested": json!({"refresh_token": m.next()}).to_string(),
    });
    let form = format!(
        "grant_type=password&client_id=app&username=u&password={}&client_secret={}&Client_Secret={}\
         &client%5Fsecret={}&code={}&code_verifier={}&refresh_token={}&device_code={}\
         &client_assertion={}&otc={}&password={}&data={}",
        m.next(),
        m.next(),
        m.next(),
        m.next(),
        m.next(),
        m.next(),
        m.next(),
        m.next(),
        m.next(),
        m.next(),
        m.next(),
        url_escape(&json!({"secretText": m.next()}).to_string()),
    );
    let multipart = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\napp\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\n{}\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"Password\"\r\n\r\n{}\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"meta\"; filename=\"a.json\"\r\n\
         Content-Type: application/json\r\n\r\n{{\"privateKey\":\"{}\"}}\r\n--XyZ--\r\n",
        m.next(),
        m.next(),
        m.next(),
    );
    let pad = "x".repeat(CAP - 24);
    let text = |s: String| Bytes::from(s);
    vec![
        ("json", text(json.to_string())),
        ("form", text(form)),
        ("multipart", text(multipart)),
        (
            "malformed json",
            text(format!(
                "{{\"password\":\"{}\",\"client_secret\":\"{}",
                m.next(),
                m.next()
            )),
        ),
        (
            "malformed form",
            text(format!(
                "{{\"a\":1}}&password={}&x=%FF%FE&client_secret=%ZZ{}",
                m.next(),
                m.next()
            )),
        ),
        (
            "free text",
            text(format!(
                "the password is {} and client_secret: {}",
                m.next(),
                m.next()
            )),
        ),
        (
            "xml",
            text(format!("<a><password>{}</password></a>", m.next())),
        ),
        (
            "not utf-8",
            Bytes::from([b"password=".as_slice(), b"\xff\xfe", m.next().as_bytes()].concat()),
        ),
        (
            "json straddling the cap",
            text(format!(
                "{{\"pad\":\"{pad}\",\"password\":\"{}{}\"}}",
                m.next(),
                m.next()
            )),
        ),
        (
            "form straddling the cap",
            text(format!("pad={pad}&client_secret={}{}", m.next(), m.next())),
        ),
        ("json string", text(format!("\"{}\"", m.next()))),
    ]
}

/// The journal's API answer and its page (the newest 200 entries), as text.
async fn journal_texts(app: &TestApp) -> (String, String) {
    let api = app.get("/_tenantsim/requests").send().await;
    assert_eq!(api.status, 200, "{}", api.text);
    let page = app.get("/_tenantsim/ui/journal").send().await;
    assert_eq!(page.status, 200, "{}", page.text);
    (api.text, page.text)
}

#[tokio::test]
async fn the_journal_never_keeps_a_secret_from_any_body_or_query() {
    let app = TestApp::with_settings(Settings {
        journal_bodies: true,
        journal_capacity: 100_000,
        ..Settings::default()
    })
    .await;
    let mut markers = Markers::default();
    let mut sent = 0;
    let mut journaled = 0;
    let mut leaks = Vec::new();
    for route in write_routes(&app).await {
        if route.reads == Reads::Nothing {
            continue;
        }
        let path = route.real_path();
        let mut cases: Vec<Case> = Vec::new();
        for (label, body) in bodies(&mut markers) {
            for content_type in CONTENT_TYPES {
                let label = format!("{label} as {}", content_type.unwrap_or("no content type"));
                cases.push(route.case(&label, path.clone(), Some((*content_type, body.clone()))));
            }
        }
        let query = format!(
            "client_secret={}&code={}&Password={}&access_token={}",
            markers.next(),
            markers.next(),
            markers.next(),
            markers.next()
        );
        let separator = if path.contains('?') { '&' } else { '?' };
        let body = Bytes::from_static(b"{}");
        let mut with_query = route.case(
            "secrets in the query",
            format!("{path}{separator}{query}"),
            Some((Some("application/json"), body)),
        );
        if with_query.method == Method::GET {
            with_query.body = None;
        }
        cases.push(with_query);
        for case in &cases {
            send(&app, case).await;
            sent += 1;
            if !case.path.starts_with("/_tenantsim/") {
                journaled += 1;
            }
        }
        let (api, page) = journal_texts(&app).await;
        for (what, text) in [("the journal API", &api), ("the journal page", &page)] {
            if let Some(at) = text.find(MARK) {
                let from = at.saturating_sub(120);
                let excerpt: String = text[from..].chars().take(200).collect();
                leaks.push(format!(
                    "{} {}: {what}: …{excerpt}…",
                    route.method, route.path
                ));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "secrets reached the journal:\n{}",
        leaks.join("\n")
    );
    // The journal did record the bodies (redacted): the test is not vacuous.
    let body = app.get("/_tenantsim/requests").send().await.json;
    let entries = body["value"].as_array().expect("value");
    let with_body = entries
        .iter()
        .filter(|e| e["requestBody"].is_string())
        .count();
    assert!(
        entries.len() >= journaled,
        "{} entries for {journaled} journaled requests",
        entries.len()
    );
    assert!(
        with_body * 10 >= journaled * 9,
        "{with_body} bodies of {journaled}"
    );
    let text = body.to_string();
    assert!(text.contains("[redacted]") && text.contains("bytes withheld"));
    // What is not secret stays readable.
    assert!(
        entries.iter().any(|e| e["requestBody"]
            .as_str()
            .is_some_and(|b| b.contains("\"displayName\":\"kept\""))),
        "no JSON body kept its displayName"
    );
    assert!(sent > 2_000, "only {sent} requests");
}

/// The request body an entry kept, for the newest entry on `path`.
fn kept_body(journal: &serde_json::Value, path: &str) -> String {
    journal["value"]
        .as_array()
        .expect("value")
        .iter()
        .rev()
        .find(|e| e["path"] == path)
        .and_then(|e| e["requestBody"].as_str())
        .unwrap_or_else(|| panic!("no body kept for {path}: {journal}"))
        .to_owned()
}

#[tokio::test]
async fn the_routes_the_review_named_keep_their_secrets_out_of_the_journal() {
    let app = TestApp::with_settings(Settings {
        journal_bodies: true,
        ..Settings::default()
    })
    .await;
    let admin = app.app_token(CONTOSO, super::bad_input::ROLES);
    // The device-code sign-in form.
    app.post("/devicelogin")
        .raw_body(
            FORM,
            "flow=f&step=signin&username=adele%40contoso.com&password=Pw1-devicelogin",
        )
        .send()
        .await;
    // A user's initial password, in JSON.
    app.post("/v1.0/users")
        .token(&admin)
        .json(
            json!({"displayName": "Kim", "accountEnabled": true, "mailNickname": "kim",
            "userPrincipalName": "kim@contoso.com",
            "passwordProfile": {"password": "Pw2-passwordProfile"}}),
        )
        .send()
        .await;
    // A token request sent as text/plain.
    app.post(&format!("/{CONTOSO}/oauth2/v2.0/token"))
        .raw_body(
            "text/plain",
            format!(
                "grant_type=client_credentials&client_id=app&client_secret=Pw3-text-plain&scope={}",
                url_escape("https://graph.microsoft.com/.default")
            ),
        )
        .send()
        .await;
    // Secrets in a query string, and in headers (which the journal never keeps).
    app.get(&format!(
        "/{CONTOSO}/oauth2/v2.0/authorize?client_id=app&code=Pw4-query&client_secret=Pw5-query"
    ))
    .header("cookie", "session=Pw6-cookie")
    .send()
    .await;
    app.get(&format!("/v1.0/users/{ADELE}"))
        .token(&admin)
        .header("cookie", "session=Pw7-cookie")
        .send()
        .await;

    let journal = app.get("/_tenantsim/requests").send().await.json;
    let (api, page) = journal_texts(&app).await;
    for text in [&api, &page] {
        for secret in [
            "Pw1-devicelogin",
            "Pw2-passwordProfile",
            "Pw3-text-plain",
            "Pw4-query",
            "Pw5-query",
            "Pw6-cookie",
            "Pw7-cookie",
        ] {
            assert!(
                !text.contains(secret),
                "{secret} reached the journal: {text}"
            );
        }
        assert!(
            !text.contains(&admin),
            "the bearer token reached the journal"
        );
    }
    let device = kept_body(&journal, "/devicelogin");
    assert!(device.contains("password=%5Bredacted%5D"), "{device}");
    assert!(device.contains("username=adele%40contoso.com"), "{device}");
    let user: serde_json::Value =
        serde_json::from_str(&kept_body(&journal, "/v1.0/users")).expect("JSON kept as JSON");
    assert_eq!(user["displayName"], "Kim");
    assert_eq!(user["passwordProfile"], "[redacted]");
    let token = kept_body(&journal, &format!("/{CONTOSO}/oauth2/v2.0/token"));
    assert!(token.contains("client_secret=%5Bredacted%5D"), "{token}");
    assert!(token.contains("grant_type=client_credentials"), "{token}");
    let authorize = journal["value"]
        .as_array()
        .expect("value")
        .iter()
        .find(|e| {
            e["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/authorize"))
        })
        .expect("the authorize entry");
    assert_eq!(
        authorize["query"],
        "client_id=app&code=%5Bredacted%5D&client_secret=%5Bredacted%5D"
    );
}
