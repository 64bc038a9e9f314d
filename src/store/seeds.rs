//! Persisted tenant seeds: the fixture document (digests only, never clear secrets) that a
//! tenant created at run time resets to, kept with the database so it survives a restart.

use sqlx::SqliteConnection;

/// Stores (or replaces) a tenant's seed document.
pub async fn save_seed(
    conn: &mut SqliteConnection,
    tenant: &str,
    document: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into tenant_seeds (tenant_id, document) values (?, ?)
         on conflict (tenant_id) do update set document = excluded.document",
    )
    .bind(tenant)
    .bind(document)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_seed(conn: &mut SqliteConnection, tenant: &str) -> sqlx::Result<()> {
    sqlx::query("delete from tenant_seeds where tenant_id = ?")
        .bind(tenant)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every persisted seed: (tenant id, document).
pub async fn all_seeds(conn: &mut SqliteConnection) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("select tenant_id, document from tenant_seeds order by tenant_id")
        .fetch_all(conn)
        .await
}
