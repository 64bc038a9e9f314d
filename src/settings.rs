//! Runtime settings that handlers read (the CLI's `serve` flags, minus the listeners). A leaf
//! module: extractors below the handlers read it without importing the application state.

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
