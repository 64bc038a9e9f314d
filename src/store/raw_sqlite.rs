//! A SQLite connection tenantsim opens and drives itself, with no worker thread: the direct
//! write path's (`direct`). sqlx runs each connection on a thread of its own and every call is
//! a hand-off to it and back; even borrowing the handle from sqlx (`lock_handle`) costs the
//! four thread switches of waking its worker, parking it and waking it again, most of what a
//! one-row write costs the server. This connection runs on the calling thread.
//!
//! Unsafe code, as `page_cache` is: it is SQLite's C interface. Every block rests on one fact,
//! that a [`RawConnection`] and its statements are used by one thread at a time (they are
//! `Send`, not `Sync`, and the owner holds them behind a mutex).
#![allow(unsafe_code)]

use std::borrow::Cow;
use std::ffi::{CStr, CString, c_int};

use libsqlite3_sys as ffi;

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

/// An open connection and the statements prepared on it; closed when dropped.
pub(super) struct RawConnection {
    db: *mut ffi::sqlite3,
    statements: Vec<*mut ffi::sqlite3_stmt>,
}

// SAFETY: SQLite connections opened with SQLITE_OPEN_NOMUTEX may move between threads as
// long as one thread uses them at a time; `&mut self` on every use and no `Sync` ensure it.
unsafe impl Send for RawConnection {}

impl std::fmt::Debug for RawConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawConnection")
            .field("statements", &self.statements.len())
            .finish()
    }
}

impl RawConnection {
    /// Opens `filename` with SQLite's `flags` (SQLITE_OPEN_NOMUTEX is added), then runs
    /// `setup` (pragmas) and prepares `statements`, kept for the connection's life (`?N` as
    /// written; [`RawConnection::statement`] takes them by index).
    pub(super) fn open(
        filename: &CStr,
        flags: c_int,
        setup: &CStr,
        statements: &[&str],
    ) -> sqlx::Result<Self> {
        let mut db = std::ptr::null_mut();
        // SAFETY: a valid C string and an out pointer; SQLite sets `db` even on failure
        // (except out of memory), and it is closed by `Drop` below either way.
        let code = unsafe {
            ffi::sqlite3_open_v2(
                filename.as_ptr(),
                &mut db,
                flags | ffi::SQLITE_OPEN_NOMUTEX,
                std::ptr::null(),
            )
        };
        if db.is_null() {
            return Err(error(code, "out of memory opening the database".into()));
        }
        let mut connection = Self {
            db,
            statements: Vec::with_capacity(statements.len()),
        };
        if code != ffi::SQLITE_OK {
            return Err(connection.last_error());
        }
        // SAFETY: `db` is open and ours.
        unsafe { ffi::sqlite3_extended_result_codes(db, 1) };
        connection.exec(setup)?;
        for sql in statements {
            let mut statement = std::ptr::null_mut();
            // SAFETY: `db` is ours; SQLite copies nothing past `len`; PERSISTENT because the
            // statement lives as long as the connection.
            let code = unsafe {
                ffi::sqlite3_prepare_v3(
                    db,
                    sql.as_ptr().cast(),
                    sql.len() as c_int,
                    ffi::SQLITE_PREPARE_PERSISTENT,
                    &mut statement,
                    std::ptr::null_mut(),
                )
            };
            if code != ffi::SQLITE_OK || statement.is_null() {
                return Err(connection.last_error());
            }
            connection.statements.push(statement);
        }
        Ok(connection)
    }

    /// Runs SQL without parameters.
    pub(super) fn exec(&mut self, sql: &CStr) -> sqlx::Result<()> {
        // SAFETY: `db` is open and ours (`&mut self`).
        let code = unsafe {
            ffi::sqlite3_exec(
                self.db,
                sql.as_ptr(),
                None,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if code == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(self.last_error())
        }
    }

    /// The integer a one-row query answers (a pragma, in tests).
    #[cfg(test)]
    pub(super) fn query_int(&mut self, sql: &str) -> sqlx::Result<Option<i64>> {
        let mut raw = std::ptr::null_mut();
        // SAFETY: `db` is ours; the statement is finalized before this returns.
        let code = unsafe {
            ffi::sqlite3_prepare_v2(
                self.db,
                sql.as_ptr().cast(),
                sql.len() as c_int,
                &mut raw,
                std::ptr::null_mut(),
            )
        };
        if code != ffi::SQLITE_OK {
            return Err(self.last_error());
        }
        let value = Statement {
            raw,
            connection: self,
        }
        .step_to_end();
        // SAFETY: `raw` is ours and no longer used.
        unsafe { ffi::sqlite3_finalize(raw) };
        value
    }

    /// The C handle, for an interface this type does not wrap (`schema_image`'s).
    pub(super) fn handle(&mut self) -> *mut ffi::sqlite3 {
        self.db
    }

    /// Whether a transaction is open (none after COMMIT, ROLLBACK or one SQLite rolled back).
    pub(super) fn in_transaction(&mut self) -> bool {
        // SAFETY: `db` is open and ours.
        unsafe { ffi::sqlite3_get_autocommit(self.db) == 0 }
    }

    /// The `index`th statement given to [`RawConnection::open`], for one use: reset, with its
    /// bindings cleared, when dropped.
    pub(super) fn statement(&mut self, index: usize) -> Statement<'_> {
        Statement {
            raw: self.statements[index],
            connection: self,
        }
    }

    /// The connection's last error, as sqlx reports a database error (its extended code and
    /// SQLite's message, which never quotes a bound value).
    fn last_error(&self) -> sqlx::Error {
        // SAFETY: `db` is open; the message is copied before anything else runs on it.
        let (code, message) = unsafe {
            (
                ffi::sqlite3_extended_errcode(self.db),
                CStr::from_ptr(ffi::sqlite3_errmsg(self.db))
                    .to_string_lossy()
                    .into_owned(),
            )
        };
        error(code, message)
    }
}

impl Drop for RawConnection {
    fn drop(&mut self) {
        // SAFETY: each statement is ours and finalized once; `sqlite3_close` then closes the
        // connection (none is left to keep it open).
        unsafe {
            for statement in self.statements.drain(..) {
                ffi::sqlite3_finalize(statement);
            }
            ffi::sqlite3_close(self.db);
        }
    }
}

/// A prepared statement in use; borrows its connection, so nothing else runs meanwhile.
pub(super) struct Statement<'c> {
    connection: &'c mut RawConnection,
    raw: *mut ffi::sqlite3_stmt,
}

impl Statement<'_> {
    /// Binds `?index` to a copy of `value` (SQLite's own), or NULL.
    pub(super) fn bind(&mut self, index: c_int, value: Option<&str>) -> sqlx::Result<()> {
        // SAFETY: `raw` is a live statement of our connection.
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
    pub(super) fn bind_int(&mut self, index: c_int, value: i64) -> sqlx::Result<()> {
        // SAFETY: as in `bind`.
        let code = unsafe { ffi::sqlite3_bind_int64(self.raw, index, value) };
        self.check(code)
    }

    /// Steps until the statement is done; the first column of its first row, if it had one.
    pub(super) fn step_to_end(&mut self) -> sqlx::Result<Option<i64>> {
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
            Err(self.connection.last_error())
        }
    }
}

impl Drop for Statement<'_> {
    fn drop(&mut self) {
        // SAFETY: `raw` is a live statement of our connection.
        unsafe {
            ffi::sqlite3_reset(self.raw);
            ffi::sqlite3_clear_bindings(self.raw);
        }
    }
}

/// A database or file name as SQLite takes it.
pub(super) fn c_name(name: &str) -> sqlx::Result<CString> {
    CString::new(name).map_err(|_| error(ffi::SQLITE_CANTOPEN, "a NUL in the file name".into()))
}

fn error(code: c_int, message: String) -> sqlx::Error {
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
    use super::{error, ffi};
    use crate::store::direct::is_locked;
    use crate::store::write::is_storage_error;

    /// The direct path's errors read as sqlx's own: a full disk or a read-only file turns
    /// `/ready` to failing, a shared-cache lock sends the write through sqlx, a duplicate is a
    /// unique violation, and none of them is mistaken for another.
    #[test]
    fn direct_errors_are_classified_as_sqlx_errors_are() {
        let full = error(ffi::SQLITE_FULL, "database or disk is full".into());
        let read_only = error(
            ffi::SQLITE_READONLY_DBMOVED,
            "attempt to write a readonly database".into(),
        );
        let locked = error(
            ffi::SQLITE_LOCKED_SHAREDCACHE,
            "database table is locked".into(),
        );
        let unique = error(
            ffi::SQLITE_CONSTRAINT_PRIMARYKEY,
            "UNIQUE constraint failed".into(),
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
