//! The in-process test harness: a fresh in-memory tenantsim per test (embedded fixtures),
//! requests through `tower::ServiceExt::oneshot`, tokens signed with the same key the server
//! verifies with.

#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use tenantsim::admin::seeds::KeptSeed;
use tenantsim::auth::keys::SigningKeys;
use tenantsim::auth::token::{self, Subject, TokenRequest};
use tenantsim::fixtures::{self, FixtureSource};
use tenantsim::store::{self, Db};
use tenantsim::{AppState, Settings};

pub const CONTOSO: &str = "c0a70550-0000-4000-8000-000000000001";
pub const FABRIKAM: &str = "fab71ca7-0000-4000-8000-000000000001";
pub const ADMIN: &str = "c0a70550-0000-4000-8000-000000000101";
pub const ADELE: &str = "c0a70550-0000-4000-8000-000000000102";
pub const ALEX: &str = "c0a70550-0000-4000-8000-000000000103";
pub const LYNNE_NO_GROUPS: &str = "c0a70550-0000-4000-8000-000000000112";
pub const MEGAN: &str = "c0a70550-0000-4000-8000-000000000104";
pub const HENRIETTA: &str = "c0a70550-0000-4000-8000-000000000116";
pub const NESTOR: &str = "c0a70550-0000-4000-8000-000000000107";
pub const JOHANNA: &str = "c0a70550-0000-4000-8000-000000000111";
pub const CHRISTIE: &str = "c0a70550-0000-4000-8000-000000000117";
pub const DEBRA_DISABLED: &str = "c0a70550-0000-4000-8000-000000000119";
pub const GUEST: &str = "c0a70550-0000-4000-8000-000000000120";
pub const LINKEDIN_PILOT: &str = "c0a70550-0000-4000-8000-000000000201";
pub const RETAIL_EUROPE: &str = "c0a70550-0000-4000-8000-000000000202";
pub const RETAIL_MUNICH: &str = "c0a70550-0000-4000-8000-000000000203";
pub const SALES_M365: &str = "c0a70550-0000-4000-8000-000000000204";
pub const DYNAMIC_SEATTLE: &str = "c0a70550-0000-4000-8000-000000000205";
pub const FABRIKAM_ADMIN: &str = "fab71ca7-0000-4000-8000-000000000101";
pub const FABRIKAM_KIM: &str = "fab71ca7-0000-4000-8000-000000000102";
pub const FABRIKAM_RAY: &str = "fab71ca7-0000-4000-8000-000000000103";
pub const FABRIKAM_MATEO: &str = "fab71ca7-0000-4000-8000-000000000104";
pub const FABRIKAM_STAFF: &str = "fab71ca7-0000-4000-8000-000000000201";
pub const FABRIKAM_IT_ADMINS: &str = "fab71ca7-0000-4000-8000-000000000202";
pub const FINANCE: &str = "c0a70550-0000-4000-8000-000000000206";
pub const IT_ADMINS: &str = "c0a70550-0000-4000-8000-000000000207";
pub const MARK8_M365: &str = "c0a70550-0000-4000-8000-000000000208";

/// A Contoso user id by its two-digit cast number (`user(2)` is Adele Vance).
pub fn user(n: u32) -> String {
    format!("c0a70550-0000-4000-8000-0000000001{n:02}")
}

/// Sorted copies of ids, for comparing sets.
pub fn sorted<S: AsRef<str>>(ids: &[S]) -> Vec<String> {
    let mut out: Vec<String> = ids.iter().map(|s| s.as_ref().to_owned()).collect();
    out.sort();
    out
}

/// `{"@odata.id": ".../directoryObjects/{id}"}`, the body of a `$ref` write.
pub fn reference(id: &str) -> serde_json::Value {
    serde_json::json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}")})
}

/// Application roles broad enough for every foundation route.
pub const ALL_ROLES: &[&str] = &[
    "Directory.ReadWrite.All",
    "User.ReadWrite.All",
    "Group.ReadWrite.All",
    "GroupMember.ReadWrite.All",
];

/// One RSA key per test process: generating one takes ~100 ms.
pub fn keys() -> Arc<SigningKeys> {
    static KEYS: OnceLock<Arc<SigningKeys>> = OnceLock::new();
    KEYS.get_or_init(|| Arc::new(SigningKeys::generate().expect("key")))
        .clone()
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
}

impl TestApp {
    /// Both embedded tenants (Contoso and the US Government Fabrikam), default settings.
    pub async fn new() -> Self {
        Self::with_settings(Settings::default()).await
    }

    pub async fn with_settings(settings: Settings) -> Self {
        let db = Db::open(None).await.expect("database");
        Self::on_db(db, settings, true).await
    }

    /// Both embedded tenants over a new database file `name` in `dir` (WAL, as `--db`).
    pub async fn in_file(dir: &std::path::Path, name: &str) -> Self {
        let db = Db::open(Some(&dir.join(name))).await.expect("db");
        Self::on_db(db, Settings::default(), true).await
    }

    /// An app over an existing database; `seed` loads the embedded fixtures first.
    pub async fn on_db(db: Db, settings: Settings, seed: bool) -> Self {
        let seeds = if seed {
            fixtures::parse_all(&FixtureSource::embedded_all()).expect("fixtures parse")
        } else {
            Vec::new()
        };
        fixtures::load(&db, &seeds, None)
            .await
            .expect("fixtures load");
        let state = AppState::new(db, keys(), settings);
        state
            .seeds
            .set_startup(seeds.into_iter().map(KeptSeed::parsed).collect());
        Self::ready(state)
    }

    /// The state `serve` starts with when given no fixtures: `cli::prepare` on an in-memory
    /// database, which comes with the default fixtures loaded (`store::schema_image`).
    pub async fn started() -> Self {
        let dir = tempfile::tempdir().expect("data dir");
        // The test process's key, so no test waits for a new one.
        keys().save_in(dir.path()).expect("key");
        let args = tenantsim::cli::StoreArgs {
            db: None,
            data_dir: Some(dir.path().to_owned()),
            fixtures: None,
        };
        let state = tenantsim::cli::prepare(&args, Settings::default())
            .await
            .expect("prepare");
        Self::ready(state)
    }

    /// An in-memory app started with these fixture sources, their seeds kept as `serve` keeps
    /// them (a large source's text packed).
    pub async fn with_sources(sources: &[FixtureSource]) -> Self {
        let db = Db::open(None).await.expect("db");
        let indexed = fixtures::parse_all_indexed(sources).expect("fixtures parse");
        let (origins, seeds): (Vec<usize>, Vec<_>) = indexed.into_iter().unzip();
        fixtures::load(&db, &seeds, None)
            .await
            .expect("fixtures load");
        let state = AppState::new(db, keys(), Settings::default());
        state.seeds.set_startup(tenantsim::admin::seeds::keep(
            sources,
            origins.into_iter().zip(seeds).collect(),
        ));
        Self::ready(state)
    }

    fn ready(state: AppState) -> Self {
        state
            .ready
            .store(true, std::sync::atomic::Ordering::Release);
        let router = tenantsim::build_router(state.clone());
        Self { router, state }
    }

    /// An app-only Graph token for `tenant` with these roles.
    pub fn app_token(&self, tenant: &str, roles: &[&str]) -> String {
        self.mint(
            tenant,
            Subject::App {
                object_id: "5e7a1c2d-0000-4000-8000-00000000a001".into(),
                roles: roles.iter().map(|r| r.to_string()).collect(),
            },
        )
    }

    /// A delegated Graph token for a fixture user.
    pub async fn user_token(&self, tenant: &str, user: &str, scopes: &[&str]) -> String {
        let mut conn = self.state.db.pool.acquire().await.expect("conn");
        let row = store::objects::get_user(&mut conn, tenant, user)
            .await
            .expect("query")
            .expect("user exists");
        let wids = store::members::roles_of(&mut conn, tenant, &row.id)
            .await
            .expect("roles");
        self.mint(
            tenant,
            Subject::User {
                object_id: row.id,
                upn: row.user_principal_name.unwrap_or_default(),
                name: row.display_name.unwrap_or_default(),
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
                wids,
            },
        )
    }

    pub fn token_request(&self, tenant: &str, subject: Subject) -> TokenRequest {
        TokenRequest {
            tenant: tenant.to_owned(),
            audience: token::GRAPH_AUDIENCE.to_owned(),
            app_id: "5e7a1c2d-0000-4000-8000-00000000a000".to_owned(),
            app_display_name: Some("tenantsim tests".to_owned()),
            subject,
            issued_at: self.state.clock.unix(),
            lifetime_seconds: 3599,
        }
    }

    pub fn mint(&self, tenant: &str, subject: Subject) -> String {
        token::mint(&self.state.keys(), &self.token_request(tenant, subject)).expect("mint")
    }

    /// A Contoso app token with every foundation role: the usual caller of a test.
    pub fn admin(&self) -> String {
        self.app_token(CONTOSO, ALL_ROLES)
    }

    /// A request to `path`; spaces and double quotes (which a URI cannot hold) are
    /// percent-encoded, everything else is sent as written.
    pub fn request(&self, method: Method, path: &str) -> TestRequest<'_> {
        let path = path.replace(' ', "%20").replace('"', "%22");
        let builder = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost:8080");
        TestRequest {
            app: self,
            builder,
            body: Body::empty(),
        }
    }

    pub fn get(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::POST, path)
    }

    pub fn patch(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::PATCH, path)
    }

    pub fn delete(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::DELETE, path)
    }
}

pub struct TestRequest<'a> {
    app: &'a TestApp,
    builder: axum::http::request::Builder,
    body: Body,
}

impl TestRequest<'_> {
    pub fn token(mut self, token: &str) -> Self {
        self.builder = self
            .builder
            .header("authorization", format!("Bearer {token}"));
        self
    }

    /// Adds a header; `host` replaces the harness's default `localhost:8080`.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if name.eq_ignore_ascii_case("host") {
            if let (Some(headers), Ok(value)) = (
                self.builder.headers_mut(),
                axum::http::HeaderValue::from_str(value),
            ) {
                headers.insert(axum::http::header::HOST, value);
            }
            return self;
        }
        self.builder = self.builder.header(name, value);
        self
    }

    /// Drops the Host header, as an HTTP/2 request does (its host is in the URI).
    pub fn without_host(mut self) -> Self {
        if let Some(headers) = self.builder.headers_mut() {
            headers.remove(axum::http::header::HOST);
        }
        self
    }

    pub fn eventual(self) -> Self {
        self.header("ConsistencyLevel", "eventual")
    }

    pub fn json(mut self, body: Value) -> Self {
        self.builder = self.builder.header("content-type", "application/json");
        self.body = Body::from(body.to_string());
        self
    }

    pub fn raw_body(mut self, content_type: &str, body: impl Into<Body>) -> Self {
        self.builder = self.builder.header("content-type", content_type);
        self.body = body.into();
        self
    }

    pub async fn send(self) -> TestResponse {
        let request = self.builder.body(self.body).expect("request");
        let response = self
            .app
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        TestResponse {
            status,
            headers,
            text,
            json,
        }
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl TestResponse {
    /// Asserts a Graph error envelope with this status and code; returns the message.
    pub fn assert_error(&self, status: u16, code: &str) -> String {
        assert_eq!(self.status.as_u16(), status, "status of {}", self.text);
        assert_eq!(self.json["error"]["code"], code, "code of {}", self.text);
        let inner = &self.json["error"]["innerError"];
        let date = inner["date"].as_str().expect("innerError.date");
        assert_eq!(date.len(), 19, "date without fraction or zone: {date}");
        assert!(!date.ends_with('Z'));
        assert!(inner["request-id"].is_string());
        assert!(inner["client-request-id"].is_string());
        let content_type = self.headers["content-type"].to_str().expect("ascii");
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        self.json["error"]["message"]
            .as_str()
            .expect("message")
            .to_owned()
    }

    pub fn ids(&self) -> Vec<String> {
        let values = self.json["value"].as_array().expect("value array");
        values
            .iter()
            .map(|v| v["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    pub fn names(&self) -> Vec<String> {
        let values = self.json["value"].as_array().expect("value array");
        values
            .iter()
            .map(|v| v["displayName"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// The body with per-run values (ids of requests, dates, timestamps) redacted.
    pub fn redacted(&self) -> Value {
        let mut json = self.json.clone();
        redact(&mut json);
        json
    }
}

fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match key.as_str() {
                    "date" | "request-id" | "client-request-id" => {
                        *v = Value::String(format!("[{key}]"))
                    }
                    "createdDateTime" | "renewedDateTime" if v.is_string() => {
                        *v = Value::String("[datetime]".into())
                    }
                    _ => redact(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// Creates a Contoso user `nickname`@contoso.onmicrosoft.com named `display_name`, with
/// `extra` properties; answers its id.
pub async fn create_contoso_user(
    app: &TestApp,
    token: &str,
    nickname: &str,
    display_name: &str,
    extra: Value,
) -> String {
    let mut body = serde_json::json!({
        "accountEnabled": true,
        "displayName": display_name,
        "mailNickname": nickname,
        "userPrincipalName": format!("{nickname}@contoso.onmicrosoft.com"),
        "passwordProfile": {"password": "Undo-Test-1234"}
    });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    let created = app.post("/v1.0/users").token(token).json(body).send().await;
    assert_eq!(
        created.status,
        StatusCode::CREATED,
        "create user: {}",
        created.text
    );
    created.json["id"].as_str().expect("id").to_owned()
}

/// Follows `@odata.nextLink` from `path` to the end; returns every page's body.
pub async fn all_pages(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut next = Some(path.to_owned());
    while let Some(url) = next {
        let relative = url
            .strip_prefix("http://localhost:8080")
            .unwrap_or(&url)
            .to_owned();
        let response = app.get(&relative).token(token).send().await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        next = response.json["@odata.nextLink"].as_str().map(str::to_owned);
        pages.push(response.json);
        assert!(pages.len() < 100, "paging does not end");
    }
    pages
}

/// One HTTP/1.1 request to a real listener over a fresh connection (`Connection: close`):
/// `headers` as given, then `Content-Length` when there is a body. Returns the status and the
/// whole answer, head and body.
pub fn raw_http(
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or(""));
    stream.write_all(request.as_bytes()).expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, response)
}
