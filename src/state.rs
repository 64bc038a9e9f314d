//! Application state: what every handler reaches (database, keys, settings, clock, journal,
//! faults, throttling). Router assembly lives in `app`, above the handlers that read this.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::auth::keys::SigningKeys;
use crate::auth::verified::VerifiedTokens;
use crate::clock::Clock;
use crate::settings::Settings;
use crate::store::Db;

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
    pub seeds: Arc<crate::admin::seeds::Seeds>,
    /// The request journal (`/_tenantsim/requests`).
    pub journal: Arc<crate::control::journal::Journal>,
    /// Armed fault rules (`/_tenantsim/faults`).
    pub faults: Arc<crate::control::faults::Faults>,
    /// The throttling mode (`/_tenantsim/throttling`).
    pub throttle: Arc<crate::control::throttle::Throttle>,
    /// tenantsim's CA certificate once the HTTPS material is loaded (`GET /_tenantsim/ca.pem`).
    pub ca_pem: std::sync::OnceLock<String>,
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
            ca_pem: std::sync::OnceLock::new(),
        }))
    }
}

/// Extractors below the handlers (`Origin`, request bodies) read the settings through this.
impl axum::extract::FromRef<AppState> for Arc<Settings> {
    fn from_ref(state: &AppState) -> Self {
        state.settings.clone()
    }
}
