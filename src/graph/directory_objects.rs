//! Directory objects of any kind: `GET /directoryObjects/{id}` (with `@odata.type`),
//! `POST /directoryObjects/getByIds` (also bound to `users`, `groups`, `servicePrincipals` and
//! `directoryRoles`, as the Graph SDK path list has them) and
//! `POST /directoryObjects/validateProperties`.
//! See <https://learn.microsoft.com/graph/api/directoryobject-get>, directoryobject-getbyids
//! and directoryobject-validateproperties.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::list;
use crate::auth::{Caller, permissions};
use crate::error::{ErrorCode, GraphError, Result};
use crate::odata::model;
use crate::protocol::request::{GraphQuery, JsonObject};
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, objects::Kind};

/// getByIds takes at most this many ids (directoryobject-getbyids).
pub const MAX_IDS: usize = 1000;

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
        .route(
            "/directoryObjects/{id}",
            get(get_directory_object)
                .delete(super::directory_object_delete::delete_directory_object),
        )
        .route("/directoryObjects/getByIds", post(get_by_ids))
        .route("/users/getByIds", post(get_by_ids))
        .route("/groups/getByIds", post(get_by_ids))
        .route("/servicePrincipals/getByIds", post(get_by_ids))
        .route("/directoryRoles/getByIds", post(get_by_ids))
        .route(
            "/directoryObjects/validateProperties",
            post(validate_properties),
        )
}

/// GET /directoryObjects/{id} — directoryobject-get: the object whatever its kind, with its
/// kind's default property set and `@odata.type`.
/// Permissions: `permissions::DIRECTORY_OBJECT_GET`.
async fn get_directory_object(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    Path(id): Path<String>,
) -> Result<GraphJson> {
    caller.require(&permissions::DIRECTORY_OBJECT_GET)?;
    let options = query.entity_options(&model::DIRECTORY_OBJECT)?;
    let mut conn = state.db.pool.acquire().await?;
    let row = store::objects::get_object(&mut conn, &caller.tenant, &id)
        .await?
        .ok_or_else(|| GraphError::not_found(&id))?;
    let select = options.select.as_deref();
    let fields = list::render_row(&row, select, version, true);
    let context = wire::context_url(&origin, version, "directoryObjects", select, true);
    Ok(GraphJson(StatusCode::OK, wire::entity(context, fields)))
}

/// The kind a `types` entry names (case-insensitive, with or without `microsoft.graph.`).
/// `Ok(None)` for `directoryObject` (every kind); directory types tenantsim does not store
/// (`device`, `orgContact`, …) are accepted and match nothing.
fn type_filter(name: &str) -> std::result::Result<Option<Option<Kind>>, ()> {
    let bare = name.trim();
    let bare = bare
        .strip_prefix("microsoft.graph.")
        .or_else(|| bare.strip_prefix("#microsoft.graph."))
        .unwrap_or(bare)
        .to_ascii_lowercase();
    Ok(Some(match bare.as_str() {
        "directoryobject" => return Ok(None),
        "user" => Some(Kind::User),
        "group" => Some(Kind::Group),
        "serviceprincipal" => Some(Kind::ServicePrincipal),
        "application" => Some(Kind::Application),
        "directoryrole" => Some(Kind::DirectoryRole),
        "device"
        | "orgcontact"
        | "administrativeunit"
        | "contract"
        | "directoryroletemplate"
        | "approleassignment" => None,
        _ => return Err(()),
    }))
}

/// POST /directoryObjects/getByIds — directoryobject-getbyids: the objects with these ids
/// (≤ 1000), of the listed `types` if any, each with `@odata.type`. Ids that name nothing in
/// the caller's tenant are left out.
/// Permissions: `permissions::DIRECTORY_OBJECTS_GET_BY_IDS`.
async fn get_by_ids(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    caller.require(&permissions::DIRECTORY_OBJECTS_GET_BY_IDS)?;
    let options = query.entity_options(&model::DIRECTORY_OBJECT)?;
    for key in body.keys() {
        if key != "ids" && key != "types" && !key.starts_with("@odata.") {
            return Err(GraphError::request_bad_request(format!(
                "Property '{key}' does not exist as a declared property or extension property."
            )));
        }
    }
    let ids = match body.get("ids") {
        Some(Value::Array(ids)) => ids,
        // Divergence: Graph's text for a missing or mistyped `ids` is not captured.
        _ => {
            return Err(GraphError::request_bad_request(
                "The 'ids' parameter is required and must be a collection of strings.",
            ));
        }
    };
    if ids.len() > MAX_IDS {
        // Divergence: Graph's text for more than 1000 ids is not captured.
        return Err(GraphError::request_bad_request(format!(
            "The 'ids' parameter can hold at most {MAX_IDS} ids."
        )));
    }
    let mut wanted: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        let text = id.as_str().ok_or_else(|| {
            GraphError::request_bad_request(
                "The 'ids' parameter is required and must be a collection of strings.",
            )
        })?;
        let parsed = uuid::Uuid::parse_str(text.trim()).map_err(|_| {
            GraphError::request_bad_request(format!("Invalid object identifier '{text}'."))
        })?;
        let id = parsed.to_string();
        if !wanted.contains(&id) {
            wanted.push(id);
        }
    }
    let kinds: Option<Vec<Option<Kind>>> = match body.get("types") {
        None | Some(Value::Null) => None,
        Some(Value::Array(types)) => {
            let mut kinds = Vec::new();
            let mut every_kind = false;
            for name in types {
                match name.as_str().map(type_filter) {
                    Some(Ok(None)) => every_kind = true,
                    Some(Ok(Some(kind))) => kinds.push(kind),
                    // Divergence: Graph's text for an unknown type name is not captured.
                    _ => {
                        return Err(GraphError::request_bad_request(format!(
                            "Invalid type '{}' in the 'types' parameter.",
                            name.as_str().unwrap_or_default()
                        )));
                    }
                }
            }
            (!every_kind).then_some(kinds)
        }
        Some(_) => {
            return Err(GraphError::request_bad_request(
                "The 'types' parameter must be a collection of strings.",
            ));
        }
    };
    list_of(
        &state,
        &caller,
        version,
        &origin,
        &wanted,
        kinds.as_deref(),
        options.select.as_deref(),
    )
    .await
}

/// The objects of `ids` (in request order, an inference: Graph does not document the order)
/// whose kind is in `kinds` (all when `None`).
async fn list_of(
    state: &AppState,
    caller: &Caller,
    version: ApiVersion,
    origin: &Origin,
    ids: &[String],
    kinds: Option<&[Option<Kind>]>,
    select: Option<&[&str]>,
) -> Result<GraphJson> {
    let mut conn = state.db.pool.acquire().await?;
    let mut found = HashMap::new();
    for chunk in ids.chunks(200) {
        for row in store::objects::get_many(&mut conn, &caller.tenant, chunk).await? {
            found.insert(row.id.clone(), row);
        }
    }
    let value = ids
        .iter()
        .filter_map(|id| found.get(id))
        .filter(|row| kinds.is_none_or(|kinds| kinds.contains(&Some(row.kind()))))
        .map(|row| Value::Object(list::render_row(row, select, version, true)))
        .collect();
    let context = wire::context_url(origin, version, "directoryObjects", select, false);
    Ok(GraphJson(
        StatusCode::OK,
        wire::collection(context, None, None, value),
    ))
}

/// POST /directoryObjects/validateProperties — directoryobject-validateproperties: 204 when a
/// Microsoft 365 group could take this displayName and mailNickname, 422 with `details` when
/// not. tenantsim has no prefix/suffix naming policy nor banned words, so the one rule that
/// can fail is the mail nickname's uniqueness.
/// Permissions: `permissions::VALIDATE_PROPERTIES`.
async fn validate_properties(
    caller: Caller,
    State(state): State<AppState>,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    caller.require(&permissions::VALIDATE_PROPERTIES)?;
    let known = [
        "entityType",
        "displayName",
        "mailNickname",
        "onBehalfOfUserId",
    ];
    if let Some(key) = body
        .keys()
        .find(|k| !known.contains(&k.as_str()) && !k.starts_with("@odata."))
    {
        return Err(GraphError::request_bad_request(format!(
            "Property '{key}' does not exist as a declared property or extension property."
        )));
    }
    let text = |name: &str| -> Result<Option<&str>> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(GraphError::request_bad_request(format!(
                "Property '{name}' must be a string."
            ))),
        }
    };
    // Divergence: Graph's texts for these request errors are not captured (the page only
    // says they are 400).
    match text("entityType")? {
        Some(kind) if kind.eq_ignore_ascii_case("Group") => {}
        _ => {
            return Err(GraphError::request_bad_request(
                "The 'entityType' parameter is required; 'Group' is the only supported entity type.",
            ));
        }
    }
    let display_name = text("displayName")?;
    let mail_nickname = text("mailNickname")?;
    if display_name.is_none() && mail_nickname.is_none() {
        return Err(GraphError::request_bad_request(
            "At least one of 'displayName' and 'mailNickname' is required.",
        ));
    }
    let mut conn = state.db.pool.acquire().await?;
    if let Some(user) = text("onBehalfOfUserId")? {
        store::objects::get_by_kind(&mut conn, &caller.tenant, Kind::User, user)
            .await?
            .ok_or_else(|| GraphError::not_found(user))?;
    }
    let mut details: Vec<Value> = Vec::new();
    if let Some(nickname) = mail_nickname
        && store::objects::mail_nickname_taken(&mut conn, &caller.tenant, nickname).await?
    {
        // Divergence: the detail code and text for a taken nickname are not captured.
        details.push(json!({
            "target": "mailNickname",
            "code": "PropertyConflict",
            "message": "Another object with the same value for property mailNickname already exists.",
        }));
    }
    if details.is_empty() {
        return Ok(wire::no_content());
    }
    Err(GraphError::new(
        ErrorCode::RequestUnprocessableEntity,
        "The values provided contain one or more validation errors.",
    )
    .with_details(Value::Array(details)))
}
