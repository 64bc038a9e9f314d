//! The write path: one write transaction at a time on the writer connection ([`Db`]'s
//! `writer`), and the write generation readers check their caches against.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use sqlx::SqlSafeStr;
use sqlx::sqlite::SqliteTransactionManager;
use sqlx_core::transaction::TransactionManager;

use super::{Db, ObjectCache, objects};

/// Counts writes so readers can tell whether what they read may have changed. Every write goes
/// through [`Db::begin_write`]; the generation moves when a write starts and when it ends.
#[derive(Debug, Default)]
pub(super) struct Changes {
    generation: AtomicU64,
    writers: AtomicUsize,
    /// Why the last write failed, if storage refused it (full disk, read-only file, I/O
    /// error); cleared by the next write that commits. `/ready` reports it.
    pub(super) storage_failure: std::sync::Mutex<Option<String>>,
    pub(super) failing: std::sync::atomic::AtomicBool,
    /// The writer connection runs without SQLite's foreign-key checks (a validated load,
    /// [`Db::begin_validated_load`]); the next write on it turns them back on. (The direct
    /// writer's connection always has them on.)
    pub(super) foreign_keys_off: std::sync::atomic::AtomicBool,
}

impl Changes {
    /// The write generation, if no write is in progress.
    pub(super) fn quiet_generation(&self) -> Option<u64> {
        let generation = self.generation.load(Ordering::SeqCst);
        (self.writers.load(Ordering::SeqCst) == 0).then_some(generation)
    }

    /// A write committed: storage works again.
    pub(super) fn succeeded(&self) {
        if self.failing.load(Ordering::Acquire) {
            self.failing.store(false, Ordering::Release);
            *self
                .storage_failure
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = None;
        }
    }

    /// A write failed: if storage refused it, `/ready` fails until a write commits.
    pub(super) fn failed(&self, error: &sqlx::Error) {
        if is_storage_error(error) {
            *self
                .storage_failure
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(error.to_string());
            self.failing.store(true, Ordering::Release);
        }
    }
}

/// SQLite's primary result codes that mean the database cannot be written at all (as opposed
/// to a constraint, a busy lock or a bad statement): READONLY, IOERR, CORRUPT, FULL, CANTOPEN,
/// NOTADB.
pub(super) fn is_storage_error(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(error) = error else {
        return matches!(error, sqlx::Error::Io(_));
    };
    let code = error
        .code()
        .and_then(|c| c.parse::<i32>().ok())
        .unwrap_or(0);
    matches!(code & 0xff, 8 | 10 | 11 | 13 | 14 | 26)
}

/// Held by a write transaction; ends the write when dropped (committed or rolled back).
#[derive(Debug)]
pub(super) struct WriteGuard {
    changes: Arc<Changes>,
    ended: bool,
}

impl WriteGuard {
    pub(super) fn new(changes: Arc<Changes>) -> Self {
        changes.writers.fetch_add(1, Ordering::SeqCst);
        changes.generation.fetch_add(1, Ordering::SeqCst);
        Self {
            changes,
            ended: false,
        }
    }

    /// Ends the write; returns the generation it ended in (what a reader that starts right
    /// after it sees, until the next write starts).
    pub(super) fn end(&mut self) -> u64 {
        self.ended = true;
        let ended = self.changes.generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.changes.writers.fetch_sub(1, Ordering::SeqCst);
        ended
    }
}

impl Drop for WriteGuard {
    fn drop(&mut self) {
        if !self.ended {
            self.changes.generation.fetch_add(1, Ordering::SeqCst);
            self.changes.writers.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// A write transaction (`BEGIN IMMEDIATE`) on the writer connection, which it holds until it
/// ends; derefs to the connection. Dropped uncommitted, it rolls back (queued on the
/// connection's worker before anything the next writer sends).
#[derive(Debug)]
pub struct WriteTx {
    conn: tokio::sync::OwnedMutexGuard<sqlx::SqliteConnection>,
    /// Begun and not yet committed.
    open: bool,
    guard: WriteGuard,
    /// Users this write created, as committed: cached once it commits, so reading one back
    /// (create, then GET) needs no round trip to the database.
    written_users: Vec<(String, objects::ObjectRow)>,
    objects: Arc<ObjectCache>,
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &sqlx::SqliteConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.conn
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if self.open {
            SqliteTransactionManager::start_rollback(&mut self.conn);
        }
    }
}

impl WriteTx {
    pub async fn commit(mut self) -> sqlx::Result<()> {
        let result = SqliteTransactionManager::commit(&mut self.conn).await;
        match &result {
            Ok(()) => {
                self.open = false;
                self.guard.changes.succeeded();
            }
            Err(error) => self.guard.changes.failed(error),
        }
        // Off only when this write is a validated load: any other write turned them back on
        // before it began. The connection is still held, so no write runs before the checks
        // are back on; if this fails, the next write tries again before it begins.
        if result.is_ok()
            && self.guard.changes.foreign_keys_off.load(Ordering::SeqCst)
            && let Err(error) = restore_foreign_keys(&self.guard.changes, &mut self.conn).await
        {
            tracing::warn!(%error, "foreign-key checks not back on yet");
        }
        let ended = self.guard.end();
        if result.is_ok() && !self.written_users.is_empty() {
            let written = std::mem::take(&mut self.written_users);
            self.objects
                .keep_written(&self.guard.changes, ended, written);
        }
        result
    }

    /// Caches `row`, a user as this transaction left it (inserted or replaced; it must not
    /// change again before the commit), under `tenant` once the transaction commits. The
    /// caller's promise matters: the cache serves exactly this row until the next write.
    pub fn wrote_user(&mut self, tenant: &str, row: objects::ObjectRow) {
        self.written_users.push((tenant.to_owned(), row));
    }
}

impl Db {
    /// Writers take the lock at BEGIN, so two writers never deadlock upgrading read locks.
    /// Every write to the store goes through here (the object cache depends on it).
    pub async fn begin_write(&self) -> sqlx::Result<WriteTx> {
        self.begin_writer(false).await
    }

    /// A write that inserts only rows the caller validated against each other (the start-up
    /// load of checked fixtures: every member, owner, manager, connection and grant names an
    /// object of the same load), so SQLite's foreign-key checks are off for it: with GUID text
    /// keys they were a lookup per reference, 0.7 s of the 100,000-user load. They are back on
    /// before any other write runs: after the commit, or, if this write is dropped, at the
    /// start of the next. SQLite changes `foreign_keys` outside a transaction only.
    pub async fn begin_validated_load(&self) -> sqlx::Result<WriteTx> {
        self.begin_writer(true).await
    }

    async fn begin_writer(&self, foreign_keys_off: bool) -> sqlx::Result<WriteTx> {
        let guard = WriteGuard::new(self.changes.clone());
        let mut conn = self.writer.clone().lock_owned().await;
        if foreign_keys_off {
            self.changes.foreign_keys_off.store(true, Ordering::SeqCst);
            sqlx::query("PRAGMA foreign_keys = OFF")
                .execute(&mut *conn)
                .await?;
        } else if self.changes.foreign_keys_off.load(Ordering::SeqCst) {
            restore_foreign_keys(&self.changes, &mut conn).await?;
        }
        SqliteTransactionManager::begin(&mut conn, Some("BEGIN IMMEDIATE".into_sql_str()))
            .await
            .inspect_err(|error| self.changes.failed(error))?;
        Ok(WriteTx {
            conn,
            open: true,
            guard,
            written_users: Vec::new(),
            objects: self.objects.clone(),
        })
    }
}

/// Turns the writer's foreign-key checks back on (outside a transaction).
pub(super) async fn restore_foreign_keys(
    changes: &Changes,
    conn: &mut sqlx::SqliteConnection,
) -> sqlx::Result<()> {
    sqlx::query("PRAGMA foreign_keys = ON")
        .execute(conn)
        .await?;
    changes.foreign_keys_off.store(false, Ordering::SeqCst);
    Ok(())
}
