//! Group membership: members and transitiveMembers (with casts and `/$count`), `$ref` writes,
//! memberOf / transitiveMemberOf. See group-list-members, group-list-transitivemembers,
//! group-post-members, group-delete-members, user-list-memberof, user-list-transitivememberof.

use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::Value;

use super::groups;
use super::list::{self, ListSpec};
use crate::auth::{Caller, permissions};
use crate::entities::group::Group;
use crate::error::{GraphError, Result};
use crate::odata::model;
use crate::protocol::request::{GraphQuery, JsonObject};
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, objects::Kind, objects::ListQuery, objects::Order, objects::Scope};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/groups/{group}/members", get(list_members))
        .route("/groups/{group}/members/$count", get(count_members))
        .route("/groups/{group}/members/$ref", post(add_member))
        .route(
            "/groups/{group}/members/microsoft.graph.user",
            get(list_member_users),
        )
        .route(
            "/groups/{group}/members/microsoft.graph.group",
            get(list_member_groups),
        )
        .route(
            "/groups/{group}/members/{member}/$ref",
            delete(remove_member),
        )
        .route(
            "/groups/{group}/transitiveMembers",
            get(list_transitive_members),
        )
        .route(
            "/groups/{group}/transitiveMembers/$count",
            get(count_transitive_members),
        )
        .route(
            "/groups/{group}/transitiveMembers/microsoft.graph.user",
            get(list_transitive_member_users),
        )
        .route(
            "/groups/{group}/transitiveMembers/microsoft.graph.group",
            get(list_transitive_member_groups),
        )
        .route("/groups/{group}/memberOf", get(group_member_of))
        .route(
            "/groups/{group}/transitiveMemberOf",
            get(group_transitive_member_of),
        )
        .route("/users/{user}/memberOf", get(user_member_of))
        .route(
            "/users/{user}/transitiveMemberOf",
            get(user_transitive_member_of),
        )
        .route("/me/memberOf", get(me_member_of))
        .route("/me/transitiveMemberOf", get(me_transitive_member_of))
}

/// Graph's text when a member is added twice.
pub fn already_member() -> GraphError {
    GraphError::request_bad_request(
        "One or more added object references already exist for the following modified properties: 'members'.",
    )
}

/// The object ids named by `members@odata.bind`-style URLs (at most 20).
pub fn bind_targets(value: Option<Value>, property: &str) -> Result<Vec<String>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let invalid = || {
        GraphError::bad_request(format!(
            "Invalid value specified for property '{property}'."
        ))
    };
    let Value::Array(items) = value else {
        return Err(invalid());
    };
    if items.len() > 20 {
        return Err(GraphError::request_bad_request(format!(
            "The maximum number of entries in '{property}' is 20."
        )));
    }
    items
        .iter()
        .map(|item| item.as_str().and_then(object_id_of_url).ok_or_else(invalid))
        .collect()
}

/// `https://graph.microsoft.com/v1.0/directoryObjects/{id}` (or `/users/{id}`, relative, …) → id.
pub fn object_id_of_url(url: &str) -> Option<String> {
    let last = url.trim().trim_end_matches('/').rsplit('/').next()?;
    let last = last
        .strip_prefix("directoryObjects('")
        .and_then(|s| s.strip_suffix("')"))
        .unwrap_or(last);
    uuid::Uuid::parse_str(last).ok().map(|id| id.to_string())
}

/// Whether `member` may be added to `group` (`group_id`): it exists in the tenant, the group is
/// not dynamic, Microsoft 365 groups take no groups, and no nesting cycle results.
pub async fn check_can_add(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    group_id: &str,
    group: &Group,
    member: &str,
) -> Result<()> {
    let row = store::objects::get_object(conn, tenant, member)
        .await?
        .ok_or_else(|| GraphError::not_found(member))?;
    if group.is_dynamic() {
        // Graph answers a manual change to a dynamic group with its generic 403 (KelvinTegelaar/CIPP#468).
        return Err(GraphError::forbidden());
    }
    if row.kind() == Kind::Group {
        if group.is_unified() {
            // Divergence: Graph's exact text is not captured; Microsoft 365 groups hold no groups.
            return Err(GraphError::request_bad_request(
                "Microsoft 365 groups cannot contain groups as members.",
            ));
        }
        if row.id == group_id
            || store::members::is_transitive_member(conn, tenant, &row.id, group_id).await?
        {
            // Divergence: Entra refuses cycles; its text is not captured.
            return Err(GraphError::request_bad_request(
                "Adding this group would create a circular reference in group membership.",
            ));
        }
    }
    Ok(())
}

fn parse_group(row: &store::objects::ObjectRow) -> Result<Group> {
    serde_json::from_str(&row.data).map_err(GraphError::internal)
}

/// POST /groups/{id}/members/$ref — group-post-members. 204.
/// Permissions: `permissions::GROUP_MEMBERS_WRITE`.
async fn add_member(
    caller: Caller,
    State(state): State<AppState>,
    Path(group_id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    caller.require(&permissions::GROUP_MEMBERS_WRITE)?;
    let member = body
        .get("@odata.id")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            GraphError::bad_request("The request body must contain an '@odata.id' reference.")
        })?;
    let member = object_id_of_url(member)
        .ok_or_else(|| GraphError::bad_request(format!("Invalid object identifier '{member}'.")))?;
    let mut tx = state.db.begin_write().await?;
    let row = groups::load(&mut tx, &caller.tenant, &group_id).await?;
    let group = parse_group(&row)?;
    check_can_add(&mut tx, &caller.tenant, &row.id, &group, &member).await?;
    if !store::members::add_member(&mut tx, &caller.tenant, &row.id, &member).await? {
        return Err(already_member());
    }
    tx.commit().await?;
    Ok(wire::no_content())
}

/// DELETE /groups/{id}/members/{memberId}/$ref — group-delete-members. 204.
/// Permissions: `permissions::GROUP_MEMBERS_WRITE`.
async fn remove_member(
    caller: Caller,
    State(state): State<AppState>,
    Path((group_id, member)): Path<(String, String)>,
) -> Result<Response> {
    caller.require(&permissions::GROUP_MEMBERS_WRITE)?;
    let mut tx = state.db.begin_write().await?;
    let row = groups::load(&mut tx, &caller.tenant, &group_id).await?;
    let group = parse_group(&row)?;
    if group.is_dynamic() {
        return Err(GraphError::forbidden());
    }
    if !store::members::remove_member(
        &mut tx,
        &caller.tenant,
        &row.id,
        &member.to_ascii_lowercase(),
    )
    .await?
    {
        // Divergence: Graph answers this case with either 400 or 404 (graph-contract D5);
        // `--remove-missing-member-404` picks the 404.
        return Err(if state.settings.remove_missing_member_404 {
            GraphError::not_found(&member)
        } else {
            GraphError::request_bad_request(
                "One or more removed object references do not exist for the following modified properties: 'members'.",
            )
        });
    }
    tx.commit().await?;
    Ok(wire::no_content())
}

struct MembershipView {
    transitive: bool,
    kind: Option<Kind>,
}

async fn list_view(
    caller: &Caller,
    state: &AppState,
    version: ApiVersion,
    origin: &Origin,
    query: &GraphQuery,
    group_id: &str,
    view: MembershipView,
) -> Result<GraphJson> {
    caller.require(&permissions::GROUP_MEMBERS_READ)?;
    let (context_path, model, polymorphic) = match view.kind {
        Some(Kind::User) => ("users", &model::USER, false),
        Some(_) => ("groups", &model::GROUP, false),
        None => ("directoryObjects", &model::DIRECTORY_OBJECT, true),
    };
    // The options of a cast are read against the cast's type, so that
    // `/transitiveMembers/microsoft.graph.user?$filter=city eq '…'` can use user properties.
    if view.kind.is_some() && !(query.eventual && query.options(model)?.count) {
        // OData casts on membership are advanced queries (aad-advanced-queries).
        return Err(GraphError::unsupported_query(
            "The requested cast is only supported with the ConsistencyLevel:eventual header and the $count=true query parameter.",
        ));
    }
    let mut conn = state.db.pool.acquire().await?;
    let row = groups::load(&mut conn, &caller.tenant, group_id).await?;
    drop(conn);
    let spec = ListSpec {
        scope: Scope::MembersOf {
            group: &row.id,
            transitive: view.transitive,
        },
        kind: view.kind,
        model,
        context_path,
        polymorphic,
    };
    list::list(state, &caller.tenant, version, origin, query, &spec).await
}

macro_rules! member_list_handler {
    ($name:ident, $transitive:expr, $kind:expr, $doc:literal) => {
        #[doc = $doc]
        async fn $name(
            caller: Caller,
            State(state): State<AppState>,
            Extension(version): Extension<ApiVersion>,
            origin: Origin,
            query: GraphQuery,
            Path(group_id): Path<String>,
        ) -> Result<GraphJson> {
            let view = MembershipView {
                transitive: $transitive,
                kind: $kind,
            };
            list_view(&caller, &state, version, &origin, &query, &group_id, view).await
        }
    };
}

member_list_handler!(
    list_members,
    false,
    None,
    "GET /groups/{id}/members — group-list-members."
);
member_list_handler!(
    list_member_users,
    false,
    Some(Kind::User),
    "GET /groups/{id}/members/microsoft.graph.user."
);
member_list_handler!(
    list_member_groups,
    false,
    Some(Kind::Group),
    "GET /groups/{id}/members/microsoft.graph.group."
);
member_list_handler!(
    list_transitive_members,
    true,
    None,
    "GET /groups/{id}/transitiveMembers — group-list-transitivemembers."
);
member_list_handler!(
    list_transitive_member_users,
    true,
    Some(Kind::User),
    "GET /groups/{id}/transitiveMembers/microsoft.graph.user."
);
member_list_handler!(
    list_transitive_member_groups,
    true,
    Some(Kind::Group),
    "GET /groups/{id}/transitiveMembers/microsoft.graph.group."
);

/// The `/$count` segment: `text/plain`, and only with `ConsistencyLevel: eventual`.
async fn count_view(
    caller: &Caller,
    state: &AppState,
    query: &GraphQuery,
    scope: Scope<'_>,
    model: &'static crate::odata::ResourceModel,
) -> Result<Response> {
    if !query.eventual {
        return Err(GraphError::request_bad_request(
            "$count is not currently supported.",
        ));
    }
    let options = query.options(model)?;
    let list_query = ListQuery {
        scope,
        kind: None,
        filter: options.filter.as_ref(),
        search: options.search.as_ref(),
        order: Order::Seq,
        after: None,
        limit: 1,
    };
    let mut conn = state.db.pool.acquire().await?;
    let count = store::objects::count_objects(&mut conn, &caller.tenant, &list_query)
        .await
        .map_err(list::list_error)?;
    let mut response = (StatusCode::OK, count.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain;charset=utf-8"),
    );
    Ok(response)
}

/// GET /groups/{id}/members/$count.
async fn count_members(
    caller: Caller,
    State(state): State<AppState>,
    query: GraphQuery,
    Path(group_id): Path<String>,
) -> Result<Response> {
    caller.require(&permissions::GROUP_MEMBERS_READ)?;
    let row = groups::load(
        &mut *state.db.pool.acquire().await?,
        &caller.tenant,
        &group_id,
    )
    .await?;
    count_view(
        &caller,
        &state,
        &query,
        Scope::MembersOf {
            group: &row.id,
            transitive: false,
        },
        &model::DIRECTORY_OBJECT,
    )
    .await
}

/// GET /groups/{id}/transitiveMembers/$count.
async fn count_transitive_members(
    caller: Caller,
    State(state): State<AppState>,
    query: GraphQuery,
    Path(group_id): Path<String>,
) -> Result<Response> {
    caller.require(&permissions::GROUP_MEMBERS_READ)?;
    let row = groups::load(
        &mut *state.db.pool.acquire().await?,
        &caller.tenant,
        &group_id,
    )
    .await?;
    count_view(
        &caller,
        &state,
        &query,
        Scope::MembersOf {
            group: &row.id,
            transitive: true,
        },
        &model::DIRECTORY_OBJECT,
    )
    .await
}

/// GET /users/$count and /groups/$count.
pub async fn count_kind(
    caller: &Caller,
    state: &AppState,
    query: &GraphQuery,
    kind: Kind,
) -> Result<Response> {
    let model = if kind == Kind::User {
        &model::USER
    } else {
        &model::GROUP
    };
    count_view(caller, state, query, Scope::All(kind), model).await
}

async fn member_of(
    caller: &Caller,
    state: &AppState,
    version: ApiVersion,
    origin: &Origin,
    query: &GraphQuery,
    member: &str,
    transitive: bool,
) -> Result<GraphJson> {
    caller.require(&permissions::MEMBERSHIP_READ)?;
    let spec = ListSpec {
        scope: Scope::MemberOf { member, transitive },
        kind: None,
        model: &model::DIRECTORY_OBJECT,
        context_path: "directoryObjects",
        polymorphic: true,
    };
    list::list(state, &caller.tenant, version, origin, query, &spec).await
}

async fn user_id(state: &AppState, tenant: &str, key: &str) -> Result<String> {
    let mut conn = state.db.pool.acquire().await?;
    let row = store::objects::get_user(&mut conn, tenant, key)
        .await?
        .ok_or_else(|| GraphError::not_found(key))?;
    Ok(row.id)
}

macro_rules! member_of_handler {
    ($name:ident, $transitive:expr, user, $doc:literal) => {
        #[doc = $doc]
        async fn $name(
            caller: Caller,
            State(state): State<AppState>,
            Extension(version): Extension<ApiVersion>,
            origin: Origin,
            query: GraphQuery,
            Path(key): Path<String>,
        ) -> Result<GraphJson> {
            // Before the lookup: without the permission, 403 whether or not the user exists.
            caller.require(&permissions::MEMBERSHIP_READ)?;
            let id = user_id(&state, &caller.tenant, &key).await?;
            member_of(&caller, &state, version, &origin, &query, &id, $transitive).await
        }
    };
    ($name:ident, $transitive:expr, group, $doc:literal) => {
        #[doc = $doc]
        async fn $name(
            caller: Caller,
            State(state): State<AppState>,
            Extension(version): Extension<ApiVersion>,
            origin: Origin,
            query: GraphQuery,
            Path(key): Path<String>,
        ) -> Result<GraphJson> {
            // Before the lookup: without the permission, 403 whether or not the group exists.
            caller.require(&permissions::MEMBERSHIP_READ)?;
            let row =
                groups::load(&mut *state.db.pool.acquire().await?, &caller.tenant, &key).await?;
            member_of(
                &caller,
                &state,
                version,
                &origin,
                &query,
                &row.id,
                $transitive,
            )
            .await
        }
    };
    ($name:ident, $transitive:expr, me, $doc:literal) => {
        #[doc = $doc]
        async fn $name(
            caller: Caller,
            State(state): State<AppState>,
            Extension(version): Extension<ApiVersion>,
            origin: Origin,
            query: GraphQuery,
        ) -> Result<GraphJson> {
            let id = super::users::me(&caller)?.to_owned();
            member_of(&caller, &state, version, &origin, &query, &id, $transitive).await
        }
    };
}

// Divergence: memberOf lists groups only; tenantsim keeps directory roles as `wids`, not as
// directoryRole objects.
member_of_handler!(
    user_member_of,
    false,
    user,
    "GET /users/{id}/memberOf — user-list-memberof."
);
member_of_handler!(
    user_transitive_member_of,
    true,
    user,
    "GET /users/{id}/transitiveMemberOf."
);
member_of_handler!(group_member_of, false, group, "GET /groups/{id}/memberOf.");
member_of_handler!(
    group_transitive_member_of,
    true,
    group,
    "GET /groups/{id}/transitiveMemberOf."
);
member_of_handler!(me_member_of, false, me, "GET /me/memberOf.");
member_of_handler!(
    me_transitive_member_of,
    true,
    me,
    "GET /me/transitiveMemberOf."
);
