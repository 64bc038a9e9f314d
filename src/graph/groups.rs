//! Groups: the `groups` resource declaration (list, get, `$count`, create — security,
//! Microsoft 365, dynamic — update, delete through `graph::resource`) and its special rules.
//! See <https://learn.microsoft.com/graph/api/resources/group>, group-list, group-get,
//! group-post-groups, group-update and group-delete.

use axum::routing::get;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::members::{bind_targets, check_can_add};
use super::resource::{self, DirectoryResource, WritableResource, Write};
use crate::auth::{Caller, permissions};
use crate::entities::group::{Group, default_domain, security_identifier, validate};
use crate::error::{GraphError, Result};
use crate::odata::model;
use crate::protocol::request::typed;
use crate::protocol::wire::ApiVersion;
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

const READ_ONLY: &[&str] = &[
    "id",
    "createdDateTime",
    "securityIdentifier",
    "renewedDateTime",
    "deletedDateTime",
];

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
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
        resource::render_default_set(id, data, select, version, DEFAULT_PROPERTIES)
    }
}

impl WritableResource for Groups {
    const CREATE: &'static permissions::Permission = &permissions::GROUPS_CREATE;
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
        crate::odata::catalog::check_body::<Group>("microsoft.graph.group", &body)?;
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
        super::relations::bind_owners(write.tx, write.tenant, &id, &owner_binds).await?;
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
        crate::odata::catalog::check_body::<Group>("microsoft.graph.group", &patch)?;
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
