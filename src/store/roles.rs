//! Activated directory roles and their holders. A role is activated when a `directoryRole` row
//! exists in `directory_objects`; who holds it lives in `directory_role_members` (by template
//! id), the table behind the `wids` claim, which stays the one source of role membership.
//! See <https://learn.microsoft.com/graph/api/resources/directoryrole>.

use sqlx::SqliteConnection;

use super::load::NewRows;
use super::objects::{self, Kind, ObjectRow, ObjectWrite};

/// The object id of the activated role for `template` in `tenant`: derived from both, so a
/// reset, a snapshot import or a second tenant always gives the same role the same id (and
/// two tenants never share one).
pub fn role_object_id(tenant: &str, template: &str) -> String {
    crate::builtin::derived_id(
        tenant,
        &format!("directoryRole/{}", template.to_ascii_lowercase()),
    )
}

/// Activates `template` (with Graph's display name and description) unless it already is;
/// returns the role's object id and whether this call created it.
pub async fn activate(
    conn: &mut SqliteConnection,
    tenant: &str,
    template: &str,
) -> sqlx::Result<(String, bool)> {
    let id = role_object_id(tenant, template);
    if objects::get_by_kind(conn, tenant, Kind::DirectoryRole, &id)
        .await?
        .is_some()
    {
        return Ok((id, false));
    }
    let (display_name, data) = role_document(template);
    objects::insert_object(conn, tenant, &role_write(&id, &display_name, &data), None).await?;
    Ok((id, true))
}

/// Queues the role object of `template` on a new tenant's rows (none of its roles is active
/// yet, so there is nothing to check).
pub fn activate_new(rows: &mut NewRows, tenant: &str, template: &str) {
    let id = role_object_id(tenant, template);
    let (display_name, data) = role_document(template);
    rows.object(&role_write(&id, &display_name, &data));
}

/// The activated role's display name and document (Graph's name and description).
fn role_document(template: &str) -> (String, String) {
    let display_name = crate::roles::display_name(template).unwrap_or(template);
    let data = serde_json::json!({
        "deletedDateTime": null,
        "description": crate::roles::description(template),
        "displayName": display_name,
        "roleTemplateId": template,
    })
    .to_string();
    (display_name.to_owned(), data)
}

fn role_write<'a>(id: &'a str, display_name: &'a str, data: &'a str) -> ObjectWrite<'a> {
    ObjectWrite {
        id,
        kind: Kind::DirectoryRole,
        display_name: Some(display_name),
        user_principal_name: None,
        app_id: None,
        data,
    }
}

/// The template ids of the roles activated in `tenant`.
pub async fn activated_templates(
    conn: &mut SqliteConnection,
    tenant: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "select json_extract(data, '$.roleTemplateId') from directory_objects
         where tenant_id = ? and kind = 'directoryRole' order by seq",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await
}

/// The objects holding `template`, in the order they were assigned.
pub async fn holders(
    conn: &mut SqliteConnection,
    tenant: &str,
    template: &str,
) -> sqlx::Result<Vec<ObjectRow>> {
    sqlx::query_as(
        "select o.id, o.kind, o.display_name, o.user_principal_name, o.app_id, o.data, o.seq
         from directory_role_members r
         join directory_objects o on o.tenant_id = r.tenant_id and o.id = r.member_id
         where r.tenant_id = ? and r.role_template_id = ? order by r.rowid",
    )
    .bind(tenant)
    .bind(template)
    .fetch_all(conn)
    .await
}

/// Whether `member` holds `template`.
pub async fn holds(
    conn: &mut SqliteConnection,
    tenant: &str,
    template: &str,
    member: &str,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "select 1 from directory_role_members
         where tenant_id = ? and role_template_id = ? and member_id = lower(?)",
    )
    .bind(tenant)
    .bind(template)
    .bind(member)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Takes `template` away from `member`; false if it did not hold it.
pub async fn remove_holder(
    conn: &mut SqliteConnection,
    tenant: &str,
    template: &str,
    member: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "delete from directory_role_members
         where tenant_id = ? and role_template_id = ? and member_id = lower(?)",
    )
    .bind(tenant)
    .bind(template)
    .bind(member)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}
