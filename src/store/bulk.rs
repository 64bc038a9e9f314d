//! Bulk loads (a large fixture at start-up, a reset of a large tenant): the big tables'
//! secondary indexes are set aside while the rows go in, then rebuilt in one sorted pass each.
//! Maintaining five text-keyed indexes row by row was most of a 100,000-user load; SQLite
//! builds an index over existing rows by sorting them, several times faster. Everything
//! happens inside the caller's write transaction, so a failed or interrupted load keeps the
//! indexes (DDL is transactional in SQLite) and no reader ever sees a table without them.
//!
//! Only plain (non-unique, non-partial) indexes are set aside: unique indexes enforce
//! constraints, and the small partial ones serve the lookups a load itself makes. The
//! sequence indexes stay too ([`KEPT`]): a load appends to them.
//!
//! The undo log's insert triggers (`store::undo`) are set aside with them. A bulk load inserts
//! only rows of tenants whose log is off (a new tenant's log starts once its rows are in; a
//! replaced tenant's log stops before its rows are deleted), so for those rows each trigger
//! only asked the tenant's flag and did nothing: one lookup per row, ~0.3 s of a
//! 100,000-user load (measured by loading with and without them).
//!
//! So is the search index's note of each new object (`store::search_index`). While requests
//! are served (a `--db` reset or import), a trigger indexes each object as it goes in, as the
//! index's first trigger did: at 100,000 users that took 0.43 s, and noting them all by trigger
//! then indexing them at the end took 0.67 s more. Before anything is served (the start-up load,
//! lab tenants) the objects are not indexed in the load at all: one statement notes every new
//! row at the end, and [`Db::fill_search_index_in_chunks`] indexes them once the server
//! listens (a `$search` meanwhile indexes what is left before it reads), so the index no longer
//! delays readiness.
//!
//! Readers must not see the half-built schema. A WAL file gives every reader a snapshot, so
//! with `--db` any load may do this. The in-memory database is a shared cache: there a
//! reader preparing a statement while the load holds the schema fails at once with
//! `SQLITE_LOCKED` ("database schema is locked") instead of waiting, so in memory only the
//! start-up load, before anything is served, takes this path ([`Readers`]).

use sqlx::SqliteConnection;

use super::{Db, search_index};

/// How the search index learns of the objects a bulk load inserts.
#[derive(Debug, Clone, Copy)]
enum NewObjects {
    /// A trigger indexes each as it goes in.
    Indexed,
    /// Noted at the end, every row past this rowid, for indexing after the load.
    NotedAfter(i64),
}

/// Who may read the database while a bulk load runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readers {
    /// Nobody: the start-up load, before the server listens.
    None,
    /// Requests are served meanwhile (resets, tenant creation, imports).
    Serving,
}

/// Below this many incoming directory objects, maintaining the indexes costs less than
/// rebuilding them (a rebuild reads every row of the table, every tenant's).
pub const MIN_OBJECTS: usize = 5_000;

/// The tables whose plain indexes a bulk load sets aside: the ones a large tenant fills. The
/// LinkedIn network's reverse index (`linkedin_connections_by_b`) took each pair in random
/// order: 50,000 pairs went in in 0.12 s with it and 0.05 s without, and its rebuild takes
/// 0.035 s (100,000 users, 4 starts each alternating).
const TABLES: [&str; 3] = ["directory_objects", "memberships", "linkedin_connections"];

/// Plain indexes a load keeps: it inserts a tenant's objects in `seq` order, so each entry goes
/// in at the end of its tenant's (and kind's) range, on a page just written, which costs less
/// than the rebuild's sort of every row (100,000 users, six starts each alternating: ready in
/// 1.92-2.79 s, median 2.17, against 2.19-2.98, median 2.45, rebuilding them).
const KEPT: [&str; 2] = ["directory_objects_by_kind_seq", "directory_objects_by_seq"];

/// Indexes and triggers dropped for a bulk load, with the statements that recreate them.
#[derive(Debug)]
#[must_use = "the indexes and triggers stay dropped until `rebuild` runs"]
pub struct SetAside {
    /// Each index by name, with its definition.
    indexes: Vec<(String, String)>,
    trigger_definitions: Vec<String>,
    new_objects: NewObjects,
}

/// Drops the big tables' plain indexes and the undo log's insert triggers, and has new objects
/// indexed for `$search` as they go in (`Readers::Serving`) or noted all at once by
/// [`rebuild`] (`Readers::None`) instead of noted one by one, when `incoming` objects are at
/// least half of what the tables will hold (so the rebuild reads mostly the rows being loaded
/// anyway); `None` when a load that small keeps them. Call inside the write transaction that
/// loads, after deleting what the load replaces (with foreign keys on, a deleted object finds
/// the rows referencing it through these indexes: without them, a scan each) and before
/// inserting, and [`rebuild`] before it commits.
pub async fn set_aside(
    db: &Db,
    readers: Readers,
    conn: &mut SqliteConnection,
    incoming: usize,
) -> sqlx::Result<Option<SetAside>> {
    if incoming < MIN_OBJECTS || (readers == Readers::Serving && !db.is_persistent()) {
        return Ok(None);
    }
    let present: i64 = sqlx::query_scalar("select count(*) from directory_objects")
        .fetch_one(&mut *conn)
        .await?;
    if usize::try_from(present).unwrap_or(usize::MAX) > incoming.saturating_mul(2) {
        return Ok(None);
    }
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "select name, sql from sqlite_schema
         where type = 'index' and tbl_name in (?, ?, ?) and sql is not null
           and sql not like 'create unique %' and sql not like '% where %'
           and name not in (?, ?)
         order by name",
    )
    .bind(TABLES[0])
    .bind(TABLES[1])
    .bind(TABLES[2])
    .bind(KEPT[0])
    .bind(KEPT[1])
    .fetch_all(&mut *conn)
    .await?;
    let triggers: Vec<(String, String)> = sqlx::query_as(
        "select name, sql from sqlite_schema
         where type = 'trigger'
           and (name like 'undo\\_%\\_insert' escape '\\' or name = 'directory_search_insert')
         order by name",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (kind, items) in [("index", &indexes), ("trigger", &triggers)] {
        for (name, _) in items {
            // An identifier read from the schema itself, not a value: it cannot be bound.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "drop {kind} \"{}\"",
                name.replace('"', "\"\"")
            )))
            .execute(&mut *conn)
            .await?;
        }
    }
    let new_objects = match readers {
        Readers::Serving => {
            sqlx::query(search_index::CREATE_BULK_LOAD_TRIGGER)
                .execute(&mut *conn)
                .await?;
            NewObjects::Indexed
        }
        Readers::None => {
            db.note_search_backlog();
            NewObjects::NotedAfter(
                sqlx::query_scalar("select coalesce(max(rowid), 0) from directory_objects")
                    .fetch_one(&mut *conn)
                    .await?,
            )
        }
    };
    tracing::debug!(
        indexes = indexes.len(),
        triggers = triggers.len(),
        "indexes and insert triggers set aside for a bulk load"
    );
    Ok(Some(SetAside {
        indexes,
        trigger_definitions: triggers.into_iter().map(|(_, sql)| sql).collect(),
        new_objects,
    }))
}

/// Ends a load of tenants, inside its write transaction: recreates the indexes and triggers
/// [`set_aside`] dropped, from their own definitions, in place of its indexing trigger, and
/// leaves every object the load inserted indexed for `$search` or noted for it.
pub async fn rebuild(conn: &mut SqliteConnection, set_aside: Option<SetAside>) -> sqlx::Result<()> {
    let Some(set_aside) = set_aside else {
        // The notes triggers made: a loaded tenant is searchable at once, its first `$search`
        // does not index it all.
        search_index::fill(conn).await?;
        return Ok(());
    };
    let started = std::time::Instant::now();
    if let NewObjects::Indexed = set_aside.new_objects {
        sqlx::query(search_index::DROP_BULK_LOAD_TRIGGER)
            .execute(&mut *conn)
            .await?;
    }
    for (index, definition) in set_aside.indexes {
        let one = std::time::Instant::now();
        sqlx::query(sqlx::AssertSqlSafe(definition))
            .execute(&mut *conn)
            .await?;
        tracing::debug!(elapsed = ?one.elapsed(), index, "index rebuilt");
    }
    for definition in set_aside.trigger_definitions {
        sqlx::query(sqlx::AssertSqlSafe(definition))
            .execute(&mut *conn)
            .await?;
    }
    match set_aside.new_objects {
        // Notes an update made during the load, if any.
        NewObjects::Indexed => drop(search_index::fill(conn).await?),
        NewObjects::NotedAfter(rowid) => search_index::note_after(conn, rowid).await?,
    }
    tracing::debug!(elapsed = ?started.elapsed(), "indexes rebuilt after a bulk load");
    Ok(())
}
