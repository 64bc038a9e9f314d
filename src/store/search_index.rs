//! The `$search` word index (`directory_search`, migration 0013) is filled when a query needs
//! it, not in every write's commit (migration 0016). Writes note each new or changed object in
//! `search_index_pending` (their triggers); [`Db::indexed_search`] indexes the noted
//! objects before a search reads the index, and a load indexes its own ([`fill`]).
//!
//! Why: indexing one object in its own commit cost FTS5 a new segment, its flush and its
//! merges, about 40 µs of a ~260 µs create-then-read pair (`POST /users` then `GET`), the
//! write test suites repeat most; searches are rarer than creates, and one fill indexes all
//! the objects written since the last. The object rows themselves are committed as before;
//! the index is derived from them and can always be filled again from them.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use sqlx::SqliteConnection;

use super::Db;
use crate::odata::Search;

/// The index's columns, in the order of [`search_values!`].
macro_rules! search_columns {
    () => {
        "rowid, display_name, mail, user_principal_name, given_name, surname, job_title,
         mail_nickname, department, employee_id, description, app_display_name"
    };
}

/// What the index takes from the `directory_objects` row named `$row` (`o`, or a trigger's
/// `new`), column by column.
macro_rules! search_values {
    ($row:literal) => {
        concat!(
            $row,
            ".rowid, ",
            $row,
            ".display_name, ",
            $row,
            ".data ->> '$.mail', ",
            $row,
            ".user_principal_name, ",
            $row,
            ".data ->> '$.givenName', ",
            $row,
            ".data ->> '$.surname', ",
            $row,
            ".data ->> '$.jobTitle', ",
            $row,
            ".data ->> '$.mailNickname', ",
            $row,
            ".data ->> '$.department', ",
            $row,
            ".data ->> '$.employeeId', ",
            $row,
            ".data ->> '$.description', ",
            $row,
            ".data ->> '$.appDisplayName'"
        )
    };
}

/// Indexes the noted objects up to rowid `?1` from their committed rows (the caller then
/// clears those notes). An object is noted until indexed, and deleting one drops its note (its
/// trigger), so each note names a row and no object is indexed twice.
const FILL_THROUGH: &str = concat!(
    "insert into directory_search (",
    search_columns!(),
    ") select ",
    search_values!("o"),
    " from search_index_pending p cross join directory_objects o on o.rowid = p.object_rowid
     where p.object_rowid <= ?1
     order by p.object_rowid"
);

/// The trigger a bulk load (`store::bulk`) puts in place of `directory_search_insert`, which
/// only notes each new object: it indexes each object as it goes in.
pub(super) const CREATE_BULK_LOAD_TRIGGER: &str = concat!(
    "create trigger bulk_load_directory_search_insert after insert on directory_objects begin
     insert into directory_search (",
    search_columns!(),
    ") values (",
    search_values!("new"),
    "); end"
);

/// Drops the trigger [`CREATE_BULK_LOAD_TRIGGER`] made.
pub(super) const DROP_BULK_LOAD_TRIGGER: &str = "drop trigger bulk_load_directory_search_insert";

/// Indexes the objects written since the last fill, inside the caller's write transaction.
/// Answers how many. Loads of tenants call it before they commit (`store::bulk::rebuild`).
pub async fn fill(conn: &mut SqliteConnection) -> sqlx::Result<u64> {
    fill_through(conn, i64::MAX).await
}

/// [`fill`] for the noted objects up to rowid `last`, their notes cleared.
async fn fill_through(conn: &mut SqliteConnection, last: i64) -> sqlx::Result<u64> {
    let indexed = sqlx::query(FILL_THROUGH)
        .bind(last)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if indexed > 0 {
        sqlx::query("delete from search_index_pending where object_rowid <= ?1")
            .bind(last)
            .execute(&mut *conn)
            .await?;
    }
    Ok(indexed)
}

/// Notes every object past `rowid` for indexing: a bulk load before anything is served
/// (`store::bulk`) inserts them unindexed and unnoted, and notes them all at once here.
pub(super) async fn note_after(conn: &mut SqliteConnection, rowid: i64) -> sqlx::Result<()> {
    sqlx::query(
        "insert or ignore into search_index_pending (object_rowid)
         select rowid from directory_objects where rowid > ?1 order by rowid",
    )
    .bind(rowid)
    .execute(conn)
    .await?;
    Ok(())
}

/// How many noted objects [`Db::fill_search_index_in_chunks`] indexes a transaction: at
/// ~5 µs an object, a write waiting for the writer waits ~50 ms at most. Each commit flushes
/// and merges FTS5 segments: 110,000 objects took 1.07–1.16 s a thousand at a time against
/// ~0.5 s in one transaction.
const CHUNK: i64 = 10_000;

/// [`fill`] for the first [`CHUNK`] noted objects; answers how many, and whether more wait.
async fn fill_chunk(conn: &mut SqliteConnection) -> sqlx::Result<(u64, bool)> {
    let last: Option<i64> = sqlx::query_scalar(
        "select object_rowid from search_index_pending order by object_rowid limit 1 offset ?1",
    )
    .bind(CHUNK - 1)
    .fetch_optional(&mut *conn)
    .await?;
    match last {
        Some(last) => Ok((fill_through(conn, last).await?, true)),
        None => Ok((fill(conn).await?, false)),
    }
}

/// Whether any object waits to be indexed.
async fn any_pending(conn: &mut SqliteConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar("select exists (select 1 from search_index_pending)")
        .fetch_one(conn)
        .await
}

/// A `$search` the word index is ready for: every object committed before it was made is
/// indexed. Only [`Db::indexed_search`] makes one, so a list cannot search a stale index.
#[derive(Debug, Clone, Copy)]
pub struct IndexedSearch<'a>(&'a Search);

impl<'a> IndexedSearch<'a> {
    pub fn search(self) -> &'a Search {
        self.0
    }
}

/// The write generation at which the index last held every object, if it was quiet then; and
/// whether a bulk load left its objects noted for [`Db::fill_search_index_in_chunks`].
#[derive(Debug)]
pub(super) struct IndexedAt {
    generation: AtomicU64,
    backlog: AtomicBool,
}

impl Default for IndexedAt {
    fn default() -> Self {
        Self {
            generation: AtomicU64::new(u64::MAX),
            backlog: AtomicBool::new(false),
        }
    }
}

impl Db {
    /// Records that a bulk load noted its objects for the index instead of indexing them.
    pub(super) fn note_search_backlog(&self) {
        self.search_indexed_at
            .backlog
            .store(true, Ordering::Release);
    }

    /// Indexes every noted object, a [`CHUNK`] a write transaction, so writes and searches
    /// take their turns meanwhile, when a bulk load before anything was served noted its
    /// objects instead of indexing them (`store::bulk`); nothing otherwise. Run once the
    /// server listens. (Notes a `--db` file kept from a run that stopped before indexing them
    /// are indexed by the first `$search`.) Answers how many it indexed.
    pub async fn fill_search_index_in_chunks(&self) -> sqlx::Result<u64> {
        let mut total = 0;
        if !self.search_indexed_at.backlog.swap(false, Ordering::AcqRel) {
            // No load noted objects: not even a transaction (the default start-up's idle
            // memory would hold the writer's pages it touches).
            return Ok(0);
        }
        loop {
            let mut tx = self.begin_write().await?;
            let (indexed, more) = fill_chunk(&mut tx).await?;
            tx.commit().await?;
            total += indexed;
            if !more {
                return Ok(total);
            }
            tokio::task::yield_now().await;
        }
    }

    /// Makes the word index hold every committed object, then answers `search` as ready to
    /// run. Nothing to do (one atomic load) when no write happened since the index was last
    /// found complete; otherwise a read, and a write transaction if objects wait.
    /// `None` (no `$search`) needs nothing.
    pub async fn indexed_search<'a>(
        &self,
        search: Option<&'a Search>,
    ) -> sqlx::Result<Option<IndexedSearch<'a>>> {
        let Some(search) = search else {
            return Ok(None);
        };
        let generation = self.quiet_generation();
        if generation.is_some()
            && generation == Some(self.search_indexed_at.generation.load(Ordering::Acquire))
        {
            return Ok(Some(IndexedSearch(search)));
        }
        if any_pending(&mut *self.pool.acquire().await?).await? {
            let mut tx = self.begin_write().await?;
            let indexed = fill(&mut tx).await?;
            tx.commit().await?;
            tracing::debug!(indexed, "search index filled");
        } else if let Some(generation) = generation {
            // Complete at `generation`: a write since moved the generation, so this record
            // cannot hide its notes.
            self.search_indexed_at
                .generation
                .store(generation, Ordering::Release);
        }
        Ok(Some(IndexedSearch(search)))
    }
}
