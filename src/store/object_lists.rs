//! Lists of directory objects: a kind, a group's members, what an object is a member of, its
//! links; with `$filter`, `$search`, `$orderby`, paging and `$count`
//! (<https://learn.microsoft.com/graph/api/user-list>,
//! <https://learn.microsoft.com/graph/api/group-list-members>). The queries are built here from
//! trusted fragments; every value is bound.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::filter_sql::{self, Bind};
use super::objects::{COLUMNS, Kind, ObjectRow};
use crate::odata::Filter;

/// Which rows a list reads: a whole kind, or a membership view of one object.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    All(Kind),
    /// Direct (`false`) or transitive (`true`) members of a group.
    MembersOf {
        group: &'a str,
        transitive: bool,
    },
    /// Groups the object is a direct or transitive member of, and the activated directory
    /// roles (`directoryRole` objects) it holds.
    MemberOf {
        member: &'a str,
        transitive: bool,
    },
    /// One hop over `directory_links`: the link targets of `object` (owners, manager) or,
    /// `reverse`, the objects linking to it (ownedObjects, directReports).
    Linked {
        kind: super::links::LinkKind,
        object: &'a str,
        reverse: bool,
    },
    /// The holders of a built-in role (`directory_role_members`, by template id).
    HoldersOf {
        template: &'a str,
    },
    /// No object: a cast to a directory type tenantsim stores none of (`device`).
    Nothing,
}

/// List order. `Seq` is creation order, the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Seq,
    DisplayName { descending: bool },
    UserPrincipalName { descending: bool },
}

/// Where the previous page stopped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Cursor {
    #[serde(rename = "s")]
    Seq(i64),
    #[serde(rename = "k")]
    Key(Option<String>, String),
}

pub struct ListQuery<'a> {
    pub scope: Scope<'a>,
    /// Only objects of this kind (OData casts such as `/members/microsoft.graph.user`).
    pub kind: Option<Kind>,
    pub filter: Option<&'a Filter>,
    pub search: Option<super::search_index::IndexedSearch<'a>>,
    pub order: Order,
    pub after: Option<&'a Cursor>,
    pub limit: u32,
}

/// Maps a canonical Graph property name to a trusted SQL expression over `o`.
fn column(property: &str) -> Option<String> {
    Some(match property {
        "id" => "o.id".to_owned(),
        "displayName" => "o.display_name".to_owned(),
        "userPrincipalName" => "o.user_principal_name".to_owned(),
        "appId" => "o.app_id".to_owned(),
        // Property names come from the OData model's whitelist: plain ASCII identifiers.
        other if other.chars().all(|c| c.is_ascii_alphanumeric()) => {
            format!("json_extract(o.data, '$.{other}')")
        }
        _ => return None,
    })
}

pub(super) fn push_binds(builder: &mut QueryBuilder<Sqlite>, sql: &str, binds: Vec<Bind>) {
    // `sql` uses `?` placeholders in bind order; QueryBuilder numbers its own, so splice them in.
    let mut binds = binds.into_iter();
    let mut rest = sql;
    while let Some(at) = rest.find('?') {
        builder.push(&rest[..at]);
        match binds.next() {
            Some(Bind::Text(text)) => builder.push_bind(text),
            Some(Bind::Int(int)) => builder.push_bind(int),
            None => builder.push("NULL"),
        };
        rest = &rest[at + 1..];
    }
    builder.push(rest);
}

/// Where a list reads its rows. `by_search`: a selective `$search` should drive the query
/// (see [`search_drives`]), so the tenant and kind are written as conditions no index serves.
fn push_from(builder: &mut QueryBuilder<Sqlite>, tenant: &str, scope: Scope<'_>, by_search: bool) {
    match scope {
        Scope::All(kind) => {
            let unary = if by_search { "+" } else { "" };
            builder.push(format!(
                " from directory_objects o where {unary}o.tenant_id = "
            ));
            builder.push_bind(tenant.to_owned());
            builder.push(format!(" and {unary}o.kind = "));
            builder.push_bind(kind.as_str());
        }
        Scope::MembersOf { group, transitive } => {
            push_closure_scope(builder, tenant, group, transitive, Direction::Down)
        }
        Scope::MemberOf { member, transitive } => {
            builder.push(" from (");
            push_closure(builder, tenant, member, transitive, Direction::Up);
            // Role objects exist once activated (a `directoryRole` row with its template id);
            // until then a holder's roles are simply not listed.
            builder.push(
                " union select d.id from directory_role_members rm cross join directory_objects d \
                 on d.tenant_id = rm.tenant_id and d.kind = 'directoryRole' \
                 and json_extract(d.data, '$.roleTemplateId') = rm.role_template_id \
                 where rm.tenant_id = ",
            );
            builder.push_bind(tenant.to_owned());
            builder.push(" and rm.member_id = ");
            builder.push_bind(member.to_owned());
            builder.push(") r cross join directory_objects o on o.id = r.id where o.tenant_id = ");
            builder.push_bind(tenant.to_owned());
        }
        Scope::Linked {
            kind,
            object,
            reverse,
        } => {
            let (from, to) = if reverse {
                ("target_id", "source_id")
            } else {
                ("source_id", "target_id")
            };
            builder.push(format!(
                " from (select {to} as id from directory_links where tenant_id = "
            ));
            builder.push_bind(tenant.to_owned());
            builder.push(" and kind = ");
            builder.push_bind(kind.as_str());
            builder.push(format!(" and {from} = "));
            builder.push_bind(object.to_owned());
            builder.push(") r cross join directory_objects o on o.id = r.id where o.tenant_id = ");
            builder.push_bind(tenant.to_owned());
        }
        Scope::HoldersOf { template } => {
            builder.push(
                " from (select member_id as id from directory_role_members where tenant_id = ",
            );
            builder.push_bind(tenant.to_owned());
            builder.push(" and role_template_id = ");
            builder.push_bind(template.to_owned());
            builder.push(") r cross join directory_objects o on o.id = r.id where o.tenant_id = ");
            builder.push_bind(tenant.to_owned());
        }
        Scope::Nothing => {
            builder.push(" from directory_objects o where 0 and o.tenant_id = ");
            builder.push_bind(tenant.to_owned());
        }
    }
}

/// The objects reachable from `start`. The closure drives (CROSS JOIN fixes the order):
/// otherwise SQLite walks the tenant's objects in `seq` order testing each against the
/// closure, 27 ms in a 100k-user tenant.
fn push_closure_scope(
    builder: &mut QueryBuilder<Sqlite>,
    tenant: &str,
    start: &str,
    transitive: bool,
    dir: Direction,
) {
    builder.push(" from (");
    push_closure(builder, tenant, start, transitive, dir);
    builder.push(") r cross join directory_objects o on o.id = r.id where o.tenant_id = ");
    builder.push_bind(tenant.to_owned());
}

#[derive(Clone, Copy)]
enum Direction {
    /// From a group to its members.
    Down,
    /// From a member to the groups containing it.
    Up,
}

/// A sub-select of ids reachable from `start` through memberships, one step or transitively.
/// `union` (not `union all`) keeps the recursion finite even if a cycle slipped in.
fn push_closure(
    builder: &mut QueryBuilder<Sqlite>,
    tenant: &str,
    start: &str,
    transitive: bool,
    dir: Direction,
) {
    let (from, to) = match dir {
        Direction::Down => ("group_id", "member_id"),
        Direction::Up => ("member_id", "group_id"),
    };
    if !transitive {
        builder.push(format!(
            "select {to} as id from memberships where tenant_id = "
        ));
        builder.push_bind(tenant.to_owned());
        builder.push(format!(" and {from} = "));
        builder.push_bind(start.to_owned());
        return;
    }
    builder.push(format!(
        "with recursive reach(id) as (select {to} from memberships where tenant_id = "
    ));
    builder.push_bind(tenant.to_owned());
    builder.push(format!(" and {from} = "));
    builder.push_bind(start.to_owned());
    builder.push(format!(
        // CROSS JOIN: probe memberships per row found (see store::members), never scan it.
        " union select m.{to} from reach cross join memberships m on m.{from} = reach.id where m.tenant_id = "
    ));
    builder.push_bind(tenant.to_owned());
    builder.push(") select id from reach");
}

fn push_conditions(
    builder: &mut QueryBuilder<Sqlite>,
    query: &ListQuery<'_>,
) -> Result<(), String> {
    if let Some(kind) = query.kind {
        builder.push(" and o.kind = ");
        builder.push_bind(kind.as_str());
    }
    if let Some(filter) = query.filter {
        let fragment = filter_sql::filter_to_sql(filter, &column)?;
        builder.push(" and (");
        push_binds(builder, &fragment.sql, fragment.binds);
        builder.push(")");
    }
    if let Some(search) = query.search {
        let fragment = filter_sql::search_to_sql(search.search())?;
        builder.push(" and (");
        push_binds(builder, &fragment.sql, fragment.binds);
        builder.push(")");
    }
    Ok(())
}

/// Rows a `$search` term may match before a list reads the tenant in its own order instead.
const SELECTIVE_SEARCH: i64 = 2000;

/// Whether a whole-set list should start from its `$search` matches: yes when every term
/// matches fewer than [`SELECTIVE_SEARCH`] objects (in any tenant), so the rows are looked up
/// and sorted; otherwise the tenant's rows are read in list order until a page is full, which
/// ends soon when matches are common. SQLite cannot tell the two apart (a full-text match has
/// no statistics): left alone it read all 100,000 users of a tenant to find 100.
async fn search_drives(conn: &mut SqliteConnection, query: &ListQuery<'_>) -> sqlx::Result<bool> {
    let (Scope::All(_), Some(search)) = (query.scope, query.search) else {
        return Ok(false);
    };
    for expression in filter_sql::search_matches(search.search()) {
        let matches: i64 = sqlx::query_scalar(
            "select count(*) from (select 1 from directory_search where directory_search match ? limit ?)",
        )
        .bind(expression)
        .bind(SELECTIVE_SEARCH)
        .fetch_one(&mut *conn)
        .await?;
        if matches >= SELECTIVE_SEARCH {
            return Ok(false);
        }
    }
    Ok(true)
}

/// One page of objects, and the cursor after its last row when more may follow.
pub async fn list_objects(
    conn: &mut SqliteConnection,
    tenant: &str,
    query: &ListQuery<'_>,
) -> Result<(Vec<ObjectRow>, Option<Cursor>), ListError> {
    let by_search = search_drives(conn, query).await.map_err(ListError::Db)?;
    let mut builder = QueryBuilder::<Sqlite>::new(format!("select {COLUMNS}"));
    push_from(&mut builder, tenant, query.scope, by_search);
    push_conditions(&mut builder, query).map_err(ListError::Query)?;
    let (key, descending) = match query.order {
        Order::Seq => (None, false),
        Order::DisplayName { descending } => (Some("o.display_name"), descending),
        Order::UserPrincipalName { descending } => (Some("o.user_principal_name"), descending),
    };
    let cmp = if descending { "<" } else { ">" };
    match (query.after, key) {
        (Some(Cursor::Seq(seq)), None) => {
            builder.push(" and o.seq > ");
            builder.push_bind(*seq);
        }
        (Some(Cursor::Key(value, id)), Some(key)) => {
            // Keyset paging on (key, id); NULL keys sort first ascending.
            builder.push(format!(" and ({key}, o.id) {cmp} ("));
            builder.push_bind(value.clone());
            builder.push(", ");
            builder.push_bind(id.clone());
            builder.push(")");
        }
        (Some(_), _) => return Err(ListError::BadCursor),
        (None, _) => {}
    }
    let direction = if descending { "desc" } else { "asc" };
    match key {
        None => builder.push(" order by o.seq"),
        Some(key) => builder.push(format!(" order by {key} {direction}, o.id {direction}")),
    };
    builder.push(" limit ");
    builder.push_bind(i64::from(query.limit) + 1);
    let mut rows: Vec<ObjectRow> = builder
        .build_query_as()
        .fetch_all(conn)
        .await
        .map_err(ListError::Db)?;
    let more = rows.len() > query.limit as usize;
    rows.truncate(query.limit as usize);
    let next = match (more, rows.last()) {
        (true, Some(last)) => Some(match query.order {
            Order::Seq => Cursor::Seq(last.seq),
            Order::DisplayName { .. } => Cursor::Key(last.display_name.clone(), last.id.clone()),
            Order::UserPrincipalName { .. } => {
                Cursor::Key(last.user_principal_name.clone(), last.id.clone())
            }
        }),
        _ => None,
    };
    Ok((rows, next))
}

/// The object `id` if it is in `scope` (`/members/{id}`, `/owners/{id}`).
pub async fn find_in_scope(
    conn: &mut SqliteConnection,
    tenant: &str,
    scope: Scope<'_>,
    id: &str,
) -> sqlx::Result<Option<ObjectRow>> {
    let mut builder = QueryBuilder::<Sqlite>::new(format!("select {COLUMNS}"));
    push_from(&mut builder, tenant, scope, false);
    builder.push(" and o.id = ");
    builder.push_bind(id.to_ascii_lowercase());
    builder.push(" limit 1");
    builder.build_query_as().fetch_optional(conn).await
}

/// The number of objects a list would return over all its pages.
pub async fn count_objects(
    conn: &mut SqliteConnection,
    tenant: &str,
    query: &ListQuery<'_>,
) -> Result<i64, ListError> {
    let by_search = search_drives(conn, query).await.map_err(ListError::Db)?;
    let mut builder = QueryBuilder::<Sqlite>::new("select count(*)");
    push_from(&mut builder, tenant, query.scope, by_search);
    push_conditions(&mut builder, query).map_err(ListError::Query)?;
    builder
        .build_query_scalar()
        .fetch_one(conn)
        .await
        .map_err(ListError::Db)
}

/// Why a list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("unsupported query: {0}")]
    Query(String),
    #[error("the skip token does not fit this query")]
    BadCursor,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}
