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
//!
//! The triggers (the search index's and the undo log's, 42) are not created one by one: each
//! `create trigger` writes its row, then has SQLite look the row up and parse it again, ~45 µs
//! apiece, 1.9 of the script's 4 ms. The script writes their rows into `sqlite_schema` in one
//! insert under `pragma writable_schema` (<https://sqlite.org/pragma.html#pragma_writable_schema>),
//! then `writable_schema = reset` has SQLite parse the schema once. The rows are the ones
//! `create trigger` writes (the test below compares them), and a second test checks that the
//! triggers fire as the migrated database's do.

/// Creates the whole schema on a new database, in one transaction.
pub const IN_MEMORY: &str = include_str!("schema.sql");

/// Gives a new in-memory database its schema: from the schema image (`schema_image`), or with
/// [`IN_MEMORY`] if the image cannot be restored. Given the default fixture's hash, restores
/// the image with that fixture loaded when it was made from the same text, and answers `true`.
pub async fn create_in_memory(
    conn: &mut sqlx::SqliteConnection,
    default_fixture: Option<super::FixtureHash>,
) -> sqlx::Result<bool> {
    use super::schema_image::{Image, restore};
    let mut handle = conn.lock_handle().await?;
    if let Some(hash) = default_fixture {
        match restore(Image::DefaultTenant(hash), &mut handle) {
            Ok(()) => return Ok(true),
            Err(reason) => tracing::debug!(%reason, "default tenant image not restored"),
        }
    }
    let restored = restore(Image::Schema, &mut handle);
    drop(handle);
    if let Err(reason) = restored {
        tracing::debug!(%reason, "schema image not restored; running the schema script");
        sqlx::raw_sql(IN_MEMORY).execute(conn).await?;
    }
    Ok(false)
}

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
    /// Triggers follow the tables, as rows written straight into `sqlite_schema` (see above).
    async fn squashed(conn: &mut SqliteConnection) -> String {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "select type, name, tbl_name, sql from sqlite_schema
             where sql is not null and name not like 'sqlite\\_%' escape '\\'
               and name not in (select name from sqlite_schema
                                where type = 'table' and name like 'directory\\_search\\_%' escape '\\')
             order by rowid",
        )
        .fetch_all(conn)
        .await
        .unwrap();
        let (triggers, statements): (Vec<_>, Vec<_>) =
            rows.into_iter().partition(|(kind, ..)| kind == "trigger");
        let statements: Vec<String> = statements.into_iter().map(|(.., sql)| sql).collect();
        let quote = |text: &str| format!("'{}'", text.replace('\'', "''"));
        let triggers: Vec<String> = triggers
            .iter()
            .map(|(kind, name, table, sql)| {
                format!(
                    "({}, {}, {}, 0, {})",
                    quote(kind),
                    quote(name),
                    quote(table),
                    quote(sql)
                )
            })
            .collect();
        format!(
            "-- Generated from migrations/ by `TENANTSIM_BLESS_SCHEMA=1 cargo test --lib schema`; do not\n\
             -- edit (see src/store/schema.rs). The in-memory database's whole schema.\n\
             begin;\n\n{};\n\n\
             -- The triggers, as the rows `create trigger` would write (see src/store/schema.rs).\n\
             pragma writable_schema = on;\n\n\
             insert into sqlite_schema (type, name, tbl_name, rootpage, sql) values\n{};\n\n\
             pragma writable_schema = reset;\n\n\
             commit;\n",
            statements.join(";\n\n"),
            triggers.join(",\n\n")
        )
    }

    /// Writes that fire every kind of trigger: the search index's on insert, update and
    /// delete, and the undo log's on a logged tenant's rows.
    const WRITES: &str = "insert into tenants (id, display_name, created_seq, undo)
            values ('t', 'T', 1, 1);
        insert into tenant_domains (tenant_id, name, position) values ('t', 't.example', 0);
        insert into directory_objects (tenant_id, id, kind, display_name, data, seq)
            values ('t', 'a', 'user', 'Ada', '{\"mail\": \"ada@t.example\"}', 1),
                   ('t', 'b', 'user', 'Bo', '{}', 2);
        update directory_objects set display_name = 'Ada L' where id = 'a';
        delete from directory_objects where id = 'b';";

    /// What the writes left in the tables the triggers write: the objects noted for the
    /// search index, then (once `search_index::fill` indexed them) the index, and the undo log.
    async fn trigger_effects(conn: &mut SqliteConnection) -> Vec<(String, i64)> {
        sqlx::raw_sql(WRITES).execute(&mut *conn).await.unwrap();
        let mut noted: Vec<(String, i64)> =
            sqlx::query_as("select 'noted', object_rowid from search_index_pending")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        crate::store::search_index::fill(conn).await.unwrap();
        noted.extend(sqlx::query_as::<_, (String, i64)>(
            "select 'search ada', rowid from directory_search('ada')
             union all select 'search l', rowid from directory_search('l')
             union all select 'search bo', rowid from directory_search('bo')
             union all select 'search example', rowid from directory_search('example')
             union all select 'undo_domains ' || existed, row_id from undo_tenant_domains
             union all select 'undo_objects ' || existed || ' ' || coalesce(display_name, ''), row_id
                 from undo_directory_objects
             union all select 'noted after the fill', object_rowid from search_index_pending
             order by 1, 2",
        )
        .fetch_all(conn)
        .await
        .unwrap());
        noted
    }

    #[tokio::test]
    async fn the_in_memory_schema_triggers_fire_as_the_migrated_ones() {
        let expected = trigger_effects(&mut database(&migrations_script()).await).await;
        let found = trigger_effects(&mut database(super::IN_MEMORY).await).await;
        assert!(
            expected.len() >= 5,
            "the writes fired too few triggers: {expected:?}"
        );
        assert_eq!(expected, found);
    }

    /// A new shared-cache in-memory database (as `Db::open` makes) restored from `image`, or
    /// from the image start-up restores (build.rs's, from `schema.db.deflate`).
    async fn restored(image: Option<&[u8]>) -> SqliteConnection {
        use crate::store::schema_image::{Image, restore, restore_from, restored_connection};
        let restored = restored_connection(|handle| match image {
            Some(image) => restore_from(image, handle),
            None => restore(Image::Schema, handle),
        })
        .await;
        restored.unwrap_or_else(|reason| {
            panic!(
                "src/store/schema.db.deflate does not restore ({reason}): run \
                 `TENANTSIM_BLESS_SCHEMA=1 cargo test --lib schema` and commit the file"
            )
        })
    }

    /// The image as `schema.sql` builds it.
    async fn image_of_script() -> Vec<u8> {
        let mut conn = database(super::IN_MEMORY).await;
        crate::store::schema_image::serialize(&mut conn.lock_handle().await.unwrap())
    }

    /// Start-up's schema image holds what `schema.sql` builds: the same `sqlite_schema` rows,
    /// the same triggers firing, and the image restores into sqlx's kind of in-memory database.
    #[tokio::test]
    async fn the_schema_image_is_the_schema_script() {
        let mut fresh = None;
        if std::env::var_os("TENANTSIM_BLESS_SCHEMA").is_some() {
            let image = image_of_script().await;
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/store/schema.db.deflate");
            std::fs::write(path, miniz_oxide::deflate::compress_to_vec(&image, 10)).unwrap();
            fresh = Some(image);
        }
        let mut script = database(super::IN_MEMORY).await;
        let mut image = restored(fresh.as_deref()).await;
        let (expected, found) = (objects(&mut script).await, objects(&mut image).await);
        assert!(
            expected == found,
            "src/store/schema.db.deflate differs from src/store/schema.sql: run \
             `TENANTSIM_BLESS_SCHEMA=1 cargo test --lib schema` and commit the file.\n\
             schema.sql: {expected:#?}\nimage: {found:#?}"
        );
        let effects = trigger_effects(&mut script).await;
        assert!(
            effects.len() >= 5,
            "the writes fired too few triggers: {effects:?}"
        );
        assert_eq!(effects, trigger_effects(&mut image).await);
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
