//! The writer connection ([`Db::begin_write`]): writers take turns on it, and a write that ends
//! without its commit (an error, a dropped request) leaves nothing behind for the next one.

use super::Db;

/// Both stores: in memory, and a file in a directory that lives as long as the test.
async fn stores() -> Vec<(Db, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = Db::open(Some(&dir.path().join("writer.db")))
        .await
        .expect("file db");
    let memory = Db::open(None).await.expect("in-memory db");
    vec![(memory, None), (file, Some(dir))]
}

async fn counter(db: &Db) -> i64 {
    sqlx::query_scalar("select coalesce(sum(n), 0) from writer_probe")
        .fetch_one(&db.pool)
        .await
        .expect("read")
}

/// A table holding one row, `n` = 0.
async fn make_probe_table(db: &Db) {
    let mut tx = db.begin_write().await.expect("begin");
    sqlx::raw_sql(
        "create table writer_probe (n integer not null); insert into writer_probe values (0)",
    )
    .execute(&mut *tx)
    .await
    .expect("create");
    tx.commit().await.expect("commit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_dropped_before_its_commit_is_rolled_back() {
    for (db, _dir) in stores().await {
        make_probe_table(&db).await;
        // Dropped after a statement: the handler returned an error before committing.
        let mut tx = db.begin_write().await.expect("begin");
        sqlx::query("insert into writer_probe values (1)")
            .execute(&mut *tx)
            .await
            .expect("insert");
        drop(tx);
        // Dropped while waiting: the client went away and the request's future was dropped.
        let (inserted, wait) = tokio::sync::oneshot::channel::<()>();
        let writer = db.clone();
        let task = tokio::spawn(async move {
            let mut tx = writer.begin_write().await.expect("begin");
            sqlx::query("insert into writer_probe values (10)")
                .execute(&mut *tx)
                .await
                .expect("insert");
            inserted.send(()).expect("send");
            std::future::pending::<()>().await;
            tx.commit().await
        });
        wait.await.expect("inserted");
        task.abort();
        assert!(task.await.expect_err("aborted").is_cancelled());
        // The next writer gets the connection, outside any transaction, and commits.
        let mut tx = db.begin_write().await.expect("begin after the drops");
        sqlx::query("insert into writer_probe values (100)")
            .execute(&mut *tx)
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
        assert_eq!(counter(&db).await, 100);
    }
}

/// Read-modify-write in each transaction: a writer that did not wait for the one before would
/// read a stale count (a lost increment), and one that met SQLite's lock instead would fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_take_turns() {
    for (db, _dir) in stores().await {
        make_probe_table(&db).await;
        let writers: Vec<_> = (0..24)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move {
                    let mut tx = db.begin_write().await?;
                    let n: i64 = sqlx::query_scalar("select n from writer_probe")
                        .fetch_one(&mut *tx)
                        .await?;
                    tokio::task::yield_now().await;
                    sqlx::query("update writer_probe set n = ?")
                        .bind(n + 1)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await
                })
            })
            .collect();
        for writer in writers {
            writer.await.expect("task").expect("write");
        }
        assert_eq!(counter(&db).await, 24);
    }
}

/// A row that names nothing: a membership of a tenant that does not exist.
const DANGLING_MEMBERSHIP: &str =
    "insert into memberships (tenant_id, group_id, member_id, seq) values ('nobody', 'g', 'm', 1)";

/// Whether a write can store [`DANGLING_MEMBERSHIP`]. Rolled back either way.
async fn dangling_row_is_refused(db: &Db) -> bool {
    let mut tx = db.begin_write().await.expect("begin");
    let refused = sqlx::query(DANGLING_MEMBERSHIP)
        .execute(&mut *tx)
        .await
        .is_err();
    drop(tx);
    refused
}

/// A validated load runs without foreign-key checks; every other write has them, after the
/// load committed and after a load that was dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_keys_are_checked_again_after_a_validated_load() {
    for (db, _dir) in stores().await {
        assert!(
            dangling_row_is_refused(&db).await,
            "checked before any load"
        );
        // The checks are off inside the load: the same row goes in (and is rolled back).
        let mut load = db.begin_validated_load().await.expect("begin load");
        sqlx::query(DANGLING_MEMBERSHIP)
            .execute(&mut *load)
            .await
            .expect("unchecked inside the load");
        drop(load);
        assert!(
            dangling_row_is_refused(&db).await,
            "checked after a dropped load"
        );
        let load = db.begin_validated_load().await.expect("begin load");
        load.commit().await.expect("commit load");
        assert!(
            dangling_row_is_refused(&db).await,
            "checked after a committed load"
        );
        assert_eq!(
            sqlx::query_scalar::<_, i64>("select count(*) from memberships")
                .fetch_one(&db.pool)
                .await
                .expect("count"),
            0
        );
    }
}

/// A tenant `t1` with the domain `t1.example`.
async fn make_tenant(db: &Db) {
    let domains = ["t1.example".to_owned()];
    let mut tx = db.begin_write().await.expect("begin");
    super::tenants::insert_tenant(
        &mut tx,
        &super::tenants::NewTenant {
            id: "t1",
            display_name: "T1",
            cloud: "public",
            country: None,
            settings: "{}",
            domains: &domains,
        },
    )
    .await
    .expect("tenant");
    tx.commit().await.expect("commit");
}

fn user<'a>(id: &'a str, upn: &'a str) -> super::objects::ObjectWrite<'a> {
    super::objects::ObjectWrite {
        id,
        kind: super::objects::Kind::User,
        display_name: Some("Direct"),
        user_principal_name: Some(upn),
        app_id: None,
        data: r#"{"displayName":"Direct"}"#,
    }
}

/// (users, change-log rows) of tenant `t1`.
async fn users_and_changes(db: &Db) -> (i64, i64) {
    sqlx::query_as(
        "select (select count(*) from directory_objects where tenant_id = 't1' and kind = 'user'),
                (select count(*) from directory_changes where tenant_id = 't1')",
    )
    .fetch_one(&db.pool)
    .await
    .expect("count")
}

/// The create run on the direct connection: committed with its change-log row and readable
/// through the cache and the pool; refused by either check with nothing written; and the
/// writer takes turns with it as before (a sqlx write and another direct one follow).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_inserted_alone_commits_once_or_not_at_all() {
    for (db, dir) in stores().await {
        make_tenant(&db).await;
        let first = db
            .insert_user_alone("t1", &user("u1", "a@t1.example"), "digest", "t1.example")
            .await
            .expect("insert");
        assert!(first.is_some(), "inserted");
        assert_eq!(users_and_changes(&db).await, (1, 1));
        // On tenantsim's own connection, not through sqlx: with foreign keys checked, and, on
        // a file, acknowledged only once on disk (synchronous=FULL is 2).
        let on = |pragma| {
            db.direct
                .query_int(pragma)
                .expect("direct connection open")
                .expect(pragma)
        };
        assert_eq!(on("PRAGMA foreign_keys"), Some(1));
        if dir.is_some() {
            assert_eq!(on("PRAGMA synchronous"), Some(2));
            assert_eq!(on("PRAGMA busy_timeout"), Some(5000));
        }
        let cached = db.cached_user("t1", "a@t1.example").await.expect("read");
        assert_eq!(
            cached.map(|row| (row.id, row.seq)),
            Some(("u1".to_owned(), first.unwrap()))
        );
        let secret: Option<String> =
            sqlx::query_scalar("select secret from directory_objects where id = 'u1'")
                .fetch_one(&db.pool)
                .await
                .expect("secret");
        assert_eq!(secret.as_deref(), Some("digest"));

        // The userPrincipalName is taken; the domain is not the tenant's; another tenant's
        // domain names nothing here.
        for (id, upn, domain, tenant) in [
            ("u2", "a@t1.example", "t1.example", "t1"),
            ("u3", "b@other.example", "other.example", "t1"),
            ("u4", "c@t1.example", "t1.example", "t2"),
        ] {
            let refused = db
                .insert_user_alone(tenant, &user(id, upn), "digest", domain)
                .await
                .expect("refused, not an error");
            assert_eq!(refused, None, "{id}");
        }
        assert_eq!(users_and_changes(&db).await, (1, 1));

        // A duplicate id is an error, rolled back: the next writers find no open transaction.
        let error = db
            .insert_user_alone("t1", &user("u1", "d@t1.example"), "digest", "t1.example")
            .await
            .expect_err("duplicate id");
        assert!(error.to_string().contains("UNIQUE"), "{error}");
        let mut tx = db.begin_write().await.expect("begin after the error");
        super::objects::insert_user_checked(
            &mut tx,
            "t1",
            &user("u5", "e@t1.example"),
            Some("digest"),
            "t1.example",
        )
        .await
        .expect("sqlx insert");
        tx.commit().await.expect("commit");
        let last = db
            .insert_user_alone("t1", &user("u6", "f@t1.example"), "digest", "t1.example")
            .await
            .expect("insert");
        assert!(last > first, "seq grows: {last:?} > {first:?}");
        assert_eq!(users_and_changes(&db).await, (3, 3));
    }
}

/// In memory, a reader's open transaction on the shared cache holds its tables: the direct
/// create meets SQLITE_LOCKED, and is made through sqlx's worker instead, which waits for the
/// reader (the calling thread must not). It commits once the reader ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_insert_that_meets_a_reader_waits_for_it() {
    let db = Db::open(None).await.expect("in-memory db");
    make_tenant(&db).await;
    let mut reader = db.pool.acquire().await.expect("reader");
    sqlx::query("begin")
        .execute(&mut *reader)
        .await
        .expect("begin");
    let _: i64 = sqlx::query_scalar("select count(*) from directory_objects")
        .fetch_one(&mut *reader)
        .await
        .expect("read");
    let writer = db.clone();
    let insert = tokio::spawn(async move {
        writer
            .insert_user_alone("t1", &user("u1", "a@t1.example"), "digest", "t1.example")
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(!insert.is_finished(), "the write waits for the reader");
    sqlx::query("commit")
        .execute(&mut *reader)
        .await
        .expect("end the read");
    drop(reader);
    let inserted = insert.await.expect("task").expect("insert");
    assert!(inserted.is_some());
    assert_eq!(users_and_changes(&db).await, (1, 1));
}

/// `--db file:…` is a URI to sqlx; the direct connection reads the name the same way, so a
/// create lands in the database every other connection reads. (The bundled SQLite is built
/// with SQLITE_USE_URI, so this holds even without the connection's own SQLITE_OPEN_URI; the
/// test guards the outcome, whatever the build.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_named_by_a_uri_gets_the_direct_creates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let uri = format!("file:{}", dir.path().join("uri.db").display());
    let db = Db::open(Some(std::path::Path::new(&uri)))
        .await
        .expect("file db by URI");
    make_tenant(&db).await;
    let inserted = db
        .insert_user_alone("t1", &user("u1", "a@t1.example"), "digest", "t1.example")
        .await
        .expect("insert");
    assert!(inserted.is_some());
    assert_eq!(users_and_changes(&db).await, (1, 1));
    assert!(
        dir.path().join("uri.db").exists(),
        "the URI named this file"
    );
}
