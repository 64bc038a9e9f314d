//! One way to declare a directory resource: an entity set (`users`, `groups`,
//! `servicePrincipals`, …) is a [`DirectoryResource`] — its set name, kind, OData model
//! (stored, filterable and sortable properties), default property set, permissions per
//! operation and read-only properties — plus its special rules (how a create body becomes a
//! stored object, what an update may change). The handlers here serve every declared resource:
//! list, get, `$count`, create, update, delete. Each resource's `router()` names its literal
//! paths and points them at these handlers.
//! See <https://learn.microsoft.com/graph/api/resources/directoryobject>.

use std::future::Future;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::list::ListSpec;
use crate::auth::Caller;
use crate::auth::permissions::Permission;
use crate::error::{GraphError, Result};
use crate::odata::ResourceModel;
use crate::protocol::request::{GraphQuery, JsonObject};
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::objects::{self, Kind, ListQuery, ObjectRow, ObjectWrite, Order, Scope};

/// What a write runs in: the caller's tenant, the open write transaction, the app state.
pub struct Write<'a> {
    pub state: &'a AppState,
    pub tenant: &'a str,
    /// The write transaction (derefs to the connection every store function takes).
    pub tx: &'a mut crate::store::WriteTx,
}

/// A directory resource: the declaration the generic handlers serve.
pub trait DirectoryResource: Send + Sync + 'static {
    /// The entity set, as in the path and `@odata.context` (`users`).
    const SET: &'static str;
    /// What its rows are in `directory_objects`.
    const KIND: Kind;
    /// Which properties exist, filter, sort, search and expand (`odata::model`).
    const MODEL: &'static ResourceModel;
    /// The permission a list, get or `$count` requires (from the resource's Graph API pages).
    const READ: &'static Permission;
    /// Server-managed properties a write body may carry but never changes (Graph ignores them).
    const READ_ONLY: &'static [&'static str];

    /// Renders a stored object with `$select` or the resource's default property set.
    fn render(
        id: &str,
        data: &Map<String, Value>,
        select: Option<&[&str]>,
        version: ApiVersion,
    ) -> Map<String, Value>;

    /// The object a path key names, on `conn` (an object id; users also take a
    /// userPrincipalName, applications and service principals an alternate key such as
    /// `(appId='…')`).
    fn lookup(
        conn: &mut sqlx::SqliteConnection,
        tenant: &str,
        key: &str,
    ) -> impl Future<Output = sqlx::Result<Option<ObjectRow>>> + Send {
        objects::get_by_kind(conn, tenant, Self::KIND, key)
    }

    /// The object a path key names, for a read (users read through the object cache).
    fn find(
        state: &AppState,
        tenant: &str,
        key: &str,
    ) -> impl Future<Output = Result<Option<ObjectRow>>> + Send {
        async move {
            let mut conn = state.db.pool.acquire().await?;
            Ok(Self::lookup(&mut conn, tenant, key).await?)
        }
    }

    /// Graph's 404 for a key that names no object (an alternate key names its value).
    fn missing(key: &str) -> GraphError {
        GraphError::not_found(key)
    }
}

/// A directory resource clients can create, update and delete: its special write rules.
pub trait WritableResource: DirectoryResource {
    /// The permissions a create, update and delete require.
    const CREATE: &'static Permission;
    const UPDATE: &'static Permission;
    const DELETE: &'static Permission;

    /// The special rules of a create: checks the body (read-only properties already removed),
    /// sets what the server sets, and stores the object (usually through [`insert`]). Returns
    /// the new object's id and stored JSON.
    fn create(
        write: &mut Write<'_>,
        body: Map<String, Value>,
    ) -> impl Future<Output = Result<(String, Map<String, Value>)>> + Send;

    /// A create in a write transaction of its own: [`create`](Self::create) between
    /// `begin_write` and the commit. A resource whose create is one checked insert overrides
    /// it to run that insert without a hand-off per statement (users).
    fn create_committed(
        state: &AppState,
        tenant: &str,
        body: Map<String, Value>,
    ) -> impl Future<Output = Result<(String, Map<String, Value>)>> + Send {
        async move {
            let mut tx = state.db.begin_write().await?;
            let mut write = Write {
                state,
                tenant,
                tx: &mut tx,
            };
            let created = Self::create(&mut write, body).await?;
            tx.commit().await?;
            Ok(created)
        }
    }

    /// The special rules of an update: `patch` (read-only properties removed) applied to the
    /// stored object `row`, checked, and stored (usually through [`merge`] and [`replace`]).
    fn update(
        write: &mut Write<'_>,
        row: &ObjectRow,
        patch: Map<String, Value>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Checks a PATCH body before the object is looked up (read-only properties already
    /// removed), so a malformed body is a 400 whether or not the object exists.
    fn checked_patch(patch: Map<String, Value>) -> Result<Map<String, Value>> {
        Ok(patch)
    }

    /// The special rules of a delete, run on the object `row` before it is removed in the same
    /// transaction: a refusal, or what goes with the object.
    fn before_delete(
        write: &mut Write<'_>,
        row: &ObjectRow,
    ) -> impl Future<Output = Result<()>> + Send {
        let _ = (write, row);
        async { Ok(()) }
    }

    /// The permission check of a PATCH (read-only properties already removed): the update
    /// permission, unless the resource's rules say otherwise (group member binds).
    fn authorize_update(caller: &Caller, patch: &Map<String, Value>) -> Result<()> {
        let _ = patch;
        caller.require(Self::UPDATE)
    }
}

/// The stored JSON of a row (`{}` if unreadable, which only a corrupt database could cause).
pub fn data_of(row: &ObjectRow) -> Map<String, Value> {
    serde_json::from_str(&row.data).unwrap_or_default()
}

/// `patch` over the stored object: `null` clears a property, absent properties stay.
pub fn merge(row: &ObjectRow, patch: Map<String, Value>) -> Map<String, Value> {
    let mut merged = data_of(row);
    merged.extend(patch);
    merged.retain(|_, v| !v.is_null());
    merged
}

fn write_of<'a>(
    id: &'a str,
    kind: Kind,
    data: &'a Map<String, Value>,
    json: &'a str,
) -> ObjectWrite<'a> {
    let text = |name: &str| data.get(name).and_then(Value::as_str);
    ObjectWrite {
        id,
        kind,
        display_name: text("displayName"),
        user_principal_name: text("userPrincipalName"),
        app_id: text("appId"),
        data: json,
    }
}

/// The rendering of users and groups: `$select`, else the resource's default property set in
/// v1.0 and every stored property in beta.
pub fn render_default_set(
    id: &str,
    data: &Map<String, Value>,
    select: Option<&[&str]>,
    version: ApiVersion,
    defaults: &[&str],
) -> Map<String, Value> {
    wire::project(id, data, select, defaults, version == ApiVersion::Beta)
}

/// Stores a new object of `kind` (its indexed columns come from its JSON).
pub async fn insert(
    write: &mut Write<'_>,
    kind: Kind,
    id: &str,
    data: &Map<String, Value>,
    secret: Option<&str>,
) -> Result<()> {
    let json = serde_json::to_string(data).map_err(GraphError::internal)?;
    objects::insert_object(
        write.tx,
        write.tenant,
        &write_of(id, kind, data, &json),
        secret,
    )
    .await?;
    Ok(())
}

/// Inserts a user whose userPrincipalName is on `domain`, if that domain is the tenant's and
/// the name is free (checked in the insert's own query); `false` when a check failed and
/// nothing was written. The committed row goes to the object cache: the user's data must not
/// change again in this transaction.
pub async fn insert_user(
    write: &mut Write<'_>,
    id: &str,
    data: &Map<String, Value>,
    secret: &str,
    domain: &str,
) -> Result<bool> {
    let json = serde_json::to_string(data).map_err(GraphError::internal)?;
    let object = write_of(id, Kind::User, data, &json);
    let Some(seq) =
        objects::insert_user_checked(write.tx, write.tenant, &object, Some(secret), domain).await?
    else {
        return Ok(false);
    };
    write
        .tx
        .wrote_user(write.tenant, ObjectRow::written(&object, seq));
    Ok(true)
}

/// [`insert_user`] as a write of its own, committed when it returns `true` (the object cache
/// has the row); `false` when a check failed and nothing was written.
pub async fn insert_user_alone(
    state: &AppState,
    tenant: &str,
    id: &str,
    data: &Map<String, Value>,
    secret: &str,
    domain: &str,
) -> Result<bool> {
    let json = serde_json::to_string(data).map_err(GraphError::internal)?;
    let object = write_of(id, Kind::User, data, &json);
    Ok(state
        .db
        .insert_user_alone(tenant, &object, secret, domain)
        .await?
        .is_some())
}

/// Replaces an object's JSON (and its indexed columns).
pub async fn replace(
    write: &mut Write<'_>,
    kind: Kind,
    id: &str,
    data: &Map<String, Value>,
) -> Result<()> {
    let json = serde_json::to_string(data).map_err(GraphError::internal)?;
    objects::update_object(write.tx, write.tenant, &write_of(id, kind, data, &json)).await?;
    Ok(())
}

/// [`replace`] for a user that this write changes no further: the replaced row goes to the
/// object cache at commit, so reading the user back (PATCH, then GET) needs no database read.
pub async fn replace_user(
    write: &mut Write<'_>,
    row: &ObjectRow,
    data: &Map<String, Value>,
) -> Result<()> {
    let json = serde_json::to_string(data).map_err(GraphError::internal)?;
    let object = write_of(&row.id, Kind::User, data, &json);
    if objects::update_object(write.tx, write.tenant, &object).await? {
        write
            .tx
            .wrote_user(write.tenant, ObjectRow::written(&object, row.seq));
    }
    Ok(())
}

/// Removes the read-only properties a client sent.
fn strip_read_only<R: DirectoryResource>(body: &mut Map<String, Value>) {
    for key in R::READ_ONLY {
        body.remove(*key);
    }
}

/// Renders any directory object with its kind's default set (or `$select`).
pub fn render_row(
    row: &ObjectRow,
    select: Option<&[&str]>,
    version: ApiVersion,
) -> Map<String, Value> {
    let data = data_of(row);
    match row.kind() {
        Kind::User => super::users::Users::render(&row.id, &data, select, version),
        Kind::Group => super::groups::Groups::render(&row.id, &data, select, version),
        Kind::ServicePrincipal => {
            super::service_principals::ServicePrincipals::render(&row.id, &data, select, version)
        }
        Kind::Application => {
            super::applications::Applications::render(&row.id, &data, select, version)
        }
        Kind::DirectoryRole => {
            super::directory_roles::DirectoryRoles::render(&row.id, &data, select, version)
        }
    }
}

/// The object `key` names, or Graph's 404.
pub async fn load<R: DirectoryResource>(
    state: &AppState,
    tenant: &str,
    key: &str,
) -> Result<ObjectRow> {
    R::find(state, tenant, key)
        .await?
        .ok_or_else(|| R::missing(key))
}

/// GET /{set} — the resource's list page. Permission: `READ`.
pub async fn list<R: DirectoryResource>(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
) -> Result<GraphJson> {
    caller.require(R::READ)?;
    let spec = ListSpec {
        scope: Scope::All(R::KIND),
        kind: None,
        model: R::MODEL,
        context_path: R::SET,
        polymorphic: false,
    };
    super::list::list(&state, &caller.tenant, version, &origin, &query, &spec).await
}

/// GET /{set}/$count — text/plain; Graph needs `ConsistencyLevel: eventual`.
pub async fn count<R: DirectoryResource>(
    caller: Caller,
    State(state): State<AppState>,
    query: GraphQuery,
) -> Result<Response> {
    caller.require(R::READ)?;
    count_response(
        &state,
        &caller.tenant,
        &query,
        Scope::All(R::KIND),
        None,
        R::MODEL,
    )
    .await
}

/// A `$count` segment's answer: the number of objects the view (`scope`, of `kind` when an
/// OData cast names one) holds after `$filter` and `$search`, as text/plain.
pub async fn count_response(
    state: &AppState,
    tenant: &str,
    query: &GraphQuery,
    scope: Scope<'_>,
    kind: Option<Kind>,
    model: &'static ResourceModel,
) -> Result<Response> {
    require_eventual(query)?;
    let options = query.options(model)?;
    let search = state.db.indexed_search(options.search.as_ref()).await?;
    let list_query = ListQuery {
        scope,
        kind,
        filter: options.filter.as_ref(),
        search,
        order: Order::Seq,
        after: None,
        limit: 1,
    };
    let mut conn = state.db.pool.acquire().await?;
    let count = objects::count_objects(&mut conn, tenant, &list_query)
        .await
        .map_err(super::list::list_error)?;
    Ok(text_count(count))
}

/// The `$count` of a set tenantsim does not store as objects (directory role templates):
/// `count` as text/plain, with the same `ConsistencyLevel` rule as [`count_response`].
pub fn count_of_fixed(query: &GraphQuery, count: usize) -> Result<Response> {
    require_eventual(query)?;
    Ok(text_count(i64::try_from(count).unwrap_or(i64::MAX)))
}

/// Graph answers `$count` only with `ConsistencyLevel: eventual`.
fn require_eventual(query: &GraphQuery) -> Result<()> {
    if query.eventual {
        Ok(())
    } else {
        Err(GraphError::request_bad_request(
            "$count is not currently supported.",
        ))
    }
}

fn text_count(count: i64) -> Response {
    let mut response = (StatusCode::OK, count.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain;charset=utf-8"),
    );
    response
}

/// GET /{set}/{key}. Permission: `READ`.
pub async fn get<R: DirectoryResource>(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
    Path(key): Path<String>,
) -> Result<Response> {
    caller.require(R::READ)?;
    read::<R>(&state, &caller.tenant, version, &origin, &query, &key).await
}

/// One object as Graph renders it, `$select` and `$expand` applied. The hot path of test
/// suites: the rendered body is reused until the next write.
pub async fn read<R: DirectoryResource>(
    state: &AppState,
    tenant: &str,
    version: ApiVersion,
    origin: &Origin,
    query: &GraphQuery,
    key: &str,
) -> Result<Response> {
    // `ConsistencyLevel: eventual` decides whether `$count=true` (and `$levels`) is allowed.
    let cache_key = crate::store::RenderKey::new(
        tenant,
        format_args!(
            "{}|{}|{}|{}|{}|{}",
            R::SET,
            version.segment(),
            origin.0,
            Lowercase(key),
            query.eventual,
            query.raw.as_deref().unwrap_or("")
        ),
    );
    if let Some(body) = state.db.rendered(&cache_key) {
        return Ok(wire::GraphJsonText(StatusCode::OK, body).into_response());
    }
    // Boxed: the store reads of a miss would otherwise size every hit's future for them.
    Box::pin(render_entity::<R>(
        state, tenant, version, origin, query, key, cache_key,
    ))
    .await
}

/// A cache miss of [`read`]: renders the object and keeps the body.
async fn render_entity<R: DirectoryResource>(
    state: &AppState,
    tenant: &str,
    version: ApiVersion,
    origin: &Origin,
    query: &GraphQuery,
    key: &str,
    cache_key: crate::store::RenderKey,
) -> Result<Response> {
    let generation = state.db.quiet_generation();
    let options = query.entity_options(R::MODEL)?;
    let row = load::<R>(state, tenant, key).await?;
    let select = options.select.as_deref();
    let mut fields = R::render(&row.id, &data_of(&row), select, version);
    if let Some(expand) = &options.expand {
        let mut conn = state.db.pool.acquire().await?;
        super::list::expand_members(&mut conn, tenant, version, &row, expand, &mut fields).await?;
    }
    let context = wire::context_url(origin, version, R::SET, select, true);
    let body: std::sync::Arc<str> = wire::entity(context, fields).to_string().into();
    state.db.keep_rendered(cache_key, generation, body.clone());
    Ok(wire::GraphJsonText(StatusCode::OK, body).into_response())
}

/// Writes a path key in lower case without allocating (keys are case-insensitive).
struct Lowercase<'a>(&'a str);

impl std::fmt::Display for Lowercase<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        // In runs between upper-case letters (usually one run: ids are sent in lower case);
        // a character at a time was 1 % of the hot GET.
        let mut rest = self.0;
        while let Some(at) = rest.bytes().position(|b| b.is_ascii_uppercase()) {
            f.write_str(&rest[..at])?;
            f.write_char(char::from(rest.as_bytes()[at].to_ascii_lowercase()))?;
            rest = &rest[at + 1..];
        }
        f.write_str(rest)
    }
}

/// POST /{set} — 201 with the new object. Permission: `CREATE`.
pub async fn create<R: WritableResource>(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    JsonObject(mut body): JsonObject,
) -> Result<GraphJson> {
    caller.require(R::CREATE)?;
    strip_read_only::<R>(&mut body);
    let (id, data) = R::create_committed(&state, &caller.tenant, body).await?;
    let context = wire::context_url(&origin, version, R::SET, None, true);
    Ok(GraphJson(
        StatusCode::CREATED,
        wire::entity(context, R::render(&id, &data, None, version)),
    ))
}

/// PATCH /{set}/{key} — 204. Permission: `UPDATE` (or the resource's `authorize_update`).
pub async fn update<R: WritableResource>(
    caller: Caller,
    State(state): State<AppState>,
    Path(key): Path<String>,
    JsonObject(mut body): JsonObject,
) -> Result<Response> {
    strip_read_only::<R>(&mut body);
    R::authorize_update(&caller, &body)?;
    patch::<R>(&state, &caller.tenant, &key, body).await
}

/// Applies a PATCH body to the object `key` names, in one write transaction.
pub async fn patch<R: WritableResource>(
    state: &AppState,
    tenant: &str,
    key: &str,
    mut body: Map<String, Value>,
) -> Result<Response> {
    strip_read_only::<R>(&mut body);
    let body = R::checked_patch(body)?;
    let mut tx = state.db.begin_write().await?;
    let row = find_in::<R>(&mut tx, tenant, key).await?;
    let mut write = Write {
        state,
        tenant,
        tx: &mut tx,
    };
    R::update(&mut write, &row, body).await?;
    tx.commit().await?;
    Ok(wire::no_content())
}

/// DELETE /{set}/{key} — 204. Permission: `DELETE`.
// Divergence: Graph keeps deleted users, groups and applications in deleted items for 30 days;
// tenantsim deletes them (README D15).
pub async fn delete<R: WritableResource>(
    caller: Caller,
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Response> {
    caller.require(R::DELETE)?;
    let mut tx = state.db.begin_write().await?;
    let row = find_in::<R>(&mut tx, &caller.tenant, &key).await?;
    let mut write = Write {
        state: &state,
        tenant: &caller.tenant,
        tx: &mut tx,
    };
    R::before_delete(&mut write, &row).await?;
    objects::delete_object(&mut tx, &caller.tenant, &row.id, R::KIND).await?;
    tx.commit().await?;
    Ok(wire::no_content())
}

/// Inside a write transaction: the object `key` names, or Graph's 404.
pub async fn find_in<R: DirectoryResource>(
    tx: &mut sqlx::SqliteConnection,
    tenant: &str,
    key: &str,
) -> Result<ObjectRow> {
    R::lookup(tx, tenant, key)
        .await?
        .ok_or_else(|| R::missing(key))
}

#[cfg(test)]
mod tests {
    use super::Lowercase;

    #[test]
    fn a_key_is_written_in_lower_case_whatever_its_runs() {
        for (key, lower) in [
            (
                "c0a70550-0000-4000-8000-000000000102",
                "c0a70550-0000-4000-8000-000000000102",
            ),
            (
                "C0A70550-0000-4000-8000-00000000010B",
                "c0a70550-0000-4000-8000-00000000010b",
            ),
            (
                "AdeleV@Contoso.onmicrosoft.COM",
                "adelev@contoso.onmicrosoft.com",
            ),
            ("Émile.ZED", "Émile.zed"),
            ("", ""),
        ] {
            assert_eq!(Lowercase(key).to_string(), lower);
        }
    }
}
