//! Relationship writes: `PUT`/`DELETE …/manager/$ref`, group and service principal owners
//! (`POST …/owners/$ref`, `DELETE …/owners/{id}/$ref`, the last-owner rule),
//! `owners@odata.bind` / `members@odata.bind` in `POST /groups`, the snapshot round trip and
//! the profile card's organization section.

use axum::http::Method;
use serde_json::{Value, json};

use super::relations::{DIEGO, LIDIA, MIRIAM, PATTI_CEO};
use crate::common::*;

const SP: &str = "c0a70550-0000-4000-8000-000000000301";

fn url(id: &str) -> Value {
    json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{id}")})
}

async fn manager_of(app: &TestApp, user: &str) -> Option<String> {
    let response = app
        .get(&format!("/v1.0/users/{user}/manager"))
        .token(&app.admin())
        .send()
        .await;
    (response.status == 200).then(|| response.json["id"].as_str().expect("id").to_owned())
}

async fn owners(app: &TestApp, path: &str) -> Vec<String> {
    let response = app.get(path).token(&app.admin()).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    sorted(&response.ids())
}

#[tokio::test]
async fn put_and_delete_manager_ref() {
    let app = TestApp::new().await;
    let token = app.admin();
    let put = app
        .request(Method::PUT, &format!("/v1.0/users/{ADELE}/manager/$ref"))
        .token(&token)
        .json(url(MIRIAM))
        .send()
        .await;
    assert_eq!(put.status, 204, "{}", put.text);
    assert_eq!(manager_of(&app, ADELE).await.as_deref(), Some(MIRIAM));
    let reports = app
        .get(&format!("/v1.0/users/{MIRIAM}/directReports"))
        .token(&token)
        .send()
        .await;
    assert!(reports.ids().contains(&ADELE.to_owned()));
    let removed = app
        .delete(&format!("/v1.0/users/{ADELE}/manager/$ref"))
        .token(&token)
        .send()
        .await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    assert_eq!(manager_of(&app, ADELE).await, None);
    let again = app
        .delete(&format!("/v1.0/users/{ADELE}/manager/$ref"))
        .token(&token)
        .send()
        .await;
    again.assert_error(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn a_bad_manager_reference_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let token = app.admin();
    let path = format!("/v1.0/users/{ADELE}/manager/$ref");
    for (body, status) in [
        (json!({}), 400),
        (json!({"@odata.id": "not a url"}), 400),
        (url("00000000-0000-4000-8000-00000000dead"), 404),
        (url(ADELE), 400),
        (url(LINKEDIN_PILOT), 400),
    ] {
        let response = app
            .request(Method::PUT, &path)
            .token(&token)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(response.status, status, "{body}: {}", response.text);
        assert_eq!(manager_of(&app, ADELE).await.as_deref(), Some(JOHANNA));
    }
    // Without User.ReadWrite.All / Directory.ReadWrite.All: 403.
    let weak = app.app_token(CONTOSO, &["User.Read.All"]);
    let refused = app
        .request(Method::PUT, &path)
        .token(&weak)
        .json(url(MIRIAM))
        .send()
        .await;
    refused.assert_error(403, "Authorization_RequestDenied");
}

#[tokio::test]
async fn group_owners_are_added_and_removed_but_never_the_last() {
    let app = TestApp::new().await;
    let token = app.admin();
    let list = format!("/v1.0/groups/{RETAIL_EUROPE}/owners");
    let add = app
        .post(&format!("{list}/$ref"))
        .token(&token)
        .json(url(ADELE))
        .send()
        .await;
    assert_eq!(add.status, 204, "{}", add.text);
    assert_eq!(owners(&app, &list).await, sorted(&[JOHANNA, ADELE]));
    let twice = app
        .post(&format!("{list}/$ref"))
        .token(&token)
        .json(url(ADELE))
        .send()
        .await;
    assert_eq!(
        twice.assert_error(400, "Request_BadRequest"),
        "One or more added object references already exist for the following modified properties: 'owners'."
    );
    let group_as_owner = app
        .post(&format!("{list}/$ref"))
        .token(&token)
        .json(url(LINKEDIN_PILOT))
        .send()
        .await;
    group_as_owner.assert_error(400, "Request_BadRequest");
    let remove = app
        .delete(&format!("{list}/{JOHANNA}/$ref"))
        .token(&token)
        .send()
        .await;
    assert_eq!(remove.status, 204, "{}", remove.text);
    let last = app
        .delete(&format!("{list}/{ADELE}/$ref"))
        .token(&token)
        .send()
        .await;
    assert_eq!(
        last.assert_error(400, "Request_BadRequest"),
        "The group must have at least one owner, hence this owner cannot be removed."
    );
    assert_eq!(owners(&app, &list).await, [ADELE]);
    let not_owner = app
        .delete(&format!("{list}/{ALEX}/$ref"))
        .token(&token)
        .send()
        .await;
    not_owner.assert_error(400, "Request_BadRequest");
    // Group.Read.All cannot change owners (group-post-owners).
    let weak = app.app_token(CONTOSO, &["Group.Read.All", "GroupMember.ReadWrite.All"]);
    let refused = app
        .post(&format!("{list}/$ref"))
        .token(&weak)
        .json(url(ALEX))
        .send()
        .await;
    refused.assert_error(403, "Authorization_RequestDenied");
}

#[tokio::test]
async fn service_principal_owners_are_added_and_removed() {
    let app = TestApp::new().await;
    let token = app.admin();
    let list = format!("/v1.0/servicePrincipals/{SP}/owners");
    let add = app
        .post(&format!("{list}/$ref"))
        .token(&token)
        .json(url(LIDIA))
        .send()
        .await;
    assert_eq!(add.status, 204, "{}", add.text);
    assert_eq!(owners(&app, &list).await, [LIDIA]);
    let owned = owners(&app, &format!("/v1.0/users/{LIDIA}/ownedObjects")).await;
    assert!(owned.contains(&SP.to_owned()), "{owned:?}");
    // A service principal may lose its last owner.
    let remove = app
        .delete(&format!("{list}/{LIDIA}/$ref"))
        .token(&token)
        .send()
        .await;
    assert_eq!(remove.status, 204, "{}", remove.text);
    assert!(owners(&app, &list).await.is_empty());
}

#[tokio::test]
async fn post_groups_applies_owner_and_member_binds() {
    let app = TestApp::new().await;
    let token = app.admin();
    let body = json!({
        "displayName": "Bound", "mailEnabled": false, "mailNickname": "bound", "securityEnabled": true,
        "owners@odata.bind": [format!("https://graph.microsoft.com/v1.0/users/{DIEGO}")],
        "members@odata.bind": [format!("https://graph.microsoft.com/v1.0/directoryObjects/{ADELE}")],
    });
    let created = app
        .post("/v1.0/groups")
        .token(&token)
        .json(body)
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().expect("id");
    assert_eq!(
        owners(&app, &format!("/v1.0/groups/{id}/owners")).await,
        [DIEGO]
    );
    assert_eq!(
        owners(&app, &format!("/v1.0/groups/{id}/members")).await,
        [ADELE]
    );
    // A missing owner refuses the whole creation.
    let before = app
        .get("/v1.0/groups/$count")
        .eventual()
        .token(&token)
        .send()
        .await;
    let body = json!({
        "displayName": "Not made", "mailEnabled": false, "mailNickname": "notmade", "securityEnabled": true,
        "owners@odata.bind": ["https://graph.microsoft.com/v1.0/users/00000000-0000-4000-8000-00000000dead"],
    });
    let refused = app
        .post("/v1.0/groups")
        .token(&token)
        .json(body)
        .send()
        .await;
    refused.assert_error(404, "Request_ResourceNotFound");
    let after = app
        .get("/v1.0/groups/$count")
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!(before.text, after.text);
}

#[tokio::test]
async fn managers_and_owners_survive_snapshot_export_and_import() {
    let app = TestApp::new().await;
    let token = app.admin();
    let put = app
        .request(Method::PUT, &format!("/v1.0/users/{ALEX}/manager/$ref"))
        .token(&token)
        .json(url(MIRIAM))
        .send()
        .await;
    assert_eq!(put.status, 204);
    let add = app
        .post(&format!("/v1.0/servicePrincipals/{SP}/owners/$ref"))
        .token(&token)
        .json(url(LIDIA))
        .send()
        .await;
    assert_eq!(add.status, 204, "{}", add.text);
    let first = app.get("/_tenantsim/snapshot").send().await;
    assert_eq!(first.status, 200);
    let fresh = TestApp::on_db(
        tenantsim::store::Db::open(None).await.expect("db"),
        tenantsim::Settings::default(),
        false,
    )
    .await;
    let imported = fresh
        .post("/_tenantsim/snapshot")
        .json(first.json.clone())
        .send()
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    let second = fresh.get("/_tenantsim/snapshot").send().await;
    assert_eq!(first.text, second.text);
    assert_eq!(manager_of(&fresh, ALEX).await.as_deref(), Some(MIRIAM));
    assert_eq!(
        owners(&fresh, &format!("/v1.0/servicePrincipals/{SP}/owners")).await,
        [LIDIA]
    );
    // A reset brings the fixture's org chart back.
    let reset = app
        .post(&format!("/_tenantsim/tenants/{CONTOSO}/reset"))
        .send()
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert_eq!(manager_of(&app, ALEX).await.as_deref(), Some(MEGAN));
}

#[tokio::test]
async fn fixture_links_are_validated() {
    let bad = json!({"tenants": [{
        "id": "0b0b0b0b-0000-4000-8000-000000000001", "displayName": "Bad", "domains": ["bad.onmicrosoft.com"],
        "users": [
            {"id": "0b0b0b0b-0000-4000-8000-000000000101", "displayName": "A", "accountEnabled": true,
             "userPrincipalName": "a@bad.onmicrosoft.com", "manager": "0b0b0b0b-0000-4000-8000-000000000101"},
            {"id": "0b0b0b0b-0000-4000-8000-000000000102", "displayName": "B", "accountEnabled": true,
             "userPrincipalName": "b@bad.onmicrosoft.com", "manager": "0b0b0b0b-0000-4000-8000-00000000dead"}
        ],
        "groups": [{"id": "0b0b0b0b-0000-4000-8000-000000000201", "displayName": "G", "mailEnabled": false,
            "mailNickname": "g", "securityEnabled": true, "owners": ["0b0b0b0b-0000-4000-8000-000000000201"]}]
    }]});
    let errors =
        tenantsim::fixtures::parse_text("bad.json", &bad.to_string(), false).expect_err("invalid");
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let text = text.join("\n");
    assert!(text.contains("cannot be their own manager"), "{text}");
    assert!(
        text.contains("00000000dead is not a user of this tenant"),
        "{text}"
    );
    assert!(text.contains("owners"), "{text}");
}

#[tokio::test]
async fn the_profile_card_shows_the_organization_through_the_api_and_the_page() {
    let app = TestApp::new().await;
    let card = app
        .get(&format!(
            "/_tenantsim/tenants/{CONTOSO}/profileCard?viewer={NESTOR}&person={ADELE}"
        ))
        .send()
        .await;
    assert_eq!(card.status, 200, "{}", card.text);
    let chain: Vec<&str> = card.json["organization"]["manager"]
        .as_array()
        .expect("manager")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert_eq!(chain, [JOHANNA, NESTOR, PATTI_CEO]);
    assert_eq!(card.json["organization"]["directReports"], json!([]));
    let johanna = app
        .get(&format!(
            "/_tenantsim/tenants/{CONTOSO}/profileCard?viewer={NESTOR}&person={JOHANNA}"
        ))
        .send()
        .await;
    let reports: Vec<&str> = johanna.json["organization"]["directReports"]
        .as_array()
        .expect("directReports")
        .iter()
        .filter_map(|m| m["displayName"].as_str())
        .collect();
    assert!(reports.contains(&"Adele Vance"), "{reports:?}");
    let page = app
        .get(&format!(
            "/_tenantsim/ui/t/{CONTOSO}/card?viewer={NESTOR}&person={ADELE}"
        ))
        .send()
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    let managers = page
        .text
        .split("id=\"org-managers\"")
        .nth(1)
        .expect("managers list");
    let managers = managers.split("</ol>").next().expect("list end");
    let johanna_at = managers.find("Johanna Lorenz").expect("Johanna");
    let patti_at = managers.find("Patti Fernandez").expect("Patti");
    assert!(johanna_at < patti_at, "nearest manager first");
    assert!(page.text.contains("id=\"org-reports\""));
}

#[tokio::test]
async fn service_principal_relationships_answer() {
    let app = TestApp::new().await;
    let token = app.admin();
    for nav in ["owners", "memberOf", "transitiveMemberOf", "ownedObjects"] {
        let response = app
            .get(&format!("/v1.0/servicePrincipals/{SP}/{nav}"))
            .token(&token)
            .send()
            .await;
        assert_eq!(response.status, 200, "{nav}: {}", response.text);
        assert_eq!(response.json["value"], json!([]), "{nav}");
    }
    let missing = app
        .get("/v1.0/servicePrincipals/00000000-0000-4000-8000-00000000dead/owners")
        .token(&token)
        .send()
        .await;
    missing.assert_error(404, "Request_ResourceNotFound");
}
