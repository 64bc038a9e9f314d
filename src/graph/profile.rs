//! The beta user `profile` (`GET /beta/users/{id}/profile`, `GET /beta/me/profile`), built from
//! the directory, the person's LinkedIn profile and the web accounts added through Graph
//! ([`super::web_accounts`]), with `$select` of its collections. See the beta profile-get page
//! and <https://learn.microsoft.com/graph/api/resources/profile?view=graph-rest-beta>.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::auth::{Caller, permissions};
use crate::error::{GraphError, Result};
use crate::protocol::request::GraphQuery;
use crate::protocol::wire::{ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, objects::ObjectRow};

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
        .route("/users/{user}/profile", get(get_profile))
        .route("/me/profile", get(get_my_profile))
}

/// The profile's navigation collections (profile resource, beta), in Graph's order.
pub const COLLECTIONS: &[&str] = &[
    "accounts",
    "addresses",
    "anniversaries",
    "awards",
    "certifications",
    "educationalActivities",
    "emails",
    "interests",
    "languages",
    "names",
    "notes",
    "patents",
    "phones",
    "positions",
    "projects",
    "publications",
    "responsibilities",
    "skills",
    "webAccounts",
    "websites",
];

/// The `$select` of a profile: canonical names (any case in the request), `id` always kept.
/// Other query options are not emulated on the profile.
pub fn parse_select(query: &GraphQuery) -> Result<Option<Vec<&'static str>>> {
    let mut select = None;
    for (key, value) in &query.pairs {
        let bare = key.strip_prefix('$').unwrap_or(key);
        if bare.eq_ignore_ascii_case("select") {
            if select.is_some() {
                return Err(GraphError::bad_request(
                    "Query option '$select' was specified more than once, but it must be specified at most once.",
                ));
            }
            let mut names: Vec<&'static str> = Vec::new();
            for item in value.split(',').map(str::trim) {
                let name = ["id"]
                    .iter()
                    .chain(COLLECTIONS)
                    .find(|c| c.eq_ignore_ascii_case(item))
                    .ok_or_else(|| {
                        GraphError::bad_request(format!(
                            "Could not find a property named '{item}' on type 'microsoft.graph.profile'."
                        ))
                    })?;
                if !names.contains(name) {
                    names.push(name);
                }
            }
            select = Some(names);
        } else if key.starts_with('$') {
            // Divergence: only `$select` is emulated on the profile (D39).
            return Err(GraphError::bad_request(format!(
                "The query parameter '{key}' is not supported on the profile."
            )));
        }
    }
    Ok(select)
}

/// The signed-in user's identity as an `identitySet` (facets' `createdBy`/`lastModifiedBy`).
pub fn identity(display_name: &Value, id: &str) -> Value {
    json!({"application": null, "device": null, "user": {"displayName": display_name, "id": id}})
}

/// An `itemFacet` of `user`: `fields` over the facet defaults (created by the user when the
/// user was created, audience `organization`).
pub fn facet(row: &ObjectRow, data: &Map<String, Value>, id: String, mut fields: Value) -> Value {
    let created = data.get("createdDateTime").cloned().unwrap_or(Value::Null);
    let by = identity(data.get("displayName").unwrap_or(&Value::Null), &row.id);
    let base = json!({"id": id, "allowedAudiences": "organization", "inference": null, "createdDateTime": created, "createdBy": by, "lastModifiedDateTime": created, "lastModifiedBy": by, "source": {"type": ["User"]}});
    if let (Some(map), Some(base)) = (fields.as_object_mut(), base.as_object()) {
        for (k, v) in base {
            map.entry(k.clone()).or_insert(v.clone());
        }
    }
    fields
}

/// The beta `profile` of a user, `$select` applied.
async fn profile(
    state: &AppState,
    tenant: &str,
    key: &str,
    origin: &Origin,
    select: Option<&[&str]>,
) -> Result<GraphJson> {
    let mut conn = state.db.pool.acquire().await?;
    let row = store::objects::get_user(&mut conn, tenant, key)
        .await?
        .ok_or_else(|| GraphError::not_found(key))?;
    let data: Map<String, Value> = serde_json::from_str(&row.data).unwrap_or_default();
    let text = |name: &str| data.get(name).cloned().unwrap_or(Value::Null);
    let derived = |name: &str| crate::builtin::derived_id(&row.id, name);
    let wanted = |name: &str| select.is_none_or(|s| s.contains(&name));
    let mut collections: Map<String, Value> = Map::new();
    if wanted("webAccounts") {
        let accounts = super::web_accounts::accounts_of(&mut conn, tenant, &row, &data).await?;
        collections.insert("webAccounts".into(), json!(accounts));
    }
    let emails: Vec<Value> = text("mail")
        .as_str()
        .map(|m| {
            facet(
                &row,
                &data,
                derived("mail"),
                json!({"address": m, "displayName": m, "type": "work"}),
            )
        })
        .into_iter()
        .collect();
    collections.insert("emails".into(), json!(emails));
    collections.insert(
        "names".into(),
        json!([facet(
            &row,
            &data,
            derived("name"),
            json!({"displayName": text("displayName"), "first": text("givenName"), "last": text("surname"), "initials": null, "languageTag": null, "maiden": null, "middle": null, "nickname": null, "pronunciation": null, "suffix": null, "title": null}),
        )]),
    );
    collections.insert(
        "positions".into(),
        json!([facet(
            &row,
            &data,
            derived("position"),
            json!({"detail": {"jobTitle": text("jobTitle"), "company": {"displayName": text("companyName"), "department": text("department"), "officeLocation": text("officeLocation")}}, "isCurrent": true}),
        )]),
    );
    let phones: Vec<Value> = data
        .get("businessPhones")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|n| {
            facet(
                &row,
                &data,
                derived("phone"),
                json!({"number": n, "type": "business", "displayName": n}),
            )
        })
        .collect();
    collections.insert("phones".into(), json!(phones));
    let selection = select.map(|s| format!("({})", s.join(",")));
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/beta/$metadata#users('{}')/profile{}/$entity",
            origin.0,
            row.id,
            selection.as_deref().unwrap_or("")
        )),
    );
    body.insert("id".into(), json!(row.id));
    for name in COLLECTIONS {
        if wanted(name) {
            let value = collections.remove(*name).unwrap_or_else(|| json!([]));
            body.insert((*name).into(), value);
        }
    }
    Ok(GraphJson(StatusCode::OK, Value::Object(body)))
}

/// GET /beta/users/{id | upn}/profile (beta only), `$select` honoured.
/// Permissions: `permissions::PROFILE_READ`.
// Divergence: a hidden LinkedIn profile (the person's own visibility setting) is left out of
// webAccounts, as Microsoft apps do not show it.
async fn get_profile(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    Path(key): Path<String>,
) -> Result<GraphJson> {
    if version == ApiVersion::V1 {
        return Err(GraphError::unknown_segment("profile"));
    }
    caller.require(&permissions::PROFILE_READ)?;
    let select = parse_select(&query)?;
    profile(&state, &caller.tenant, &key, &origin, select.as_deref()).await
}

/// GET /beta/me/profile, `$select` honoured. Permissions: `permissions::ME_READ`.
async fn get_my_profile(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
) -> Result<GraphJson> {
    if version == ApiVersion::V1 {
        return Err(GraphError::unknown_segment("profile"));
    }
    let me = super::users::me(&caller)?.to_owned();
    caller.require(&permissions::ME_READ)?;
    let select = parse_select(&query)?;
    profile(&state, &caller.tenant, &me, &origin, select.as_deref()).await
}
