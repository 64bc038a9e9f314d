//! The built-in directory role templates: `GET /directoryRoleTemplates`, `/{id}` and `/$count`,
//! from the roles tenantsim knows (`src/roles.rs`) with Graph's ids, names and descriptions.
//! See <https://learn.microsoft.com/graph/api/resources/directoryroletemplate>,
//! directoryroletemplate-list and directoryroletemplate-get.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::auth::{Caller, permissions};
use crate::error::{GraphError, Result};
use crate::odata::model;
use crate::protocol::request::GraphQuery;
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
        .route("/directoryRoleTemplates", get(list_role_templates))
        .route("/directoryRoleTemplates/$count", get(count_role_templates))
        .route("/directoryRoleTemplates/{id}", get(get_role_template))
}

/// A role template as Graph renders it.
fn template_json(name: &str, id: &str) -> Map<String, Value> {
    let value = json!({
        "id": id,
        "deletedDateTime": null,
        "description": crate::roles::description(id),
        "displayName": name,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn selected(fields: Map<String, Value>, select: Option<&[&str]>) -> Map<String, Value> {
    match select {
        None => fields,
        Some(select) => select
            .iter()
            .map(|n| {
                (
                    (*n).to_owned(),
                    fields.get(*n).cloned().unwrap_or(Value::Null),
                )
            })
            .collect(),
    }
}

/// GET /directoryRoleTemplates — directoryroletemplate-list: the built-in templates.
/// Permissions: `permissions::DIRECTORY_ROLE_TEMPLATES_READ`.
async fn list_role_templates(
    caller: Caller,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
) -> Result<GraphJson> {
    caller.require(&permissions::DIRECTORY_ROLE_TEMPLATES_READ)?;
    let options = query.entity_options(&model::DIRECTORY_ROLE_TEMPLATE)?;
    let select = options.select.as_deref();
    let value = crate::roles::BUILT_IN
        .iter()
        .map(|(name, id)| Value::Object(selected(template_json(name, id), select)))
        .collect();
    let context = wire::context_url(&origin, version, "directoryRoleTemplates", select, false);
    Ok(GraphJson(
        StatusCode::OK,
        wire::collection(context, None, None, value),
    ))
}

/// GET /directoryRoleTemplates/{id} — directoryroletemplate-get.
/// Permissions: `permissions::DIRECTORY_ROLE_TEMPLATES_READ`.
async fn get_role_template(
    caller: Caller,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    Path(id): Path<String>,
) -> Result<GraphJson> {
    caller.require(&permissions::DIRECTORY_ROLE_TEMPLATES_READ)?;
    let options = query.entity_options(&model::DIRECTORY_ROLE_TEMPLATE)?;
    let (name, template) = crate::roles::BUILT_IN
        .iter()
        .find(|(_, t)| t.eq_ignore_ascii_case(&id))
        .ok_or_else(|| GraphError::not_found(&id))?;
    let select = options.select.as_deref();
    let context = wire::context_url(&origin, version, "directoryRoleTemplates", select, true);
    Ok(GraphJson(
        StatusCode::OK,
        wire::entity(context, selected(template_json(name, template), select)),
    ))
}

/// GET /directoryRoleTemplates/$count.
/// Permissions: `permissions::DIRECTORY_ROLE_TEMPLATES_READ`.
async fn count_role_templates(caller: Caller, query: GraphQuery) -> Result<Response> {
    caller.require(&permissions::DIRECTORY_ROLE_TEMPLATES_READ)?;
    super::resource::count_of_fixed(&query, crate::roles::BUILT_IN.len())
}
