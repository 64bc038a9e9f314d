//! Delegated consent: oauth2PermissionGrant ids, the scopes a client holds for a user, and
//! the tenant's user-consent rule that decides whether a user may consent on their own.
//! See <https://learn.microsoft.com/graph/api/resources/oauth2permissiongrant> and
//! <https://learn.microsoft.com/entra/identity/enterprise-apps/configure-user-consent>.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use sqlx::SqliteConnection;

use crate::store::{self, apps::GrantRow};

/// `base64url(clientId ‖ resourceId [‖ principalId])`, each GUID in Microsoft's mixed-endian
/// byte order: 43 characters for AllPrincipals, 64 for Principal (graph-contract §9.2).
pub fn grant_id(client: &str, resource: &str, principal: Option<&str>) -> Option<String> {
    let mut bytes = Vec::with_capacity(48);
    for id in [Some(client), Some(resource), principal]
        .into_iter()
        .flatten()
    {
        bytes.extend_from_slice(&uuid::Uuid::parse_str(id).ok()?.to_bytes_le());
    }
    Some(URL_SAFE_NO_PAD.encode(bytes))
}

/// The union of scopes in `grants`, in first-seen order.
pub fn scopes_of(grants: &[GrantRow]) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    for grant in grants {
        for scope in grant.scope.split_whitespace() {
            if !scopes.iter().any(|s| s.eq_ignore_ascii_case(scope)) {
                scopes.push(scope.to_owned());
            }
        }
    }
    scopes
}

/// Scopes `client` (service-principal id) holds on `resource` for `user`.
pub async fn granted_scopes(
    conn: &mut SqliteConnection,
    tenant: &str,
    client: &str,
    resource: &str,
    user: &str,
) -> sqlx::Result<Vec<String>> {
    let grants = store::apps::grants_for(conn, tenant, client, resource, user).await?;
    Ok(scopes_of(&grants))
}

/// The permission-grant policies assigned to the default user role: the stored
/// authorization policy (`PATCH /policies/authorizationPolicy`) first, then the one the
/// fixture's `userConsent` choice maps to (see [`crate::policy::assigned`]).
pub fn permission_grant_policies(settings: &Value) -> Vec<String> {
    crate::policy::assigned(settings)
}

/// Whether users may consent for themselves: some `ManagePermissionGrantsForSelf.*` policy is
/// assigned (compared case-insensitively, as the docs mix the casing).
pub fn users_may_consent(settings: &Value) -> bool {
    crate::policy::allows_user_consent(&permission_grant_policies(settings))
}

/// The permissions `ManagePermissionGrantsForSelf.microsoft-user-default-low` lets users
/// consent to: Microsoft's "low impact" classification of its own Graph scopes.
pub const LOW_IMPACT_SCOPES: &[&str] = &[
    "User.Read",
    "openid",
    "profile",
    "email",
    "offline_access",
    "User.ReadBasic.All",
];

/// Whether the policy lets an ordinary user consent to `permissions` (the ones not yet granted)
/// for themselves. OpenID scopes never need an admin; Graph scopes marked admin-only always
/// do; under the `-low` policy alone only [`LOW_IMPACT_SCOPES`] qualify. Permissions of other
/// resources, and Graph permissions tenantsim does not know, need an admin.
/// [I] a custom `ManagePermissionGrantsForSelf.*` policy is treated like `-legacy`.
pub fn user_may_consent_to(
    settings: &Value,
    permissions: &[String],
    resource_is_graph: bool,
) -> bool {
    let own: Vec<String> = permission_grant_policies(settings)
        .iter()
        .map(|p| p.to_ascii_lowercase())
        .filter(|p| p.starts_with("managepermissiongrantsforself."))
        .collect();
    if own.is_empty() {
        return false;
    }
    let low_only = own
        .iter()
        .all(|p| p.ends_with(".microsoft-user-default-low"));
    permissions.iter().all(|value| {
        if crate::sts::scopes::OIDC_SCOPES
            .iter()
            .any(|s| s.eq_ignore_ascii_case(value))
        {
            return true;
        }
        let Some(permission) = resource_is_graph
            .then(|| crate::graph_permissions::delegated(value))
            .flatten()
        else {
            return false;
        };
        !permission.admin_consent_required
            && (!low_only
                || LOW_IMPACT_SCOPES
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(value)))
    })
}

/// For an app from a verified publisher: any self-consent policy lets users consent to its
/// permissions that need no admin (the `-low` policy's "verified publishers" clause).
pub fn user_may_consent_to_verified(
    settings: &Value,
    permissions: &[String],
    resource_is_graph: bool,
) -> bool {
    users_may_consent(settings)
        && permissions.iter().all(|value| {
            crate::sts::scopes::OIDC_SCOPES
                .iter()
                .any(|s| s.eq_ignore_ascii_case(value))
                || (resource_is_graph
                    && crate::graph_permissions::delegated(value)
                        .is_some_and(|p| !p.admin_consent_required))
        })
}

/// Creates or extends the user's `Principal` grant so it holds `scopes`. Returns the grant.
pub async fn record_user_consent(
    conn: &mut SqliteConnection,
    tenant: &str,
    client: &str,
    resource: &str,
    user: &str,
    scopes: &[String],
) -> anyhow::Result<GrantRow> {
    let id = grant_id(client, resource, Some(user))
        .ok_or_else(|| anyhow::anyhow!("object ids must be GUIDs"))?;
    match store::apps::get_grant(conn, tenant, &id).await? {
        Some(mut grant) => {
            let mut all = scopes_of(std::slice::from_ref(&grant));
            for scope in scopes {
                if !all.iter().any(|s| s.eq_ignore_ascii_case(scope)) {
                    all.push(scope.clone());
                }
            }
            grant.scope = all.join(" ");
            store::apps::update_grant_scope(conn, tenant, &id, &grant.scope).await?;
            Ok(grant)
        }
        None => {
            let grant = GrantRow {
                id,
                client_id: client.to_owned(),
                consent_type: "Principal".to_owned(),
                principal_id: Some(user.to_owned()),
                resource_id: resource.to_owned(),
                scope: scopes.join(" "),
            };
            store::apps::insert_grant(conn, tenant, &grant).await?;
            Ok(grant)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn grant_id_matches_the_documented_example() {
        let id = grant_id(
            "ef969797-201d-4f6b-960c-e9ed5f31dab5",
            "943603e4-e787-4fe9-93d1-e30f749aae39",
            None,
        );
        assert_eq!(
            id.as_deref(),
            Some("l5eW7x0ga0-WDOntXzHateQDNpSH5-lPk9HjD3Sarjk")
        );
        let principal = grant_id(
            "ef969797-201d-4f6b-960c-e9ed5f31dab5",
            "943603e4-e787-4fe9-93d1-e30f749aae39",
            Some("c0a70550-0000-4000-8000-000000000102"),
        );
        assert_eq!(principal.map(|p| p.len()), Some(64));
    }

    #[test]
    fn consent_policy_follows_the_assigned_policies_case_insensitively() {
        assert!(users_may_consent(&json!({})));
        assert!(!users_may_consent(&json!({"userConsent": "doNotAllow"})));
        assert!(users_may_consent(
            &json!({"permissionGrantPoliciesAssigned": ["managePermissionGrantsForSelf.microsoft-user-default-low"]})
        ));
        assert!(!users_may_consent(
            &json!({"permissionGrantPoliciesAssigned": ["ManagePermissionGrantsForOwnedResource.DeveloperConsent"]})
        ));
        // The stored authorization policy wins over the fixture's choice.
        let stored = |list: Value| {
            json!({"userConsent": "allowUserConsentForApps",
                   "authorizationPolicy": {"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": list}}})
        };
        assert!(!users_may_consent(&stored(json!([]))));
        assert!(users_may_consent(&stored(json!([
            "MANAGEPERMISSIONGRANTSFORSELF.microsoft-user-default-low"
        ]))));
    }
}
