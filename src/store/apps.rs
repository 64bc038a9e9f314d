//! Applications, their credentials, app-role assignments and oauth2PermissionGrants.

use sqlx::{FromRow, SqliteConnection};

/// A client application as the token endpoint sees it.
#[derive(Debug, Clone, FromRow)]
pub struct ApplicationRow {
    pub app_id: String,
    pub service_principal_id: String,
    pub public_client: bool,
    pub redirect_uris: String,
    pub display_name: Option<String>,
}

pub async fn insert_application(
    conn: &mut SqliteConnection,
    tenant: &str,
    app_id: &str,
    service_principal_id: &str,
    public_client: bool,
    redirect_uris: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into applications (tenant_id, app_id, service_principal_id, public_client, redirect_uris)
         values (?, ?, ?, ?, ?)",
    )
    .bind(tenant)
    .bind(app_id)
    .bind(service_principal_id)
    .bind(public_client)
    .bind(redirect_uris)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_application(
    conn: &mut SqliteConnection,
    tenant: &str,
    app_id: &str,
) -> sqlx::Result<Option<ApplicationRow>> {
    sqlx::query_as(
        "select a.app_id, a.service_principal_id, a.public_client, a.redirect_uris, o.display_name
         from applications a join directory_objects o on o.tenant_id = a.tenant_id and o.id = a.service_principal_id
         where a.tenant_id = ? and a.app_id = ?",
    )
    .bind(tenant)
    .bind(app_id)
    .fetch_optional(conn)
    .await
}

/// A stored credential of an application.
#[derive(Debug, Clone, FromRow)]
pub struct CredentialRow {
    pub kind: String,
    pub secret_digest: Option<String>,
    pub certificate_pem: Option<String>,
    pub thumbprint_sha1: Option<String>,
    pub thumbprint_sha256: Option<String>,
}

pub async fn add_secret(
    conn: &mut SqliteConnection,
    tenant: &str,
    app_id: &str,
    digest: &str,
) -> sqlx::Result<()> {
    sqlx::query("insert into app_credentials (tenant_id, app_id, kind, secret_digest) values (?, ?, 'secret', ?)")
        .bind(tenant)
        .bind(app_id)
        .bind(digest)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn add_certificate(
    conn: &mut SqliteConnection,
    tenant: &str,
    app_id: &str,
    pem: &str,
    sha1: &str,
    sha256: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into app_credentials (tenant_id, app_id, kind, certificate_pem, thumbprint_sha1, thumbprint_sha256)
         values (?, ?, 'certificate', ?, ?, ?)",
    )
    .bind(tenant)
    .bind(app_id)
    .bind(pem)
    .bind(sha1)
    .bind(sha256)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn credentials(
    conn: &mut SqliteConnection,
    tenant: &str,
    app_id: &str,
) -> sqlx::Result<Vec<CredentialRow>> {
    sqlx::query_as(
        "select kind, secret_digest, certificate_pem, thumbprint_sha1, thumbprint_sha256
         from app_credentials where tenant_id = ? and app_id = ? order by rowid",
    )
    .bind(tenant)
    .bind(app_id)
    .fetch_all(conn)
    .await
}

pub async fn assign_app_role(
    conn: &mut SqliteConnection,
    tenant: &str,
    id: &str,
    principal: &str,
    resource: &str,
    app_role: &str,
    created: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into app_role_assignments (tenant_id, id, principal_id, resource_id, app_role_id, created_date_time)
         values (?, ?, ?, ?, ?, ?)",
    )
    .bind(tenant)
    .bind(id)
    .bind(principal)
    .bind(resource)
    .bind(app_role)
    .bind(created)
    .execute(conn)
    .await?;
    Ok(())
}

/// App-role ids assigned to `principal` on `resource`.
pub async fn app_roles_of(
    conn: &mut SqliteConnection,
    tenant: &str,
    principal: &str,
    resource: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "select app_role_id from app_role_assignments where tenant_id = ? and principal_id = ? and resource_id = ?
         order by created_date_time, id",
    )
    .bind(tenant)
    .bind(principal)
    .bind(resource)
    .fetch_all(conn)
    .await
}

/// A delegated permission grant.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct GrantRow {
    pub id: String,
    pub client_id: String,
    pub consent_type: String,
    pub principal_id: Option<String>,
    pub resource_id: String,
    pub scope: String,
}

pub async fn insert_grant(
    conn: &mut SqliteConnection,
    tenant: &str,
    grant: &GrantRow,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "insert into oauth2_permission_grants (tenant_id, id, client_id, consent_type, principal_id, resource_id, scope, seq)
         values (?1, ?2, ?3, ?4, ?5, ?6, ?7,
            (select coalesce(max(seq), 0) + 1 from oauth2_permission_grants where tenant_id = ?1))
         on conflict do nothing",
    )
    .bind(tenant)
    .bind(&grant.id)
    .bind(&grant.client_id)
    .bind(&grant.consent_type)
    .bind(&grant.principal_id)
    .bind(&grant.resource_id)
    .bind(&grant.scope)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn update_grant_scope(
    conn: &mut SqliteConnection,
    tenant: &str,
    id: &str,
    scope: &str,
) -> sqlx::Result<bool> {
    let done =
        sqlx::query("update oauth2_permission_grants set scope = ? where tenant_id = ? and id = ?")
            .bind(scope)
            .bind(tenant)
            .bind(id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn delete_grant(
    conn: &mut SqliteConnection,
    tenant: &str,
    id: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query("delete from oauth2_permission_grants where tenant_id = ? and id = ?")
        .bind(tenant)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn get_grant(
    conn: &mut SqliteConnection,
    tenant: &str,
    id: &str,
) -> sqlx::Result<Option<GrantRow>> {
    sqlx::query_as(
        "select id, client_id, consent_type, principal_id, resource_id, scope
         from oauth2_permission_grants where tenant_id = ? and id = ?",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Grants that give `client` delegated access to `resource` for `user`: the user's own
/// `Principal` grant and any tenant-wide `AllPrincipals` grant.
pub async fn grants_for(
    conn: &mut SqliteConnection,
    tenant: &str,
    client: &str,
    resource: &str,
    user: &str,
) -> sqlx::Result<Vec<GrantRow>> {
    sqlx::query_as(
        "select id, client_id, consent_type, principal_id, resource_id, scope
         from oauth2_permission_grants
         where tenant_id = ? and client_id = ? and resource_id = ?
           and (consent_type = 'AllPrincipals' or principal_id = ?)
         order by seq",
    )
    .bind(tenant)
    .bind(client)
    .bind(resource)
    .bind(user)
    .fetch_all(conn)
    .await
}
