//! `DELETE /directoryObjects/{id}`: deletes a user, group, application or service principal
//! whatever its kind, with the permission of that kind's own delete. See
//! <https://learn.microsoft.com/graph/api/directoryobject-delete>.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::auth::{Caller, permissions};
use crate::error::{GraphError, Result};
use crate::protocol::wire;
use crate::state::AppState;
use crate::store::{self, objects::Kind};

/// DELETE /directoryObjects/{id} — 204; an absent id → 404. Permissions: any of
/// `permissions::DIRECTORY_OBJECT_DELETE` to look the object up (so an unknown id is the same
/// 403 without one), then its kind's: users `USERS_DELETE`, groups `GROUPS_WRITE`,
/// applications `APPLICATIONS_WRITE`, service principals `SERVICE_PRINCIPALS_WRITE`.
// Divergence: Graph moves the object to deleted items for 30 days; tenantsim deletes it (D15).
pub async fn delete_directory_object(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response> {
    caller.require(&permissions::DIRECTORY_OBJECT_DELETE)?;
    let tenant: &str = &caller.tenant;
    let mut tx = state.db.begin_write().await?;
    let row = store::objects::get_object(&mut tx, tenant, &id)
        .await?
        .ok_or_else(|| GraphError::not_found(&id))?;
    let kind = row.kind();
    match kind {
        Kind::User => caller.require(&permissions::USERS_DELETE)?,
        Kind::Group => caller.require(&permissions::GROUPS_WRITE)?,
        Kind::Application => caller.require(&permissions::APPLICATIONS_WRITE)?,
        Kind::ServicePrincipal => caller.require(&permissions::SERVICE_PRINCIPALS_WRITE)?,
        Kind::DirectoryRole => {
            // Divergence: directoryobject-delete names users, groups, applications and service
            // principals; Graph's answer for an activated directory role is not captured (D40).
            return Err(GraphError::request_bad_request(
                "A directoryRole cannot be deleted through directoryObjects.",
            ));
        }
    }
    let app_id = row.app_id.clone().unwrap_or_default();
    match kind {
        Kind::Application => {
            // As application-delete: the tenant's service principal and the secrets go with it.
            if let Some(sp) =
                store::apps::service_principal_by_app_id(&mut tx, tenant, &app_id).await?
            {
                store::objects::delete_object(&mut tx, tenant, &sp.id, Kind::ServicePrincipal)
                    .await?;
            }
            store::app_registrations::delete_credentials(&mut tx, tenant, &app_id).await?;
        }
        // As serviceprincipal-delete: only the service principal of an application registered
        // in the tenant; first-party ones carry token issuance.
        Kind::ServicePrincipal
            if store::app_registrations::application_by_app_id(&mut tx, tenant, &app_id)
                .await?
                .is_none() =>
        {
            return Err(GraphError::new(
                crate::error::ErrorCode::AuthorizationRequestDenied,
                "tenantsim does not let clients change or delete a first-party service principal.",
            ));
        }
        _ => {}
    }
    store::objects::delete_object(&mut tx, tenant, &row.id, kind).await?;
    tx.commit().await?;
    Ok(wire::no_content())
}
