//! Concurrent writes that contend for the same key: exactly one wins, the others get Graph's
//! 409, never a 500 and never a silent replacement (found by tests/durability/).

use std::sync::Arc;

use serde_json::{Value, json};

use crate::common::*;

/// Sends `bodies` to POST /_tenantsim/tenants all at once; returns the statuses and answers.
async fn create_at_once(app: &Arc<TestApp>, bodies: Vec<Value>) -> Vec<TestResponse> {
    let barrier = Arc::new(tokio::sync::Barrier::new(bodies.len()));
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let (app, barrier) = (app.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                app.post("/_tenantsim/tenants").json(body).send().await
            })
        })
        .collect();
    let mut responses = Vec::new();
    for task in tasks {
        responses.push(task.await.expect("task"));
    }
    responses
}

fn statuses(responses: &[TestResponse]) -> Vec<u16> {
    let mut statuses: Vec<u16> = responses.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort_unstable();
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_copies_of_a_template_under_one_name_create_it_once() {
    let app = Arc::new(TestApp::new().await);
    let bodies = (0..12)
        .map(|_| json!({"template": "contoso", "name": "racer"}))
        .collect();
    let responses = create_at_once(&app, bodies).await;
    let mut expected = vec![201];
    expected.extend([409; 11]);
    assert_eq!(statuses(&responses), expected);
    for response in responses.iter().filter(|r| r.status.as_u16() == 409) {
        response.assert_error(409, "Request_MultipleObjectsWithSameKeyValue");
    }
    // The tenant the winner was told about is the one that stays: a user written into it
    // right away is still there (a loser used to replace the tenant under it).
    let winner = responses
        .iter()
        .find(|r| r.status.as_u16() == 201)
        .expect("201");
    let tenant = winner.json["id"].as_str().expect("id").to_owned();
    let token = app.app_token(&tenant, ALL_ROLES);
    let body = json!({"accountEnabled": true, "displayName": "Kept", "mailNickname": "kept",
        "userPrincipalName": "kept@racer.onmicrosoft.com", "passwordProfile": {"password": "Xx-123456789"}});
    let created = app
        .post("/v1.0/users")
        .token(&token)
        .json(body)
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let again = app
        .post("/_tenantsim/tenants")
        .json(json!({"template": "contoso", "name": "racer"}))
        .send()
        .await;
    again.assert_error(409, "Request_MultipleObjectsWithSameKeyValue");
    let kept = app
        .get("/v1.0/users/kept@racer.onmicrosoft.com")
        .token(&token)
        .send()
        .await;
    assert_eq!(kept.status, 200, "{}", kept.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_fixtures_claiming_one_domain_create_one_tenant_and_answer_409() {
    let app = Arc::new(TestApp::new().await);
    let bodies = (1..=12)
        .map(|n| {
            json!({"fixture": {"id": format!("1c3e0000-0000-4000-8000-{n:012}"), "displayName": format!("Racer {n}"),
                "domains": ["racer.example"]}})
        })
        .collect();
    let responses = create_at_once(&app, bodies).await;
    let mut expected = vec![201];
    expected.extend([409; 11]);
    assert_eq!(
        statuses(&responses),
        expected,
        "{:?}",
        responses.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    for response in responses.iter().filter(|r| r.status.as_u16() == 409) {
        let message = response.assert_error(409, "Request_MultipleObjectsWithSameKeyValue");
        assert!(message.contains("racer.example"), "{message}");
    }
    let list = app.get("/_tenantsim/tenants").send().await;
    let owners = list.json["value"]
        .as_array()
        .expect("tenants")
        .iter()
        .filter(|t| t["domains"] == json!(["racer.example"]))
        .count();
    assert_eq!(owners, 1, "{}", list.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_template_copied_while_it_is_being_written_copies_consistently() {
    let app = Arc::new(TestApp::new().await);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Writers keep creating users and adding them to a group of the template.
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let (app, stop) = (app.clone(), stop.clone());
            tokio::spawn(async move {
                let token = app.admin();
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    let body = json!({"accountEnabled": true, "displayName": format!("W{w} {n}"),
                        "mailNickname": format!("w{w}n{n}"), "userPrincipalName": format!("w{w}n{n}@contoso.onmicrosoft.com"),
                        "passwordProfile": {"password": "Xx-123456789"}});
                    let created = app.post("/v1.0/users").token(&token).json(body).send().await;
                    assert_eq!(created.status, 201, "{}", created.text);
                    let id = created.json["id"].as_str().expect("id").to_owned();
                    let added = app
                        .post(&format!("/v1.0/groups/{LINKEDIN_PILOT}/members/$ref"))
                        .token(&token)
                        .json(reference(&id))
                        .send()
                        .await;
                    assert_eq!(added.status, 204, "{}", added.text);
                }
            })
        })
        .collect();
    for n in 0..15 {
        let copy = app
            .post("/_tenantsim/tenants")
            .json(json!({"template": "contoso", "name": format!("copy{n}")}))
            .send()
            .await;
        assert_eq!(copy.status, 201, "copy {n}: {}", copy.text);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("writer");
    }
}
