//! Application state: what every handler reaches (database, keys, settings, clock, journal,
//! faults, throttling). Router assembly lives in `app`, above the handlers that read this.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::auth::VerifiedTokens;
use crate::auth::keys::SigningKeys;
use crate::clock::Clock;
use crate::store::Db;

/// Runtime settings that handlers read (the CLI's `serve` flags, minus the listeners).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Default page size of collections (`--page-size`).
    pub page_size: u32,
    /// Base of every absolute URL tenantsim emits, instead of the request's origin.
    pub public_url: Option<String>,
    /// Answer 404 instead of 400 when removing a non-member (graph-contract D5).
    pub remove_missing_member_404: bool,
    /// Largest accepted request body, in bytes (Graph, identity and most control routes).
    pub body_limit: usize,
    /// Largest accepted body of the import routes (`POST /_tenantsim/snapshot`,
    /// `POST /_tenantsim/tenants`, the lab page's upload), in bytes: whatever tenantsim
    /// exports it must take back (`--import-body-limit`).
    pub import_body_limit: usize,
    /// Bearer key that protects `/_tenantsim/` (`--admin-key`); without one the control API is
    /// open, which `serve` allows only on loopback.
    pub admin_key: Option<String>,
    /// Strip a leading `/v1.0` or `/beta` from `$batch` item urls instead of Graph's 400 (D9).
    pub lenient_batch_urls: bool,
    /// Age (by the simulated clock) after which a delta token answers 410 `syncStateNotFound` (D12).
    pub delta_token_max_age_seconds: i64,
    /// Entries the request journal keeps (oldest dropped first).
    pub journal_capacity: usize,
    /// Keep request bodies in the journal (capped, secrets removed).
    pub journal_bodies: bool,
}

/// A 100,000-user tenant (bench/gen_fixture.py) is a 60 MB document; its export a little more.
pub const DEFAULT_IMPORT_BODY_LIMIT: usize = 256 * 1024 * 1024;

impl Default for Settings {
    fn default() -> Self {
        Self {
            page_size: 100,
            public_url: None,
            remove_missing_member_404: false,
            body_limit: 4 * 1024 * 1024,
            import_body_limit: DEFAULT_IMPORT_BODY_LIMIT,
            admin_key: None,
            lenient_batch_urls: false,
            delta_token_max_age_seconds: 7 * 24 * 3600,
            journal_capacity: 1_000,
            journal_bodies: false,
        }
    }
}

/// Everything a handler can reach: one `Arc`, so the per-request clones axum makes of every
/// route and middleware cost one atomic increment, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

impl AppStateInner {
    /// The current signing key.
    pub fn keys(&self) -> Arc<SigningKeys> {
        self.signing
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the signing key (tokens signed with the old one stop verifying).
    pub fn rotate_keys(&self, keys: SigningKeys) {
        *self.signing.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
        self.verified_tokens.clear();
    }
}

impl std::ops::Deref for AppState {
    type Target = AppStateInner;
    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

/// The fields of [`AppState`].
pub struct AppStateInner {
    pub db: Db,
    /// The signing key; swapped by a reset that rotates it (`keys()` reads it).
    pub signing: std::sync::RwLock<Arc<SigningKeys>>,
    pub settings: Arc<Settings>,
    pub clock: Arc<Clock>,
    pub verified_tokens: Arc<VerifiedTokens>,
    /// Set once migrations and fixtures are loaded.
    pub ready: Arc<AtomicBool>,
    /// Authorization codes and device-code flows in progress.
    pub flows: Arc<crate::sts::flows::Flows>,
    /// What each tenant resets to (its fixture or template seed), and which tenants exist at
    /// start-up (what a full reset restores).
    pub seeds: Arc<crate::admin::tenants::Seeds>,
    /// The request journal (`/_tenantsim/requests`).
    pub journal: Arc<crate::control::journal::Journal>,
    /// Armed fault rules (`/_tenantsim/faults`).
    pub faults: Arc<crate::control::faults::Faults>,
    /// The throttling mode (`/_tenantsim/throttling`).
    pub throttle: Arc<crate::control::throttle::Throttle>,
}

impl AppState {
    pub fn new(db: Db, keys: Arc<SigningKeys>, settings: Settings) -> Self {
        let journal = crate::control::journal::Journal::new(
            settings.journal_capacity,
            settings.journal_bodies,
        );
        Self(Arc::new(AppStateInner {
            db,
            signing: std::sync::RwLock::new(keys),
            settings: Arc::new(settings),
            clock: Arc::new(Clock::default()),
            verified_tokens: Arc::new(VerifiedTokens::default()),
            ready: Arc::new(AtomicBool::new(false)),
            flows: Arc::default(),
            seeds: Arc::default(),
            journal: Arc::new(journal),
            faults: Arc::default(),
            throttle: Arc::default(),
        }))
    }
}
