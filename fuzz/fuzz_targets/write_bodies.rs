//! Arbitrary bodies, sent in-process through the real router to every write route that reads
//! JSON: the first byte picks the route (modulo their number), the rest is the body, sent as
//! `application/json` with a token that may call the route. The answer must never be a 5xx
//! (nor may any `$batch` item's), an error must be Graph-shaped, and a success must be an
//! empty body or a JSON object.
//!
//! State: one app for the whole process. After a control route (faults, throttling, clock,
//! tenants, resets) or a DELETE or `$batch` succeeds, everything is reset (faults cleared,
//! throttling off, clock real, tenants back to the fixtures, tokens minted again); writes of
//! users, groups, grants and settings are reset every `RESET_EVERY` iterations.
//!
//! Append new routes at the end: the committed seeds name routes by index.
#![no_main]

use std::sync::Mutex;

use axum::http::Method;
use libfuzzer_sys::fuzz_target;
use tenantsim::auth::token::GRAPH_AUDIENCE;
use tenantsim::builtin::PORTAL_APP_ID;
use tenantsim_fuzz::{
    ADELE, ADMIN, Answer, CONTOSO, LINKEDIN_PILOT, RETAIL_MUNICH, app, is_graph_error, runtime,
    says_not_stored,
};

/// Application roles for every Graph route here, so that each request reaches its body.
const ROLES: &[&str] = &[
    "Directory.ReadWrite.All",
    "User.ReadWrite.All",
    "Group.ReadWrite.All",
    "GroupMember.ReadWrite.All",
    "PeopleSettings.ReadWrite.All",
    "Policy.ReadWrite.Authorization",
    "Policy.Read.PermissionGrant",
    "DelegatedPermissionGrant.ReadWrite.All",
    "Application.Read.All",
    "Organization.ReadWrite.All",
    "RoleManagement.ReadWrite.Directory",
    "Directory.Read.All",
    "Application.ReadWrite.All",
];
/// Contoso Directory Sync's application object (`app_objects::derived_object_id`) and service
/// principal.
const SYNC_OBJECT: &str = "3b3e57a9-408f-4dee-8717-3d7268d51017";
const SYNC_SP: &str = "c0a70550-0000-4000-8000-000000000301";
/// A profile card property name (the fixtures hold none; this is a real attribute's).
const CARD_PROPERTY: &str = "customAttribute1";
/// Iterations between resets of the Graph objects the writes accumulate.
const RESET_EVERY: u64 = 2_000;

#[derive(Clone, Copy, PartialEq)]
enum Caller {
    /// App-only Graph token with `ROLES`.
    App,
    /// Delegated Graph token of the Contoso global administrator.
    Me,
    /// Delegated Azure-portal token of the Contoso global administrator.
    Portal,
    /// No token: the control API is open without `--admin-key`.
    Control,
}

struct Route {
    method: Method,
    path: String,
    caller: Caller,
}

struct State {
    routes: Vec<Route>,
    app_token: String,
    me_token: String,
    portal_token: String,
    iterations: u64,
}

fn route(method: Method, path: impl Into<String>, caller: Caller) -> Route {
    Route {
        method,
        path: path.into(),
        caller,
    }
}

fn routes(grant: &str) -> Vec<Route> {
    use Caller::{App, Control, Me, Portal};
    let mut out = vec![
        route(Method::POST, "/v1.0/users", App),
        route(Method::POST, "/beta/users", App),
        route(Method::PATCH, format!("/v1.0/users/{ADELE}"), App),
        route(Method::PATCH, format!("/beta/users/{ADELE}"), App),
        route(Method::PATCH, "/v1.0/me", Me),
        route(Method::POST, "/v1.0/groups", App),
        route(Method::PATCH, format!("/v1.0/groups/{LINKEDIN_PILOT}"), App),
        route(
            Method::POST,
            format!("/v1.0/groups/{LINKEDIN_PILOT}/members/$ref"),
            App,
        ),
        // Relationship `$ref` writes (src/graph/relations).
        route(
            Method::POST,
            format!("/v1.0/groups/{LINKEDIN_PILOT}/owners/$ref"),
            App,
        ),
        route(
            Method::POST,
            "/v1.0/servicePrincipals/c0a70550-0000-4000-8000-000000000301/owners/$ref",
            App,
        ),
        route(
            Method::POST,
            format!("/v1.0/applications/{SYNC_OBJECT}/owners/$ref"),
            App,
        ),
        route(
            Method::POST,
            format!("/v1.0/applications/{SYNC_OBJECT}/extensionProperties"),
            App,
        ),
        route(Method::PUT, format!("/v1.0/users/{ADELE}/manager/$ref"), App),
        route(Method::PUT, "/v1.0/me/manager/$ref", Me),
        route(Method::POST, "/v1.0/$batch", App),
        route(Method::POST, "/beta/$batch", App),
        route(Method::POST, "/v1.0/applications", App),
        route(
            Method::PATCH,
            format!("/v1.0/applications/{SYNC_OBJECT}"),
            App,
        ),
        route(
            Method::PATCH,
            "/v1.0/applications(uniqueName='fuzz-upsert')",
            App,
        ),
        route(
            Method::POST,
            format!("/v1.0/applications/{SYNC_OBJECT}/addPassword"),
            App,
        ),
        route(
            Method::POST,
            format!("/v1.0/applications/{SYNC_OBJECT}/removePassword"),
            App,
        ),
        route(Method::POST, "/v1.0/servicePrincipals", App),
        route(Method::PATCH, format!("/v1.0/servicePrincipals/{SYNC_SP}"), App),
        route(
            Method::PATCH,
            "/v1.0/servicePrincipals(appId='c0a70550-a990-4000-8000-000000000307')",
            App,
        ),
        route(Method::POST, "/v1.0/oauth2PermissionGrants", App),
        route(
            Method::PATCH,
            format!("/v1.0/oauth2PermissionGrants/{grant}"),
            App,
        ),
        route(
            Method::POST,
            "/v1.0/admin/people/profileCardProperties",
            App,
        ),
        route(
            Method::PATCH,
            format!("/v1.0/admin/people/profileCardProperties/{CARD_PROPERTY}"),
            App,
        ),
        route(Method::PATCH, "/v1.0/policies/authorizationPolicy", App),
        route(
            Method::PATCH,
            "/beta/policies/authorizationPolicy/authorizationPolicy",
            App,
        ),
        route(Method::PUT, "/api/Directories/Properties", Portal),
        route(Method::PUT, "/api/Directories/PropertiesV2", Portal),
    ];
    for action in [
        "checkMemberGroups",
        "checkMemberObjects",
        "getMemberGroups",
        "getMemberObjects",
    ] {
        for (collection, id) in [
            ("users", ADELE),
            ("groups", RETAIL_MUNICH),
            ("directoryObjects", ADELE),
        ] {
            out.push(route(
                Method::POST,
                format!("/v1.0/{collection}/{id}/{action}"),
                App,
            ));
        }
        out.push(route(Method::POST, format!("/v1.0/me/{action}"), Me));
    }
    out.extend([
        route(Method::DELETE, format!("/v1.0/users/{ADELE}"), App),
        route(
            Method::DELETE,
            format!("/v1.0/groups/{LINKEDIN_PILOT}"),
            App,
        ),
        route(
            Method::DELETE,
            format!("/v1.0/groups/{LINKEDIN_PILOT}/members/{ADELE}/$ref"),
            App,
        ),
        route(
            Method::DELETE,
            format!("/v1.0/oauth2PermissionGrants/{grant}"),
            App,
        ),
        route(
            Method::DELETE,
            format!("/v1.0/admin/people/profileCardProperties/{CARD_PROPERTY}"),
            App,
        ),
        route(Method::POST, "/_tenantsim/tenants", Control),
        route(Method::POST, "/_tenantsim/snapshot", Control),
        route(Method::POST, "/_tenantsim/faults", Control),
        route(Method::PUT, "/_tenantsim/throttling", Control),
        route(Method::PUT, "/_tenantsim/clock", Control),
        route(Method::POST, "/_tenantsim/tokens", Control),
        route(
            Method::PATCH,
            format!("/_tenantsim/tenants/{CONTOSO}/users/{ADELE}/linkedIn"),
            Control,
        ),
        route(
            Method::PATCH,
            format!("/_tenantsim/tenants/{CONTOSO}/linkedIn"),
            Control,
        ),
        route(Method::POST, "/_tenantsim/reset", Control),
        route(
            Method::POST,
            format!("/_tenantsim/tenants/{CONTOSO}/reset"),
            Control,
        ),
        // Organization, directory objects and roles (issue 12).
        route(Method::PATCH, format!("/v1.0/organization/{CONTOSO}"), App),
        route(Method::POST, "/v1.0/directoryObjects/getByIds", App),
        route(Method::POST, "/v1.0/users/getByIds", App),
        route(Method::POST, "/v1.0/groups/getByIds", App),
        route(Method::POST, "/v1.0/servicePrincipals/getByIds", App),
        route(Method::POST, "/v1.0/directoryRoles/getByIds", App),
        route(
            Method::POST,
            "/v1.0/directoryObjects/validateProperties",
            App,
        ),
        route(Method::POST, "/v1.0/directoryRoles", App),
        route(
            Method::POST,
            format!(
                "/v1.0/directoryRoles/{}/members/$ref",
                tenantsim::store::roles::role_object_id(
                    CONTOSO,
                    tenantsim::roles::GLOBAL_ADMINISTRATOR
                )
            ),
            App,
        ),
        // The beta profile's webAccounts (delegated only; the fixture's account on the admin).
        route(Method::POST, "/beta/me/profile/webAccounts", Me),
        route(
            Method::POST,
            format!("/beta/users/{ADMIN}/profile/webAccounts"),
            Me,
        ),
        route(
            Method::PATCH,
            "/beta/me/profile/webAccounts/c0a70550-0000-4000-8000-000000000901",
            Me,
        ),
    ]);
    out
}

/// Tokens signed with the app's current key (a reset may have replaced it).
async fn mint(state: &mut State) {
    let app = app();
    state.app_token = app.app_token(ROLES);
    state.me_token = app
        .user_token(
            ADMIN,
            GRAPH_AUDIENCE,
            &[
                "User.ReadWrite.All",
                "Directory.ReadWrite.All",
                "GroupMember.Read.All",
            ],
        )
        .await;
    state.portal_token = app
        .user_token(ADMIN, PORTAL_APP_ID, &["user_impersonation"])
        .await;
}

/// Control state and tenants back to the start: what every iteration assumes.
async fn reset(state: &mut State) {
    let app = app();
    // An import or a new tenant may have replaced what Contoso resets to.
    app.state
        .seeds
        .set_startup(tenantsim_fuzz::kept_seeds());
    for (method, path, body) in [
        (Method::DELETE, "/_tenantsim/faults", ""),
        (
            Method::PUT,
            "/_tenantsim/throttling",
            r#"{"enabled":false}"#,
        ),
        (Method::DELETE, "/_tenantsim/clock", ""),
        (Method::POST, "/_tenantsim/reset", ""),
    ] {
        let answer = app
            .send(
                method,
                path,
                None,
                Some("application/json"),
                body.as_bytes().to_vec(),
            )
            .await;
        assert!(answer.status.is_success(), "reset {path}: {}", answer.text);
    }
    mint(state).await;
}

fn state() -> &'static Mutex<State> {
    static STATE: std::sync::OnceLock<Mutex<State>> = std::sync::OnceLock::new();
    STATE.get_or_init(|| {
        runtime().block_on(async {
            let mut state = State {
                routes: Vec::new(),
                app_token: String::new(),
                me_token: String::new(),
                portal_token: String::new(),
                iterations: 0,
            };
            mint(&mut state).await;
            let grants = app()
                .send(
                    Method::GET,
                    "/v1.0/oauth2PermissionGrants",
                    Some(&state.app_token),
                    None,
                    Vec::new(),
                )
                .await;
            let grant = grants.json["value"][0]["id"]
                .as_str()
                .expect("a fixture grant")
                .to_owned();
            state.routes = routes(&grant);
            Mutex::new(state)
        })
    })
}

/// What is wrong with an answer, if anything.
fn judge(route: &Route, answer: &Answer) -> Option<String> {
    let status = answer.status;
    // A real Graph property tenantsim does not store is a valid body it does not emulate:
    // its designed answer is Graph's envelope with 501 `NotImplemented` (README D23).
    let message = answer.json["error"]["message"].as_str().unwrap_or_default();
    if status == 501
        && answer.json["error"]["code"] == "NotImplemented"
        && says_not_stored(message)
        && is_graph_error(&answer.json)
    {
        return None;
    }
    if status.is_server_error() {
        return Some(format!("status {status}"));
    }
    if status.is_client_error() {
        if !is_graph_error(&answer.json) {
            return Some(format!("{status} is not Graph-shaped"));
        }
        return None;
    }
    if !answer.text.is_empty() && !answer.json.is_object() {
        return Some(format!("{status} with a body that is not a JSON object"));
    }
    if route.path.ends_with("/$batch") && status.is_success() {
        let Some(responses) = answer.json["responses"].as_array() else {
            return Some("a batch answer without responses".to_owned());
        };
        for item in responses {
            let item_status = item["status"].as_u64().unwrap_or(0);
            if !(100..500).contains(&item_status) {
                return Some(format!("batch item {} answered {item_status}", item["id"]));
            }
            if item_status >= 400 && !is_graph_error(&item["body"]) {
                return Some(format!("batch item {} is not Graph-shaped", item["id"]));
            }
        }
    }
    None
}

fuzz_target!(
    // The shared state is built here, outside the runtime that the iterations block on.
    init: {
    app();
    state();
    },
    |data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let mut state = state().lock().unwrap_or_else(|p| p.into_inner());
    let state = &mut *state;
    let route = &state.routes[usize::from(selector) % state.routes.len()];
    let token = match route.caller {
        Caller::App => Some(state.app_token.as_str()),
        Caller::Me => Some(state.me_token.as_str()),
        Caller::Portal => Some(state.portal_token.as_str()),
        Caller::Control => None,
    };
    let (method, path, caller) = (route.method.clone(), route.path.clone(), route.caller);
    let answer = runtime().block_on(app().send(
        method.clone(),
        &path,
        token,
        Some("application/json"),
        body.to_vec(),
    ));
    if let Some(problem) = judge(route, &answer) {
        let excerpt: String = answer.text.chars().take(2_000).collect();
        panic!("{method} {path}: {problem}: {excerpt}");
    }
    state.iterations += 1;
    let changed_everything = answer.status.is_success()
        && (caller == Caller::Control || method == Method::DELETE || path.ends_with("/$batch"));
    if changed_everything || state.iterations.is_multiple_of(RESET_EVERY) {
        runtime().block_on(reset(state));
    }
});
