//! Owner and manager links between directory objects (`directory_links`): one row per
//! `(kind, source, target)`, read forwards (owners, manager) and backwards (ownedObjects,
//! directReports).

use sqlx::SqliteConnection;

use super::batch::Batch;

/// What a link means. `source` → `target` reads "source is owned by / reports to target".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// source = a group or service principal, target = one of its owners.
    Owner,
    /// source = a user, target = that user's manager (at most one).
    Manager,
}

impl LinkKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Manager => "manager",
        }
    }
}

/// Adds a link; `false` when it already existed.
pub async fn add(
    conn: &mut SqliteConnection,
    tenant: &str,
    kind: LinkKind,
    source: &str,
    target: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "insert into directory_links (tenant_id, kind, source_id, target_id, seq)
         values (?1, ?2, ?3, ?4, (select coalesce(max(seq), 0) + 1 from directory_links where tenant_id = ?1))
         on conflict do nothing",
    )
    .bind(tenant)
    .bind(kind.as_str())
    .bind(source)
    .bind(target)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Replaces every link of `kind` from `source` by one to `target` (a user's manager).
pub async fn set_single(
    conn: &mut SqliteConnection,
    tenant: &str,
    kind: LinkKind,
    source: &str,
    target: &str,
) -> sqlx::Result<()> {
    sqlx::query("delete from directory_links where tenant_id = ? and kind = ? and source_id = ?")
        .bind(tenant)
        .bind(kind.as_str())
        .bind(source)
        .execute(&mut *conn)
        .await?;
    add(conn, tenant, kind, source, target).await?;
    Ok(())
}

/// Removes a link (`target` `None`: every link of `kind` from `source`); `false` when none was.
pub async fn remove(
    conn: &mut SqliteConnection,
    tenant: &str,
    kind: LinkKind,
    source: &str,
    target: Option<&str>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "delete from directory_links where tenant_id = ?1 and kind = ?2 and source_id = ?3
         and (?4 is null or target_id = ?4)",
    )
    .bind(tenant)
    .bind(kind.as_str())
    .bind(source)
    .bind(target)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The targets of `source`'s links of `kind`, in the order they were made.
pub async fn targets(
    conn: &mut SqliteConnection,
    tenant: &str,
    kind: LinkKind,
    source: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "select target_id from directory_links where tenant_id = ? and kind = ? and source_id = ?
         order by seq",
    )
    .bind(tenant)
    .bind(kind.as_str())
    .bind(source)
    .fetch_all(conn)
    .await
}

/// The sources linking to `target` with `kind` (direct reports, owned objects).
pub async fn sources(
    conn: &mut SqliteConnection,
    tenant: &str,
    kind: LinkKind,
    target: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "select source_id from directory_links where tenant_id = ? and kind = ? and target_id = ?
         order by seq",
    )
    .bind(tenant)
    .bind(kind.as_str())
    .bind(target)
    .fetch_all(conn)
    .await
}

/// The manager chain of `user`, nearest first, at most `limit` long; stops at a cycle.
pub async fn manager_chain(
    conn: &mut SqliteConnection,
    tenant: &str,
    user: &str,
    limit: i64,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "with recursive up(id, depth, path) as (
             select target_id, 1, ',' || source_id || ',' || target_id || ','
             from directory_links where tenant_id = ?1 and kind = 'manager' and source_id = ?2
             union all
             select l.target_id, up.depth + 1, up.path || l.target_id || ','
             from up cross join directory_links l on l.source_id = up.id
             where l.tenant_id = ?1 and l.kind = 'manager' and up.depth < ?3
               and instr(up.path, ',' || l.target_id || ',') = 0)
         select id from up order by depth",
    )
    .bind(tenant)
    .bind(user)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Every link of a tenant as `(kind, source, target)`, in creation order (export).
pub async fn all(
    conn: &mut SqliteConnection,
    tenant: &str,
) -> sqlx::Result<Vec<(String, String, String)>> {
    sqlx::query_as(
        "select kind, source_id, target_id from directory_links where tenant_id = ? order by seq",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await
}

/// Queues many links of one kind (fixture loading).
pub async fn add_many(
    batch: &mut Batch<'_>,
    tenant: &str,
    kind: LinkKind,
    pairs: &[(String, String)],
) -> sqlx::Result<()> {
    let rows: Vec<(&str, &str, &str)> = pairs
        .iter()
        .map(|(s, t)| (kind.as_str(), s.as_str(), t.as_str()))
        .collect();
    super::insert_json_rows(
        batch,
        "insert into directory_links (tenant_id, kind, source_id, target_id, seq)
         select ?1, value ->> 0, value ->> 1, value ->> 2,
            coalesce(?2, (select coalesce(max(seq), 0) from directory_links where tenant_id = ?1)) + key + 1
         from jsonb_each(?3) where true
         on conflict do nothing",
        Some("select coalesce(max(seq), 0) from directory_links where tenant_id = ?"),
        tenant,
        &rows,
    )
    .await
}
