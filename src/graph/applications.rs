//! Applications (app registrations): list, `$count`, get, create, update, delete, by object
//! id, by `appId` and by `uniqueName` (with upsert). See
//! <https://learn.microsoft.com/graph/api/resources/application>, application-list,
//! application-get, application-post-applications, application-update, application-delete and
//! application-upsert. Secrets: `application_passwords`.
//!
//! `applications(appId='…')` keeps its key inside one path segment, as
//! `servicePrincipals(appId='…')` does: the route is `/applications(appId={key}` and the
//! handler strips the quotes and the closing parenthesis.

use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::application_bodies::{check_keys, checked_body, invalid, merge};
use super::list::{self, ListSpec};
use crate::app_objects;
use crate::auth::{Caller, permissions};
use crate::error::{GraphError, Result};
use crate::odata::model;
use crate::protocol::request::{GraphQuery, JsonObject};
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, objects::Kind, objects::ObjectRow, objects::ObjectWrite, objects::Scope};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/applications",
            get(list_applications).post(create_application),
        )
        .route("/applications/$count", get(count_applications))
        .route(
            "/applications/{key}",
            get(get_application)
                .patch(update_application)
                .delete(delete_application),
        )
        .route(
            "/applications(appId={key}",
            get(get_by_app_id)
                .patch(update_by_app_id)
                .delete(delete_by_app_id),
        )
        .route(
            "/applications(uniqueName={key}",
            get(get_by_unique_name)
                .patch(upsert_by_unique_name)
                .delete(delete_by_unique_name),
        )
        .merge(super::application_passwords::router())
        .merge(super::extension_properties::router())
}

/// How a request names an application.
#[derive(Debug, Clone)]
pub enum AppKey {
    Id(String),
    AppId(String),
    UniqueName(String),
}

impl AppKey {
    /// `'{value}')` from an alternate-key segment, or Graph's unknown-segment error.
    pub fn alternate(prefix: &str, raw: &str) -> Result<String> {
        raw.strip_suffix(')')
            .and_then(|k| k.strip_prefix('\''))
            .and_then(|k| k.strip_suffix('\''))
            .map(|k| k.replace("''", "'"))
            .ok_or_else(|| GraphError::unknown_segment(&format!("applications({prefix}={raw}")))
    }

    fn text(&self) -> &str {
        match self {
            Self::Id(k) | Self::AppId(k) | Self::UniqueName(k) => k,
        }
    }
}

/// The application a key names in `tenant`, if any.
pub async fn find(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    key: &AppKey,
) -> Result<Option<ObjectRow>> {
    Ok(match key {
        AppKey::Id(id) => store::objects::get_by_kind(conn, tenant, Kind::Application, id).await?,
        AppKey::AppId(app_id) => {
            store::app_registrations::application_by_app_id(conn, tenant, app_id).await?
        }
        AppKey::UniqueName(name) => {
            store::app_registrations::application_by_unique_name(conn, tenant, name).await?
        }
    })
}

/// The application a key names, or Graph's 404.
pub async fn load(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    key: &AppKey,
) -> Result<ObjectRow> {
    find(conn, tenant, key)
        .await?
        .ok_or_else(|| GraphError::not_found(key.text()))
}

/// Renders a stored application: its stored document (Graph's default set, written whole at
/// creation), or exactly `$select`.
pub fn render(id: &str, data: &str, select: Option<&[&str]>) -> Map<String, Value> {
    let data: Map<String, Value> = serde_json::from_str(data).unwrap_or_default();
    wire::project(id, &data, select, &[], true)
}

fn entity(
    origin: &Origin,
    version: ApiVersion,
    row: &ObjectRow,
    select: Option<&[&str]>,
    status: StatusCode,
) -> GraphJson {
    let context = wire::context_url(origin, version, "applications", select, true);
    GraphJson(
        status,
        wire::entity(context, render(&row.id, &row.data, select)),
    )
}

/// GET /applications — application-list: `$filter` (appId, displayName, identifierUris/any(),
/// …), `$select`, `$top`, `$count`, `$orderby=displayName`, paging.
/// Permissions: `permissions::APPLICATIONS_READ`.
async fn list_applications(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    query: GraphQuery,
) -> Result<GraphJson> {
    caller.require(&permissions::APPLICATIONS_READ)?;
    let spec = ListSpec {
        scope: Scope::All(Kind::Application),
        kind: None,
        model: &model::APPLICATION,
        context_path: "applications",
        polymorphic: false,
    };
    list::list(&state, &caller.tenant, version, &origin, &query, &spec).await
}

/// GET /applications/$count — text/plain; needs `ConsistencyLevel: eventual`.
/// Permissions: `permissions::APPLICATIONS_READ`.
async fn count_applications(
    caller: Caller,
    State(state): State<AppState>,
    query: GraphQuery,
) -> Result<Response> {
    caller.require(&permissions::APPLICATIONS_READ)?;
    super::resource::count_response(
        &state,
        &caller.tenant,
        &query,
        Scope::All(Kind::Application),
        None,
        &model::APPLICATION,
    )
    .await
}

async fn read(
    caller: Caller,
    state: AppState,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    key: AppKey,
) -> Result<GraphJson> {
    caller.require(&permissions::APPLICATIONS_READ)?;
    let options = query.entity_options(&model::APPLICATION)?;
    let mut conn = state.db.pool.acquire().await?;
    let row = load(&mut conn, &caller.tenant, &key).await?;
    Ok(entity(
        &origin,
        version,
        &row,
        options.select.as_deref(),
        StatusCode::OK,
    ))
}

/// GET /applications/{id} — application-get. Permissions: `permissions::APPLICATIONS_READ`.
async fn get_application(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    query: GraphQuery,
    Path(key): Path<String>,
) -> Result<GraphJson> {
    read(caller, state, version, origin, query, AppKey::Id(key)).await
}

/// GET /applications(appId='{appId}') — application-get by appId.
/// Permissions: `permissions::APPLICATIONS_READ`.
async fn get_by_app_id(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    query: GraphQuery,
    Path(key): Path<String>,
) -> Result<GraphJson> {
    let key = AppKey::AppId(AppKey::alternate("appId", &key)?);
    read(caller, state, version, origin, query, key).await
}

/// GET /applications(uniqueName='{uniqueName}') — application-get by uniqueName.
/// Permissions: `permissions::APPLICATIONS_READ`.
async fn get_by_unique_name(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    query: GraphQuery,
    Path(key): Path<String>,
) -> Result<GraphJson> {
    let key = AppKey::UniqueName(AppKey::alternate("uniqueName", &key)?);
    read(caller, state, version, origin, query, key).await
}

/// POST /applications — application-post-applications. 201 with the application.
/// Permissions: `permissions::APPLICATIONS_CREATE`.
async fn create_application(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    caller.require(&permissions::APPLICATIONS_CREATE)?;
    let row = create(&state, &caller.tenant, body, None).await?;
    Ok(entity(&origin, version, &row, None, StatusCode::CREATED))
}

/// Creates an application from a POST (or upsert) body; `unique_name` is the upsert's key.
async fn create(
    state: &AppState,
    tenant: &str,
    body: Map<String, Value>,
    unique_name: Option<&str>,
) -> Result<ObjectRow> {
    let body = checked_body(body, true)?;
    let display_name = match body.get("displayName") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
        _ => return Err(invalid("displayName")),
    };
    let created = crate::clock::graph_timestamp(state.clock.now());
    let id = Uuid::new_v4().to_string();
    let mut tx = state.db.begin_write().await?;
    // A new appId is free in every tenant: a client_id names one tenant's application.
    let app_id = loop {
        let candidate = Uuid::new_v4().to_string();
        if !store::app_registrations::app_id_in_use(&mut tx, &candidate).await? {
            break candidate;
        }
    };
    let domains = store::tenants::tenant_domains(&mut tx, tenant).await?;
    let publisher = domains.first().map_or("", String::as_str);
    let mut doc = app_objects::new_document(&app_id, &display_name, &created, publisher);
    merge(&mut doc, body);
    if let Some(name) = unique_name {
        doc.insert("uniqueName".into(), Value::String(name.to_owned()));
    }
    check_keys(&mut tx, tenant, &id, &doc, None).await?;
    let data = Value::Object(doc).to_string();
    let write = ObjectWrite {
        id: &id,
        kind: Kind::Application,
        display_name: Some(&display_name),
        user_principal_name: None,
        app_id: Some(&app_id),
        data: &data,
    };
    store::objects::insert_object(&mut tx, tenant, &write, None).await?;
    let row = store::objects::get_by_kind(&mut tx, tenant, Kind::Application, &id)
        .await?
        .ok_or_else(|| GraphError::internal(anyhow::anyhow!("application {id} not stored")))?;
    tx.commit().await?;
    Ok(row)
}

async fn update(
    state: &AppState,
    tenant: &str,
    key: &AppKey,
    body: Map<String, Value>,
) -> Result<Response> {
    let body = checked_body(body, false)?;
    let mut tx = state.db.begin_write().await?;
    let row = load(&mut tx, tenant, key).await?;
    patch_row(&mut tx, tenant, &row, body).await?;
    tx.commit().await?;
    Ok(wire::no_content())
}

async fn patch_row(
    tx: &mut sqlx::SqliteConnection,
    tenant: &str,
    row: &ObjectRow,
    body: Map<String, Value>,
) -> Result<()> {
    let mut doc: Map<String, Value> =
        serde_json::from_str(&row.data).map_err(GraphError::internal)?;
    let before = doc.clone();
    merge(&mut doc, body);
    let display_name = match doc.get("displayName") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
        _ => return Err(invalid("displayName")),
    };
    check_keys(tx, tenant, &row.id, &doc, Some(&before)).await?;
    let data = Value::Object(doc.clone()).to_string();
    let write = ObjectWrite {
        id: &row.id,
        kind: Kind::Application,
        display_name: Some(&display_name),
        user_principal_name: None,
        app_id: row.app_id.as_deref(),
        data: &data,
    };
    store::objects::update_object(tx, tenant, &write).await?;
    if let Some(app_id) = row.app_id.as_deref() {
        app_objects::sync_registration(tx, tenant, app_id, &doc).await?;
    }
    Ok(())
}

/// PATCH /applications/{id} — application-update. 204. Permissions: `permissions::APPLICATIONS_WRITE`.
async fn update_application(
    caller: Caller,
    State(state): State<AppState>,
    Path(key): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    caller.require(&permissions::APPLICATIONS_WRITE)?;
    update(&state, &caller.tenant, &AppKey::Id(key), body).await
}

/// PATCH /applications(appId='{appId}') — application-update by appId. 204; 404 when no
/// application has the appId (Graph's upsert is by `uniqueName` only: an appId is minted).
/// Permissions: `permissions::APPLICATIONS_WRITE`.
async fn update_by_app_id(
    caller: Caller,
    State(state): State<AppState>,
    Path(key): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    caller.require(&permissions::APPLICATIONS_WRITE)?;
    let key = AppKey::AppId(AppKey::alternate("appId", &key)?);
    update(&state, &caller.tenant, &key, body).await
}

/// PATCH /applications(uniqueName='{uniqueName}') — application-upsert: 204 when it exists;
/// with `Prefer: create-if-missing` 201 and the new application, else 404.
/// Permissions: update `permissions::APPLICATIONS_WRITE`; create `permissions::APPLICATIONS_CREATE`.
async fn upsert_by_unique_name(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    headers: HeaderMap,
    Path(key): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    let name = AppKey::alternate("uniqueName", &key)?;
    let key = AppKey::UniqueName(name.clone());
    let exists = {
        let mut conn = state.db.pool.acquire().await?;
        find(&mut conn, &caller.tenant, &key).await?.is_some()
    };
    if exists || !create_if_missing(&headers) {
        caller.require(&permissions::APPLICATIONS_WRITE)?;
        return update(&state, &caller.tenant, &key, body).await;
    }
    caller.require(&permissions::APPLICATIONS_CREATE)?;
    if body.contains_key("uniqueName") {
        return Err(GraphError::request_bad_request(
            "Property 'uniqueName' is the upsert's key and cannot also be in the request body.",
        ));
    }
    let row = create(&state, &caller.tenant, body, Some(&name)).await?;
    Ok(entity(&origin, version, &row, None, StatusCode::CREATED).into_response())
}

/// Whether the request carries `Prefer: create-if-missing`.
pub fn create_if_missing(headers: &HeaderMap) -> bool {
    headers.get_all("prefer").iter().any(|value| {
        value
            .to_str()
            .unwrap_or_default()
            .split(',')
            .any(|p| p.trim().eq_ignore_ascii_case("create-if-missing"))
    })
}

async fn remove(state: &AppState, tenant: &str, key: &AppKey) -> Result<Response> {
    let mut tx = state.db.begin_write().await?;
    let row = load(&mut tx, tenant, key).await?;
    if let Some(app_id) = row.app_id.as_deref() {
        // Deleting an application deletes its service principal in the tenant, as in Entra.
        if let Some(sp) = store::apps::service_principal_by_app_id(&mut tx, tenant, app_id).await? {
            store::objects::delete_object(&mut tx, tenant, &sp.id, Kind::ServicePrincipal).await?;
        }
        store::app_registrations::delete_credentials(&mut tx, tenant, app_id).await?;
    }
    store::objects::delete_object(&mut tx, tenant, &row.id, Kind::Application).await?;
    tx.commit().await?;
    Ok(wire::no_content())
}

/// DELETE /applications/{id} — application-delete. 204. Permissions: `permissions::APPLICATIONS_WRITE`.
// Divergence: Graph moves the application to deleted items for 30 days; tenantsim deletes it.
async fn delete_application(
    caller: Caller,
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Response> {
    caller.require(&permissions::APPLICATIONS_WRITE)?;
    remove(&state, &caller.tenant, &AppKey::Id(key)).await
}

/// DELETE /applications(appId='{appId}'). 204. Permissions: `permissions::APPLICATIONS_WRITE`.
async fn delete_by_app_id(
    caller: Caller,
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Response> {
    caller.require(&permissions::APPLICATIONS_WRITE)?;
    let key = AppKey::AppId(AppKey::alternate("appId", &key)?);
    remove(&state, &caller.tenant, &key).await
}

/// DELETE /applications(uniqueName='{uniqueName}'). 204. Permissions: `permissions::APPLICATIONS_WRITE`.
async fn delete_by_unique_name(
    caller: Caller,
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Response> {
    caller.require(&permissions::APPLICATIONS_WRITE)?;
    let key = AppKey::UniqueName(AppKey::alternate("uniqueName", &key)?);
    remove(&state, &caller.tenant, &key).await
}
