//! 400s for bodies of the wrong shape: Graph's envelope, a message that names the property
//! (its path) and what it takes, and neither serde's wording nor the value sent (which may be
//! a password).

use axum::http::Method;
use serde_json::{Value, json};

use super::bad_input::{ROLES, SERDE_PHRASES, portal_token};
use crate::common::*;

/// `(method, path, which token, body, the property the message names, what it says it takes)`.
type Case = (Method, String, Token, Value, &'static str, &'static str);

#[derive(Clone, Copy)]
enum Token {
    App,
    Portal,
    None,
}

fn cases() -> Vec<Case> {
    use Token::{App, None as Open, Portal};
    let adele = format!("/v1.0/users/{ADELE}");
    vec![
        (
            Method::POST,
            "/v1.0/users".into(),
            App,
            json!({"accountEnabled": "hunter2"}),
            "accountEnabled",
            "true or false",
        ),
        (
            Method::POST,
            "/v1.0/users".into(),
            App,
            json!({"passwordProfile": {"password": 5}}),
            "passwordProfile.password",
            "a string",
        ),
        (
            Method::POST,
            "/v1.0/users".into(),
            App,
            json!({"passwordProfile": "hunter2"}),
            "passwordProfile",
            "an object",
        ),
        (
            Method::PATCH,
            adele.clone(),
            App,
            json!({"businessPhones": "hunter2"}),
            "businessPhones",
            "an array",
        ),
        (
            Method::PATCH,
            adele.clone(),
            App,
            json!({"businessPhones": ["a", {"x": "hunter2"}]}),
            "businessPhones[1]",
            "a string",
        ),
        (
            Method::PATCH,
            adele,
            App,
            json!({"displayName": {"hunter2": 1}}),
            "displayName",
            "a string",
        ),
        (
            Method::POST,
            "/v1.0/groups".into(),
            App,
            json!({"securityEnabled": "hunter2"}),
            "securityEnabled",
            "true or false",
        ),
        (
            Method::POST,
            "/v1.0/groups".into(),
            App,
            json!({"groupTypes": "hunter2"}),
            "groupTypes",
            "an array",
        ),
        (
            Method::PATCH,
            format!("/v1.0/groups/{LINKEDIN_PILOT}"),
            App,
            json!({"mailEnabled": 1}),
            "mailEnabled",
            "true or false",
        ),
        (
            Method::POST,
            "/v1.0/oauth2PermissionGrants".into(),
            App,
            json!({"clientId": 5, "consentType": "AllPrincipals", "resourceId": "x", "scope": "a"}),
            "clientId",
            "",
        ),
        (
            Method::POST,
            "/v1.0/admin/people/profileCardProperties".into(),
            App,
            json!({"directoryPropertyName": "customAttribute1", "annotations": [{"displayName": 5}]}),
            "annotations[0].displayName",
            "a string",
        ),
        (
            Method::PUT,
            "/api/Directories/PropertiesV2".into(),
            Portal,
            json!({"enableLinkedInAppFamily": "hunter2"}),
            "enableLinkedInAppFamily",
            "integer",
        ),
        (
            Method::POST,
            "/_tenantsim/faults".into(),
            Open,
            json!({"action": {"error": {"status": "hunter2"}}}),
            "action.error.status",
            "a whole number",
        ),
        (
            Method::POST,
            "/_tenantsim/faults".into(),
            Open,
            json!({"action": {"hunter2": {}}}),
            "action",
            "one of 'throttle', 'error', 'latency', 'tokenError'",
        ),
        (
            Method::POST,
            "/_tenantsim/faults".into(),
            Open,
            json!({"action": {"throttle": {}}, "colour": 1}),
            "colour",
            "not a property",
        ),
        (
            Method::POST,
            "/_tenantsim/faults".into(),
            Open,
            json!({"match": {"path": 5}, "action": {"throttle": {}}}),
            "match.path",
            "a string",
        ),
        (
            Method::POST,
            "/_tenantsim/tenants".into(),
            Open,
            json!({"template": 5}),
            "template",
            "a string",
        ),
        (
            Method::POST,
            "/_tenantsim/tenants".into(),
            Open,
            json!({"fixture": {"tenants": 5}}),
            "tenants",
            "an array",
        ),
        (
            Method::POST,
            "/_tenantsim/tenants".into(),
            Open,
            json!({"fixture": {"tenants": [{"id": CONTOSO, "users": [{"accountEnabled": "hunter2"}]}]}}),
            "accountEnabled",
            "true or false",
        ),
        (
            Method::PUT,
            "/_tenantsim/clock".into(),
            Open,
            json!({"offsetSeconds": "hunter2"}),
            "offsetSeconds",
            "a whole number",
        ),
        (
            Method::PUT,
            "/_tenantsim/throttling".into(),
            Open,
            json!({"enabled": "hunter2"}),
            "enabled",
            "true or false",
        ),
        (
            Method::POST,
            "/_tenantsim/tokens".into(),
            Open,
            json!({"tenant": CONTOSO, "kind": "hunter2"}),
            "kind",
            "one of 'app', 'user'",
        ),
        (
            Method::PATCH,
            format!("/_tenantsim/tenants/{CONTOSO}/users/{ADELE}/linkedIn"),
            Open,
            json!({"optOut": "hunter2"}),
            "optOut",
            "true or false",
        ),
    ]
}

#[tokio::test]
async fn wrongly_typed_bodies_name_the_property_and_what_it_takes() {
    let app = TestApp::new().await;
    let admin = app.app_token(CONTOSO, ROLES);
    let portal = portal_token(&app, ADMIN).await;
    let mut failures = Vec::new();
    for (method, path, token, body, property, takes) in cases() {
        let mut request = app.request(method.clone(), &path).json(body.clone());
        match token {
            Token::App => request = request.token(&admin),
            Token::Portal => request = request.token(&portal),
            Token::None => {}
        }
        let response = request.send().await;
        let label = format!("{method} {path} {body}");
        if response.status != 400 {
            failures.push(format!(
                "{label}: status {}: {}",
                response.status, response.text
            ));
            continue;
        }
        let error = &response.json["error"];
        let message = error["message"].as_str().unwrap_or_default();
        if error["code"].as_str().is_none_or(str::is_empty)
            || !error["innerError"]["request-id"].is_string()
        {
            failures.push(format!("{label}: not Graph's envelope: {}", response.text));
        }
        if !message.contains(property) {
            failures.push(format!("{label}: does not name '{property}': {message}"));
        }
        if !message.contains(takes) {
            failures.push(format!(
                "{label}: does not say it takes {takes:?}: {message}"
            ));
        }
        if let Some(phrase) = SERDE_PHRASES.iter().find(|p| message.contains(**p)) {
            failures.push(format!("{label}: speaks serde ({phrase:?}): {message}"));
        }
        if message.contains("hunter2") {
            failures.push(format!("{label}: echoes the value sent: {message}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
