//! Groups: the `groups` resource declaration (list, get, `$count`, create — security,
//! Microsoft 365, dynamic — update, delete through `graph::resource`) and its special rules.
//! See <https://learn.microsoft.com/graph/api/resources/group>, group-list, group-get,
//! group-post-groups, group-update and group-delete.

use axum::Router;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::members::{bind_targets, check_can_add};
use super::resource::{self, DirectoryResource, WritableResource, Write};
use crate::auth::{Caller, permissions};
use crate::error::{GraphError, Result};
use crate::odata::model;
use crate::protocol::request::typed;
use crate::protocol::wire::{self, ApiVersion};
use crate::state::AppState;
use crate::store::{self, objects::Kind, objects::ObjectRow};

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
        .route(
            "/groups",
            get(resource::list::<Groups>).post(resource::create::<Groups>),
        )
        .route("/groups/$count", get(resource::count::<Groups>))
        .route(
            "/groups/{group}",
            get(resource::get::<Groups>)
                .patch(resource::update::<Groups>)
                .delete(resource::delete::<Groups>),
        )
}

/// The `groups` entity set. See group-list, group-get, group-post-groups, group-update,
/// group-delete.
pub struct Groups;

impl DirectoryResource for Groups {
    const SET: &'static str = "groups";
    const KIND: Kind = Kind::Group;
    const MODEL: &'static model::ResourceModel = &model::GROUP;
    const READ: &'static permissions::Permission = &permissions::GROUPS_READ;
    const READ_ONLY: &'static [&'static str] = READ_ONLY;

    fn render(
        id: &str,
        data: &Map<String, Value>,
        select: Option<&[&str]>,
        version: ApiVersion,
    ) -> Map<String, Value> {
        wire::project(
            id,
            data,
            select,
            DEFAULT_PROPERTIES,
            version == ApiVersion::Beta,
        )
    }
}

impl WritableResource for Groups {
    const CREATE: &'static permissions::Permission = &permissions::GROUPS_WRITE;
    const UPDATE: &'static permissions::Permission = &permissions::GROUPS_WRITE;
    const DELETE: &'static permissions::Permission = &permissions::GROUPS_WRITE;

    /// group-post-groups: Graph's validation, server-set values (SID, Microsoft 365 mail), then
    /// `owners@odata.bind` and `members@odata.bind` in the same transaction.
    async fn create(
        write: &mut Write<'_>,
        mut body: Map<String, Value>,
    ) -> Result<(String, Map<String, Value>)> {
        let member_binds = bind_targets(body.remove("members@odata.bind"), "members@odata.bind")?;
        let owner_binds = bind_targets(body.remove("owners@odata.bind"), "owners@odata.bind")?;
        let mut group: Group = typed(Value::Object(body), "Group")?;
        validate(&group)?;
        let uuid = Uuid::new_v4();
        let id = uuid.to_string();
        let now = crate::clock::graph_timestamp(write.state.clock.now());
        group.created_date_time = Some(now.clone());
        group.security_identifier = Some(security_identifier(&uuid));
        if group.is_dynamic() && group.membership_rule_processing_state.is_none() {
            group.membership_rule_processing_state = Some("On".to_owned());
        }
        if group.is_unified() {
            group.renewed_date_time = Some(now);
            if group.mail.is_none() {
                let domains = store::tenants::tenant_domains(write.tx, write.tenant).await?;
                let domain = default_domain(&domains);
                let nickname = group.mail_nickname.clone().unwrap_or_default();
                group.mail = Some(format!("{nickname}@{domain}"));
                group.proxy_addresses = vec![format!("SMTP:{nickname}@{domain}")];
            }
        }
        let data = stored(&group)?;
        resource::insert(write, Kind::Group, &id, &data, None).await?;
        // Owners are accepted and checked for existence; tenantsim does not model ownership yet.
        for owner in &owner_binds {
            store::objects::get_object(write.tx, write.tenant, owner)
                .await?
                .ok_or_else(|| GraphError::not_found(owner))?;
        }
        for member in &member_binds {
            check_can_add(write.tx, write.tenant, &id, &group, member).await?;
            store::members::add_member(write.tx, write.tenant, &id, member).await?;
        }
        Ok((id, data))
    }

    /// group-update; also `members@odata.bind` (≤ 20). The whole request fails if any bind is
    /// bad: the transaction is dropped uncommitted.
    async fn update(
        write: &mut Write<'_>,
        row: &ObjectRow,
        mut patch: Map<String, Value>,
    ) -> Result<()> {
        let member_binds = bind_targets(patch.remove("members@odata.bind"), "members@odata.bind")?;
        let group: Group = typed(Value::Object(resource::merge(row, patch)), "Group")?;
        validate(&group)?;
        resource::replace(write, Kind::Group, &row.id, &stored(&group)?).await?;
        for member in &member_binds {
            check_can_add(write.tx, write.tenant, &row.id, &group, member).await?;
            if !store::members::add_member(write.tx, write.tenant, &row.id, member).await? {
                return Err(super::members::already_member());
            }
        }
        Ok(())
    }

    /// Member binds need `GroupMember.ReadWrite.All`; anything else, or an empty body, the
    /// group write permission (else a caller without any role could probe which group ids
    /// exist: 204 vs 404).
    fn authorize_update(caller: &Caller, patch: &Map<String, Value>) -> Result<()> {
        let binds = patch
            .get("members@odata.bind")
            .and_then(Value::as_array)
            .is_some_and(|binds| !binds.is_empty());
        if patch.keys().any(|k| k != "members@odata.bind") || !binds {
            caller.require(&permissions::GROUPS_WRITE)?;
        }
        if binds {
            caller.require(&permissions::GROUP_MEMBERS_WRITE)?;
        }
        Ok(())
    }
}

/// The typed group as stored JSON.
fn stored(group: &Group) -> Result<Map<String, Value>> {
    match serde_json::to_value(group).map_err(GraphError::internal)? {
        Value::Object(map) => Ok(map),
        _ => Err(GraphError::internal(anyhow::anyhow!(
            "a group is a JSON object"
        ))),
    }
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
