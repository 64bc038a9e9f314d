//! Directory objects (users, groups, service principals): one table, one id space per tenant.

use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteConnection};

use super::changes::Change;
use super::filter_sql::{self, Bind};
use crate::odata::Filter;

/// The kind of directory object, stored in `directory_objects.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Group,
    ServicePrincipal,
    /// An app registration (`application`); its service principal is a separate object.
    Application,
    /// An activated directory role (`directoryRole`), one per role template in use.
    DirectoryRole,
}

impl Kind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
            Self::ServicePrincipal => "servicePrincipal",
            Self::Application => "application",
            Self::DirectoryRole => "directoryRole",
        }
    }

    /// Whether the change log records this kind's creations, updates and deletions (the
    /// kinds with a delta function: groups, users, service principals, applications).
    pub const fn tracked(self) -> bool {
        matches!(
            self,
            Self::User | Self::Group | Self::ServicePrincipal | Self::Application
        )
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "user" => Some(Self::User),
            "group" => Some(Self::Group),
            "servicePrincipal" => Some(Self::ServicePrincipal),
            "application" => Some(Self::Application),
            "directoryRole" => Some(Self::DirectoryRole),
            _ => None,
        }
    }
}

/// A directory object as stored. `data` is its Graph JSON without `id`.
#[derive(Debug, Clone, FromRow)]
pub struct ObjectRow {
    pub id: String,
    pub kind: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub app_id: Option<String>,
    pub data: String,
    pub seq: i64,
}

impl ObjectRow {
    pub fn kind(&self) -> Kind {
        Kind::parse(&self.kind).unwrap_or(Kind::User)
    }

    /// The row the store holds after `object` was written with this `seq`.
    pub fn written(object: &ObjectWrite<'_>, seq: i64) -> Self {
        Self {
            id: object.id.to_owned(),
            kind: object.kind.as_str().to_owned(),
            display_name: object.display_name.map(str::to_owned),
            user_principal_name: object.user_principal_name.map(str::to_owned),
            app_id: object.app_id.map(str::to_owned),
            data: object.data.to_owned(),
            seq,
        }
    }
}

const COLUMNS: &str =
    "o.id, o.kind, o.display_name, o.user_principal_name, o.app_id, o.data, o.seq";

/// What to insert or replace.
pub struct ObjectWrite<'a> {
    pub id: &'a str,
    pub kind: Kind,
    pub display_name: Option<&'a str>,
    pub user_principal_name: Option<&'a str>,
    pub app_id: Option<&'a str>,
    pub data: &'a str,
}

pub async fn insert_object(
    conn: &mut SqliteConnection,
    tenant: &str,
    object: &ObjectWrite<'_>,
    secret: Option<&str>,
) -> sqlx::Result<()> {
    const INSERT: &str = "insert into directory_objects
            (tenant_id, id, kind, display_name, user_principal_name, app_id, data, secret, seq)
         values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
            (select coalesce(max(seq), 0) + 1 from directory_objects where tenant_id = ?1))";
    // A tracked kind's change-log row goes in the same query: one round trip to the
    // connection's worker thread instead of two (each one is a thread hand-off each way).
    const INSERT_AND_LOG: &str = "insert into directory_objects
            (tenant_id, id, kind, display_name, user_principal_name, app_id, data, secret, seq)
         values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
            (select coalesce(max(seq), 0) + 1 from directory_objects where tenant_id = ?1));
         insert into directory_changes (tenant_id, object_id, kind, change) values (?1, ?2, ?3, ?9)";
    let tracked = object.kind.tracked();
    let query = sqlx::query(if tracked { INSERT_AND_LOG } else { INSERT })
        .bind(tenant)
        .bind(object.id)
        .bind(object.kind.as_str())
        .bind(object.display_name)
        .bind(object.user_principal_name)
        .bind(object.app_id)
        .bind(object.data)
        .bind(secret);
    let query = if tracked {
        query.bind(Change::Created.as_str())
    } else {
        query
    };
    query.execute(&mut *conn).await?;
    Ok(())
}

/// The checks of a user insert, on the insert's parameters (`?1` tenant, `?2` id, `?4`
/// userPrincipalName, `?7` domain): `domain` is one of the tenant's and no other object holds
/// the userPrincipalName.
macro_rules! user_insert_allowed_sql {
    () => {
        "exists(select 1 from tenant_domains where tenant_id = ?1 and name = ?7)
           and not exists(select 1 from directory_objects
                          where tenant_id = ?1 and user_principal_name = ?4 and id <> ?2)"
    };
}

/// The `seq` of the tenant's next object (`?1` tenant).
macro_rules! next_seq_sql {
    () => {
        "(select coalesce(max(seq), 0) + 1 from directory_objects where tenant_id = ?1)"
    };
}

/// The checked user insert: `?1` tenant, `?2` id, `?3` displayName, `?4` userPrincipalName,
/// `?5` JSON, `?6` secret, `?7` domain, `?8` appId. It inserts only if the checks pass, and
/// returns the new `seq`.
macro_rules! insert_user_checked_sql {
    () => {
        concat!(
            "insert into directory_objects
            (tenant_id, id, kind, display_name, user_principal_name, app_id, data, secret, seq)
         select ?1, ?2, 'user', ?3, ?4, ?8, ?5, ?6, ",
            next_seq_sql!(),
            " where ",
            user_insert_allowed_sql!(),
            " returning seq"
        )
    };
}

/// The direct path's check (`store::direct`), on the parameters of the checked insert: the new
/// user's `seq`, or no row when a check fails. The direct path then inserts with a plain
/// `values`: SQLite runs an `insert … select` that reads its own table, and a `returning`,
/// through a temporary table each (a pager and page cache made and torn down per create).
pub(super) const NEXT_USER_SEQ: &str = concat!(
    "select ",
    next_seq_sql!(),
    " where ",
    user_insert_allowed_sql!()
);

/// Inserts a user, with its change-log row, only if `domain` is one of the tenant's domains
/// and no other object holds its userPrincipalName: the checks and the insert in one round
/// trip to the connection's worker thread (the hand-offs, not SQLite, are most of a create's
/// time). Returns the new row's `seq`, or `None` when a check failed and nothing was written
/// (ask [`upn_domain_and_taken`] which one).
pub async fn insert_user_checked(
    conn: &mut SqliteConnection,
    tenant: &str,
    user: &ObjectWrite<'_>,
    secret: Option<&str>,
    domain: &str,
) -> sqlx::Result<Option<i64>> {
    const INSERT_CHECKED_AND_LOG: &str = concat!(
        insert_user_checked_sql!(),
        ";
         insert into directory_changes (tenant_id, object_id, kind, change)
         select ?1, ?2, 'user', ?9 where changes() = 1"
    );
    debug_assert!(matches!(user.kind, Kind::User) && Kind::User.tracked());
    // fetch_all: every statement of the text runs (a fetch that stops at the first row
    // could leave the change-log insert unexecuted).
    let seqs: Vec<i64> = sqlx::query_scalar(INSERT_CHECKED_AND_LOG)
        .bind(tenant)
        .bind(user.id)
        .bind(user.display_name)
        .bind(user.user_principal_name)
        .bind(user.data)
        .bind(secret)
        .bind(domain)
        .bind(user.app_id)
        .bind(Change::Created.as_str())
        .fetch_all(&mut *conn)
        .await?;
    Ok(seqs.first().copied())
}

/// Replaces the indexed columns and the JSON of an existing object.
pub async fn update_object(
    conn: &mut SqliteConnection,
    tenant: &str,
    object: &ObjectWrite<'_>,
) -> sqlx::Result<bool> {
    const UPDATE: &str = "update directory_objects
            set display_name = ?1, user_principal_name = ?2, app_id = ?3, data = ?4
         where tenant_id = ?5 and id = ?6 and kind = ?7
         returning 1";
    // A tracked kind's change-log row goes in the same query when the update found the row:
    // one round trip to the connection's worker thread instead of two.
    const UPDATE_AND_LOG: &str = "update directory_objects
            set display_name = ?1, user_principal_name = ?2, app_id = ?3, data = ?4
         where tenant_id = ?5 and id = ?6 and kind = ?7
         returning 1;
         insert into directory_changes (tenant_id, object_id, kind, change)
         select ?5, ?6, ?7, ?8 where changes() = 1";
    let tracked = object.kind.tracked();
    let query = sqlx::query_scalar(if tracked { UPDATE_AND_LOG } else { UPDATE })
        .bind(object.display_name)
        .bind(object.user_principal_name)
        .bind(object.app_id)
        .bind(object.data)
        .bind(tenant)
        .bind(object.id)
        .bind(object.kind.as_str());
    let query = if tracked {
        query.bind(Change::Updated.as_str())
    } else {
        query
    };
    let updated: Vec<i64> = query.fetch_all(&mut *conn).await?;
    Ok(!updated.is_empty())
}

pub async fn set_secret(
    conn: &mut SqliteConnection,
    tenant: &str,
    id: &str,
    secret: &str,
) -> sqlx::Result<()> {
    sqlx::query("update directory_objects set secret = ? where tenant_id = ? and id = ?")
        .bind(secret)
        .bind(tenant)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn secret(
    conn: &mut SqliteConnection,
    tenant: &str,
    id: &str,
) -> sqlx::Result<Option<String>> {
    let found: Option<Option<String>> =
        sqlx::query_scalar("select secret from directory_objects where tenant_id = ? and id = ?")
            .bind(tenant)
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(found.flatten())
}

pub async fn delete_object(
    conn: &mut SqliteConnection,
    tenant: &str,
    id: &str,
    kind: Kind,
) -> sqlx::Result<bool> {
    // The delta log sees the object leave every group it was in.
    super::changes::record_member_everywhere_removed(conn, tenant, id).await?;
    // Grants of (or to) the object go with it, as in Entra. One statement per column: with
    // `or`, SQLite walked all of the tenant's memberships and grants (hundreds of thousands
    // at 100,000 users, ~50 ms a delete) instead of using each column's index.
    sqlx::query(
        "delete from memberships where tenant_id = ?1 and group_id = ?2;
         delete from memberships where tenant_id = ?1 and member_id = ?2;
         delete from oauth2_permission_grants where tenant_id = ?1 and principal_id = ?2;
         delete from oauth2_permission_grants where tenant_id = ?1 and client_id = ?2;
         delete from oauth2_permission_grants where tenant_id = ?1 and resource_id = ?2;",
    )
    .bind(tenant)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("delete from directory_role_members where tenant_id = ? and member_id = ?")
        .bind(tenant)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let done =
        sqlx::query("delete from directory_objects where tenant_id = ? and id = ? and kind = ?")
            .bind(tenant)
            .bind(id)
            .bind(kind.as_str())
            .execute(&mut *conn)
            .await?;
    let deleted = done.rows_affected() > 0;
    if deleted && kind.tracked() {
        super::changes::record(conn, tenant, id, kind.as_str(), Change::Deleted).await?;
    }
    Ok(deleted)
}

/// Any directory object by id, whatever its kind.
pub async fn get_object(
    conn: &mut SqliteConnection,
    tenant: &str,
    id: &str,
) -> sqlx::Result<Option<ObjectRow>> {
    sqlx::query_as(
        "select o.id, o.kind, o.display_name, o.user_principal_name, o.app_id, o.data, o.seq
         from directory_objects o where o.tenant_id = ? and o.id = lower(?)",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// A user by object id or userPrincipalName.
pub async fn get_user(
    conn: &mut SqliteConnection,
    tenant: &str,
    key: &str,
) -> sqlx::Result<Option<ObjectRow>> {
    sqlx::query_as(
        "select o.id, o.kind, o.display_name, o.user_principal_name, o.app_id, o.data, o.seq
         from directory_objects o
         where o.tenant_id = ?1 and o.kind = 'user' and (o.id = lower(?2) or o.user_principal_name = ?2)",
    )
    .bind(tenant)
    .bind(key)
    .fetch_optional(conn)
    .await
}

pub async fn get_by_kind(
    conn: &mut SqliteConnection,
    tenant: &str,
    kind: Kind,
    id: &str,
) -> sqlx::Result<Option<ObjectRow>> {
    sqlx::query_as(
        "select o.id, o.kind, o.display_name, o.user_principal_name, o.app_id, o.data, o.seq
         from directory_objects o where o.tenant_id = ? and o.kind = ? and o.id = lower(?)",
    )
    .bind(tenant)
    .bind(kind.as_str())
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// For a userPrincipalName being set: whether `domain` is one of the tenant's verified
/// domains, and whether another object than `except_id` already uses `upn` (both compared
/// ASCII case-insensitively). One query: the user create and update paths ask both.
pub async fn upn_domain_and_taken(
    conn: &mut SqliteConnection,
    tenant: &str,
    domain: &str,
    upn: &str,
    except_id: &str,
) -> sqlx::Result<(bool, bool)> {
    sqlx::query_as(
        "select exists(select 1 from tenant_domains where tenant_id = ?1 and name = ?2),
                exists(select 1 from directory_objects
                       where tenant_id = ?1 and user_principal_name = ?3 and id <> ?4)",
    )
    .bind(tenant)
    .bind(domain)
    .bind(upn)
    .bind(except_id)
    .fetch_one(conn)
    .await
}

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

/// The objects with these ids, in one tenant; missing ids are left out.
pub async fn get_many(
    conn: &mut SqliteConnection,
    tenant: &str,
    ids: &[String],
) -> sqlx::Result<Vec<ObjectRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut builder = QueryBuilder::<Sqlite>::new(format!(
        "select {COLUMNS} from directory_objects o where o.tenant_id = "
    ));
    builder.push_bind(tenant.to_owned());
    builder.push(" and o.id in (");
    let mut separated = builder.separated(", ");
    for id in ids {
        separated.push_bind(id.to_ascii_lowercase());
    }
    builder.push(") order by o.seq");
    builder.build_query_as().fetch_all(conn).await
}

/// Whether a group of `tenant` already uses `nickname` as its mailNickname (any case).
pub async fn mail_nickname_taken(
    conn: &mut SqliteConnection,
    tenant: &str,
    nickname: &str,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "select 1 from directory_objects where tenant_id = ? and kind = 'group'
         and lower(json_extract(data, '$.mailNickname')) = lower(?) limit 1",
    )
    .bind(tenant)
    .bind(nickname)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}
