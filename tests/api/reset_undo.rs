//! Resets by undo log (issue 13): a tenant changed through Graph and the control API goes
//! back to exactly the rows its seed loaded, putting back only what changed; other tenants'
//! changes stay; a tenant without a log to go by (a file database opened again, a key another
//! tenant took since) is reloaded instead.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::common::*;

/// Every row of the tenant in every table, each column `quote()`d, sorted; the tenant row
/// without `created_seq` (a reload moves the tenant to the end of the list) and `undo`. The
/// change log is left out: a reset restarts it, both ways.
async fn rows(app: &TestApp, tenant: &str) -> BTreeMap<String, Vec<String>> {
    let tables: Vec<String> = sqlx::query_scalar(
        "select m.name from sqlite_schema m, pragma_table_info(m.name) c
         where m.type = 'table' and c.name = 'tenant_id' and m.name not like 'undo\\_%' escape '\\'
           and m.name not in ('tenant_seeds', 'directory_changes')
         order by m.name",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .expect("tables");
    let mut out = BTreeMap::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar("select name from pragma_table_info(?)")
            .bind(&table)
            .fetch_all(&app.state.db.pool)
            .await
            .expect("columns");
        let row = columns
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let mut values: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "select {row} from \"{table}\" where tenant_id = ?"
        )))
        .bind(tenant)
        .fetch_all(&app.state.db.pool)
        .await
        .expect("rows");
        values.sort();
        out.insert(table, values);
    }
    let tenant_row: Vec<String> = sqlx::query_scalar(
        "select quote(id) || quote(display_name) || quote(cloud) || quote(country) || quote(settings)
         from tenants where id = ?",
    )
    .bind(tenant)
    .fetch_all(&app.state.db.pool)
    .await
    .expect("tenant");
    out.insert("tenants".to_owned(), tenant_row);
    out
}

async fn reset(app: &TestApp, tenant: &str, body: Option<Value>) -> Value {
    let mut request = app.post(&format!("/_tenantsim/tenants/{tenant}/reset"));
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json
}

async fn send_ok(response: TestResponse, what: &str) -> Value {
    assert!(
        response.status.is_success(),
        "{what}: {} {}",
        response.status,
        response.text
    );
    response.json
}

/// Changes Contoso in as many kinds of rows as a test suite would: users created, changed and
/// deleted (with their memberships, manager links and LinkedIn rows), groups, members, an
/// application with a secret and an extension property, LinkedIn choices, tenant settings.
async fn change_contoso(app: &TestApp) -> String {
    let mut roles = ALL_ROLES.to_vec();
    roles.push("Application.ReadWrite.All");
    let admin = app.app_token(CONTOSO, &roles);
    let new_user = create_contoso_user(app, &admin, "undotest", "Undo Test", json!({})).await;
    send_ok(
        app.patch(&format!("/v1.0/users/{ADELE}"))
            .token(&admin)
            .json(json!({"displayName": "Adele Renamed", "jobTitle": "Changed"}))
            .send()
            .await,
        "patch user",
    )
    .await;
    send_ok(
        app.delete(&format!("/v1.0/users/{ALEX}"))
            .token(&admin)
            .send()
            .await,
        "delete user",
    )
    .await;
    send_ok(
        app.post(&format!("/v1.0/groups/{LINKEDIN_PILOT}/members/$ref"))
            .token(&admin)
            .json(reference(&new_user))
            .send()
            .await,
        "add member",
    )
    .await;
    send_ok(
        app.delete(&format!("/v1.0/groups/{FINANCE}"))
            .token(&admin)
            .send()
            .await,
        "delete group",
    )
    .await;
    send_ok(
        app.post("/v1.0/groups")
            .token(&admin)
            .json(json!({
                "displayName": "Undo Group",
                "mailEnabled": false,
                "mailNickname": "undogroup",
                "securityEnabled": true
            }))
            .send()
            .await,
        "create group",
    )
    .await;
    let application = send_ok(
        app.post("/v1.0/applications")
            .token(&admin)
            .json(json!({"displayName": "Undo App"}))
            .send()
            .await,
        "create application",
    )
    .await;
    let application = application["id"].as_str().expect("id").to_owned();
    send_ok(
        app.post(&format!("/v1.0/applications/{application}/addPassword"))
            .token(&admin)
            .json(json!({"passwordCredential": {"displayName": "ci"}}))
            .send()
            .await,
        "add password",
    )
    .await;
    send_ok(
        app.post(&format!(
            "/v1.0/applications/{application}/extensionProperties"
        ))
        .token(&admin)
        .json(json!({"name": "badge", "dataType": "String", "targetObjects": ["User"]}))
        .send()
        .await,
        "extension property",
    )
    .await;
    send_ok(
        app.patch(&format!(
            "/_tenantsim/tenants/{CONTOSO}/users/{MEGAN}/linkedIn"
        ))
        .json(json!({"optOut": true}))
        .send()
        .await,
        "LinkedIn opt-out",
    )
    .await;
    send_ok(
        app.patch(&format!("/_tenantsim/tenants/{CONTOSO}/linkedIn"))
            .json(json!({"nestedGroupMembership": false, "showPublicProfiles": false}))
            .send()
            .await,
        "tenant options",
    )
    .await;
    new_user
}

async fn search_ids(app: &TestApp, term: &str) -> Vec<String> {
    let response = app
        .get(&format!(
            "/v1.0/users?$search=%22displayName:{term}%22&$select=id"
        ))
        .token(&app.admin())
        .eventual()
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.ids()
}

/// `serve` without fixtures starts from the executable's ready-loaded copy of the default
/// fixtures: it holds the rows a load writes, and its resets (by undo log, and a reload after
/// a reset to empty) come back to them.
#[tokio::test]
async fn a_server_started_on_the_default_fixtures_holds_and_resets_to_the_loaded_rows() {
    let started = TestApp::started().await;
    let seeded = rows(&TestApp::new().await, CONTOSO).await;
    assert_eq!(rows(&started, CONTOSO).await, seeded);
    let tenants: Vec<String> = sqlx::query_scalar("select id from tenants")
        .fetch_all(&started.state.db.pool)
        .await
        .expect("tenants");
    assert_eq!(
        tenants,
        vec![CONTOSO.to_owned()],
        "only the default fixture's tenant"
    );

    let new_user = change_contoso(&started).await;
    assert_eq!(search_ids(&started, "Undo").await, vec![new_user]);
    let first = reset(&started, CONTOSO, None).await;
    assert_eq!(first["method"], "undo", "{first}");
    assert!(
        first["rowsUndone"].as_u64().expect("rowsUndone") >= 11,
        "{first}"
    );
    assert_eq!(rows(&started, CONTOSO).await, seeded);
    assert!(search_ids(&started, "Undo").await.is_empty());

    reset(&started, CONTOSO, Some(json!({"to": "empty"}))).await;
    let reloaded = reset(&started, CONTOSO, None).await;
    assert_eq!(reloaded["method"], "reload", "{reloaded}");
    assert_eq!(rows(&started, CONTOSO).await, seeded);
}

#[tokio::test]
async fn a_reset_puts_back_exactly_the_rows_the_seed_loaded() {
    let app = TestApp::new().await;
    let seeded = rows(&app, CONTOSO).await;
    let listed = all_pages(&app, &app.admin(), "/v1.0/users?$select=id").await;

    let new_user = change_contoso(&app).await;
    let changed = rows(&app, CONTOSO).await;
    assert_ne!(changed, seeded);
    assert_eq!(search_ids(&app, "Undo").await, vec![new_user.clone()]);

    let first = reset(&app, CONTOSO, None).await;
    assert_eq!(first["method"], "undo", "{first}");
    let undone = first["rowsUndone"].as_u64().expect("rowsUndone");
    assert!(undone >= 11, "{first}");
    assert_eq!(rows(&app, CONTOSO).await, seeded);
    // The search index follows the rows, and lists keep the seed's order.
    assert!(search_ids(&app, "Undo").await.is_empty());
    assert_eq!(search_ids(&app, "Adele").await, vec![ADELE.to_owned()]);
    assert!(search_ids(&app, "Alex").await.contains(&ALEX.to_owned()));
    assert_eq!(
        all_pages(&app, &app.admin(), "/v1.0/users?$select=id").await,
        listed
    );
    let gone = app
        .get(&format!("/v1.0/users/{new_user}"))
        .token(&app.admin())
        .send()
        .await;
    gone.assert_error(404, "Request_ResourceNotFound");

    // A reset with nothing changed puts back nothing; a reload gives the same rows.
    let again = reset(&app, CONTOSO, None).await;
    assert_eq!(
        (again["method"].as_str(), again["rowsUndone"].as_u64()),
        (Some("undo"), Some(0))
    );
    reset(&app, CONTOSO, Some(json!({"to": "empty"}))).await;
    let reloaded = reset(&app, CONTOSO, None).await;
    assert_eq!(reloaded["method"], "reload", "{reloaded}");
    assert_eq!(rows(&app, CONTOSO).await, seeded);

    // The log runs again after a reload and after an undo: a second round ends the same.
    change_contoso(&app).await;
    assert_eq!(reset(&app, CONTOSO, None).await["method"], "undo");
    assert_eq!(rows(&app, CONTOSO).await, seeded);
}

#[tokio::test]
async fn a_reset_of_one_tenant_keeps_the_other_tenants_changes() {
    let app = TestApp::new().await;
    let fabrikam_seeded = rows(&app, FABRIKAM).await;
    let contoso_seeded = rows(&app, CONTOSO).await;
    let fabrikam_admin = app.app_token(FABRIKAM, ALL_ROLES);
    send_ok(
        app.delete(&format!("/v1.0/users/{FABRIKAM_KIM}"))
            .token(&fabrikam_admin)
            .send()
            .await,
        "delete in Fabrikam",
    )
    .await;
    let fabrikam_changed = rows(&app, FABRIKAM).await;
    change_contoso(&app).await;

    assert_eq!(reset(&app, CONTOSO, None).await["method"], "undo");
    assert_eq!(rows(&app, CONTOSO).await, contoso_seeded);
    assert_eq!(rows(&app, FABRIKAM).await, fabrikam_changed);

    // The full reset puts every tenant back by its log.
    change_contoso(&app).await;
    let all = app.post("/_tenantsim/reset").send().await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.json["reloaded"], 0, "{}", all.text);
    assert_eq!(rows(&app, CONTOSO).await, contoso_seeded);
    assert_eq!(rows(&app, FABRIKAM).await, fabrikam_seeded);
}

#[tokio::test]
async fn a_full_reset_deletes_created_tenants_and_reloads_deleted_ones() {
    let app = TestApp::new().await;
    let seeded = rows(&app, FABRIKAM).await;
    let created = app
        .post("/_tenantsim/tenants")
        .json(json!({"template": CONTOSO, "name": "student01"}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let student = created.json["id"].as_str().expect("id").to_owned();
    assert_eq!(
        app.delete(&format!("/_tenantsim/tenants/{FABRIKAM}"))
            .send()
            .await
            .status,
        204
    );
    let all = app.post("/_tenantsim/reset").send().await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.json["reloaded"], 1, "{}", all.text);
    assert_eq!(rows(&app, FABRIKAM).await, seeded);
    assert!(rows(&app, &student).await.values().all(Vec::is_empty));
    // The reloaded tenant's log runs: its next reset is an undo.
    assert_eq!(reset(&app, FABRIKAM, None).await["method"], "undo");
}

#[tokio::test]
async fn a_tenant_created_at_run_time_resets_by_its_log() {
    let app = TestApp::new().await;
    let created = app
        .post("/_tenantsim/tenants")
        .json(json!({"template": CONTOSO, "name": "student02"}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let student = created.json["id"].as_str().expect("id").to_owned();
    let seeded = rows(&app, &student).await;
    let token = app.app_token(&student, ALL_ROLES);
    let users = all_pages(&app, &token, "/v1.0/users?$select=id").await;
    let first = users[0]["value"][0]["id"].as_str().expect("id");
    send_ok(
        app.delete(&format!("/v1.0/users/{first}"))
            .token(&token)
            .send()
            .await,
        "delete in the copy",
    )
    .await;
    assert_ne!(rows(&app, &student).await, seeded);
    assert_eq!(reset(&app, &student, None).await["method"], "undo");
    assert_eq!(rows(&app, &student).await, seeded);
}

#[tokio::test]
async fn a_file_database_opened_again_reloads_on_its_first_reset() {
    let dir = tempfile::tempdir().expect("dir");
    let seeded = {
        let app = TestApp::in_file(dir.path(), "undo.db").await;
        let seeded = rows(&app, CONTOSO).await;
        change_contoso(&app).await;
        app.state.db.pool.close().await;
        seeded
    };
    let db = tenantsim::store::Db::open(Some(&dir.path().join("undo.db")))
        .await
        .expect("reopen");
    let app = TestApp::on_db(db, tenantsim::settings::Settings::default(), true).await;
    assert_ne!(rows(&app, CONTOSO).await, seeded);
    let logged: i64 = sqlx::query_scalar("select count(*) from undo_directory_objects")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(
        logged, 0,
        "the log of the earlier run is dropped at start-up"
    );
    assert_eq!(reset(&app, CONTOSO, None).await["method"], "reload");
    assert_eq!(rows(&app, CONTOSO).await, seeded);
    change_contoso(&app).await;
    assert_eq!(reset(&app, CONTOSO, None).await["method"], "undo");
    assert_eq!(rows(&app, CONTOSO).await, seeded);
}

#[tokio::test]
async fn a_key_taken_since_makes_the_reset_a_reload_that_refuses() {
    let app = TestApp::new().await;
    let sync_app = tenantsim::app_objects::derived_object_id(CONTOSO, crate::identity::SYNC_APP);
    let token = app.app_token(CONTOSO, &["Application.ReadWrite.All"]);
    send_ok(
        app.delete(&format!("/v1.0/applications/{sync_app}"))
            .token(&token)
            .send()
            .await,
        "delete the application",
    )
    .await;
    // Another tenant takes the appId the deleted application gave up.
    let created = app
        .post("/_tenantsim/tenants")
        .json(json!({"fixture": {"tenants": [{
            "id": "7a4e0000-0000-4000-8000-000000000001", "displayName": "Taker",
            "domains": ["taker.example"],
            "applications": [{"appId": crate::identity::SYNC_APP,
                "id": "7a4e0000-0000-4000-8000-000000000301", "displayName": "Taken"}]
        }]}}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let changed = rows(&app, CONTOSO).await;
    // Putting Contoso's rows back would give one appId to two tenants; the reload says so.
    app.post(&format!("/_tenantsim/tenants/{CONTOSO}/reset"))
        .send()
        .await
        .assert_error(409, "Request_MultipleObjectsWithSameKeyValue");
    assert_eq!(rows(&app, CONTOSO).await, changed);
    // Once the other tenant is gone, the log puts the application back.
    assert_eq!(
        app.delete("/_tenantsim/tenants/7a4e0000-0000-4000-8000-000000000001")
            .send()
            .await
            .status,
        204
    );
    assert_eq!(reset(&app, CONTOSO, None).await["method"], "undo");
    let back = app
        .get(&format!("/v1.0/applications/{sync_app}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(back.status, 200, "{}", back.text);
}

#[tokio::test]
async fn rows_added_and_deleted_again_leave_nothing_to_undo() {
    let app = TestApp::new().await;
    let seeded = rows(&app, CONTOSO).await;
    let admin = app.admin();
    for n in 0..20 {
        let id = create_contoso_user(
            &app,
            &admin,
            &format!("churn{n}"),
            &format!("Churn {n}"),
            json!({"city": "Seattle"}),
        )
        .await;
        send_ok(
            app.post(&format!("/v1.0/groups/{LINKEDIN_PILOT}/members/$ref"))
                .token(&admin)
                .json(reference(&id))
                .send()
                .await,
            "add member",
        )
        .await;
        send_ok(
            app.delete(&format!("/v1.0/users/{id}"))
                .token(&admin)
                .send()
                .await,
            "delete",
        )
        .await;
    }
    // A long run of creates and deletes does not grow the log.
    let answer = reset(&app, CONTOSO, None).await;
    assert_eq!(answer["method"], "undo", "{answer}");
    assert_eq!(answer["rowsUndone"], 0, "{answer}");
    assert_eq!(rows(&app, CONTOSO).await, seeded);
}
