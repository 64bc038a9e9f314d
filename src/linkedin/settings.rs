//! The tenant's LinkedIn account-connections setting as the Azure portal stores it
//! (`enableLinkedInAppFamily`: 0 = Yes, 1 = No, 4 = Selected group), kept in the tenant's
//! settings JSON under `linkedIn`, with the cloud and provisioning-country defaults.
//! See <https://learn.microsoft.com/entra/identity/users/linkedin-integration>.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::tenants::TenantRow;

/// Yes: every user may connect.
pub const ENABLED: i64 = 0;
/// No: LinkedIn features are off for everyone.
pub const DISABLED: i64 = 1;
/// Selected group: only members of one group may connect.
pub const SELECTED_GROUP: i64 = 4;

/// The LinkedIn service principal's placeholder appId.
// Divergence: the real LinkedIn app's appId and scopes are not public (graph-contract D1);
// this GUID spells "linked" in its last group and is NOT the real LinkedIn application.
pub const DEFAULT_APP_ID: &str = "7e5a1c4d-1d0e-4f00-8000-6c696e6b6564";
/// The delegated scopes a user's LinkedIn connection grants (to Microsoft Graph).
pub const DEFAULT_SCOPE: &str = "User.Read People.Read";

/// The stored setting (fixture `settings.linkedIn`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct LinkedInSettings {
    /// `None` until set: the provisioning default applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_linked_in_app_family: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_group_id: Option<String>,
    /// Whether nested (transitive) membership of the selected group counts.
    // Divergence: unknown in Entra (graph-contract D4); direct membership by default.
    #[serde(default)]
    pub nested_group_membership: bool,
    /// Show LinkedIn's public profile to viewers who have not connected (graph-contract D6).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub show_public_profiles: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

/// Whether LinkedIn integration exists at all in a cloud: not in US Government, China
/// (21Vianet) or Germany.
pub fn provisioned(cloud: &str) -> bool {
    cloud.eq_ignore_ascii_case("public")
}

impl LinkedInSettings {
    pub fn from_tenant(tenant: &TenantRow) -> Self {
        let settings: Value = serde_json::from_str(&tenant.settings).unwrap_or(Value::Null);
        settings
            .get("linkedIn")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }

    /// The effective value: the stored one, or the provisioning default (No for tenants
    /// provisioned in Germany or France, Yes otherwise). `None` where LinkedIn is not provisioned.
    pub fn effective(&self, tenant: &TenantRow) -> Option<i64> {
        if !provisioned(&tenant.cloud) {
            return None;
        }
        Some(self.enable_linked_in_app_family.unwrap_or_else(|| {
            let country = tenant.country.as_deref().unwrap_or("");
            if country.eq_ignore_ascii_case("DE") || country.eq_ignore_ascii_case("FR") {
                DISABLED
            } else {
                ENABLED
            }
        }))
    }

    pub fn app_id(&self) -> &str {
        self.app_id.as_deref().unwrap_or(DEFAULT_APP_ID)
    }

    pub fn scope(&self) -> &str {
        self.scope.as_deref().unwrap_or(DEFAULT_SCOPE)
    }

    /// Writes this setting back into a tenant's settings JSON text.
    pub fn store_into(&self, settings_json: &str) -> String {
        let mut settings: Value =
            serde_json::from_str(settings_json).unwrap_or_else(|_| serde_json::json!({}));
        if !settings.is_object() {
            settings = serde_json::json!({});
        }
        settings["linkedIn"] = serde_json::to_value(self).unwrap_or(Value::Null);
        settings.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(cloud: &str, country: &str, settings: &str) -> TenantRow {
        TenantRow {
            id: "t".into(),
            display_name: "T".into(),
            cloud: cloud.into(),
            country: Some(country.into()),
            settings: settings.into(),
        }
    }

    #[test]
    fn defaults_follow_cloud_and_provisioning_country() {
        let yes = tenant("public", "US", "{}");
        assert_eq!(
            LinkedInSettings::from_tenant(&yes).effective(&yes),
            Some(ENABLED)
        );
        for country in ["DE", "FR"] {
            let off = tenant("public", country, "{}");
            assert_eq!(
                LinkedInSettings::from_tenant(&off).effective(&off),
                Some(DISABLED)
            );
        }
        for cloud in ["usgov", "china", "germany"] {
            let none = tenant(cloud, "US", r#"{"linkedIn":{"enableLinkedInAppFamily":0}}"#);
            assert_eq!(LinkedInSettings::from_tenant(&none).effective(&none), None);
        }
        let stored = tenant(
            "public",
            "FR",
            r#"{"linkedIn":{"enableLinkedInAppFamily":4,"selectedGroupId":"g"}}"#,
        );
        assert_eq!(
            LinkedInSettings::from_tenant(&stored).effective(&stored),
            Some(SELECTED_GROUP)
        );
    }

    #[test]
    fn storing_keeps_the_other_settings() {
        let settings = LinkedInSettings {
            enable_linked_in_app_family: Some(1),
            ..Default::default()
        };
        let text = settings.store_into(r#"{"userConsent":"doNotAllow"}"#);
        let value: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(value["userConsent"], "doNotAllow");
        assert_eq!(value["linkedIn"]["enableLinkedInAppFamily"], 1);
    }
}
