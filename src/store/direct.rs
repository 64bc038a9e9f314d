//! Writes run on a SQLite connection of tenantsim's own ([`RawConnection`]), for the create
//! that test suites repeat most (`POST /users`, then `GET` it back). Through sqlx every
//! statement (`BEGIN`, the insert, `COMMIT`) is a hand-off to the connection's worker thread
//! and back, and even borrowing the handle from sqlx for the whole transaction cost four
//! thread switches; those, not SQLite, were most of a create's time. Here the transaction runs
//! on the calling thread, with no `await` between `BEGIN` and `COMMIT`, so a dropped request
//! cannot leave it open. The connection opens at the first such create, on the same database
//! as sqlx's (the shared in-memory cache, or the file), and writes only while the writer mutex
//! is held, so it never competes with sqlx's writer.

use std::ffi::{CString, c_int};

use libsqlite3_sys as ffi;

use super::Db;
use super::changes::Change;
use super::objects::{Kind, NEXT_USER_SEQ, ObjectRow, ObjectWrite};
use super::raw_sqlite::{RawConnection, c_name};
use super::write::WriteGuard;

/// The direct path's insert, once [`NEXT_USER_SEQ`] gave its `seq` (`?8`).
const INSERT_USER: &str = "insert into directory_objects
         (tenant_id, id, kind, display_name, user_principal_name, app_id, data, secret, seq)
     values (?1, ?2, 'user', ?3, ?4, ?5, ?6, ?7, ?8)";

const INSERT_CHANGE: &str = "insert into directory_changes (tenant_id, object_id, kind, change)
     values (?1, ?2, ?3, ?4)";

/// The statements of the direct path, prepared when its connection opens (`sqlite3_exec`
/// would parse even `COMMIT` anew each time), by index.
const STATEMENTS: [&str; 6] = [
    NEXT_USER_SEQ,
    INSERT_USER,
    INSERT_CHANGE,
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
];
const NEXT_SEQ: usize = 0;
const INSERT: usize = 1;
const CHANGE: usize = 2;
const BEGIN: usize = 3;
const COMMIT: usize = 4;
const ROLLBACK: usize = 5;

/// The direct path's connection: where it opens, and, once opened, the connection with its
/// statements.
#[derive(Debug)]
pub(super) struct DirectWriter {
    /// The database as SQLite names it; `None` when the name cannot be given to SQLite (then
    /// every create goes through sqlx).
    filename: Option<CString>,
    flags: c_int,
    /// Pragmas run once the connection opens.
    setup: CString,
    connection: std::sync::Mutex<Option<RawConnection>>,
}

impl DirectWriter {
    /// The shared-cache in-memory database sqlx named `name` (`file:sqlx-in-memory-…`).
    pub(super) fn in_memory(name: &str) -> Self {
        Self {
            filename: c_name(name).ok(),
            flags: ffi::SQLITE_OPEN_URI
                | ffi::SQLITE_OPEN_READWRITE
                | ffi::SQLITE_OPEN_MEMORY
                | ffi::SQLITE_OPEN_SHAREDCACHE,
            setup: c"PRAGMA foreign_keys = ON".to_owned(),
            connection: std::sync::Mutex::new(None),
        }
    }

    /// The database file (already created, in WAL mode, by sqlx's connections): writes are
    /// acknowledged only once on disk (synchronous=FULL), as sqlx's are. The name is read as
    /// sqlx reads it (a `file:` URI is one), so both open the same file; never created here.
    pub(super) fn file(path: &std::path::Path) -> Self {
        Self {
            filename: path.to_str().and_then(|path| c_name(path).ok()),
            flags: ffi::SQLITE_OPEN_URI
                | ffi::SQLITE_OPEN_READWRITE
                | ffi::SQLITE_OPEN_PRIVATECACHE,
            setup: CString::new(format!(
                "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA busy_timeout = {}",
                super::BUSY_TIMEOUT.as_millis()
            ))
            .expect("no NUL in the pragmas"),
            connection: std::sync::Mutex::new(None),
        }
    }

    /// Runs `write` on the connection, opening it first if need be. `None` when this database
    /// cannot be opened by name. A connection a failed write left inside a transaction (its
    /// rollback failed too) is closed, which rolls it back, and the next write opens another.
    fn with<T>(
        &self,
        write: impl FnOnce(&mut RawConnection) -> sqlx::Result<T>,
    ) -> Option<sqlx::Result<T>> {
        let filename = self.filename.as_deref()?;
        let mut slot = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        let connection = match slot.as_mut() {
            Some(connection) => connection,
            None => match RawConnection::open(filename, self.flags, &self.setup, &STATEMENTS) {
                Ok(connection) => slot.insert(connection),
                Err(error) => return Some(Err(error)),
            },
        };
        let result = write(connection);
        if result.is_err() && connection.in_transaction() {
            *slot = None;
        }
        Some(result)
    }
}

#[cfg(test)]
impl DirectWriter {
    /// Runs `query` on the direct connection, if it is open.
    pub(super) fn query_int(&self, query: &str) -> Option<sqlx::Result<Option<i64>>> {
        let mut slot = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        slot.as_mut().map(|connection| connection.query_int(query))
    }
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
        // Held while the direct connection writes: sqlx's writer has no transaction open
        // meanwhile (one it dropped may still be rolling back: SQLite then answers LOCKED in
        // memory, and with a file the busy timeout waits for it).
        let writer = self.writer.lock().await;
        let run = || {
            self.direct.with(|connection| {
                insert_user_in_transaction(connection, tenant, user, secret, domain)
            })
        };
        // With a file, the commit waits for the disk (synchronous=FULL): let the runtime move
        // its other tasks off this thread meanwhile.
        let multi_thread = tokio::runtime::Handle::current().runtime_flavor()
            == tokio::runtime::RuntimeFlavor::MultiThread;
        let result = if self.file.is_some() && multi_thread {
            tokio::task::block_in_place(run)
        } else {
            run()
        };
        drop(writer);
        let result = match result {
            Some(result) if !result.as_ref().is_err_and(is_locked) => result,
            // A reader of the shared in-memory cache holds a table this write needs (a
            // snapshot, say). sqlx's worker waits for it (unlock notify); the calling thread
            // must not, so the write is made again that way. Nothing was written. Or this
            // database has a name SQLite cannot be given.
            _ => {
                drop(guard);
                return self
                    .insert_user_through_sqlx(tenant, user, secret, domain)
                    .await;
            }
        };
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
pub(super) fn is_locked(error: &sqlx::Error) -> bool {
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
fn insert_user_in_transaction(
    connection: &mut RawConnection,
    tenant: &str,
    user: &ObjectWrite<'_>,
    secret: &str,
    domain: &str,
) -> sqlx::Result<Option<i64>> {
    connection.statement(BEGIN).step_to_end()?;
    let inserted = insert_user(connection, tenant, user, secret, domain)
        .and_then(|seq| connection.statement(COMMIT).step_to_end().map(|_| seq));
    if inserted.is_err() && connection.in_transaction() {
        // Best effort: if even the rollback fails, `DirectWriter::with` closes the connection.
        let _ = connection.statement(ROLLBACK).step_to_end();
    }
    inserted
}

/// The insert and its change-log row, inside [`insert_user_in_transaction`]'s transaction.
fn insert_user(
    connection: &mut RawConnection,
    tenant: &str,
    user: &ObjectWrite<'_>,
    secret: &str,
    domain: &str,
) -> sqlx::Result<Option<i64>> {
    let seq = {
        let mut next = connection.statement(NEXT_SEQ);
        next.bind(1, Some(tenant))?;
        next.bind(2, Some(user.id))?;
        next.bind(4, user.user_principal_name)?;
        next.bind(7, Some(domain))?;
        match next.step_to_end()? {
            Some(seq) => seq,
            None => return Ok(None),
        }
    };
    {
        let mut insert = connection.statement(INSERT);
        insert.bind(1, Some(tenant))?;
        insert.bind(2, Some(user.id))?;
        insert.bind(3, user.display_name)?;
        insert.bind(4, user.user_principal_name)?;
        insert.bind(5, user.app_id)?;
        insert.bind(6, Some(user.data))?;
        insert.bind(7, Some(secret))?;
        insert.bind_int(8, seq)?;
        insert.step_to_end()?;
    }
    let mut change = connection.statement(CHANGE);
    change.bind(1, Some(tenant))?;
    change.bind(2, Some(user.id))?;
    change.bind(3, Some(Kind::User.as_str()))?;
    change.bind(4, Some(Change::Created.as_str()))?;
    change.step_to_end()?;
    Ok(Some(seq))
}
