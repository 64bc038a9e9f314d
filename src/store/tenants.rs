//! Tenants and their verified domains.

use sqlx::{FromRow, SqliteConnection};

use super::batch::Statement;

/// A tenant as stored.
#[derive(Debug, Clone, FromRow)]
pub struct TenantRow {
    pub id: String,
    pub display_name: String,
    pub cloud: String,
    pub country: Option<String>,
    pub settings: String,
}

pub struct NewTenant<'a> {
    pub id: &'a str,
    pub display_name: &'a str,
    pub cloud: &'a str,
    pub country: Option<&'a str>,
    pub settings: &'a str,
    pub domains: &'a [String],
}

pub async fn insert_tenant(
    conn: &mut SqliteConnection,
    tenant: &NewTenant<'_>,
) -> sqlx::Result<()> {
    for statement in insert_tenant_statements(tenant) {
        statement.execute(&mut *conn).await?;
    }
    Ok(())
}

/// [`insert_tenant`]'s statements, for a [`Batch`](super::batch::Batch).
pub fn insert_tenant_statements(tenant: &NewTenant<'_>) -> Vec<Statement> {
    let row = Statement::new(
        "insert into tenants (id, display_name, cloud, country, settings, created_seq)
         values (?, ?, ?, ?, ?, (select coalesce(max(created_seq), 0) + 1 from tenants))",
    )
    .bind(tenant.id)
    .bind(tenant.display_name)
    .bind(tenant.cloud)
    .bind(tenant.country)
    .bind(tenant.settings);
    let domains = tenant.domains.iter().enumerate().map(|(position, domain)| {
        Statement::new(
            "insert into tenant_domains (tenant_id, name, is_initial, position) values (?, ?, ?, ?)",
        )
        .bind(tenant.id)
        .bind(domain)
        .bind(position == 0)
        .bind(position as i64)
    });
    std::iter::once(row).chain(domains).collect()
}

/// Finds a tenant by id (GUID, any case) or else by one of its verified domains (any case).
/// The id wins: a domain can never make a key name a tenant other than the one with that id
/// (fixtures refuse GUID domains, but a database written before that rule may hold one).
pub async fn resolve_tenant(
    conn: &mut SqliteConnection,
    key: &str,
) -> sqlx::Result<Option<TenantRow>> {
    let by_id: Option<TenantRow> = sqlx::query_as(
        "select id, display_name, cloud, country, settings from tenants where id = lower(?1)",
    )
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    if by_id.is_some() {
        return Ok(by_id);
    }
    sqlx::query_as(
        "select t.id, t.display_name, t.cloud, t.country, t.settings
         from tenant_domains d join tenants t on t.id = d.tenant_id
         where d.name = ?1",
    )
    .bind(key)
    .fetch_optional(conn)
    .await
}

/// The tenant holding a verified domain (compared case-insensitively), if any.
pub async fn domain_owner(
    conn: &mut SqliteConnection,
    domain: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("select tenant_id from tenant_domains where name = ?")
        .bind(domain)
        .fetch_optional(conn)
        .await
}

/// The tenant's cloud (`public`, `usgov`, …), or `None` when there is no such tenant.
pub async fn tenant_cloud(
    conn: &mut SqliteConnection,
    tenant: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("select cloud from tenants where id = ?")
        .bind(tenant)
        .fetch_optional(conn)
        .await
}

pub async fn tenant_exists(conn: &mut SqliteConnection, tenant: &str) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("select 1 from tenants where id = ?")
        .bind(tenant)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

pub async fn list_tenants(conn: &mut SqliteConnection) -> sqlx::Result<Vec<TenantRow>> {
    sqlx::query_as(
        "select id, display_name, cloud, country, settings from tenants order by created_seq",
    )
    .fetch_all(conn)
    .await
}

/// The tenant's verified domains, initial domain first.
pub async fn tenant_domains(
    conn: &mut SqliteConnection,
    tenant: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("select name from tenant_domains where tenant_id = ? order by position")
        .bind(tenant)
        .fetch_all(conn)
        .await
}

/// Deletes a tenant and everything in it; whether it was there.
pub async fn delete_tenant(conn: &mut SqliteConnection, tenant: &str) -> sqlx::Result<bool> {
    // Grants, credentials and assignments reference objects; objects reference the tenant.
    // One query: each statement alone was a round trip to the connection's worker thread.
    // Delta tokens issued before this point must not be answered from a log that lost its
    // past: the log restarts with a `reset` entry.
    // The tenant's undo log stops first: its rows' deletion is not a change to put back.
    static SCRIPT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let script =
        SCRIPT.get_or_init(|| format!("{}{DELETE_TENANT}", super::undo::forget_statements()));
    // Table names from constants; the tenant is bound.
    let gone: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(script.as_str()))
        .bind(tenant)
        .bind(super::changes::Change::Reset.as_str())
        .fetch_all(conn)
        .await?;
    Ok(!gone.is_empty())
}

/// Restarts tenant `?1`'s change log with a `?2` (reset) entry: delta tokens issued before
/// must not be answered from a log that lost its past. A macro, so both scripts below are
/// literals.
macro_rules! restart_change_log {
    () => {
        "delete from directory_changes where tenant_id = ?1;
         insert into directory_changes (tenant_id, object_id, kind, change) values (?1, ?1, 'tenant', ?2)"
    };
}

/// Deletes tenant `?1`'s rows (children first) and restarts its change log with a `?2` entry.
const DELETE_TENANT: &str = concat!(
    "delete from linkedin_user_state where tenant_id = ?1;
         delete from linkedin_connections where tenant_id = ?1;
         delete from linkedin_profiles where tenant_id = ?1;
         delete from oauth2_permission_grants where tenant_id = ?1;
         delete from app_role_assignments where tenant_id = ?1;
         delete from app_credentials where tenant_id = ?1;
         delete from applications where tenant_id = ?1;
         delete from directory_links where tenant_id = ?1;
         delete from memberships where tenant_id = ?1;
         delete from directory_role_members where tenant_id = ?1;
         delete from directory_objects where tenant_id = ?1;
         delete from tenant_domains where tenant_id = ?1;
         delete from tenants where id = ?1 returning 1;
         ",
    restart_change_log!()
);

/// After a tenant's rows were put back from its undo log: its name, cloud, country and
/// settings as the seed says, and its change log restarted, as a reload does.
pub async fn restore_tenant_row(
    conn: &mut SqliteConnection,
    tenant: &NewTenant<'_>,
) -> sqlx::Result<()> {
    sqlx::query(concat!(
        "update tenants set display_name = ?3, cloud = ?4, country = ?5, settings = ?6 where id = ?1;",
        restart_change_log!()
    ))
    .bind(tenant.id)
    .bind(super::changes::Change::Reset.as_str())
    .bind(tenant.display_name)
    .bind(tenant.cloud)
    .bind(tenant.country)
    .bind(tenant.settings)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_settings(
    conn: &mut SqliteConnection,
    tenant: &str,
    settings: &str,
) -> sqlx::Result<()> {
    sqlx::query("update tenants set settings = ? where id = ?")
        .bind(settings)
        .bind(tenant)
        .execute(conn)
        .await?;
    Ok(())
}
