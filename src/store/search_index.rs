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

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::SqliteConnection;

use super::Db;
use crate::odata::Search;

/// Indexes every noted object from its committed row, then clears the notes. An object is
/// noted until indexed, and deleting one drops its note (its trigger), so each note names a
/// row and no object is indexed twice.
const FILL: &str = "insert into directory_search (rowid, display_name, mail, user_principal_name,
        given_name, surname, job_title, mail_nickname, department, employee_id, description,
        app_display_name)
    select o.rowid, o.display_name, o.data ->> '$.mail', o.user_principal_name,
        o.data ->> '$.givenName', o.data ->> '$.surname', o.data ->> '$.jobTitle',
        o.data ->> '$.mailNickname', o.data ->> '$.department', o.data ->> '$.employeeId',
        o.data ->> '$.description', o.data ->> '$.appDisplayName'
    from search_index_pending p cross join directory_objects o on o.rowid = p.object_rowid
    order by p.object_rowid";

/// Indexes the objects written since the last fill, inside the caller's write transaction.
/// Answers how many. Loads call it before they commit, so a loaded tenant is searchable at
/// once and its first `$search` does not pay for the whole tenant.
pub async fn fill(conn: &mut SqliteConnection) -> sqlx::Result<u64> {
    let indexed = sqlx::query(FILL).execute(&mut *conn).await?.rows_affected();
    if indexed > 0 {
        sqlx::query("delete from search_index_pending")
            .execute(&mut *conn)
            .await?;
    }
    Ok(indexed)
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

/// The write generation at which the index last held every object, if it was quiet then.
#[derive(Debug)]
pub(super) struct IndexedAt(AtomicU64);

impl Default for IndexedAt {
    fn default() -> Self {
        Self(AtomicU64::new(u64::MAX))
    }
}

impl Db {
    /// Makes the word index hold every committed object, then answers `search` as ready to
    /// run. Nothing to do (one atomic load) when no write happened since the index was last
    /// found complete; otherwise a read, and a write transaction if objects wait.
    pub async fn indexed_search<'a>(&self, search: &'a Search) -> sqlx::Result<IndexedSearch<'a>> {
        let generation = self.quiet_generation();
        if generation.is_some()
            && generation == Some(self.search_indexed_at.0.load(Ordering::Acquire))
        {
            return Ok(IndexedSearch(search));
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
                .0
                .store(generation, Ordering::Release);
        }
        Ok(IndexedSearch(search))
    }
}
