//! The command line: `serve`, `token`, `healthcheck`, `fixtures check` and `fixtures schema`.
//! Every flag is also an environment variable `TENANTSIM_<FLAG>`.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::admin::seeds::PackedSource;
use crate::app;
use crate::auth::keys::{SigningKeys, default_data_dir};
use crate::auth::token::{self, Subject, TokenRequest};
use crate::fixtures::{self, FixtureSource};
use crate::settings::Settings;
use crate::state::AppState;
use crate::store::{self, Db};

#[derive(Debug, Parser)]
#[command(
    name = "tenantsim",
    version,
    about = "A simulated Microsoft 365 / Entra ID tenant for tests, demos and labs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server with its fixtures.
    Serve(ServeArgs),
    /// Print a Graph access token signed with tenantsim's key (for curl and tests).
    Token(TokenArgs),
    /// Print the HTTPS CA certificate's path and how to trust it (creating it if needed).
    Cert(CertArgs),
    /// Exit 0 when a running tenantsim answers /ready with 200.
    Healthcheck(HealthcheckArgs),
    /// Work with fixture files.
    Fixtures {
        #[command(subcommand)]
        command: FixturesCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum FixturesCommand {
    /// Validate a fixture file or folder; prints each error with file, object and field.
    Check { path: PathBuf },
    /// Print the JSON Schema of fixture files (fixtures/tenantsim-fixtures.schema.json), for
    /// editors; `fixtures check` also checks what a schema cannot express.
    Schema,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Where state lives: shared by `serve` and `token`.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// SQLite database file (WAL mode); state survives restarts. Default: in memory.
    #[arg(long, env = "TENANTSIM_DB")]
    pub db: Option<PathBuf>,
    /// Holds the signing key (and TLS material) so they outlive an in-memory database.
    #[arg(long, env = "TENANTSIM_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// A fixture file or a folder of them. Default: the embedded fixtures/contoso.json.
    #[arg(long, env = "TENANTSIM_FIXTURES")]
    pub fixtures: Option<PathBuf>,
}

impl StoreArgs {
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(default_data_dir)
    }

    pub fn fixture_sources(&self) -> anyhow::Result<Vec<FixtureSource>> {
        match &self.fixtures {
            Some(path) => FixtureSource::from_path(path),
            None => Ok(FixtureSource::embedded_default()),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// HTTP port; 0 picks a free one (the ready line says which).
    #[arg(long, env = "TENANTSIM_HTTP_PORT", default_value_t = 8080)]
    pub http_port: u16,
    /// Address to listen on.
    #[arg(long, env = "TENANTSIM_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Also run an HTTPS proxy on this port (0 picks a free one) that answers for the Microsoft
    /// host names (login.microsoftonline.com, graph.microsoft.com, …): clients keep their
    /// production settings and set HTTPS_PROXY and the CA.
    #[arg(long, env = "TENANTSIM_PROXY_PORT")]
    pub proxy_port: Option<u16>,
    /// Default page size of collections.
    #[arg(long, env = "TENANTSIM_PAGE_SIZE", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=999))]
    pub page_size: u32,
    #[arg(long, env = "TENANTSIM_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
    /// Base URL for every absolute link (nextLink, @odata.context, discovery) instead of the
    /// request's own origin.
    #[arg(long, env = "TENANTSIM_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Answer 404 rather than 400 when removing a member that is not one (both occur in Graph).
    #[arg(long, env = "TENANTSIM_REMOVE_MISSING_MEMBER_404")]
    pub remove_missing_member_404: bool,
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Bearer key for the `/_tenantsim/` control API. Required when --bind is not loopback.
    #[arg(long, env = "TENANTSIM_ADMIN_KEY")]
    pub admin_key: Option<String>,
    /// Create this many student tenants (student01, student02, …) from --template at start.
    #[arg(long, env = "TENANTSIM_LAB", default_value_t = 0)]
    pub lab: usize,
    /// The tenant lab tenants copy: an id, a domain, or the name before .onmicrosoft.com.
    #[arg(long, env = "TENANTSIM_TEMPLATE", default_value = "contoso")]
    pub template: String,
    /// How many requests the journal (`GET /_tenantsim/requests`) keeps.
    #[arg(long, env = "TENANTSIM_JOURNAL_CAPACITY", default_value_t = 1000)]
    pub journal_capacity: usize,
    /// Also keep request bodies (capped, secrets redacted) in the journal.
    #[arg(long, env = "TENANTSIM_JOURNAL_BODIES")]
    pub journal_bodies: bool,
    /// Strip a `/v1.0` or `/beta` prefix from `$batch` item urls instead of Graph's 400.
    #[arg(long, env = "TENANTSIM_LENIENT_BATCH_URLS")]
    pub lenient_batch_urls: bool,
    /// Largest body, in bytes, of the import routes (snapshot import, tenant creation, lab
    /// upload). Graph routes keep their own 4 MiB limit.
    #[arg(long, env = "TENANTSIM_IMPORT_BODY_LIMIT", default_value_t = crate::settings::DEFAULT_IMPORT_BODY_LIMIT)]
    pub import_body_limit: usize,
    #[command(flatten)]
    pub limits: crate::listener::LimitArgs,
}

/// The HTTPS listener.
#[derive(Debug, Clone, Args)]
pub struct TlsArgs {
    /// HTTPS port; 0 picks a free one.
    #[arg(long, env = "TENANTSIM_HTTPS_PORT", default_value_t = 8443)]
    pub https_port: u16,
    /// Serve plain HTTP only.
    #[arg(long, env = "TENANTSIM_NO_HTTPS")]
    pub no_https: bool,
    /// Extra subject alternative names for the generated certificate (repeatable).
    #[arg(long = "tls-san", env = "TENANTSIM_TLS_SAN", value_delimiter = ',')]
    pub tls_san: Vec<String>,
    /// Serve this certificate chain (PEM) instead of the generated one.
    #[arg(long, env = "TENANTSIM_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, env = "TENANTSIM_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

impl TlsArgs {
    pub fn material(&self, data_dir: &Path) -> anyhow::Result<crate::tls::TlsMaterial> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => crate::tls::load_given(cert, key),
            _ => crate::tls::load_or_create(data_dir, &self.tls_san),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct CertArgs {
    /// Where the CA and certificate live (the same directory `serve` uses).
    #[arg(long, env = "TENANTSIM_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Extra subject alternative names, as for `serve`.
    #[arg(long = "tls-san", env = "TENANTSIM_TLS_SAN", value_delimiter = ',')]
    pub tls_san: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Tenant id or verified domain.
    #[arg(long, env = "TENANTSIM_TENANT")]
    pub tenant: String,
    /// App-only token for this client id.
    #[arg(long, conflicts_with = "user", required_unless_present = "user")]
    pub app: Option<String>,
    /// Application roles (comma-separated), with --app.
    #[arg(long, value_delimiter = ',', requires = "app")]
    pub roles: Vec<String>,
    /// Delegated token for this user (userPrincipalName or id).
    #[arg(long)]
    pub user: Option<String>,
    /// Delegated scopes (comma-separated), with --user.
    #[arg(long, value_delimiter = ',', requires = "user")]
    pub scopes: Vec<String>,
    /// The client of a delegated token. Default: Microsoft Graph Command Line Tools.
    #[arg(long, default_value = "14d82eec-204b-4c2f-b7e8-296a70dab67e")]
    pub client_id: String,
    /// Token audience. Default: Microsoft Graph.
    #[arg(long, default_value = token::GRAPH_AUDIENCE)]
    pub audience: String,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = token::DEFAULT_LIFETIME_SECONDS)]
    pub lifetime: i64,
}

#[derive(Debug, Clone, Args)]
pub struct HealthcheckArgs {
    /// Base URL of the server.
    #[arg(long, env = "TENANTSIM_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(args).await.map(|()| ExitCode::SUCCESS),
        Command::Token(args) => {
            println!("{}", mint_token(&args).await?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Cert(args) => {
            let dir = args.data_dir.clone().unwrap_or_else(default_data_dir);
            let material = crate::tls::load_or_create(&dir, &args.tls_san)?;
            print!("{}", crate::tls::trust_instructions(&material.ca_path));
            Ok(ExitCode::SUCCESS)
        }
        Command::Healthcheck(args) => Ok(if healthcheck(&args.url).await {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }),
        Command::Fixtures {
            command: FixturesCommand::Check { path },
        } => Ok(check_fixtures(&path)),
        Command::Fixtures {
            command: FixturesCommand::Schema,
        } => {
            let text = fixtures::schema::text().map_err(|e| anyhow::anyhow!("{e}"))?;
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("tenantsim=info"));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal())
        // A log line that cannot be written (stdout closed by a parent that stopped reading)
        // is dropped. The default reports it with `eprintln!`, which panics when stderr is
        // closed too: that panic killed the signal task, and SIGTERM then stopped nothing.
        .log_internal_errors(false);
    let _ = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Opens the store, loads the fixtures (only into an empty database) and builds the state.
pub async fn prepare(store_args: &StoreArgs, settings: Settings) -> anyhow::Result<AppState> {
    let (state, startup) = open_state(store_args, settings).await?;
    drop(load_fixtures(&state, startup).await?);
    Ok(state)
}

/// The parsed start-up fixtures, on their way into the database and [`crate::admin::seeds`].
struct Startup {
    seeds: Vec<fixtures::TenantSeed>,
    /// The index of each seed's source.
    origins: Vec<usize>,
    /// Each large source's text, packed on another thread while the fixtures load.
    packing: tokio::task::JoinHandle<Vec<Option<Arc<PackedSource>>>>,
    /// The database opened with these (the default) fixtures already loaded.
    preloaded: bool,
    /// The load, begun with the first tenant's users while the fixtures were checked.
    early: Option<fixtures::EarlyLoad>,
}

/// Reads the fixture files and the signing key and opens the database, together: they are
/// independent, and start time is a budget (issue 13: ready in 15 ms with the default
/// fixtures). A file database is opened only once the fixtures are known to be valid, so bad
/// fixtures leave no file behind.
async fn open_state(
    store_args: &StoreArgs,
    settings: Settings,
) -> anyhow::Result<(AppState, Startup)> {
    let started = Instant::now();
    let data_dir = store_args.data_dir();
    let reading_key = tokio::task::spawn_blocking(move || {
        let keys = SigningKeys::load_or_create(&data_dir);
        crate::builtin::prepare();
        keys
    });
    let db_path = store_args.db.clone();
    // The embedded default fixtures come ready-loaded in an in-memory database (`Db::open_with`).
    let default_fixture = store_args
        .fixtures
        .is_none()
        .then_some(fixtures::CONTOSO_HASH);
    let open = move || async move { Db::open_with(db_path.as_deref(), default_fixture).await };
    // In memory, with fixtures of its own, a large first tenant's users go into the database
    // block by block as they are checked, while the next ones and the rest of the fixtures are
    // (`fixtures::begin_early`): SQLite on one core, the checks on the other. A file is never
    // written before every check passed.
    // A few blocks in flight: a slower SQLite holds the checks back rather than memory growing.
    let (early_sender, mut early_rows) = tokio::sync::mpsc::channel::<fixtures::EarlyRows>(4);
    let early_sender =
        (store_args.db.is_none() && default_fixture.is_none()).then_some(early_sender);
    let mut opening = store_args.db.is_none().then(|| {
        let open = open.clone();
        tokio::spawn(async move {
            let (db, preloaded) = open().await?;
            // A head arrives only through `early_sender`; without it the channel is closed.
            let early = match early_rows.recv().await {
                Some(fixtures::EarlyRows::Head { seed, users }) => {
                    fixtures::begin_early(&db, &seed, users, &mut early_rows).await?
                }
                _ => None,
            };
            anyhow::Ok((db, preloaded, early))
        })
    });
    let sources = store_args.fixture_sources()?;
    tracing::debug!(elapsed = ?started.elapsed(), "fixture files read");
    let (sources, indexed) = match early_sender {
        // The default fixtures (or a file): checked here, as before, without a thread hop.
        None => {
            let indexed = fixtures::parse_all_indexed(&sources);
            (sources, indexed)
        }
        Some(sender) => tokio::task::spawn_blocking(move || {
            // Only the first tenant's, so the rows go in in the order a load without it gives.
            let mut sender = Some(sender);
            let mut first = true;
            let indexed = fixtures::parse_all_indexed_early(&sources, &mut |part| match part {
                fixtures::EarlyPart::Head { seed, users } => {
                    let large = std::mem::take(&mut first) && users >= store::bulk::MIN_OBJECTS;
                    // Any other head closes the channel: the opening goes on without an early
                    // load, or ends the one it began.
                    sender = sender.take().filter(|sending| {
                        large
                            && sending
                                .blocking_send(fixtures::EarlyRows::Head { seed, users })
                                .is_ok()
                    });
                }
                fixtures::EarlyPart::Checked(part) => {
                    if let Some(sending) = &sender
                        && sending
                            .blocking_send(fixtures::EarlyRows::Checked(part))
                            .is_err()
                    {
                        sender = None;
                    }
                }
                fixtures::EarlyPart::Users(block) => {
                    let Some(sending) = &sender else { return };
                    let sent = fixtures::encode_users(block).ok().is_some_and(|rows| {
                        let users = fixtures::EarlyRows::Users {
                            rows,
                            count: block.len(),
                        };
                        sending.blocking_send(users).is_ok()
                    });
                    if !sent {
                        // The early load then holds fewer users than the tenant lists, and
                        // `fixtures::load` refuses it.
                        sender = None;
                    }
                }
            });
            drop(sender);
            (sources, indexed)
        })
        .await
        .context("checking the fixtures")?,
    };
    let indexed = indexed.map_err(|errors| {
        anyhow::anyhow!(
            "fixtures are invalid:\n{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    let (origins, seeds) = indexed.into_iter().unzip();
    // Packed while the fixtures load, then dropped: a large fixture's text is tens of megabytes,
    // its parsed seed over twice that (see `admin::seeds`).
    let packing = tokio::task::spawn_blocking(move || crate::admin::seeds::pack_large(&sources));
    tracing::debug!(elapsed = ?started.elapsed(), "fixtures read and validated");
    let opening = opening.get_or_insert_with(|| {
        tokio::spawn(async move {
            let (db, preloaded) = open().await?;
            anyhow::Ok((db, preloaded, None))
        })
    });
    let keys = reading_key.await.context("reading the signing key")??;
    tracing::debug!(elapsed = ?started.elapsed(), "signing key read");
    let (db, preloaded, early) = opening.await?.context("opening the database")?;
    tracing::debug!(elapsed = ?started.elapsed(), preloaded, "database opened and migrated");
    let startup = Startup {
        seeds,
        origins,
        packing,
        preloaded,
        early,
    };
    Ok((AppState::new(db, Arc::new(keys), settings), startup))
}

/// Loads the fixtures into an empty database and reads the seeds a `--db` file keeps. Hands
/// back the parsed seeds of packed fixtures, to be freed off the ready line's clock.
async fn load_fixtures(
    state: &AppState,
    startup: Startup,
) -> anyhow::Result<Vec<fixtures::TenantSeed>> {
    let started = Instant::now();
    if !startup.preloaded {
        fixtures::load(&state.db, &startup.seeds, startup.early)
            .await
            .context("loading fixtures")?;
    }
    tracing::debug!(elapsed = ?started.elapsed(), "fixtures loaded");
    let packed = startup.packing.await.context("packing the fixture text")?;
    let seeds = startup.origins.into_iter().zip(startup.seeds).collect();
    let (kept, spent) = crate::admin::seeds::keep_packed(&packed, seeds);
    state.seeds.set_startup(kept);
    tracing::debug!(elapsed = ?started.elapsed(), "seeds kept");
    let persisted = crate::admin::seeds::load_persisted(&state.db, &state.seeds)
        .await
        .context("reading the persisted tenant seeds")?;
    tracing::debug!(elapsed = ?started.elapsed(), persisted, "persisted seeds read");
    Ok(spent)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    rustls_provider();
    init_tracing(args.log_format);
    let settings = Settings {
        page_size: args.page_size,
        public_url: args.public_url.clone(),
        remove_missing_member_404: args.remove_missing_member_404,
        admin_key: args.admin_key.clone(),
        lenient_batch_urls: args.lenient_batch_urls,
        journal_capacity: args.journal_capacity,
        journal_bodies: args.journal_bodies,
        import_body_limit: args.import_body_limit,
        ..Settings::default()
    };
    // An empty key (`--admin-key ""`, or `TENANTSIM_ADMIN_KEY=` left blank) would match a
    // request without any Authorization header: refuse it rather than open the API.
    if args
        .admin_key
        .as_deref()
        .is_some_and(|k| k.trim().is_empty())
    {
        anyhow::bail!(
            "refusing an empty --admin-key (TENANTSIM_ADMIN_KEY): it would leave the /_tenantsim/ control API open; give a key or leave it unset"
        );
    }
    if !args.bind.is_loopback() && args.admin_key.is_none() {
        anyhow::bail!(
            "refusing to listen on {} without --admin-key: the /_tenantsim/ control API (reset, tenants, token forge) would be open to the network",
            args.bind
        );
    }
    let (state, startup) = open_state(&args.store, settings).await?;
    // The router (~900 routes) is built on another thread while the fixtures load.
    let building = tokio::task::spawn_blocking({
        let state = state.clone();
        move || {
            let started = Instant::now();
            let service = app::build_service(state);
            tracing::debug!(elapsed = ?started.elapsed(), "router built");
            service
        }
    });
    let spent = load_fixtures(&state, startup).await?;
    if args.lab > 0 {
        let created = crate::admin::tenants::create_lab(&state, &args.template, args.lab).await?;
        tracing::info!(
            "lab: {} student tenants from {} (GET /_tenantsim/tenants lists them)",
            created.len(),
            args.template
        );
    }
    state.ready.store(true, Ordering::Release);
    // The start-up load notes its objects for `$search` without indexing them (`store::bulk`).
    tokio::spawn({
        let db = state.db.clone();
        async move {
            let started = Instant::now();
            match db.fill_search_index_in_chunks().await {
                Ok(indexed) => {
                    tracing::debug!(elapsed = ?started.elapsed(), indexed, "search index filled");
                }
                Err(error) => {
                    tracing::warn!(%error, "search index not filled (a $search fills it)");
                }
            }
        }
    });
    let https = if args.tls.no_https {
        None
    } else {
        let material = args.tls.material(&args.store.data_dir())?;
        if let Some(pem) = &material.ca_pem {
            let _ = state.ca_pem.set(pem.clone());
        }
        Some((SocketAddr::new(args.bind, args.tls.https_port), material))
    };
    let proxy = match args.proxy_port {
        None => None,
        Some(port) => {
            let names = crate::proxy::HOSTS;
            let material = crate::tls::issue_for_names(&args.store.data_dir(), names)
                .context("issuing the proxy's certificate from tenantsim's CA")?;
            if let Some(pem) = &material.ca_pem {
                let _ = state.ca_pem.set(pem.clone());
            }
            Some((SocketAddr::new(args.bind, port), material))
        }
    };
    let listen = crate::server::Listen {
        http: SocketAddr::new(args.bind, args.http_port),
        https,
        proxy,
        limits: (&args.limits).into(),
    };
    let service = building.await.context("building the router")?;
    let running = crate::server::start_service(service, listen).await?;
    tracing::debug!(elapsed = ?started.elapsed(), "listening");
    let signal = app::ShutdownSignal::install();
    let mut urls = match running.https_url() {
        Some(https) => format!("{} and {https}", running.http_url()),
        None => running.http_url(),
    };
    if let Some(proxy) = running.proxy_url() {
        urls.push_str(&format!(" (proxy {proxy} for the Microsoft host names)"));
    }
    tracing::info!(
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "tenantsim ready on {urls}"
    );
    // Off the ready line's clock: the parsed seeds of packed fixtures, freed here, and the
    // fixture text and the parse's scratch, freed before, stay with the allocator otherwise
    // (58 MiB at 100,000 users, 1.4 MiB with the default fixtures).
    drop(spent);
    let loaded: usize = state
        .seeds
        .startup_seeds()
        .iter()
        .map(|s| s.object_count())
        .sum();
    if loaded < crate::store::bulk::MIN_OBJECTS {
        state.db.forget_prepared_writes().await;
    } else if let Err(error) = state.db.renew_writer().await {
        // Renewing would have dropped the prepared statements too.
        tracing::warn!(%error, "the writer connection could not be renewed after the load");
        state.db.forget_prepared_writes().await;
    }
    crate::memory::release_freed_memory();
    if let Some(ca) = &running.ca_path {
        tracing::info!(
            "HTTPS CA certificate: {} (see `tenantsim cert`)",
            ca.display()
        );
    }
    let stop = running.stopper();
    tokio::spawn(async move {
        signal.wait().await;
        let _ = stop.send(true);
    });
    running.wait().await
}

/// Installs the process-wide rustls provider once (aws-lc-rs, the only one compiled in).
pub fn rustls_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

async fn mint_token(args: &TokenArgs) -> anyhow::Result<String> {
    let state = prepare(&args.store, Settings::default()).await?;
    let mut conn = state.db.pool.acquire().await?;
    let tenant = store::tenants::resolve_tenant(&mut conn, &args.tenant)
        .await?
        .with_context(|| format!("no tenant '{}' in the fixtures or database", args.tenant))?;
    let subject = match (&args.app, &args.user) {
        (Some(app_id), _) => Subject::App {
            object_id: app_id.to_ascii_lowercase(),
            roles: args.roles.clone(),
        },
        (None, Some(user)) => {
            let row = store::objects::get_user(&mut conn, &tenant.id, user)
                .await?
                .with_context(|| format!("no user '{user}' in tenant {}", tenant.id))?;
            let wids = store::members::roles_of(&mut conn, &tenant.id, &row.id).await?;
            Subject::User {
                upn: row.user_principal_name.clone().unwrap_or_default(),
                name: row.display_name.clone().unwrap_or_default(),
                object_id: row.id,
                scopes: args.scopes.clone(),
                wids,
            }
        }
        (None, None) => anyhow::bail!("give --app or --user"),
    };
    let app_id = args.app.clone().unwrap_or_else(|| args.client_id.clone());
    let request = TokenRequest {
        tenant: tenant.id,
        audience: args.audience.clone(),
        app_id,
        app_display_name: None,
        subject,
        issued_at: state.clock.unix(),
        lifetime_seconds: args.lifetime,
    };
    token::mint(&state.keys(), &request)
}

/// GET {url}/ready over plain HTTP/1.1 with nothing but the standard library.
async fn healthcheck(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        eprintln!("tenantsim: healthcheck takes an http:// URL");
        return false;
    };
    let host = rest.split('/').next().unwrap_or(rest);
    let probe = async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(host).await.ok()?;
        let request = format!("GET /ready HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.ok()?;
        let status_line = String::from_utf8_lossy(&response)
            .lines()
            .next()?
            .to_owned();
        Some(status_line.split_whitespace().nth(1) == Some("200"))
    };
    matches!(
        tokio::time::timeout(std::time::Duration::from_secs(5), probe).await,
        Ok(Some(true))
    )
}

fn check_fixtures(path: &Path) -> ExitCode {
    let sources = match FixtureSource::from_path(path) {
        Ok(sources) => sources,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    match fixtures::parse_all(&sources) {
        Ok(tenants) => {
            for tenant in &tenants {
                println!(
                    "ok: tenant {} ({}): {} users, {} groups",
                    tenant.id,
                    tenant.display_name,
                    tenant.users.len(),
                    tenant.groups.len()
                );
            }
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for error in &errors {
                eprintln!("{error}");
            }
            eprintln!("{} error(s)", errors.len());
            ExitCode::FAILURE
        }
    }
}
