//! Groups: list, get, create (security, Microsoft 365, dynamic), update, delete.
//! See <https://learn.microsoft.com/graph/api/resources/group>, group-list, group-get,
//! group-post-groups, group-update and group-delete.

use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::list::{self, ListSpec};
use super::members::{bind_targets, check_can_add};
use crate::auth::{Caller, permissions};
use crate::error::{GraphError, Result};
use crate::odata::model;
use crate::protocol::request::{GraphQuery, JsonObject, typed};
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, objects::Kind, objects::ObjectWrite, objects::Scope};

/// Graph's default property set for groups (group-get.md).
pub const DEFAULT_PROPERTIES: &[&str] = &[
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "creationOptions",
    "description",
    "displayName",
    "expirationDateTime",
    "groupTypes",
    "isAssignableToRole",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesDomainName",
    "onPremisesLastSyncDateTime",
    "onPremisesNetBiosName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "renewedDateTime",
    "resourceBehaviorOptions",
    "resourceProvisioningOptions",
    "securityEnabled",
    "securityIdentifier",
    "theme",
    "visibility",
    "onPremisesProvisioningErrors",
    "serviceProvisioningErrors",
];

/// The stored Graph `group` (without `id`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<String>,
    #[serde(default)]
    pub creation_options: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default)]
    pub group_types: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_assignable_to_role: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_nickname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub membership_rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub membership_rule_processing_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_data_location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    #[serde(default)]
    pub proxy_addresses: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renewed_date_time: Option<String>,
    #[serde(default)]
    pub resource_behavior_options: Vec<String>,
    #[serde(default)]
    pub resource_provisioning_options: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    #[serde(default)]
    pub on_premises_provisioning_errors: Vec<Value>,
    #[serde(default)]
    pub service_provisioning_errors: Vec<Value>,
}

impl Group {
    pub fn is_unified(&self) -> bool {
        self.group_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case("Unified"))
    }

    pub fn is_dynamic(&self) -> bool {
        self.group_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case("DynamicMembership"))
    }
}

const READ_ONLY: &[&str] = &[
    "id",
    "createdDateTime",
    "securityIdentifier",
    "renewedDateTime",
    "deletedDateTime",
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/groups", get(list_groups).post(create_group))
        .route(
            "/groups/{group}",
            get(get_group).patch(update_group).delete(delete_group),
        )
}

pub fn render(
    id: &str,
    data: &str,
    select: Option<&[&str]>,
    version: ApiVersion,
) -> Map<String, Value> {
    let data: Map<String, Value> = serde_json::from_str(data).unwrap_or_default();
    wire::project(
        id,
        &data,
        select,
        DEFAULT_PROPERTIES,
        version == ApiVersion::Beta,
    )
}

/// GET /groups — group-list. Permissions: `permissions::GROUPS_READ`.
async fn list_groups(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    query: GraphQuery,
) -> Result<GraphJson> {
    caller.require(&permissions::GROUPS_READ)?;
    let spec = ListSpec {
        scope: Scope::All(Kind::Group),
        kind: None,
        model: &model::GROUP,
        context_path: "groups",
        polymorphic: false,
    };
    list::list(&state, &caller.tenant, version, &origin, &query, &spec).await
}

/// GET /groups/{id} — group-get. Permissions: `permissions::GROUPS_READ`.
async fn get_group(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    query: GraphQuery,
    Path(id): Path<String>,
) -> Result<GraphJson> {
    caller.require(&permissions::GROUPS_READ)?;
    let options = query.entity_options(&model::GROUP)?;
    let mut conn = state.db.pool.acquire().await?;
    let row = load(&mut conn, &caller.tenant, &id).await?;
    let select = options.select.as_deref();
    let mut fields = render(&row.id, &row.data, select, version);
    if let Some(expand) = &options.expand {
        list::expand_members(
            &mut conn,
            &caller.tenant,
            version,
            &row,
            expand,
            &mut fields,
        )
        .await?;
    }
    let context = wire::context_url(&origin, version, "groups", select, true);
    Ok(GraphJson(StatusCode::OK, wire::entity(context, fields)))
}

/// A group row by id, or Graph's 404.
pub async fn load(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    id: &str,
) -> Result<store::objects::ObjectRow> {
    store::objects::get_by_kind(conn, tenant, Kind::Group, id)
        .await?
        .ok_or_else(|| GraphError::not_found(id))
}

fn invalid(property: &str) -> GraphError {
    GraphError::request_bad_request(format!(
        "Invalid value specified for property '{property}' of resource 'Group'."
    ))
}

/// Graph's create/update rules for groups.
pub fn validate(group: &Group) -> Result<()> {
    let name = group.display_name.as_deref().unwrap_or("");
    if name.trim().is_empty() || name.chars().count() > 256 {
        return Err(invalid("displayName"));
    }
    let nickname = group.mail_nickname.as_deref().unwrap_or("");
    let bad_char =
        |c: char| !c.is_ascii() || c.is_ascii_whitespace() || "@()\\[]\";:.<>,".contains(c);
    if nickname.is_empty() || nickname.len() > 64 || nickname.chars().any(bad_char) {
        return Err(invalid("mailNickname"));
    }
    if group.mail_enabled.is_none() {
        return Err(invalid("mailEnabled"));
    }
    if group.security_enabled.is_none() {
        return Err(invalid("securityEnabled"));
    }
    if let Some(bad) = group.group_types.iter().find(|t| {
        !["Unified", "DynamicMembership"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(t))
    }) {
        return Err(GraphError::request_bad_request(format!(
            "Invalid value specified for property 'groupTypes' of resource 'Group': '{bad}'."
        )));
    }
    if group.is_dynamic()
        && group
            .membership_rule
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
    {
        return Err(invalid("membershipRule"));
    }
    if !group.is_unified()
        && group.mail_enabled == Some(true)
        && group.security_enabled == Some(false)
    {
        // Distribution lists cannot be created through Graph (group-post-groups).
        return Err(GraphError::request_bad_request(
            "Creating mail-enabled security groups or distribution groups is not supported through Microsoft Graph.",
        ));
    }
    Ok(())
}

/// The tenant's default domain: its first custom (verified, not `*.onmicrosoft.com`) domain,
/// or the initial domain.
pub fn default_domain(domains: &[String]) -> String {
    domains
        .iter()
        .find(|d| !d.to_ascii_lowercase().ends_with(".onmicrosoft.com"))
        .or(domains.first())
        .cloned()
        .unwrap_or_default()
}

/// `S-1-12-1-…`: the SID form Entra derives from a cloud object's GUID.
pub fn security_identifier(id: &Uuid) -> String {
    let bytes = id.to_bytes_le();
    let word = |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    format!("S-1-12-1-{}-{}-{}-{}", word(0), word(4), word(8), word(12))
}

/// POST /groups — group-post-groups. 201. Permissions: `permissions::GROUPS_WRITE`.
async fn create_group(
    caller: Caller,
    State(state): State<AppState>,
    Extension(version): Extension<ApiVersion>,
    origin: Origin,
    JsonObject(mut body): JsonObject,
) -> Result<GraphJson> {
    caller.require(&permissions::GROUPS_WRITE)?;
    let member_binds = bind_targets(body.remove("members@odata.bind"), "members@odata.bind")?;
    let owner_binds = bind_targets(body.remove("owners@odata.bind"), "owners@odata.bind")?;
    READ_ONLY.iter().for_each(|key| {
        body.remove(*key);
    });
    let mut group: Group = typed(Value::Object(body), "Group")?;
    validate(&group)?;
    let uuid = Uuid::new_v4();
    let id = uuid.to_string();
    let now = crate::clock::graph_timestamp(state.clock.now());
    group.created_date_time = Some(now.clone());
    group.security_identifier = Some(security_identifier(&uuid));
    if group.is_dynamic() && group.membership_rule_processing_state.is_none() {
        group.membership_rule_processing_state = Some("On".to_owned());
    }
    let mut tx = state.db.begin_write().await?;
    if group.is_unified() {
        group.renewed_date_time = Some(now);
        if group.mail.is_none() {
            let domains = store::tenants::tenant_domains(&mut tx, &caller.tenant).await?;
            let domain = default_domain(&domains);
            let nickname = group.mail_nickname.clone().unwrap_or_default();
            group.mail = Some(format!("{nickname}@{domain}"));
            group.proxy_addresses = vec![format!("SMTP:{nickname}@{domain}")];
        }
    }
    let data = serde_json::to_string(&group).map_err(GraphError::internal)?;
    let write = ObjectWrite {
        id: &id,
        kind: Kind::Group,
        display_name: group.display_name.as_deref(),
        user_principal_name: None,
        app_id: None,
        data: &data,
    };
    store::objects::insert_object(&mut tx, &caller.tenant, &write, None).await?;
    super::relations::bind_owners(&mut tx, &caller.tenant, &id, &owner_binds).await?;
    for member in &member_binds {
        check_can_add(&mut tx, &caller.tenant, &id, &group, member).await?;
        store::members::add_member(&mut tx, &caller.tenant, &id, member).await?;
    }
    tx.commit().await?;
    let context = wire::context_url(&origin, version, "groups", None, true);
    Ok(GraphJson(
        StatusCode::CREATED,
        wire::entity(context, render(&id, &data, None, version)),
    ))
}

/// PATCH /groups/{id} — group-update; also `members@odata.bind` (≤ 20). 204.
/// Permissions: `permissions::GROUPS_WRITE` (`GROUP_MEMBERS_WRITE` for member binds).
async fn update_group(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonObject(mut body): JsonObject,
) -> Result<Response> {
    let member_binds = bind_targets(body.remove("members@odata.bind"), "members@odata.bind")?;
    READ_ONLY.iter().for_each(|key| {
        body.remove(*key);
    });
    // An empty body still needs the write permission: otherwise a caller without any role
    // could probe which group ids exist (204 vs 404).
    if !body.is_empty() || member_binds.is_empty() {
        caller.require(&permissions::GROUPS_WRITE)?;
    }
    if !member_binds.is_empty() {
        caller.require(&permissions::GROUP_MEMBERS_WRITE)?;
    }
    let mut tx = state.db.begin_write().await?;
    let row = load(&mut tx, &caller.tenant, &id).await?;
    let mut merged: Map<String, Value> =
        serde_json::from_str(&row.data).map_err(GraphError::internal)?;
    for (name, value) in body {
        merged.insert(name, value);
    }
    merged.retain(|_, v| !v.is_null());
    let group: Group = typed(Value::Object(merged), "Group")?;
    validate(&group)?;
    let data = serde_json::to_string(&group).map_err(GraphError::internal)?;
    let write = ObjectWrite {
        id: &row.id,
        kind: Kind::Group,
        display_name: group.display_name.as_deref(),
        user_principal_name: None,
        app_id: None,
        data: &data,
    };
    store::objects::update_object(&mut tx, &caller.tenant, &write).await?;
    // The whole request fails if any bind is bad: the transaction is dropped uncommitted.
    for member in &member_binds {
        check_can_add(&mut tx, &caller.tenant, &row.id, &group, member).await?;
        if !store::members::add_member(&mut tx, &caller.tenant, &row.id, member).await? {
            return Err(super::members::already_member());
        }
    }
    tx.commit().await?;
    Ok(wire::no_content())
}

/// DELETE /groups/{id} — group-delete. 204. Permissions: `permissions::GROUPS_WRITE`.
// Divergence: Graph keeps Microsoft 365 groups in deleted items for 30 days; tenantsim deletes (D15).
async fn delete_group(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response> {
    caller.require(&permissions::GROUPS_WRITE)?;
    let mut tx = state.db.begin_write().await?;
    let row = load(&mut tx, &caller.tenant, &id).await?;
    store::objects::delete_object(&mut tx, &caller.tenant, &row.id, Kind::Group).await?;
    tx.commit().await?;
    Ok(wire::no_content())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_identifier_has_entra_form() {
        let id = Uuid::parse_str("c0a70550-0000-4000-8000-000000000201").expect("uuid");
        let sid = security_identifier(&id);
        assert!(sid.starts_with("S-1-12-1-"), "{sid}");
        assert_eq!(sid.split('-').count(), 8);
    }
}
