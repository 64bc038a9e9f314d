//! Persisted seeds (a file database): written with the tenant, gone with it.

use serde_json::json;
use tenantsim::Settings;
use tenantsim::store::{self, Db};

use crate::common::*;

async fn persisted(app: &TestApp) -> Vec<String> {
    let mut conn = app.state.db.pool.acquire().await.expect("conn");
    store::seeds::all_seeds(&mut conn)
        .await
        .expect("seeds")
        .into_iter()
        .map(|(tenant, _)| tenant)
        .collect()
}

#[tokio::test]
async fn a_seed_is_kept_with_its_tenant_and_deleted_with_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open(Some(&dir.path().join("seeds.db")))
        .await
        .expect("db");
    let app = TestApp::on_db(db, Settings::default(), true).await;
    assert!(
        persisted(&app).await.is_empty(),
        "fixture tenants take their seed from the fixture files"
    );
    let created = app
        .post("/_tenantsim/tenants")
        .json(json!({"template": "contoso", "name": "seeded01"}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let copy = created.json["id"].as_str().expect("id").to_owned();
    let exported = app
        .get(&format!("/_tenantsim/tenants/{copy}/snapshot"))
        .send()
        .await;
    assert_eq!(persisted(&app).await, vec![copy.clone()]);
    {
        // The persisted seed is the tenant's snapshot right after creation.
        let mut conn = app.state.db.pool.acquire().await.expect("conn");
        let (_, document) = store::seeds::all_seeds(&mut conn).await.expect("seeds")[0].clone();
        let document: serde_json::Value = serde_json::from_str(&document).expect("json");
        assert_eq!(document, exported.json);
    }

    let deleted = app
        .delete(&format!("/_tenantsim/tenants/{copy}"))
        .send()
        .await;
    assert_eq!(deleted.status, 204);
    assert!(persisted(&app).await.is_empty());

    // An import is persisted too; a full reset removes it with its tenant.
    let imported = app
        .post("/_tenantsim/snapshot")
        .json(exported.json.clone())
        .send()
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(persisted(&app).await, vec![copy.clone()]);
    let reset = app.post("/_tenantsim/reset").send().await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert!(persisted(&app).await.is_empty());
    let gone = app.get(&format!("/_tenantsim/tenants/{copy}")).send().await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn the_in_memory_database_persists_no_seed() {
    let app = TestApp::new().await;
    let created = app
        .post("/_tenantsim/tenants")
        .json(json!({"template": "contoso", "name": "seeded02"}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert!(persisted(&app).await.is_empty());
    // It still resets to its seed (kept in memory).
    let id = created.json["id"].as_str().expect("id");
    let reset = app
        .post(&format!("/_tenantsim/tenants/{id}/reset"))
        .send()
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text);
}
