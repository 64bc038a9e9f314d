//! The Graph `group` as stored, and Graph's create/update rules for it.
//! See <https://learn.microsoft.com/graph/api/resources/group> and group-post-groups.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::error::{GraphError, Result};

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
