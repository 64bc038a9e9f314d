//! Service principals: list, get (by object id or by `appId`), and the grants and app-role
//! assignments around one. See <https://learn.microsoft.com/graph/api/resources/serviceprincipal>,
//! serviceprincipal-list, serviceprincipal-get, serviceprincipal-list-oauth2permissiongrants,
//! serviceprincipal-list-approleassignedto and serviceprincipal-list-approleassignments.
//!
//! `GET /servicePrincipals(appId='{appId}')` keeps the key inside one path segment. axum
//! (matchit) allows a parameter after static text in a segment, so the route is
//! `/servicePrincipals(appId={key}` and the handler strips the quotes and the closing
//! parenthesis. A client that percent-encodes `(` reaches the unknown-path fallback instead.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::oauth2_permission_grants::{self as grants, GrantList};
use super::resource::{self, DirectoryResource};
use crate::auth::{Caller, permissions};
use crate::error::{GraphError, Result};
use crate::odata::model;
use crate::protocol::request::GraphQuery;
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, apps::GrantScope, objects::Kind, objects::ObjectRow};

/// Graph's default property set for service principals (serviceprincipal-get.md), with the
/// value written when tenantsim stores none (`[]` for collections, otherwise `null`).
const DEFAULT_PROPERTIES: &[(&str, bool)] = &[
    ("id", false),
    ("deletedDateTime", false),
    ("accountEnabled", false),
    ("addIns", true),
    ("alternativeNames", true),
    ("appDescription", false),
    ("appDisplayName", false),
    ("appId", false),
    ("appOwnerOrganizationId", false),
    ("appRoleAssignmentRequired", false),
    ("appRoles", true),
    ("applicationTemplateId", false),
    ("description", false),
    ("disabledByMicrosoftStatus", false),
    ("displayName", false),
    // In the documented get-servicePrincipal example (an empty array unless set).
    ("endpoints", true),
    ("homepage", false),
    ("info", false),
    ("keyCredentials", true),
    ("loginUrl", false),
    ("logoutUrl", false),
    ("notes", false),
    ("notificationEmailAddresses", true),
    ("oauth2PermissionScopes", true),
    ("passwordCredentials", true),
    ("preferredSingleSignOnMode", false),
    ("publisherName", false),
    ("replyUrls", true),
    ("resourceSpecificApplicationPermissions", true),
    ("servicePrincipalNames", true),
    ("servicePrincipalType", false),
    ("signInAudience", false),
    ("tags", true),
    ("tokenEncryptionKeyId", false),
    ("verifiedPublisher", false),
];

/// Properties Graph sets itself: accepted in a write body and ignored.
pub const READ_ONLY: &[&str] = &[
    "id",
    "deletedDateTime",
    "appDisplayName",
    "appOwnerOrganizationId",
    "applicationTemplateId",
    "disabledByMicrosoftStatus",
    "publisherName",
    "signInAudience",
    "verifiedPublisher",
    "@odata.type",
];

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
        .route(
            "/servicePrincipals",
            get(resource::list::<ServicePrincipals>),
        )
        .route(
            "/servicePrincipals/$count",
            get(resource::count::<ServicePrincipals>),
        )
        .route(
            "/servicePrincipals/{sp}",
            get(resource::get::<ServicePrincipals>),
        )
        .route(
            "/servicePrincipals(appId={key}",
            get(get_service_principal_by_app_id),
        )
        .route(
            "/servicePrincipals/{sp}/oauth2PermissionGrants",
            get(list_sp_grants),
        )
        .route(
            "/servicePrincipals/{sp}/appRoleAssignedTo",
            get(list_app_role_assigned_to),
        )
        .route(
            "/servicePrincipals/{sp}/appRoleAssignments",
            get(list_app_role_assignments),
        )
}

/// The `servicePrincipals` entity set. See serviceprincipal-list and serviceprincipal-get.
pub struct ServicePrincipals;

impl DirectoryResource for ServicePrincipals {
    const SET: &'static str = "servicePrincipals";
    const KIND: Kind = Kind::ServicePrincipal;
    const MODEL: &'static model::ResourceModel = &model::SERVICE_PRINCIPAL;
    const READ: &'static permissions::Permission = &permissions::SERVICE_PRINCIPALS_READ;
    const READ_ONLY: &'static [&'static str] = READ_ONLY;

    /// Graph's default set (missing values as `null` or `[]`) plus whatever else is stored, or
    /// exactly `$select`; the same in beta.
    fn render(
        id: &str,
        data: &Map<String, Value>,
        select: Option<&[&str]>,
        _version: ApiVersion,
    ) -> Map<String, Value> {
        if select.is_some() {
            return wire::project(id, data, select, &[], false);
        }
        let mut out = Map::new();
        for (name, collection) in DEFAULT_PROPERTIES {
            let value = match *name {
                "id" => Value::String(id.to_owned()),
                _ => data.get(*name).cloned().unwrap_or(if *collection {
                    json!([])
                } else {
                    Value::Null
                }),
            };
            out.insert((*name).to_owned(), value);
        }
        for (name, value) in data {
            out.entry(name.clone()).or_insert_with(|| value.clone());
        }
        out
    }

    /// By object id, or `(appId='…')` from the alternate-key routes.
    async fn lookup(
        conn: &mut sqlx::SqliteConnection,
        tenant: &str,
        key: &str,
    ) -> sqlx::Result<Option<ObjectRow>> {
        match app_id_of(key) {
            Some(app_id) => store::apps::service_principal_by_app_id(conn, tenant, app_id).await,
            None => store::objects::get_by_kind(conn, tenant, Kind::ServicePrincipal, key).await,
        }
    }

    fn missing(key: &str) -> GraphError {
        GraphError::not_found(app_id_of(key).unwrap_or(key))
    }
}

/// The appId of a `(appId='…')` key.
pub fn app_id_of(key: &str) -> Option<&str> {
    key.strip_prefix("(appId='")?.strip_suffix("')")
}

/// The generic handlers' key for `servicePrincipals(appId={raw}` (`raw` is `'{appId}')`),
/// or Graph's unknown-segment error.
pub fn alternate_key(raw: &str) -> Result<String> {
    let app_id = raw
        .strip_suffix(')')
        .and_then(|k| k.strip_prefix('\''))
        .and_then(|k| k.strip_suffix('\''))
        .ok_or_else(|| GraphError::unknown_segment(&format!("servicePrincipals(appId={raw}")))?;
    Ok(format!("(appId='{app_id}')"))
}

/// GET /servicePrincipals(appId='{appId}') — serviceprincipal-get by application id.
/// Permissions: `permissions::SERVICE_PRINCIPALS_READ`.
async fn get_service_principal_by_app_id(
    caller: Caller,
    state: State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    Path(key): Path<String>,
) -> Result<Response> {
    let key = alternate_key(&key)?;
    resource::get::<ServicePrincipals>(caller, state, version, origin, query, Path(key)).await
}

/// A service principal of the caller's tenant, or Graph's 404.
async fn load(state: &AppState, tenant: &str, id: &str) -> Result<ObjectRow> {
    resource::load::<ServicePrincipals>(state, tenant, id).await
}

/// GET /servicePrincipals/{id}/oauth2PermissionGrants — serviceprincipal-list-oauth2permissiongrants:
/// the grants where this service principal is the client.
/// Permissions: `permissions::SERVICE_PRINCIPAL_GRANTS_READ`.
async fn list_sp_grants(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    Path(sp): Path<String>,
) -> Result<GraphJson> {
    caller.require(&permissions::SERVICE_PRINCIPAL_GRANTS_READ)?;
    let row = load(&state, &caller.tenant, &sp).await?;
    let list = GrantList {
        scope: GrantScope::Client(&row.id),
        context_path: "oauth2PermissionGrants",
    };
    grants::list(&state, &caller.tenant, version, &origin, &query, &list).await
}

/// GET /servicePrincipals/{id}/appRoleAssignedTo — serviceprincipal-list-approleassignedto:
/// assignments where this service principal is the resource.
/// Permissions: `permissions::APP_ROLE_ASSIGNMENTS_READ`.
async fn list_app_role_assigned_to(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    Path(sp): Path<String>,
) -> Result<GraphJson> {
    assignments(caller, state, version, origin, query, sp, true).await
}

/// GET /servicePrincipals/{id}/appRoleAssignments — serviceprincipal-list-approleassignments:
/// assignments where this service principal is the principal (its application permissions).
/// Permissions: `permissions::APP_ROLE_ASSIGNMENTS_READ`.
async fn list_app_role_assignments(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    Path(sp): Path<String>,
) -> Result<GraphJson> {
    assignments(caller, state, version, origin, query, sp, false).await
}

async fn assignments(
    caller: Caller,
    state: AppState,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    sp: String,
    as_resource: bool,
) -> Result<GraphJson> {
    caller.require(&permissions::APP_ROLE_ASSIGNMENTS_READ)?;
    // Divergence: Graph pages these and accepts `$filter`, `$top`, `$count`; tenantsim returns
    // every assignment in one page and refuses query options rather than ignoring them.
    if let Some((key, _)) = query.pairs.iter().find(|(k, _)| k.starts_with('$')) {
        return Err(GraphError::bad_request(format!(
            "Query option '{key}' is not supported on this collection by tenantsim."
        )));
    }
    let row = load(&state, &caller.tenant, &sp).await?;
    let mut conn = state.db.pool.acquire().await?;
    let rows =
        store::apps::app_role_assignments(&mut conn, &caller.tenant, &row.id, as_resource).await?;
    let value = rows
        .into_iter()
        .map(|a| {
            let principal_type = match a.principal_kind.as_deref().and_then(Kind::parse) {
                Some(Kind::User) => "User",
                Some(Kind::Group) => "Group",
                _ => "ServicePrincipal",
            };
            json!({
                "id": a.id,
                "deletedDateTime": null,
                "appRoleId": a.app_role_id,
                "createdDateTime": a.created_date_time,
                "principalDisplayName": a.principal_display_name,
                "principalId": a.principal_id,
                "principalType": principal_type,
                "resourceDisplayName": a.resource_display_name,
                "resourceId": a.resource_id,
            })
        })
        .collect();
    let navigation = if as_resource {
        "appRoleAssignedTo"
    } else {
        "appRoleAssignments"
    };
    let path = format!("servicePrincipals('{}')/{navigation}", row.id);
    let context = wire::context_url(&origin, version, &path, None, false);
    Ok(GraphJson(
        StatusCode::OK,
        wire::collection(context, None, None, value),
    ))
}
