//! The Rust test helper (`tenantsim::testing::TestTenant`) as a user's test suite would use it.

use tenantsim::testing::TestTenant;

use crate::common::raw_http;

fn get(base: &str, path: &str, token: &str) -> (u16, String) {
    let authorization = format!("Bearer {token}");
    raw_http(
        base.trim_start_matches("http://"),
        "GET",
        path,
        &[("Authorization", &authorization)],
        None,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_tenant_starts_on_free_ports_serves_graph_and_resets() {
    let sim = TestTenant::start().await.expect("start");
    assert!(sim.https_url().starts_with("https://localhost:"));
    assert!(sim.ca_path().exists());
    let token = sim.app_token(&["User.ReadWrite.All"]);
    let base = sim.http_url();
    let (status, body) = tokio::task::spawn_blocking({
        let base = base.clone();
        let token = token.clone();
        move || {
            get(
                &base,
                "/v1.0/users/AdeleV@contoso.onmicrosoft.com?$select=displayName",
                &token,
            )
        }
    })
    .await
    .expect("join");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Adele Vance"));

    let before = sim.snapshot().await.expect("snapshot");
    let mut conn = sim.state().db.begin_write().await.expect("tx");
    tenantsim::store::tenants::update_settings(&mut conn, sim.tenant_id(), "{}")
        .await
        .expect("write");
    conn.commit().await.expect("commit");
    assert_ne!(sim.snapshot().await.expect("snapshot"), before);
    sim.reset().await.expect("reset");
    assert_eq!(sim.snapshot().await.expect("snapshot"), before);

    let delegated = sim
        .user_token("AdeleV@contoso.onmicrosoft.com", &["User.Read"])
        .await
        .expect("token");
    let (status, body) =
        tokio::task::spawn_blocking(move || get(&base, "/v1.0/me?$select=id", &delegated))
            .await
            .expect("join");
    assert_eq!(status, 200, "{body}");
    sim.shutdown().await.expect("shutdown");
}
