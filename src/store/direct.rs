//! Writes run straight on the writer connection's SQLite handle, for the create that test
//! suites repeat most (`POST /users`, then `GET` it back). Through sqlx every statement
//! (`BEGIN`, the insert, `COMMIT`) is a hand-off to the connection's worker thread and back,
//! and those hand-offs, not SQLite, were most of a create's time. Here the whole transaction
//! runs on the calling thread while sqlx's worker is parked (`lock_handle`): one hand-off in
//! all, and no `await` between `BEGIN` and `COMMIT`, so a dropped request cannot leave the
//! transaction open.
//!
//! Unsafe code, as `c_math` and `memory`'s `malloc_trim` are: sqlx has no way to run several
//! statements, read a `RETURNING` row and roll back on error in one hand-off. Every `unsafe`
//! block rests on one fact, that the handle is this thread's alone while `lock_handle`'s
//! guard lives.
#![allow(unsafe_code)]

use std::borrow::Cow;
use std::ffi::{CStr, c_int};
use std::sync::atomic::Ordering;

use libsqlite3_sys as ffi;
use sqlx::SqlSafeStr;

use super::Db;
use super::changes::Change;
use super::objects::{Kind, NEXT_USER_SEQ, ObjectRow, ObjectWrite};
use super::write::{WriteGuard, restore_foreign_keys};

/// The direct path's insert, once [`NEXT_USER_SEQ`] gave its `seq` (`?8`).
const INSERT_USER: &str = "insert into directory_objects
         (tenant_id, id, kind, display_name, user_principal_name, app_id, data, secret, seq)
     values (?1, ?2, 'user', ?3, ?4, ?5, ?6, ?7, ?8)";

/// The statements of the direct path, prepared into sqlx's cache.
const DIRECT_STATEMENTS: [&str; 3] = [NEXT_USER_SEQ, INSERT_USER, INSERT_CHANGE];

const INSERT_CHANGE: &str = "insert into directory_changes (tenant_id, object_id, kind, change)
     values (?1, ?2, ?3, ?4)";

/// SQLite's process-wide settings, set once before the first connection opens (SQLite takes
/// them only then): no memory statistics. With them on, every allocation and free SQLite makes
/// takes a global mutex (5 % of a create's profile); tenantsim reads none of them.
pub(super) fn configure_library() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: `sqlite3_config` before `sqlite3_initialize`; if a connection opened first,
        // it answers SQLITE_MISUSE and changes nothing.
        let code = unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int) };
        if code != ffi::SQLITE_OK {
            tracing::debug!(code, "SQLite's memory statistics stay on");
        }
        if !super::page_cache::install() {
            tracing::debug!("SQLite's page cache stays unwrapped");
        }
    });
}

impl Db {
    /// Inserts a user, with its change-log row, in a write transaction of its own, if `domain`
    /// is one of the tenant's domains and no other object holds its userPrincipalName (as
    /// `objects::insert_user_checked`). Returns the new row's `seq` once committed, or `None`
    /// when a check failed and nothing was written. The committed row goes to the object
    /// cache, as [`super::WriteTx::wrote_user`] does.
    pub async fn insert_user_alone(
        &self,
        tenant: &str,
        user: &ObjectWrite<'_>,
        secret: &str,
        domain: &str,
    ) -> sqlx::Result<Option<i64>> {
        debug_assert!(matches!(user.kind, Kind::User));
        let mut guard = WriteGuard::new(self.changes.clone());
        let mut conn = self.writer.lock().await;
        if self.changes.foreign_keys_off.load(Ordering::SeqCst) {
            restore_foreign_keys(&self.changes, &mut conn).await?;
        }
        // The statements are sqlx's, prepared once into its statement cache (which finalizes
        // them): preparing the insert compiles its triggers (search index, undo log), about
        // 100 µs, twice a create's whole SQLite time.
        let mut handle = conn.lock_handle().await?;
        // SAFETY: the locked handle keeps sqlx's worker off the connection.
        if !unsafe { cached(handle.as_raw_handle().as_ptr()) } {
            drop(handle);
            for sql in DIRECT_STATEMENTS {
                sqlx::Executor::prepare(&mut *conn, sql.into_sql_str()).await?;
            }
            handle = conn.lock_handle().await?;
        }
        let result = {
            let db = handle.as_raw_handle().as_ptr();
            let run = || {
                // SAFETY: the locked handle keeps sqlx's worker off this connection until it
                // is dropped, below; nothing else holds the handle (the writer mutex).
                unsafe { insert_user_in_transaction(db, tenant, user, secret, domain) }
            };
            // With a file, the commit waits for the disk (synchronous=FULL): let the runtime
            // move its other tasks off this thread meanwhile.
            let multi_thread = tokio::runtime::Handle::current().runtime_flavor()
                == tokio::runtime::RuntimeFlavor::MultiThread;
            if self.file.is_some() && multi_thread {
                tokio::task::block_in_place(run)
            } else {
                run()
            }
        };
        drop(handle);
        drop(conn);
        if result.as_ref().is_err_and(is_locked) {
            // A reader of the shared in-memory cache holds a table this write needs (a
            // snapshot, say). sqlx's worker waits for it (unlock notify); the calling thread
            // must not, so the write is made again that way. Nothing was written.
            drop(guard);
            return self
                .insert_user_through_sqlx(tenant, user, secret, domain)
                .await;
        }
        match &result {
            Ok(_) => self.changes.succeeded(),
            Err(error) => self.changes.failed(error),
        }
        let ended = guard.end();
        if let Ok(Some(seq)) = result {
            let row = ObjectRow::written(user, seq);
            self.objects
                .keep_written(&self.changes, ended, vec![(tenant.to_owned(), row)]);
        }
        result
    }

    /// [`Db::insert_user_alone`] as every other write runs, through sqlx.
    async fn insert_user_through_sqlx(
        &self,
        tenant: &str,
        user: &ObjectWrite<'_>,
        secret: &str,
        domain: &str,
    ) -> sqlx::Result<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let seq = super::objects::insert_user_checked(&mut tx, tenant, user, Some(secret), domain)
            .await?;
        if let Some(seq) = seq {
            tx.wrote_user(tenant, ObjectRow::written(user, seq));
        }
        tx.commit().await?;
        Ok(seq)
    }
}

/// SQLITE_LOCKED, with any extended code: another connection of the shared cache holds a
/// table lock.
fn is_locked(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(error) = error else {
        return false;
    };
    error
        .code()
        .and_then(|code| code.parse::<c_int>().ok())
        .is_some_and(|code| code & 0xff == ffi::SQLITE_LOCKED)
}

/// `BEGIN IMMEDIATE`, the checked insert, its change-log row, `COMMIT`; rolled back on any
/// error.
///
/// # Safety
/// `db` is an open connection that no other thread uses until this returns.
unsafe fn insert_user_in_transaction(
    db: *mut ffi::sqlite3,
    tenant: &str,
    user: &ObjectWrite<'_>,
    secret: &str,
    domain: &str,
) -> sqlx::Result<Option<i64>> {
    // SAFETY (every block below): `db` is ours alone for this call.
    unsafe { exec(db, c"BEGIN IMMEDIATE")? };
    let inserted = unsafe { insert_user(db, tenant, user, secret, domain) }
        .and_then(|seq| unsafe { exec(db, c"COMMIT") }.map(|()| seq));
    if inserted.is_err() && unsafe { ffi::sqlite3_get_autocommit(db) } == 0 {
        // Best effort: if even the rollback fails, the connection reports it at the next BEGIN.
        let _ = unsafe { exec(db, c"ROLLBACK") };
    }
    inserted
}

/// # Safety
/// As [`insert_user_in_transaction`], inside its transaction.
unsafe fn insert_user(
    db: *mut ffi::sqlite3,
    tenant: &str,
    user: &ObjectWrite<'_>,
    secret: &str,
    domain: &str,
) -> sqlx::Result<Option<i64>> {
    let mut next = unsafe { Statement::cached(db, NEXT_USER_SEQ)? };
    next.bind(1, Some(tenant))?;
    next.bind(2, Some(user.id))?;
    next.bind(4, user.user_principal_name)?;
    next.bind(7, Some(domain))?;
    let Some(seq) = next.step_to_end()? else {
        return Ok(None);
    };
    drop(next);
    let mut insert = unsafe { Statement::cached(db, INSERT_USER)? };
    insert.bind(1, Some(tenant))?;
    insert.bind(2, Some(user.id))?;
    insert.bind(3, user.display_name)?;
    insert.bind(4, user.user_principal_name)?;
    insert.bind(5, user.app_id)?;
    insert.bind(6, Some(user.data))?;
    insert.bind(7, Some(secret))?;
    insert.bind_int(8, seq)?;
    insert.step_to_end()?;
    let mut change = unsafe { Statement::cached(db, INSERT_CHANGE)? };
    change.bind(1, Some(tenant))?;
    change.bind(2, Some(user.id))?;
    change.bind(3, Some(Kind::User.as_str()))?;
    change.bind(4, Some(Change::Created.as_str()))?;
    change.step_to_end()?;
    Ok(Some(seq))
}

/// Runs SQL without parameters.
///
/// # Safety
/// `db` is an open connection no other thread uses meanwhile.
unsafe fn exec(db: *mut ffi::sqlite3, sql: &CStr) -> sqlx::Result<()> {
    let code = unsafe {
        ffi::sqlite3_exec(
            db,
            sql.as_ptr(),
            None,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    if code == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(unsafe { last_error(db) })
    }
}

/// Whether sqlx's statement cache holds both statements of the direct path.
///
/// # Safety
/// `db` is an open connection no other thread uses meanwhile.
unsafe fn cached(db: *mut ffi::sqlite3) -> bool {
    DIRECT_STATEMENTS
        .into_iter()
        .all(|sql| unsafe { find_statement(db, sql) }.is_some())
}

/// The connection's prepared statement whose text is `sql`.
///
/// # Safety
/// As [`cached`].
unsafe fn find_statement(db: *mut ffi::sqlite3, sql: &str) -> Option<*mut ffi::sqlite3_stmt> {
    let mut statement = unsafe { ffi::sqlite3_next_stmt(db, std::ptr::null_mut()) };
    while !statement.is_null() {
        let text = unsafe { ffi::sqlite3_sql(statement) };
        if !text.is_null() && unsafe { CStr::from_ptr(text) }.to_bytes() == sql.as_bytes() {
            return Some(statement);
        }
        statement = unsafe { ffi::sqlite3_next_stmt(db, statement) };
    }
    None
}

/// One of sqlx's cached statements, borrowed for one use: reset and its bindings cleared when
/// dropped, as sqlx leaves its statements (and resets them again before its own next use).
struct Statement {
    db: *mut ffi::sqlite3,
    raw: *mut ffi::sqlite3_stmt,
}

impl Statement {
    /// # Safety
    /// `db` is an open connection no other thread uses while the statement lives.
    unsafe fn cached(db: *mut ffi::sqlite3, sql: &str) -> sqlx::Result<Self> {
        let raw = unsafe { find_statement(db, sql) }.ok_or_else(|| {
            sqlx::Error::Protocol("a direct-path statement left sqlx's cache".into())
        })?;
        // SAFETY: a live statement of `db`; a reset statement with cleared bindings is where
        // sqlx's next use starts from anyway.
        unsafe {
            ffi::sqlite3_reset(raw);
            ffi::sqlite3_clear_bindings(raw);
        }
        Ok(Self { db, raw })
    }

    /// Binds `?index` to a copy of `value` (SQLite's own), or NULL.
    fn bind(&mut self, index: c_int, value: Option<&str>) -> sqlx::Result<()> {
        // SAFETY: `raw` is a live statement of `db`, used by this thread only.
        let code = unsafe {
            match value {
                Some(text) => ffi::sqlite3_bind_text64(
                    self.raw,
                    index,
                    text.as_ptr().cast(),
                    text.len() as u64,
                    ffi::SQLITE_TRANSIENT(),
                    ffi::SQLITE_UTF8 as u8,
                ),
                None => ffi::sqlite3_bind_null(self.raw, index),
            }
        };
        self.check(code)
    }

    /// Binds `?index` to an integer.
    fn bind_int(&mut self, index: c_int, value: i64) -> sqlx::Result<()> {
        // SAFETY: as in `bind`.
        let code = unsafe { ffi::sqlite3_bind_int64(self.raw, index, value) };
        self.check(code)
    }

    /// Steps until the statement is done; the first column of its first row, if it had one.
    fn step_to_end(&mut self) -> sqlx::Result<Option<i64>> {
        let mut first = None;
        loop {
            // SAFETY: as in `bind`.
            match unsafe { ffi::sqlite3_step(self.raw) } {
                ffi::SQLITE_ROW => {
                    if first.is_none() {
                        first = Some(unsafe { ffi::sqlite3_column_int64(self.raw, 0) });
                    }
                }
                ffi::SQLITE_DONE => return Ok(first),
                code => return self.check(code).map(|()| first),
            }
        }
    }

    fn check(&self, code: c_int) -> sqlx::Result<()> {
        if code == ffi::SQLITE_OK {
            Ok(())
        } else {
            // SAFETY: `db` is open and ours (see `prepare`).
            Err(unsafe { last_error(self.db) })
        }
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: `raw` is a live statement of `db`, still ours (see `cached`).
        unsafe {
            ffi::sqlite3_reset(self.raw);
            ffi::sqlite3_clear_bindings(self.raw);
        }
    }
}

/// The connection's last error, as sqlx reports a database error (its extended code and
/// SQLite's message, which never quotes a bound value).
///
/// # Safety
/// `db` is an open connection no other thread uses meanwhile.
unsafe fn last_error(db: *mut ffi::sqlite3) -> sqlx::Error {
    let code = unsafe { ffi::sqlite3_extended_errcode(db) };
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
        .to_string_lossy()
        .into_owned();
    sqlx::Error::Database(Box::new(DirectError { code, message }))
}

/// A SQLite error met on the direct path, shaped as sqlx's own (`code()` is the extended
/// result code as text), so storage-failure tracking reads it the same way.
#[derive(Debug)]
struct DirectError {
    code: c_int,
    message: String,
}

impl std::fmt::Display for DirectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for DirectError {}

impl sqlx::error::DatabaseError for DirectError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                sqlx::error::ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => sqlx::error::ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => sqlx::error::ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => sqlx::error::ErrorKind::CheckViolation,
            _ => sqlx::error::ErrorKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{DirectError, ffi, is_locked};
    use crate::store::write::is_storage_error;

    fn error(code: i32, message: &str) -> sqlx::Error {
        sqlx::Error::Database(Box::new(DirectError {
            code,
            message: message.to_owned(),
        }))
    }

    /// The direct path's errors read as sqlx's own: a full disk or a read-only file turns
    /// `/ready` to failing, a shared-cache lock sends the write through sqlx, a duplicate is a
    /// unique violation, and none of them is mistaken for another.
    #[test]
    fn direct_errors_are_classified_as_sqlx_errors_are() {
        let full = error(ffi::SQLITE_FULL, "database or disk is full");
        let read_only = error(
            ffi::SQLITE_READONLY_DBMOVED,
            "attempt to write a readonly database",
        );
        let locked = error(ffi::SQLITE_LOCKED_SHAREDCACHE, "database table is locked");
        let unique = error(
            ffi::SQLITE_CONSTRAINT_PRIMARYKEY,
            "UNIQUE constraint failed",
        );
        assert!(is_storage_error(&full) && is_storage_error(&read_only));
        assert!(!is_storage_error(&locked) && !is_storage_error(&unique));
        assert!(is_locked(&locked));
        assert!(!is_locked(&full) && !is_locked(&unique) && !is_locked(&sqlx::Error::PoolTimedOut));
        let sqlx::Error::Database(unique) = unique else {
            unreachable!()
        };
        assert!(unique.is_unique_violation());
        assert_eq!(unique.code().as_deref(), Some("1555"));
        assert_eq!(
            full.to_string(),
            "error returned from database: (code: 13) database or disk is full"
        );
    }
}
