//! Directory objects (users, groups, service principals): one table, one id space per tenant.

use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteConnection};

use super::changes::Change;

// The lists moved to their own module; their paths stay these.
pub use super::object_lists::{
    Cursor, ListError, ListQuery, Order, Scope, count_objects, find_in_scope, list_objects,
};

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

pub(super) const COLUMNS: &str =
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
