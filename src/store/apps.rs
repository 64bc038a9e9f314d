//! Applications, their credentials, app-role assignments and oauth2PermissionGrants.

use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteConnection};

use super::batch::{Batch, Statement};
use super::filter_sql;
use super::objects::{ListError, ObjectRow};
use crate::odata::Filter;

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

/// Whether some tenant registers an application with this appId (a registration, or an
/// application object created through Graph that has no service principal yet). A fixture's
/// appIds are its own (the first-party clients every tenant has are refused by validation); a
/// second tenant's app with the same appId could answer for the first's on `/common`.
pub async fn app_id_taken(conn: &mut SqliteConnection, app_id: &str) -> sqlx::Result<bool> {
    super::app_registrations::app_id_in_use(conn, app_id).await
}

/// A stored credential of an application.
#[derive(Debug, Clone, FromRow)]
pub struct CredentialRow {
    pub kind: String,
    pub secret_digest: Option<String>,
    pub certificate_pem: Option<String>,
    pub thumbprint_sha1: Option<String>,
    pub thumbprint_sha256: Option<String>,
    /// Graph's passwordCredential metadata (null for fixture secrets: see `app_objects`).
    pub key_id: Option<String>,
    pub display_name: Option<String>,
    pub hint: Option<String>,
    pub start_date_time: Option<String>,
    pub end_date_time: Option<String>,
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

pub async fn credentials(
    conn: &mut SqliteConnection,
    tenant: &str,
    app_id: &str,
) -> sqlx::Result<Vec<CredentialRow>> {
    sqlx::query_as(
        "select kind, secret_digest, certificate_pem, thumbprint_sha1, thumbprint_sha256,
                key_id, display_name, hint, start_date_time, end_date_time
         from app_credentials where tenant_id = ? and app_id = ? order by rowid",
    )
    .bind(tenant)
    .bind(app_id)
    .fetch_all(conn)
    .await
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

/// Queues many grants (fixture loading); one whose id or key the tenant already holds is
/// skipped.
pub async fn insert_grants(
    batch: &mut Batch<'_>,
    tenant: &str,
    grants: &[GrantRow],
) -> sqlx::Result<()> {
    let rows = grant_rows(grants);
    super::insert_json_rows(batch, INSERT_GRANTS, Some(LAST_GRANT_SEQ), tenant, &rows).await
}

/// [`insert_grants`] run at once (after what `batch` queued), saying how many were new.
pub async fn insert_grants_counted(
    batch: &mut Batch<'_>,
    tenant: &str,
    grants: &[GrantRow],
) -> sqlx::Result<u64> {
    let conn = batch.conn().await?;
    let mut inserted = 0;
    // Each chunk reads the last seq itself: the grants' sequence index is never set aside.
    for chunk in grant_rows(grants).chunks(super::JSON_ROWS_CHUNK) {
        let rows = super::jsonb::to_vec(chunk).map_err(|e| sqlx::Error::Encode(e.into()))?;
        let done = Statement::new(INSERT_GRANTS)
            .bind(tenant)
            .bind(None::<i64>)
            .bind(super::batch::Value::Blob(rows))
            .execute(&mut *conn)
            .await?;
        inserted += done.rows_affected();
    }
    Ok(inserted)
}

const INSERT_GRANTS: &str = "insert into oauth2_permission_grants (tenant_id, id, client_id, consent_type, principal_id, resource_id, scope, seq)
     select ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
        coalesce(?2, (select coalesce(max(seq), 0) from oauth2_permission_grants where tenant_id = ?1)) + key + 1
     from jsonb_each(?3) where true
     on conflict do nothing";
const LAST_GRANT_SEQ: &str =
    "select coalesce(max(seq), 0) from oauth2_permission_grants where tenant_id = ?";

type GrantJsonRow<'a> = (
    &'a String,
    &'a String,
    &'a String,
    &'a Option<String>,
    &'a String,
    &'a String,
);

fn grant_rows(grants: &[GrantRow]) -> Vec<GrantJsonRow<'_>> {
    grants
        .iter()
        .map(|g| {
            (
                &g.id,
                &g.client_id,
                &g.consent_type,
                &g.principal_id,
                &g.resource_id,
                &g.scope,
            )
        })
        .collect()
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

/// Every application of a tenant, in service-principal creation order.
pub async fn list_applications(
    conn: &mut SqliteConnection,
    tenant: &str,
) -> sqlx::Result<Vec<ApplicationRow>> {
    sqlx::query_as(
        "select a.app_id, a.service_principal_id, a.public_client, a.redirect_uris, o.display_name
         from applications a join directory_objects o on o.tenant_id = a.tenant_id and o.id = a.service_principal_id
         where a.tenant_id = ? order by o.seq",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await
}

/// Every delegated grant of a tenant, in creation order.
pub async fn all_grants(conn: &mut SqliteConnection, tenant: &str) -> sqlx::Result<Vec<GrantRow>> {
    sqlx::query_as(
        "select id, client_id, consent_type, principal_id, resource_id, scope
         from oauth2_permission_grants where tenant_id = ? order by seq",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await
}

/// Which grants a list reads.
#[derive(Debug, Clone, Copy)]
pub enum GrantScope<'a> {
    /// Every grant of the tenant (`GET /oauth2PermissionGrants`).
    All,
    /// Grants whose client is this service principal.
    Client(&'a str),
    /// This user's own `Principal` grants (`AllPrincipals` grants are left out, as in Graph).
    Principal(&'a str),
}

/// One page request over grants, in creation order.
pub struct GrantQuery<'a> {
    pub scope: GrantScope<'a>,
    pub filter: Option<&'a Filter>,
    /// The `seq` of the last grant of the previous page.
    pub after: Option<i64>,
    pub limit: u32,
}

#[derive(Debug, FromRow)]
struct ListedGrant {
    #[sqlx(flatten)]
    grant: GrantRow,
    seq: i64,
}

/// Maps an oauth2PermissionGrant property to its column (the OData model whitelists them).
fn grant_column(property: &str) -> Option<String> {
    Some(
        match property {
            "id" => "g.id",
            "clientId" => "g.client_id",
            "consentType" => "g.consent_type",
            "principalId" => "g.principal_id",
            "resourceId" => "g.resource_id",
            "scope" => "g.scope",
            _ => return None,
        }
        .to_owned(),
    )
}

fn push_grant_conditions(
    builder: &mut QueryBuilder<Sqlite>,
    tenant: &str,
    query: &GrantQuery<'_>,
) -> Result<(), String> {
    builder.push(" from oauth2_permission_grants g where g.tenant_id = ");
    builder.push_bind(tenant.to_owned());
    match query.scope {
        GrantScope::All => {}
        GrantScope::Client(client) => {
            builder.push(" and g.client_id = ");
            builder.push_bind(client.to_ascii_lowercase());
        }
        GrantScope::Principal(user) => {
            builder.push(" and g.consent_type = 'Principal' and g.principal_id = ");
            builder.push_bind(user.to_ascii_lowercase());
        }
    }
    if let Some(filter) = query.filter {
        let fragment = filter_sql::filter_to_sql(filter, &grant_column)?;
        builder.push(" and (");
        super::object_lists::push_binds(builder, &fragment.sql, fragment.binds);
        builder.push(")");
    }
    Ok(())
}

/// One page of grants and the `seq` to continue after when more may follow.
pub async fn list_grants(
    conn: &mut SqliteConnection,
    tenant: &str,
    query: &GrantQuery<'_>,
) -> Result<(Vec<GrantRow>, Option<i64>), ListError> {
    let mut builder = QueryBuilder::<Sqlite>::new(
        "select g.id, g.client_id, g.consent_type, g.principal_id, g.resource_id, g.scope, g.seq",
    );
    push_grant_conditions(&mut builder, tenant, query).map_err(ListError::Query)?;
    if let Some(after) = query.after {
        builder.push(" and g.seq > ");
        builder.push_bind(after);
    }
    builder.push(" order by g.seq limit ");
    builder.push_bind(i64::from(query.limit) + 1);
    let mut rows: Vec<ListedGrant> = builder.build_query_as().fetch_all(conn).await?;
    let more = rows.len() > query.limit as usize;
    rows.truncate(query.limit as usize);
    let next = rows.last().filter(|_| more).map(|last| last.seq);
    Ok((rows.into_iter().map(|r| r.grant).collect(), next))
}

/// How many grants the list would return over all its pages.
pub async fn count_grants(
    conn: &mut SqliteConnection,
    tenant: &str,
    query: &GrantQuery<'_>,
) -> Result<i64, ListError> {
    let mut builder = QueryBuilder::<Sqlite>::new("select count(*)");
    push_grant_conditions(&mut builder, tenant, query).map_err(ListError::Query)?;
    Ok(builder.build_query_scalar().fetch_one(conn).await?)
}

/// An app-role assignment with the display names Graph returns alongside it.
#[derive(Debug, Clone, FromRow)]
pub struct AssignmentRow {
    pub id: String,
    pub app_role_id: String,
    pub created_date_time: String,
    pub principal_id: String,
    pub principal_display_name: Option<String>,
    pub principal_kind: Option<String>,
    pub resource_id: String,
    pub resource_display_name: Option<String>,
}

/// Assignments where `object` is the resource (`appRoleAssignedTo`) or the principal
/// (`appRoleAssignments`).
pub async fn app_role_assignments(
    conn: &mut SqliteConnection,
    tenant: &str,
    object: &str,
    as_resource: bool,
) -> sqlx::Result<Vec<AssignmentRow>> {
    sqlx::query_as(
        "select a.id, a.app_role_id, a.created_date_time, a.principal_id,
                p.display_name as principal_display_name, p.kind as principal_kind,
                a.resource_id, r.display_name as resource_display_name
         from app_role_assignments a
         left join directory_objects p on p.tenant_id = a.tenant_id and p.id = a.principal_id
         left join directory_objects r on r.tenant_id = a.tenant_id and r.id = a.resource_id
         where a.tenant_id = ?1 and (case when ?3 then a.resource_id else a.principal_id end) = lower(?2)
         order by a.created_date_time, a.id",
    )
    .bind(tenant)
    .bind(object)
    .bind(as_resource)
    .fetch_all(conn)
    .await
}

/// A service principal of `tenant` by its application id (any case).
pub async fn service_principal_by_app_id(
    conn: &mut SqliteConnection,
    tenant: &str,
    app_id: &str,
) -> sqlx::Result<Option<ObjectRow>> {
    sqlx::query_as(
        "select o.id, o.kind, o.display_name, o.user_principal_name, o.app_id, o.data, o.seq
         from directory_objects o
         where o.tenant_id = ? and o.kind = 'servicePrincipal' and lower(o.app_id) = lower(?)",
    )
    .bind(tenant)
    .bind(app_id)
    .fetch_optional(conn)
    .await
}
