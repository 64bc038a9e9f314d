//! Directory extensions (`extension_properties`): the extensionProperty objects registered on
//! application objects, by application and by name.

use sqlx::SqliteConnection;

/// One stored extensionProperty.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExtensionRow {
    pub id: String,
    pub application_id: String,
    pub name: String,
    /// Graph's properties other than `id` and `appDisplayName`, as JSON.
    pub data: String,
}

/// The extensions of one application, in creation order.
pub async fn of_application(
    conn: &mut SqliteConnection,
    tenant: &str,
    application: &str,
) -> sqlx::Result<Vec<ExtensionRow>> {
    sqlx::query_as(
        "select id, application_id, name, data from extension_properties
         where tenant_id = ? and application_id = ? order by seq",
    )
    .bind(tenant)
    .bind(application)
    .fetch_all(conn)
    .await
}

/// Every extension of the tenant, in creation order.
pub async fn all(conn: &mut SqliteConnection, tenant: &str) -> sqlx::Result<Vec<ExtensionRow>> {
    sqlx::query_as(
        "select id, application_id, name, data from extension_properties
         where tenant_id = ? order by seq",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await
}

/// Whether an extension of this name (any case) exists in the tenant.
pub async fn name_taken(
    conn: &mut SqliteConnection,
    tenant: &str,
    name: &str,
) -> sqlx::Result<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("select 1 from extension_properties where tenant_id = ? and name = ?")
            .bind(tenant)
            .bind(name)
            .fetch_optional(conn)
            .await?;
    Ok(found.is_some())
}

/// Stores a new extension.
pub async fn insert(
    conn: &mut SqliteConnection,
    tenant: &str,
    row: &ExtensionRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into extension_properties (tenant_id, id, application_id, name, data, seq)
         values (?1, ?2, ?3, ?4, ?5,
                 (select coalesce(max(seq), 0) + 1 from extension_properties where tenant_id = ?1))",
    )
    .bind(tenant)
    .bind(&row.id)
    .bind(&row.application_id)
    .bind(&row.name)
    .bind(&row.data)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes one extension of an application; whether it was there.
pub async fn delete(
    conn: &mut SqliteConnection,
    tenant: &str,
    application: &str,
    id: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "delete from extension_properties where tenant_id = ? and application_id = ? and id = ?",
    )
    .bind(tenant)
    .bind(application)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}
