//! The permission matrix against Graph's documentation, not against tenantsim's own table:
//! `documented_permissions.json` (written by `tools/documented_permissions.py` from each
//! operation's Graph page) lists per operation the permissions the page names and the routes
//! it covers. Through real HTTP calls, for application and delegated tokens:
//!
//! - no permission is refused;
//! - each documented permission (or documented combination) alone is allowed;
//! - every other permission the data names, alone, is refused with Graph's 403
//!   `Authorization_RequestDenied` — unless the entry lists it as a divergence, which must then
//!   really be accepted (or, with `accepted: false`, really be refused).

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;

use super::*;

#[derive(Debug, Deserialize)]
pub(super) struct Documented {
    pub operations: Vec<Operation>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Operation {
    pub operation: String,
    pub source: String,
    pub routes: Vec<String>,
    pub application: Vec<String>,
    pub delegated: Vec<String>,
    #[serde(default)]
    pub delegated_roles: Vec<String>,
    #[serde(default)]
    pub divergences: Vec<Divergence>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Divergence {
    pub permission: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default = "accepted_by_default")]
    pub accepted: bool,
    pub reason: String,
}

fn accepted_by_default() -> bool {
    true
}

pub(super) fn documented_permissions() -> Documented {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api/security/documented_permissions.json");
    let text = std::fs::read_to_string(&path).expect("documented_permissions.json");
    serde_json::from_str(&text).expect("documented_permissions.json is well-formed")
}

/// `A and B` → [A, B].
fn parts(item: &str) -> Vec<&str> {
    item.split(" and ").map(str::trim).collect()
}

/// Every single permission the data names (documented or divergent).
pub(super) fn universe(data: &Documented) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for op in &data.operations {
        for item in op.application.iter().chain(&op.delegated) {
            out.extend(parts(item).into_iter().map(str::to_owned));
        }
        out.extend(op.divergences.iter().map(|d| d.permission.clone()));
    }
    out
}

/// The route as the data names it: method, version-free template, body variant; parameter
/// names are not compared (`{group}` and `{id}` are one route).
pub(super) fn key(route: &Route) -> String {
    let key = match &route.body {
        Some(body)
            if route.template == "/groups/{group}" && body.get("members@odata.bind").is_some() =>
        {
            format!("{} {} [members@odata.bind]", route.method, route.template)
        }
        _ => format!("{} {}", route.method, route.template),
    };
    unnamed(&key)
}

/// `{anything}` → `{}`.
pub(super) fn unnamed(route: &str) -> String {
    let mut out = String::with_capacity(route.len());
    let mut inside = false;
    for c in route.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

impl Operation {
    /// Whether the entry covers this route key.
    pub(super) fn covers(&self, key: &str) -> bool {
        self.routes.iter().any(|r| unnamed(r) == key)
    }
}

impl Operation {
    fn documented(&self, kind: &str) -> &[String] {
        if kind == "application" {
            &self.application
        } else {
            &self.delegated
        }
    }

    fn divergence(&self, kind: &str, permission: &str) -> Option<&Divergence> {
        self.divergences
            .iter()
            .find(|d| d.kind == kind && d.permission == permission)
    }
}

async fn token(app: &TestApp, kind: &str, permissions: &[&str]) -> String {
    if kind == "application" {
        app.app_token(CONTOSO, permissions)
    } else {
        delegated(app, CONTOSO, ADMIN, permissions, GRAPH_AUDIENCE).await
    }
}

#[test]
fn every_documented_entry_names_its_page_and_reasons() {
    let data = documented_permissions();
    assert!(
        data.operations.len() > 40,
        "{} operations",
        data.operations.len()
    );
    let mut seen = BTreeSet::new();
    for op in &data.operations {
        for route in &op.routes {
            assert!(seen.insert(unnamed(route)), "{route} is listed twice");
        }
        assert!(
            op.source
                .starts_with("https://learn.microsoft.com/graph/api/"),
            "{}: source {}",
            op.operation,
            op.source
        );
        assert!(!op.routes.is_empty(), "{}: no routes", op.operation);
        for d in &op.divergences {
            assert!(
                d.kind == "application" || d.kind == "delegated",
                "{}: divergence type {}",
                op.operation,
                d.kind
            );
            assert!(
                !d.reason.is_empty(),
                "{}: divergence without a reason",
                op.operation
            );
            assert!(
                !op.documented(&d.kind).contains(&d.permission),
                "{}: {} is both documented and a divergence",
                op.operation,
                d.permission
            );
        }
    }
}

#[tokio::test]
async fn enforcement_matches_the_permissions_graph_documents_for_every_operation() {
    let data = documented_permissions();
    let everything = universe(&data);
    let app = TestApp::new().await;
    let list = route_list(&app).await;
    let mut failures = Vec::new();
    let mut total = 0;
    let mut covered = BTreeSet::new();
    let mut refusals_checked = BTreeSet::new();
    for route in &list {
        let (me, enforced) = match route.kind {
            Kind::Op(set) => (false, set),
            Kind::Me(set) => (true, set),
            _ => continue,
        };
        let key = key(route);
        let Some(op) = data.operations.iter().find(|o| o.covers(&key)) else {
            failures.push(format!("{key}: no entry in documented_permissions.json"));
            continue;
        };
        covered.insert(key.clone());
        // Refusals are the same in v1.0 and beta: checked once per route.
        let check_refusals = refusals_checked.insert(key.clone());
        for kind in ["application", "delegated"] {
            if me && kind == "application" {
                continue; // /me with an app token is Graph's 400 (tested in security.rs).
            }
            let label = |what: &str| {
                format!(
                    "{} [{kind} {what}] (documented: {}; enforced: {enforced})",
                    route.label(),
                    op.source
                )
            };
            // No permission at all is refused.
            let response = send_with_token(&app, route, &token(&app, kind, &[]).await).await;
            total += 1;
            if let Err(e) = refused_403(route, &response) {
                failures.push(format!("{}: {e}", label("no permission")));
            }
            // Each documented permission or combination is allowed.
            for item in op.documented(kind) {
                let perms = parts(item);
                let response = send_with_token(&app, route, &token(&app, kind, &perms).await).await;
                total += 1;
                if let Err(e) = allowed(route, &response) {
                    failures.push(format!("{}: {e}", label(item)));
                }
                if route.writes() {
                    restore(&app).await;
                }
            }
            if !check_refusals {
                continue;
            }
            // Every other permission alone is refused, unless a listed divergence accepts it.
            for permission in &everything {
                if op.documented(kind).contains(permission) {
                    continue;
                }
                let divergence = op.divergence(kind, permission);
                let accept = divergence.is_some_and(|d| d.accepted);
                let response = send_with_token(
                    &app,
                    route,
                    &token(&app, kind, &[permission.as_str()]).await,
                )
                .await;
                total += 1;
                let result = if accept {
                    allowed(route, &response)
                } else {
                    refused_403(route, &response)
                };
                if let Err(e) = result {
                    let why = match divergence {
                        Some(d) => format!(" (divergence: {})", d.reason),
                        None => " (not documented)".to_owned(),
                    };
                    failures.push(format!("{}{why}: {e}", label(permission)));
                }
                if route.writes() && (accept || response.status.is_success()) {
                    restore(&app).await;
                }
            }
        }
        // Where the page names an admin role, a user without one is refused.
        if !op.delegated_roles.is_empty() {
            let perms: Vec<&str> = op.delegated.iter().flat_map(|i| parts(i)).collect();
            let token = delegated(&app, CONTOSO, ADELE, &perms, GRAPH_AUDIENCE).await;
            total += 1;
            if let Err(e) = refused_403(route, &send_with_token(&app, route, &token).await) {
                failures.push(format!("{} [delegated, no admin role]: {e}", route.label()));
            }
        }
    }
    let stale: Vec<&String> = data
        .operations
        .iter()
        .flat_map(|o| &o.routes)
        .filter(|r| !covered.contains(&unnamed(r)))
        .collect();
    assert!(
        stale.is_empty(),
        "entries for routes the security list does not have: {stale:?}"
    );
    report(&failures, total);
    assert!(total > 3_000, "only {total} documented-permission cases");
}
