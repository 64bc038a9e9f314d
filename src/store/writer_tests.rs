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
