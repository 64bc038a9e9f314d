//! The SQLite store: the only module with SQL. Every function takes the tenant id first and
//! binds every value. In memory by default (one pinned shared-cache database), or a file in
//! WAL mode with `--db`.

pub mod app_registrations;
pub mod apps;
pub mod batch;
pub mod bulk;
pub mod changes;
mod direct;
pub mod extensions;
pub mod filter_sql;
pub mod jsonb;
pub mod linkedin;
pub mod links;
pub mod load;
pub mod members;
pub mod object_lists;
pub mod object_rows;
pub mod objects;
mod page_cache;
mod raw_sqlite;
pub mod roles;
pub mod schema;
mod schema_image;
pub mod search_index;
pub use schema_image::FixtureHash;
#[cfg(test)]
mod plan_tests;
pub mod seeds;
pub mod snapshot;
pub mod tenants;
pub mod undo;
mod write;
#[cfg(test)]
mod writer_tests;

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqlitePool, Transaction};

use write::Changes;
pub use write::WriteTx;

/// How long a connection waits for another's write lock on the file before it answers BUSY:
/// sqlx's connections and the direct writer's alike.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The database handle shared by every request.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: SqlitePool,
    changes: Arc<Changes>,
    /// Recently read objects, valid while no write has happened since they were read.
    pub objects: Arc<ObjectCache>,
    /// Recently rendered single-object responses, under the same rule.
    pub rendered: Arc<RenderedCache>,
    /// The private in-memory database (no `--db`): gone with the process.
    in_memory: bool,
    /// The database file and the identity it had when opened ([`Db::check_writable`]); `None`
    /// in memory.
    file: Option<(std::path::PathBuf, (u64, u64))>,
    /// The connection every write runs on, taken out of the pool: SQLite has one writer at a
    /// time anyway, and a pooled connection cost each write two extra round trips to its worker
    /// thread (sqlx pings a connection as it goes back to the pool; the pool's bookkeeping
    /// woke another). Writers queue on the mutex, in order, instead of on SQLite's busy
    /// handler. In memory it is the connection the schema was created on.
    writer: Arc<tokio::sync::Mutex<sqlx::SqliteConnection>>,
    /// A connection of tenantsim's own for the most repeated write, a user's create
    /// ([`Db::insert_user_alone`]); it writes only while `writer` is held.
    direct: Arc<direct::DirectWriter>,
    /// When the `$search` word index was last found complete (`search_index`).
    search_indexed_at: Arc<search_index::IndexedAt>,
}

/// Response bodies by (tenant, a caller-built key: version, origin, object key, query), each
/// valid only under the write generation it was rendered in.
#[derive(Debug, Default)]
pub struct RenderedCache {
    entries: RwLock<HashMap<String, (u64, Arc<str>)>>,
}

/// A [`RenderedCache`] key: the tenant, then what the caller renders from. Built in one
/// allocation (the hot GET builds one per request).
#[derive(Debug)]
pub struct RenderKey(String);

impl RenderKey {
    pub fn new(tenant: &str, rest: std::fmt::Arguments<'_>) -> Self {
        use std::fmt::Write;
        let mut key = String::with_capacity(tenant.len() + 160);
        key.push_str(tenant);
        key.push('|');
        let _ = key.write_fmt(rest);
        Self(key)
    }
}

/// Which file a path names (device and inode), to notice it being removed or replaced.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        Some((0, u64::from(metadata.is_file())))
    }
}

/// Whether SQLite can write the database file, as a fresh connection sees it: it changes a page
/// in a transaction it rolls back (in WAL mode `BEGIN IMMEDIATE` alone succeeds on a read-only
/// file), so nothing reaches the disk. A lock held by another writer counts as writable.
async fn probe_write(options: &SqliteConnectOptions) -> Result<(), String> {
    use sqlx::{Connection, Executor};
    let probe = async {
        let mut conn = sqlx::SqliteConnection::connect_with(options).await?;
        let mut result = conn.execute("BEGIN IMMEDIATE").await.map(|_| ());
        if result.is_ok() {
            result = conn
                .execute("CREATE TABLE _tenantsim_write_probe (x)")
                .await
                .map(|_| ());
            result = result.and(conn.execute("ROLLBACK").await.map(|_| ()));
        }
        let _ = conn.close().await;
        result
    };
    match probe.await {
        Ok(()) => Ok(()),
        Err(sqlx::Error::Database(error))
            if error
                .code()
                .and_then(|c| c.parse::<i32>().ok())
                .unwrap_or(0)
                & 0xff
                == 5 =>
        {
            Ok(())
        }
        Err(error) => Err(error.to_string()),
    }
}

/// A read-through cache of single-object lookups (`GET /users/{id}` is the hot path): an entry
/// is stored only if no write started or ended while it was read, and is used only while the
/// write generation is still the one it was read under.
#[derive(Debug, Default)]
pub struct ObjectCache {
    entries: RwLock<HashMap<CacheKey, CacheEntry>>,
}

/// (tenant, lower-cased lookup key).
type CacheKey = (String, String);
/// The write generation a lookup was made under, and what it found.
type CacheEntry = (u64, Option<objects::ObjectRow>);

const OBJECT_CACHE_CAP: usize = 50_000;

impl ObjectCache {
    /// Keeps rows a write committed, under the generation it `ended` in: only if no other
    /// write has started since (checked under the lock; one that starts after the check moves
    /// the generation, so the entries are never served). By id and by userPrincipalName.
    fn keep_written(&self, changes: &Changes, ended: u64, rows: Vec<(String, objects::ObjectRow)>) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if changes.quiet_generation() != Some(ended) {
            return;
        }
        if entries.len() + 2 * rows.len() > OBJECT_CACHE_CAP {
            entries.clear();
        }
        for (tenant, row) in rows {
            if let Some(upn) = &row.user_principal_name {
                let key = (tenant.clone(), upn.to_ascii_lowercase());
                entries.insert(key, (ended, Some(row.clone())));
            }
            let key = (tenant, row.id.to_ascii_lowercase());
            entries.insert(key, (ended, Some(row)));
        }
    }
}

pub type Tx = Transaction<'static, sqlx::Sqlite>;

/// Rows per statement of [`insert_json_rows`].
pub(crate) const JSON_ROWS_CHUNK: usize = 5_000;

/// Bulk insert, queued on `batch`: `sql` runs for each chunk of `rows`, binding `?1` the
/// tenant, `?3` the chunk as one array of row arrays, which the SQL reads back with
/// `jsonb_each(?3)`, and `?2` the sequence number before the chunk's first row, or NULL for
/// the SQL to read it (`coalesce(?2, (select max(seq) …))`, evaluated once per statement).
/// `jsonb_each`, not `json_each`: it hands each row array on as JSONB, so each `value ->> N`
/// is a lookup; `json_each` renders each row back to text, which every `->>` parsed again
/// (SQLite's JSON parsing was 14 % of a default-fixture reset's samples). The chunk itself is
/// bound as JSONB too ([`jsonb`]), so SQLite does not parse it and serde_json does not escape it.
/// One statement text whatever the size (multi-row `VALUES` prepared a statement per chunk
/// size, binding nine values a row: most of a large fixture's load time); chunks keep the
/// bound text small, as sqlx and SQLite each copy it.
///
/// `last_seq` (the table's `select coalesce(max(seq), 0) … where tenant_id = ?`) is read once
/// before the first chunk when there are several: a bulk load sets the sequence index aside
/// (`store::bulk`), and without it each chunk's own read of the maximum would visit every
/// row loaded so far.
pub async fn insert_json_rows<R: serde::Serialize>(
    batch: &mut batch::Batch<'_>,
    sql: &'static str,
    last_seq: Option<&'static str>,
    tenant: &str,
    rows: &[R],
) -> sqlx::Result<()> {
    let first = match last_seq {
        Some(last_seq) if rows.len() > JSON_ROWS_CHUNK => {
            let conn = batch.conn().await?;
            Some(
                sqlx::query_scalar::<_, i64>(last_seq)
                    .bind(tenant)
                    .fetch_one(conn)
                    .await?,
            )
        }
        _ => None,
    };
    let encode = |chunk: &[R]| jsonb::to_vec(chunk).map_err(|e| sqlx::Error::Encode(e.into()));
    let mut chunks = rows.chunks(JSON_ROWS_CHUNK);
    let mut encoded = chunks.next().map(encode);
    let mut index = 0;
    while let Some(rows) = encoded.take() {
        let before = first.map(|first| first + (index * JSON_ROWS_CHUNK) as i64);
        let statement = batch::Statement::new(sql)
            .bind(tenant)
            .bind(before)
            .bind(batch::Value::Blob(rows?));
        // The next chunk is encoded while SQLite's worker runs the queue, if this push runs
        // it: the push is polled first, hands the queue to the worker and waits; the encoding
        // then runs on this thread meanwhile (a large load's chunks are ~0.1 s of encoding that
        // SQLite otherwise waited for).
        let (pushed, next) =
            futures_util::future::join(batch.push(statement), async { chunks.next().map(encode) })
                .await;
        pushed?;
        encoded = next;
        index += 1;
    }
    Ok(())
}

impl Db {
    /// Opens the database and applies the embedded migrations. `None` is a private in-memory
    /// database that lives as long as this `Db`.
    pub async fn open(path: Option<&Path>) -> anyhow::Result<Self> {
        Ok(Self::open_with(path, None).await?.0)
    }

    /// [`Db::open`]; an in-memory database given `default_fixture`, the hash of the embedded
    /// default fixture's text, starts with that fixture loaded when the executable's ready-made
    /// copy was loaded from the same text (`schema_image`). Answers whether it was: the caller then
    /// does not load those fixtures itself.
    pub async fn open_with(
        path: Option<&Path>,
        default_fixture: Option<FixtureHash>,
    ) -> anyhow::Result<(Self, bool)> {
        raw_sqlite::configure_library();
        let mut preloaded = false;
        let mut file = None;
        let direct;
        let pool = match path {
            Some(path) => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // FULL: an acknowledged write survives a crash of the process or the machine.
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(BUSY_TIMEOUT);
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    // A local file's connection cannot go stale: the default ping before each
                    // acquire was a round trip to the connection's worker thread per request.
                    .test_before_acquire(false)
                    .connect_with(options.clone())
                    .await?;
                // A file SQLite can only read would start, answer /ready, then fail every write.
                if let Err(reason) = probe_write(&options).await {
                    anyhow::bail!(
                        "the database file {} cannot be written ({reason}); give a file tenantsim can write (check its permissions, owner and file system) or another --db",
                        path.display()
                    );
                }
                file = file_identity(path).map(|identity| (path.to_owned(), identity));
                direct = direct::DirectWriter::file(path);
                pool
            }
            None => {
                // Each parse of `sqlite::memory:` names a new shared-cache database, alive while a
                // connection is open: pin the connections so the data never vanishes.
                let options = SqliteConnectOptions::from_str("sqlite::memory:")?
                    .foreign_keys(true)
                    .busy_timeout(BUSY_TIMEOUT);
                direct = direct::DirectWriter::in_memory(&options.get_filename().to_string_lossy());
                SqlitePoolOptions::new()
                    .min_connections(1)
                    .max_connections(4)
                    .test_before_acquire(false)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(options)
                    .await?
            }
        };
        tracing::debug!("database connected");
        let in_memory = path.is_none();
        let writer = if in_memory {
            // A new database no later version will open: the final schema in one script and
            // one transaction, without the migrations' history or bookkeeping table (13
            // migrations one by one, each in its own transaction with its record, took 6 ms of
            // a 22 ms start; replayed as one script, 4.3 ms of 13; the triggers are written as
            // rows, see `schema`). Its connection becomes the writer.
            let mut conn = pool.acquire().await?.detach();
            preloaded = schema::create_in_memory(&mut conn, default_fixture).await?;
            // A request that reads twice (the token's tenant, then the resource) on a pool
            // with no connection yet opens one on the way: ~0.8 ms of the first request
            // after start-up. Open it now, on its own thread, while the fixtures load.
            let readers = pool.clone();
            tokio::spawn(async move { drop(readers.acquire().await) });
            conn
        } else {
            sqlx::migrate!().run(&pool).await?;
            pool.acquire().await?.detach()
        };
        let db = Self {
            pool,
            changes: Arc::default(),
            objects: Arc::default(),
            rendered: Arc::default(),
            in_memory,
            file,
            writer: Arc::new(tokio::sync::Mutex::new(writer)),
            direct: Arc::new(direct),
            search_indexed_at: Arc::default(),
        };
        Ok((db, preloaded))
    }

    /// Whether the database can still take writes that last: the last write did not fail for
    /// lack of storage (full disk, read-only file system, I/O error), and the path still names
    /// the file that was opened (removed or replaced, every later write would be lost at the
    /// next start). Cheap: one `stat`, no connection.
    pub fn check_writable(&self) -> Result<(), String> {
        if self.changes.failing.load(Ordering::Acquire) {
            let failure = self
                .changes
                .storage_failure
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            return Err(format!(
                "the last write failed: {}",
                failure.unwrap_or_default()
            ));
        }
        match &self.file {
            Some((path, opened)) if file_identity(path).as_ref() != Some(opened) => Err(format!(
                "the database file {} was removed or replaced since it was opened",
                path.display()
            )),
            _ => Ok(()),
        }
    }

    /// A rendered body cached under the current write generation.
    pub fn rendered(&self, key: &RenderKey) -> Option<Arc<str>> {
        let generation = self.quiet_generation()?;
        let entries = self
            .rendered
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner());
        entries
            .get(key.0.as_str())
            .filter(|(at, _)| *at == generation)
            .map(|(_, body)| body.clone())
    }

    /// Keeps a body rendered from data read under `generation`, if no write started or ended
    /// since.
    pub fn keep_rendered(&self, key: RenderKey, generation: Option<u64>, body: Arc<str>) {
        let Some(generation) = generation else { return };
        if self.quiet_generation() != Some(generation) {
            return;
        }
        let mut entries = self
            .rendered
            .entries
            .write()
            .unwrap_or_else(|p| p.into_inner());
        if entries.len() >= OBJECT_CACHE_CAP {
            entries.clear();
        }
        entries.insert(key.0, (generation, body));
    }

    /// The write generation, if no write is in progress.
    pub fn quiet_generation(&self) -> Option<u64> {
        self.changes.quiet_generation()
    }

    /// A user by id or userPrincipalName, through the object cache.
    pub async fn cached_user(
        &self,
        tenant: &str,
        key: &str,
    ) -> sqlx::Result<Option<objects::ObjectRow>> {
        let cache_key = (tenant.to_owned(), key.to_ascii_lowercase());
        let generation = self.quiet_generation();
        if let Some(generation) = generation {
            let entries = self
                .objects
                .entries
                .read()
                .unwrap_or_else(|p| p.into_inner());
            if let Some((at, row)) = entries.get(&cache_key)
                && *at == generation
            {
                return Ok(row.clone());
            }
        }
        let row = objects::get_user(&mut *self.pool.acquire().await?, tenant, key).await?;
        if let Some(generation) = generation
            && self.quiet_generation() == Some(generation)
        {
            let mut entries = self
                .objects
                .entries
                .write()
                .unwrap_or_else(|p| p.into_inner());
            if entries.len() >= OBJECT_CACHE_CAP {
                entries.clear();
            }
            entries.insert(cache_key, (generation, row.clone()));
        }
        Ok(row)
    }

    /// Finalizes the writer's cached prepared statements. Called once the start-up load is
    /// done: until then the cache holds only the load's statements, large with their
    /// triggers' programs and used again only by the next large load, which prepares them
    /// anew (about 0.2 MiB of an idle server's memory).
    pub async fn forget_prepared_writes(&self) {
        use sqlx::Connection;
        let mut writer = self.writer.lock().await;
        let _ = writer.clear_cached_statements().await;
    }

    /// Replaces the writer connection with a fresh one, after a bulk load. SQLite's full-text
    /// index keeps, per connection, the hash table its largest batch of pending terms grew
    /// (FTS5 never shrinks it), and every later commit clears and sorts all of its slots:
    /// after a 100,000-user load, 13 % of the server's time under create-then-read pairs. The
    /// old connection goes with its prepared statements.
    pub async fn renew_writer(&self) -> sqlx::Result<()> {
        use sqlx::Connection;
        let fresh = self.pool.acquire().await?.detach();
        let old = std::mem::replace(&mut *self.writer.lock().await, fresh);
        old.close().await
    }

    pub async fn begin(&self) -> sqlx::Result<Tx> {
        self.pool.begin().await
    }

    /// Whether state outlives the process (`--db`): only then is there anything to persist
    /// beyond the tables themselves (tenant seeds).
    pub fn is_persistent(&self) -> bool {
        !self.in_memory
    }

    /// A read transaction: every read in it sees one state of the database, whatever commits
    /// meanwhile (a snapshot made of many statements must not mix two states).
    ///
    /// A WAL file gives a deferred `BEGIN` a snapshot at its first read, and writers go on.
    /// The in-memory database is a shared cache, which has table locks instead of snapshots:
    /// a deferred reader holds a read lock on each table it has read until it ends, so a
    /// writer blocked on one of those while holding a table the reader reads next is a
    /// deadlock (SQLite's unlock-notify reports it as `SQLITE_LOCKED`, an error). There the
    /// reader takes the single write slot at `BEGIN IMMEDIATE` instead: no writer is half-way
    /// through while it reads, it writes nothing (so the object cache stays valid), and other
    /// readers go on.
    pub async fn begin_read(&self) -> sqlx::Result<Tx> {
        if self.in_memory {
            self.pool.begin_with("BEGIN IMMEDIATE").await
        } else {
            self.pool.begin_with("BEGIN").await
        }
    }
}
