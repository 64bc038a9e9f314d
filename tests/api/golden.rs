//! tenantsim's default property sets against the response examples of Graph's documentation
//! (`tests/api/golden/`, provenance in `PROVENANCE.md`): the same keys, and the same JSON types
//! where both sides have a value.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::*;

fn golden(name: &str) -> Value {
    let path = format!("{}/tests/api/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    let value: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("golden file")).expect("json");
    match value.get("value").and_then(Value::as_array) {
        Some(items) => items[0].clone(),
        None => value,
    }
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .expect("object")
        .keys()
        .filter(|k| !k.starts_with('@'))
        .cloned()
        .collect()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn assert_types_agree(ours: &Value, theirs: &Value) {
    for key in keys(theirs) {
        let (a, b) = (&ours[&key], &theirs[&key]);
        if !a.is_null() && !b.is_null() {
            assert_eq!(kind(a), kind(b), "type of '{key}'");
        }
    }
}

#[tokio::test]
async fn a_user_has_graphs_default_properties_in_get_and_list() {
    let app = TestApp::new().await;
    let token = app.admin();
    let got = app
        .get(&format!("/v1.0/users/{ADELE}"))
        .token(&token)
        .send()
        .await
        .json;
    let listed = app
        .get("/v1.0/users?$top=1")
        .token(&token)
        .send()
        .await
        .json["value"][0]
        .clone();
    for (ours, file) in [(&got, "user-get-1.json"), (&listed, "user-list-1.json")] {
        let theirs = golden(file);
        assert_eq!(keys(ours), keys(&theirs), "{file}");
        assert_types_agree(ours, &theirs);
    }
}

#[tokio::test]
async fn a_group_has_graphs_default_properties() {
    let app = TestApp::new().await;
    let ours = app
        .get(&format!("/v1.0/groups/{SALES_M365}"))
        .token(&app.admin())
        .send()
        .await
        .json;
    let theirs = golden("group-get-1.json");
    let missing: Vec<_> = keys(&theirs).difference(&keys(&ours)).cloned().collect();
    assert!(missing.is_empty(), "missing {missing:?}");
    // The current group resource page adds these two to the older example's set.
    let extra: BTreeSet<_> = keys(&ours).difference(&keys(&theirs)).cloned().collect();
    assert_eq!(
        extra,
        ["creationOptions", "serviceProvisioningErrors"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    assert_types_agree(&ours, &theirs);
}

#[tokio::test]
async fn a_grant_and_a_service_principal_have_graphs_properties() {
    let app = TestApp::new().await;
    let token = app.admin();
    let grants = app
        .get("/v1.0/oauth2PermissionGrants?$top=1")
        .token(&token)
        .send()
        .await
        .json;
    let theirs = golden("oauth2permissiongrant-get-1.json");
    assert_eq!(keys(&grants["value"][0]), keys(&theirs));
    assert_types_agree(&grants["value"][0], &theirs);
    let graph = app
        .get("/v1.0/servicePrincipals?$filter=appId eq '00000003-0000-0000-c000-000000000000'")
        .token(&token)
        .send()
        .await
        .json["value"][0]
        .clone();
    let theirs = golden("serviceprincipal-get-1.json");
    let missing: Vec<_> = keys(&theirs).difference(&keys(&graph)).cloned().collect();
    assert!(missing.is_empty(), "missing {missing:?}");
    assert_types_agree(&graph, &theirs);
}
