//! What each tenant resets to. Fixture tenants take their seed from the fixture files at every
//! start; a tenant created at run time (template copy, fixture body, snapshot import, lab) has
//! its seed kept with a file database too, written in the transaction that creates the tenant,
//! so it resets the same after a restart. A persisted seed is the tenant's snapshot right
//! after creation: passwords and client secrets only as the digests sign-in verifies against.
//!
//! A large fixture's seeds are not kept parsed: its text is kept compressed and parsed again
//! when a reset has to reload a tenant from it (an undo-log reset and the tenant listing read
//! only the seed's head). The parsed seed of the 100,000-user tenant of `bench/gen_fixture.py`
//! held 132 MiB; its 57 MiB of text deflate to about 4 MiB.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde_json::{Value, json};

use crate::fixtures::{self, FixtureSource, TenantSeed, export};
use crate::store::{self, Db};

/// Fixture text at least this long is kept compressed once its tenants are loaded. Smaller
/// text (the default fixtures' is ~40 KB) stays parsed: its reload costs no parse.
pub const PACK_FROM_BYTES: usize = 1 << 20;

/// A fixture's text, deflated: what its tenants are parsed from again when one is reloaded.
#[derive(Debug)]
pub struct PackedSource {
    name: String,
    /// Parsed as [`fixtures::parse_text`] with this (a tenant created at run time may be one
    /// tenant object rather than a document).
    one_tenant_allowed: bool,
    deflated: Vec<u8>,
}

impl PackedSource {
    /// Level 1: the text is generated JSON, and a faster pass packs it nearly as small
    /// (57 MiB to 4.2 MiB at level 1, 3.5 MiB at 6 in twice the time).
    pub fn pack(source: &FixtureSource) -> Self {
        Self::pack_text(&source.name, &source.text, false)
    }

    pub fn pack_text(name: &str, text: &str, one_tenant_allowed: bool) -> Self {
        Self {
            name: name.to_owned(),
            one_tenant_allowed,
            deflated: miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 1),
        }
    }

    /// The tenant `id` of this text, parsed again as it was at start-up.
    fn parse(&self, id: &str) -> anyhow::Result<TenantSeed> {
        let bytes = miniz_oxide::inflate::decompress_to_vec(&self.deflated)
            .map_err(|e| anyhow::anyhow!("the kept text of {} cannot be read: {e}", self.name))?;
        let text = String::from_utf8(bytes)?;
        let seeds =
            fixtures::parse_text(&self.name, &text, self.one_tenant_allowed).map_err(|errors| {
                anyhow::anyhow!(
                    "the kept text of {} no longer parses: {}",
                    self.name,
                    errors.first().map(ToString::to_string).unwrap_or_default()
                )
            })?;
        seeds
            .into_iter()
            .find(|seed| seed.id == id)
            .ok_or_else(|| anyhow::anyhow!("{} no longer holds tenant {id}", self.name))
    }

    /// Bytes kept.
    pub fn len(&self) -> usize {
        self.deflated.len()
    }

    pub fn is_empty(&self) -> bool {
        self.deflated.is_empty()
    }
}

/// A tenant's seed as kept: parsed, or its head and the packed text it came from.
#[derive(Debug)]
pub struct KeptSeed {
    /// The whole seed, or, when `packed`, the seed without its objects: id, names, domains
    /// and settings, all an undo-log reset reads.
    head: Arc<TenantSeed>,
    packed: Option<Arc<PackedSource>>,
    objects: usize,
    /// The demo credentials the tenant listing shows (`credentials`).
    credentials: Value,
}

impl KeptSeed {
    pub fn parsed(seed: impl Into<Arc<TenantSeed>>) -> Self {
        let seed = seed.into();
        Self {
            objects: fixtures::object_count(std::slice::from_ref(&seed)),
            credentials: credentials(&seed),
            head: seed,
            packed: None,
        }
    }

    /// Keeps only `seed`'s head; the rest is parsed from `source` when needed.
    pub fn packed(seed: &TenantSeed, source: Arc<PackedSource>) -> Self {
        Self {
            objects: fixtures::object_count(std::slice::from_ref(seed)),
            credentials: credentials(seed),
            head: Arc::new(head_of(seed)),
            packed: Some(source),
        }
    }

    pub fn id(&self) -> &str {
        &self.head.id
    }

    /// The seed without (when packed) its objects: enough for [`super::restore::from_log`].
    pub fn head(&self) -> &TenantSeed {
        &self.head
    }

    /// The whole seed; a packed one is parsed again (0.6 s at 100,000 users).
    pub fn seed(&self) -> anyhow::Result<Arc<TenantSeed>> {
        match &self.packed {
            None => Ok(self.head.clone()),
            Some(source) => Ok(Arc::new(source.parse(&self.head.id)?)),
        }
    }

    /// The directory objects the seed loads.
    pub fn object_count(&self) -> usize {
        self.objects
    }

    pub fn credentials(&self) -> &Value {
        &self.credentials
    }

    pub fn is_packed(&self) -> bool {
        self.packed.is_some()
    }
}

/// The seed with its tenant's own fields only: no objects, grants or connections.
pub fn head_of(seed: &TenantSeed) -> TenantSeed {
    TenantSeed {
        id: seed.id.clone(),
        display_name: seed.display_name.clone(),
        domains: seed.domains.clone(),
        cloud: seed.cloud.clone(),
        country: seed.country.clone(),
        settings: seed.settings.clone(),
        activated_roles: Vec::new(),
        users: Default::default(),
        groups: Default::default(),
        applications: Vec::new(),
        grants: Vec::new(),
        linked_in_network: Default::default(),
    }
}

/// The Global Administrators' and the applications' clear demo credentials in the seed.
fn credentials(seed: &TenantSeed) -> Value {
    let admins: Vec<Value> = seed
        .users
        .iter()
        .filter(|u| u.roles.contains(&crate::roles::GLOBAL_ADMINISTRATOR))
        .map(|u| json!({"userPrincipalName": u.user_principal_name.as_deref(), "password": u.password}))
        .collect();
    let apps: Vec<Value> = seed
        .applications
        .iter()
        .filter(|a| !a.secrets.is_empty())
        .map(|a| json!({"displayName": a.display_name, "clientId": a.app_id, "clientSecret": a.secrets.first()}))
        .collect();
    json!({"globalAdministrators": admins, "applications": apps})
}

/// Seeds as kept: the tenants of a source of [`PACK_FROM_BYTES`] or more packed with its
/// text, the others parsed. `seeds` pairs each seed with the index of its source.
pub fn keep(sources: &[FixtureSource], seeds: Vec<(usize, TenantSeed)>) -> Vec<KeptSeed> {
    keep_packed(&pack_large(sources), seeds).0
}

/// Each source of [`PACK_FROM_BYTES`] or more, packed; `None` for the others.
pub fn pack_large(sources: &[FixtureSource]) -> Vec<Option<Arc<PackedSource>>> {
    sources
        .iter()
        .map(|source| {
            (source.text.len() >= PACK_FROM_BYTES).then(|| Arc::new(PackedSource::pack(source)))
        })
        .collect()
}

/// [`keep`] with the sources already packed (`None`: kept parsed), by source index. Also hands
/// back the parsed seeds only the head of which is kept, for the caller to free where it
/// chooses (100,000 users' take 0.1 s).
pub fn keep_packed(
    packed: &[Option<Arc<PackedSource>>],
    seeds: Vec<(usize, TenantSeed)>,
) -> (Vec<KeptSeed>, Vec<TenantSeed>) {
    let mut spent = Vec::new();
    let kept = seeds
        .into_iter()
        .map(|(index, seed)| match packed.get(index).cloned().flatten() {
            Some(source) => {
                let kept = KeptSeed::packed(&seed, source);
                spent.push(seed);
                kept
            }
            None => KeptSeed::parsed(seed),
        })
        .collect();
    (kept, spent)
}

/// The seeds of a tenant created at run time, parsed from `text` by [`fixtures::parse_text`]
/// with `one_tenant_allowed`, as kept: packed with the text when it is [`PACK_FROM_BYTES`] or
/// more (on a blocking thread: ~0.5 s for 57 MiB).
pub async fn keep_created(name: &str, text: String, seeds: Vec<TenantSeed>) -> Vec<KeptSeed> {
    if text.len() < PACK_FROM_BYTES {
        return seeds.into_iter().map(KeptSeed::parsed).collect();
    }
    let name = name.to_owned();
    let packing = tokio::task::spawn_blocking(move || PackedSource::pack_text(&name, &text, true));
    match packing.await {
        Ok(packed) => {
            let packed = Arc::new(packed);
            seeds
                .iter()
                .map(|seed| KeptSeed::packed(seed, packed.clone()))
                .collect()
        }
        // Packing only saves memory: a seed kept parsed resets the same.
        Err(_) => seeds.into_iter().map(KeptSeed::parsed).collect(),
    }
}

/// What each tenant resets to, and which tenants a full reset restores.
#[derive(Debug, Default)]
pub struct Seeds {
    inner: RwLock<SeedsInner>,
}

#[derive(Debug, Default)]
struct SeedsInner {
    by_tenant: HashMap<String, Arc<KeptSeed>>,
    /// Tenants present at start-up, in order.
    startup: Vec<String>,
}

impl Seeds {
    /// Records the tenants loaded at start-up. Seeds are shared, never copied: a 100,000-user
    /// seed is large.
    pub fn set_startup(&self, seeds: Vec<KeptSeed>) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        inner.startup = seeds.iter().map(|s| s.id().to_owned()).collect();
        for seed in seeds {
            inner.by_tenant.insert(seed.id().to_owned(), Arc::new(seed));
        }
    }

    /// Adds tenants to what a full reset restores.
    pub(crate) fn add_startup(&self, seeds: Vec<Arc<KeptSeed>>) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        for seed in seeds {
            let id = seed.id().to_owned();
            if !inner.startup.contains(&id) {
                inner.startup.push(id.clone());
            }
            inner.by_tenant.insert(id, seed);
        }
    }

    pub(crate) fn remember(&self, seed: TenantSeed) {
        self.remember_kept(KeptSeed::parsed(seed));
    }

    pub(crate) fn remember_kept(&self, seed: KeptSeed) {
        self.inner
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .by_tenant
            .insert(seed.id().to_owned(), Arc::new(seed));
    }

    pub fn get(&self, tenant: &str) -> Option<Arc<KeptSeed>> {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .by_tenant
            .get(tenant)
            .cloned()
    }

    /// Whether a full reset restores this tenant.
    pub fn is_startup(&self, tenant: &str) -> bool {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .startup
            .iter()
            .any(|id| id == tenant)
    }

    /// Drops the seed of a deleted tenant, unless a full reset brings the tenant back.
    pub(crate) fn forget(&self, tenant: &str) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if !inner.startup.iter().any(|id| id == tenant) {
            inner.by_tenant.remove(tenant);
        }
    }

    /// Drops every seed a full reset does not restore, and hands them back: the caller counts
    /// what went out with them and frees them where it chooses.
    pub(crate) fn forget_all_but_startup(&self) -> Vec<Arc<KeptSeed>> {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        let SeedsInner {
            by_tenant, startup, ..
        } = &mut *inner;
        by_tenant
            .extract_if(|id, _| !startup.contains(id))
            .map(|(_, seed)| seed)
            .collect()
    }

    /// The seeds of the start-up tenants.
    pub fn startup_seeds(&self) -> Vec<Arc<KeptSeed>> {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        inner
            .startup
            .iter()
            .filter_map(|id| inner.by_tenant.get(id).cloned())
            .collect()
    }
}

/// Keeps the seed of a tenant just written in `conn`'s transaction: its snapshot, with
/// digests instead of clear secrets. Nothing to do for the in-memory database, which ends with
/// the process (an import of a large tenant is not serialised twice).
pub async fn persist(
    conn: &mut sqlx::SqliteConnection,
    db: &Db,
    tenant: &str,
) -> anyhow::Result<()> {
    if !db.is_persistent() {
        return Ok(());
    }
    let row = store::tenants::resolve_tenant(conn, tenant)
        .await?
        .ok_or_else(|| anyhow::anyhow!("tenant {tenant} vanished while being created"))?;
    let document = export::export(conn, std::slice::from_ref(&row)).await?;
    store::seeds::save_seed(conn, tenant, &document.to_string()).await?;
    Ok(())
}

/// At start-up with a file database: the persisted seeds replace what the fixtures say for
/// their tenants (a tenant re-imported over a fixture tenant resets to the import).
pub async fn load_persisted(db: &Db, seeds: &Seeds) -> anyhow::Result<usize> {
    if !db.is_persistent() {
        return Ok(0);
    }
    let rows = store::seeds::all_seeds(&mut *db.pool.acquire().await?).await?;
    let count = rows.len();
    if count == 0 {
        return Ok(0);
    }
    let startup = seeds
        .startup_seeds()
        .iter()
        .map(|kept| kept.seed())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let clear = clear_values(startup.iter().map(|s| &**s));
    for (tenant, document) in rows {
        let name = format!("persisted seed of tenant {tenant}");
        match fixtures::parse_text(&name, &document, false) {
            Ok(parsed) => {
                for mut seed in parsed {
                    restore_clear(&mut seed, &clear);
                    seeds.remember(seed);
                }
            }
            Err(errors) => tracing::warn!(
                "{name} cannot be read; the tenant cannot be reset: {}",
                errors.first().map(ToString::to_string).unwrap_or_default()
            ),
        }
    }
    Ok(count)
}

/// Clear demo values (passwords, client secrets) of fixture seeds, by digest. Each distinct
/// value is hashed once (a generated fixture gives 100,000 users one password).
fn clear_values<'a>(seeds: impl IntoIterator<Item = &'a TenantSeed>) -> HashMap<String, String> {
    let mut values = std::collections::HashSet::new();
    for seed in seeds {
        values.extend(seed.users.iter().filter_map(|u| u.password.as_deref()));
        values.extend(
            seed.applications
                .iter()
                .flat_map(|a| a.secrets.iter().map(String::as_str)),
        );
    }
    values
        .into_iter()
        .map(|value| (fixtures::password_digest(value), value.to_owned()))
        .collect()
}

/// A persisted seed has digests only. Where a digest is that of a clear demo value of the
/// fixtures (a template copy keeps them), the seed gets the clear value back, so
/// `GET /_tenantsim/tenants` keeps listing it after a restart. Nothing is guessed: a clear value
/// is used only where its digest is the one stored.
fn restore_clear(seed: &mut TenantSeed, clear: &HashMap<String, String>) {
    for user in std::sync::Arc::make_mut(&mut seed.users) {
        if let Some(value) = user.secret.as_deref().and_then(|d| clear.get(d)) {
            user.password = Some(value.clone());
        }
    }
    for app in &mut seed.applications {
        let (known, unknown): (Vec<String>, Vec<String>) = app
            .secret_sha256
            .drain(..)
            .partition(|digest| clear.contains_key(digest));
        app.secrets
            .extend(known.iter().map(|digest| clear[digest].clone()));
        app.secret_sha256 = unknown;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(id: &str, domain: &str) -> TenantSeed {
        let document = serde_json::json!({"tenants": [{
            "id": id, "displayName": domain, "domains": [domain],
        }]});
        fixtures::parse_text("test.json", &document.to_string(), false)
            .expect("a valid tenant")
            .remove(0)
    }

    /// A full reset trims the allocator only after the seeds of the tenants it deleted are
    /// freed, and counts their objects: it is handed exactly those seeds.
    #[test]
    fn forgetting_hands_back_the_run_time_seeds_only() {
        const STARTUP: &str = "5c4e0000-0000-4000-8000-000000000001";
        const CREATED: &str = "5c4e0000-0000-4000-8000-000000000002";
        let seeds = Seeds::default();
        seeds.set_startup(vec![KeptSeed::parsed(seed(STARTUP, "startup.example"))]);
        seeds.remember(seed(CREATED, "created.example"));

        let dropped = seeds.forget_all_but_startup();
        let ids: Vec<&str> = dropped.iter().map(|s| s.id()).collect();
        assert_eq!(ids, [CREATED]);
        assert!(seeds.get(CREATED).is_none());
        assert!(seeds.get(STARTUP).is_some());
        assert!(seeds.forget_all_but_startup().is_empty());
    }

    /// A packed seed parses back to the seed it was made from, and keeps the same head,
    /// object count and credentials; only sources of `PACK_FROM_BYTES` or more are packed.
    #[test]
    fn a_packed_seed_parses_back_to_the_same_seed() {
        let embedded = FixtureSource::embedded_default();
        let parsed = fixtures::parse(&embedded[0]).expect("valid");
        let whole = KeptSeed::parsed(parsed[0].clone());
        let packed = KeptSeed::packed(&parsed[0], Arc::new(PackedSource::pack(&embedded[0])));
        assert!(packed.is_packed() && !whole.is_packed());
        assert!(packed.head().users.is_empty() && !whole.head().users.is_empty());
        assert_eq!(
            format!("{:?}", packed.head()),
            format!("{:?}", head_of(&parsed[0]))
        );
        assert_eq!(packed.object_count(), whole.object_count());
        assert_eq!(packed.credentials(), whole.credentials());
        assert_ne!(packed.credentials()["globalAdministrators"], json!([]));
        assert_eq!(
            format!("{:?}", packed.seed().expect("parses")),
            format!("{:?}", parsed[0])
        );

        let large = FixtureSource {
            name: "large.json".to_owned(),
            text: format!("{}{}", embedded[0].text, " ".repeat(PACK_FROM_BYTES)),
        };
        let sources = [embedded[0].clone(), large];
        let seeds = parsed.iter().map(|s| (0, s.clone()));
        let from_large = parsed.iter().map(|s| (1, s.clone()));
        let kept = keep(&sources, seeds.chain(from_large).collect());
        let packed: Vec<bool> = kept.iter().map(KeptSeed::is_packed).collect();
        assert_eq!(packed, [false, true]);
        assert!(PackedSource::pack(&sources[1]).len() < PACK_FROM_BYTES / 20);
    }
}
