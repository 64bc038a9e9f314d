//! The directory change log (`directory_changes`) that delta queries read: appended by the
//! object and membership writers in their own transaction, read by `graph::delta`.
//! See <https://learn.microsoft.com/graph/delta-query-groups>.

use sqlx::{FromRow, SqliteConnection};

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    Deleted,
    MemberAdded,
    MemberRemoved,
    /// The whole tenant was deleted or reset: every older position is void.
    Reset,
}

impl Change {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
            Self::MemberAdded => "member_added",
            Self::MemberRemoved => "member_removed",
            Self::Reset => "reset",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "created" => Self::Created,
            "updated" => Self::Updated,
            "deleted" => Self::Deleted,
            "member_added" => Self::MemberAdded,
            "member_removed" => Self::MemberRemoved,
            "reset" => Self::Reset,
            _ => return None,
        })
    }
}

/// One log entry.
#[derive(Debug, Clone, FromRow)]
pub struct ChangeRow {
    pub seq: i64,
    pub object_id: String,
    pub kind: String,
    pub change: String,
    pub member_id: Option<String>,
    pub member_kind: Option<String>,
}

/// Logs a change of a whole object (`kind`: `group`, `user`, `servicePrincipal`; `tenant` for a reset).
pub async fn record(
    conn: &mut SqliteConnection,
    tenant: &str,
    object_id: &str,
    kind: &str,
    change: Change,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into directory_changes (tenant_id, object_id, kind, change) values (?, ?, ?, ?)",
    )
    .bind(tenant)
    .bind(object_id)
    .bind(kind)
    .bind(change.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Logs a membership change of `group`; the member's kind is read from the directory, so call
/// this while the member still exists.
pub async fn record_member(
    conn: &mut SqliteConnection,
    tenant: &str,
    group: &str,
    member: &str,
    change: Change,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into directory_changes (tenant_id, object_id, kind, change, member_id, member_kind)
         values (?1, ?2, 'group', ?3, ?4,
            (select kind from directory_objects where tenant_id = ?1 and id = ?4))",
    )
    .bind(tenant)
    .bind(group)
    .bind(change.as_str())
    .bind(member)
    .execute(conn)
    .await?;
    Ok(())
}

/// Logs the removal of `member` from every group it is a direct member of (it is being deleted).
/// (`+m.seq`: ordering by the column itself made SQLite walk the tenant's memberships in
/// `seq` order rather than look the member's up and sort the few it finds.)
pub async fn record_member_everywhere_removed(
    conn: &mut SqliteConnection,
    tenant: &str,
    member: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into directory_changes (tenant_id, object_id, kind, change, member_id, member_kind)
         select m.tenant_id, m.group_id, 'group', 'member_removed', m.member_id, o.kind
         from memberships m
         left join directory_objects o on o.tenant_id = m.tenant_id and o.id = m.member_id
         where m.tenant_id = ?1 and m.member_id = ?2
         order by +m.seq",
    )
    .bind(tenant)
    .bind(member)
    .execute(conn)
    .await?;
    Ok(())
}

/// The current end of the log (all tenants): a position later changes come after.
pub async fn position(conn: &mut SqliteConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar("select coalesce(max(seq), 0) from directory_changes")
        .fetch_one(conn)
        .await
}

/// A tenant's entries with `after < seq <= upto`, oldest first.
pub async fn between(
    conn: &mut SqliteConnection,
    tenant: &str,
    after: i64,
    upto: i64,
) -> sqlx::Result<Vec<ChangeRow>> {
    sqlx::query_as(
        "select seq, object_id, kind, change, member_id, member_kind from directory_changes
         where tenant_id = ? and seq > ? and seq <= ? order by seq",
    )
    .bind(tenant)
    .bind(after)
    .bind(upto)
    .fetch_all(conn)
    .await
}

/// Direct members of a group with their kinds, in the order they were added.
pub async fn member_refs(
    conn: &mut SqliteConnection,
    tenant: &str,
    group: &str,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "select m.member_id, o.kind from memberships m
         join directory_objects o on o.tenant_id = m.tenant_id and o.id = m.member_id
         where m.tenant_id = ? and m.group_id = ? order by m.seq",
    )
    .bind(tenant)
    .bind(group)
    .fetch_all(conn)
    .await
}
