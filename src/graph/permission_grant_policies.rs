//! The built-in permissionGrantPolicies: `GET /policies/permissionGrantPolicies` and
//! `GET /policies/permissionGrantPolicies/{id}`. These are the ids the authorization policy's
//! `ManagePermissionGrantsForSelf.{id}` entries name (graph-contract §10.3).
//! See <https://learn.microsoft.com/graph/api/resources/permissiongrantpolicy> and
//! <https://learn.microsoft.com/graph/api/permissiongrantpolicy-list>.
//!
//! Ids, display names and descriptions follow Entra's built-ins; the condition sets are
//! modelled on the golden `microsoft-company-admin` example.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};

use crate::auth::{Caller, permissions};
use crate::builtin::{GRAPH_APP_ID, derived_id};
use crate::error::{GraphError, Result};
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
        .route(
            "/policies/permissionGrantPolicies",
            get(list_permission_grant_policies),
        )
        .route(
            "/policies/permissionGrantPolicies/{policy}",
            get(get_permission_grant_policy),
        )
}

/// (id, displayName, description, includes, excludes); a condition set is
/// (permissionType, classification, resourceApplication, verified publishers only).
type ConditionSet = (&'static str, &'static str, &'static str, bool);
type BuiltIn = (
    &'static str,
    &'static str,
    &'static str,
    &'static [ConditionSet],
    &'static [ConditionSet],
);

// Divergence: the includes/excludes of Entra's built-in policies are not published in full;
// these condition sets are plausible reconstructions (only microsoft-company-admin's match the
// golden example, ids included). Other condition-set ids are derived, not Entra's.
const BUILT_IN: &[BuiltIn] = &[
    (
        "microsoft-user-default-legacy",
        "Default User Legacy Policy",
        "All delegated permissions that do not require admin consent, for any client application.",
        &[("delegated", "all", "any", false)],
        &[],
    ),
    (
        "microsoft-user-default-low",
        "Default User Low Policy",
        "Delegated permissions classified as low impact, for client applications from verified publishers or registered in this organization.",
        &[("delegated", "low", "any", true)],
        &[],
    ),
    (
        "microsoft-user-default-recommended",
        "Microsoft User Default Recommended Policy",
        "Delegated permissions users can consent to, following Microsoft's current recommendation.",
        &[("delegated", "low", "any", true)],
        &[],
    ),
    (
        "microsoft-all-application-permissions",
        "All application permissions, for any client app",
        "Includes all application permissions (app roles), for all APIs, for any client application.",
        &[("application", "all", "any", false)],
        &[],
    ),
    (
        "microsoft-all-application-permissions-verified",
        "All application permissions, for client apps from verified publishers",
        "Includes all application permissions (app roles), for all APIs, for client applications from verified publishers.",
        &[("application", "all", "any", true)],
        &[],
    ),
    (
        "microsoft-company-admin",
        "Company Admin Policy",
        "Permissions consentable by Company Administrators.",
        &[
            ("application", "all", "any", false),
            ("delegated", "all", "any", false),
        ],
        &[],
    ),
    (
        "microsoft-application-admin",
        "Application Administrator Policy",
        "Permissions consentable by Application Administrators.",
        &[
            ("application", "all", "any", false),
            ("delegated", "all", "any", false),
        ],
        &[("application", "all", GRAPH_APP_ID, false)],
    ),
];

/// The golden example's condition-set ids for microsoft-company-admin.
const COMPANY_ADMIN_IDS: [&str; 2] = [
    "1f06f3a1-42d3-4243-8fbc-5d0c30d4de4c",
    "08619a19-ae6f-406c-b9a0-ea6af1f1558d",
];

fn condition_sets(policy: &str, kind: &str, sets: &[ConditionSet]) -> Vec<Value> {
    sets.iter()
        .enumerate()
        .map(
            |(n, (permission_type, classification, resource, verified))| {
                let id = match (policy, kind) {
                    ("microsoft-company-admin", "includes") => COMPANY_ADMIN_IDS[n].to_owned(),
                    _ => derived_id(policy, &format!("{kind}/{n}")),
                };
                json!({
                    "id": id,
                    "permissionClassification": classification,
                    "permissionType": permission_type,
                    "resourceApplication": resource,
                    "permissions": ["all"],
                    "clientApplicationIds": ["all"],
                    "clientApplicationTenantIds": ["all"],
                    "clientApplicationPublisherIds": ["all"],
                    "clientApplicationsFromVerifiedPublisherOnly": verified,
                })
            },
        )
        .collect()
}

fn render(policy: &BuiltIn) -> Value {
    let (id, name, description, includes, excludes) = policy;
    json!({
        "id": id,
        "deletedDateTime": null,
        "displayName": name,
        "description": description,
        "includes": condition_sets(id, "includes", includes),
        "excludes": condition_sets(id, "excludes", excludes),
    })
}

/// GET /policies/permissionGrantPolicies — permissiongrantpolicy-list.
/// Permissions: `permissions::PERMISSION_GRANT_POLICIES_READ`.
async fn list_permission_grant_policies(
    caller: Caller,
    version: ApiVersion,
    origin: Origin,
) -> Result<GraphJson> {
    caller.require(&permissions::PERMISSION_GRANT_POLICIES_READ)?;
    let context = wire::context_url(
        &origin,
        version,
        "policies/permissionGrantPolicies",
        None,
        false,
    );
    let value = BUILT_IN.iter().map(render).collect();
    Ok(GraphJson(
        StatusCode::OK,
        wire::collection(context, None, None, value),
    ))
}

/// GET /policies/permissionGrantPolicies/{id} — permissiongrantpolicy-get.
/// Permissions: `permissions::PERMISSION_GRANT_POLICIES_READ`.
async fn get_permission_grant_policy(
    caller: Caller,
    version: ApiVersion,
    origin: Origin,
    Path(id): Path<String>,
) -> Result<GraphJson> {
    caller.require(&permissions::PERMISSION_GRANT_POLICIES_READ)?;
    let policy = BUILT_IN
        .iter()
        .find(|p| p.0.eq_ignore_ascii_case(&id))
        .ok_or_else(|| GraphError::not_found(&id))?;
    let context = wire::context_url(
        &origin,
        version,
        "policies/permissionGrantPolicies",
        None,
        true,
    );
    let Value::Object(fields) = render(policy) else {
        return Err(GraphError::internal(anyhow::anyhow!("policy is an object")));
    };
    Ok(GraphJson(StatusCode::OK, wire::entity(context, fields)))
}
