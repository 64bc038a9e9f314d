//! Large loads set the big tables' secondary indexes aside and rebuild them before the commit
//! (`store::bulk`): at start-up, and with a file database also while serving. A large tenant
//! must answer exactly as a small one does, after its creation and after a reset, in memory
//! and in a file; readers during such a load must neither fail nor see it half done; and a
//! load that fails must leave the schema as it was.

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};
use tenantsim::Settings;
use tenantsim::admin::seeds::PACK_FROM_BYTES;
use tenantsim::fixtures::{self, FixtureSource};
use tenantsim::store::Db;

use crate::common::*;

pub(crate) const BULK: &str = "b0b0b0b0-0000-4000-8000-000000000001";
/// More directory objects than `store::bulk` needs to take the bulk path.
pub(crate) const USERS: usize = 6_000;

fn user_id(n: usize) -> String {
    format!("b0b0b0b0-0001-4000-8000-{n:012x}")
}

fn group_id(n: usize) -> String {
    format!("b0b0b0b0-0002-4000-8000-{n:012x}")
}

/// `USERS` users and 10 groups; group 0 holds users 0..100 and group 1, which holds every
/// tenth user.
pub(crate) fn bulk_fixture(domain: &str) -> Value {
    let users: Vec<Value> = (0..USERS)
        .map(|n| {
            json!({
                "id": user_id(n),
                "userPrincipalName": format!("user{n:05}@{domain}"),
                "displayName": format!("Bulk User {n:05}"),
                "jobTitle": if n == 4242 { "Lighthouse Keeper" } else { "Engineer" },
                "accountEnabled": true,
            })
        })
        .collect();
    let groups: Vec<Value> = (0..10)
        .map(|g| {
            let members: Vec<String> = match g {
                0 => (0..100)
                    .map(user_id)
                    .chain(std::iter::once(group_id(1)))
                    .collect(),
                1 => (0..USERS).step_by(10).map(user_id).collect(),
                _ => vec![user_id(g)],
            };
            json!({"id": group_id(g), "displayName": format!("Bulk Group {g}"),
                "mailEnabled": false, "mailNickname": format!("bulk{g}"), "securityEnabled": true,
                "members": members})
        })
        .collect();
    json!({"tenants": [{"id": BULK, "displayName": "Bulk Corp", "domains": [domain],
        "users": users, "groups": groups}]})
}

/// The embedded fixtures and the bulk fixture, as start-up sources.
fn with_bulk_fixture() -> Vec<FixtureSource> {
    let mut sources = FixtureSource::embedded_all();
    sources.push(FixtureSource {
        name: "bulk.json".to_owned(),
        text: bulk_fixture("bulk.example").to_string(),
    });
    sources
}

/// Every index and trigger of the database, by name and definition: a bulk load sets some of
/// each aside and must put every one back.
async fn indexes(app: &TestApp) -> Vec<(String, Option<String>)> {
    sqlx::query_as(
        "select name, sql from sqlite_schema where type in ('index', 'trigger') order by name",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .expect("schema")
}

async fn ids(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    let response = app.get(path).token(token).send().await;
    assert_eq!(response.status, 200, "{path}: {}", response.text);
    response.ids()
}

/// What a client reads of the tenant through the orders and lookups the indexes serve.
async fn observed(app: &TestApp) -> Vec<Vec<String>> {
    observed_in(app, BULK, &|id| id.to_owned()).await
}

/// [`observed`] in `tenant`, a copy of the bulk tenant whose ids `rename` gives.
async fn observed_in(
    app: &TestApp,
    tenant: &str,
    rename: &dyn Fn(&str) -> String,
) -> Vec<Vec<String>> {
    let token = app.app_token(tenant, &["Directory.Read.All"]);
    let base = "/v1.0";
    let mut seen = Vec::new();
    for path in [
        format!("{base}/users?$top=3"),
        format!("{base}/users?$orderby=displayName desc&$top=2"),
        format!("{base}/users?$filter=startsWith(displayName,'Bulk User 0599')&$top=20"),
        format!("{base}/users/{}/memberOf", rename(&user_id(10))),
        format!("{base}/users/{}/transitiveMemberOf", rename(&user_id(20))),
        format!("{base}/groups/{}/members?$top=3", rename(&group_id(0))),
        format!("{base}/groups?$top=3"),
    ] {
        seen.push(ids(app, &token, &path).await);
    }
    let search = app
        .get(&format!("{base}/users?$search=\"jobTitle:lighthouse\""))
        .header("ConsistencyLevel", "eventual")
        .token(&token)
        .send()
        .await;
    assert_eq!(search.status, 200, "{}", search.text);
    seen.push(search.ids());
    seen
}

/// Creates the bulk tenant through the control API.
async fn create_bulk(app: &TestApp) {
    let created = app
        .post("/_tenantsim/tenants")
        .json(json!({ "fixture": bulk_fixture("bulk.example") }))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
}

/// Creates a user in the bulk tenant whose name sorts after every fixture user's.
async fn create_user(app: &TestApp, token: &str) {
    let created = app
        .post("/v1.0/users")
        .token(token)
        .json(
            json!({"accountEnabled": true, "displayName": "Zzzz Created",
            "mailNickname": "created", "userPrincipalName": "created@bulk.example",
            "passwordProfile": {"password": "Created-Passw0rd!"}}),
        )
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
}

/// Creates the bulk tenant, checks what a client reads, changes it, resets it and checks it
/// reads as created again; the schema is the same as before at every step.
async fn create_change_and_reset(app: &TestApp) {
    let schema = indexes(app).await;
    create_bulk(app).await;
    assert_eq!(
        indexes(app).await,
        schema,
        "every index is back after the load"
    );

    let loaded = observed(app).await;
    assert_eq!(
        loaded[0],
        [user_id(0), user_id(1), user_id(2)],
        "creation order"
    );
    assert_eq!(loaded[1], [user_id(5_999), user_id(5_998)]);
    assert_eq!(loaded[2], (5_990..6_000).map(user_id).collect::<Vec<_>>());
    assert_eq!(
        loaded[3],
        [group_id(0), group_id(1)],
        "user 10 is in groups 0 and 1"
    );
    assert_eq!(
        sorted(&loaded[4]),
        sorted(&[group_id(0), group_id(1)]),
        "user 20: group 1 directly, group 0 through it"
    );
    assert_eq!(loaded[5], [user_id(0), user_id(1), user_id(2)]);
    assert_eq!(loaded[6], [group_id(0), group_id(1), group_id(2)]);
    assert_eq!(loaded[7], [user_id(4242)]);

    // Change what those answers read, then reset: all of it comes back.
    let admin = app.app_token(BULK, &["Directory.ReadWrite.All", "User.ReadWrite.All"]);
    let deleted = app
        .delete(&format!("/v1.0/users/{}", user_id(0)))
        .token(&admin)
        .send()
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let renamed = app
        .patch(&format!("/v1.0/users/{}", user_id(4242)))
        .token(&admin)
        .json(json!({"jobTitle": "Engineer", "displayName": "Zz Renamed"}))
        .send()
        .await;
    assert_eq!(renamed.status, 204, "{}", renamed.text);
    // An insert too: the undo log's insert triggers, set aside during the load, are back.
    create_user(app, &admin).await;
    assert_ne!(observed(app).await, loaded);

    let reset = app
        .post(&format!("/_tenantsim/tenants/{BULK}/reset"))
        .send()
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert_eq!(
        indexes(app).await,
        schema,
        "every index is back after the reset"
    );
    assert_eq!(observed(app).await, loaded);

    // A full reset deletes the tenant (it was created at run time): the schema stays whole.
    let all = app.post("/_tenantsim/reset").send().await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(indexes(app).await, schema);
}

#[tokio::test]
async fn a_large_tenant_reads_as_created_after_a_reset_in_memory() {
    create_change_and_reset(&TestApp::new().await).await;
}

#[tokio::test]
async fn a_large_tenant_reads_as_created_after_a_reset_in_a_file_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    create_change_and_reset(&TestApp::in_file(dir.path(), "bulk.db").await).await;
}

/// A snapshot import replacing a large tenant of a file database, where the load sets the
/// indexes aside: the replaced tenant's rows go first (with foreign keys on, each deleted
/// object finds the rows that reference it through those indexes), and the tenant reads as
/// imported with every index back.
#[tokio::test]
async fn a_large_tenant_replaced_by_an_import_in_a_file_database_reads_as_imported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = TestApp::in_file(dir.path(), "bulk.db").await;
    let schema = indexes(&app).await;
    create_bulk(&app).await;
    let loaded = observed(&app).await;
    let imported = app
        .post("/_tenantsim/snapshot")
        .json(bulk_fixture("bulk.example"))
        .send()
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(
        imported.json["imported"],
        json!([BULK]),
        "{}",
        imported.text
    );
    assert_eq!(
        indexes(&app).await,
        schema,
        "every index is back after the import"
    );
    assert_eq!(observed(&app).await, loaded);
}

#[tokio::test]
async fn a_large_start_up_fixture_loads_with_every_index() {
    let fresh = indexes(&TestApp::new().await).await;
    // `fixtures::load`, as a start-up makes it, with the seeds kept for resets.
    let app = TestApp::with_sources(&with_bulk_fixture()).await;
    assert_eq!(indexes(&app).await, fresh);
    let seen = observed(&app).await;
    assert_eq!(seen[0], [user_id(0), user_id(1), user_id(2)]);
    assert_eq!(seen[3], [group_id(0), group_id(1)]);
    assert_eq!(seen[7], [user_id(4242)]);
    // The tenant's undo log started with every trigger in place: a created user is taken
    // back by a reset from the log.
    let admin = app.app_token(BULK, &["User.ReadWrite.All"]);
    create_user(&app, &admin).await;
    assert_ne!(observed(&app).await, seen);
    let reset = app
        .post(&format!("/_tenantsim/tenants/{BULK}/reset"))
        .send()
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert_eq!(reset.json["method"], "undo", "{}", reset.text);
    assert_eq!(observed(&app).await, seen);
}

/// The start-up load notes its objects for `$search` instead of indexing them (`store::bulk`);
/// once the server listens they are indexed a chunk a transaction. Every object is indexed
/// once, the notes are gone, and searches answer as the on-demand fill made them answer.
#[tokio::test]
async fn a_large_start_up_fixture_is_indexed_for_search_in_chunks_after_the_load() {
    let app = TestApp::with_sources(&with_bulk_fixture()).await;
    let pool = &app.state.db.pool;
    let objects: i64 = sqlx::query_scalar("select count(*) from directory_objects")
        .fetch_one(pool)
        .await
        .expect("objects");
    let noted: i64 = sqlx::query_scalar("select count(*) from search_index_pending")
        .fetch_one(pool)
        .await
        .expect("notes");
    assert_eq!(noted, objects, "the load notes every object it inserts");
    let indexed = app
        .state
        .db
        .fill_search_index_in_chunks()
        .await
        .expect("fill");
    assert_eq!(i64::try_from(indexed).unwrap(), objects);
    assert_eq!(
        app.state
            .db
            .fill_search_index_in_chunks()
            .await
            .expect("again"),
        0
    );
    let left: i64 = sqlx::query_scalar("select count(*) from search_index_pending")
        .fetch_one(pool)
        .await
        .expect("notes left");
    assert_eq!(left, 0);
    let engineers: i64 = sqlx::query_scalar(
        "select count(*) from directory_search s join directory_objects o on o.rowid = s.rowid
         where directory_search match 'engineer' and o.tenant_id = ?1",
    )
    .bind(BULK)
    .fetch_one(pool)
    .await
    .expect("match");
    assert_eq!(
        engineers,
        i64::try_from(USERS).unwrap() - 1,
        "each user indexed once"
    );
    let seen = observed(&app).await;
    assert_eq!(seen[7], [user_id(4242)]);
    assert_eq!(
        seen,
        observed(&TestApp::with_sources(&with_bulk_fixture()).await).await
    );
}

/// A start-up fixture of `PACK_FROM_BYTES` or more is kept as its packed text, not parsed
/// (`admin::seeds`): the tenant listing still shows its demo credentials, a reset after writes
/// goes by the undo log, and every reset that reloads it (one tenant, all tenants) and a
/// template copy of it parse the text again to the same tenant.
#[tokio::test]
async fn a_large_start_up_fixture_is_kept_packed_and_every_reset_reads_as_loaded() {
    let mut bulk = bulk_fixture("bulk.example");
    let admin_user = &mut bulk["tenants"][0]["users"][3];
    admin_user["password"] = json!("Bulk-Passw0rd!");
    admin_user["directoryRoles"] = json!(["Global Administrator"]);
    let mut sources = FixtureSource::embedded_all();
    // Indented, as a fixture file is written: large enough to be packed.
    sources.push(FixtureSource {
        name: "bulk.json".to_owned(),
        text: serde_json::to_string_pretty(&bulk).expect("json"),
    });
    assert!(sources[sources.len() - 1].text.len() >= PACK_FROM_BYTES);
    let app = TestApp::with_sources(&sources).await;
    let kept = app.state.seeds.get(BULK).expect("a seed");
    assert!(kept.is_packed());
    assert!(kept.head().users.is_empty(), "only the head stays parsed");
    assert_eq!(kept.object_count(), USERS + 10);
    assert!(!app.state.seeds.get(CONTOSO).expect("seed").is_packed());

    let listed = app.get(&format!("/_tenantsim/tenants/{BULK}")).send().await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(
        listed.json["credentials"]["globalAdministrators"],
        json!([{"userPrincipalName": "user00003@bulk.example", "password": "Bulk-Passw0rd!"}])
    );
    let loaded = observed(&app).await;
    assert_eq!(loaded[0], [user_id(0), user_id(1), user_id(2)]);

    let admin = app.app_token(BULK, &["Directory.ReadWrite.All", "User.ReadWrite.All"]);
    let reset = |tenant: &str, body: Value| {
        let (app, path) = (&app, format!("/_tenantsim/tenants/{tenant}/reset"));
        async move {
            let reset = app.post(&path).json(body).send().await;
            assert_eq!(reset.status, 200, "{}", reset.text);
            reset.json
        }
    };
    let deleted = app
        .delete(&format!("/v1.0/users/{}", user_id(0)))
        .token(&admin)
        .send()
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_ne!(observed(&app).await, loaded);
    assert_eq!(reset(BULK, json!({})).await["method"], "undo");
    assert_eq!(observed(&app).await, loaded);

    // Emptied, the tenant has no log that leads to its seed: the next reset reloads it.
    reset(BULK, json!({"to": "empty"})).await;
    let empty = app.get("/v1.0/users?$top=1").token(&admin).send().await;
    assert_eq!(empty.json["value"], json!([]), "{}", empty.text);
    assert_eq!(reset(BULK, json!({})).await["method"], "reload");
    assert_eq!(observed(&app).await, loaded);

    // The same through a full reset.
    let all = app
        .post("/_tenantsim/reset")
        .json(json!({"to": "empty"}))
        .send()
        .await;
    assert_eq!(all.status, 200, "{}", all.text);
    let all = app.post("/_tenantsim/reset").send().await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.json["reloaded"], 3, "{}", all.text);
    assert_eq!(observed(&app).await, loaded);

    // A copy keeps the template's clear demo password (read from the parsed text).
    let copy = app
        .post("/_tenantsim/tenants")
        .json(json!({"template": BULK, "name": "bulkcopy"}))
        .send()
        .await;
    assert_eq!(copy.status, 201, "{}", copy.text);
    assert_eq!(
        copy.json["credentials"]["globalAdministrators"][0]["password"], "Bulk-Passw0rd!",
        "{}",
        copy.text
    );
    // The copy, created at run time from a text this large, is kept packed too, and reloads
    // from it as created.
    let copy_id = copy.json["id"].as_str().expect("id");
    assert!(app.state.seeds.get(copy_id).expect("seed").is_packed());
    let token = app.app_token(copy_id, &["User.Read.All"]);
    let count = || async {
        let listed = app
            .get("/v1.0/users/$count")
            .header("ConsistencyLevel", "eventual")
            .token(&token)
            .send()
            .await;
        assert_eq!(listed.status, 200, "{}", listed.text);
        listed.text
    };
    assert_eq!(count().await, USERS.to_string());
    for (body, users) in [(json!({"to": "empty"}), 0), (json!({}), USERS)] {
        reset(copy_id, body).await;
        assert_eq!(count().await, users.to_string());
    }
}

/// `serve --lab` copies a large template before the server listens, with the indexes set aside
/// once for every student: the schema comes back whole and each student reads as the
/// template does, under its own ids.
#[tokio::test]
async fn a_lab_from_a_large_template_keeps_every_index_and_reads_as_the_template() {
    let fresh = indexes(&TestApp::new().await).await;
    let sources = with_bulk_fixture();
    let app = TestApp::with_sources(&sources).await;
    let template = observed(&app).await;
    let students = tenantsim::admin::tenants::create_lab(&app.state, BULK, 2)
        .await
        .expect("lab");
    assert_eq!(students.len(), 2);
    assert_eq!(indexes(&app).await, fresh);
    for (n, student) in students.iter().enumerate() {
        let name = format!("student{:02}", n + 1);
        assert_eq!(*student, tenantsim::builtin::derived_id(BULK, &name));
        let rename = |id: &str| tenantsim::builtin::derived_id(student, id);
        let expected: Vec<Vec<String>> = template
            .iter()
            .map(|ids| ids.iter().map(|id| rename(id)).collect())
            .collect();
        assert_eq!(observed_in(&app, student, &rename).await, expected);
    }
    assert_eq!(observed(&app).await, template);
}

/// The start-up load runs without SQLite's foreign-key checks (the fixtures were validated):
/// what it stores must still name only what exists, references written in upper case too.
#[tokio::test]
async fn the_start_up_load_stores_no_reference_to_a_missing_object() {
    let db = Db::open(None).await.expect("db");
    let mut bulk = bulk_fixture("bulk.example");
    let tenant = &mut bulk["tenants"][0];
    let upper = |id: String| Value::String(id.to_uppercase());
    tenant["groups"][0]["members"] = json!([upper(user_id(7)), upper(group_id(1))]);
    tenant["groups"][2]["owners"] = json!([upper(user_id(8))]);
    tenant["users"][9]["manager"] = upper(user_id(10));
    let mut sources = FixtureSource::embedded_all();
    sources.push(FixtureSource {
        name: "bulk.json".to_owned(),
        text: bulk.to_string(),
    });
    let seeds = fixtures::parse_all(&sources).expect("valid fixtures");
    assert!(fixtures::load(&db, &seeds, None).await.expect("load"));
    let dangling: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(&db.pool)
        .await
        .expect("foreign_key_check");
    assert_eq!(dangling, []);
    let app = TestApp::on_db(db, Settings::default(), false).await;
    let token = app.app_token(BULK, &["Directory.Read.All"]);
    let members = ids(
        &app,
        &token,
        &format!("/v1.0/groups/{}/members?$select=id", group_id(0)),
    )
    .await;
    assert_eq!(members, [user_id(7), group_id(1)]);
    // A write after the load is checked again: a member that does not exist is refused.
    let admin = app.app_token(BULK, &["GroupMember.ReadWrite.All"]);
    let missing = "b0b0b0b0-0001-4000-8000-ffffffffffff";
    let added = app
        .post(&format!("/v1.0/groups/{}/members/$ref", group_id(3)))
        .token(&admin)
        .json(json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{missing}")}))
        .send()
        .await;
    assert_eq!(added.status, 404, "{}", added.text);
}

/// A large fixture's users are checked on two threads: its errors still come in document
/// order, and a userPrincipalName repeated across the halves is still found.
#[test]
fn a_large_fixtures_errors_come_in_document_order() {
    let mut bulk = bulk_fixture("bulk.example");
    let users = &mut bulk["tenants"][0]["users"];
    users[1500]
        .as_object_mut()
        .expect("user")
        .remove("displayName");
    users[4000]["userPrincipalName"] = json!("USER00010@bulk.example");
    users[4501]["id"] = json!("not-a-guid");
    let errors = fixtures::parse_all(&[FixtureSource {
        name: "bulk.json".to_owned(),
        text: bulk.to_string(),
    }])
    .expect_err("invalid");
    let seen: Vec<(String, String, String)> = errors
        .into_iter()
        .map(|e| (e.object, e.field, e.message))
        .collect();
    let user = |upn: &str| format!("tenant {BULK} user {upn}");
    assert_eq!(
        seen,
        [
            (
                user("user01500@bulk.example"),
                "displayName".to_owned(),
                "required".to_owned()
            ),
            (
                user("USER00010@bulk.example"),
                "userPrincipalName".to_owned(),
                "duplicate userPrincipalName".to_owned()
            ),
            (
                user("user04501@bulk.example"),
                "id".to_owned(),
                "not a GUID".to_owned()
            ),
        ]
    );
}

/// Resets the bulk tenant while a client reads a group's members in a loop: every read must
/// answer 200 with the whole group (the state before the reset or after it, never between).
async fn read_during_a_large_reset(app: &TestApp) {
    create_bulk(app).await;
    let token = app.app_token(BULK, &["Directory.Read.All"]);
    let path = format!("/v1.0/groups/{}/members?$top=999&$count=true", group_id(1));
    let done = AtomicBool::new(false);
    let reset = async {
        let reset = app
            .post(&format!("/_tenantsim/tenants/{BULK}/reset"))
            .send()
            .await;
        done.store(true, Ordering::Release);
        reset
    };
    let reads = async {
        let mut reads = 0;
        while !done.load(Ordering::Acquire) || reads == 0 {
            let read = app
                .get(&path)
                .header("ConsistencyLevel", "eventual")
                .token(&token)
                .send()
                .await;
            assert_eq!(read.status, 200, "a read during the reset: {}", read.text);
            assert_eq!(read.json["@odata.count"], 600, "{}", read.text);
            reads += 1;
        }
        reads
    };
    let (reset, reads) = tokio::join!(reset, reads);
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert!(reads > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_during_a_large_reset_in_memory_see_before_or_after() {
    read_during_a_large_reset(&TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_during_a_large_reset_in_a_file_database_see_before_or_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    read_during_a_large_reset(&TestApp::in_file(dir.path(), "bulk.db").await).await;
}

#[tokio::test]
async fn a_large_load_that_fails_leaves_the_schema_and_the_tenants_as_they_were() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = TestApp::in_file(dir.path(), "bulk.db").await;
    let schema = indexes(&app).await;
    // Contoso's domain: refused with 409 once the load has begun, inside its transaction.
    let refused = app
        .post("/_tenantsim/tenants")
        .json(json!({ "fixture": bulk_fixture("contoso.onmicrosoft.com") }))
        .send()
        .await;
    refused.assert_error(409, "Request_MultipleObjectsWithSameKeyValue");
    assert_eq!(indexes(&app).await, schema);
    let missing = app.get(&format!("/_tenantsim/tenants/{BULK}")).send().await;
    assert_eq!(missing.status, 404, "{}", missing.text);
    let listed = app
        .get("/v1.0/users?$top=1")
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
}
