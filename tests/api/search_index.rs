//! `$search` reads a word index (SQLite FTS5, migration 0013) that writes note objects for and
//! each search fills first (migration 0016, `store::search_index`): these tests change objects
//! every way a client can and search after each.

use serde_json::json;

use crate::common::*;

async fn search(app: &TestApp, set: &str, clause: &str) -> Vec<String> {
    let path = format!("/v1.0/{set}?$search=\"{clause}\"");
    let response = app.get(&path).eventual().token(&app.admin()).send().await;
    assert_eq!(response.status, 200, "{path}: {}", response.text);
    sorted(&response.ids())
}

#[tokio::test]
async fn search_follows_creates_renames_deletes_and_resets() {
    let app = TestApp::new().await;
    assert!(search(&app, "users", "displayName:zeynep").await.is_empty());
    let id = create_contoso_user(
        &app,
        &app.admin(),
        "zeynep",
        "Zeynep Kaya-Demir",
        json!({"jobTitle": "Field Engineer"}),
    )
    .await;
    // Words in order, the last one a prefix, any case; hyphens split words.
    for clause in [
        "displayName:zeynep",
        "displayName:ZEYNEP kay",
        "displayName:demir",
        "jobTitle:field eng",
        "userPrincipalName:zeynep",
    ] {
        assert_eq!(
            search(&app, "users", clause).await,
            std::slice::from_ref(&id),
            "{clause}"
        );
    }
    for clause in [
        "displayName:eynep",
        "displayName:kaya zeynep",
        "jobTitle:engineer field",
    ] {
        assert!(search(&app, "users", clause).await.is_empty(), "{clause}");
    }
    // OR and AND combine index lookups.
    let either = search(&app, "users", "displayName:zeynep\" OR \"displayName:adele").await;
    assert_eq!(either, sorted(&[id.clone(), ADELE.to_owned()]));
    let both = search(&app, "users", "displayName:zeynep\" AND \"jobTitle:manager").await;
    assert!(both.is_empty());

    let renamed = app
        .patch(&format!("/v1.0/users/{id}"))
        .token(&app.admin())
        .json(json!({"displayName": "Zoe Kaya"}))
        .send()
        .await;
    assert_eq!(renamed.status, 204, "{}", renamed.text);
    assert!(search(&app, "users", "displayName:zeynep").await.is_empty());
    assert_eq!(
        search(&app, "users", "displayName:zoe").await,
        std::slice::from_ref(&id)
    );

    let deleted = app
        .delete(&format!("/v1.0/users/{id}"))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert!(search(&app, "users", "displayName:zoe").await.is_empty());

    // A renamed fixture user is found under its fixture name again after a reset.
    let renamed = app
        .patch(&format!("/v1.0/users/{ADELE}"))
        .token(&app.admin())
        .json(json!({"displayName": "Quentin Blake"}))
        .send()
        .await;
    assert_eq!(renamed.status, 204, "{}", renamed.text);
    assert!(search(&app, "users", "displayName:adele").await.is_empty());
    let reset = app
        .post(&format!("/_tenantsim/tenants/{CONTOSO}/reset"))
        .send()
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert_eq!(search(&app, "users", "displayName:adele").await, [ADELE]);
    assert!(
        search(&app, "users", "displayName:quentin")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_term_without_a_word_matches_nothing_and_groups_search_their_descriptions() {
    let app = TestApp::new().await;
    assert!(search(&app, "users", "displayName:--").await.is_empty());
    let groups = search(&app, "groups", "description:piloting").await;
    assert!(!groups.is_empty(), "the LinkedIn Pilot group's description");
}

#[tokio::test]
async fn control_characters_in_a_term_separate_words_instead_of_failing() {
    let app = TestApp::new().await;
    // FTS5's query parser rejects a NUL: a term carrying one was a 500.
    for clause in [
        "displayName:adele%00vance",
        "displayName:adele%09vance",
        "displayName:adele%0Avan",
    ] {
        assert_eq!(
            search(&app, "users", clause).await,
            [ADELE.to_owned()],
            "{clause}"
        );
    }
    assert!(search(&app, "users", "displayName:%00").await.is_empty());
}

/// Writes note objects for the index and the next search indexes them
/// (`store::search_index`): whatever happened to an object between two searches, the second
/// sees it as it is now, through lists and `$count` alike.
#[tokio::test]
async fn a_search_sees_every_write_made_since_the_last_one() {
    let app = TestApp::new().await;
    assert!(search(&app, "users", "displayName:ines").await.is_empty());
    // Created, then renamed, then created and deleted, all before any search.
    let renamed = create_contoso_user(&app, &app.admin(), "ines", "Ines Okafor", json!({})).await;
    let patched = app
        .patch(&format!("/v1.0/users/{renamed}"))
        .token(&app.admin())
        .json(json!({"displayName": "Imani Okafor", "jobTitle": "Surveyor"}))
        .send()
        .await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    let gone = create_contoso_user(&app, &app.admin(), "ivo", "Ivo Okafor", json!({})).await;
    let deleted = app
        .delete(&format!("/v1.0/users/{gone}"))
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let kept = create_contoso_user(&app, &app.admin(), "ilse", "Ilse Okafor", json!({})).await;

    let count = app
        .get("/v1.0/users/$count?$search=\"displayName:okafor\"")
        .eventual()
        .token(&app.admin())
        .send()
        .await;
    assert_eq!(count.status, 200, "{}", count.text);
    assert_eq!(count.text, "2");
    assert_eq!(
        search(&app, "users", "displayName:okafor").await,
        sorted(&[renamed.clone(), kept.clone()])
    );
    assert!(search(&app, "users", "displayName:ines").await.is_empty());
    assert!(search(&app, "users", "displayName:ivo").await.is_empty());
    assert_eq!(
        search(&app, "users", "jobTitle:surveyor").await,
        std::slice::from_ref(&renamed)
    );

    // Renamed again after it was indexed: the old words leave at once, the new ones come in
    // with the next search.
    let patched = app
        .patch(&format!("/v1.0/users/{kept}"))
        .token(&app.admin())
        .json(json!({"displayName": "Ilse Brandt"}))
        .send()
        .await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    assert_eq!(search(&app, "users", "displayName:okafor").await, [renamed]);
    assert_eq!(search(&app, "users", "displayName:brandt").await, [kept]);
}
