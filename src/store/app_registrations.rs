//! Application objects (`kind = 'application'`) and their password credentials: lookups by
//! appId or uniqueName, appIds across tenants, secrets added and removed by `keyId`.

use sqlx::SqliteConnection;

use super::objects::ObjectRow;

/// The application object of `tenant` with this appId (any case).
pub async fn application_by_app_id(
    conn: &mut SqliteConnection,
    tenant: &str,
    app_id: &str,
) -> sqlx::Result<Option<ObjectRow>> {
    sqlx::query_as(
        "select o.id, o.kind, o.display_name, o.user_principal_name, o.app_id, o.data, o.seq
         from directory_objects o
         where o.tenant_id = ? and o.kind = 'application' and o.app_id = ?",
    )
    .bind(tenant)
    .bind(app_id)
    .fetch_optional(conn)
    .await
}

/// The application object of `tenant` with this `uniqueName` (case-insensitive, as Graph's
/// alternate keys are).
pub async fn application_by_unique_name(
    conn: &mut SqliteConnection,
    tenant: &str,
    unique_name: &str,
) -> sqlx::Result<Option<ObjectRow>> {
    sqlx::query_as(
        "select o.id, o.kind, o.display_name, o.user_principal_name, o.app_id, o.data, o.seq
         from directory_objects o
         where o.tenant_id = ? and o.kind = 'application'
           and lower(json_extract(o.data, '$.uniqueName')) = lower(?)",
    )
    .bind(tenant)
    .bind(unique_name)
    .fetch_optional(conn)
    .await
}

/// Whether any tenant holds this appId: an application object, a service principal or a
/// registration. A new application's appId must be free everywhere, so that a `client_id`
/// names one tenant's app.
pub async fn app_id_in_use(conn: &mut SqliteConnection, app_id: &str) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "select 1 from directory_objects where app_id = ?1
         union all select 1 from applications where app_id = ?1 limit 1",
    )
    .bind(app_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// A new password credential: the secret's digest and Graph's metadata.
pub struct PasswordWrite<'a> {
    pub digest: &'a str,
    pub key_id: &'a str,
    pub display_name: Option<&'a str>,
    pub hint: Option<&'a str>,
    pub start_date_time: Option<&'a str>,
    pub end_date_time: Option<&'a str>,
}

pub async fn add_password(
    conn: &mut SqliteConnection,
    tenant: &str,
    app_id: &str,
    password: &PasswordWrite<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into app_credentials
            (tenant_id, app_id, kind, secret_digest, key_id, display_name, hint, start_date_time, end_date_time)
         values (?, ?, 'secret', ?, ?, ?, ?, ?, ?)",
    )
    .bind(tenant)
    .bind(app_id)
    .bind(password.digest)
    .bind(password.key_id)
    .bind(password.display_name)
    .bind(password.hint)
    .bind(password.start_date_time)
    .bind(password.end_date_time)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes the secret with this `keyId` (any case); whether there was one.
pub async fn remove_password(
    conn: &mut SqliteConnection,
    tenant: &str,
    app_id: &str,
    key_id: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "delete from app_credentials
         where tenant_id = ? and app_id = ? and kind = 'secret' and lower(key_id) = lower(?)",
    )
    .bind(tenant)
    .bind(app_id)
    .bind(key_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Every credential of an application (when the application object is deleted).
pub async fn delete_credentials(
    conn: &mut SqliteConnection,
    tenant: &str,
    app_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("delete from app_credentials where tenant_id = ? and app_id = ?")
        .bind(tenant)
        .bind(app_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Updates the token endpoint's registration of `app_id`, if it has one (a service principal).
pub async fn update_registration(
    conn: &mut SqliteConnection,
    tenant: &str,
    app_id: &str,
    public_client: bool,
    redirect_uris: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "update applications set public_client = ?, redirect_uris = ? where tenant_id = ? and app_id = ?",
    )
    .bind(public_client)
    .bind(redirect_uris)
    .bind(tenant)
    .bind(app_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Application objects of a tenant with their appIds, in creation order (snapshots).
pub async fn application_objects(
    conn: &mut SqliteConnection,
    tenant: &str,
) -> sqlx::Result<Vec<ObjectRow>> {
    sqlx::query_as(
        "select o.id, o.kind, o.display_name, o.user_principal_name, o.app_id, o.data, o.seq
         from directory_objects o where o.tenant_id = ? and o.kind = 'application' order by o.seq",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await
}

/// Whether another application of `tenant` lists this identifier URI (case-insensitive).
pub async fn identifier_uri_taken(
    conn: &mut SqliteConnection,
    tenant: &str,
    uri: &str,
    except_id: &str,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "select 1 from directory_objects o, json_each(o.data, '$.identifierUris') u
         where o.tenant_id = ? and o.kind = 'application' and o.id <> ?
           and lower(u.value) = lower(?) limit 1",
    )
    .bind(tenant)
    .bind(except_id)
    .bind(uri)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}
