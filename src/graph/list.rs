//! The one list pipeline behind every Graph collection of directory objects: OData options →
//! store query → page → envelope with `@odata.count` and an absolute `@odata.nextLink`.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::error::{GraphError, Result};
use crate::odata::{Expand, Levels, QueryOptions, ResourceModel};
use crate::protocol::request::GraphQuery;
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::objects::{self, Cursor, Kind, ListError, ListQuery, ObjectRow, Order, Scope};

/// What a collection route lists.
pub struct ListSpec<'a> {
    pub scope: Scope<'a>,
    /// An OData cast segment (`/members/microsoft.graph.user`) narrows to one kind.
    pub kind: Option<Kind>,
    pub model: &'static ResourceModel,
    /// The entity set named in `@odata.context` (`users`, `groups`, `directoryObjects`).
    pub context_path: &'a str,
    /// Items carry `@odata.type` (membership lists mix users and groups).
    pub polymorphic: bool,
}

/// `#microsoft.graph.user` and friends.
pub fn odata_type(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "#microsoft.graph.user",
        Kind::Group => "#microsoft.graph.group",
        Kind::ServicePrincipal => "#microsoft.graph.servicePrincipal",
        Kind::Application => "#microsoft.graph.application",
        Kind::DirectoryRole => "#microsoft.graph.directoryRole",
    }
}

/// Renders one object with its kind's default property set (or `$select`), with
/// `@odata.type` first when the list mixes kinds.
pub fn render_row(
    row: &ObjectRow,
    select: Option<&[&str]>,
    version: ApiVersion,
    polymorphic: bool,
) -> Map<String, Value> {
    let fields = super::resource::render_row(row, select, version);
    if !polymorphic {
        return fields;
    }
    let mut out = Map::new();
    out.insert(
        "@odata.type".to_owned(),
        Value::String(odata_type(row.kind()).to_owned()),
    );
    out.extend(fields);
    out
}

fn order_of(options: &QueryOptions) -> Order {
    match &options.orderby {
        Some(order) if order.property == "userPrincipalName" => Order::UserPrincipalName {
            descending: order.descending,
        },
        Some(order) => Order::DisplayName {
            descending: order.descending,
        },
        None => Order::Seq,
    }
}

/// Lists one page of `spec` for the request's OData options.
pub async fn list(
    state: &AppState,
    tenant: &str,
    version: ApiVersion,
    origin: &Origin,
    query: &GraphQuery,
    spec: &ListSpec<'_>,
) -> Result<GraphJson> {
    let options = query.options(spec.model)?;
    let cursor: Option<Cursor> = options
        .skiptoken
        .as_deref()
        .map(wire::decode_skiptoken)
        .transpose()?;
    let search = state.db.indexed_search(options.search.as_ref()).await?;
    let list_query = ListQuery {
        scope: spec.scope,
        kind: spec.kind,
        filter: options.filter.as_ref(),
        search,
        order: order_of(&options),
        after: cursor.as_ref(),
        limit: options.top.unwrap_or(state.settings.page_size),
    };
    let mut conn = state.db.pool.acquire().await?;
    let (rows, next) = objects::list_objects(&mut conn, tenant, &list_query)
        .await
        .map_err(list_error)?;
    // `$count=true` counts only with ConsistencyLevel: eventual (silently ignored otherwise),
    // and only on the first page.
    let count = if options.count && query.eventual && cursor.is_none() {
        Some(
            objects::count_objects(&mut conn, tenant, &list_query)
                .await
                .map_err(list_error)?,
        )
    } else {
        None
    };
    let select = options.select.as_deref();
    let mut value = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut item = render_row(row, select, version, spec.polymorphic);
        if let Some(expand) = &options.expand {
            expand_members(&mut conn, tenant, version, row, expand, &mut item).await?;
        }
        value.push(Value::Object(item));
    }
    let next =
        next.map(|cursor| wire::next_link(origin, &query.path, query.raw.as_deref(), &cursor));
    let context = wire::context_url(origin, version, spec.context_path, select, false);
    Ok(GraphJson(
        StatusCode::OK,
        wire::collection(context, count, next, value),
    ))
}

/// `$expand` of a declared navigation (`members`, `owners`, `manager`, …): see
/// [`super::relations::expand_navigation`]; `manager($levels=…)` is [`expand_manager_chain`].
pub async fn expand_members(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    version: ApiVersion,
    row: &ObjectRow,
    expand: &Expand,
    item: &mut Map<String, Value>,
) -> Result<()> {
    if let Some(levels) = expand.levels {
        return expand_manager_chain(conn, tenant, version, row, expand, levels, item).await;
    }
    super::relations::expand_navigation(conn, tenant, version, row, expand, item).await
}

/// `$expand=manager($levels=n|max)` on a user (user-list-manager): the chain nested as
/// `manager.manager…`, nearest first, each with `$select` inside the parentheses applied;
/// left out when the user has no manager.
// Divergence: `max` follows the chain up to 64 managers, the stored chain's limit (D41).
async fn expand_manager_chain(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    version: ApiVersion,
    row: &ObjectRow,
    expand: &Expand,
    levels: Levels,
    item: &mut Map<String, Value>,
) -> Result<()> {
    if row.kind() != Kind::User {
        return Ok(());
    }
    let mut chain = super::relations::manager_chain(conn, tenant, &row.id).await?;
    if let Levels::Count(n) = levels {
        chain.truncate(usize::try_from(n).unwrap_or(usize::MAX));
    }
    let select: Option<Vec<&str>> = expand
        .select
        .as_ref()
        .map(|s| s.iter().map(String::as_str).collect());
    let mut nested: Option<Map<String, Value>> = None;
    for manager in chain.iter().rev() {
        let mut object = render_row(manager, select.as_deref(), version, true);
        if let Some(above) = nested.take() {
            object.insert(expand.navigation.clone(), Value::Object(above));
        }
        nested = Some(object);
    }
    if let Some(manager) = nested {
        item.insert(expand.navigation.clone(), Value::Object(manager));
    }
    Ok(())
}

pub fn list_error(err: ListError) -> GraphError {
    match err {
        ListError::Query(message) => GraphError::unsupported_query(message),
        ListError::BadCursor => {
            GraphError::request_bad_request("The skip token does not match this query.")
        }
        ListError::Db(err) => GraphError::internal(err),
    }
}
