//! The tenant's authorization policy (one per tenant) and the built-in permission-grant
//! policies. The stored state behind `/policies/authorizationPolicy` (v1.0 and beta shapes) and
//! the user-consent rule in [`crate::consent`].
//!
//! Stored in the tenant's settings JSON under `"authorizationPolicy"`, in the v1.0 shape (plus
//! beta-only properties). Until the first PATCH the policy is derived from the fixture's
//! `"userConsent"` choice (graph-contract §10.3).
//! See <https://learn.microsoft.com/graph/api/resources/authorizationpolicy>,
//! <https://learn.microsoft.com/graph/api/resources/permissiongrantpolicy> and
//! <https://learn.microsoft.com/entra/identity/enterprise-apps/configure-user-consent>.

use serde_json::{Map, Value, json};

/// The settings key the policy lives under.
pub const SETTINGS_KEY: &str = "authorizationPolicy";

/// `ManagePermissionGrantsForSelf.*` prefix (compared case-insensitively: the docs mix casing).
pub const FOR_SELF: &str = "managepermissiongrantsforself.";
/// The entry Entra tenants carry for developers consenting to their own apps.
pub const DEVELOPER_CONSENT: &str = "ManagePermissionGrantsForOwnedResource.DeveloperConsent";
/// Guest users get limited access to properties and memberships of directory objects.
const GUEST_USER_ROLE: &str = "10dae51f-b6af-4016-8d66-8c2a99b929b3";

/// Properties that only beta shows (stored alongside, left out of v1.0).
const BETA_ONLY: &[&str] = &["enabledPreviewFeatures"];

/// A PATCH body tenantsim refuses; the text is the client-facing message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidPatch(pub String);

/// The `ManagePermissionGrantsFor*` entries the fixture's `userConsent` choice maps to (or a
/// legacy top-level `permissionGrantPoliciesAssigned` list in the settings).
pub fn default_assignments(settings: &Value) -> Vec<String> {
    if let Some(list) = settings
        .get("permissionGrantPoliciesAssigned")
        .and_then(Value::as_array)
    {
        return strings(list);
    }
    let for_self = match settings.get("userConsent").and_then(Value::as_str) {
        Some("doNotAllow") => None,
        Some("allowUserConsentLowRisk") => {
            Some("ManagePermissionGrantsForSelf.microsoft-user-default-low")
        }
        _ => Some("ManagePermissionGrantsForSelf.microsoft-user-default-legacy"),
    };
    for_self
        .into_iter()
        .chain([DEVELOPER_CONSENT])
        .map(str::to_owned)
        .collect()
}

fn strings(list: &[Value]) -> Vec<String> {
    list.iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// The permission-grant policies assigned to the default user role: the stored policy's
/// list, else the fixture default.
pub fn assigned(settings: &Value) -> Vec<String> {
    settings
        .pointer("/authorizationPolicy/defaultUserRolePermissions/permissionGrantPoliciesAssigned")
        .and_then(Value::as_array)
        .map_or_else(|| default_assignments(settings), |list| strings(list))
}

fn defaults(settings: &Value) -> Map<String, Value> {
    let value = json!({
        "id": "authorizationPolicy",
        "displayName": "Authorization Policy",
        "description": "Used to manage authorization related settings across the company.",
        "allowInvitesFrom": "everyone",
        "allowedToSignUpEmailBasedSubscriptions": true,
        "allowedToUseSSPR": true,
        "allowEmailVerifiedUsersToJoinOrganization": false,
        "allowUserConsentForRiskyApps": false,
        "blockMsolPowerShell": false,
        "guestUserRoleId": GUEST_USER_ROLE,
        "enabledPreviewFeatures": [],
        "defaultUserRolePermissions": {
            "allowedToCreateApps": true,
            "allowedToCreateSecurityGroups": true,
            "allowedToCreateTenants": true,
            "allowedToReadBitlockerKeysForOwnedDevice": true,
            "allowedToReadOtherUsers": true,
            "permissionGrantPoliciesAssigned": default_assignments(settings),
        },
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The current policy in the stored (v1.0 + beta-only) shape: defaults, overlaid by what a
/// PATCH stored.
pub fn current(settings: &Value) -> Map<String, Value> {
    let mut policy = defaults(settings);
    if let Some(stored) = settings.get(SETTINGS_KEY).and_then(Value::as_object) {
        overlay(&mut policy, stored);
    }
    policy
}

/// Copies `patch` onto `policy`; `defaultUserRolePermissions` merges one level deeper.
fn overlay(policy: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (name, value) in patch {
        match (policy.get_mut(name), value) {
            (Some(Value::Object(inner)), Value::Object(update))
                if name == "defaultUserRolePermissions" =>
            {
                for (k, v) in update {
                    inner.insert(k.clone(), v.clone());
                }
            }
            _ => {
                policy.insert(name.clone(), value.clone());
            }
        }
    }
}

/// The v1.0 rendering: a single object with `defaultUserRolePermissions.permissionGrantPoliciesAssigned`.
pub fn v1(policy: &Map<String, Value>) -> Map<String, Value> {
    let mut out = policy.clone();
    BETA_ONLY.iter().for_each(|k| {
        out.remove(*k);
    });
    out
}

/// The beta rendering: the assigned policies move to the top-level
/// `permissionGrantPolicyIdsAssignedToDefaultUserRole`.
pub fn beta(policy: &Map<String, Value>) -> Map<String, Value> {
    let mut out = policy.clone();
    let assigned = out
        .get_mut("defaultUserRolePermissions")
        .and_then(Value::as_object_mut)
        .and_then(|d| d.remove("permissionGrantPoliciesAssigned"))
        .unwrap_or_else(|| json!([]));
    out.insert(
        "permissionGrantPolicyIdsAssignedToDefaultUserRole".into(),
        assigned,
    );
    out
}

/// Which shape a PATCH body uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    V1,
    Beta,
}

const BOOLS: &[&str] = &[
    "allowedToSignUpEmailBasedSubscriptions",
    "allowedToUseSSPR",
    "allowEmailVerifiedUsersToJoinOrganization",
    "allowUserConsentForRiskyApps",
    "blockMsolPowerShell",
];
const ROLE_BOOLS: &[&str] = &[
    "allowedToCreateApps",
    "allowedToCreateSecurityGroups",
    "allowedToCreateTenants",
    "allowedToReadBitlockerKeysForOwnedDevice",
    "allowedToReadOtherUsers",
];
const INVITES_FROM: &[&str] = &[
    "none",
    "adminsAndGuestInviters",
    "adminsGuestInvitersAndAllMembers",
    "everyone",
];

fn unknown(name: &str) -> InvalidPatch {
    InvalidPatch(format!(
        "The property '{name}' does not exist on type 'microsoft.graph.authorizationPolicy'. Make sure to only use property names that are defined by the type."
    ))
}

fn invalid(name: &str) -> InvalidPatch {
    InvalidPatch(format!(
        "Invalid value specified for property '{name}' of resource 'AuthorizationPolicy'."
    ))
}

fn string_list(name: &str, value: &Value) -> Result<Value, InvalidPatch> {
    match value {
        Value::Array(items) if items.iter().all(Value::is_string) => Ok(value.clone()),
        _ => Err(invalid(name)),
    }
}

/// Applies a partial PATCH body to `policy`. Properties left out keep their values; the
/// assigned-policies list is replaced as a whole (Graph's collection semantics: a client that
/// wants to keep `ManagePermissionGrantsForOwnedResource.*` entries sends them again, as
/// configure-user-consent.md tells it to). Entries are stored as sent, casing included.
pub fn apply_patch(
    policy: &mut Map<String, Value>,
    body: &Map<String, Value>,
    shape: Shape,
) -> Result<(), InvalidPatch> {
    let mut patch = Map::new();
    for (name, value) in body {
        let stored = match name.as_str() {
            "@odata.type" => continue,
            n if BOOLS.contains(&n) => {
                value.as_bool().map(Value::Bool).ok_or_else(|| invalid(n))?
            }
            "allowInvitesFrom" => match value.as_str() {
                Some(v) if INVITES_FROM.contains(&v) => value.clone(),
                _ => return Err(invalid(name)),
            },
            "guestUserRoleId" => match value.as_str().map(uuid::Uuid::parse_str) {
                Some(Ok(id)) => Value::String(id.to_string()),
                _ => return Err(invalid(name)),
            },
            "enabledPreviewFeatures" if shape == Shape::Beta => string_list(name, value)?,
            "permissionGrantPolicyIdsAssignedToDefaultUserRole" if shape == Shape::Beta => {
                let list = string_list(name, value)?;
                merge_role(&mut patch, "permissionGrantPoliciesAssigned", list);
                continue;
            }
            "defaultUserRolePermissions" => {
                let inner = value.as_object().ok_or_else(|| invalid(name))?;
                for (key, v) in inner {
                    let checked = match key.as_str() {
                        "@odata.type" => continue,
                        k if ROLE_BOOLS.contains(&k) => {
                            v.as_bool().map(Value::Bool).ok_or_else(|| invalid(k))?
                        }
                        "permissionGrantPoliciesAssigned" if shape == Shape::V1 => {
                            string_list(key, v)?
                        }
                        _ => return Err(unknown(key)),
                    };
                    merge_role(&mut patch, key, checked);
                }
                continue;
            }
            _ => return Err(unknown(name)),
        };
        patch.insert(name.clone(), stored);
    }
    overlay(policy, &patch);
    Ok(())
}

fn merge_role(patch: &mut Map<String, Value>, key: &str, value: Value) {
    if let Value::Object(role) = patch
        .entry("defaultUserRolePermissions")
        .or_insert_with(|| json!({}))
    {
        role.insert(key.to_owned(), value);
    }
}

/// The settings JSON with `policy` stored under [`SETTINGS_KEY`].
pub fn store_into(settings: &Value, policy: &Map<String, Value>) -> String {
    let mut settings = match settings {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    settings.insert(SETTINGS_KEY.to_owned(), Value::Object(policy.clone()));
    Value::Object(settings).to_string()
}

/// Whether some `ManagePermissionGrantsForSelf.*` policy is among `assigned`.
pub fn allows_user_consent(assigned: &[String]) -> bool {
    assigned
        .iter()
        .any(|p| p.to_ascii_lowercase().starts_with(FOR_SELF))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_user_consent_choice_and_keep_developer_consent() {
        let legacy = assigned(&json!({}));
        assert_eq!(
            legacy,
            [
                "ManagePermissionGrantsForSelf.microsoft-user-default-legacy",
                DEVELOPER_CONSENT
            ]
        );
        assert_eq!(
            assigned(&json!({"userConsent": "doNotAllow"})),
            [DEVELOPER_CONSENT]
        );
        assert!(
            assigned(&json!({"userConsent": "allowUserConsentLowRisk"}))[0]
                .ends_with("microsoft-user-default-low")
        );
    }

    #[test]
    fn patches_merge_properties_and_replace_the_list() {
        let settings = json!({});
        let mut policy = current(&settings);
        let body = json!({"allowInvitesFrom": "none", "defaultUserRolePermissions": {"allowedToCreateApps": false}});
        apply_patch(&mut policy, body.as_object().unwrap(), Shape::V1).unwrap();
        let stored: Value = serde_json::from_str(&store_into(&settings, &policy)).unwrap();
        assert_eq!(assigned(&stored).len(), 2);
        let beta_body = json!({"permissionGrantPolicyIdsAssignedToDefaultUserRole": []});
        let mut policy = current(&stored);
        apply_patch(&mut policy, beta_body.as_object().unwrap(), Shape::Beta).unwrap();
        assert_eq!(policy["allowInvitesFrom"], "none");
        assert_eq!(
            policy["defaultUserRolePermissions"]["allowedToCreateApps"],
            false
        );
        assert_eq!(
            beta(&policy)["permissionGrantPolicyIdsAssignedToDefaultUserRole"],
            json!([])
        );
        let wrong = json!({"permissionGrantPolicyIdsAssignedToDefaultUserRole": []});
        assert!(apply_patch(&mut policy, wrong.as_object().unwrap(), Shape::V1).is_err());
        let wrong = json!({"allowInvitesFrom": "anyone"});
        assert!(apply_patch(&mut policy, wrong.as_object().unwrap(), Shape::V1).is_err());
    }
}
