//! Directory extensions registered on an application: `GET`/`POST
//! /applications/{id}/extensionProperties`, `GET`/`DELETE …/extensionProperties/{id}`. See
//! <https://learn.microsoft.com/graph/api/resources/extensionproperty>,
//! application-list-extensionproperty, application-post-extensionproperty,
//! extensionproperty-get and extensionproperty-delete. A new extension is named
//! `extension_{appId without dashes}_{name}`, unique in the tenant.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::applications::{AppKey, load};
use crate::auth::{Caller, permissions};
use crate::directory_extensions::{MAX_NAME, check_definition, full_name, invalid};
use crate::error::{GraphError, Result};
use crate::protocol::request::JsonObject;
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::extensions::{self, ExtensionRow};
use crate::store::objects::ObjectRow;

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
        .route(
            "/applications/{key}/extensionProperties",
            get(list_extensions).post(create_extension),
        )
        .route(
            "/applications/{key}/extensionProperties/{extension}",
            get(get_extension).delete(delete_extension),
        )
}

/// An extension as Graph renders it.
fn render(row: &ExtensionRow, application: &ObjectRow) -> Map<String, Value> {
    let data: Map<String, Value> = serde_json::from_str(&row.data).unwrap_or_default();
    let app_name = serde_json::from_str::<Map<String, Value>>(&application.data)
        .ok()
        .and_then(|d| d.get("displayName").cloned())
        .unwrap_or(Value::Null);
    let mut out = Map::new();
    out.insert("id".into(), json!(row.id));
    out.insert("deletedDateTime".into(), Value::Null);
    out.insert("appDisplayName".into(), app_name);
    out.insert("name".into(), json!(row.name));
    for key in [
        "dataType",
        "isMultiValued",
        "isSyncedFromOnPremises",
        "targetObjects",
    ] {
        out.insert(key.into(), data.get(key).cloned().unwrap_or(Value::Null));
    }
    out
}

fn context(origin: &Origin, version: ApiVersion, application: &str, entity: bool) -> String {
    let path = format!("applications('{application}')/extensionProperties");
    wire::context_url(origin, version, &path, None, entity)
}

/// GET /applications/{id}/extensionProperties — application-list-extensionproperty.
/// Permissions: `permissions::APPLICATIONS_READ`.
async fn list_extensions(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    Path(key): Path<String>,
) -> Result<GraphJson> {
    caller.require(&permissions::APPLICATIONS_READ)?;
    let mut conn = state.db.pool.acquire().await?;
    let application = load(&mut conn, &caller.tenant, &AppKey::Id(key)).await?;
    let rows = extensions::of_application(&mut conn, &caller.tenant, &application.id).await?;
    let items = rows
        .iter()
        .map(|r| Value::Object(render(r, &application)))
        .collect();
    let context = context(&origin, version, &application.id, false);
    Ok(GraphJson(
        StatusCode::OK,
        wire::collection(context, None, None, items),
    ))
}

/// POST /applications/{id}/extensionProperties — application-post-extensionproperty: 201 with
/// the extension; a name the tenant already has → 400.
/// Permissions: `permissions::EXTENSIONS_WRITE`.
async fn create_extension(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    Path(key): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    caller.require(&permissions::EXTENSIONS_WRITE)?;
    let (short, data) = check_definition(&body)?;
    let tenant = &caller.tenant;
    let mut tx = state.db.begin_write().await?;
    let application = load(&mut tx, tenant, &AppKey::Id(key)).await?;
    let name = full_name(application.app_id.as_deref().unwrap_or_default(), &short);
    if name.len() > MAX_NAME {
        return Err(invalid("name"));
    }
    if extensions::name_taken(&mut tx, tenant, &name).await? {
        // Divergence: Graph's text for a name the tenant already has is not captured.
        return Err(GraphError::request_bad_request(format!(
            "An extension property with the name '{name}' already exists."
        )));
    }
    let row = ExtensionRow {
        id: Uuid::new_v4().to_string(),
        application_id: application.id.clone(),
        name,
        data: Value::Object(data).to_string(),
    };
    extensions::insert(&mut tx, tenant, &row).await?;
    tx.commit().await?;
    let context = context(&origin, version, &application.id, true);
    Ok(GraphJson(
        StatusCode::CREATED,
        wire::entity(context, render(&row, &application)),
    ))
}

/// The extension `id` of the application `key`, or Graph's 404.
async fn find(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    key: String,
    id: &str,
) -> Result<(ObjectRow, ExtensionRow)> {
    let application = load(conn, tenant, &AppKey::Id(key)).await?;
    let row = extensions::of_application(conn, tenant, &application.id)
        .await?
        .into_iter()
        .find(|r| r.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| GraphError::not_found(id))?;
    Ok((application, row))
}

/// GET /applications/{id}/extensionProperties/{id} — extensionproperty-get.
/// Permissions: `permissions::APPLICATIONS_READ`.
async fn get_extension(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    Path((key, id)): Path<(String, String)>,
) -> Result<GraphJson> {
    caller.require(&permissions::APPLICATIONS_READ)?;
    let mut conn = state.db.pool.acquire().await?;
    let (application, row) = find(&mut conn, &caller.tenant, key, &id).await?;
    let context = context(&origin, version, &application.id, true);
    Ok(GraphJson(
        StatusCode::OK,
        wire::entity(context, render(&row, &application)),
    ))
}

/// DELETE /applications/{id}/extensionProperties/{id} — extensionproperty-delete: 204.
/// Permissions: `permissions::EXTENSIONS_WRITE`.
async fn delete_extension(
    caller: Caller,
    State(state): State<AppState>,
    Path((key, id)): Path<(String, String)>,
) -> Result<Response> {
    caller.require(&permissions::EXTENSIONS_WRITE)?;
    let tenant = &caller.tenant;
    let mut tx = state.db.begin_write().await?;
    let (application, row) = find(&mut tx, tenant, key, &id).await?;
    extensions::delete(&mut tx, tenant, &application.id, &row.id).await?;
    tx.commit().await?;
    Ok(wire::no_content())
}
