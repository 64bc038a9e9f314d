//! The read side of every declared relationship: lists, `/$count`, casts, `/{id}`,
//! `$ref` lists, single-valued navigations and `$expand`.

use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::{ALL, Op, Relationship, Source, Storage};
use crate::auth::Caller;
use crate::error::{GraphError, Result};
use crate::graph::list::{self, ListSpec, render_row};
use crate::graph::resource;
use crate::odata::{Expand, ResourceModel, model};
use crate::protocol::request::GraphQuery;
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::objects::Scope;
use crate::store::{self, objects::Kind, objects::ListQuery, objects::ObjectRow, objects::Order};

/// What every relationship handler reads from the request.
pub struct Context {
    pub caller: Caller,
    pub state: AppState,
    pub version: ApiVersion,
    pub origin: Origin,
    pub query: GraphQuery,
    /// The path parameters in order: the source key (not for `/me`), then segments.
    pub params: Vec<String>,
}

impl FromRequestParts<AppState> for Context {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let caller = Caller::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let origin = Origin::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let query = GraphQuery::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let params = <Option<Path<Vec<String>>> as FromRequestParts<AppState>>::from_request_parts(
            parts, state,
        )
        .await
        .map_err(IntoResponse::into_response)?
        .map(|Path(p)| p)
        .unwrap_or_default();
        let version = ApiVersion::of(parts);
        Ok(Self {
            caller,
            state: state.clone(),
            version,
            origin,
            query,
            params,
        })
    }
}

impl Context {
    /// The segments after the source key.
    pub fn segments(&self, source: Source) -> &[String] {
        let skip = usize::from(source != Source::Me);
        self.params.get(skip..).unwrap_or_default()
    }
}

/// An OData cast segment: a kind tenantsim stores, or one it never stores (always empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cast {
    Stored(Kind),
    Never(&'static str),
}

impl Cast {
    /// The model its options are read against and the entity set of `@odata.context`.
    fn model(self) -> (&'static ResourceModel, &'static str) {
        match self {
            Self::Stored(Kind::User) => (&model::USER, "users"),
            Self::Stored(Kind::Group) => (&model::GROUP, "groups"),
            Self::Stored(Kind::ServicePrincipal) => {
                (&model::SERVICE_PRINCIPAL, "servicePrincipals")
            }
            Self::Stored(Kind::Application) => (&model::DIRECTORY_OBJECT, "applications"),
            Self::Stored(Kind::DirectoryRole) => (&model::DIRECTORY_OBJECT, "directoryRoles"),
            Self::Never(set) => (&model::DIRECTORY_OBJECT, set),
        }
    }
}

/// `microsoft.graph.user` or the SDKs' `graph.user` (any case) → the cast; `None` when the
/// segment is no cast at all (an object id); Graph's 400 for a cast to an unknown type.
pub fn parse_cast(segment: &str) -> Result<Option<Cast>> {
    let lower = segment.to_ascii_lowercase();
    let Some(name) = lower
        .strip_prefix("microsoft.graph.")
        .or_else(|| lower.strip_prefix("graph."))
    else {
        return Ok(None);
    };
    Ok(Some(match name {
        "user" => Cast::Stored(Kind::User),
        "group" => Cast::Stored(Kind::Group),
        "serviceprincipal" => Cast::Stored(Kind::ServicePrincipal),
        "application" => Cast::Stored(Kind::Application),
        "directoryrole" => Cast::Stored(Kind::DirectoryRole),
        "orgcontact" => Cast::Never("contacts"),
        "device" => Cast::Never("devices"),
        "administrativeunit" => Cast::Never("administrativeUnits"),
        // Service principals' owners and owned objects may be these in Graph.
        "approleassignment" => Cast::Never("appRoleAssignments"),
        "endpoint" => Cast::Never("endpoints"),
        _ => return Err(GraphError::unknown_segment(segment)),
    }))
}

/// The object id of the source (404 when there is none), after the permission check: without
/// the permission a caller gets the same 403 whether or not the object exists.
pub async fn source_id(
    ctx: &Context,
    source: Source,
    permission: &crate::auth::permissions::Permission,
) -> Result<String> {
    if source == Source::Me {
        let me = crate::graph::users::me(&ctx.caller)?.to_owned();
        ctx.caller.require(permission)?;
        return Ok(me);
    }
    ctx.caller.require(permission)?;
    let key = ctx.params.first().map(String::as_str).unwrap_or_default();
    let tenant = &ctx.caller.tenant;
    let mut conn = ctx.state.db.pool.acquire().await?;
    let row = match (source, source.kind()) {
        (Source::Users, _) => store::objects::get_user(&mut conn, tenant, key).await?,
        (_, Some(kind)) => store::objects::get_by_kind(&mut conn, tenant, kind, key).await?,
        // A directory without devices: Graph's 404 for the device.
        (_, None) => None,
    };
    row.map(|r| r.id).ok_or_else(|| GraphError::not_found(key))
}

/// The store scope of `rel` from `object`; `None` for a relationship tenantsim records
/// nothing of (always empty).
pub fn scope<'a>(rel: &Relationship, object: &'a str) -> Option<Scope<'a>> {
    Some(match rel.storage {
        Storage::Members { transitive } => Scope::MembersOf {
            group: object,
            transitive,
        },
        Storage::MemberOf { transitive } => Scope::MemberOf {
            member: object,
            transitive,
        },
        Storage::Link { kind, reverse } => Scope::Linked {
            kind,
            object,
            reverse,
        },
        Storage::Empty => return None,
    })
}

/// An empty page of `context_path` (a cast to a type never stored, or an empty relationship).
fn empty_page(
    ctx: &Context,
    model: &'static ResourceModel,
    context_path: &str,
) -> Result<GraphJson> {
    let options = ctx.query.options(model)?;
    let count = (options.count && ctx.query.eventual).then_some(0);
    let context = wire::context_url(
        &ctx.origin,
        ctx.version,
        context_path,
        options.select.as_deref(),
        false,
    );
    Ok(GraphJson(
        StatusCode::OK,
        wire::collection(context, count, None, Vec::new()),
    ))
}

/// Graph's advanced-query rules for a relationship list (aad-advanced-queries): a cast on a
/// transitive list, and `$filter`/`$orderby`/`$search` on memberOf, need
/// `ConsistencyLevel: eventual` + `$count=true`; a cast on a direct list works without them.
fn check_advanced(
    rel: &Relationship,
    query: &GraphQuery,
    cast: Option<Cast>,
    model: &'static ResourceModel,
) -> Result<()> {
    let options = query.options(model)?;
    let advanced = query.eventual && options.count;
    if cast.is_some() && rel.transitive() && !advanced {
        return Err(GraphError::unsupported_query(
            "The requested cast is only supported with the ConsistencyLevel:eventual header and the $count=true query parameter.",
        ));
    }
    let member_of = matches!(rel.storage, Storage::MemberOf { .. });
    if member_of && (options.filter.is_some() || options.orderby.is_some()) && !advanced {
        return Err(GraphError::unsupported_query(
            "The specified filter to the reference property query is currently not supported.",
        ));
    }
    Ok(())
}

/// GET handlers of every relationship.
pub async fn read(rel: &'static Relationship, source: Source, op: Op, ctx: Context) -> Response {
    match read_inner(rel, source, op, &ctx).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn read_inner(
    rel: &'static Relationship,
    source: Source,
    op: Op,
    ctx: &Context,
) -> Result<Response> {
    let id = source_id(ctx, source, rel.read).await?;
    let segments = ctx.segments(source);
    let segment = segments.first().map(String::as_str).unwrap_or_default();
    match op {
        Op::List if rel.single => single(rel, ctx, &id).await,
        Op::List => Ok(list_of(rel, ctx, &id, None).await?.into_response()),
        Op::Count => count_of(rel, ctx, &id, None).await,
        Op::Segment => match parse_cast(segment)? {
            Some(cast) => Ok(list_of(rel, ctx, &id, Some(cast)).await?.into_response()),
            None => one_of(rel, ctx, &id, segment, None).await,
        },
        Op::SegmentCount => match parse_cast(segment)? {
            Some(cast) => count_of(rel, ctx, &id, Some(cast)).await,
            None => Err(GraphError::unknown_segment("$count")),
        },
        Op::SegmentCast => {
            let cast_segment = segments.get(1).map(String::as_str).unwrap_or_default();
            match parse_cast(cast_segment)? {
                Some(cast) => one_of(rel, ctx, &id, segment, Some(cast)).await,
                None => Err(GraphError::unknown_segment(cast_segment)),
            }
        }
        Op::RefList => ref_list(rel, ctx, &id).await,
        Op::RefAdd | Op::RefRemove => Err(GraphError::internal(anyhow::anyhow!(
            "a write op routed to read"
        ))),
    }
}

/// One page of the relationship (optionally cast).
async fn list_of(
    rel: &Relationship,
    ctx: &Context,
    id: &str,
    cast: Option<Cast>,
) -> Result<GraphJson> {
    let (model, context_path) = match cast {
        Some(cast) => cast.model(),
        None => (&model::DIRECTORY_OBJECT, "directoryObjects"),
    };
    check_advanced(rel, &ctx.query, cast, model)?;
    let kind = match cast {
        Some(Cast::Stored(kind)) => Some(kind),
        Some(Cast::Never(_)) => return empty_page(ctx, model, context_path),
        None => None,
    };
    let Some(scope) = scope(rel, id) else {
        return empty_page(ctx, model, context_path);
    };
    let spec = ListSpec {
        scope,
        kind,
        model,
        context_path,
        polymorphic: cast.is_none(),
    };
    list::list(
        &ctx.state,
        &ctx.caller.tenant,
        ctx.version,
        &ctx.origin,
        &ctx.query,
        &spec,
    )
    .await
}

/// `/$count` and `/{cast}/$count`: `text/plain`, only with `ConsistencyLevel: eventual`.
async fn count_of(
    rel: &Relationship,
    ctx: &Context,
    id: &str,
    cast: Option<Cast>,
) -> Result<Response> {
    let model = cast.map_or(&model::DIRECTORY_OBJECT, |c| c.model().0);
    let (scope, kind) = match (cast, scope(rel, id)) {
        (Some(Cast::Never(_)), _) | (_, None) => (Scope::Nothing, None),
        (Some(Cast::Stored(kind)), Some(scope)) => (scope, Some(kind)),
        (None, Some(scope)) => (scope, None),
    };
    resource::count_response(
        &ctx.state,
        &ctx.caller.tenant,
        &ctx.query,
        scope,
        kind,
        model,
    )
    .await
}

/// `/{nav}/{id}` and `/{nav}/{id}/{cast}`: one object of the relationship, or 404.
async fn one_of(
    rel: &Relationship,
    ctx: &Context,
    id: &str,
    member: &str,
    cast: Option<Cast>,
) -> Result<Response> {
    let (model, context_path) = match cast {
        Some(cast) => cast.model(),
        None => (&model::DIRECTORY_OBJECT, "directoryObjects"),
    };
    let options = ctx.query.entity_options(model)?;
    let mut conn = ctx.state.db.pool.acquire().await?;
    let row = match scope(rel, id) {
        Some(scope) => {
            store::objects::find_in_scope(&mut conn, &ctx.caller.tenant, scope, member).await?
        }
        None => None,
    };
    let row = row
        .filter(|row| match cast {
            Some(Cast::Stored(kind)) => row.kind() == kind,
            Some(Cast::Never(_)) => false,
            None => true,
        })
        .ok_or_else(|| GraphError::not_found(member))?;
    let select = options.select.as_deref();
    let context = wire::context_url(&ctx.origin, ctx.version, context_path, select, true);
    let fields = render_row(&row, select, ctx.version, cast.is_none());
    Ok(GraphJson(StatusCode::OK, wire::entity(context, fields)).into_response())
}

/// A single-valued navigation (`manager`): the object, or Graph's 404 naming the navigation.
async fn single(rel: &Relationship, ctx: &Context, id: &str) -> Result<Response> {
    let options = ctx.query.entity_options(&model::USER)?;
    let mut conn = ctx.state.db.pool.acquire().await?;
    let row = first_of(&mut conn, &ctx.caller.tenant, rel, id)
        .await?
        .ok_or_else(|| GraphError::not_found(rel.navigation))?;
    let select = options.select.as_deref();
    let context = wire::context_url(&ctx.origin, ctx.version, "directoryObjects", select, true);
    let fields = render_row(&row, select, ctx.version, true);
    Ok(GraphJson(StatusCode::OK, wire::entity(context, fields)).into_response())
}

async fn first_of(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    rel: &Relationship,
    id: &str,
) -> Result<Option<ObjectRow>> {
    let Some(scope) = scope(rel, id) else {
        return Ok(None);
    };
    let query = ListQuery {
        scope,
        kind: None,
        filter: None,
        search: None,
        order: Order::Seq,
        after: None,
        limit: 1,
    };
    let (rows, _) = store::objects::list_objects(conn, tenant, &query)
        .await
        .map_err(list::list_error)?;
    Ok(rows.into_iter().next())
}

/// `GET …/{nav}/$ref`: the page as references.
// Divergence: Graph's `@odata.id` values use its internal
// `https://graph.microsoft.com/v2/{tenant}/directoryObjects/{id}/Microsoft.DirectoryServices.User`
// form; tenantsim writes `{origin}/{version}/directoryObjects/{id}`, which SDKs parse the same.
async fn ref_list(rel: &Relationship, ctx: &Context, id: &str) -> Result<Response> {
    let GraphJson(status, mut body) = list_of(rel, ctx, id, None).await?;
    let base = format!(
        "{}/{}/directoryObjects/",
        ctx.origin.0,
        ctx.version.segment()
    );
    if let Some(items) = body.get_mut("value").and_then(Value::as_array_mut) {
        for item in items.iter_mut() {
            let object = item.get("id").and_then(Value::as_str).unwrap_or_default();
            *item = json!({ "@odata.id": format!("{base}{object}") });
        }
    }
    if let Some(context) = body.get_mut("@odata.context") {
        *context = json!(format!(
            "{}/{}/$metadata#Collection($ref)",
            ctx.origin.0,
            ctx.version.segment()
        ));
    }
    Ok(GraphJson(status, body).into_response())
}

/// `$expand` of a declared navigation on one object: a single-valued one becomes the object
/// (left out when there is none), a collection at most 20 objects without a nextLink (Graph's
/// limit for expanded directory collections).
pub async fn expand_navigation(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    version: ApiVersion,
    row: &ObjectRow,
    expand: &Expand,
    item: &mut Map<String, Value>,
) -> Result<()> {
    let source = match row.kind() {
        Kind::User => Source::Users,
        Kind::Group => Source::Groups,
        Kind::ServicePrincipal => Source::ServicePrincipals,
        Kind::Application => Source::Applications,
        _ => return Ok(()),
    };
    let Some(rel) = ALL
        .iter()
        .find(|r| r.navigation == expand.navigation && r.sources.contains(&source))
    else {
        return Ok(());
    };
    let Some(scope) = scope(rel, &row.id) else {
        if !rel.single {
            item.insert(expand.navigation.clone(), Value::Array(Vec::new()));
        }
        return Ok(());
    };
    let query = ListQuery {
        scope,
        kind: None,
        filter: None,
        search: None,
        order: Order::Seq,
        after: None,
        limit: if rel.single { 1 } else { 20 },
    };
    let (rows, _) = store::objects::list_objects(conn, tenant, &query)
        .await
        .map_err(list::list_error)?;
    let select: Option<Vec<&str>> = expand
        .select
        .as_ref()
        .map(|s| s.iter().map(String::as_str).collect());
    let mut rendered = rows
        .iter()
        .map(|m| Value::Object(render_row(m, select.as_deref(), version, true)));
    if rel.single {
        if let Some(object) = rendered.next() {
            item.insert(expand.navigation.clone(), object);
        }
    } else {
        item.insert(expand.navigation.clone(), Value::Array(rendered.collect()));
    }
    Ok(())
}

/// The manager chain of a user (nearest first, at most 64) as stored rows.
pub async fn manager_chain(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    user: &str,
) -> Result<Vec<ObjectRow>> {
    let ids = store::links::manager_chain(conn, tenant, user, 64).await?;
    let rows = store::objects::get_many(conn, tenant, &ids).await?;
    // get_many orders by seq; the chain's order is the answer.
    Ok(ids
        .iter()
        .filter_map(|id| rows.iter().find(|r| &r.id == id).cloned())
        .collect())
}
