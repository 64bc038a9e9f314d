//! Resets that put back only what changed: a tenant whose rows were loaded from its seed, and
//! whose undo log has run since ([`store::undo`]), goes back to its seed row by row in the time
//! its changes take, not its size. Anything else (no log, a key another tenant took since)
//! is reloaded from the seed.

use crate::fixtures::TenantSeed;
use crate::store;

/// How a tenant went back to its seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetMethod {
    /// Its changed rows put back from the undo log (how many rows the log held).
    Undo(u64),
    /// Deleted and loaded again from the seed.
    Reload,
}

impl ResetMethod {
    /// The `method` and `rowsUndone` members of a reset's answer.
    pub fn describe(self, out: &mut serde_json::Map<String, serde_json::Value>) {
        match self {
            Self::Undo(rows) => {
                out.insert("method".into(), "undo".into());
                out.insert("rowsUndone".into(), rows.into());
            }
            Self::Reload => {
                out.insert("method".into(), "reload".into());
            }
        }
    }
}

/// Puts the tenant back to `seed` from its undo log inside the caller's write transaction;
/// `None` (nothing changed) when it has no log to go by or putting it back would take another
/// tenant's domain or appId, and the caller reloads it.
pub async fn from_log(
    conn: &mut sqlx::SqliteConnection,
    seed: &TenantSeed,
) -> anyhow::Result<Option<u64>> {
    if !store::undo::is_logged(conn, &seed.id).await?
        || store::undo::keys_taken(conn, &seed.id).await?
    {
        return Ok(None);
    }
    let rows = store::undo::restore(conn, &seed.id).await?;
    let settings = serde_json::to_string(&seed.settings)?;
    store::tenants::restore_tenant_row(conn, &seed.row(&settings)).await?;
    Ok(Some(rows))
}
