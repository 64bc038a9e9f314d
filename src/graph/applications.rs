//! Applications (app registrations): the `applications` resource declaration (list, `$count`,
//! get, create, update, delete through `graph::resource`, by object id, by `appId` and by
//! `uniqueName`) and its special rules: the alternate keys, the upsert by `uniqueName`, the body
//! checks (`application_bodies`), the appId minted at creation. See
//! <https://learn.microsoft.com/graph/api/resources/application>, application-list,
//! application-get, application-post-applications, application-update, application-delete and
//! application-upsert. Secrets: `application_passwords`.
//!
//! `applications(appId='…')` keeps its key inside one path segment, as
//! `servicePrincipals(appId='…')` does: the route is `/applications(appId={key}` and the
//! handler checks the quotes and the closing parenthesis, then hands the generic handlers the
//! key `(appId='…')`, which [`Applications`]' lookup understands.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::application_bodies::{self, check_keys, checked_body, invalid, merge};
use super::resource::{self, DirectoryResource, WritableResource, Write};
use crate::app_objects;
use crate::auth::{Caller, permissions};
use crate::error::{GraphError, Result};
use crate::odata::model;
use crate::protocol::request::{GraphQuery, JsonObject};
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, objects::Kind, objects::ObjectRow, objects::ObjectWrite};

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
        .route(
            "/applications",
            get(resource::list::<Applications>).post(resource::create::<Applications>),
        )
        .route("/applications/$count", get(resource::count::<Applications>))
        .route(
            "/applications/{key}",
            get(resource::get::<Applications>)
                .patch(resource::update::<Applications>)
                .delete(resource::delete::<Applications>),
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

/// The `applications` entity set. See application-list, application-get,
/// application-post-applications, application-update and application-delete.
pub struct Applications;

impl DirectoryResource for Applications {
    const SET: &'static str = "applications";
    const KIND: Kind = Kind::Application;
    const MODEL: &'static model::ResourceModel = &model::APPLICATION;
    const READ: &'static permissions::Permission = &permissions::APPLICATIONS_READ;
    const READ_ONLY: &'static [&'static str] = application_bodies::READ_ONLY;

    /// Its stored document (Graph's default set, written whole at creation), or exactly
    /// `$select`; the same in beta.
    fn render(
        id: &str,
        data: &Map<String, Value>,
        select: Option<&[&str]>,
        _version: ApiVersion,
    ) -> Map<String, Value> {
        wire::project(id, data, select, &[], true)
    }

    /// By object id, or `(appId='…')` / `(uniqueName='…')` from the alternate-key routes.
    async fn lookup(
        conn: &mut sqlx::SqliteConnection,
        tenant: &str,
        key: &str,
    ) -> sqlx::Result<Option<ObjectRow>> {
        find(conn, tenant, &AppKey::of(key)).await
    }

    fn missing(key: &str) -> GraphError {
        GraphError::not_found(AppKey::of(key).text())
    }
}

impl WritableResource for Applications {
    const CREATE: &'static permissions::Permission = &permissions::APPLICATIONS_CREATE;
    const UPDATE: &'static permissions::Permission = &permissions::APPLICATIONS_WRITE;
    const DELETE: &'static permissions::Permission = &permissions::APPLICATIONS_WRITE;

    /// application-post-applications: a displayName; the appId is minted here.
    async fn create(
        write: &mut Write<'_>,
        body: Map<String, Value>,
    ) -> Result<(String, Map<String, Value>)> {
        create(write, body, None).await
    }

    fn checked_patch(patch: Map<String, Value>) -> Result<Map<String, Value>> {
        checked_body(patch, false)
    }

    /// application-update: `null` resets a property; the keys stay unique; the token
    /// endpoint's registration follows (redirect URIs, public client).
    async fn update(
        write: &mut Write<'_>,
        row: &ObjectRow,
        patch: Map<String, Value>,
    ) -> Result<()> {
        let mut doc = resource::data_of(row);
        let before = doc.clone();
        merge(&mut doc, patch);
        let display_name = match doc.get("displayName") {
            Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
            _ => return Err(invalid("displayName")),
        };
        check_keys(write.tx, write.tenant, &row.id, &doc, Some(&before)).await?;
        let data = Value::Object(doc.clone()).to_string();
        // The appId column stays the stored one (it is read-only).
        let object = ObjectWrite {
            id: &row.id,
            kind: Kind::Application,
            display_name: Some(&display_name),
            user_principal_name: None,
            app_id: row.app_id.as_deref(),
            data: &data,
        };
        store::objects::update_object(write.tx, write.tenant, &object).await?;
        if let Some(app_id) = row.app_id.as_deref() {
            app_objects::sync_registration(write.tx, write.tenant, app_id, &doc).await?;
        }
        Ok(())
    }

    /// Deleting an application deletes its service principal in the tenant and its secrets,
    /// as in Entra.
    async fn before_delete(write: &mut Write<'_>, row: &ObjectRow) -> Result<()> {
        if let Some(app_id) = row.app_id.as_deref() {
            if let Some(sp) =
                store::apps::service_principal_by_app_id(write.tx, write.tenant, app_id).await?
            {
                store::objects::delete_object(
                    write.tx,
                    write.tenant,
                    &sp.id,
                    Kind::ServicePrincipal,
                )
                .await?;
            }
            store::app_registrations::delete_credentials(write.tx, write.tenant, app_id).await?;
        }
        Ok(())
    }
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

    /// A path key: `(appId='…')` or `(uniqueName='…')` as the alternate-key routes spell it
    /// for the generic handlers, else an object id.
    pub fn of(key: &str) -> Self {
        for (prefix, make) in [
            ("appId", Self::AppId as fn(String) -> Self),
            ("uniqueName", Self::UniqueName),
        ] {
            if let Some(raw) = key
                .strip_prefix('(')
                .and_then(|k| k.strip_prefix(prefix))
                .and_then(|k| k.strip_prefix('='))
                && let Ok(value) = Self::alternate(prefix, raw)
            {
                return make(value);
            }
        }
        Self::Id(key.to_owned())
    }

    fn text(&self) -> &str {
        match self {
            Self::Id(k) | Self::AppId(k) | Self::UniqueName(k) => k,
        }
    }
}

/// The generic handlers' key for an alternate-key route's `'{value}')`, after checking its
/// shape (else Graph's unknown-segment error).
fn alternate_key(prefix: &str, raw: &str) -> Result<String> {
    AppKey::alternate(prefix, raw)?;
    Ok(format!("({prefix}={raw}"))
}

/// The application a key names in `tenant`, if any.
pub async fn find(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    key: &AppKey,
) -> sqlx::Result<Option<ObjectRow>> {
    match key {
        AppKey::Id(id) => store::objects::get_by_kind(conn, tenant, Kind::Application, id).await,
        AppKey::AppId(app_id) => {
            store::app_registrations::application_by_app_id(conn, tenant, app_id).await
        }
        AppKey::UniqueName(name) => {
            store::app_registrations::application_by_unique_name(conn, tenant, name).await
        }
    }
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

/// Creates an application from a checked POST (or upsert) body; `unique_name` is the upsert's
/// key. Returns its id and stored document.
async fn create(
    write: &mut Write<'_>,
    body: Map<String, Value>,
    unique_name: Option<&str>,
) -> Result<(String, Map<String, Value>)> {
    let body = checked_body(body, true)?;
    let display_name = match body.get("displayName") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
        _ => return Err(invalid("displayName")),
    };
    let created = crate::clock::graph_timestamp(write.state.clock.now());
    let id = Uuid::new_v4().to_string();
    // A new appId is free in every tenant: a client_id names one tenant's application.
    let app_id = loop {
        let candidate = Uuid::new_v4().to_string();
        if !store::app_registrations::app_id_in_use(write.tx, &candidate).await? {
            break candidate;
        }
    };
    let domains = store::tenants::tenant_domains(write.tx, write.tenant).await?;
    let publisher = domains.first().map_or("", String::as_str);
    let mut doc = app_objects::new_document(&app_id, &display_name, &created, publisher);
    merge(&mut doc, body);
    if let Some(name) = unique_name {
        doc.insert("uniqueName".into(), Value::String(name.to_owned()));
    }
    check_keys(write.tx, write.tenant, &id, &doc, None).await?;
    resource::insert(write, Kind::Application, &id, &doc, None).await?;
    Ok((id, doc))
}

/// GET /applications(appId='{appId}') — application-get by appId.
/// Permissions: `permissions::APPLICATIONS_READ`.
async fn get_by_app_id(
    caller: Caller,
    state: State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    Path(key): Path<String>,
) -> Result<Response> {
    let key = alternate_key("appId", &key)?;
    resource::get::<Applications>(caller, state, version, origin, query, Path(key)).await
}

/// GET /applications(uniqueName='{uniqueName}') — application-get by uniqueName.
/// Permissions: `permissions::APPLICATIONS_READ`.
async fn get_by_unique_name(
    caller: Caller,
    state: State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    Path(key): Path<String>,
) -> Result<Response> {
    let key = alternate_key("uniqueName", &key)?;
    resource::get::<Applications>(caller, state, version, origin, query, Path(key)).await
}

/// PATCH /applications(appId='{appId}') — application-update by appId. 204; 404 when no
/// application has the appId (Graph's upsert is by `uniqueName` only: an appId is minted).
/// Permissions: `permissions::APPLICATIONS_WRITE`.
async fn update_by_app_id(
    caller: Caller,
    state: State<AppState>,
    Path(key): Path<String>,
    body: JsonObject,
) -> Result<Response> {
    let key = alternate_key("appId", &key)?;
    resource::update::<Applications>(caller, state, Path(key), body).await
}

/// PATCH /applications(uniqueName='{uniqueName}') — application-upsert: 204 when it exists;
/// with `Prefer: create-if-missing` 201 and the new application, else 404.
/// Permissions: update `permissions::APPLICATIONS_WRITE`; create `permissions::APPLICATIONS_CREATE`.
async fn upsert_by_unique_name(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    headers: HeaderMap,
    Path(key): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    let name = AppKey::alternate("uniqueName", &key)?;
    let exists = {
        let mut conn = state.db.pool.acquire().await?;
        find(&mut conn, &caller.tenant, &AppKey::UniqueName(name.clone()))
            .await?
            .is_some()
    };
    if exists || !create_if_missing(&headers) {
        let key = alternate_key("uniqueName", &key)?;
        return resource::update::<Applications>(caller, State(state), Path(key), JsonObject(body))
            .await;
    }
    caller.require(&permissions::APPLICATIONS_CREATE)?;
    if body.contains_key("uniqueName") {
        return Err(GraphError::request_bad_request(
            "Property 'uniqueName' is the upsert's key and cannot also be in the request body.",
        ));
    }
    let mut tx = state.db.begin_write().await?;
    let mut write = Write {
        state: &state,
        tenant: &caller.tenant,
        tx: &mut tx,
    };
    let (id, doc) = create(&mut write, body, Some(&name)).await?;
    tx.commit().await?;
    let context = wire::context_url(&origin, version, Applications::SET, None, true);
    let fields = Applications::render(&id, &doc, None, version);
    Ok(GraphJson(StatusCode::CREATED, wire::entity(context, fields)).into_response())
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

/// DELETE /applications(appId='{appId}'). 204. Permissions: `permissions::APPLICATIONS_WRITE`.
async fn delete_by_app_id(
    caller: Caller,
    state: State<AppState>,
    Path(key): Path<String>,
) -> Result<Response> {
    let key = alternate_key("appId", &key)?;
    resource::delete::<Applications>(caller, state, Path(key)).await
}

/// DELETE /applications(uniqueName='{uniqueName}'). 204. Permissions: `permissions::APPLICATIONS_WRITE`.
async fn delete_by_unique_name(
    caller: Caller,
    state: State<AppState>,
    Path(key): Path<String>,
) -> Result<Response> {
    let key = alternate_key("uniqueName", &key)?;
    resource::delete::<Applications>(caller, state, Path(key)).await
}
