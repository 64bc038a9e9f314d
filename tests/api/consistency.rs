//! Control-API reads and resets under concurrent writes: every snapshot is one state of its
//! tenant (so it imports back), and a reset never brings back a tenant whose delete was
//! acknowledged first (found by an adversarial review, issue 11).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::{Value, json};
use tenantsim::Settings;
use tenantsim::store::Db;

use crate::common::*;

/// Writers keep creating users, adding them to a group, removing some and deleting others,
/// while snapshots of Contoso are taken; every snapshot then imports into an empty tenantsim
/// and exports back equal. Returns how many distinct snapshots there were.
async fn snapshots_during_writes(app: Arc<TestApp>) -> usize {
    let stop = Arc::new(AtomicBool::new(false));
    let writes = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (app, stop, writes) = (app.clone(), stop.clone(), writes.clone());
            tokio::spawn(async move {
                let token = app.admin();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let body = json!({"accountEnabled": true, "displayName": format!("S{w} {n}"),
                        "mailNickname": format!("s{w}n{n}"), "userPrincipalName": format!("s{w}n{n}@contoso.onmicrosoft.com"),
                        "passwordProfile": {"password": "Xx-123456789"}});
                    let created = app.post("/v1.0/users").token(&token).json(body).send().await;
                    assert_eq!(created.status, 201, "{}", created.text);
                    let id = created.json["id"].as_str().expect("id").to_owned();
                    for group in [LINKEDIN_PILOT, FINANCE] {
                        let added = app
                            .post(&format!("/v1.0/groups/{group}/members/$ref"))
                            .token(&token)
                            .json(reference(&id))
                            .send()
                            .await;
                        assert_eq!(added.status, 204, "{}", added.text);
                    }
                    if n % 2 == 0 {
                        let removed = app
                            .delete(&format!("/v1.0/groups/{FINANCE}/members/{id}/$ref"))
                            .token(&token)
                            .send()
                            .await;
                        assert_eq!(removed.status, 204, "{}", removed.text);
                        // A user deleted while still a member: its memberships go with it.
                        let deleted = app
                            .delete(&format!("/v1.0/users/{id}"))
                            .token(&token)
                            .send()
                            .await;
                        assert_eq!(deleted.status, 204, "{}", deleted.text);
                    }
                    writes.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    // Let the writers get going, then snapshot while they write (both export routes).
    while writes.load(Ordering::Relaxed) < 2 {
        tokio::task::yield_now().await;
    }
    let mut snapshots = Vec::new();
    for n in 0..30 {
        let path = if n % 3 == 0 {
            format!("/_tenantsim/snapshot?tenant={CONTOSO}")
        } else {
            format!("/_tenantsim/tenants/{CONTOSO}/snapshot")
        };
        let snapshot = app.get(&path).send().await;
        assert_eq!(snapshot.status, 200, "{}", snapshot.text);
        snapshots.push(snapshot.json);
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("writer");
    }
    assert!(
        writes.load(Ordering::Relaxed) > 2,
        "the writers wrote while the snapshots were taken"
    );

    let target = TestApp::on_db(
        Db::open(None).await.expect("db"),
        Settings::default(),
        false,
    )
    .await;
    for (n, snapshot) in snapshots.iter().enumerate() {
        let imported = target
            .post("/_tenantsim/snapshot")
            .json(snapshot.clone())
            .send()
            .await;
        assert_eq!(
            imported.status, 200,
            "snapshot {n} does not import back: {}",
            imported.text
        );
        let again = target
            .get(&format!("/_tenantsim/tenants/{CONTOSO}/snapshot"))
            .send()
            .await;
        assert_eq!(again.status, 200, "{}", again.text);
        assert_eq!(
            &again.json, snapshot,
            "snapshot {n}: the imported tenant differs"
        );
    }
    let mut distinct: Vec<String> = snapshots.iter().map(Value::to_string).collect();
    distinct.sort();
    distinct.dedup();
    distinct.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn snapshots_taken_during_writes_import_back_in_memory() {
    let distinct = snapshots_during_writes(Arc::new(TestApp::new().await)).await;
    assert!(
        distinct > 1,
        "the snapshots should see the writes: {distinct}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn snapshots_taken_during_writes_import_back_from_a_file_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = TestApp::in_file(dir.path(), "snapshots.db").await;
    let distinct = snapshots_during_writes(Arc::new(app)).await;
    assert!(
        distinct > 1,
        "the snapshots should see the writes: {distinct}"
    );
}

/// A copy of Contoso to reset and delete.
async fn scratch_tenant(app: &TestApp, name: &str) -> String {
    let created = app
        .post("/_tenantsim/tenants")
        .json(json!({"template": "contoso", "name": name}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.json["id"].as_str().expect("id").to_owned()
}

async fn exists(app: &TestApp, tenant: &str) -> bool {
    let found = app
        .get(&format!("/_tenantsim/tenants/{tenant}"))
        .send()
        .await;
    match found.status.as_u16() {
        200 => true,
        404 => false,
        other => panic!("GET tenant answered {other}: {}", found.text),
    }
}

/// The delete commits while the reset waits for the write lock: the reset must not bring the
/// tenant back. (Before, the reset looked the tenant up before its transaction, found it, and
/// re-created it from its seed after the delete was acknowledged.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tenant_deleted_while_its_reset_waits_stays_deleted() {
    let app = Arc::new(TestApp::new().await);
    let tenant = scratch_tenant(&app, "resetrace").await;
    // Another write holds the write lock, so the reset has to wait for its transaction.
    let mut other_write = app.state.db.begin_write().await.expect("write");
    let reset = {
        let (app, tenant) = (app.clone(), tenant.clone());
        tokio::spawn(async move {
            app.post(&format!("/_tenantsim/tenants/{tenant}/reset"))
                .send()
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!reset.is_finished(), "the reset waits for the write lock");
    // That write is the delete (what DELETE /_tenantsim/tenants/{t} runs), acknowledged
    // before the reset's transaction starts.
    assert!(
        tenantsim::store::tenants::delete_tenant(&mut other_write, &tenant)
            .await
            .expect("delete")
    );
    other_write.commit().await.expect("commit");
    let reset = reset.await.expect("reset");
    reset.assert_error(404, "Request_ResourceNotFound");
    assert!(!exists(&app, &tenant).await, "the deleted tenant came back");
}

/// Resets and deletes of one tenant sent at once: whichever runs first, a tenant whose delete
/// answered 204 is gone at the end (a reset after it answers 404).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reset_and_delete_never_resurrect_a_deleted_tenant() {
    let app = Arc::new(TestApp::new().await);
    for round in 0..12 {
        let tenant = scratch_tenant(&app, &format!("race{round:02}")).await;
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let reset = {
            let (app, tenant, barrier) = (app.clone(), tenant.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                app.post(&format!("/_tenantsim/tenants/{tenant}/reset"))
                    .send()
                    .await
            })
        };
        let delete = {
            let (app, tenant, barrier) = (app.clone(), tenant.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                app.delete(&format!("/_tenantsim/tenants/{tenant}"))
                    .send()
                    .await
            })
        };
        let (reset, delete) = (reset.await.expect("reset"), delete.await.expect("delete"));
        assert_eq!(delete.status, 204, "{}", delete.text);
        assert!(
            matches!(reset.status.as_u16(), 200 | 404),
            "reset answered {}: {}",
            reset.status,
            reset.text
        );
        assert!(
            !exists(&app, &tenant).await,
            "round {round}: deleted (204) yet back after the reset ({})",
            reset.status
        );
    }
}
