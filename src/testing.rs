//! An in-process tenantsim for Rust test suites: start it on free ports with the embedded
//! fixtures (or your own), get its URLs, CA and tokens, reset it between tests.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> anyhow::Result<()> {
//! use tenantsim::testing::TestTenant;
//!
//! let sim = TestTenant::start().await?;
//! let token = sim.app_token(&["User.Read.All"]);
//! // Point your Graph client at `sim.http_url()` (or `sim.https_url()` with `sim.ca_path()`).
//! let url = format!("{}/v1.0/users?$top=1", sim.http_url());
//! assert!(url.starts_with("http://127.0.0.1:"));
//! assert_eq!(sim.tenant_id(), "c0a70550-0000-4000-8000-000000000001");
//! let card = sim.profile_card("AdeleV@contoso.onmicrosoft.com", "AlexW@contoso.onmicrosoft.com").await?;
//! assert_eq!(card.linked_in.shown, tenantsim::linkedin::decision::Shown::Connected);
//! sim.reset().await?;
//! sim.shutdown().await
//! # }
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::auth::keys::SigningKeys;
use crate::auth::token::{self, Subject, TokenRequest};
use crate::fixtures::{self, FixtureSource};
use crate::linkedin::decision::{self, ProfileCard};
use crate::server::{Listen, Running};
use crate::settings::Settings;
use crate::state::AppState;
use crate::store::{self, Db};

/// A running tenantsim with one tenant under test (the first of its fixtures).
pub struct TestTenant {
    running: Running,
    state: AppState,
    tenant: String,
    data_dir: PathBuf,
}

impl TestTenant {
    /// The embedded Contoso (and the US Government Fabrikam) fixtures, plain HTTP and HTTPS on
    /// free loopback ports, an in-memory database and a fresh data directory.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(FixtureSource::embedded_all(), Settings::default()).await
    }

    /// The given fixtures and settings.
    pub async fn start_with(
        sources: Vec<FixtureSource>,
        settings: Settings,
    ) -> anyhow::Result<Self> {
        crate::cli::rustls_provider();
        let indexed = fixtures::parse_all_indexed(&sources).map_err(|errors| {
            anyhow::anyhow!(
                "fixtures are invalid:\n{}",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })?;
        let (origins, seeds): (Vec<usize>, Vec<_>) = indexed.into_iter().unzip();
        let tenant = seeds
            .first()
            .map(|s| s.id.clone())
            .ok_or_else(|| anyhow::anyhow!("the fixtures hold no tenant"))?;
        let data_dir =
            std::env::temp_dir().join(format!("tenantsim-test-{}", uuid::Uuid::new_v4()));
        let keys = SigningKeys::load_or_create(&data_dir)?;
        let db = Db::open(None).await?;
        fixtures::load(&db, &seeds, None).await?;
        let state = AppState::new(db, Arc::new(keys), settings);
        state.seeds.set_startup(crate::admin::seeds::keep(
            &sources,
            origins.into_iter().zip(seeds).collect(),
        ));
        state.ready.store(true, Ordering::Release);
        let loopback = |port| SocketAddr::from(([127, 0, 0, 1], port));
        let material = crate::tls::load_or_create(&data_dir, &[])?;
        if let Some(pem) = &material.ca_pem {
            let _ = state.ca_pem.set(pem.clone());
        }
        let running = crate::server::start(
            state.clone(),
            Listen {
                http: loopback(0),
                https: Some((loopback(0), material)),
                proxy: None,
                limits: crate::listener::Limits::default(),
            },
        )
        .await?;
        Ok(Self {
            running,
            state,
            tenant,
            data_dir,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn http_url(&self) -> String {
        self.running.http_url()
    }

    /// `https://localhost:PORT` (trust `ca_path()`).
    pub fn https_url(&self) -> String {
        self.running.https_url().unwrap_or_default()
    }

    /// The CA certificate of the HTTPS listener.
    pub fn ca_path(&self) -> &Path {
        self.running.ca_path.as_deref().unwrap_or(&self.data_dir)
    }

    /// The tenant under test.
    pub fn tenant_id(&self) -> &str {
        &self.tenant
    }

    /// The server's state, for calls the helper does not wrap.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// An app-only Graph token with these application permissions.
    pub fn app_token(&self, roles: &[&str]) -> String {
        let subject = Subject::App {
            object_id: uuid::Uuid::new_v4().to_string(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        };
        self.mint(subject)
    }

    /// A delegated Graph token for a user (id or userPrincipalName) with these scopes.
    pub async fn user_token(&self, user: &str, scopes: &[&str]) -> anyhow::Result<String> {
        let mut conn = self.state.db.pool.acquire().await?;
        let row = store::objects::get_user(&mut conn, &self.tenant, user)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no user {user}"))?;
        let wids = store::members::roles_of(&mut conn, &self.tenant, &row.id).await?;
        Ok(self.mint(Subject::User {
            upn: row.user_principal_name.clone().unwrap_or_default(),
            name: row.display_name.clone().unwrap_or_default(),
            object_id: row.id,
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            wids,
        }))
    }

    fn mint(&self, subject: Subject) -> String {
        let request = TokenRequest {
            tenant: self.tenant.clone(),
            audience: token::GRAPH_AUDIENCE.to_owned(),
            app_id: "5e7a1c2d-0000-4000-8000-00000000a000".to_owned(),
            app_display_name: Some("tenantsim::testing".to_owned()),
            subject,
            issued_at: self.state.clock.unix(),
            lifetime_seconds: token::DEFAULT_LIFETIME_SECONDS,
        };
        token::mint(&self.state.keys(), &request).unwrap_or_default()
    }

    /// What `viewer`'s profile card shows about `person` (the decision and its reasons).
    pub async fn profile_card(&self, viewer: &str, person: &str) -> anyhow::Result<ProfileCard> {
        let mut conn = self.state.db.pool.acquire().await?;
        let tenant = store::tenants::resolve_tenant(&mut conn, &self.tenant)
            .await?
            .ok_or_else(|| anyhow::anyhow!("tenant gone"))?;
        Ok(decision::profile_card(&mut conn, &tenant, viewer, person).await?)
    }

    /// Every tenant back to its fixtures (as `POST /_tenantsim/reset`).
    pub async fn reset(&self) -> anyhow::Result<()> {
        let seeds = self.state.seeds.startup_seeds();
        crate::admin::tenants::replace_all(&self.state, &seeds, true)
            .await
            .map(drop)
    }

    /// The tenant as a fixture document (as `GET /_tenantsim/tenants/{id}/snapshot`).
    pub async fn snapshot(&self) -> anyhow::Result<serde_json::Value> {
        let mut conn = self.state.db.pool.acquire().await?;
        let tenant = store::tenants::resolve_tenant(&mut conn, &self.tenant)
            .await?
            .ok_or_else(|| anyhow::anyhow!("tenant gone"))?;
        fixtures::export::export(&mut conn, &[tenant]).await
    }

    /// Stops both listeners and removes the data directory.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.running.shutdown().await?;
        let _ = std::fs::remove_dir_all(&self.data_dir);
        Ok(())
    }
}
