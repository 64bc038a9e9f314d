//! Fixtures: the documented JSON format (see `fixtures/README.md`) that seeds tenants with
//! users, groups and memberships. A file is validated whole before anything is written, and
//! loaded in one transaction: a bad file changes nothing and every error names file, object
//! and field.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::graph::groups::{self, Group};
use crate::graph::users::User;
use crate::store::objects::{Kind, ObjectWrite};
use crate::store::{self, Db};

/// The embedded default tenant, the LinkedIn scenario.
pub const CONTOSO: &str = include_str!("../fixtures/contoso.json");
/// The embedded US Government cloud tenant, for isolation tests.
pub const FABRIKAM_USGOV: &str = include_str!("../fixtures/fabrikam-usgov.json");

/// One fixture document: a named source and its text.
#[derive(Debug, Clone)]
pub struct FixtureSource {
    pub name: String,
    pub text: String,
}

impl FixtureSource {
    pub fn embedded_default() -> Vec<Self> {
        vec![Self {
            name: "fixtures/contoso.json (embedded)".to_owned(),
            text: CONTOSO.to_owned(),
        }]
    }

    pub fn embedded_all() -> Vec<Self> {
        let mut all = Self::embedded_default();
        all.push(Self {
            name: "fixtures/fabrikam-usgov.json (embedded)".to_owned(),
            text: FABRIKAM_USGOV.to_owned(),
        });
        all
    }

    /// A file, or every `*.json` file of a folder in name order.
    pub fn from_path(path: &Path) -> anyhow::Result<Vec<Self>> {
        let files: Vec<PathBuf> = if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            files.sort();
            files
        } else {
            vec![path.to_path_buf()]
        };
        files
            .into_iter()
            .map(|file| {
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", file.display()))?;
                Ok(Self {
                    name: file.display().to_string(),
                    text,
                })
            })
            .collect()
    }
}

/// One problem in a fixture file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureError {
    pub file: String,
    pub object: String,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for FixtureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}: {}: {}",
            self.file, self.object, self.field, self.message
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    tenants: Vec<Map<String, Value>>,
}

/// A tenant ready to insert.
#[derive(Debug, Clone)]
pub struct TenantSeed {
    pub id: String,
    pub display_name: String,
    pub domains: Vec<String>,
    pub cloud: String,
    pub country: Option<String>,
    pub settings: Value,
    pub users: Vec<UserSeed>,
    pub groups: Vec<GroupSeed>,
    /// Sections later features read (LinkedIn network, apps, grants), kept as given.
    pub extras: Map<String, Value>,
}

#[derive(Debug, Clone)]
pub struct UserSeed {
    pub id: String,
    pub user: User,
    pub password: Option<String>,
    pub roles: Vec<&'static str>,
    pub linked_in: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct GroupSeed {
    pub id: String,
    pub group: Group,
    pub members: Vec<String>,
}

/// The digest stored for a password: SHA-256, compared in constant time. Fast on purpose: a
/// simulator's token endpoint must not be bound by a key-derivation function.
pub fn password_digest(password: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, password.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Constant-time comparison of a password with a stored digest.
pub fn password_matches(password: &str, digest: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(
        password_digest(password).as_bytes(),
        digest.as_bytes(),
    )
    .is_ok()
}

const CLOUDS: &[&str] = &["public", "usgov", "china", "germany"];
const USER_EXTRAS: &[&str] = &["id", "password", "directoryRoles", "linkedIn"];
const TENANT_EXTRAS: &[&str] = &[
    "linkedInNetwork",
    "servicePrincipals",
    "applications",
    "oauth2PermissionGrants",
];

struct Checker<'a> {
    file: &'a str,
    errors: Vec<FixtureError>,
}

impl Checker<'_> {
    fn error(
        &mut self,
        object: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.errors.push(FixtureError {
            file: self.file.to_owned(),
            object: object.into(),
            field: field.into(),
            message: message.into(),
        });
    }

    fn guid(&mut self, object: &str, field: &str, value: Option<&Value>) -> Option<String> {
        match value.and_then(Value::as_str).map(uuid::Uuid::parse_str) {
            Some(Ok(id)) => Some(id.to_string()),
            Some(Err(_)) => {
                self.error(object, field, "not a GUID");
                None
            }
            None => {
                self.error(object, field, "required");
                None
            }
        }
    }

    /// Deserializes a Graph object, reporting unknown properties and wrong types.
    fn typed<T: serde::de::DeserializeOwned + Default>(
        &mut self,
        object: &str,
        map: Map<String, Value>,
    ) -> T {
        let mut unknown = Vec::new();
        let result: Result<T, _> =
            serde_ignored::deserialize(Value::Object(map), |path| unknown.push(path.to_string()));
        for field in unknown {
            self.error(object, field, "unknown property");
        }
        result.unwrap_or_else(|err| {
            let text = err.to_string();
            let field = text.split('`').nth(1).unwrap_or("(value)").to_owned();
            self.error(object, field, text);
            T::default()
        })
    }
}

/// Parses and validates one fixture document.
pub fn parse(source: &FixtureSource) -> Result<Vec<TenantSeed>, Vec<FixtureError>> {
    let mut check = Checker {
        file: &source.name,
        errors: Vec::new(),
    };
    let file: FixtureFile = match serde_json::from_str(&source.text) {
        Ok(file) => file,
        Err(err) => {
            check.error(
                "(document)",
                format!("line {} column {}", err.line(), err.column()),
                err.to_string(),
            );
            return Err(check.errors);
        }
    };
    let mut tenants = Vec::new();
    for (index, tenant) in file.tenants.into_iter().enumerate() {
        if let Some(seed) = parse_tenant(&mut check, index, tenant) {
            tenants.push(seed);
        }
    }
    if check.errors.is_empty() {
        Ok(tenants)
    } else {
        Err(check.errors)
    }
}

fn parse_tenant(
    check: &mut Checker<'_>,
    index: usize,
    mut t: Map<String, Value>,
) -> Option<TenantSeed> {
    let object = format!("tenants[{index}]");
    let id = check.guid(&object, "id", t.get("id"));
    let object = format!("tenant {}", id.as_deref().unwrap_or(&object));
    let display_name = t
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if display_name.is_empty() {
        check.error(&object, "displayName", "required");
    }
    let domains: Vec<String> = match t.get("domains") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .collect(),
        _ => {
            check.error(
                &object,
                "domains",
                "required: a non-empty array of domain names",
            );
            Vec::new()
        }
    };
    let cloud = t
        .get("cloud")
        .and_then(Value::as_str)
        .unwrap_or("public")
        .to_owned();
    if !CLOUDS.contains(&cloud.as_str()) {
        check.error(
            &object,
            "cloud",
            format!("must be one of {}", CLOUDS.join(", ")),
        );
    }
    let country = t
        .get("country")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase);
    let settings = t
        .remove("settings")
        .unwrap_or_else(|| Value::Object(Map::new()));
    if !settings.is_object() {
        check.error(&object, "settings", "must be an object");
    }
    for key in t.keys() {
        let known = [
            "id",
            "displayName",
            "domains",
            "cloud",
            "country",
            "users",
            "groups",
        ]
        .contains(&key.as_str())
            || TENANT_EXTRAS.contains(&key.as_str());
        if !known {
            check.error(&object, key.as_str(), "unknown property");
        }
    }
    let users = parse_users(check, &object, t.remove("users"), &domains);
    let groups = parse_groups(check, &object, t.remove("groups"));
    check_memberships(check, &object, &users, &groups);
    let extras: Map<String, Value> = TENANT_EXTRAS
        .iter()
        .filter_map(|k| t.remove(*k).map(|v| ((*k).to_owned(), v)))
        .collect();
    check_network(check, &object, extras.get("linkedInNetwork"), &users);
    Some(TenantSeed {
        id: id?,
        display_name,
        domains,
        cloud,
        country,
        settings,
        users,
        groups,
        extras,
    })
}

fn parse_users(
    check: &mut Checker<'_>,
    tenant: &str,
    value: Option<Value>,
    domains: &[String],
) -> Vec<UserSeed> {
    let Some(Value::Array(items)) = value else {
        return Vec::new();
    };
    let mut seen_upns = HashSet::new();
    let mut users = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let Value::Object(mut map) = item else {
            check.error(
                format!("{tenant} users[{index}]"),
                "(value)",
                "must be an object",
            );
            continue;
        };
        let upn = map
            .get("userPrincipalName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let object = format!(
            "{tenant} user {}",
            if upn.is_empty() {
                format!("users[{index}]")
            } else {
                upn.clone()
            }
        );
        let id = check.guid(&object, "id", map.get("id"));
        let password = map
            .get("password")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let roles = match map.get("directoryRoles") {
            None => Vec::new(),
            Some(Value::Array(names)) => names
                .iter()
                .filter_map(|name| {
                    let role = name.as_str().and_then(crate::roles::template_id);
                    if role.is_none() {
                        check.error(
                            &object,
                            "directoryRoles",
                            format!("unknown directory role {name}"),
                        );
                    }
                    role
                })
                .collect(),
            Some(_) => {
                check.error(&object, "directoryRoles", "must be an array of role names");
                Vec::new()
            }
        };
        let linked_in = map.get("linkedIn").cloned();
        USER_EXTRAS.iter().for_each(|k| {
            map.remove(*k);
        });
        let user: User = check.typed(&object, map);
        if user.display_name.as_deref().is_none_or(str::is_empty) {
            check.error(&object, "displayName", "required");
        }
        if user.account_enabled.is_none() {
            check.error(&object, "accountEnabled", "required");
        }
        match upn.rsplit_once('@') {
            _ if upn.is_empty() => check.error(&object, "userPrincipalName", "required"),
            Some((_, domain)) if domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) => {}
            _ => check.error(
                &object,
                "userPrincipalName",
                "the domain must be one of the tenant's domains",
            ),
        }
        if !upn.is_empty() && !seen_upns.insert(upn.to_ascii_lowercase()) {
            check.error(&object, "userPrincipalName", "duplicate userPrincipalName");
        }
        if let Some(id) = id {
            users.push(UserSeed {
                id,
                user,
                password,
                roles,
                linked_in,
            });
        }
    }
    users
}

fn parse_groups(check: &mut Checker<'_>, tenant: &str, value: Option<Value>) -> Vec<GroupSeed> {
    let Some(Value::Array(items)) = value else {
        return Vec::new();
    };
    let mut groups = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let Value::Object(mut map) = item else {
            check.error(
                format!("{tenant} groups[{index}]"),
                "(value)",
                "must be an object",
            );
            continue;
        };
        let name = map
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let object = format!(
            "{tenant} group {}",
            if name.is_empty() {
                format!("groups[{index}]")
            } else {
                format!("'{name}'")
            }
        );
        let id = check.guid(&object, "id", map.get("id"));
        map.remove("id");
        let members = match map.remove("members") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|m| check.guid(&object, "members", Some(m)))
                .collect(),
            Some(_) => {
                check.error(&object, "members", "must be an array of object ids");
                Vec::new()
            }
        };
        let group: Group = check.typed(&object, map);
        if let Err(err) = groups::validate(&group) {
            check.error(&object, "(group)", err.message.to_string());
        }
        if let Some(id) = id {
            groups.push(GroupSeed { id, group, members });
        }
    }
    groups
}

/// Ids unique, members present, no groups in Microsoft 365 groups, no nesting cycles.
fn check_memberships(
    check: &mut Checker<'_>,
    tenant: &str,
    users: &[UserSeed],
    groups: &[GroupSeed],
) {
    let mut ids = HashSet::new();
    for id in users
        .iter()
        .map(|u| &u.id)
        .chain(groups.iter().map(|g| &g.id))
    {
        if !ids.insert(id.clone()) {
            check.error(tenant, "id", format!("duplicate object id {id}"));
        }
    }
    let group_ids: HashMap<&str, &GroupSeed> = groups.iter().map(|g| (g.id.as_str(), g)).collect();
    for group in groups {
        let object = format!(
            "{tenant} group '{}'",
            group.group.display_name.as_deref().unwrap_or(&group.id)
        );
        for member in &group.members {
            if !ids.contains(member) {
                check.error(
                    &object,
                    "members",
                    format!("{member} is not a user or group of this tenant"),
                );
            } else if group_ids.contains_key(member.as_str()) && group.group.is_unified() {
                check.error(
                    &object,
                    "members",
                    format!("{member}: Microsoft 365 groups cannot contain groups"),
                );
            }
        }
    }
    // Depth-first search for a cycle through group members.
    fn visit<'a>(
        id: &'a str,
        groups: &HashMap<&'a str, &'a GroupSeed>,
        path: &mut Vec<&'a str>,
        done: &mut HashSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| *p == id) {
            return Some(
                path[at..]
                    .iter()
                    .map(|s| (*s).to_owned())
                    .chain([id.to_owned()])
                    .collect(),
            );
        }
        if !done.insert(id) {
            return None;
        }
        path.push(id);
        for member in groups.get(id).map(|g| g.members.as_slice()).unwrap_or(&[]) {
            if groups.contains_key(member.as_str())
                && let Some(cycle) = visit(member, groups, path, done)
            {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = HashSet::new();
    for group in groups {
        if let Some(cycle) = visit(&group.id, &group_ids, &mut Vec::new(), &mut done) {
            check.error(
                tenant,
                "groups",
                format!("nesting cycle: {}", cycle.join(" -> ")),
            );
            break;
        }
    }
}

fn check_network(
    check: &mut Checker<'_>,
    tenant: &str,
    network: Option<&Value>,
    users: &[UserSeed],
) {
    let Some(network) = network else { return };
    let ids: HashSet<&str> = users.iter().map(|u| u.id.as_str()).collect();
    let Value::Array(pairs) = network else {
        check.error(
            tenant,
            "linkedInNetwork",
            "must be an array of [user, user] pairs",
        );
        return;
    };
    for (index, pair) in pairs.iter().enumerate() {
        let ok = pair.as_array().is_some_and(|p| {
            p.len() == 2
                && p.iter().all(|id| {
                    id.as_str()
                        .and_then(|s| uuid::Uuid::parse_str(s).ok())
                        .is_some_and(|u| ids.contains(u.to_string().as_str()))
                })
        });
        if !ok {
            check.error(
                tenant,
                format!("linkedInNetwork[{index}]"),
                "must be a pair of user ids of this tenant",
            );
        }
    }
}

/// Parses every source; all errors of all files are reported together.
pub fn parse_all(sources: &[FixtureSource]) -> Result<Vec<TenantSeed>, Vec<FixtureError>> {
    let mut tenants = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for source in sources {
        match parse(source) {
            Ok(parsed) => {
                for tenant in parsed {
                    if !seen.insert(tenant.id.clone()) {
                        errors.push(FixtureError {
                            file: source.name.clone(),
                            object: format!("tenant {}", tenant.id),
                            field: "id".to_owned(),
                            message: "the same tenant id appears twice".to_owned(),
                        });
                    }
                    tenants.push(tenant);
                }
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(tenants)
    } else {
        Err(errors)
    }
}

/// Writes parsed tenants in one transaction: all or nothing.
pub async fn load(db: &Db, tenants: &[TenantSeed]) -> anyhow::Result<()> {
    let mut tx = db.begin_write().await?;
    for tenant in tenants {
        insert_tenant(&mut tx, tenant).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Inserts one tenant inside the caller's transaction.
pub async fn insert_tenant(
    conn: &mut sqlx::SqliteConnection,
    tenant: &TenantSeed,
) -> anyhow::Result<()> {
    let settings = serde_json::to_string(&tenant.settings)?;
    let new = store::tenants::NewTenant {
        id: &tenant.id,
        display_name: &tenant.display_name,
        cloud: &tenant.cloud,
        country: tenant.country.as_deref(),
        settings: &settings,
        domains: &tenant.domains,
    };
    if store::tenants::tenant_exists(conn, &tenant.id).await? {
        anyhow::bail!("tenant {} already exists", tenant.id);
    }
    store::tenants::insert_tenant(conn, &new).await?;
    for seed in &tenant.users {
        let data = serde_json::to_string(&seed.user)?;
        let write = ObjectWrite {
            id: &seed.id,
            kind: Kind::User,
            display_name: seed.user.display_name.as_deref(),
            user_principal_name: seed.user.user_principal_name.as_deref(),
            app_id: None,
            data: &data,
        };
        let secret = seed.password.as_deref().map(password_digest);
        store::objects::insert_object(conn, &tenant.id, &write, secret.as_deref()).await?;
        for role in &seed.roles {
            store::members::assign_role(conn, &tenant.id, role, &seed.id).await?;
        }
    }
    for seed in &tenant.groups {
        let data = serde_json::to_string(&seed.group)?;
        let write = ObjectWrite {
            id: &seed.id,
            kind: Kind::Group,
            display_name: seed.group.display_name.as_deref(),
            user_principal_name: None,
            app_id: None,
            data: &data,
        };
        store::objects::insert_object(conn, &tenant.id, &write, None).await?;
    }
    for seed in &tenant.groups {
        for member in &seed.members {
            store::members::add_member(conn, &tenant.id, &seed.id, member).await?;
        }
    }
    Ok(())
}
