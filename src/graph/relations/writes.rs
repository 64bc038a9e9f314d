//! The `$ref` writes of every declared relationship: `POST …/{nav}/$ref` and
//! `DELETE …/{nav}/{id}/$ref` on collections (group-post-members, group-delete-members,
//! group-post-owners, group-delete-owners, serviceprincipal-post-owners,
//! serviceprincipal-delete-owners), `PUT`/`DELETE …/manager/$ref` (user-post-manager,
//! user-delete-manager).

use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::serve::Context;
use super::{Op, Relationship, Source, Storage};
use crate::entities::group::Group;
use crate::error::{GraphError, Result};
use crate::graph::members::{already_member, check_can_add, object_id_of_url};
use crate::protocol::wire;
use crate::store::{self, objects::Kind};

/// POST / PUT / DELETE handlers of every relationship.
pub async fn write(
    rel: &'static Relationship,
    source: Source,
    op: Op,
    ctx: Context,
    body: Option<serde_json::Map<String, Value>>,
) -> Response {
    match write_inner(rel, source, op, &ctx, body).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

/// The object id an `{"@odata.id": "…/directoryObjects/{id}"}` body names.
fn reference(body: Option<&serde_json::Map<String, Value>>) -> Result<String> {
    let url = body
        .and_then(|b| b.get("@odata.id"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            GraphError::bad_request("The request body must contain an '@odata.id' reference.")
        })?;
    object_id_of_url(url)
        .ok_or_else(|| GraphError::bad_request(format!("Invalid object identifier '{url}'.")))
}

fn parse_group(row: &store::objects::ObjectRow) -> Result<Group> {
    serde_json::from_str(&row.data).map_err(GraphError::internal)
}

async fn write_inner(
    rel: &'static Relationship,
    source: Source,
    op: Op,
    ctx: &Context,
    body: Option<serde_json::Map<String, Value>>,
) -> Result<Response> {
    let permission = rel.write.ok_or_else(|| {
        GraphError::internal(anyhow::anyhow!("a write on a read-only relationship"))
    })?;
    let me = if source == Source::Me {
        Some(crate::graph::users::me(&ctx.caller)?.to_owned())
    } else {
        None
    };
    ctx.caller.require(permission)?;
    // Read the body's reference before touching the store: a bad body changes nothing.
    let target = match op {
        Op::RefAdd => Some(reference(body.as_ref())?),
        _ => None,
    };
    let tenant = &ctx.caller.tenant;
    let mut tx = ctx.state.db.begin_write().await?;
    let key = ctx.params.first().cloned().unwrap_or_default();
    let row = match (me, source) {
        (Some(me), _) => store::objects::get_by_kind(&mut tx, tenant, Kind::User, &me).await?,
        (None, Source::Users) => store::objects::get_user(&mut tx, tenant, &key).await?,
        (None, source) => match source.kind() {
            Some(kind) => store::objects::get_by_kind(&mut tx, tenant, kind, &key).await?,
            None => None,
        },
    }
    .ok_or_else(|| GraphError::not_found(&key))?;
    let segment = ctx.segments(source).first().cloned().unwrap_or_default();
    match (rel.storage, op) {
        (Storage::Members { .. }, Op::RefAdd) => {
            let member = target.unwrap_or_default();
            let group = parse_group(&row)?;
            check_can_add(&mut tx, tenant, &row.id, &group, &member).await?;
            if !store::members::add_member(&mut tx, tenant, &row.id, &member).await? {
                return Err(already_member());
            }
        }
        (Storage::Members { .. }, Op::RefRemove) => {
            if parse_group(&row)?.is_dynamic() {
                return Err(GraphError::forbidden());
            }
            let member = segment.to_ascii_lowercase();
            if !store::members::remove_member(&mut tx, tenant, &row.id, &member).await? {
                return Err(missing_reference(ctx, rel, &segment));
            }
        }
        (
            Storage::Link {
                kind,
                reverse: false,
            },
            Op::RefAdd,
        ) => {
            let target = target.unwrap_or_default();
            let object = store::objects::get_object(&mut tx, tenant, &target)
                .await?
                .ok_or_else(|| GraphError::not_found(&target))?;
            if !rel.targets.contains(&object.kind()) {
                // Divergence: Graph's text for a reference of the wrong type is not captured.
                return Err(GraphError::request_bad_request(format!(
                    "A {} cannot be added to '{}'.",
                    object.kind().as_str(),
                    rel.navigation
                )));
            }
            if rel.single {
                if object.id == row.id {
                    // Divergence: Graph's text for a user named as their own manager is not captured.
                    return Err(GraphError::request_bad_request(
                        "A user cannot be their own manager.",
                    ));
                }
                store::links::set_single(&mut tx, tenant, kind, &row.id, &object.id).await?;
            } else if !store::links::add(&mut tx, tenant, kind, &row.id, &object.id).await? {
                return Err(GraphError::request_bad_request(format!(
                    "One or more added object references already exist for the following modified properties: '{}'.",
                    rel.navigation
                )));
            }
        }
        (
            Storage::Link {
                kind,
                reverse: false,
            },
            Op::RefRemove,
        ) => {
            if rel.single {
                if !store::links::remove(&mut tx, tenant, kind, &row.id, None).await? {
                    return Err(GraphError::not_found(rel.navigation));
                }
            } else {
                let owner = segment.to_ascii_lowercase();
                let current = store::links::targets(&mut tx, tenant, kind, &row.id).await?;
                if !current.contains(&owner) {
                    return Err(missing_reference(ctx, rel, &segment));
                }
                if rel.keeps_last && current.len() == 1 {
                    // group-delete-owners: "the last owner of the group cannot be removed".
                    return Err(GraphError::request_bad_request(
                        "The group must have at least one owner, hence this owner cannot be removed.",
                    ));
                }
                store::links::remove(&mut tx, tenant, kind, &row.id, Some(&owner)).await?;
            }
        }
        _ => {
            return Err(GraphError::internal(anyhow::anyhow!(
                "no such write on this relationship"
            )));
        }
    }
    tx.commit().await?;
    Ok(wire::no_content())
}

/// A removal of a reference that is not there.
fn missing_reference(ctx: &Context, rel: &Relationship, id: &str) -> GraphError {
    // Divergence: Graph answers this case with either 400 or 404 (graph-contract D5);
    // `--remove-missing-member-404` picks the 404.
    if ctx.state.settings.remove_missing_member_404 {
        GraphError::not_found(id)
    } else {
        GraphError::request_bad_request(format!(
            "One or more removed object references do not exist for the following modified properties: '{}'.",
            rel.navigation
        ))
    }
}

/// Applies `owners@odata.bind` of `POST /groups` inside the creating transaction: each owner
/// must exist and be a user or service principal.
pub async fn bind_owners(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    group: &str,
    owners: &[String],
) -> Result<()> {
    for owner in owners {
        let object = store::objects::get_object(conn, tenant, owner)
            .await?
            .ok_or_else(|| GraphError::not_found(owner))?;
        if !matches!(object.kind(), Kind::User | Kind::ServicePrincipal) {
            return Err(GraphError::request_bad_request(format!(
                "A {} cannot be added to 'owners'.",
                object.kind().as_str()
            )));
        }
        store::links::add(
            conn,
            tenant,
            store::links::LinkKind::Owner,
            group,
            &object.id,
        )
        .await?;
    }
    Ok(())
}
