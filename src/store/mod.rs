//! The SQLite store: the only module with SQL. Every function takes the tenant id first and
//! binds every value. In memory by default (one pinned shared-cache database), or a file in
//! WAL mode with `--db`.

pub mod apps;
pub mod filter_sql;
pub mod members;
pub mod objects;
pub mod tenants;

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqlitePool, Transaction};

/// The database handle shared by every request.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: SqlitePool,
}

pub type Tx = Transaction<'static, sqlx::Sqlite>;

impl Db {
    /// Opens the database and applies the embedded migrations. `None` is a private in-memory
    /// database that lives as long as this `Db`.
    pub async fn open(path: Option<&Path>) -> anyhow::Result<Self> {
        let pool = match path {
            Some(path) => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // FULL: an acknowledged write survives a crash of the process or the machine.
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(std::time::Duration::from_secs(5));
                SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await?
            }
            None => {
                // Each parse of `sqlite::memory:` names a new shared-cache database, alive while a
                // connection is open: pin the connections so the data never vanishes.
                let options = SqliteConnectOptions::from_str("sqlite::memory:")?
                    .foreign_keys(true)
                    .busy_timeout(std::time::Duration::from_secs(5));
                SqlitePoolOptions::new()
                    .min_connections(1)
                    .max_connections(4)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(options)
                    .await?
            }
        };
        sqlx::migrate!().run(&pool).await?;
        Ok(Self { pool })
    }

    pub async fn begin(&self) -> sqlx::Result<Tx> {
        self.pool.begin().await
    }

    /// Writers take the lock at BEGIN, so two writers never deadlock upgrading read locks.
    pub async fn begin_write(&self) -> sqlx::Result<Tx> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}
