//! Group membership (direct rows, transitive views) and directory-role assignments.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::batch::{Batch, Statement};
use super::changes::{self, Change};

/// Adds a direct member; `false` when it already was one.
pub async fn add_member(
    conn: &mut SqliteConnection,
    tenant: &str,
    group: &str,
    member: &str,
) -> sqlx::Result<bool> {
    // The tenant's counter moves first (a number an existing membership leaves unused is only
    // a gap); one round trip for both. `changes()` counts the insert alone.
    let added: bool = sqlx::query_scalar(
        "update tenants set membership_seq = membership_seq + 1 where id = ?1;
         insert into memberships (tenant_id, group_id, member_id, seq)
         values (?1, ?2, ?3, (select membership_seq from tenants where id = ?1))
         on conflict do nothing;
         select changes() > 0",
    )
    .bind(tenant)
    .bind(group)
    .bind(member)
    .fetch_one(&mut *conn)
    .await?;
    if added {
        changes::record_member(conn, tenant, group, member, Change::MemberAdded).await?;
    }
    Ok(added)
}

/// Removes a direct member; `false` when it was not one.
pub async fn remove_member(
    conn: &mut SqliteConnection,
    tenant: &str,
    group: &str,
    member: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "delete from memberships where tenant_id = ? and group_id = ? and member_id = ?",
    )
    .bind(tenant)
    .bind(group)
    .bind(member)
    .execute(&mut *conn)
    .await?;
    let removed = done.rows_affected() > 0;
    if removed {
        changes::record_member(conn, tenant, group, member, Change::MemberRemoved).await?;
    }
    Ok(removed)
}

pub async fn direct_member_count(
    conn: &mut SqliteConnection,
    tenant: &str,
    group: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from memberships where tenant_id = ? and group_id = ?")
        .bind(tenant)
        .bind(group)
        .fetch_one(conn)
        .await
}

// Every recursive step below reads `from up cross join memberships m`: CROSS JOIN fixes the
// loop order, so each step probes `memberships_by_member` for the rows found so far. Left to
// itself, SQLite 3.51's planner scanned the tenant's whole membership table per step (10 ms for
// one check in a 10,000-user tenant instead of 30 us).

/// Whether `member` is inside `group` directly or through nested groups.
pub async fn is_transitive_member(
    conn: &mut SqliteConnection,
    tenant: &str,
    group: &str,
    member: &str,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "with recursive up(id) as (
             select group_id from memberships where tenant_id = ?1 and member_id = ?3
             union
             select m.group_id from up cross join memberships m on m.member_id = up.id where m.tenant_id = ?1)
         select 1 from up where id = ?2 limit 1",
    )
    .bind(tenant)
    .bind(group)
    .bind(member)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// The chain of groups from `member` up to `group` (first hop first), if there is one: the
/// nested-group path the profile-card explanation shows.
pub async fn membership_path(
    conn: &mut SqliteConnection,
    tenant: &str,
    group: &str,
    member: &str,
) -> sqlx::Result<Option<Vec<String>>> {
    let path: Option<String> = sqlx::query_scalar(
        "with recursive up(id, path, depth) as (
             select group_id, group_id, 1 from memberships where tenant_id = ?1 and member_id = ?3
             union all
             select m.group_id, up.path || ',' || m.group_id, up.depth + 1
             from up cross join memberships m on m.member_id = up.id
             where m.tenant_id = ?1 and up.depth < 64 and up.id <> ?2)
         select path from up where id = ?2 order by depth limit 1",
    )
    .bind(tenant)
    .bind(group)
    .bind(member)
    .fetch_optional(conn)
    .await?;
    Ok(path.map(|p| p.split(',').map(str::to_owned).collect()))
}

/// Of `candidates`, the groups that `member` belongs to transitively (checkMemberGroups).
pub async fn transitive_groups_among(
    conn: &mut SqliteConnection,
    tenant: &str,
    member: &str,
    candidates: &[String],
) -> sqlx::Result<Vec<String>> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let mut builder = QueryBuilder::<Sqlite>::new(
        "with recursive up(id) as (select group_id from memberships where tenant_id = ",
    );
    builder.push_bind(tenant.to_owned());
    builder.push(" and member_id = ");
    builder.push_bind(member.to_owned());
    builder.push(" union select m.group_id from up cross join memberships m on m.member_id = up.id where m.tenant_id = ");
    builder.push_bind(tenant.to_owned());
    builder.push(") select id from up where id in (");
    let mut separated = builder.separated(", ");
    for id in candidates {
        separated.push_bind(id.to_ascii_lowercase());
    }
    builder.push(")");
    builder.build_query_scalar().fetch_all(conn).await
}

/// Every group `member` belongs to transitively, with whether each is security-enabled.
pub async fn transitive_groups(
    conn: &mut SqliteConnection,
    tenant: &str,
    member: &str,
) -> sqlx::Result<Vec<(String, bool)>> {
    sqlx::query_as(
        "with recursive up(id) as (
             select group_id from memberships where tenant_id = ?1 and member_id = ?2
             union
             select m.group_id from up cross join memberships m on m.member_id = up.id where m.tenant_id = ?1)
         select o.id, coalesce(json_extract(o.data, '$.securityEnabled'), 0) = 1
         from up join directory_objects o on o.tenant_id = ?1 and o.id = up.id
         order by o.seq",
    )
    .bind(tenant)
    .bind(member)
    .fetch_all(conn)
    .await
}

pub async fn assign_role(
    conn: &mut SqliteConnection,
    tenant: &str,
    role_template: &str,
    member: &str,
) -> sqlx::Result<()> {
    assign_role_statement(tenant, role_template, member)
        .execute(conn)
        .await?;
    Ok(())
}

/// [`assign_role`]'s statement, for a [`Batch`](super::batch::Batch).
pub fn assign_role_statement(tenant: &str, role_template: &str, member: &str) -> Statement {
    Statement::new(
        "insert into directory_role_members (tenant_id, role_template_id, member_id) values (?, ?, ?)
         on conflict do nothing",
    )
    .bind(tenant)
    .bind(role_template)
    .bind(member)
}

/// Role template ids held by `member` (the `wids` claim).
pub async fn roles_of(
    conn: &mut SqliteConnection,
    tenant: &str,
    member: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "select role_template_id from directory_role_members where tenant_id = ? and member_id = ?
         order by role_template_id",
    )
    .bind(tenant)
    .bind(member)
    .fetch_all(conn)
    .await
}

/// Direct member ids of a group, in the order they were added.
pub async fn member_ids(
    conn: &mut SqliteConnection,
    tenant: &str,
    group: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "select member_id from memberships where tenant_id = ? and group_id = ? order by seq",
    )
    .bind(tenant)
    .bind(group)
    .fetch_all(conn)
    .await
}

/// Queues many direct memberships `(group, member)` (fixture loading).
pub async fn add_members(
    batch: &mut Batch<'_>,
    tenant: &str,
    pairs: &[(&str, &str)],
) -> sqlx::Result<()> {
    // `where true`: SQLite needs it to tell the upsert's ON from a join's.
    super::insert_json_rows(
        batch,
        "insert into memberships (tenant_id, group_id, member_id, seq)
         select ?1, value ->> 0, value ->> 1,
            coalesce(?2, (select membership_seq from tenants where id = ?1)) + key + 1
         from jsonb_each(?3) where true
         on conflict do nothing",
        Some("select membership_seq from tenants where id = ?"),
        tenant,
        pairs,
    )
    .await?;
    // Past every number the chunks used (pairs already present leave gaps).
    batch
        .push(
            Statement::new("update tenants set membership_seq = membership_seq + ?2 where id = ?1")
                .bind(tenant)
                .bind(i64::try_from(pairs.len()).unwrap_or(i64::MAX)),
        )
        .await
}
