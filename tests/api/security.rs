//! Security over every route that takes a bearer token (Graph v1.0 and beta, `$batch`, the
//! portal's `api/Directories/Properties`, `/oidc/userinfo`) and over the control API and the
//! pages that an admin key guards:
//!
//! - forged, tampered, expired, misaddressed and missing tokens → 401 in the route's shape and
//!   nothing changes;
//! - a token of another tenant finds none of Contoso's objects and changes nothing;
//! - the permission matrix: each permission Graph's documentation lists for the operation is
//!   allowed alone, every other permission alone is refused (documented divergences aside), no
//!   permission is refused (`documented.rs`, against `documented_permissions.json`);
//! - without the permission an unknown id is the same 403 as a real one (no probing);
//! - with `--admin-key` every control route and page refuses a missing or wrong key, and the
//!   real binary refuses a non-loopback bind without a (non-empty) key.
//!
//! The route list is checked against the routers in `src/` and the README tables, so a new
//! route cannot be added without being attacked here.

mod documented;
mod imports;
mod relations;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};

use axum::http::Method;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::common::*;
use tenantsim::auth::keys::SigningKeys;
use tenantsim::auth::token::{self, GRAPH_AUDIENCE, Subject};
use tenantsim::builtin;

const PORTAL_APP: &str = builtin::PORTAL_APP_ID;
const UNKNOWN_ID: &str = "00000000-0000-4000-8000-0000000000ff";
const UNKNOWN_TENANT: &str = "0badbad0-0000-4000-8000-000000000001";
/// An application the fixtures hold no grant for (tests/api/grants.rs).
const TEAM_PORTAL: &str = "c0a70550-0000-4000-8000-000000000305";
const SYNC_APP: &str = "c0a70550-a990-4000-8000-000000000301";
const SYNC_SECRET: &str = "sync-secret-Passw0rd!";
const SYNC_SP_ID: &str = "c0a70550-0000-4000-8000-000000000301";
/// The fixture application without a service principal.
const UNPUBLISHED_APP: &str = "c0a70550-a990-4000-8000-000000000307";
const DIEGO_USER_ADMIN: &str = "DiegoS@contoso.onmicrosoft.com";
const PROPERTY: &str = "CustomAttribute1";
/// The fixture's web account on the admin's beta profile (`settings.webAccounts`).
const WEB_ACCOUNT: &str = "c0a70550-0000-4000-8000-000000000901";
const GROUPS_READ: &str = "List/get groups, members, transitiveMembers";
const MEMBERSHIP: &str =
    "memberOf, transitiveMemberOf, checkMemberGroups, checkMemberObjects, getMemberGroups";
const MEMBERS_WRITE: &str = "Add/remove group members";

// ---------------------------------------------------------------------------------------------
// The README's tables.

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md")
}

fn section(readme: &str, name: &str) -> String {
    let start = format!("<!-- {name}:start -->");
    let end = format!("<!-- {name}:end -->");
    let from = readme.find(&start).expect("start marker") + start.len();
    let to = readme.find(&end).expect("end marker");
    readme[from..to].to_owned()
}

/// The cells of a markdown table's body rows (`\|` inside a cell kept as `¦`).
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---"))
        .skip(1)
        .map(|l| {
            l.replace("\\|", "¦")
                .trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

/// Every permission Graph's documentation names for the operations here
/// (`security/documented_permissions.json`) and every permission tenantsim enforces.
fn every_permission() -> BTreeSet<String> {
    let mut all = documented::universe(&documented::documented_permissions());
    for set in tenantsim::auth::permissions::ALL {
        all.extend(
            set.application
                .iter()
                .chain(set.delegated)
                .map(|p| p.to_string()),
        );
    }
    all
}

// ---------------------------------------------------------------------------------------------
// The routes.

/// What a route needs besides a valid token.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// Needs a permission; the label names tenantsim's permission set (the documented
    /// operation is found in `documented_permissions.json` by method and template).
    Op(&'static str),
    /// A `/me` route: delegated tokens only (app tokens → 400).
    Me(&'static str),
    /// `$batch`: items are authorized one by one.
    Batch,
    /// The portal API (D19): an admin or reader role to read, a Global Administrator to write.
    PortalRead,
    PortalWrite,
    /// `/oidc/userinfo`: any delegated Graph token.
    UserInfo,
    /// Registered in this version but answers an error once authenticated (beta-only routes
    /// under v1.0 and the reverse): token attacks only.
    Absent,
}

#[derive(Clone, Debug)]
struct Route {
    method: Method,
    /// `v1.0` or `beta` for Graph, `None` for the portal and the identity platform.
    version: Option<&'static str>,
    /// The router's path, version-free (`/users/{user}`).
    template: &'static str,
    /// The path sent, with Contoso's objects.
    path: String,
    body: Option<Value>,
    kind: Kind,
    /// The Contoso object (id, UPN, name) the path addresses, if any.
    object: Option<String>,
}

impl Route {
    fn label(&self) -> String {
        match &self.body {
            Some(body)
                if self.template == "/groups/{group}"
                    && body.get("members@odata.bind").is_some() =>
            {
                format!(
                    "{} {} [members@odata.bind]",
                    self.method,
                    self.full_template()
                )
            }
            _ => format!("{} {}", self.method, self.full_template()),
        }
    }

    fn full_template(&self) -> String {
        match self.version {
            Some(v) => format!("/{v}{}", self.template),
            None => self.template.to_owned(),
        }
    }

    fn writes(&self) -> bool {
        self.method != Method::GET
    }

    fn is_portal(&self) -> bool {
        matches!(self.kind, Kind::PortalRead | Kind::PortalWrite)
    }
}

/// Ids of Contoso objects the routes address, read from the running app.
struct Ids {
    grant: String,
    sp: String,
    sp_app_id: String,
    pilot_member: String,
}

impl Ids {
    async fn read(app: &TestApp) -> Self {
        let admin = all_app_token(app, CONTOSO);
        let grants = app
            .get("/v1.0/oauth2PermissionGrants")
            .token(&admin)
            .send()
            .await;
        let grant = grants.json["value"][0]["id"]
            .as_str()
            .expect("a grant")
            .to_owned();
        let sps = app
            .get("/v1.0/servicePrincipals?$top=999")
            .token(&admin)
            .send()
            .await;
        // A fixture application's service principal: built-ins share their appId across
        // tenants, fixture apps do not.
        let sp = sps.json["value"]
            .as_array()
            .expect("service principals")
            .iter()
            .find(|sp| {
                sp["id"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("c0a70550"))
            })
            .expect("a fixture service principal")
            .clone();
        let members = app
            .get(&format!("/v1.0/groups/{LINKEDIN_PILOT}/members"))
            .token(&admin)
            .send()
            .await;
        let pilot_member = members.ids().first().expect("a member").clone();
        Self {
            grant,
            sp: sp["id"].as_str().expect("id").to_owned(),
            sp_app_id: sp["appId"].as_str().expect("appId").to_owned(),
            pilot_member,
        }
    }
}

fn new_user() -> Value {
    json!({
        "accountEnabled": true, "displayName": "Security Probe", "mailNickname": "secprobe",
        "userPrincipalName": "secprobe@contoso.onmicrosoft.com",
        "passwordProfile": {"forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d"}
    })
}

fn new_group() -> Value {
    json!({"displayName": "Security Probe", "mailEnabled": false, "mailNickname": "secprobe", "securityEnabled": true})
}

fn bind(id: &str) -> Value {
    json!({"members@odata.bind": [format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}")]})
}

/// Every route that takes a bearer token, with a request that succeeds for a caller holding
/// the permission.
fn routes(ids: &Ids) -> Vec<Route> {
    let mut out = Vec::new();
    for v in ["v1.0", "beta"] {
        let beta = v == "beta";
        let mut add = |method: Method,
                       template: &'static str,
                       path: String,
                       body: Option<Value>,
                       kind: Kind,
                       object: Option<&str>| {
            out.push(Route {
                method,
                version: Some(v),
                template,
                path: format!("/{v}{path}"),
                body,
                kind,
                object: object.map(str::to_owned),
            })
        };
        use Kind::{Absent, Batch, Me, Op};
        const USERS_READ: &str = "List/get users";
        const USERS_WRITE: &str = "Create/update/delete users";
        const GROUPS_WRITE: &str = "Create/update/delete groups";
        const GRANTS_READ: &str = "List/get oauth2PermissionGrants (all, of a user, /me)";
        const GRANTS_WRITE: &str = "Create/update/delete oauth2PermissionGrants";
        const PEOPLE_READ: &str = "Read people admin settings and profile card properties";
        const PEOPLE_WRITE: &str = "Create/update/delete profile card properties";
        const SP_READ: &str = "List/get servicePrincipals";
        let get = || Method::GET;
        // Users.
        add(get(), "/users", "/users".into(), None, Op(USERS_READ), None);
        add(
            Method::POST,
            "/users",
            "/users".into(),
            Some(new_user()),
            Op(USERS_WRITE),
            None,
        );
        add(
            get(),
            "/users/{user}",
            format!("/users/{ADELE}"),
            None,
            Op(USERS_READ),
            Some(ADELE),
        );
        add(
            Method::PATCH,
            "/users/{user}",
            format!("/users/{ADELE}"),
            Some(json!({"jobTitle": "Probe"})),
            Op(USERS_WRITE),
            Some(ADELE),
        );
        add(
            Method::DELETE,
            "/users/{user}",
            format!("/users/{ALEX}"),
            None,
            Op(USERS_WRITE),
            Some(ALEX),
        );
        add(
            get(),
            "/users/$count",
            "/users/$count".into(),
            None,
            Op(USERS_READ),
            None,
        );
        add(get(), "/me", "/me".into(), None, Me("Get /me"), None);
        add(
            Method::PATCH,
            "/me",
            "/me".into(),
            Some(json!({"jobTitle": "Probe"})),
            Me("Update /me"),
            None,
        );
        // Groups.
        add(
            get(),
            "/groups",
            "/groups".into(),
            None,
            Op(GROUPS_READ),
            None,
        );
        add(
            Method::POST,
            "/groups",
            "/groups".into(),
            Some(new_group()),
            Op(GROUPS_WRITE),
            None,
        );
        add(
            get(),
            "/groups/{group}",
            format!("/groups/{LINKEDIN_PILOT}"),
            None,
            Op(GROUPS_READ),
            Some(LINKEDIN_PILOT),
        );
        add(
            Method::PATCH,
            "/groups/{group}",
            format!("/groups/{FINANCE}"),
            Some(json!({"description": "Probe"})),
            Op(GROUPS_WRITE),
            Some(FINANCE),
        );
        add(
            Method::PATCH,
            "/groups/{group}",
            format!("/groups/{LINKEDIN_PILOT}"),
            Some(bind(LYNNE_NO_GROUPS)),
            Op(MEMBERS_WRITE),
            Some(LINKEDIN_PILOT),
        );
        add(
            Method::DELETE,
            "/groups/{group}",
            format!("/groups/{IT_ADMINS}"),
            None,
            Op(GROUPS_WRITE),
            Some(IT_ADMINS),
        );
        add(
            get(),
            "/groups/$count",
            "/groups/$count".into(),
            None,
            Op(GROUPS_READ),
            None,
        );
        add(
            get(),
            "/groups/delta",
            "/groups/delta".into(),
            None,
            Op(GROUPS_READ),
            None,
        );
        for spelling in ["/groups/delta()", "/groups/microsoft.graph.delta()"] {
            add(
                get(),
                spelling,
                spelling.into(),
                None,
                Op(GROUPS_READ),
                None,
            );
        }
        // Membership.
        for (template, suffix) in [
            ("/groups/{group}/members", "/members"),
            ("/groups/{group}/members/$count", "/members/$count"),
            (
                "/groups/{group}/members/microsoft.graph.user",
                "/members/microsoft.graph.user?$count=true",
            ),
            (
                "/groups/{group}/members/microsoft.graph.group",
                "/members/microsoft.graph.group?$count=true",
            ),
            ("/groups/{group}/transitiveMembers", "/transitiveMembers"),
            (
                "/groups/{group}/transitiveMembers/$count",
                "/transitiveMembers/$count",
            ),
            (
                "/groups/{group}/transitiveMembers/microsoft.graph.user",
                "/transitiveMembers/microsoft.graph.user?$count=true",
            ),
            (
                "/groups/{group}/transitiveMembers/microsoft.graph.group",
                "/transitiveMembers/microsoft.graph.group?$count=true",
            ),
        ] {
            add(
                get(),
                template,
                format!("/groups/{RETAIL_EUROPE}{suffix}"),
                None,
                Op(GROUPS_READ),
                Some(RETAIL_EUROPE),
            );
        }
        add(
            Method::POST,
            "/groups/{group}/members/$ref",
            format!("/groups/{LINKEDIN_PILOT}/members/$ref"),
            Some(reference(LYNNE_NO_GROUPS)),
            Op(MEMBERS_WRITE),
            Some(LINKEDIN_PILOT),
        );
        add(
            Method::DELETE,
            "/groups/{group}/members/{member}/$ref",
            format!("/groups/{LINKEDIN_PILOT}/members/{}/$ref", ids.pilot_member),
            None,
            Op(MEMBERS_WRITE),
            Some(LINKEDIN_PILOT),
        );
        for (template, path, object) in [
            (
                "/groups/{group}/memberOf",
                format!("/groups/{RETAIL_MUNICH}/memberOf"),
                RETAIL_MUNICH,
            ),
            (
                "/groups/{group}/transitiveMemberOf",
                format!("/groups/{RETAIL_MUNICH}/transitiveMemberOf"),
                RETAIL_MUNICH,
            ),
            (
                "/users/{user}/memberOf",
                format!("/users/{ADELE}/memberOf"),
                ADELE,
            ),
            (
                "/users/{user}/transitiveMemberOf",
                format!("/users/{ADELE}/transitiveMemberOf"),
                ADELE,
            ),
        ] {
            add(get(), template, path, None, Op(MEMBERSHIP), Some(object));
        }
        add(
            get(),
            "/me/memberOf",
            "/me/memberOf".into(),
            None,
            Me(MEMBERSHIP),
            None,
        );
        add(
            get(),
            "/me/transitiveMemberOf",
            "/me/transitiveMemberOf".into(),
            None,
            Me(MEMBERSHIP),
            None,
        );
        // The membership checks, on every subject.
        for (action, body) in [
            ("checkMemberGroups", json!({"groupIds": [LINKEDIN_PILOT]})),
            ("checkMemberObjects", json!({"ids": [LINKEDIN_PILOT]})),
            ("getMemberGroups", json!({"securityEnabledOnly": false})),
            ("getMemberObjects", json!({"securityEnabledOnly": false})),
        ] {
            let sp = ids.sp.as_str();
            let templates: [(&'static str, &'static str, &str); 4] = match action {
                "checkMemberGroups" => [
                    ("/users/{user}/checkMemberGroups", "users", ADELE),
                    ("/groups/{group}/checkMemberGroups", "groups", RETAIL_MUNICH),
                    (
                        "/directoryObjects/{id}/checkMemberGroups",
                        "directoryObjects",
                        ADELE,
                    ),
                    (
                        "/servicePrincipals/{id}/checkMemberGroups",
                        "servicePrincipals",
                        sp,
                    ),
                ],
                "checkMemberObjects" => [
                    ("/users/{user}/checkMemberObjects", "users", ADELE),
                    (
                        "/groups/{group}/checkMemberObjects",
                        "groups",
                        RETAIL_MUNICH,
                    ),
                    (
                        "/directoryObjects/{id}/checkMemberObjects",
                        "directoryObjects",
                        ADELE,
                    ),
                    (
                        "/servicePrincipals/{id}/checkMemberObjects",
                        "servicePrincipals",
                        sp,
                    ),
                ],
                "getMemberGroups" => [
                    ("/users/{user}/getMemberGroups", "users", ADELE),
                    ("/groups/{group}/getMemberGroups", "groups", RETAIL_MUNICH),
                    (
                        "/directoryObjects/{id}/getMemberGroups",
                        "directoryObjects",
                        ADELE,
                    ),
                    (
                        "/servicePrincipals/{id}/getMemberGroups",
                        "servicePrincipals",
                        sp,
                    ),
                ],
                _ => [
                    ("/users/{user}/getMemberObjects", "users", ADELE),
                    ("/groups/{group}/getMemberObjects", "groups", RETAIL_MUNICH),
                    (
                        "/directoryObjects/{id}/getMemberObjects",
                        "directoryObjects",
                        ADELE,
                    ),
                    (
                        "/servicePrincipals/{id}/getMemberObjects",
                        "servicePrincipals",
                        sp,
                    ),
                ],
            };
            for (template, set, object) in templates {
                add(
                    Method::POST,
                    template,
                    format!("/{set}/{object}/{action}"),
                    Some(body.clone()),
                    Op(MEMBERSHIP),
                    Some(object),
                );
            }
            let me: &'static str = match action {
                "checkMemberGroups" => "/me/checkMemberGroups",
                "checkMemberObjects" => "/me/checkMemberObjects",
                "getMemberGroups" => "/me/getMemberGroups",
                _ => "/me/getMemberObjects",
            };
            add(
                Method::POST,
                me,
                me.into(),
                Some(body),
                Me(MEMBERSHIP),
                None,
            );
        }
        // Service principals.
        add(
            get(),
            "/servicePrincipals",
            "/servicePrincipals".into(),
            None,
            Op(SP_READ),
            None,
        );
        add(
            get(),
            "/servicePrincipals/$count",
            "/servicePrincipals/$count".into(),
            None,
            Op(SP_READ),
            None,
        );
        add(
            get(),
            "/servicePrincipals/{sp}",
            format!("/servicePrincipals/{}", ids.sp),
            None,
            Op(SP_READ),
            Some(&ids.sp),
        );
        add(
            get(),
            "/servicePrincipals(appId={key}",
            format!("/servicePrincipals(appId='{}')", ids.sp_app_id),
            None,
            Op(SP_READ),
            Some(&ids.sp_app_id),
        );
        add(
            get(),
            "/servicePrincipals/{sp}/oauth2PermissionGrants",
            format!("/servicePrincipals/{}/oauth2PermissionGrants", ids.sp),
            None,
            Op("List a servicePrincipal's oauth2PermissionGrants"),
            Some(&ids.sp),
        );
        for (template, suffix) in [
            (
                "/servicePrincipals/{sp}/appRoleAssignedTo",
                "appRoleAssignedTo",
            ),
            (
                "/servicePrincipals/{sp}/appRoleAssignments",
                "appRoleAssignments",
            ),
        ] {
            add(
                get(),
                template,
                format!("/servicePrincipals/{}/{suffix}", ids.sp),
                None,
                Op("servicePrincipal appRoleAssignedTo, appRoleAssignments"),
                Some(&ids.sp),
            );
        }
        // Applications and service-principal writes (tests/api/applications.rs).
        const APPS_READ: &str = "List/get applications";
        const APPS_CREATE: &str = "Create applications";
        const APPS_WRITE: &str = "Update/delete applications, addPassword/removePassword";
        const SP_WRITE: &str = "Create/update/delete servicePrincipals";
        let sync_object = tenantsim::app_objects::derived_object_id(CONTOSO, SYNC_APP);
        let by_app_id = format!("/applications(appId='{SYNC_APP}')");
        let by_name = "/applications(uniqueName='contoso-directory-sync')".to_owned();
        add(
            get(),
            "/applications",
            "/applications".into(),
            None,
            Op(APPS_READ),
            None,
        );
        add(
            Method::POST,
            "/applications",
            "/applications".into(),
            Some(json!({"displayName": "Security Probe"})),
            Op(APPS_CREATE),
            None,
        );
        add(
            get(),
            "/applications/$count",
            "/applications/$count".into(),
            None,
            Op(APPS_READ),
            None,
        );
        for (template, path) in [
            (
                "/applications/{key}",
                format!("/applications/{sync_object}"),
            ),
            ("/applications(appId={key}", by_app_id.clone()),
            ("/applications(uniqueName={key}", by_name.clone()),
        ] {
            // A copy of Contoso has its own app of that uniqueName: no Contoso id to probe.
            let object = (!template.contains("uniqueName")).then_some(sync_object.as_str());
            add(get(), template, path.clone(), None, Op(APPS_READ), object);
            add(
                Method::PATCH,
                template,
                path.clone(),
                Some(json!({"notes": "probe"})),
                Op(APPS_WRITE),
                object,
            );
            add(Method::DELETE, template, path, None, Op(APPS_WRITE), object);
        }
        let sync_key_id = tenantsim::app_objects::derived_key_id(
            SYNC_APP,
            &tenantsim::fixtures::password_digest(SYNC_SECRET),
        );
        for (template, path) in [
            (
                "/applications/{key}/addPassword",
                format!("/applications/{sync_object}/addPassword"),
            ),
            (
                "/applications(appId={key}/addPassword",
                format!("{by_app_id}/addPassword"),
            ),
        ] {
            add(
                Method::POST,
                template,
                path,
                Some(json!({"passwordCredential": {"displayName": "probe"}})),
                Op(APPS_WRITE),
                Some(&sync_object),
            );
        }
        for (template, path) in [
            (
                "/applications/{key}/removePassword",
                format!("/applications/{sync_object}/removePassword"),
            ),
            (
                "/applications(appId={key}/removePassword",
                format!("{by_app_id}/removePassword"),
            ),
        ] {
            add(
                Method::POST,
                template,
                path,
                Some(json!({"keyId": sync_key_id})),
                Op(APPS_WRITE),
                Some(&sync_object),
            );
        }
        // Directory extensions (tests/api/extension_properties.rs).
        const EXTENSIONS_WRITE: &str = "Create/delete directory extensions (extensionProperties)";
        let extensions = format!("/applications/{sync_object}/extensionProperties");
        let badge = format!("{extensions}/c0a70550-e470-4000-8000-000000000301");
        add(
            get(),
            "/applications/{key}/extensionProperties",
            extensions.clone(),
            None,
            Op(APPS_READ),
            Some(&sync_object),
        );
        add(
            Method::POST,
            "/applications/{key}/extensionProperties",
            extensions,
            Some(json!({"name": "probe", "dataType": "String", "targetObjects": ["User"]})),
            Op(EXTENSIONS_WRITE),
            Some(&sync_object),
        );
        add(
            get(),
            "/applications/{key}/extensionProperties/{extension}",
            badge.clone(),
            None,
            Op(APPS_READ),
            Some(&sync_object),
        );
        add(
            Method::DELETE,
            "/applications/{key}/extensionProperties/{extension}",
            badge,
            None,
            Op(EXTENSIONS_WRITE),
            Some(&sync_object),
        );
        add(
            Method::POST,
            "/servicePrincipals",
            "/servicePrincipals".into(),
            Some(json!({"appId": UNPUBLISHED_APP})),
            Op(SP_WRITE),
            None,
        );
        add(
            Method::PATCH,
            "/servicePrincipals/{sp}",
            format!("/servicePrincipals/{SYNC_SP_ID}"),
            Some(json!({"tags": ["probe"]})),
            Op(SP_WRITE),
            Some(SYNC_SP_ID),
        );
        add(
            Method::DELETE,
            "/servicePrincipals/{sp}",
            format!("/servicePrincipals/{SYNC_SP_ID}"),
            None,
            Op(SP_WRITE),
            Some(SYNC_SP_ID),
        );
        add(
            Method::PATCH,
            "/servicePrincipals(appId={key}",
            format!("/servicePrincipals(appId='{SYNC_APP}')"),
            Some(json!({"tags": ["probe"]})),
            Op(SP_WRITE),
            Some(SYNC_SP_ID),
        );
        add(
            Method::DELETE,
            "/servicePrincipals(appId={key}",
            format!("/servicePrincipals(appId='{SYNC_APP}')"),
            None,
            Op(SP_WRITE),
            Some(SYNC_SP_ID),
        );
        // Delegated permission grants.
        add(
            get(),
            "/oauth2PermissionGrants",
            "/oauth2PermissionGrants".into(),
            None,
            Op(GRANTS_READ),
            None,
        );
        add(
            Method::POST,
            "/oauth2PermissionGrants",
            "/oauth2PermissionGrants".into(),
            Some(json!({
                "clientId": TEAM_PORTAL, "consentType": "AllPrincipals",
                "resourceId": builtin::graph_sp_id(CONTOSO), "scope": "User.Read"
            })),
            Op(GRANTS_WRITE),
            None,
        );
        let grant = format!("/oauth2PermissionGrants/{}", ids.grant);
        add(
            get(),
            "/oauth2PermissionGrants/{grant}",
            grant.clone(),
            None,
            Op(GRANTS_READ),
            Some(&ids.grant),
        );
        add(
            Method::PATCH,
            "/oauth2PermissionGrants/{grant}",
            grant.clone(),
            Some(json!({"scope": "User.Read"})),
            Op(GRANTS_WRITE),
            Some(&ids.grant),
        );
        add(
            Method::DELETE,
            "/oauth2PermissionGrants/{grant}",
            grant,
            None,
            Op(GRANTS_WRITE),
            Some(&ids.grant),
        );
        add(
            get(),
            "/users/{user}/oauth2PermissionGrants",
            format!("/users/{ADELE}/oauth2PermissionGrants"),
            None,
            Op(GRANTS_READ),
            Some(ADELE),
        );
        add(
            get(),
            "/me/oauth2PermissionGrants",
            "/me/oauth2PermissionGrants".into(),
            None,
            Me(GRANTS_READ),
            None,
        );
        // People settings and profile card properties.
        add(
            get(),
            "/admin/people",
            "/admin/people".into(),
            None,
            Op(PEOPLE_READ),
            None,
        );
        add(
            get(),
            "/admin/people/profileCardProperties",
            "/admin/people/profileCardProperties".into(),
            None,
            Op(PEOPLE_READ),
            None,
        );
        add(
            Method::POST,
            "/admin/people/profileCardProperties",
            "/admin/people/profileCardProperties".into(),
            Some(
                json!({"directoryPropertyName": "CustomAttribute2", "annotations": [{"displayName": "Probe"}]}),
            ),
            Op(PEOPLE_WRITE),
            None,
        );
        let property = format!("/admin/people/profileCardProperties/{PROPERTY}");
        add(
            get(),
            "/admin/people/profileCardProperties/{name}",
            property.clone(),
            None,
            Op(PEOPLE_READ),
            Some(PROPERTY),
        );
        add(
            Method::PATCH,
            "/admin/people/profileCardProperties/{name}",
            property.clone(),
            Some(json!({"annotations": [{"displayName": "Probe"}]})),
            Op(PEOPLE_WRITE),
            Some(PROPERTY),
        );
        add(
            Method::DELETE,
            "/admin/people/profileCardProperties/{name}",
            property,
            None,
            Op(PEOPLE_WRITE),
            Some(PROPERTY),
        );
        // The beta profile (a v1.0 path answers Graph's unknown-segment error).
        add(
            get(),
            "/users/{user}/profile",
            format!("/users/{ADELE}/profile"),
            None,
            if beta { Op(USERS_READ) } else { Absent },
            Some(ADELE),
        );
        add(
            get(),
            "/me/profile",
            "/me/profile".into(),
            None,
            if beta { Me("Get /me") } else { Absent },
            None,
        );
        // The beta profile's webAccounts: delegated only; the signed-in admin's own profile
        // (User.Read / User.ReadWrite reach only that), the fixture's GitHub account. No
        // `object`: applications are refused before any lookup (403, not another tenant's
        // 404); a delegated caller of another tenant gets 404 (profile.rs).
        const WA_READ: &str = "List/get profile webAccounts (beta)";
        const WA_WRITE: &str = "Create/update/delete profile webAccounts (beta)";
        let account = format!("/profile/webAccounts/{WEB_ACCOUNT}");
        let new_account = || Some(json!({"userId": "probe", "service": {"name": "GitHub"}}));
        let beta_or = |kind: Kind| if beta { kind } else { Absent };
        add(
            get(),
            "/users/{user}/profile/webAccounts",
            format!("/users/{ADMIN}/profile/webAccounts"),
            None,
            beta_or(Op(WA_READ)),
            None,
        );
        add(
            Method::POST,
            "/users/{user}/profile/webAccounts",
            format!("/users/{ADMIN}/profile/webAccounts"),
            new_account(),
            beta_or(Op(WA_WRITE)),
            None,
        );
        add(
            get(),
            "/users/{user}/profile/webAccounts/{account}",
            format!("/users/{ADMIN}{account}"),
            None,
            beta_or(Op(WA_READ)),
            None,
        );
        add(
            Method::PATCH,
            "/users/{user}/profile/webAccounts/{account}",
            format!("/users/{ADMIN}{account}"),
            Some(json!({"statusMessage": "Probe"})),
            beta_or(Op(WA_WRITE)),
            None,
        );
        add(
            Method::DELETE,
            "/users/{user}/profile/webAccounts/{account}",
            format!("/users/{ADMIN}{account}"),
            None,
            beta_or(Op(WA_WRITE)),
            None,
        );
        add(
            get(),
            "/me/profile/webAccounts",
            "/me/profile/webAccounts".into(),
            None,
            beta_or(Me(WA_READ)),
            None,
        );
        add(
            Method::POST,
            "/me/profile/webAccounts",
            "/me/profile/webAccounts".into(),
            new_account(),
            beta_or(Me(WA_WRITE)),
            None,
        );
        add(
            get(),
            "/me/profile/webAccounts/{account}",
            format!("/me{account}"),
            None,
            beta_or(Me(WA_READ)),
            None,
        );
        add(
            Method::PATCH,
            "/me/profile/webAccounts/{account}",
            format!("/me{account}"),
            Some(json!({"statusMessage": "Probe"})),
            beta_or(Me(WA_WRITE)),
            None,
        );
        add(
            Method::DELETE,
            "/me/profile/webAccounts/{account}",
            format!("/me{account}"),
            None,
            beta_or(Me(WA_WRITE)),
            None,
        );
        // Organization, directory objects, directory roles and their templates.
        add(
            get(),
            "/organization",
            "/organization".into(),
            None,
            Op("List organization"),
            None,
        );
        add(
            get(),
            "/organization/{id}",
            format!("/organization/{CONTOSO}"),
            None,
            Op("Get organization"),
            Some(CONTOSO),
        );
        add(
            Method::PATCH,
            "/organization/{id}",
            format!("/organization/{CONTOSO}"),
            Some(json!({"technicalNotificationMails": ["probe@contoso.com"]})),
            Op("Update organization"),
            Some(CONTOSO),
        );
        add(
            get(),
            "/directoryObjects/{id}",
            format!("/directoryObjects/{ADELE}"),
            None,
            Op("Get directoryObject"),
            Some(ADELE),
        );
        // Deleting a group through directoryObjects takes the group row of the page.
        add(
            Method::DELETE,
            "/directoryObjects/{id}",
            format!("/directoryObjects/{FINANCE}"),
            None,
            Op("Delete directoryObject"),
            Some(FINANCE),
        );
        for template in [
            "/directoryObjects/getByIds",
            "/users/getByIds",
            "/groups/getByIds",
            "/servicePrincipals/getByIds",
            "/directoryRoles/getByIds",
        ] {
            add(
                Method::POST,
                template,
                template.into(),
                Some(json!({"ids": [ADELE, RETAIL_MUNICH]})),
                Op("directoryObjects getByIds"),
                None,
            );
        }
        add(
            Method::POST,
            "/directoryObjects/validateProperties",
            "/directoryObjects/validateProperties".into(),
            Some(
                json!({"entityType": "Group", "displayName": "Probe", "mailNickname": "secprobe"}),
            ),
            Op("directoryObjects validateProperties"),
            None,
        );
        const ROLES_READ: &str = "List/get directoryRoles";
        let global_admin = tenantsim::store::roles::role_object_id(
            CONTOSO,
            tenantsim::roles::GLOBAL_ADMINISTRATOR,
        );
        add(
            get(),
            "/directoryRoles",
            "/directoryRoles".into(),
            None,
            Op(ROLES_READ),
            None,
        );
        add(
            Method::POST,
            "/directoryRoles",
            "/directoryRoles".into(),
            Some(json!({"roleTemplateId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"})),
            Op("Activate directoryRole"),
            None,
        );
        add(
            get(),
            "/directoryRoles/{role}",
            format!("/directoryRoles/{global_admin}"),
            None,
            Op(ROLES_READ),
            Some(&global_admin),
        );
        add(
            get(),
            "/directoryRoles(roleTemplateId={key}",
            format!(
                "/directoryRoles(roleTemplateId='{}')",
                tenantsim::roles::USER_ADMINISTRATOR
            ),
            None,
            Op(ROLES_READ),
            None,
        );
        add(
            get(),
            "/directoryRoles/{role}/members",
            format!("/directoryRoles/{global_admin}/members"),
            None,
            Op("List directoryRole members"),
            Some(&global_admin),
        );
        add(
            Method::POST,
            "/directoryRoles/{role}/members/$ref",
            format!("/directoryRoles/{global_admin}/members/$ref"),
            Some(reference(ADELE)),
            Op("Add/remove directoryRole members"),
            Some(&global_admin),
        );
        add(
            Method::DELETE,
            "/directoryRoles/{role}/members/{member}/$ref",
            format!("/directoryRoles/{global_admin}/members/{ADMIN}/$ref"),
            None,
            Op("Add/remove directoryRole members"),
            Some(&global_admin),
        );
        let members_read = Op("List directoryRole members");
        for (template, suffix) in [
            (
                "/directoryRoles/{role}/members/$count",
                "/members/$count".to_owned(),
            ),
            (
                "/directoryRoles/{role}/members/{member}",
                "/members/microsoft.graph.user".to_owned(),
            ),
            (
                "/directoryRoles/{role}/members/{member}/$count",
                "/members/microsoft.graph.user/$count".to_owned(),
            ),
        ] {
            add(
                get(),
                template,
                format!("/directoryRoles/{global_admin}{suffix}"),
                None,
                members_read,
                Some(&global_admin),
            );
        }
        add(
            get(),
            "/directoryRoles/$count",
            "/directoryRoles/$count".into(),
            None,
            Op(ROLES_READ),
            None,
        );
        add(
            get(),
            "/directoryRoleTemplates/$count",
            "/directoryRoleTemplates/$count".into(),
            None,
            Op("List/get directoryRoleTemplates"),
            None,
        );
        add(
            get(),
            "/directoryRoleTemplates",
            "/directoryRoleTemplates".into(),
            None,
            Op("List/get directoryRoleTemplates"),
            None,
        );
        add(
            get(),
            "/directoryRoleTemplates/{id}",
            format!(
                "/directoryRoleTemplates/{}",
                tenantsim::roles::GLOBAL_ADMINISTRATOR
            ),
            None,
            Op("List/get directoryRoleTemplates"),
            None,
        );
        // Delta of users, service principals and applications (groups above), in the three
        // spellings.
        for spelling in [
            "/users/delta",
            "/users/delta()",
            "/users/microsoft.graph.delta()",
        ] {
            add(
                get(),
                spelling,
                spelling.into(),
                None,
                Op("users delta"),
                None,
            );
        }
        for spelling in [
            "/servicePrincipals/delta",
            "/servicePrincipals/delta()",
            "/servicePrincipals/microsoft.graph.delta()",
        ] {
            add(
                get(),
                spelling,
                spelling.into(),
                None,
                Op("servicePrincipals delta"),
                None,
            );
        }
        for spelling in [
            "/applications/delta",
            "/applications/delta()",
            "/applications/microsoft.graph.delta()",
        ] {
            add(
                get(),
                spelling,
                spelling.into(),
                None,
                Op("applications delta"),
                None,
            );
        }
        // Policies.
        add(
            get(),
            "/policies/authorizationPolicy",
            "/policies/authorizationPolicy".into(),
            None,
            Op("Get authorizationPolicy"),
            None,
        );
        let allow_sspr = json!({"allowedToUseSSPR": false});
        add(
            Method::PATCH,
            "/policies/authorizationPolicy",
            "/policies/authorizationPolicy".into(),
            Some(allow_sspr.clone()),
            if beta {
                Absent
            } else {
                Op("Update authorizationPolicy")
            },
            None,
        );
        add(
            get(),
            "/policies/authorizationPolicy/authorizationPolicy",
            "/policies/authorizationPolicy/authorizationPolicy".into(),
            None,
            if beta {
                Op("Get authorizationPolicy")
            } else {
                Absent
            },
            None,
        );
        add(
            Method::PATCH,
            "/policies/authorizationPolicy/authorizationPolicy",
            "/policies/authorizationPolicy/authorizationPolicy".into(),
            Some(allow_sspr),
            if beta {
                Op("Update authorizationPolicy")
            } else {
                Absent
            },
            None,
        );
        add(
            get(),
            "/policies/permissionGrantPolicies",
            "/policies/permissionGrantPolicies".into(),
            None,
            Op("List/get permissionGrantPolicies"),
            None,
        );
        add(
            get(),
            "/policies/permissionGrantPolicies/{policy}",
            "/policies/permissionGrantPolicies/microsoft-user-default-low".into(),
            None,
            Op("List/get permissionGrantPolicies"),
            None,
        );
        // JSON batching: one read and one write item.
        add(
            Method::POST,
            "/$batch",
            "/$batch".into(),
            Some(json!({"requests": [
                {"id": "1", "method": "GET", "url": format!("/users/{ADELE}")},
                {"id": "2", "method": "PATCH", "url": format!("/groups/{FINANCE}"),
                 "headers": {"Content-Type": "application/json"}, "body": {"description": "Probe"}}
            ]})),
            Batch,
            None,
        );
    }
    // The Azure portal's internal API and the identity platform's userinfo endpoint.
    let portal = |method: Method, template: &'static str, kind: Kind| Route {
        body: (method == Method::PUT).then(|| json!({"enableLinkedInAppFamily": 1})),
        method,
        version: None,
        template,
        path: template.to_owned(),
        kind,
        object: None,
    };
    out.push(portal(
        Method::GET,
        "/api/Directories/Properties",
        Kind::PortalRead,
    ));
    out.push(portal(
        Method::PUT,
        "/api/Directories/Properties",
        Kind::PortalWrite,
    ));
    out.push(portal(
        Method::PUT,
        "/api/Directories/PropertiesV2",
        Kind::PortalWrite,
    ));
    out.push(Route {
        method: Method::GET,
        version: None,
        template: "/oidc/userinfo",
        path: "/oidc/userinfo".into(),
        body: None,
        kind: Kind::UserInfo,
        object: None,
    });
    // The relationship declarations' routes not listed above, in both versions.
    for v in ["v1.0", "beta"] {
        for generated in relations::relation_routes() {
            let listed = out.iter().any(|r: &Route| {
                r.version == Some(v)
                    && r.method == generated.method
                    && shape(r.template) == shape(generated.template)
            });
            if listed {
                continue;
            }
            out.push(Route {
                method: generated.method,
                version: Some(v),
                template: generated.template,
                path: format!("/{v}{}", generated.path),
                body: generated.body,
                kind: if generated.absent {
                    Kind::Absent
                } else if generated.me {
                    Kind::Me(generated.operation)
                } else {
                    Kind::Op(generated.operation)
                },
                object: generated.object.map(str::to_owned),
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Tokens.

fn all_app_token(app: &TestApp, tenant: &str) -> String {
    let roles: Vec<String> = every_permission().into_iter().collect();
    let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
    app.app_token(tenant, &roles)
}

/// A delegated token for a fixture user (id or UPN) with these scopes and audience.
async fn delegated(
    app: &TestApp,
    tenant: &str,
    user: &str,
    scopes: &[&str],
    audience: &str,
) -> String {
    sign(&delegated_claims(app, tenant, user, scopes, audience).await)
}

async fn delegated_claims(
    app: &TestApp,
    tenant: &str,
    user: &str,
    scopes: &[&str],
    audience: &str,
) -> Value {
    let mut conn = app.state.db.pool.acquire().await.expect("conn");
    let row = tenantsim::store::objects::get_user(&mut conn, tenant, user)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("no user {user} in {tenant}"));
    let wids = tenantsim::store::members::roles_of(&mut conn, tenant, &row.id)
        .await
        .expect("roles");
    let subject = Subject::User {
        object_id: row.id,
        upn: row.user_principal_name.unwrap_or_default(),
        name: row.display_name.unwrap_or_default(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        wids,
    };
    let mut request = app.token_request(tenant, subject);
    request.audience = audience.to_owned();
    serde_json::to_value(request.claims()).expect("claims")
}

fn sign(claims: &Value) -> String {
    token::sign(&keys(), claims).expect("sign")
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// `Authorization` header values that must each be refused with 401, built from `claims`
/// (claims that a route accepts when properly signed). `None` sends no header.
fn attacks(app: &TestApp, claims: &Value, weak: &Value) -> Vec<(&'static str, Option<String>)> {
    let valid = sign(claims);
    let (signed_part, signature) = valid.rsplit_once('.').expect("jws");
    let payload = b64(claims);
    let now = app.state.clock.unix();
    let tid = claims["tid"].as_str().expect("tid").to_owned();
    let with = |edit: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut c = claims.as_object().expect("claims").clone();
        edit(&mut c);
        sign(&Value::Object(c))
    };
    let keys = keys();
    let public_pem = rcgen::KeyPair::from_pem(&keys.private_pem)
        .expect("key pair")
        .public_key_pem();
    let hs256 = |secret: &[u8]| {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(keys.kid.clone());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).expect("hs256")
    };
    let other_key = {
        static OTHER: std::sync::OnceLock<SigningKeys> = std::sync::OnceLock::new();
        OTHER.get_or_init(|| SigningKeys::generate().expect("key"))
    };
    // The real key id on a token the other key signed.
    let foreign = {
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".into());
        header.kid = Some(keys.kid.clone());
        jsonwebtoken::encode(&header, claims, &other_key.encoding).expect("rs256")
    };
    let none = b64(&json!({"alg": "none", "typ": "JWT"}));
    let mut flipped = signature.to_owned().into_bytes();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).expect("ascii");
    // A real signature over a powerless token, under the powerful claims.
    let weak_signature = sign(weak).rsplit_once('.').expect("jws").1.to_owned();
    let header_part = signed_part.split('.').next().expect("header");
    let bearer = |t: String| Some(format!("Bearer {t}"));
    vec![
        ("no Authorization header", None),
        ("empty bearer", Some("Bearer ".to_owned())),
        (
            "Basic credentials",
            Some(format!(
                "Basic {}",
                STANDARD.encode("admin@contoso.onmicrosoft.com:Passw0rd!")
            )),
        ),
        (
            "a valid token without the Bearer scheme",
            Some(valid.clone()),
        ),
        (
            "a valid token under another scheme",
            Some(format!("Token {valid}")),
        ),
        ("garbage", bearer("garbage".into())),
        ("truncated", bearer(valid[..valid.len() - 12].to_owned())),
        ("no signature segment", bearer(signed_part.to_owned())),
        ("empty signature", bearer(format!("{signed_part}."))),
        ("a fourth segment", bearer(format!("{valid}.e30"))),
        (
            "signature altered",
            bearer(format!("{signed_part}.{flipped}")),
        ),
        ("alg none, unsigned", bearer(format!("{none}.{payload}."))),
        (
            "alg none, real signature",
            bearer(format!("{none}.{payload}.{signature}")),
        ),
        (
            "HS256 keyed with the public key (PEM)",
            bearer(hs256(public_pem.as_bytes())),
        ),
        (
            "HS256 keyed with the public key (DER)",
            bearer(hs256(&keys.public_pkcs1_der)),
        ),
        ("RS256 by another key under the real kid", bearer(foreign)),
        (
            "claims swapped under another token's signature",
            bearer(format!("{header_part}.{payload}.{weak_signature}")),
        ),
        (
            "expired",
            bearer(with(&|c| {
                c.insert("iat".into(), json!(now - 7200));
                c.insert("nbf".into(), json!(now - 7200));
                c.insert("exp".into(), json!(now - 301));
            })),
        ),
        (
            "not yet valid",
            bearer(with(&|c| {
                c.insert("iat".into(), json!(now + 3600));
                c.insert("nbf".into(), json!(now + 3600));
                c.insert("exp".into(), json!(now + 7200));
            })),
        ),
        (
            "wrong audience",
            bearer(with(&|c| {
                let other = if c["aud"] == PORTAL_APP {
                    GRAPH_AUDIENCE
                } else {
                    PORTAL_APP
                };
                c.insert("aud".into(), json!(other));
            })),
        ),
        (
            "another resource's audience",
            bearer(with(&|c| {
                c.insert("aud".into(), json!("https://management.azure.com"));
            })),
        ),
        (
            "audience as an array",
            bearer(with(&|c| {
                let aud = c["aud"].clone();
                c.insert("aud".into(), json!([aud]));
            })),
        ),
        (
            "v2.0 issuer",
            bearer(with(&|c| {
                c.insert(
                    "iss".into(),
                    json!(format!("https://login.microsoftonline.com/{tid}/v2.0")),
                );
            })),
        ),
        (
            "another tenant's issuer",
            bearer(with(&|c| {
                c.insert("iss".into(), json!(token::issuer_v1(FABRIKAM)));
            })),
        ),
        (
            "another tenant's tid under this issuer",
            bearer(with(&|c| {
                c.insert("tid".into(), json!(FABRIKAM));
            })),
        ),
        (
            "a tenant tenantsim does not hold",
            bearer(with(&|c| {
                c.insert("tid".into(), json!(UNKNOWN_TENANT));
                c.insert("iss".into(), json!(token::issuer_v1(UNKNOWN_TENANT)));
            })),
        ),
        ("missing tid", bearer(with(&|c| drop(c.remove("tid"))))),
        ("missing iss", bearer(with(&|c| drop(c.remove("iss"))))),
        ("missing exp", bearer(with(&|c| drop(c.remove("exp"))))),
        ("missing aud", bearer(with(&|c| drop(c.remove("aud"))))),
    ]
}

// ---------------------------------------------------------------------------------------------
// Sending and judging.

async fn send(
    app: &TestApp,
    route: &Route,
    path: &str,
    authorization: Option<&str>,
) -> TestResponse {
    let mut request = app.request(route.method.clone(), path).eventual();
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    if let Some(body) = &route.body {
        request = request.json(body.clone());
    }
    request.send().await
}

async fn send_with_token(app: &TestApp, route: &Route, token: &str) -> TestResponse {
    send(app, route, &route.path, Some(&format!("Bearer {token}"))).await
}

/// `Err` unless the response is Graph's error envelope with this status and code.
fn graph_error(response: &TestResponse, status: u16, code: &str) -> Result<(), String> {
    let excerpt: String = response.text.chars().take(300).collect();
    let error = &response.json["error"];
    let shaped = error["message"].is_string()
        && error["innerError"]["request-id"].is_string()
        && error["innerError"]["date"].is_string()
        && response
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json"));
    if response.status.as_u16() != status || error["code"] != code || !shaped {
        return Err(format!(
            "expected {status} {code}, got {}: {excerpt}",
            response.status.as_u16()
        ));
    }
    Ok(())
}

/// 401 `InvalidAuthenticationToken` with a Bearer challenge.
fn unauthenticated(response: &TestResponse) -> Result<(), String> {
    graph_error(response, 401, "InvalidAuthenticationToken")?;
    let challenge = response
        .headers
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !challenge.starts_with("Bearer") {
        return Err(format!("401 without a Bearer challenge: '{challenge}'"));
    }
    Ok(())
}

/// The items of a `$batch` answer, when the batch itself was accepted.
fn batch_items(response: &TestResponse) -> Result<&Vec<Value>, String> {
    if response.status != 200 {
        return Err(format!(
            "batch answered {}: {}",
            response.status, response.text
        ));
    }
    response.json["responses"]
        .as_array()
        .filter(|items| !items.is_empty())
        .ok_or_else(|| format!("batch without responses: {}", response.text))
}

/// Every item of the batch answered this Graph error (or the whole batch did).
fn batch_refused(response: &TestResponse, status: u16, code: &str) -> Result<(), String> {
    if response.status.as_u16() == status {
        return graph_error(response, status, code);
    }
    for item in batch_items(response)? {
        if item["status"] != status || item["body"]["error"]["code"] != code {
            return Err(format!("batch item not {status} {code}: {item}"));
        }
    }
    Ok(())
}

fn refused_401(route: &Route, response: &TestResponse) -> Result<(), String> {
    match route.kind {
        Kind::Batch => batch_refused(response, 401, "InvalidAuthenticationToken"),
        _ => unauthenticated(response),
    }
}

fn refused_403(route: &Route, response: &TestResponse) -> Result<(), String> {
    match route.kind {
        Kind::Batch => batch_refused(response, 403, "Authorization_RequestDenied"),
        _ => graph_error(response, 403, "Authorization_RequestDenied"),
    }
}

fn allowed(route: &Route, response: &TestResponse) -> Result<(), String> {
    if !response.status.is_success() {
        let excerpt: String = response.text.chars().take(300).collect();
        return Err(format!("expected 2xx, got {}: {excerpt}", response.status));
    }
    if route.kind == Kind::Batch {
        for item in batch_items(response)? {
            if !item["status"]
                .as_u64()
                .is_some_and(|s| (200..300).contains(&s))
            {
                return Err(format!("batch item failed: {item}"));
            }
        }
    }
    Ok(())
}

fn report(failures: &[String], total: usize) {
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Contoso as stored (its snapshot) and the control state, to show nothing changed.
async fn state_of(app: &TestApp, tenant: &str, key: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    for path in [
        format!("/_tenantsim/tenants/{tenant}/snapshot"),
        "/_tenantsim/tenants".to_owned(),
        "/_tenantsim/faults".to_owned(),
        "/_tenantsim/throttling".to_owned(),
    ] {
        let mut request = app.get(&path);
        if let Some(key) = key {
            request = request.token(key);
        }
        let response = request.send().await;
        assert_eq!(response.status, 200, "{path}: {}", response.text);
        out.push(response.text);
    }
    let mut request = app.get("/_tenantsim/clock");
    if let Some(key) = key {
        request = request.token(key);
    }
    let clock = request.send().await;
    out.push(format!(
        "{} {}",
        clock.json["offsetSeconds"], clock.json["frozen"]
    ));
    out
}

/// Contoso back to its fixtures, plus the profile card property the routes address.
async fn restore(app: &TestApp) {
    let reset = app
        .post(&format!("/_tenantsim/tenants/{CONTOSO}/reset"))
        .send()
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    let created = app
        .post("/v1.0/admin/people/profileCardProperties")
        .token(&all_app_token(app, CONTOSO))
        .json(json!({"directoryPropertyName": PROPERTY, "annotations": [{"displayName": "Cost center"}]}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    relations::prepare(app, &all_app_token(app, CONTOSO)).await;
}

/// A delegated token of the Global Administrator holding every scope, for this route's API.
async fn full_delegated(app: &TestApp, tenant: &str, user: &str, audience: &str) -> Value {
    let scopes: Vec<String> = if audience == PORTAL_APP {
        vec!["user_impersonation".to_owned()]
    } else {
        every_permission().into_iter().collect()
    };
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    delegated_claims(app, tenant, user, &scopes, audience).await
}

// ---------------------------------------------------------------------------------------------
// The route list cannot drift from the code or the README.

/// `{anything}` → `{}`, quotes, `)` and `…` dropped, lower case: one spelling for a route.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.replace("'…'", "{}").chars() {
        match c {
            '{' => {
                if depth == 0 {
                    out.push_str("{}");
                }
                depth += 1;
            }
            '}' => depth -= 1,
            '\'' | ')' | '…' => {}
            _ if depth == 0 => out.extend(c.to_lowercase()),
            _ => {}
        }
    }
    out
}

/// `(METHOD, path)` of every `.route("…", …)` in a source file (`{PREFIX}` of the pages
/// expanded).
fn source_routes(file: &str) -> Vec<(String, String)> {
    let source = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .unwrap_or_else(|_| panic!("{file}"));
    let source = source.split("#[cfg(test)]").next().unwrap_or_default();
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find(".route(") {
        let after = &rest[at + ".route(".len()..];
        // The call's text up to its closing parenthesis, skipping string literals.
        let (mut depth, mut in_string, mut end) = (1, false, after.len());
        let mut previous = ' ';
        for (i, c) in after.char_indices() {
            match c {
                '"' if previous != '\\' => in_string = !in_string,
                '(' if !in_string => depth += 1,
                ')' if !in_string => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
            previous = c;
        }
        let call = &after[..end];
        rest = &after[end..];
        let Some(open) = call.find('"') else { continue };
        let close = open + 1 + call[open + 1..].find('"').expect("closing quote");
        let path = call[open + 1..close]
            .replace("{PREFIX}", "/_tenantsim/ui")
            .replace("{{", "{")
            .replace("}}", "}");
        let handlers = &call[close + 1..];
        for method in ["get", "post", "put", "patch", "delete"] {
            let needle = format!("{method}(");
            let found = handlers.match_indices(&needle).any(|(i, _)| {
                !handlers[..i]
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            });
            if found {
                out.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

fn source_files(dir: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = std::fs::read_dir(root.join(dir))
        .expect("dir")
        .map(|e| format!("{dir}/{}", e.expect("entry").file_name().to_string_lossy()))
        .filter(|f| f.ends_with(".rs"))
        .collect();
    files.sort();
    files
}

async fn route_list(app: &TestApp) -> Vec<Route> {
    restore(app).await;
    routes(&Ids::read(app).await)
}

#[tokio::test]
async fn every_route_that_takes_a_token_is_in_the_security_list() {
    let app = TestApp::new().await;
    let list = route_list(&app).await;
    let listed: BTreeSet<(String, String)> = list
        .iter()
        .map(|r| (r.method.to_string(), shape(&r.full_template())))
        .collect();
    // 1. Every route the Graph and portal routers register, in both versions.
    let mut registered = Vec::new();
    for file in source_files("src/graph") {
        for (method, path) in source_routes(&file) {
            for version in ["v1.0", "beta"] {
                registered.push((method.clone(), format!("/{version}{path}")));
            }
        }
    }
    for generated in tenantsim::graph::relations::generated_routes() {
        for version in ["v1.0", "beta"] {
            registered.push((
                generated.method.to_owned(),
                format!("/{version}{}", generated.path),
            ));
        }
    }
    registered.extend(source_routes("src/portal/mod.rs"));
    assert!(
        registered.len() > 120,
        "parsed only {} Graph routes",
        registered.len()
    );
    let missing: Vec<String> = registered
        .iter()
        .filter(|(m, p)| !listed.contains(&(m.clone(), shape(p))))
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes missing from the security list: {missing:#?}"
    );
    // 2. Every other handler that authenticates a bearer token is one this list knows.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut bearer_files = Vec::new();
    for dir in [
        "src/sts",
        "src/admin",
        "src/ui",
        "src/control",
        "src/linkedin",
    ] {
        for file in source_files(dir) {
            let text = std::fs::read_to_string(root.join(&file)).expect("source");
            if text.contains("Caller") || text.contains("auth::authenticate") {
                bearer_files.push(file);
            }
        }
    }
    assert_eq!(
        bearer_files,
        ["src/sts/discovery.rs"],
        "a new surface authenticates bearer tokens: add its routes to tests/api/security.rs"
    );
    assert!(
        source_routes("src/sts/mod.rs").contains(&("GET".into(), "/oidc/userinfo".into())),
        "userinfo moved"
    );
    // 3. Every endpoint the README's parity table names.
    let table = section(&readme(), "parity-table");
    let mut named = 0;
    for cells in rows(&table) {
        for token in cells[0].split('`').skip(1).step_by(2) {
            let Some(path) = shape(token).split_whitespace().last().map(str::to_owned) else {
                continue;
            };
            if !(path.starts_with('/') || path.starts_with("/_")) || path.starts_with("/_tenantsim")
            {
                continue;
            }
            let path = path
                .trim_start_matches("/v1.0")
                .trim_start_matches("/beta")
                .to_owned();
            named += 1;
            assert!(
                listed.iter().any(|(_, l)| l.ends_with(&path)),
                "the README parity table names `{token}`, which tests/api/security.rs does not attack"
            );
        }
    }
    assert!(named > 30, "only {named} endpoints in the parity table");
    // 4. Every operation of Graph's documented permissions has a route here, and every route
    // that needs a permission has its documented operation.
    let data = documented::documented_permissions();
    let keys: BTreeSet<String> = list.iter().map(documented::key).collect();
    for operation in &data.operations {
        for route in &operation.routes {
            assert!(
                keys.contains(&documented::unnamed(route)),
                "documented_permissions.json names '{route}' ({}), which is not in the route list",
                operation.operation
            );
        }
    }
    for route in &list {
        if let Kind::Op(_) | Kind::Me(_) = route.kind {
            let key = documented::key(route);
            assert!(
                data.operations.iter().any(|o| o.covers(&key)),
                "{key} has no entry in documented_permissions.json"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Token attacks.

#[tokio::test]
async fn forged_expired_and_misaddressed_tokens_are_401_on_every_route_and_change_nothing() {
    let app = TestApp::new().await;
    let list = route_list(&app).await;
    let weak = serde_json::to_value(
        app.token_request(
            CONTOSO,
            Subject::App {
                object_id: UNKNOWN_ID.into(),
                roles: Vec::new(),
            },
        )
        .claims(),
    )
    .expect("claims");
    let graph = full_delegated(&app, CONTOSO, ADMIN, GRAPH_AUDIENCE).await;
    let portal = full_delegated(&app, CONTOSO, ADMIN, PORTAL_APP).await;
    let graph_attacks = attacks(&app, &graph, &weak);
    let portal_attacks = attacks(&app, &portal, &weak);
    let before = state_of(&app, CONTOSO, None).await;
    let mut failures = Vec::new();
    let mut total = 0;
    for route in &list {
        let cases = if route.is_portal() {
            &portal_attacks
        } else {
            &graph_attacks
        };
        for (label, authorization) in cases {
            let response = send(&app, route, &route.path, authorization.as_deref()).await;
            total += 1;
            if let Err(e) = refused_401(route, &response) {
                failures.push(format!("{} [{label}]: {e}", route.label()));
            }
        }
    }
    let after = state_of(&app, CONTOSO, None).await;
    report(&failures, total);
    for (b, a) in before.iter().zip(&after) {
        assert!(b == a, "a refused request changed something:\n{b}\n→\n{a}");
    }
    assert_eq!(list.len(), 554, "routes");
    assert_eq!(graph_attacks.len(), 30, "attacks");
    assert_eq!(total, list.len() * graph_attacks.len());

    // The same claims, properly signed, are allowed on every route that exists: only the
    // attack was wrong above.
    let mut failures = Vec::new();
    for route in list.iter().filter(|r| r.kind != Kind::Absent) {
        let claims = if route.is_portal() { &portal } else { &graph };
        let response = send_with_token(&app, route, &sign(claims)).await;
        if let Err(e) = allowed(route, &response) {
            failures.push(format!("{} [valid]: {e}", route.label()));
        }
        if route.writes() {
            restore(&app).await;
        }
    }
    report(&failures, list.len());
}

#[tokio::test]
async fn a_batch_item_cannot_bring_its_own_token_and_forged_tokens_fail_every_item() {
    let app = TestApp::new().await;
    let list = route_list(&app).await;
    let graph = full_delegated(&app, CONTOSO, ADMIN, GRAPH_AUDIENCE).await;
    let weak = serde_json::to_value(
        app.token_request(
            CONTOSO,
            Subject::App {
                object_id: UNKNOWN_ID.into(),
                roles: Vec::new(),
            },
        )
        .claims(),
    )
    .expect("claims");
    let valid = sign(&graph);
    // Every v1.0 Graph route that exists, as batch items, in batches of at most 20.
    let items: Vec<Value> = list
        .iter()
        .filter(|r| r.version == Some("v1.0") && !matches!(r.kind, Kind::Batch | Kind::Absent))
        .enumerate()
        .map(|(i, r)| {
            let mut item = json!({
                "id": i.to_string(), "method": r.method.as_str(),
                "url": r.path.trim_start_matches("/v1.0"),
                // An item's own Authorization header is ignored: the batch's identity is used.
                "headers": {"Authorization": format!("Bearer {valid}"), "ConsistencyLevel": "eventual"}
            });
            if let Some(body) = &r.body {
                item["body"] = body.clone();
                item["headers"]["Content-Type"] = json!("application/json");
            }
            item
        })
        .collect();
    assert!(items.len() > 60, "{} items", items.len());
    let before = state_of(&app, CONTOSO, None).await;
    let mut failures = Vec::new();
    let mut total = 0;
    for (label, authorization) in attacks(&app, &graph, &weak) {
        for chunk in items.chunks(20) {
            let mut request = app.post("/v1.0/$batch").json(json!({"requests": chunk}));
            if let Some(value) = &authorization {
                request = request.header("authorization", value);
            }
            let response = request.send().await;
            total += chunk.len();
            if let Err(e) = batch_refused(&response, 401, "InvalidAuthenticationToken") {
                failures.push(format!("$batch [{label}]: {e}"));
            }
        }
    }
    // A powerless batch token with a powerful token in every item: 403 per item.
    let none = app.app_token(CONTOSO, &[]);
    for chunk in items.chunks(20) {
        let response = app
            .post("/v1.0/$batch")
            .token(&none)
            .json(json!({"requests": chunk}))
            .send()
            .await;
        for item in batch_items(&response).expect("items") {
            total += 1;
            let code = &item["body"]["error"]["code"];
            // `/me` items answer 400 to an app token; everything else 403.
            if !(item["status"] == 403 && code == "Authorization_RequestDenied"
                || item["status"] == 400 && code == "BadRequest")
            {
                failures.push(format!("powerless batch item: {item}"));
            }
        }
    }
    let after = state_of(&app, CONTOSO, None).await;
    report(&failures, total);
    assert!(before == after, "a refused batch changed something");
}

// ---------------------------------------------------------------------------------------------
// 2. Another tenant's token.

/// Strings of tenant A that a response to tenant B may only hold if B's request named them.
async fn markers_of(app: &TestApp, tenant: &str) -> Vec<String> {
    let token = all_app_token(app, tenant);
    let mut out = vec!["contoso.onmicrosoft.com".to_owned()];
    for path in [
        "/v1.0/users?$top=999",
        "/v1.0/groups?$top=999",
        "/v1.0/servicePrincipals?$top=999",
        "/v1.0/oauth2PermissionGrants?$top=999",
        "/v1.0/applications?$top=999",
    ] {
        out.extend(app.get(path).token(&token).send().await.ids());
    }
    assert!(out.len() > 40, "{} markers", out.len());
    out
}

#[tokio::test]
async fn another_tenants_token_finds_nothing_of_contoso_and_changes_nothing() {
    let app = TestApp::new().await;
    let list = route_list(&app).await;
    let markers = markers_of(&app, CONTOSO).await;
    // A public-cloud copy of Contoso (same shape, its own ids) and US Government Fabrikam.
    let copy = app
        .post("/_tenantsim/tenants")
        .json(json!({"template": "contoso", "name": "student42"}))
        .send()
        .await;
    assert_eq!(copy.status, 201, "{}", copy.text);
    let copy_id = copy.json["id"].as_str().expect("id").to_owned();
    let before = state_of(&app, CONTOSO, None).await;
    let mut failures = Vec::new();
    let mut total = 0;
    for (tenant, admin_upn) in [
        (FABRIKAM, "admin@fabrikamgov.onmicrosoft.com".to_owned()),
        (
            copy_id.as_str(),
            "admin@student42.onmicrosoft.com".to_owned(),
        ),
    ] {
        let app_token = all_app_token(&app, tenant);
        let user = sign(&full_delegated(&app, tenant, &admin_upn, GRAPH_AUDIENCE).await);
        let portal = sign(&full_delegated(&app, tenant, &admin_upn, PORTAL_APP).await);
        for route in &list {
            let token = match route.kind {
                Kind::Me(_) | Kind::UserInfo => &user,
                Kind::PortalRead | Kind::PortalWrite => &portal,
                _ => &app_token,
            };
            let response = send_with_token(&app, route, token).await;
            total += 1;
            let label = format!("{} as {tenant}", route.label());
            // A Contoso object id in the path (profile card property names are per tenant,
            // not ids: those are covered by "changes nothing" and the leak check).
            let contoso_object = route.object.as_ref().is_some_and(|o| markers.contains(o));
            if contoso_object
                && route.kind != Kind::Absent
                && let Err(e) = graph_error(&response, 404, "Request_ResourceNotFound")
            {
                failures.push(format!("{label}: {e}"));
            }
            if route.kind == Kind::Batch
                && let Err(e) = batch_refused(&response, 404, "Request_ResourceNotFound")
            {
                failures.push(format!("{label}: {e}"));
            }
            let request = format!("{} {}", route.path, route.body.clone().unwrap_or_default());
            for marker in &markers {
                if response.text.contains(marker.as_str()) && !request.contains(marker.as_str()) {
                    failures.push(format!("{label}: answers Contoso's {marker}"));
                }
            }
            if route.is_portal()
                && route.method == Method::GET
                && response.json["objectId"] != tenant
            {
                failures.push(format!(
                    "{label}: portal shows {}",
                    response.json["objectId"]
                ));
            }
        }
    }
    let after = state_of(&app, CONTOSO, None).await;
    report(&failures, total);
    assert!(
        before[0] == after[0],
        "another tenant's requests changed Contoso"
    );
    assert!(total > 250, "{total}");
}

// ---------------------------------------------------------------------------------------------
// 3. The permission matrix against Graph's documentation: security/documented.rs.

#[tokio::test]
async fn the_portal_api_and_userinfo_follow_their_documented_rules() {
    let app = TestApp::new().await;
    let list = route_list(&app).await;
    let ga = delegated(&app, CONTOSO, ADMIN, &["user_impersonation"], PORTAL_APP).await;
    let user_admin = delegated(
        &app,
        CONTOSO,
        DIEGO_USER_ADMIN,
        &["user_impersonation"],
        PORTAL_APP,
    )
    .await;
    let plain = delegated(&app, CONTOSO, ADELE, &["user_impersonation"], PORTAL_APP).await;
    let mut portal_app = app.token_request(
        CONTOSO,
        Subject::App {
            object_id: UNKNOWN_ID.into(),
            roles: vec!["Directory.ReadWrite.All".into()],
        },
    );
    portal_app.audience = PORTAL_APP.to_owned();
    let portal_app = token::mint(&keys(), &portal_app).expect("mint");
    let mut failures = Vec::new();
    let mut total = 0;
    for route in list.iter().filter(|r| r.is_portal()) {
        let write = route.kind == Kind::PortalWrite;
        // D19: an admin or reader role reads, only a Global Administrator writes; app tokens
        // and users without a role are refused.
        for (who, token, ok) in [
            ("Global Administrator", &ga, true),
            ("User Administrator", &user_admin, !write),
            ("no role", &plain, false),
            ("app token", &portal_app, false),
        ] {
            let response = send_with_token(&app, route, token).await;
            total += 1;
            let result = if ok {
                allowed(route, &response)
            } else {
                refused_403(route, &response)
            };
            if let Err(e) = result {
                failures.push(format!("{} [{who}]: {e}", route.label()));
            }
            if write && ok {
                restore(&app).await;
            }
        }
    }
    let userinfo = list
        .iter()
        .find(|r| r.kind == Kind::UserInfo)
        .expect("userinfo");
    let user = delegated(&app, CONTOSO, ADELE, &["User.Read"], GRAPH_AUDIENCE).await;
    let response = send_with_token(&app, userinfo, &user).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json["sub"], ADELE);
    let response = send_with_token(&app, userinfo, &app.app_token(CONTOSO, ALL_ROLES)).await;
    graph_error(&response, 400, "BadRequest").expect("app token at userinfo");
    report(&failures, total);
}

#[tokio::test]
async fn without_the_permission_an_unknown_id_is_the_same_403_as_a_real_one() {
    let app = TestApp::new().await;
    let list = route_list(&app).await;
    let none = app.app_token(CONTOSO, &[]);
    let mut failures = Vec::new();
    let mut total = 0;
    for route in &list {
        let (Kind::Op(_), Some(object)) = (route.kind, &route.object) else {
            continue;
        };
        // A caller without the permission must not learn whether an object exists.
        for id in [
            object.as_str(),
            UNKNOWN_ID,
            "nobody@contoso.onmicrosoft.com",
        ] {
            let path = route.path.replacen(object.as_str(), id, 1);
            let response = send(&app, route, &path, Some(&format!("Bearer {none}"))).await;
            total += 1;
            if let Err(e) = refused_403(route, &response) {
                failures.push(format!("{} [{id}]: {e}", route.label()));
            }
        }
    }
    report(&failures, total);
    assert!(total > 100, "{total}");
}

// ---------------------------------------------------------------------------------------------
// 4. The admin key.

const KEY: &str = "s3cret-admin-key";

fn keyed_settings() -> tenantsim::Settings {
    tenantsim::Settings {
        admin_key: Some(KEY.to_owned()),
        ..Default::default()
    }
}

/// Every control route the admin routers register, with a path and a body that would change
/// something if it got through.
fn admin_routes() -> Vec<(Method, String, Option<Value>)> {
    let mut out = Vec::new();
    for file in source_files("src/admin") {
        for (method, path) in source_routes(&file) {
            let concrete = path
                .replace("{tenant}", CONTOSO)
                .replace("{user}", ADELE)
                .replace("{id}", UNKNOWN_ID);
            let body = match (method.as_str(), path.as_str()) {
                ("GET" | "DELETE", _) => None,
                (_, "/_tenantsim/tenants") => {
                    Some(json!({"template": "contoso", "name": "intruder"}))
                }
                (_, "/_tenantsim/clock") => Some(json!({"offsetSeconds": 86400})),
                (_, "/_tenantsim/throttling") => Some(json!({"enabled": true})),
                (_, "/_tenantsim/faults") => Some(
                    json!({"match": {"path": "/v1.0/*"}, "action": {"error": {"status": 503}}}),
                ),
                (_, "/_tenantsim/tokens") => Some(
                    json!({"tenant": CONTOSO, "kind": "app", "roles": ["Directory.ReadWrite.All"]}),
                ),
                (_, p) if p.ends_with("linkedIn") => {
                    Some(json!({"disconnect": true, "nestedGroupMembership": true}))
                }
                _ => Some(json!({})),
            };
            let method = Method::from_bytes(method.as_bytes()).expect("method");
            out.push((method, concrete, body));
        }
    }
    out
}

/// Control routes open without the key (README: "the code is the credential").
const OPEN_ADMIN_ROUTES: &[&str] = &[
    "/_tenantsim/tenants/{tenant}/linkedIn/connect",
    "/_tenantsim/linkedin/callback",
    // A CA certificate is public; the key never leaves the data directory.
    "/_tenantsim/ca.pem",
];

#[tokio::test]
async fn with_an_admin_key_every_control_route_refuses_a_missing_or_wrong_key() {
    let app = TestApp::with_settings(keyed_settings()).await;
    let routes = admin_routes();
    assert!(routes.len() > 20, "{} control routes", routes.len());
    let graph_token = app.admin();
    let wrong: Vec<(&str, Option<String>)> = vec![
        ("no Authorization header", None),
        ("empty bearer", Some("Bearer ".into())),
        ("wrong key", Some("Bearer wrong".into())),
        (
            "the key in other case",
            Some(format!("Bearer {}", KEY.to_uppercase())),
        ),
        (
            "a prefix of the key",
            Some(format!("Bearer {}", &KEY[..KEY.len() - 1])),
        ),
        ("the key and more", Some(format!("Bearer {KEY}x"))),
        ("the key without a scheme", Some(KEY.into())),
        ("the key under Basic", Some(format!("Basic {KEY}"))),
        (
            "the key as Basic credentials",
            Some(format!("Basic {}", STANDARD.encode(format!("admin:{KEY}")))),
        ),
        ("a valid Graph token", Some(format!("Bearer {graph_token}"))),
    ];
    let before = state_of(&app, CONTOSO, Some(KEY)).await;
    let mut failures = Vec::new();
    let mut total = 0;
    let mut open = BTreeSet::new();
    for (method, path, body) in &routes {
        let template = OPEN_ADMIN_ROUTES
            .iter()
            .find(|t| shape(&t.replace("{tenant}", CONTOSO)) == shape(path));
        if let Some(template) = template {
            open.insert(*template);
            let response = app.request(method.clone(), path).send().await;
            assert_ne!(
                response.status, 401,
                "{path} is documented as open: {}",
                response.text
            );
            continue;
        }
        for (label, authorization) in &wrong {
            let mut request = app.request(method.clone(), path);
            if let Some(value) = authorization {
                request = request.header("authorization", value);
            }
            if let Some(body) = body {
                request = request.json(body.clone());
            }
            let response = request.send().await;
            total += 1;
            if let Err(e) = unauthenticated(&response) {
                failures.push(format!("{method} {path} [{label}]: {e}"));
            }
        }
        // The right key opens every read.
        if *method == Method::GET {
            let response = app.get(path).token(KEY).send().await;
            if response.status == 401 {
                failures.push(format!("{method} {path} [right key]: 401"));
            }
        }
    }
    let after = state_of(&app, CONTOSO, Some(KEY)).await;
    report(&failures, total);
    assert_eq!(
        open.len(),
        OPEN_ADMIN_ROUTES.len(),
        "open routes found: {open:?}"
    );
    for (b, a) in before.iter().zip(&after) {
        assert!(
            b == a,
            "a refused control call changed something:\n{b}\n→\n{a}"
        );
    }
    // The README's control-API table names only routes the routers hold.
    let registered: BTreeSet<String> = source_files("src/admin")
        .iter()
        .flat_map(|f| source_routes(f))
        .map(|(_, p)| shape(&p))
        .collect();
    let readme = readme();
    let table = readme
        .split("<!-- admin-api -->")
        .nth(1)
        .expect("admin-api marker")
        .split("\n\n")
        .next()
        .expect("table");
    for cells in rows(table) {
        for token in cells[0].split('`').skip(1).step_by(2) {
            if let Some(path) = shape(token).split_whitespace().last() {
                let path = path.split(['[', '?']).next().unwrap_or(path).to_owned();
                if path.starts_with("/_tenantsim") {
                    assert!(
                        registered.contains(&path),
                        "README names {token}, not a route"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn with_an_admin_key_every_page_needs_the_key_cookie() {
    let app = TestApp::with_settings(keyed_settings()).await;
    let mut pages = Vec::new();
    for file in source_files("src/ui") {
        if file.ends_with("/mod.rs") {
            continue;
        }
        pages.extend(source_routes(&file));
    }
    assert!(pages.len() > 15, "{} pages", pages.len());
    let before = state_of(&app, CONTOSO, Some(KEY)).await;
    let csrf = tenantsim::ui::security::csrf_token();
    let mut failures = Vec::new();
    for (method, path) in &pages {
        if path == "/_tenantsim/ui/login" {
            continue;
        }
        let path = path.replace("{tenant}", CONTOSO);
        let response = if method == "GET" {
            app.get(&path).send().await
        } else {
            // Same origin and the right form token: only the missing key stops it.
            app.post(&format!("{path}?csrf={csrf}"))
                .header("origin", "http://localhost:8080")
                .header("cookie", "tenantsim_admin=forged")
                .raw_body(
                    "application/x-www-form-urlencoded",
                    format!("csrf={csrf}&choice=no&group={LINKEDIN_PILOT}&member={ADELE}"),
                )
                .send()
                .await
        };
        let ok = match method.as_str() {
            "GET" => {
                response.status == 303
                    && response.headers["location"]
                        .to_str()
                        .is_ok_and(|l| l.starts_with("/_tenantsim/ui/login"))
            }
            _ => response.status == 403,
        };
        if !ok {
            failures.push(format!(
                "{method} {path}: {} {:?}",
                response.status,
                response.headers.get("location")
            ));
        }
    }
    let after = state_of(&app, CONTOSO, Some(KEY)).await;
    report(&failures, pages.len());
    assert!(before == after, "a refused page changed something");
}

/// `tenantsim serve` with these flags and environment: its exit status and stderr when it
/// refuses to start (it is killed if it starts).
fn serve_refusal(args: &[&str], env: &[(&str, &str)]) -> Option<String> {
    let data = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantsim"))
        .args([
            "serve",
            "--http-port",
            "0",
            "--https-port",
            "0",
            "--data-dir",
        ])
        .arg(data.path())
        .args(args)
        .env_remove("TENANTSIM_ADMIN_KEY")
        .env_remove("TENANTSIM_BIND")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let started = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("tenantsim ready on "));
    if started {
        child.kill().expect("kill");
        child.wait().expect("wait");
        return None;
    }
    let status = child.wait().expect("wait");
    assert!(!status.success(), "exited 0 without its ready line");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    Some(stderr)
}

#[test]
fn a_non_loopback_bind_needs_a_non_empty_admin_key() {
    for (args, env) in [
        (vec!["--bind", "0.0.0.0"], vec![]),
        (vec!["--bind", "::"], vec![]),
        (vec!["--bind", "0.0.0.0", "--admin-key", ""], vec![]),
        (vec!["--bind", "0.0.0.0", "--admin-key", "   "], vec![]),
        (vec!["--bind", "0.0.0.0"], vec![("TENANTSIM_ADMIN_KEY", "")]),
        (
            vec![],
            vec![("TENANTSIM_BIND", "0.0.0.0"), ("TENANTSIM_ADMIN_KEY", "")],
        ),
    ] {
        let stderr = serve_refusal(&args, &env)
            .unwrap_or_else(|| panic!("{args:?} {env:?} started with the control API open"));
        assert!(stderr.contains("--admin-key"), "{args:?} {env:?}: {stderr}");
    }
}

#[test]
fn a_non_loopback_bind_with_a_key_guards_the_control_api_on_the_socket() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantsim"))
        .args([
            "serve",
            "--bind",
            "0.0.0.0",
            "--http-port",
            "0",
            "--https-port",
            "0",
        ])
        .args(["--admin-key", KEY, "--data-dir"])
        .arg(data.path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let port = loop {
        let line = lines.next().expect("ready line").expect("read");
        if let Some(at) = line.find("tenantsim ready on http://0.0.0.0:") {
            let rest = &line[at + "tenantsim ready on http://0.0.0.0:".len()..];
            break rest
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .expect("port")
                .to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let host = format!("127.0.0.1:{port}");
    let request = |method: &str, path: &str, authorization: Option<&str>| {
        let headers: Vec<(&str, &str)> = authorization
            .map(|a| ("Authorization", a))
            .into_iter()
            .collect();
        raw_http(&host, method, path, &headers, Some(""))
    };
    let results = [
        request("GET", "/_tenantsim/tenants", None),
        request("GET", "/_tenantsim/tenants", Some("Bearer wrong")),
        request("POST", "/_tenantsim/reset", None),
        request("POST", "/_tenantsim/tokens", Some("Bearer ")),
        request("GET", "/_tenantsim/tenants", Some(&format!("Bearer {KEY}"))),
    ];
    child.kill().expect("kill");
    child.wait().expect("wait");
    for (status, text) in &results[..4] {
        assert_eq!(*status, 401, "{text}");
        assert!(text.contains("\"InvalidAuthenticationToken\""), "{text}");
    }
    assert_eq!(results[4].0, 200, "{}", results[4].1);
}
