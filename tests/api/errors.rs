//! The Graph error envelope on every failure path: router fallbacks, 405s, body extractor
//! rejections, query-string decoding, and the request-id headers.

use axum::http::Method;
use serde_json::json;
use tenantsim::Settings;

use crate::common::*;

#[tokio::test]
async fn unknown_path_is_bad_request_naming_the_segment() {
    let app = TestApp::new().await;
    let token = app.admin();
    for (path, segment) in [
        ("/v1.0/widgets", "widgets"),
        ("/beta/widgets/42", "widgets"),
        (&*format!("/v1.0/users/{ADELE}/widgets"), "widgets"),
        ("/v2.0/users", "v2.0"),
    ] {
        let response = app.get(path).token(&token).send().await;
        let message = response.assert_error(400, "BadRequest");
        assert_eq!(
            message,
            format!("Resource not found for the segment '{segment}'."),
            "{path}"
        );
    }
}

#[tokio::test]
async fn real_graph_paths_tenantsim_does_not_emulate_are_501_not_implemented() {
    let app = TestApp::new().await;
    let token = app.admin();
    for (method, path) in [
        (Method::GET, format!("/v1.0/users/{ADELE}/calendar")),
        (Method::GET, format!("/v1.0/Users/{ADELE}/Drive")),
        (
            Method::GET,
            "/v1.0/identity/conditionalAccess/policies".to_owned(),
        ),
        (Method::POST, format!("/v1.0/users/{ADELE}/sendMail")),
        (Method::GET, "/v1.0/sites/root".to_owned()),
        (
            Method::POST,
            format!("/v1.0/groups/{FINANCE}/acceptedSenders/$ref"),
        ),
        // A routed path with a method Graph has and tenantsim does not serve.
        (
            Method::POST,
            format!("/v1.0/servicePrincipals/{ADELE}/appRoleAssignedTo"),
        ),
    ] {
        let response = app
            .request(method.clone(), &path)
            .token(&token)
            .json(json!({}))
            .send()
            .await;
        let message = response.assert_error(501, "NotImplemented");
        assert!(
            message.starts_with(&format!("tenantsim does not emulate {method} ")),
            "{method} {path}: {message}"
        );
    }
    // A path Graph does not have stays Graph's 400, even below a real resource.
    let response = app
        .get(&format!("/v1.0/users/{ADELE}/calendar/widgets"))
        .token(&token)
        .send()
        .await;
    response.assert_error(400, "BadRequest");
    // A method Graph does not have on a real path stays Graph's 405.
    let response = app
        .request(Method::POST, &format!("/v1.0/users/{ADELE}/calendar"))
        .token(&token)
        .json(json!({}))
        .send()
        .await;
    response.assert_error(405, "Request_BadRequest");
}

#[tokio::test]
async fn graph_spellings_of_a_served_path_are_served() {
    let app = TestApp::new().await;
    let token = app.admin();
    let canonical = app
        .get(&format!(
            "/v1.0/groups/{FINANCE}/members/microsoft.graph.user?$count=true"
        ))
        .token(&token)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await;
    assert_eq!(canonical.status, 200, "{}", canonical.json);
    for path in [
        format!("/V1.0/Groups/{FINANCE}/Members/microsoft.graph.user?$count=true"),
        format!("/v1.0/groups/{FINANCE}/members/graph.user?$count=true"),
        format!("/v1.0/groups/{FINANCE}/members/microsoft.graph.user/?$count=true"),
        format!("/v1.0/groups/{FINANCE}/members/microsoft.graph.user?$count=true&$format=json"),
        format!("/V1.0/groups/{FINANCE}/Members/graph.user/?$count=true&$format=application/json"),
    ] {
        let response = app
            .get(&path)
            .token(&token)
            .header("ConsistencyLevel", "eventual")
            .send()
            .await;
        assert_eq!(response.status, 200, "{path}: {}", response.json);
        assert_eq!(response.json["value"], canonical.json["value"], "{path}");
    }
    // An HTTP/2 request carries its host in the URI, without a Host header: a path routed again
    // keeps it, so the links in the answer keep the port.
    let response = app
        .get(&format!("https://localhost:9443/V1.0/Groups/{FINANCE}"))
        .without_host()
        .token(&token)
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.json);
    let context = response.json["@odata.context"].as_str().unwrap_or_default();
    assert!(
        context.contains("://localhost:9443/v1.0/$metadata#groups"),
        "{context}"
    );
    // The SDKs' `delta()` form and the namespaced one are the delta function, not a group id.
    for path in [
        "/v1.0/groups/delta()",
        "/v1.0/groups/microsoft.graph.delta()",
        "/BETA/Groups/delta()",
    ] {
        let response = app.get(path).token(&token).send().await;
        assert_eq!(response.status, 200, "{path}: {}", response.json);
        assert!(response.json["value"].is_array(), "{path}");
    }
}

#[tokio::test]
async fn wrong_method_is_405_request_bad_request() {
    let app = TestApp::new().await;
    let token = app.admin();
    for (method, path) in [
        (Method::PUT, "/v1.0/users".to_owned()),
        (Method::DELETE, "/v1.0/users".to_owned()),
        (Method::PUT, format!("/v1.0/groups/{FINANCE}")),
        (
            Method::GET,
            format!("/v1.0/users/{ADELE}/checkMemberGroups"),
        ),
        (Method::PATCH, format!("/v1.0/groups/{FINANCE}/members")),
    ] {
        let response = app
            .request(method.clone(), &path)
            .token(&token)
            .json(json!({}))
            .send()
            .await;
        let message = response.assert_error(405, "Request_BadRequest");
        assert_eq!(
            message, "Specified HTTP method is not allowed for the request target.",
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn malformed_json_is_400_and_creates_nothing() {
    let app = TestApp::new().await;
    let token = app.admin();
    for body in [
        "{\"displayName\": ",
        "not json",
        "",
        "[{\"displayName\": \"x\"}]",
        "\"a string\"",
        "null",
    ] {
        let response = app
            .post("/v1.0/groups")
            .token(&token)
            .raw_body("application/json", body)
            .send()
            .await;
        let message = response.assert_error(400, "BadRequest");
        assert_eq!(
            message,
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
            "{body:?}"
        );
    }
    let count = app
        .get("/v1.0/groups/$count")
        .eventual()
        .token(&token)
        .send()
        .await;
    assert_eq!(count.text, "8");
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = TestApp::new().await;
    let token = app.admin();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let response = app
            .patch(&format!("/v1.0/users/{ADELE}"))
            .token(&token)
            .raw_body(content_type, r#"{"jobTitle":"x"}"#)
            .send()
            .await;
        response.assert_error(415, "UnsupportedMediaType");
    }
    // No content type at all.
    let response = app
        .post(&format!("/v1.0/groups/{FINANCE}/members/$ref"))
        .token(&token)
        .send()
        .await;
    response.assert_error(415, "UnsupportedMediaType");
    // Parameters after the media type are fine.
    let response = app
        .patch(&format!("/v1.0/users/{ADELE}"))
        .token(&token)
        .raw_body("application/json; charset=utf-8", r#"{"jobTitle":"x"}"#)
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
}

#[tokio::test]
async fn body_over_the_limit_is_413_graph_shaped() {
    let app = TestApp::with_settings(Settings {
        body_limit: 1024,
        ..Default::default()
    })
    .await;
    let token = app.admin();
    let big = json!({"description": "x".repeat(2000)});
    let response = app
        .patch(&format!("/v1.0/groups/{FINANCE}"))
        .token(&token)
        .json(big)
        .send()
        .await;
    response.assert_error(413, "RequestEntityTooLarge");
    let read = app
        .get(&format!("/v1.0/groups/{FINANCE}"))
        .token(&token)
        .send()
        .await;
    assert_ne!(read.json["description"].as_str().map(str::len), Some(2000));
    // Under the limit still works.
    let response = app
        .patch(&format!("/v1.0/groups/{FINANCE}"))
        .token(&token)
        .json(json!({"description": "small"}))
        .send()
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
}

#[tokio::test]
async fn malformed_percent_encoding_in_the_query_is_400() {
    let app = TestApp::new().await;
    for path in [
        "/v1.0/users?$filter=displayName%20eq%20%27%FF%27",
        "/v1.0/users?%FF=1",
        "/v1.0/users?$select=id%E2%82",
    ] {
        let response = app.get(path).token(&app.admin()).send().await;
        let message = response.assert_error(400, "BadRequest");
        assert!(message.contains("percent-encoding"), "{path}: {message}");
    }
}

#[tokio::test]
async fn every_error_carries_request_id_headers() {
    let app = TestApp::new().await;
    let token = app.admin();
    let responses = [
        app.get("/v1.0/users").send().await,
        app.get("/v1.0/widgets").token(&token).send().await,
        app.request(Method::PUT, "/v1.0/users")
            .token(&token)
            .send()
            .await,
        app.get("/v1.0/users/$count").token(&token).send().await,
        app.get(&format!(
            "/v1.0/users/{}",
            "00000000-0000-4000-8000-00000000dead"
        ))
        .token(&token)
        .send()
        .await,
        app.post("/v1.0/groups")
            .token(&token)
            .raw_body("application/json", "{")
            .send()
            .await,
        app.get("/nowhere").send().await,
    ];
    for response in responses {
        let request_id = response.headers["request-id"].to_str().expect("ascii");
        let client_id = response.headers["client-request-id"]
            .to_str()
            .expect("ascii");
        assert!(uuid::Uuid::parse_str(request_id).is_ok(), "{request_id}");
        assert_eq!(
            response.json["error"]["innerError"]["request-id"], request_id,
            "{}",
            response.text
        );
        assert_eq!(
            response.json["error"]["innerError"]["client-request-id"],
            client_id
        );
        assert!(response.status.is_client_error(), "{}", response.status);
        assert!(response.json["error"]["code"].is_string());
    }
}

#[tokio::test]
async fn client_request_id_is_echoed_in_header_and_body() {
    let app = TestApp::new().await;
    let client_id = "7a1c7a1c-1111-4222-8333-444455556666";
    let response = app
        .get("/v1.0/widgets")
        .token(&app.admin())
        .header("client-request-id", client_id)
        .send()
        .await;
    response.assert_error(400, "BadRequest");
    assert_eq!(response.headers["client-request-id"], client_id);
    assert_eq!(
        response.json["error"]["innerError"]["client-request-id"],
        client_id
    );
    // Graph echoes it as the request id too (pnp/pnpframework#139).
    assert_eq!(response.headers["request-id"], client_id);
    assert_eq!(
        response.json["error"]["innerError"]["request-id"],
        client_id
    );
    // Successful responses carry the ids as well.
    let ok = app
        .get("/v1.0/users?$top=1")
        .token(&app.admin())
        .header("client-request-id", client_id)
        .send()
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.headers["client-request-id"], client_id);
    assert_eq!(ok.headers["odata-version"], "4.0");
    // Without one, two requests get two different ids.
    let a = app.get("/v1.0/widgets").send().await;
    let b = app.get("/v1.0/widgets").send().await;
    assert_ne!(a.headers["request-id"], b.headers["request-id"]);
}

#[tokio::test]
async fn error_envelope_has_graphs_shape() {
    let app = TestApp::new().await;
    let response = app
        .get("/v1.0/users/00000000-0000-4000-8000-00000000dead")
        .token(&app.admin())
        .header("client-request-id", "0f0f0f0f-0000-4000-8000-000000000000")
        .send()
        .await;
    assert_eq!(response.status, 404);
    assert!(
        response.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/json;odata.metadata=minimal")
    );
    insta::assert_json_snapshot!(response.redacted());
}
