//! Another tenant's identifiers anywhere in an imported document (issue 11). Every slot of a
//! document that the snapshot import (`POST /_tenantsim/snapshot`), a tenant created from a
//! fixture (`POST /_tenantsim/tenants`), a template copy (`id`, `name`, `idMap`) or a lab
//! page's upload can carry gets one of Contoso's identifiers. Then Contoso is unchanged (its
//! snapshot before and after) and still answers to its own id and domains (discovery, the
//! token endpoint's `tid`, the control API).
//!
//! What is right per identifier, decided here:
//! - a tenant id, a domain (any case, or a GUID posing as one) and an application appId name
//!   a tenant or its app from outside (`{tenant}` segments, `client_id` on `/common`): a
//!   Graph-shaped 400/409. The snapshot import replacing the tenant *with its own id* is the
//!   import's purpose (a restore), so that one slot is only refused when creating.
//! - references inside the document (group members, grants' client, resource and principal,
//!   LinkedIn pairs and the selected group) must name the document's own objects: a 400.
//!   Grants carry no id of their own in the format (it is derived): an `id` is a 400.
//! - object ids of users, groups and service principals: every table is keyed by (tenant, id),
//!   so another tenant's object id is legitimately reusable. Accepted, and each tenant reads
//!   its own object under that id, never the other's.

use serde_json::{Value, json};

use crate::common::*;
use crate::identity::{GRAPH, claims, token};
use crate::tenant_keys::{contoso_answers_to_its_own_keys, refused};

const INTRUDER: &str = "1a7e0000-0000-4000-8000-000000000001";
const I_USER: &str = "1a7e0000-0000-4000-8000-000000000101";
const I_GROUP: &str = "1a7e0000-0000-4000-8000-000000000201";
const I_APP: &str = "1a7e0000-a990-4000-8000-000000000301";
const I_SP: &str = "1a7e0000-0000-4000-8000-000000000301";
const I_SECRET: &str = "intruder-secret-Passw0rd!";
/// Contoso's Directory Sync app and its service principal.
const SYNC_APP: &str = crate::identity::SYNC_APP;
const SYNC_SP: &str = "c0a70550-0000-4000-8000-000000000301";

/// A valid intruder tenant with one object of each kind and a reference of each kind.
fn intruder() -> Value {
    json!({"id": INTRUDER, "displayName": "Intruder", "domains": ["intruder.example"],
        "settings": {"linkedIn": {"enableLinkedInAppFamily": 0}},
        "users": [
            {"id": I_USER, "displayName": "Eve", "userPrincipalName": "eve@intruder.example",
             "accountEnabled": true, "password": "Intruder-Passw0rd!"},
            {"id": "1a7e0000-0000-4000-8000-000000000102", "displayName": "Mallory",
             "userPrincipalName": "mallory@intruder.example", "accountEnabled": true}],
        "groups": [{"id": I_GROUP, "displayName": "Crew", "mailEnabled": false,
            "mailNickname": "crew", "securityEnabled": true, "members": [I_USER]}],
        "linkedInNetwork": [[I_USER, "1a7e0000-0000-4000-8000-000000000102"]],
        "applications": [{"appId": I_APP, "id": I_SP, "displayName": "Intruder app",
            "secrets": [I_SECRET], "applicationPermissions": ["User.Read.All"]}],
        "oauth2PermissionGrants": [{"clientId": I_APP, "consentType": "Principal",
            "principalId": I_USER, "scope": "User.Read"}]})
}

/// The document with every occurrence of one id replaced (an object id reused throughout).
fn reusing(from: &str, to: &str) -> Value {
    serde_json::from_str(&intruder().to_string().replace(from, to)).expect("json")
}

fn with(change: impl Fn(&mut Value)) -> Value {
    let mut doc = intruder();
    change(&mut doc);
    doc
}

enum Expect {
    /// A 4xx whose message contains this.
    Refused(&'static str),
    /// Accepted; GET `path` finds Contoso's object for Contoso and the intruder's for it, each
    /// recognised by a text the other's lacks.
    OwnObject {
        path: String,
        contoso: &'static str,
        intruder: &'static str,
    },
}

async fn contoso_snapshot(app: &TestApp) -> String {
    let response = app
        .get(&format!("/_tenantsim/tenants/{CONTOSO}/snapshot"))
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.text
}

/// Sends one import, checks the expectation and Contoso's walls, and removes the intruder.
async fn attempt(app: &TestApp, case: &str, route: &str, body: Value, expect: &Expect) {
    let before = contoso_snapshot(app).await;
    let response = app.post(route).json(body).send().await;
    match expect {
        Expect::Refused(names) => {
            let message = refused(&response, case);
            assert!(message.contains(names), "{case} at {route}: {message}");
        }
        Expect::OwnObject {
            path,
            contoso,
            intruder,
        } => {
            assert!(
                [200, 201].contains(&response.status.as_u16()),
                "{case} at {route}: {}",
                response.text
            );
            let created = if route == "/_tenantsim/snapshot" {
                response.json["imported"][0].clone()
            } else {
                response.json["id"].clone()
            };
            let created = created.as_str().expect("tenant id").to_owned();
            let seen_by = |tenant: &str| {
                app.get(path)
                    .token(&app.app_token(tenant, ALL_ROLES))
                    .send()
            };
            let theirs = seen_by(CONTOSO).await;
            assert_eq!(theirs.status, 200, "{case}: {}", theirs.text);
            assert!(theirs.text.contains(contoso), "{case}: {}", theirs.text);
            assert!(!theirs.text.contains(intruder), "{case}: {}", theirs.text);
            let ours = seen_by(&created).await;
            assert_eq!(ours.status, 200, "{case}: {}", ours.text);
            assert!(ours.text.contains(intruder), "{case}: {}", ours.text);
            assert!(!ours.text.contains(contoso), "{case}: {}", ours.text);
            let deleted = app
                .delete(&format!("/_tenantsim/tenants/{created}"))
                .send()
                .await;
            assert_eq!(deleted.status, 204, "{case}");
        }
    }
    assert_eq!(
        contoso_snapshot(app).await,
        before,
        "{case} at {route}: Contoso changed"
    );
    contoso_answers_to_its_own_keys(app, case).await;
}

#[tokio::test]
async fn another_tenants_identifiers_anywhere_in_an_imported_document() {
    let app = TestApp::new().await;
    // The valid document loads, and its app signs in to its own tenant only.
    let loaded = app
        .post("/_tenantsim/tenants")
        .json(json!({"fixture": intruder()}))
        .send()
        .await;
    assert_eq!(loaded.status, 201, "{}", loaded.text);
    let own = [
        ("grant_type", "client_credentials"),
        ("client_id", I_APP),
        ("client_secret", I_SECRET),
        ("scope", GRAPH),
    ];
    let issued = token(&app, "intruder.example", &own).await;
    assert_eq!(
        claims(issued.json["access_token"].as_str().expect("token"))["tid"],
        INTRUDER
    );
    let elsewhere = token(&app, CONTOSO, &own).await;
    assert!(
        elsewhere.status.is_client_error(),
        "its app in Contoso: {}",
        elsewhere.text
    );
    assert!(elsewhere.json["access_token"].is_null());
    app.delete(&format!("/_tenantsim/tenants/{INTRUDER}"))
        .send()
        .await;

    let contoso_grant = app
        .get("/v1.0/oauth2PermissionGrants")
        .token(&app.admin())
        .send()
        .await
        .json["value"][0]["id"]
        .as_str()
        .expect("a Contoso grant")
        .to_owned();
    let graph_sp = tenantsim::builtin::graph_sp_id(CONTOSO);
    let both = ["/_tenantsim/snapshot", "/_tenantsim/tenants"];
    let cases: Vec<(&str, Value, &[&str], Expect)> = vec![
        (
            "tenant id",
            with(|d| d["id"] = json!(CONTOSO)),
            &["/_tenantsim/tenants"][..],
            Expect::Refused("already exists"),
        ),
        (
            "a domain",
            with(|d| d["domains"] = json!(["intruder.example", "contoso.com"])),
            &both[..],
            Expect::Refused("contoso.com"),
        ),
        (
            "a domain in another case",
            with(|d| d["domains"] = json!(["intruder.example", "CONTOSO.OnMicrosoft.COM"])),
            &both[..],
            Expect::Refused("contoso.onmicrosoft.com"),
        ),
        (
            "the tenant id as a domain",
            with(|d| d["domains"] = json!(["intruder.example", CONTOSO])),
            &both[..],
            Expect::Refused("domains[1]"),
        ),
        (
            "an application appId",
            with(|d| {
                d["applications"][0]["appId"] = json!(SYNC_APP);
                d["oauth2PermissionGrants"][0]["clientId"] = json!(SYNC_APP);
            }),
            &both[..],
            Expect::Refused("appId c0a70550-a990-4000-8000-000000000301 belongs to another"),
        ),
        (
            "a group member",
            with(|d| d["groups"][0]["members"] = json!([I_USER, ADELE])),
            &both[..],
            Expect::Refused("members"),
        ),
        (
            "a grant's client (appId)",
            with(|d| d["oauth2PermissionGrants"][0]["clientId"] = json!(SYNC_APP)),
            &both[..],
            Expect::Refused("clientId"),
        ),
        (
            "a grant's client (service principal id)",
            with(|d| d["oauth2PermissionGrants"][0]["clientId"] = json!(SYNC_SP)),
            &both[..],
            Expect::Refused("clientId"),
        ),
        (
            "a grant's resource (Contoso's Microsoft Graph)",
            with(|d| d["oauth2PermissionGrants"][0]["resourceId"] = json!(graph_sp)),
            &both[..],
            Expect::Refused("resourceId"),
        ),
        (
            "a grant's principal",
            with(|d| d["oauth2PermissionGrants"][0]["principalId"] = json!(ADELE)),
            &both[..],
            Expect::Refused("principalId"),
        ),
        (
            "a grant's id",
            with(|d| d["oauth2PermissionGrants"][0]["id"] = json!(contoso_grant)),
            &both[..],
            Expect::Refused("id: is not a property this request takes"),
        ),
        (
            "a LinkedIn connection",
            with(|d| d["linkedInNetwork"] = json!([[I_USER, ADELE]])),
            &both[..],
            Expect::Refused("linkedInNetwork[0]"),
        ),
        (
            "the LinkedIn selected group",
            with(|d| {
                d["settings"]["linkedIn"] =
                    json!({"enableLinkedInAppFamily": 4, "selectedGroupId": LINKEDIN_PILOT})
            }),
            &both[..],
            Expect::Refused("selectedGroupId"),
        ),
        (
            "a user's object id",
            reusing(I_USER, ADELE),
            &both[..],
            Expect::OwnObject {
                path: format!("/v1.0/users/{ADELE}"),
                contoso: "AdeleV@contoso.onmicrosoft.com",
                intruder: "eve@intruder.example",
            },
        ),
        (
            "a group's object id",
            reusing(I_GROUP, LINKEDIN_PILOT),
            &both[..],
            Expect::OwnObject {
                path: format!("/v1.0/groups/{LINKEDIN_PILOT}/members"),
                contoso: "AdeleV@contoso.onmicrosoft.com",
                intruder: "eve@intruder.example",
            },
        ),
        (
            "a service principal's object id",
            reusing(I_SP, SYNC_SP),
            &both[..],
            Expect::OwnObject {
                path: format!("/v1.0/servicePrincipals/{SYNC_SP}"),
                contoso: "Contoso Directory Sync",
                intruder: "Intruder app",
            },
        ),
    ];
    for (case, document, routes, expect) in &cases {
        for route in routes.iter() {
            let body = if *route == "/_tenantsim/snapshot" {
                json!({"tenants": [document]})
            } else {
                json!({"fixture": document})
            };
            attempt(&app, case, route, body, expect).await;
        }
    }

    // A template copy of Contoso itself: its `id`, `name` and `idMap` are the slots.
    let copy = |extra: Value| {
        let mut body = json!({"template": "contoso.com", "name": "copy"});
        for (key, value) in extra.as_object().expect("object") {
            body[key] = value.clone();
        }
        body
    };
    let template_cases: Vec<(&str, Value, Expect)> = vec![
        (
            "template copy: id",
            copy(json!({"id": CONTOSO})),
            Expect::Refused("already exists"),
        ),
        (
            "template copy: a name that gives Contoso's domain",
            copy(json!({"name": "contoso"})),
            Expect::Refused("contoso.onmicrosoft.com"),
        ),
        (
            "template copy: an app's appId kept by idMap",
            copy(json!({"idMap": {SYNC_APP: SYNC_APP}})),
            Expect::Refused("appId c0a70550-a990-4000-8000-000000000301 belongs to another"),
        ),
        (
            "template copy: a user's object id kept by idMap",
            copy(json!({"idMap": {ADELE: ADELE}})),
            Expect::OwnObject {
                path: format!("/v1.0/users/{ADELE}"),
                contoso: "AdeleV@contoso.onmicrosoft.com",
                intruder: "AdeleV@copy.onmicrosoft.com",
            },
        ),
    ];
    for (case, body, expect) in &template_cases {
        attempt(&app, case, "/_tenantsim/tenants", body.clone(), expect).await;
    }
}

/// A lab page imports into its own tenant: Fabrikam's page cannot replace Contoso with
/// Contoso's own (edited) snapshot.
#[tokio::test]
async fn a_lab_page_imports_into_its_own_tenant_only() {
    let app = TestApp::new().await;
    let before = contoso_snapshot(&app).await;
    let mut document: Value = serde_json::from_str(&before).expect("json");
    document["tenants"][0]["displayName"] = json!("Taken over");
    let body = format!(
        "--b0und\r\nContent-Disposition: form-data; name=\"document\"; filename=\"s.json\"\r\nContent-Type: application/json\r\n\r\n{document}\r\n--b0und--\r\n"
    );
    let csrf = tenantsim::ui::security::csrf_token();
    let imported = app
        .post(&format!(
            "/_tenantsim/ui/t/{FABRIKAM}/lab/import?csrf={csrf}"
        ))
        .header("origin", "http://localhost:8080")
        .raw_body("multipart/form-data; boundary=b0und", body.clone())
        .send()
        .await;
    assert_eq!(imported.status, 400, "{}", imported.text);
    assert!(imported.text.contains("this tenant"), "{}", imported.text);
    assert_eq!(contoso_snapshot(&app).await, before);
    contoso_answers_to_its_own_keys(&app, "lab import").await;
    // Its own page takes it.
    let imported = app
        .post(&format!(
            "/_tenantsim/ui/t/contoso.com/lab/import?csrf={csrf}"
        ))
        .header("origin", "http://localhost:8080")
        .raw_body("multipart/form-data; boundary=b0und", body)
        .send()
        .await;
    assert_eq!(imported.status, 303, "{}", imported.text);
    let summary = app
        .get(&format!("/_tenantsim/tenants/{CONTOSO}"))
        .send()
        .await;
    assert_eq!(summary.json["displayName"], "Taken over");
}
