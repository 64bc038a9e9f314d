//! The in-memory database as ready-made databases: `schema.db.deflate` is the database
//! `schema.sql` builds, `default-tenant.db.deflate` the same with the embedded default
//! fixtures (`fixtures/contoso.json`) loaded, both deflated; build.rs inflates them into the
//! executable and start-up copies one's pages into the new database instead of building it.
//!
//! Running the script is compiling and executing ~100 `create` statements; each writes its
//! row of `sqlite_schema`, then has SQLite look the row up and parse it again (3.2 ms of a
//! 10–11 ms ready line, on its critical path). Loading the default fixtures compiles ~25
//! insert statements, each with its tables' triggers (3–4 ms more). Copying the pages with
//! SQLite's backup API (<https://sqlite.org/backup.html>) from a private connection that reads
//! the image in place (`sqlite3_deserialize`) leaves one parse of the finished schema, at the
//! next statement. The images are only ever read; one that cannot be restored, or a default
//! tenant image made from another fixture text than the one given, is not used: the caller
//! builds the database itself.
//!
//! Tests keep the images equal to what they stand for: a database restored from the schema
//! image has `schema.sql`'s `sqlite_schema` rows and fires the same triggers, and one restored
//! from the default tenant image holds every row, rowid included, that loading the default
//! fixtures writes. `TENANTSIM_BLESS_SCHEMA=1 cargo test --lib schema` rewrites both, each from
//! what the build embedded (after a schema change, run it until the plain tests pass). Unsafe
//! code, as `raw_sqlite` is: SQLite's C interface.
#![allow(unsafe_code)]

use std::ffi::CStr;

use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;

use super::raw_sqlite::RawConnection;

/// The database `schema.sql` builds, as build.rs inflated it from `schema.db.deflate`.
static SCHEMA: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/schema.db"));
/// The same with the default fixtures loaded, from `default-tenant.db.deflate`.
static DEFAULT_TENANT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/default-tenant.db"));

/// Offset of the database header's "user version" (big-endian u32): the default tenant image
/// keeps there the [`FixtureHash`] of the fixture text it was loaded from.
const USER_VERSION: usize = 60;

/// Which ready-made database to restore.
#[derive(Debug, Clone, Copy)]
pub(super) enum Image {
    /// The schema alone.
    Schema,
    /// The schema and the default fixtures, loaded from the text with this hash.
    DefaultTenant(FixtureHash),
}

/// FNV-1a (32 bits) of a fixture text: tells whether the default tenant image was loaded from
/// that text. Not a defence against anyone; a guard against an edited fixture and an image not
/// made again. A `const fn`, so the embedded fixture's is computed at build time
/// (`fixtures::CONTOSO_HASH`), not at every start (42 KB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixtureHash(pub u32);

impl FixtureHash {
    pub const fn of(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut hash = 0x811c_9dc5_u32;
        let mut i = 0;
        while i < bytes.len() {
            hash = (hash ^ bytes[i] as u32).wrapping_mul(0x0100_0193);
            i += 1;
        }
        Self(hash)
    }
}

/// Replaces the main database of `target` with `image`. `target` must be a new, empty
/// database no other connection is using (the in-memory database at start-up).
pub(super) fn restore(image: Image, target: &mut LockedSqliteHandle<'_>) -> Result<(), String> {
    match image {
        Image::Schema => restore_from(SCHEMA, target),
        Image::DefaultTenant(hash) => {
            let recorded = DEFAULT_TENANT
                .get(USER_VERSION..USER_VERSION + 4)
                .map(|b| FixtureHash(u32::from_be_bytes([b[0], b[1], b[2], b[3]])));
            if recorded != Some(hash) {
                return Err(
                    "the default tenant image was made from another fixture text".to_owned(),
                );
            }
            restore_from(DEFAULT_TENANT, target)
        }
    }
}

/// [`restore`] from the given image (a test's freshly built one).
pub(super) fn restore_from(
    image: &[u8],
    target: &mut LockedSqliteHandle<'_>,
) -> Result<(), String> {
    if image.is_empty() {
        return Err("the image is empty".to_owned());
    }
    let mut source = RawConnection::open(
        c":memory:",
        ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_MEMORY,
        c"",
        &[],
    )
    .map_err(|e| e.to_string())?;
    let source_db = source.handle();
    let size = image.len() as i64;
    // SAFETY: `source_db` is open and ours; READONLY: SQLite reads `image` in place and
    // neither writes nor frees it (the pointer's `mut` is only the C signature's), and `image`
    // outlives the connection (closed below).
    let code = unsafe {
        ffi::sqlite3_deserialize(
            source_db,
            c"main".as_ptr(),
            image.as_ptr().cast_mut(),
            size,
            size,
            ffi::SQLITE_DESERIALIZE_READONLY,
        )
    };
    if code != ffi::SQLITE_OK {
        return Err(format!("sqlite3_deserialize answered {code}"));
    }
    let target = target.as_raw_handle().as_ptr();
    // SAFETY: both connections are open, and neither is used elsewhere meanwhile (sqlx's
    // locked handle keeps its worker off `target`); the backup is finished before either is
    // released.
    unsafe {
        let backup =
            ffi::sqlite3_backup_init(target, c"main".as_ptr(), source_db, c"main".as_ptr());
        if backup.is_null() {
            return Err(message(target));
        }
        let stepped = ffi::sqlite3_backup_step(backup, -1);
        let finished = ffi::sqlite3_backup_finish(backup);
        if stepped != ffi::SQLITE_DONE || finished != ffi::SQLITE_OK {
            return Err(format!(
                "backup step {stepped}, finish {finished}: {}",
                message(target)
            ));
        }
    }
    drop(source);
    Ok(())
}

/// A connection to a new in-memory database as sqlx opens one, with `restore_into` run on it
/// (`restore` or `restore_from`): how tests check that an image restores.
#[cfg(test)]
pub(super) async fn restored_connection(
    restore_into: impl FnOnce(&mut LockedSqliteHandle<'_>) -> Result<(), String>,
) -> Result<sqlx::SqliteConnection, String> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:")
        .await
        .map_err(|e| e.to_string())?;
    restore_into(&mut conn.lock_handle().await.map_err(|e| e.to_string())?)?;
    Ok(conn)
}

/// SQLite's last error message on `db`.
///
/// # Safety
///
/// `db` is an open connection.
unsafe fn message(db: *mut ffi::sqlite3) -> String {
    // SAFETY: per the caller; the message is copied at once.
    unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
        .to_string_lossy()
        .into_owned()
}

/// The main database of `source` as a database file's bytes (`sqlite3_serialize`).
#[cfg(test)]
pub(super) fn serialize(source: &mut LockedSqliteHandle<'_>) -> Vec<u8> {
    let db = source.as_raw_handle().as_ptr();
    let mut size: ffi::sqlite3_int64 = 0;
    // SAFETY: `db` is open and locked for us; SQLite answers a copy we free once copied.
    unsafe {
        let bytes = ffi::sqlite3_serialize(db, c"main".as_ptr(), &mut size, 0);
        assert!(!bytes.is_null(), "sqlite3_serialize: {}", message(db));
        let copy = std::slice::from_raw_parts(bytes, size as usize).to_vec();
        ffi::sqlite3_free(bytes.cast());
        copy
    }
}

#[cfg(test)]
mod tests {
    use sqlx::SqliteConnection;

    use super::{FixtureHash, restore_from, restored_connection, serialize};
    use crate::fixtures::{self, CONTOSO_HASH, FixtureSource};
    use crate::store::Db;

    /// Every `sqlite_schema` row, then every row of every table (rowid first where the table
    /// has one: the search index and the undo log go by rowid) as SQL literals, table by table.
    async fn contents(conn: &mut SqliteConnection) -> Vec<String> {
        let mut out: Vec<String> = sqlx::query_scalar(
            "select type || ' ' || name || ' ' || tbl_name || ' ' || quote(sql) from sqlite_schema
             order by type, name",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        // The search index itself answers from its shadow tables, which are compared.
        let tables: Vec<(String, String)> = sqlx::query_as(
            "select name, sql from sqlite_schema
             where type = 'table' and name != 'directory_search' order by name",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        for (table, sql) in tables {
            let columns: Vec<String> =
                sqlx::query_scalar("select name from pragma_table_info(?) order by cid")
                    .bind(&table)
                    .fetch_all(&mut *conn)
                    .await
                    .unwrap();
            let mut values: Vec<String> =
                columns.iter().map(|c| format!("quote(\"{c}\")")).collect();
            if !sql.to_ascii_lowercase().contains("without rowid") {
                values.insert(0, "quote(rowid)".to_owned());
            }
            // Names read from the schema itself, not values.
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "select {} from \"{table}\" order by 1",
                values.join(" || ' ' || ")
            )))
            .fetch_all(&mut *conn)
            .await
            .unwrap();
            out.extend(rows.into_iter().map(|row| format!("{table}: {row}")));
        }
        out
    }

    /// The default tenant image holds exactly what loading the default fixtures into the schema
    /// writes; start-up restores it only for that fixture text, and otherwise starts empty.
    #[tokio::test]
    async fn the_default_tenant_image_is_the_default_fixtures_loaded() {
        let seeds: Vec<_> = fixtures::parse_all_indexed(&FixtureSource::embedded_default())
            .unwrap()
            .into_iter()
            .map(|(_, seed)| seed)
            .collect();
        let loaded = Db::open(None).await.unwrap();
        assert!(fixtures::load(&loaded, &seeds, None).await.unwrap());
        let mut loaded_conn = loaded.pool.acquire().await.unwrap().detach();
        let expected = contents(&mut loaded_conn).await;
        assert!(
            expected
                .iter()
                .any(|row| row.starts_with("directory_objects: "))
                && expected.iter().any(|row| row.starts_with("memberships: ")),
            "the default fixtures loaded no directory"
        );
        let found = if std::env::var_os("TENANTSIM_BLESS_SCHEMA").is_some() {
            let hash = CONTOSO_HASH.0;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("pragma user_version = {hash}")))
                .execute(&mut loaded_conn)
                .await
                .unwrap();
            let image = serialize(&mut loaded_conn.lock_handle().await.unwrap());
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/src/store/default-tenant.db.deflate"
            );
            std::fs::write(path, miniz_oxide::deflate::compress_to_vec(&image, 10)).unwrap();
            let mut conn = restored_connection(|handle| restore_from(&image, handle))
                .await
                .unwrap();
            contents(&mut conn).await
        } else {
            let (restored, preloaded) = Db::open_with(None, Some(CONTOSO_HASH)).await.unwrap();
            assert!(
                preloaded,
                "src/store/default-tenant.db.deflate was not restored: run \
                 `TENANTSIM_BLESS_SCHEMA=1 cargo test --lib schema` and commit the file"
            );
            contents(&mut restored.pool.acquire().await.unwrap()).await
        };
        if expected != found {
            let first = expected
                .iter()
                .zip(&found)
                .find(|(e, f)| e != f)
                .map(|(e, f)| format!("loaded:   {e}\nrestored: {f}"));
            panic!(
                "src/store/default-tenant.db.deflate differs from the default fixtures loaded \
                 ({} rows, {} restored): run `TENANTSIM_BLESS_SCHEMA=1 cargo test --lib schema` \
                 and commit the file.\n{}",
                expected.len(),
                found.len(),
                first.unwrap_or_default()
            );
        }
        // Another fixture text: the image is not used, the database starts empty.
        let other_text = FixtureHash::of("{\"tenants\": []}");
        let (other, preloaded) = Db::open_with(None, Some(other_text)).await.unwrap();
        assert!(!preloaded);
        let tenants: i64 = sqlx::query_scalar("select count(*) from tenants")
            .fetch_one(&other.pool)
            .await
            .unwrap();
        assert_eq!(tenants, 0);
    }

    /// The start-up load may begin with the first tenant's users, block by block as they are
    /// checked, while the rest of the fixtures is (`fixtures::begin_early`); the database it
    /// leaves holds exactly the rows, rowids and numbering included, of a load made after
    /// every check. A load that began with only some of the users is refused.
    #[tokio::test]
    async fn a_load_begun_with_the_first_tenants_users_holds_what_a_whole_load_holds() {
        let tenant = "e0e0e0e0-0000-4000-8000-000000000001";
        let user = |n: usize| format!("e0e0e0e0-0001-4000-8000-{n:012x}");
        // Two blocks of users: the second one's numbering goes on from the first one's.
        let count = crate::store::bulk::MIN_OBJECTS + 1_001;
        let users: Vec<serde_json::Value> = (0..count)
            .map(|n| {
                let mut user = serde_json::json!({"id": user(n),
                    "userPrincipalName": format!("u{n}@early.example"),
                    "displayName": format!("Early {n}"), "accountEnabled": true,
                    "manager": if n > 0 { Some(user(0)) } else { None },
                    "directoryRoles": if n == 0 { vec!["Global Administrator"] } else { vec![] },
                    "linkedIn": {"vanityName": format!("early-{n}"), "connection": "Bound"}});
                if n % 2 == 0 {
                    user["password"] = "Passw0rd!".into();
                }
                user
            })
            .collect();
        let groups = serde_json::json!([{"id": "e0e0e0e0-0002-4000-8000-000000000000",
            "displayName": "Early Group", "mailEnabled": false, "mailNickname": "early",
            "securityEnabled": true, "members": [user(1), user(2)], "owners": [user(0)]}]);
        let document = serde_json::json!({"tenants": [{"id": tenant, "displayName": "Early",
            "domains": ["early.example"], "users": users, "groups": groups,
            "linkedInNetwork": [[user(1), user(2)]]}]});
        let mut sources = vec![FixtureSource {
            name: "early.json".to_owned(),
            text: document.to_string(),
        }];
        sources.extend(FixtureSource::embedded_default());
        let seeds = |indexed: Vec<(usize, fixtures::TenantSeed)>| -> Vec<_> {
            indexed.into_iter().map(|(_, seed)| seed).collect()
        };

        let whole = Db::open(None).await.unwrap();
        let parsed = seeds(fixtures::parse_all_indexed(&sources).unwrap());
        assert!(fixtures::load(&whole, &parsed, None).await.unwrap());

        // What `cli::open_state` sends: the first tenant's head, its users as read, and the
        // first `checked` parts it checked after them.
        let early_rows = |blocks: usize, checked: usize| {
            let (sender, rows) = tokio::sync::mpsc::channel(16);
            let (mut heads, mut sizes, mut parts) = (0, Vec::new(), Vec::new());
            let parsed = fixtures::parse_all_indexed_early(&sources, &mut |part| match part {
                fixtures::EarlyPart::Head { seed, users } => {
                    heads += 1;
                    if heads == 1 {
                        assert!(seed.users.is_empty() && seed.groups.is_empty());
                        assert!(seed.grants.is_empty() && users == count);
                        sender
                            .try_send(fixtures::EarlyRows::Head { seed, users })
                            .unwrap();
                    }
                }
                fixtures::EarlyPart::Users(block) if heads == 1 => {
                    sizes.push(block.len());
                    if sizes.len() <= blocks {
                        let rows = fixtures::encode_users(block).unwrap();
                        let count = block.len();
                        sender
                            .try_send(fixtures::EarlyRows::Users { rows, count })
                            .unwrap();
                    }
                }
                fixtures::EarlyPart::Checked(part) if heads == 1 => {
                    parts.push(match &part {
                        fixtures::CheckedPart::Users(users) => format!("{} users", users.len()),
                        fixtures::CheckedPart::Groups(groups) => format!("{} group", groups.len()),
                        fixtures::CheckedPart::Network(pairs) => format!("{} pair", pairs.len()),
                        fixtures::CheckedPart::Memberships => "memberships".to_owned(),
                    });
                    if parts.len() <= checked {
                        sender.try_send(fixtures::EarlyRows::Checked(part)).unwrap();
                    }
                }
                fixtures::EarlyPart::Users(_) | fixtures::EarlyPart::Checked(_) => {}
            });
            assert_eq!(heads, 2, "each tenant's head is handed out");
            assert_eq!(sizes, [5_000, 1_001], "the first tenant's users, by block");
            let all = [
                &format!("{count} users"),
                "1 group",
                "1 pair",
                "memberships",
            ];
            assert_eq!(parts, all, "the first tenant's checked parts, in order");
            (seeds(parsed.unwrap()), rows)
        };
        let begin = |mut rows: tokio::sync::mpsc::Receiver<fixtures::EarlyRows>| {
            let head = rows.try_recv().unwrap();
            let fixtures::EarlyRows::Head { seed, users } = head else {
                panic!("the head comes first");
            };
            async move {
                let begun = Db::open(None).await.unwrap();
                let early = fixtures::begin_early(&begun, &seed, users, &mut rows)
                    .await
                    .unwrap();
                (begun, early)
            }
        };

        // With every checked part inserted early (the users' LinkedIn rows, the groups, the
        // network, the memberships), with some of them, and with none: then the load inserts
        // the rest.
        let mut begun = Vec::new();
        for checked in [4, 2, 1, 0] {
            let (parsed, rows) = early_rows(2, checked);
            let (db, early) = begin(rows).await;
            assert!(early.is_some());
            assert!(fixtures::load(&db, &parsed, early).await.unwrap());
            begun.push(db);
        }

        let (parsed, rows) = early_rows(1, 4);
        let (partial, early) = begin(rows).await;
        let refused = fixtures::load(&partial, &parsed, early).await.unwrap_err();
        assert!(refused.to_string().contains("not all of them"), "{refused}");

        let mut whole = whole.pool.acquire().await.unwrap().detach();
        let expected = contents(&mut whole).await;
        assert!(expected.iter().any(|row| row.contains(&user(4_999))));
        assert!(expected.iter().any(|row| row.contains("early-5000")));
        for db in begun {
            let mut conn = db.pool.acquire().await.unwrap().detach();
            assert_eq!(contents(&mut conn).await, expected);
        }
    }
}
