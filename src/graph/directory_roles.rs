//! Directory roles: the roles activated in the tenant (`/directoryRoles`, also
//! addressed as `directoryRoles(roleTemplateId='…')` and `directoryRoles/roleTemplateId=…`),
//! activation, and the role's members with `$ref` writes. Members are the rows of
//! `directory_role_members`, the table behind the `wids` claim, so a `$ref` write changes the
//! next token's `wids`. An activated role's object id is derived from (tenant, template id):
//! see `store::roles::role_object_id`.
//! See <https://learn.microsoft.com/graph/api/resources/directoryrole>, directoryrole-list,
//! directoryrole-get, directoryrole-post-directoryroles, directoryrole-list-members,
//! directoryrole-post-members and directoryrole-delete-member. The templates are in
//! `directory_role_templates`. List, get and `$count` are the generic handlers of the
//! [`DirectoryRoles`] declaration (`graph::resource`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post};
use serde_json::{Map, Value};

use super::list;
use super::members::object_id_of_url;
use super::resource::{self, DirectoryResource};
use crate::auth::{Caller, permissions};
use crate::error::{GraphError, Result};
use crate::odata::model;
use crate::protocol::request::{GraphQuery, JsonObject};
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, objects::Kind, objects::ObjectRow, objects::Scope};

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
        .route(
            "/directoryRoles",
            get(resource::list::<DirectoryRoles>).post(activate_directory_role),
        )
        .route(
            "/directoryRoles/{role}",
            get(resource::get::<DirectoryRoles>),
        )
        .route(
            "/directoryRoles(roleTemplateId={key}",
            get(get_directory_role_by_template),
        )
        .route(
            "/directoryRoles/$count",
            get(resource::count::<DirectoryRoles>),
        )
        .route("/directoryRoles/{role}/members", get(list_role_members))
        .route(
            "/directoryRoles/{role}/members/$count",
            get(count_role_members),
        )
        .route(
            "/directoryRoles/{role}/members/{member}",
            get(get_role_member_or_cast),
        )
        .route(
            "/directoryRoles/{role}/members/{member}/$count",
            get(count_role_members_cast),
        )
        .route("/directoryRoles/{role}/members/$ref", post(add_role_member))
        .route(
            "/directoryRoles/{role}/members/{member}/$ref",
            delete(remove_role_member),
        )
}

/// The `directoryRoles` entity set: the roles activated in the tenant, `directoryRole` objects
/// whose id derives from (tenant, template). See directoryrole-list and directoryrole-get.
pub struct DirectoryRoles;

impl DirectoryResource for DirectoryRoles {
    const SET: &'static str = "directoryRoles";
    const KIND: Kind = Kind::DirectoryRole;
    const MODEL: &'static model::ResourceModel = &model::DIRECTORY_ROLE;
    const READ: &'static permissions::Permission = &permissions::DIRECTORY_ROLES_READ;
    const READ_ONLY: &'static [&'static str] = &[];

    /// Every stored property (its whole default set), or exactly `$select`.
    fn render(
        id: &str,
        data: &Map<String, Value>,
        select: Option<&[&str]>,
        _version: ApiVersion,
    ) -> Map<String, Value> {
        wire::project(id, data, select, &[], true)
    }

    /// By object id, or `roleTemplateId={template}` (quotes optional).
    async fn lookup(
        conn: &mut sqlx::SqliteConnection,
        tenant: &str,
        key: &str,
    ) -> sqlx::Result<Option<ObjectRow>> {
        let id = match key.strip_prefix("roleTemplateId=") {
            Some(template) => store::roles::role_object_id(tenant, template.trim_matches('\'')),
            None => key.to_owned(),
        };
        store::objects::get_by_kind(conn, tenant, Kind::DirectoryRole, &id).await
    }
}

/// The activated role `key` names (see [`DirectoryRoles`]' lookup) and its template id.
async fn load_role(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    key: &str,
) -> Result<(ObjectRow, String)> {
    let row = resource::find_in::<DirectoryRoles>(conn, tenant, key).await?;
    let data = resource::data_of(&row);
    let template = data
        .get("roleTemplateId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok((row, template))
}

/// GET /directoryRoles(roleTemplateId='{id}') — directoryrole-get by template id. The route
/// holds `'{id}')` in one segment, as `servicePrincipals(appId=…)` does.
/// Permissions: `permissions::DIRECTORY_ROLES_READ`.
async fn get_directory_role_by_template(
    caller: Caller,
    state: State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    Path(key): Path<String>,
) -> Result<Response> {
    let template = key
        .strip_suffix(')')
        .and_then(|k| k.strip_prefix('\''))
        .and_then(|k| k.strip_suffix('\''))
        .ok_or_else(|| {
            GraphError::unknown_segment(&format!("directoryRoles(roleTemplateId={key}"))
        })?;
    let key = format!("roleTemplateId={template}");
    resource::get::<DirectoryRoles>(caller, state, version, origin, query, Path(key)).await
}

/// POST /directoryRoles — directoryrole-post-directoryroles: activates a built-in role from its
/// template. 201 with the role. `roleTemplateId` is the only property the body may carry.
/// Permissions: `permissions::DIRECTORY_ROLE_ACTIVATE`.
async fn activate_directory_role(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    caller.require(&permissions::DIRECTORY_ROLE_ACTIVATE)?;
    if let Some(key) = body
        .keys()
        .find(|k| k.as_str() != "roleTemplateId" && !k.starts_with("@odata."))
    {
        // Divergence: Graph's text for another property in an activation is not captured.
        return Err(GraphError::request_bad_request(format!(
            "Property '{key}' cannot be set when activating a directory role: roleTemplateId is the only property allowed."
        )));
    }
    let template = match body.get("roleTemplateId") {
        Some(Value::String(t)) => t.clone(),
        _ => {
            return Err(GraphError::request_bad_request(
                "The property 'roleTemplateId' is required when activating a directory role.",
            ));
        }
    };
    let template = crate::roles::BUILT_IN
        .iter()
        .map(|(_, id)| *id)
        .find(|id| id.eq_ignore_ascii_case(&template))
        // Divergence: tenantsim knows the built-in templates in src/roles.rs only.
        .ok_or_else(|| GraphError::not_found(&template))?;
    let mut tx = state.db.begin_write().await?;
    let (id, created) = store::roles::activate(&mut tx, &caller.tenant, template).await?;
    if !created {
        return Err(GraphError::request_bad_request(
            "A conflicting object with one or more of the specified property values is present in the directory.",
        ));
    }
    let row = resource::find_in::<DirectoryRoles>(&mut tx, &caller.tenant, &id).await?;
    tx.commit().await?;
    let context = wire::context_url(&origin, version, DirectoryRoles::SET, None, true);
    let fields = DirectoryRoles::render(&row.id, &resource::data_of(&row), None, version);
    Ok(GraphJson(
        StatusCode::CREATED,
        wire::entity(context, fields),
    ))
}

/// GET /directoryRoles/{id}/members — directoryrole-list-members: the role's holders, each with
/// `@odata.type`. Kept apart from the group relationship handlers so the generic relationship
/// engine can take it over. Permissions: `permissions::DIRECTORY_ROLE_MEMBERS_READ`.
async fn list_role_members(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    Path(role): Path<String>,
) -> Result<GraphJson> {
    caller.require(&permissions::DIRECTORY_ROLE_MEMBERS_READ)?;
    // Divergence: a role has a handful of holders; tenantsim returns them in one page and
    // refuses list options other than `$select` rather than ignoring them.
    let options = query.entity_options(&model::DIRECTORY_OBJECT)?;
    let mut conn = state.db.pool.acquire().await?;
    let (_, template) = load_role(&mut conn, &caller.tenant, &role).await?;
    let holders = store::roles::holders(&mut conn, &caller.tenant, &template).await?;
    let select = options.select.as_deref();
    let value = holders
        .iter()
        .map(|h| Value::Object(list::render_row(h, select, version, true)))
        .collect();
    let context = wire::context_url(&origin, version, "directoryObjects", select, false);
    Ok(GraphJson(
        StatusCode::OK,
        wire::collection(context, None, None, value),
    ))
}

/// POST /directoryRoles/{id}/members/$ref — directoryrole-post-members: 204; the member
/// holds the role from the next token on (`wids`).
/// Permissions: `permissions::DIRECTORY_ROLE_MEMBERS_WRITE`.
async fn add_role_member(
    caller: Caller,
    State(state): State<AppState>,
    Path(role): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    caller.require(&permissions::DIRECTORY_ROLE_MEMBERS_WRITE)?;
    let reference = body
        .get("@odata.id")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            GraphError::bad_request("The request body must contain an '@odata.id' reference.")
        })?;
    let member = object_id_of_url(reference).ok_or_else(|| {
        GraphError::bad_request(format!("Invalid object identifier '{reference}'."))
    })?;
    let mut tx = state.db.begin_write().await?;
    let (_, template) = load_role(&mut tx, &caller.tenant, &role).await?;
    let target = store::objects::get_object(&mut tx, &caller.tenant, &member)
        .await?
        .ok_or_else(|| GraphError::not_found(&member))?;
    if !matches!(
        target.kind(),
        Kind::User | Kind::Group | Kind::ServicePrincipal
    ) {
        // Divergence: Graph's text for a role member of another kind is not captured.
        return Err(GraphError::request_bad_request(
            "Only users, groups and service principals can be members of a directory role.",
        ));
    }
    if store::roles::holds(&mut tx, &caller.tenant, &template, &target.id).await? {
        return Err(super::members::already_member());
    }
    store::members::assign_role(&mut tx, &caller.tenant, &template, &target.id).await?;
    tx.commit().await?;
    Ok(wire::no_content())
}

/// DELETE /directoryRoles/{id}/members/{memberId}/$ref — directoryrole-delete-member: 204.
/// Permissions: `permissions::DIRECTORY_ROLE_MEMBERS_WRITE`.
async fn remove_role_member(
    caller: Caller,
    State(state): State<AppState>,
    Path((role, member)): Path<(String, String)>,
) -> Result<Response> {
    caller.require(&permissions::DIRECTORY_ROLE_MEMBERS_WRITE)?;
    let mut tx = state.db.begin_write().await?;
    let (_, template) = load_role(&mut tx, &caller.tenant, &role).await?;
    if !store::roles::remove_holder(&mut tx, &caller.tenant, &template, &member).await? {
        // Divergence: Graph's answer for removing a non-holder is not captured; 404 names it.
        return Err(GraphError::not_found(&member));
    }
    tx.commit().await?;
    Ok(wire::no_content())
}

/// What an OData cast segment (`microsoft.graph.user`, or `graph.user`) names: `None` if the
/// segment is no cast, `Some(None)` for a directory type tenantsim stores no objects of
/// (`device`, `orgContact`: an empty set), else the kind.
fn cast_kind(segment: &str) -> Option<Option<Kind>> {
    let name = segment
        .strip_prefix("microsoft.graph.")
        .or_else(|| segment.strip_prefix("graph."))?;
    match Kind::parse(name) {
        Some(kind) => Some(Some(kind)),
        None if ["device", "orgContact"].contains(&name) => Some(None),
        None => None,
    }
}

/// The holders of `role`, of one kind when `kind` is given.
async fn holders_of(
    state: &AppState,
    tenant: &str,
    role: &str,
    kind: Option<Option<Kind>>,
) -> Result<Vec<ObjectRow>> {
    let mut conn = state.db.pool.acquire().await?;
    let (_, template) = load_role(&mut conn, tenant, role).await?;
    let mut holders = store::roles::holders(&mut conn, tenant, &template).await?;
    holders.retain(|h| kind.is_none_or(|k| k == Some(h.kind())));
    Ok(holders)
}

/// GET /directoryRoles/{id}/members/$count.
/// Permissions: `permissions::DIRECTORY_ROLE_MEMBERS_READ`.
async fn count_role_members(
    caller: Caller,
    State(state): State<AppState>,
    query: GraphQuery,
    Path(role): Path<String>,
) -> Result<Response> {
    caller.require(&permissions::DIRECTORY_ROLE_MEMBERS_READ)?;
    count_holders(&state, &caller.tenant, &query, &role, None).await
}

/// GET /directoryRoles/{id}/members/microsoft.graph.user (a cast: the holders of that kind) or
/// GET /directoryRoles/{id}/members/{memberId} (one holder).
// Inferred: the casts are served without advanced query parameters, as the SDKs send them.
/// Permissions: `permissions::DIRECTORY_ROLE_MEMBERS_READ`.
async fn get_role_member_or_cast(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    Path((role, segment)): Path<(String, String)>,
) -> Result<GraphJson> {
    caller.require(&permissions::DIRECTORY_ROLE_MEMBERS_READ)?;
    let options = query.entity_options(&model::DIRECTORY_OBJECT)?;
    let select = options.select.as_deref();
    if let Some(kind) = cast_kind(&segment) {
        let holders = holders_of(&state, &caller.tenant, &role, Some(kind)).await?;
        let value = holders
            .iter()
            .map(|h| Value::Object(list::render_row(h, select, version, true)))
            .collect();
        let set = match kind {
            Some(Kind::User) => "users",
            Some(Kind::Group) => "groups",
            Some(Kind::ServicePrincipal) => "servicePrincipals",
            Some(Kind::Application) => "applications",
            Some(Kind::DirectoryRole) => "directoryRoles",
            None if segment.ends_with("device") => "devices",
            None => "contacts",
        };
        let context = wire::context_url(&origin, version, set, select, false);
        return Ok(GraphJson(
            StatusCode::OK,
            wire::collection(context, None, None, value),
        ));
    }
    let holders = holders_of(&state, &caller.tenant, &role, None).await?;
    let holder = holders
        .iter()
        .find(|h| h.id.eq_ignore_ascii_case(&segment))
        .ok_or_else(|| GraphError::not_found(&segment))?;
    let context = wire::context_url(&origin, version, "directoryObjects", select, true);
    Ok(GraphJson(
        StatusCode::OK,
        wire::entity(context, list::render_row(holder, select, version, true)),
    ))
}

/// GET /directoryRoles/{id}/members/microsoft.graph.user/$count (and the other casts).
/// Permissions: `permissions::DIRECTORY_ROLE_MEMBERS_READ`.
async fn count_role_members_cast(
    caller: Caller,
    State(state): State<AppState>,
    query: GraphQuery,
    Path((role, segment)): Path<(String, String)>,
) -> Result<Response> {
    caller.require(&permissions::DIRECTORY_ROLE_MEMBERS_READ)?;
    let kind = cast_kind(&segment).ok_or_else(|| GraphError::unknown_segment(&segment))?;
    count_holders(&state, &caller.tenant, &query, &role, Some(kind)).await
}

/// The `$count` of a role's holders: all (`cast` `None`), those of one stored kind, or none (a
/// cast to a type tenantsim stores none of, `Some(None)`), as [`cast_kind`] reads a segment.
async fn count_holders(
    state: &AppState,
    tenant: &str,
    query: &GraphQuery,
    role: &str,
    cast: Option<Option<Kind>>,
) -> Result<Response> {
    let template = {
        let mut conn = state.db.pool.acquire().await?;
        load_role(&mut conn, tenant, role).await?.1
    };
    let holders = Scope::HoldersOf {
        template: &template,
    };
    let (scope, kind, model) = match cast {
        None => (holders, None, &model::DIRECTORY_OBJECT),
        Some(Some(kind)) => (holders, Some(kind), kind_model(kind)),
        Some(None) => (Scope::Nothing, None, &model::DIRECTORY_OBJECT),
    };
    resource::count_response(state, tenant, query, scope, kind, model).await
}

/// The model a cast's `$filter` is read against.
fn kind_model(kind: Kind) -> &'static model::ResourceModel {
    match kind {
        Kind::User => &model::USER,
        Kind::Group => &model::GROUP,
        Kind::ServicePrincipal => &model::SERVICE_PRINCIPAL,
        Kind::Application | Kind::DirectoryRole => &model::DIRECTORY_OBJECT,
    }
}
