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
