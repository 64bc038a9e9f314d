//! The in-memory database's schema, created in one script: the final schema the migrations in
//! `migrations/` build, without replaying their history.
//!
//! A file database (`--db`) runs the migrations, so an older file is brought forward. An
//! in-memory database is always new, and replaying the history cost start-up time: migration
//! 0010 rebuilds `app_credentials` (create, copy, drop, rename; a rename makes SQLite reparse
//! the whole schema), and the 13 scripts together took 4.3 ms of a 13 ms ready line.
//! `schema.sql` holds each object's own `create` statement as SQLite stored it after the
//! migrations, in creation order. A test keeps the two identical: it compares every row of
//! `sqlite_schema` (tables, indexes, triggers, the search index's shadow tables) of a database
//! built each way, and rewrites `schema.sql` when run with `TENANTSIM_BLESS_SCHEMA=1`.

/// Creates the whole schema on a new database, in one transaction.
pub const IN_MEMORY: &str = include_str!("schema.sql");

#[cfg(test)]
mod tests {
    use sqlx::{Connection, SqliteConnection};

    /// Every migration, in order, as one script (what a file database has been through).
    fn migrations_script() -> String {
        let script = sqlx::migrate!()
            .iter()
            .map(|m| m.sql.as_str())
            .collect::<Vec<_>>()
            .join(";\n");
        format!("begin;\n{script};\ncommit;")
    }

    async fn database(script: &str) -> SqliteConnection {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(script.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap();
        conn
    }

    /// (type, name, table, sql) of every schema object, by name.
    async fn objects(conn: &mut SqliteConnection) -> Vec<(String, String, String, Option<String>)> {
        sqlx::query_as("select type, name, tbl_name, sql from sqlite_schema order by type, name")
            .fetch_all(conn)
            .await
            .unwrap()
    }

    /// `schema.sql` as the migrated database's own statements, in creation order; the search
    /// index's shadow tables and `sqlite_*` tables come with the statements that create them.
    async fn squashed(conn: &mut SqliteConnection) -> String {
        let statements: Vec<String> = sqlx::query_scalar(
            "select sql from sqlite_schema
             where sql is not null and name not like 'sqlite\\_%' escape '\\'
               and name not in (select name from sqlite_schema
                                where type = 'table' and name like 'directory\\_search\\_%' escape '\\')
             order by rowid",
        )
        .fetch_all(conn)
        .await
        .unwrap();
        format!(
            "-- Generated from migrations/ by `TENANTSIM_BLESS_SCHEMA=1 cargo test --lib schema`; do not\n\
             -- edit (see src/store/schema.rs). The in-memory database's whole schema.\n\
             begin;\n\n{};\n\ncommit;\n",
            statements.join(";\n\n")
        )
    }

    #[tokio::test]
    async fn the_in_memory_schema_is_the_migrations_schema() {
        let mut migrated = database(&migrations_script()).await;
        if std::env::var_os("TENANTSIM_BLESS_SCHEMA").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/store/schema.sql");
            std::fs::write(path, squashed(&mut migrated).await).unwrap();
        }
        let mut created = database(super::IN_MEMORY).await;
        let (expected, found) = (objects(&mut migrated).await, objects(&mut created).await);
        assert!(
            expected == found,
            "src/store/schema.sql differs from what migrations/ build: run \
             `TENANTSIM_BLESS_SCHEMA=1 cargo test --lib schema` and commit the file.\n\
             migrations: {expected:#?}\nschema.sql: {found:#?}"
        );
    }
}
