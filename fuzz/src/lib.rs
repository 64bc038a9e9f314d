//! What the fuzz targets share: one tokio runtime and one seeded tenantsim per process (built
//! on first use, like `tests/api/common`), tokens, and checks of errors and answers.

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use tenantsim::auth::keys::SigningKeys;
use tenantsim::auth::token::{self, Subject, TokenRequest};
use tenantsim::fixtures::{self, FixtureSource, TenantSeed};
use tenantsim::odata::{ODataError, ODataErrorKind};
use tenantsim::store::{self, Db};
use tenantsim::{AppState, Settings};

pub const CONTOSO: &str = "c0a70550-0000-4000-8000-000000000001";
pub const ADMIN: &str = "c0a70550-0000-4000-8000-000000000101";
pub const ADELE: &str = "c0a70550-0000-4000-8000-000000000102";
pub const LYNNE_NO_GROUPS: &str = "c0a70550-0000-4000-8000-000000000112";
pub const LINKEDIN_PILOT: &str = "c0a70550-0000-4000-8000-000000000201";
pub const RETAIL_EUROPE: &str = "c0a70550-0000-4000-8000-000000000202";
pub const RETAIL_MUNICH: &str = "c0a70550-0000-4000-8000-000000000203";

/// One single-threaded runtime for the whole process: every iteration `block_on`s on it.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

/// The embedded fixtures (Contoso and the US Government Fabrikam), parsed once.
pub fn seeds() -> &'static [TenantSeed] {
    static SEEDS: OnceLock<Vec<TenantSeed>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        fixtures::parse_all(&FixtureSource::embedded_all()).expect("embedded fixtures parse")
    })
}

/// [`seeds`] as the server keeps them (parsed: the embedded fixtures are small).
pub fn kept_seeds() -> Vec<tenantsim::admin::seeds::KeptSeed> {
    seeds()
        .iter()
        .cloned()
        .map(tenantsim::admin::seeds::KeptSeed::parsed)
        .collect()
}

/// A tenantsim over an in-memory database with the embedded fixtures.
pub struct App {
    pub state: AppState,
    pub router: Router,
}

/// The process's app, built on first use.
pub fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        runtime().block_on(async {
            tenantsim::cli::rustls_provider();
            let db = Db::open(None).await.expect("in-memory database");
            fixtures::load(&db, seeds(), None).await.expect("fixtures load");
            let keys = SigningKeys::generate().expect("signing key");
            let state = AppState::new(db, Arc::new(keys), Settings::default());
            state.seeds.set_startup(kept_seeds());
            state
                .ready
                .store(true, std::sync::atomic::Ordering::Release);
            let router = tenantsim::build_router(state.clone());
            App { state, router }
        })
    })
}

impl App {
    /// A token signed with the app's current key.
    pub fn mint(&self, audience: &str, subject: Subject) -> String {
        let request = TokenRequest {
            tenant: CONTOSO.to_owned(),
            audience: audience.to_owned(),
            app_id: "5e7a1c2d-0000-4000-8000-00000000a000".to_owned(),
            app_display_name: Some("tenantsim fuzz".to_owned()),
            subject,
            issued_at: self.state.clock.unix(),
            lifetime_seconds: 3599,
        };
        token::mint(&self.state.keys(), &request).expect("mint")
    }

    /// An app-only Graph token with these roles.
    pub fn app_token(&self, roles: &[&str]) -> String {
        self.mint(
            token::GRAPH_AUDIENCE,
            Subject::App {
                object_id: "5e7a1c2d-0000-4000-8000-00000000a001".to_owned(),
                roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            },
        )
    }

    /// A delegated token for a fixture user, for `audience`.
    pub async fn user_token(&self, user: &str, audience: &str, scopes: &[&str]) -> String {
        let mut conn = self.state.db.pool.acquire().await.expect("connection");
        let row = store::objects::get_user(&mut conn, CONTOSO, user)
            .await
            .expect("query")
            .expect("fixture user");
        let wids = store::members::roles_of(&mut conn, CONTOSO, &row.id)
            .await
            .expect("roles");
        self.mint(
            audience,
            Subject::User {
                object_id: row.id,
                upn: row.user_principal_name.unwrap_or_default(),
                name: row.display_name.unwrap_or_default(),
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
                wids,
            },
        )
    }

    /// Sends one request through the router; the answer's status, raw body and JSON (or Null).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Answer {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost:8080");
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            builder = builder.header("content-type", content_type);
        }
        let request = builder.body(Body::from(body)).expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            json,
        }
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub text: String,
    pub json: Value,
}

/// README D23: a property Graph has and tenantsim does not store is a 501 whose message says
/// so; the one error besides a 4xx that a query may answer.
pub fn says_not_emulated(message: &str) -> bool {
    message.starts_with("tenantsim does not emulate ")
}

/// README D23 in a write: a POST/PATCH body naming a real Graph property tenantsim does not
/// store is a 501 whose message says so; the one error besides a 4xx a write body may answer.
pub fn says_not_stored(message: &str) -> bool {
    message.starts_with("tenantsim does not store the property ")
}

/// An OData error is always one of the three HTTP 400 codes, with a message, and the Graph
/// error it becomes answers 400.
pub fn check_odata_error(input: &str, error: &ODataError) {
    let d23 =
        matches!(error.kind, ODataErrorKind::NotImplemented) && says_not_emulated(&error.message);
    assert!(
        d23 || matches!(
            error.kind,
            ODataErrorKind::BadRequest
                | ODataErrorKind::RequestBadRequest
                | ODataErrorKind::UnsupportedQuery
        ),
        "{input:?}: {error:?}"
    );
    assert!(!error.message.is_empty(), "{input:?}: empty message");
    let graph = tenantsim::protocol::request::odata_error(error.clone());
    let expected = if d23 {
        StatusCode::NOT_IMPLEMENTED
    } else {
        StatusCode::BAD_REQUEST
    };
    assert_eq!(graph.status(), expected, "{input:?}: {error:?}");
}

/// `{"error":{"code","message","innerError":{"request-id"}}}` with a non-empty code.
pub fn is_graph_error(json: &Value) -> bool {
    let error = &json["error"];
    error["code"].as_str().is_some_and(|c| !c.is_empty())
        && error["message"].is_string()
        && error["innerError"]["request-id"].is_string()
}
