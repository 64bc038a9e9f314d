//! Discovery (v2 and v1) on the request's origin, JWKS, instance discovery, user realm.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use super::*;

#[tokio::test]
async fn discovery_documents_use_the_request_origin() {
    let app = TestApp::new().await;
    for host in ["localhost:8443", "127.0.0.1:8443"] {
        let origin = format!("http://{host}");
        let v2 = app
            .get(&format!("/{CONTOSO}/v2.0/.well-known/openid-configuration"))
            .header("host", host)
            .send()
            .await;
        assert_eq!(v2.status, 200, "{}", v2.text);
        assert_eq!(v2.json["issuer"], format!("{origin}/{CONTOSO}/v2.0"));
        for (key, path) in [
            ("authorization_endpoint", "oauth2/v2.0/authorize"),
            ("token_endpoint", "oauth2/v2.0/token"),
            ("device_authorization_endpoint", "oauth2/v2.0/devicecode"),
            ("jwks_uri", "discovery/v2.0/keys"),
        ] {
            assert_eq!(v2.json[key], format!("{origin}/{CONTOSO}/{path}"), "{key}");
        }
        let v1 = app
            .get(&format!("/{CONTOSO}/.well-known/openid-configuration"))
            .header("host", host)
            .send()
            .await;
        assert_eq!(v1.status, 200, "{}", v1.text);
        assert_eq!(
            v1.json["issuer"],
            format!("https://sts.windows.net/{CONTOSO}/")
        );
        assert_eq!(
            v1.json["token_endpoint"],
            format!("{origin}/{CONTOSO}/oauth2/token")
        );
        assert_eq!(
            v1.json["authorization_endpoint"],
            format!("{origin}/{CONTOSO}/oauth2/authorize")
        );
    }
    // A verified domain names the tenant too; the document uses the id.
    let by_domain = app
        .get("/contoso.com/v2.0/.well-known/openid-configuration")
        .header("host", "localhost:8443")
        .send()
        .await;
    assert_eq!(
        by_domain.json["issuer"],
        format!("http://localhost:8443/{CONTOSO}/v2.0")
    );
    // Every endpoint the document lists is served.
    let authorize = app
        .get(&format!(
            "/{CONTOSO}/oauth2/v2.0/authorize?{}",
            encode(&[
                ("client_id", GRAPH_CLI),
                ("response_type", "code"),
                ("redirect_uri", "http://localhost"),
                ("scope", "openid")
            ])
        ))
        .send()
        .await;
    assert_eq!(authorize.status, 200, "{}", authorize.text);
}

#[tokio::test]
async fn jwks_n_and_e_verify_an_issued_token() {
    let app = TestApp::new().await;
    let keys = app
        .get(&format!("/{CONTOSO}/discovery/v2.0/keys"))
        .header("host", "localhost:8443")
        .send()
        .await;
    assert_eq!(keys.status, 200, "{}", keys.text);
    let key = &keys.json["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["use"], "sig");
    assert_eq!(
        key["issuer"],
        format!("http://localhost:8443/{CONTOSO}/v2.0")
    );
    let access_token = sync_token(&app).await;
    let header = jsonwebtoken::decode_header(&access_token).expect("header");
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let decoding = DecodingKey::from_rsa_components(
        key["n"].as_str().expect("n"),
        key["e"].as_str().expect("e"),
    )
    .expect("key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&["https://graph.microsoft.com"]);
    validation.set_issuer(&[format!("https://sts.windows.net/{CONTOSO}/")]);
    let data = jsonwebtoken::decode::<serde_json::Value>(&access_token, &decoding, &validation)
        .expect("verifies");
    assert_eq!(data.claims["tid"], CONTOSO);
    // The v1 key set holds the same key.
    let v1 = app.get("/common/discovery/keys").send().await;
    assert_eq!(v1.json["keys"][0]["n"], key["n"]);
}

#[tokio::test]
async fn instance_discovery_and_user_realm() {
    let app = TestApp::new().await;
    let query = encode(&[
        ("api-version", "1.1"),
        (
            "authorization_endpoint",
            &format!("https://localhost:8443/{CONTOSO}/oauth2/v2.0/authorize"),
        ),
    ]);
    let response = app
        .get(&format!("/common/discovery/instance?{query}"))
        .header("host", "localhost:8443")
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json["tenant_discovery_endpoint"],
        format!("http://localhost:8443/{CONTOSO}/v2.0/.well-known/openid-configuration")
    );
    assert_eq!(response.json["api-version"], "1.1");
    assert_eq!(
        response.json["metadata"][0]["aliases"],
        serde_json::json!(["localhost:8443"])
    );

    let realm = app
        .get(&format!("/common/userrealm/{ADELE_UPN}?api-version=1.0"))
        .send()
        .await;
    assert_eq!(realm.status, 200, "{}", realm.text);
    assert_eq!(realm.json["account_type"], "Managed");
    assert_eq!(realm.json["tenant_id"], CONTOSO);
    let unknown = app
        .get("/common/userrealm/someone@unknown.example?api-version=1.0")
        .send()
        .await;
    assert_ne!(unknown.json["account_type"], "Federated");
}

#[tokio::test]
async fn instance_discovery_refuses_an_authorize_url_on_another_host() {
    let app = TestApp::new().await;
    let discover = |endpoint: String| {
        let query = encode(&[
            ("api-version", "1.1"),
            ("authorization_endpoint", endpoint.as_str()),
        ]);
        app.get(&format!("/common/discovery/instance?{query}"))
            .header("host", "localhost:8443")
            .send()
    };
    for foreign in [
        format!("https://login.example.com/{CONTOSO}/oauth2/v2.0/authorize"),
        format!("https://localhost:9443/{CONTOSO}/oauth2/v2.0/authorize"),
        "not a url".to_owned(),
    ] {
        let refused = discover(foreign.clone()).await;
        assert_eq!(refused.status, 400, "{foreign}: {}", refused.text);
        assert_eq!(refused.json["error"], "invalid_instance", "{foreign}");
        assert_eq!(refused.json["error_codes"], serde_json::json!([50049]));
        assert!(
            refused.json["error_description"]
                .as_str()
                .unwrap()
                .starts_with("AADSTS50049: Unknown or invalid instance."),
            "{}",
            refused.text
        );
    }
    // The host in any case, and with the scheme's default port spelled out, is tenantsim's.
    let same = discover(format!(
        "HTTPS://LOCALHOST:8443/{CONTOSO}/oauth2/v2.0/authorize"
    ))
    .await;
    assert_eq!(same.status, 200, "{}", same.text);
}

#[tokio::test]
async fn a_get_on_a_token_endpoint_is_aadsts900561() {
    let app = TestApp::new().await;
    for path in [
        format!("/{CONTOSO}/oauth2/v2.0/token"),
        format!("/{CONTOSO}/oauth2/token"),
        "/common/oauth2/v2.0/token".to_owned(),
    ] {
        let response = app.get(&path).send().await;
        assert_eq!(response.status, 400, "{path}: {}", response.text);
        assert_eq!(response.json["error"], "invalid_request");
        assert_eq!(response.json["error_codes"], serde_json::json!([900561]));
        assert!(
            response.json["error_description"]
                .as_str()
                .unwrap()
                .starts_with(
                    "AADSTS900561: The endpoint only accepts POST requests. Received a GET request."
                ),
            "{}",
            response.text
        );
    }
}

#[tokio::test]
async fn identity_answers_carry_no_graph_only_headers() {
    let app = TestApp::new().await;
    let identity = [
        app.get(&format!("/{CONTOSO}/v2.0/.well-known/openid-configuration"))
            .send()
            .await,
        app.get("/common/discovery/keys").send().await,
        app.get(&format!("/{CONTOSO}/oauth2/v2.0/token"))
            .send()
            .await,
        token(&app, CONTOSO, &[("grant_type", "client_credentials")]).await,
    ];
    for response in &identity {
        assert!(
            response.headers.contains_key("request-id"),
            "{}",
            response.text
        );
        for graph_only in ["x-ms-ags-diagnostic", "odata-version"] {
            assert!(
                !response.headers.contains_key(graph_only),
                "{graph_only} on {}",
                response.text
            );
        }
    }
    let graph = app.get("/v1.0/users").token(&app.admin()).send().await;
    assert_eq!(graph.status, 200, "{}", graph.text);
    assert_eq!(graph.headers["odata-version"], "4.0");
    assert!(graph.headers.contains_key("x-ms-ags-diagnostic"));
}
