//! The JSON Schema of fixture files (issue 15, item 7): the committed
//! `fixtures/tenantsim-fixtures.schema.json` is what `tenantsim fixtures schema` prints, so a
//! change to a fixture type that was not regenerated fails here; a file's `"$schema"` key is
//! accepted at its top only and is not tenant data (a snapshot does not write it back).
//! `tools/fixture_schema.py --check` runs documents through both the schema and
//! `fixtures check`.

use std::process::Command;

use serde_json::{Value, json};

use crate::binary::BIN;
use crate::common::*;

const COMMITTED: &str = "fixtures/tenantsim-fixtures.schema.json";

#[test]
fn the_committed_schema_is_what_fixtures_schema_prints() {
    let out = Command::new(BIN)
        .args(["fixtures", "schema"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).expect("UTF-8");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        printed == committed,
        "{COMMITTED} is not what `tenantsim fixtures schema` prints (a fixture type or table \
         changed): regenerate it with\n    cargo run -- fixtures schema > {COMMITTED}\nand \
         commit it (then run `python3 tools/fixture_schema.py --check`)."
    );
    let schema: Value = serde_json::from_str(&printed).expect("JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(
        schema["description"]
            .as_str()
            .is_some_and(|d| d.contains("tenantsim fixtures check")),
        "the description points to what the schema cannot check"
    );
    // The shipped fixtures point editors at it.
    for fixture in [
        tenantsim::fixtures::CONTOSO,
        tenantsim::fixtures::FABRIKAM_USGOV,
    ] {
        let document: Value = serde_json::from_str(fixture).expect("JSON");
        assert_eq!(document["$schema"], "./tenantsim-fixtures.schema.json");
    }
}

fn check(dir: &std::path::Path, name: &str, document: &Value) -> (bool, String) {
    let path = dir.join(name);
    std::fs::write(&path, document.to_string()).expect("write");
    let out = Command::new(BIN)
        .args(["fixtures", "check"])
        .arg(&path)
        .output()
        .expect("run");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_schema_key_is_accepted_at_the_top_of_a_file_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tenant = json!({"id": "5c4e0000-0000-4000-8000-000000000001", "displayName": "S",
        "domains": ["schema.example"]});
    let (ok, stderr) = check(
        dir.path(),
        "top.json",
        &json!({"$schema": "./tenantsim-fixtures.schema.json", "tenants": [tenant]}),
    );
    assert!(ok, "{stderr}");
    let (ok, stderr) = check(
        dir.path(),
        "number.json",
        &json!({"$schema": 5, "tenants": [tenant]}),
    );
    assert!(!ok);
    assert!(stderr.contains("$schema"), "{stderr}");
    let (ok, stderr) = check(
        dir.path(),
        "null.json",
        &json!({"$schema": null, "tenants": [tenant]}),
    );
    assert!(!ok, "null is not a schema: {stderr}");
    let mut inner = tenant.clone();
    inner["$schema"] = json!("./tenantsim-fixtures.schema.json");
    let (ok, stderr) = check(dir.path(), "inner.json", &json!({"tenants": [inner]}));
    assert!(!ok);
    assert!(
        stderr.contains("$schema: unknown property"),
        "only at the top: {stderr}"
    );
}

#[test]
fn a_folder_of_fixtures_skips_json_schemas() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("contoso.json"),
        tenantsim::fixtures::CONTOSO,
    )
    .expect("write");
    std::fs::write(
        dir.path().join("tenantsim-fixtures.schema.json"),
        r#"{"$schema": "https://json-schema.org/draft/2020-12/schema"}"#,
    )
    .expect("write");
    let out = Command::new(BIN)
        .args(["fixtures", "check"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("20 users"));
}

/// `"$schema"` names the file's schema, not tenant data: importing a file that has it loads the
/// same tenants as without it, and a snapshot never writes it.
#[tokio::test]
async fn a_snapshot_of_a_file_with_a_schema_key_does_not_write_it() {
    let started = TestApp::new().await; // the embedded contoso.json, "$schema" and all
    let first = started.get("/_tenantsim/snapshot").send().await;
    assert_eq!(first.status, 200);
    assert!(!first.text.contains("$schema"), "{}", &first.text[..200]);

    let fresh = TestApp::on_db(
        tenantsim::store::Db::open(None).await.expect("db"),
        tenantsim::Settings::default(),
        false,
    )
    .await;
    let mut document: Value = serde_json::from_str(tenantsim::fixtures::CONTOSO).expect("JSON");
    assert!(document.get("$schema").is_some());
    let imported = fresh
        .post("/_tenantsim/snapshot")
        .json(document.clone())
        .send()
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    let path = format!("/_tenantsim/tenants/{CONTOSO}/snapshot");
    let first = started.get(&path).send().await;
    let second = fresh.get(&path).send().await;
    assert_eq!(second.status, 200);
    assert!(
        first.text == second.text,
        "the import of contoso.json differs from the embedded start"
    );

    // A single tenant object (which the import also takes) is tenant data: no "$schema".
    let mut tenant = document["tenants"][0].take();
    tenant["$schema"] = json!("./tenantsim-fixtures.schema.json");
    let refused = fresh
        .post("/_tenantsim/tenants")
        .json(json!({"fixture": tenant}))
        .send()
        .await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(refused.text.contains("$schema"), "{}", refused.text);
}
