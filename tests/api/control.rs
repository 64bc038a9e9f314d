//! The control plane under `/_tenantsim/`: fault rules, the throttling mode, the simulated
//! clock, the token forge and the request journal.

use std::time::Instant;

use serde_json::{Value, json};
use tenantsim::Settings;

use crate::common::*;
use crate::identity::{GRAPH, SYNC_APP, SYNC_SECRET, assert_aad_error, token};

async fn arm(app: &TestApp, rule: Value) -> Value {
    let response = app.post("/_tenantsim/faults").json(rule).send().await;
    assert_eq!(response.status, 201, "{}", response.text);
    assert!(response.json["id"].is_string());
    response.json
}

async fn adele(app: &TestApp) -> TestResponse {
    app.get(&format!("/v1.0/users/{ADELE}"))
        .token(&app.admin())
        .send()
        .await
}

fn client_credentials() -> [(&'static str, &'static str); 4] {
    [
        ("grant_type", "client_credentials"),
        ("client_id", SYNC_APP),
        ("client_secret", SYNC_SECRET),
        ("scope", GRAPH),
    ]
}

#[tokio::test]
async fn error_fault_answers_the_graph_envelope_with_its_status() {
    let app = TestApp::new().await;
    let rule = arm(
        &app,
        json!({"match": {"method": "GET", "path": "/v1.0/users"},
               "action": {"error": {"status": 503, "message": "Try later."}}}),
    )
    .await;
    let response = app
        .get(&format!("/v1.0/users/{ADELE}"))
        .token(&app.admin())
        .header("client-request-id", "6f0f3b8c-0000-4000-8000-000000000001")
        .send()
        .await;
    assert_eq!(
        response.assert_error(503, "ServiceUnavailable"),
        "Try later."
    );
    let inner = &response.json["error"]["innerError"];
    assert_eq!(inner["request-id"], "6f0f3b8c-0000-4000-8000-000000000001");
    assert_eq!(
        response.headers["request-id"],
        "6f0f3b8c-0000-4000-8000-000000000001"
    );
    // Other methods and paths are untouched; a custom code is used as given.
    let groups = app.get("/v1.0/groups").token(&app.admin()).send().await;
    assert_eq!(groups.status, 200, "{}", groups.text);
    arm(
        &app,
        json!({"match": {"path": "/beta/*"},
               "action": {"error": {"status": 500, "code": "generalException", "message": "Boom"}}}),
    )
    .await;
    let beta = app.get("/beta/users").token(&app.admin()).send().await;
    assert_eq!(beta.assert_error(500, "generalException"), "Boom");
    let listed = app.get("/_tenantsim/faults").send().await;
    let first = &listed.json["value"][0];
    assert_eq!(first["id"], rule["id"]);
    assert_eq!(
        (first["matched"].clone(), first["fired"].clone()),
        (json!(1), json!(1))
    );
}

#[tokio::test]
async fn throttle_fault_answers_graphs_429_body_and_retry_after() {
    let app = TestApp::new().await;
    arm(
        &app,
        json!({"match": {"tenant": CONTOSO}, "action": {"throttle": {"retryAfter": 2}}}),
    )
    .await;
    let response = adele(&app).await;
    assert_eq!(response.status, 429, "{}", response.text);
    assert_eq!(response.headers["retry-after"], "2");
    let request_id = response.headers["request-id"].to_str().expect("ascii");
    let error = &response.json["error"];
    assert_eq!(error["code"], "TooManyRequests");
    assert_eq!(error["message"], "Please retry again later.");
    let inner = error["innerError"].as_object().expect("innerError");
    let keys: Vec<&str> = inner.keys().map(String::as_str).collect();
    assert_eq!(keys, ["code", "date", "message", "request-id", "status"]);
    assert_eq!(inner["code"], "429");
    assert_eq!(inner["message"], "Please retry after");
    assert_eq!(inner["status"], "429");
    assert_eq!(inner["request-id"], request_id);
    assert_eq!(inner["date"].as_str().expect("date").len(), 19);
    // Another tenant's calls do not match.
    let fabrikam = app
        .get(&format!("/v1.0/users/{FABRIKAM_KIM}"))
        .token(&app.app_token(FABRIKAM, ALL_ROLES))
        .send()
        .await;
    assert_eq!(fabrikam.status, 200, "{}", fabrikam.text);
}

#[tokio::test]
async fn a_times_rule_fires_for_the_next_n_matches_only() {
    let app = TestApp::new().await;
    arm(
        &app,
        json!({"match": {"path": "/v1.0/users/*"},
               "action": {"error": {"status": 502}}, "fire": {"times": 2}}),
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(adele(&app).await.status.as_u16());
    }
    assert_eq!(statuses, [502, 502, 200, 200]);
    let listed = app.get("/_tenantsim/faults").send().await;
    let rule = &listed.json["value"][0];
    assert_eq!(rule["fired"], 2);
    assert_eq!(rule["matched"], 4);
    assert_eq!(rule["remaining"], 0);
}

async fn sequence(app: &TestApp) -> Vec<u16> {
    app.delete("/_tenantsim/faults").send().await;
    arm(
        app,
        json!({"match": {"path": "/v1.0/users"},
               "action": {"error": {"status": 500}},
               "fire": {"probability": 0.5, "seed": 42}}),
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..16 {
        statuses.push(adele(app).await.status.as_u16());
    }
    statuses
}

#[tokio::test]
async fn a_seeded_probability_rule_repeats_its_sequence() {
    let app = TestApp::new().await;
    let first = sequence(&app).await;
    let second = sequence(&app).await;
    assert_eq!(first, second);
    assert!(first.contains(&500) && first.contains(&200), "{first:?}");
}

#[tokio::test]
async fn token_error_fault_answers_an_aadsts_error_on_token_routes_only() {
    let app = TestApp::new().await;
    arm(
        &app,
        json!({"match": {"clientApp": SYNC_APP},
               "action": {"tokenError": {"error": "invalid_client", "code": 7000222,
                                         "message": "The provided client secret keys are expired."}}}),
    )
    .await;
    let response = token(&app, "contoso.com", &client_credentials()).await;
    let description = assert_aad_error(&response, 401, "invalid_client", 7000222);
    assert!(
        description.starts_with("AADSTS7000222: The provided client secret keys are expired."),
        "{description}"
    );
    // Graph calls by the same app are not token requests: untouched.
    let mut request = app.token_request(
        CONTOSO,
        tenantsim::auth::token::Subject::App {
            object_id: "5e7a1c2d-0000-4000-8000-00000000a001".into(),
            roles: vec!["User.Read.All".into()],
        },
    );
    request.app_id = SYNC_APP.to_owned();
    let graph_token = tenantsim::auth::token::mint(&app.state.keys(), &request).expect("mint");
    let graph = app
        .get(&format!("/v1.0/users/{ADELE}"))
        .token(&graph_token)
        .send()
        .await;
    assert_eq!(graph.status, 200, "{}", graph.text);
    app.delete("/_tenantsim/faults").send().await;
    let ok = token(&app, "contoso.com", &client_credentials()).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

#[tokio::test]
async fn latency_fault_delays_the_answer() {
    let app = TestApp::new().await;
    arm(
        &app,
        json!({"match": {"path": "/v1.0/users"}, "action": {"latency": {"ms": 150}}}),
    )
    .await;
    let started = Instant::now();
    let response = adele(&app).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(started.elapsed().as_millis() >= 150);
    // A range draws from the seeded generator and stays within it.
    app.delete("/_tenantsim/faults").send().await;
    let rule = arm(
        &app,
        json!({"action": {"latency": {"minMs": 150, "maxMs": 170}}, "fire": {"seed": 7}}),
    )
    .await;
    assert_eq!(rule["fire"]["seed"], 7);
    // Every answer waits at least minMs; the quickest of a few waits no more than maxMs plus
    // the request's own time (100 ms of slack for a loaded machine), so a delay past maxMs
    // (say minMs + maxMs) fails.
    let mut quickest = u128::MAX;
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(adele(&app).await.status, 200);
        let elapsed = started.elapsed().as_millis();
        assert!(elapsed >= 150, "{elapsed} ms < minMs");
        quickest = quickest.min(elapsed);
    }
    assert!(
        quickest <= 170 + 100,
        "quickest answer took {quickest} ms, maxMs is 170"
    );
}

#[tokio::test]
async fn rules_are_validated_and_can_be_removed() {
    let app = TestApp::new().await;
    for bad in [
        json!({"action": {"error": {"status": 404}}}),
        json!({"action": {"explode": {}}}),
        json!({"action": {"latency": {}}}),
        json!({"action": {"tokenError": {"error": "nope", "code": 1, "message": "x"}}}),
        json!({"action": {"throttle": {}}, "fire": {"times": 1, "probability": 0.5}}),
        json!({"action": {"throttle": {}}, "fire": {"probability": 2.0}}),
    ] {
        let response = app
            .post("/_tenantsim/faults")
            .json(bad.clone())
            .send()
            .await;
        response.assert_error(400, "Request_BadRequest");
    }
    let rule = arm(&app, json!({"action": {"throttle": {}}})).await;
    assert_eq!(rule["fire"]["always"], true);
    assert_eq!(rule["action"]["throttle"]["retryAfter"], 1);
    assert_eq!(adele(&app).await.status, 429);
    // The control API itself is never faulted.
    let path = format!("/_tenantsim/faults/{}", rule["id"].as_str().expect("id"));
    assert_eq!(app.delete(&path).send().await.status, 204);
    app.delete(&path)
        .send()
        .await
        .assert_error(404, "Request_ResourceNotFound");
    assert_eq!(adele(&app).await.status, 200);
    arm(&app, json!({"action": {"throttle": {}}})).await;
    assert_eq!(app.delete("/_tenantsim/faults").send().await.status, 204);
    assert_eq!(adele(&app).await.status, 200);
}

#[tokio::test]
async fn throttling_mode_answers_429_with_retry_after_once_the_bucket_is_empty() {
    let app = TestApp::new().await;
    let set = app
        .request(axum::http::Method::PUT, "/_tenantsim/throttling")
        .json(json!({"enabled": true, "scale": 0.001}))
        .send()
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.json["enabled"], true);
    let mut throttled = None;
    for n in 0..10 {
        let response = adele(&app).await;
        if response.status == 429 {
            throttled = Some((n, response));
            break;
        }
        assert_eq!(response.status, 200, "{}", response.text);
    }
    // 3,500 RU × 0.001 = 3.5 RU for a tenant under 50 users: the fourth read waits.
    let (n, response) = throttled.expect("throttled within ten reads");
    assert!(n >= 3, "throttled after {n} reads");
    let retry_after: u64 = response.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=3).contains(&retry_after), "{retry_after}");
    assert_eq!(response.json["error"]["code"], "TooManyRequests");
    assert_eq!(response.json["error"]["innerError"]["status"], "429");
    // Buckets are per app and tenant; identity routes are never throttled.
    let fabrikam = app
        .get(&format!("/v1.0/users/{FABRIKAM_KIM}"))
        .token(&app.app_token(FABRIKAM, ALL_ROLES))
        .send()
        .await;
    assert_eq!(fabrikam.status, 200, "{}", fabrikam.text);
    let token_response = token(&app, "contoso.com", &client_credentials()).await;
    assert_eq!(token_response.status, 200);
    let state = app.get("/_tenantsim/throttling").send().await;
    let contoso = state.json["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .find(|b| b["tenant"] == CONTOSO)
        .expect("Contoso bucket")
        .clone();
    assert_eq!(contoso["resourceUnitLimit"], 3.5);
    assert!(contoso["throttled"].as_u64().expect("count") >= 1);
    // Off again: no more 429s.
    app.request(axum::http::Method::PUT, "/_tenantsim/throttling")
        .json(json!({"enabled": false}))
        .send()
        .await;
    assert_eq!(adele(&app).await.status, 200);
}

#[tokio::test]
async fn throttling_mode_charges_writes_more_than_reads() {
    let app = TestApp::new().await;
    // 3,500 RU × 0.0025 = 8.75 RU: a write (5 RU) leaves 3.75, too few for a second write
    // but enough for a read; the write bucket (3,000 × 0.0025 = 7.5) is charged one.
    app.request(axum::http::Method::PUT, "/_tenantsim/throttling")
        .json(json!({"enabled": true, "scale": 0.0025}))
        .send()
        .await;
    let patch = |title: &'static str| {
        app.patch(&format!("/v1.0/users/{ADELE}"))
            .token(&app.admin())
            .json(json!({"jobTitle": title}))
    };
    assert_eq!(patch("One").send().await.status, 204);
    let second = patch("Two").send().await;
    assert_eq!(second.status, 429, "{}", second.text);
    assert_eq!(adele(&app).await.status, 200);
    let state = app.get("/_tenantsim/throttling").send().await;
    assert_eq!(state.json["costs"]["write"], 5.0);
    let bucket = &state.json["buckets"][0];
    assert_eq!(bucket["writeLimit"], 7.5);
    assert!(bucket["writes"].as_f64().expect("writes") < 7.0, "{bucket}");
}

#[tokio::test]
async fn clock_offset_makes_a_freshly_minted_token_expire() {
    let app = TestApp::new().await;
    let token = app.admin();
    assert_eq!(adele(&app).await.status, 200);
    let set = app
        .request(axum::http::Method::PUT, "/_tenantsim/clock")
        .json(json!({"offsetSeconds": 7200}))
        .send()
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.json["offsetSeconds"], 7200);
    assert_eq!(set.json["frozen"], false);
    let response = app
        .get(&format!("/v1.0/users/{ADELE}"))
        .token(&token)
        .send()
        .await;
    let message = response.assert_error(401, "InvalidAuthenticationToken");
    assert!(
        message.starts_with("Lifetime validation failed"),
        "{message}"
    );
    let reset = app.delete("/_tenantsim/clock").send().await;
    assert_eq!(reset.json["offsetSeconds"], 0);
    let again = app
        .get(&format!("/v1.0/users/{ADELE}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
}

#[tokio::test]
async fn freezing_the_clock_stops_time_and_unfreezing_restarts_it() {
    let app = TestApp::new().await;
    let set = app
        .request(axum::http::Method::PUT, "/_tenantsim/clock")
        .json(json!({"freezeAt": "2030-01-01T00:00:00Z"}))
        .send()
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.json["now"], "2030-01-01T00:00:00Z");
    assert_eq!(set.json["frozen"], true);
    let shown = app.get("/_tenantsim/clock").send().await;
    assert_eq!(shown.json["now"], "2030-01-01T00:00:00Z");
    // Tokens minted now are issued at the frozen instant, and errors carry its date.
    let missing = app
        .get("/v1.0/users/nobody")
        .token(&app.admin())
        .send()
        .await;
    missing.assert_error(404, "Request_ResourceNotFound");
    assert_eq!(
        missing.json["error"]["innerError"]["date"],
        "2030-01-01T00:00:00"
    );
    let thawed = app
        .request(axum::http::Method::PUT, "/_tenantsim/clock")
        .json(json!({"freeze": false}))
        .send()
        .await;
    assert_eq!(thawed.json["frozen"], false);
    assert_ne!(thawed.json["now"], "2030-01-01T00:00:00Z");
    let bad = app
        .request(axum::http::Method::PUT, "/_tenantsim/clock")
        .json(json!({"freezeAt": "tomorrow"}))
        .send()
        .await;
    bad.assert_error(400, "Request_BadRequest");
}

async fn forge(app: &TestApp, body: Value) -> (String, Value) {
    let response = app.post("/_tenantsim/tokens").json(body).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    (
        response.json["access_token"]
            .as_str()
            .expect("token")
            .to_owned(),
        response.json["claims"].clone(),
    )
}

#[tokio::test]
async fn forged_tokens_signed_by_tenantsim_are_accepted() {
    let app = TestApp::new().await;
    let (app_token, claims) = forge(
        &app,
        json!({"tenant": "contoso.com", "kind": "app", "roles": ["User.Read.All"],
               "claims": {"xms_custom": "yes"}}),
    )
    .await;
    assert_eq!(claims["tid"], CONTOSO);
    assert_eq!(claims["idtyp"], "app");
    assert_eq!(claims["xms_custom"], "yes");
    let response = app
        .get(&format!("/v1.0/users/{ADELE}"))
        .token(&app_token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let (user_token, claims) = forge(
        &app,
        json!({"tenant": CONTOSO, "kind": "user", "user": "admin@contoso.onmicrosoft.com",
               "scopes": ["User.Read"]}),
    )
    .await;
    assert_eq!(claims["oid"], ADMIN);
    assert!(
        !claims["wids"].as_array().expect("wids").is_empty(),
        "{claims}"
    );
    let me = app.get("/v1.0/me").token(&user_token).send().await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json["id"], ADMIN);
}

#[tokio::test]
async fn forged_tokens_with_a_foreign_key_or_out_of_lifetime_are_refused() {
    let app = TestApp::new().await;
    let base = json!({"tenant": CONTOSO, "kind": "app", "roles": ["User.Read.All"]});
    let with = |extra: Value| {
        let mut body = base.clone();
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (
            json!({"signingKey": "foreign"}),
            "Access token validation failure.",
        ),
        (
            json!({"lifetimeSeconds": -3600}),
            "Lifetime validation failed, the token is expired.",
        ),
        (
            json!({"notBeforeSeconds": 3600}),
            "Lifetime validation failed, the token is not yet valid (nbf).",
        ),
        (
            json!({"audience": "api://someone-else"}),
            "Access token validation failure. Invalid audience.",
        ),
    ];
    for (extra, expected) in cases {
        let (token, _) = forge(&app, with(extra.clone())).await;
        let response = app
            .get(&format!("/v1.0/users/{ADELE}"))
            .token(&token)
            .send()
            .await;
        let message = response.assert_error(401, "InvalidAuthenticationToken");
        assert_eq!(message, expected, "{extra}");
    }
    let bad = app
        .post("/_tenantsim/tokens")
        .json(json!({"tenant": CONTOSO, "kind": "user"}))
        .send()
        .await;
    bad.assert_error(400, "Request_BadRequest");
}

async fn journal(app: &TestApp, query: &str) -> Value {
    let response = app
        .get(&format!("/_tenantsim/requests{query}"))
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json
}

#[tokio::test]
async fn the_journal_keeps_only_the_newest_entries_up_to_its_cap() {
    let app = TestApp::with_settings(Settings {
        journal_capacity: 3,
        ..Settings::default()
    })
    .await;
    for n in 0..5 {
        app.get(&format!("/v1.0/users/missing-{n}"))
            .token(&app.admin())
            .send()
            .await;
    }
    let body = journal(&app, "").await;
    let paths: Vec<&str> = body["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|e| e["path"].as_str().expect("path"))
        .collect();
    assert_eq!(
        paths,
        [
            "/v1.0/users/missing-2",
            "/v1.0/users/missing-3",
            "/v1.0/users/missing-4"
        ]
    );
    assert_eq!(body["capacity"], 3);
    assert_eq!(body["dropped"], 2);
}

#[tokio::test]
async fn the_journal_records_requests_filters_them_and_clears() {
    let app = TestApp::new().await;
    let first = adele(&app).await;
    let first_id = first.headers["request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    app.get("/v1.0/users/nobody")
        .token(&app.admin())
        .send()
        .await;
    app.get(&format!("/v1.0/users/{FABRIKAM_KIM}"))
        .token(&app.app_token(FABRIKAM, ALL_ROLES))
        .send()
        .await;
    token(&app, "contoso.com", &client_credentials()).await;
    arm(
        &app,
        json!({"match": {"path": "/beta"}, "action": {"error": {"status": 503}}}),
    )
    .await;
    app.get("/beta/users").token(&app.admin()).send().await;

    let all = journal(&app, "").await;
    let entries = all["value"].as_array().expect("value");
    assert_eq!(entries.len(), 5, "control calls are not recorded: {all}");
    let entry = &entries[0];
    assert_eq!(entry["requestId"], first_id.as_str());
    assert_eq!(entry["method"], "GET");
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["tenant"], CONTOSO);
    assert_eq!(entry["clientApp"], "5e7a1c2d-0000-4000-8000-00000000a000");
    assert!(entry["durationMicros"].is_u64());
    assert!(entry["time"].is_string());
    assert!(entry.get("requestBody").is_none());
    let token_entry = &entries[3];
    assert_eq!(token_entry["tenant"], "contoso.com");
    assert_eq!(token_entry["clientApp"], SYNC_APP);
    // The faulted response is recorded with its status.
    assert_eq!(entries[4]["status"], 503);

    let count = |body: Value| body["value"].as_array().expect("value").len();
    assert_eq!(
        count(journal(&app, &format!("?tenant={FABRIKAM}")).await),
        1
    );
    assert_eq!(count(journal(&app, "?status=404").await), 1);
    assert_eq!(count(journal(&app, "?status=5xx").await), 1);
    assert_eq!(count(journal(&app, "?method=POST").await), 1);
    assert_eq!(count(journal(&app, "?path=/v1.0/users").await), 3);
    assert_eq!(count(journal(&app, &format!("?since={first_id}")).await), 4);
    assert_eq!(count(journal(&app, "?since=2000-01-01T00:00:00Z").await), 5);
    let newest = journal(&app, "?limit=2").await;
    assert_eq!(count(newest.clone()), 2);
    assert_eq!(newest["value"][1]["path"], "/beta/users");

    assert_eq!(app.delete("/_tenantsim/requests").send().await.status, 204);
    assert_eq!(count(journal(&app, "").await), 0);
}

#[tokio::test]
async fn the_journal_keeps_bodies_only_when_asked_and_never_secrets() {
    let app = TestApp::with_settings(Settings {
        journal_bodies: true,
        ..Settings::default()
    })
    .await;
    token(&app, "contoso.com", &client_credentials()).await;
    app.patch(&format!("/v1.0/users/{ADELE}"))
        .token(&app.admin())
        .json(json!({"jobTitle": "x".repeat(10_000)}))
        .send()
        .await;
    let body = journal(&app, "").await;
    let form = body["value"][0]["requestBody"].as_str().expect("form body");
    assert!(form.contains(SYNC_APP), "{form}");
    assert!(!form.contains("sync-secret"), "{form}");
    assert!(form.contains("client_secret=%5Bredacted%5D"), "{form}");
    let json_body = body["value"][1]["requestBody"].as_str().expect("json body");
    assert!(json_body.starts_with("{\"jobTitle\":\"xxx"));
    assert!(json_body.len() <= 4 * 1024 + 3, "{}", json_body.len());
}

/// Issue 11, item 8: a rule given a tenant's domain was accepted and never fired (Graph calls
/// carry the token's `tid`, identity calls the path segment). A rule names its tenant by id or
/// by any verified domain, in any case, and fires whichever form a request carries; a key that
/// names no tenant is a 400.
#[tokio::test]
async fn a_tenant_rule_fires_for_the_id_and_every_domain_of_its_tenant() {
    let app = TestApp::new().await;
    let discovery = |segment: &str| format!("/{segment}/v2.0/.well-known/openid-configuration");
    for key in [
        "Contoso.onmicrosoft.com".to_owned(),
        "contoso.com".to_owned(),
        CONTOSO.to_ascii_uppercase(),
    ] {
        arm(
            &app,
            json!({"match": {"tenant": key}, "action": {"error": {"status": 503}}}),
        )
        .await;
        // Graph: the token's tid is the GUID.
        assert_eq!(adele(&app).await.status, 503, "{key}: Graph call");
        // Identity: the path names the tenant by id or by either domain.
        for segment in [CONTOSO, "contoso.com", "CONTOSO.onmicrosoft.com"] {
            let response = token(&app, segment, &client_credentials()).await;
            assert_eq!(response.status, 503, "{key}: token at {segment}");
            let response = app.get(&discovery(segment)).send().await;
            assert_eq!(response.status, 503, "{key}: discovery at {segment}");
        }
        // Another tenant, by token and by path, is untouched.
        let fabrikam = app
            .get(&format!("/v1.0/users/{FABRIKAM_KIM}"))
            .token(&app.app_token(FABRIKAM, ALL_ROLES))
            .send()
            .await;
        assert_eq!(fabrikam.status, 200, "{key}: {}", fabrikam.text);
        for segment in [FABRIKAM, "fabrikamgov.onmicrosoft.com"] {
            let response = app.get(&discovery(segment)).send().await;
            assert_eq!(response.status, 200, "{key}: {segment}: {}", response.text);
        }
        let listed = app.get("/_tenantsim/faults").send().await;
        let rule = &listed.json["value"][0];
        assert_eq!(rule["match"]["tenant"], key.as_str(), "shown as given");
        assert_eq!(rule["fired"], 7, "{key}: {rule}");
        assert_eq!(app.delete("/_tenantsim/faults").send().await.status, 204);
    }
    // A key that names no tenant would never fire: refused, and nothing is armed.
    for key in [
        "nowhere.example",
        "0badbad0-0000-4000-8000-000000000001",
        "contoso",
    ] {
        let response = app
            .post("/_tenantsim/faults")
            .json(json!({"match": {"tenant": key}, "action": {"error": {"status": 503}}}))
            .send()
            .await;
        let message = response.assert_error(400, "Request_BadRequest");
        assert!(message.contains("match.tenant"), "{key}: {message}");
    }
    assert_eq!(
        app.get("/_tenantsim/faults").send().await.json["value"],
        json!([])
    );
    // The multi-tenant segments stand for themselves.
    arm(
        &app,
        json!({"match": {"tenant": "common"}, "action": {"error": {"status": 502}}}),
    )
    .await;
    assert_eq!(app.get(&discovery("common")).send().await.status, 502);
    assert_eq!(app.get(&discovery(CONTOSO)).send().await.status, 200);
}
