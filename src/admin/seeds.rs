//! What each tenant resets to. Fixture tenants take their seed from the fixture files at every
//! start; a tenant created at run time (template copy, fixture body, snapshot import, lab) has
//! its seed kept with a file database too, written in the transaction that creates the tenant,
//! so it resets the same after a restart. A persisted seed is the tenant's snapshot right
//! after creation: passwords and client secrets only as the digests sign-in verifies against.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::fixtures::{self, TenantSeed, export};
use crate::store::{self, Db};

/// What each tenant resets to, and which tenants a full reset restores.
#[derive(Debug, Default)]
pub struct Seeds {
    inner: RwLock<SeedsInner>,
}

#[derive(Debug, Default)]
struct SeedsInner {
    by_tenant: HashMap<String, Arc<TenantSeed>>,
    /// Tenants present at start-up, in order.
    startup: Vec<String>,
}

impl Seeds {
    /// Records the tenants loaded at start-up. Seeds are shared, never copied: a 100,000-user
    /// seed is large.
    pub fn set_startup(&self, seeds: Vec<TenantSeed>) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        inner.startup = seeds.iter().map(|s| s.id.clone()).collect();
        for seed in seeds {
            inner.by_tenant.insert(seed.id.clone(), Arc::new(seed));
        }
    }

    /// Adds tenants to what a full reset restores.
    pub(crate) fn add_startup(&self, seeds: Vec<TenantSeed>) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        for seed in seeds {
            if !inner.startup.contains(&seed.id) {
                inner.startup.push(seed.id.clone());
            }
            inner.by_tenant.insert(seed.id.clone(), Arc::new(seed));
        }
    }

    pub(crate) fn remember(&self, seed: TenantSeed) {
        self.inner
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .by_tenant
            .insert(seed.id.clone(), Arc::new(seed));
    }

    pub fn get(&self, tenant: &str) -> Option<Arc<TenantSeed>> {
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
    pub(crate) fn forget_all_but_startup(&self) -> Vec<Arc<TenantSeed>> {
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
    pub fn startup_seeds(&self) -> Vec<Arc<TenantSeed>> {
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
    let startup = seeds.startup_seeds();
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
    for user in &mut seed.users {
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
        seeds.set_startup(vec![seed(STARTUP, "startup.example")]);
        seeds.remember(seed(CREATED, "created.example"));

        let dropped = seeds.forget_all_but_startup();
        let ids: Vec<&str> = dropped.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, [CREATED]);
        assert!(seeds.get(CREATED).is_none());
        assert!(seeds.get(STARTUP).is_some());
        assert!(seeds.forget_all_but_startup().is_empty());
    }
}
