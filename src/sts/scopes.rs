//! The `scope` parameter: OpenID scopes, one resource, and its permissions (or `.default`).
//! See <https://learn.microsoft.com/entra/identity-platform/scopes-oidc>.

use super::error::AadError;
use crate::builtin;

/// Scopes about the sign-in itself, not a resource.
pub const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

/// A parsed `scope` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeRequest {
    /// `openid`, `profile`, `email`, `offline_access` as asked.
    pub oidc: Vec<String>,
    /// The resource's appId (Microsoft Graph unless the scope names another).
    pub resource_app_id: String,
    /// The token audience for that resource, as the client named it.
    pub audience: String,
    /// Permissions asked for; empty with `.default`.
    pub permissions: Vec<String>,
    /// `{resource}/.default`: everything already consented / assigned.
    pub default: bool,
}

impl ScopeRequest {
    pub fn wants(&self, oidc: &str) -> bool {
        self.oidc.iter().any(|s| s.eq_ignore_ascii_case(oidc))
    }
}

/// Maps a resource identifier to (appId, audience). `origin_host` lets a client that names
/// tenantsim itself (the Python Graph SDK asks for `https://localhost/.default`) get Graph.
pub fn resolve_resource(resource: &str, origin_host: Option<&str>) -> Option<(String, String)> {
    let trimmed = resource.trim_end_matches('/');
    let lower = trimmed.to_ascii_lowercase();
    if lower == "https://graph.microsoft.com"
        || lower == "https://graph.microsoft.us"
        || lower == "https://microsoftgraph.chinacloudapi.cn"
    {
        return Some((
            builtin::GRAPH_APP_ID.to_owned(),
            "https://graph.microsoft.com".to_owned(),
        ));
    }
    if lower == builtin::GRAPH_APP_ID {
        return Some((
            builtin::GRAPH_APP_ID.to_owned(),
            builtin::GRAPH_APP_ID.to_owned(),
        ));
    }
    if lower == builtin::PORTAL_APP_ID || lower == "https://main.iam.ad.ext.azure.com" {
        return Some((
            builtin::PORTAL_APP_ID.to_owned(),
            builtin::PORTAL_APP_ID.to_owned(),
        ));
    }
    // Divergence: Entra would reject a resource it does not know; tenantsim treats its own host
    // (any port) as Microsoft Graph so SDKs that derive the scope from the base URL work.
    let host = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let host = host.split('/').next().unwrap_or(host);
    let bare = |h: &str| {
        h.rsplit_once(':')
            .map_or(h.to_owned(), |(name, _)| name.to_owned())
    };
    let own = ["localhost", "127.0.0.1", "[::1]"].contains(&bare(host).as_str())
        || origin_host.is_some_and(|o| bare(&o.to_ascii_lowercase()) == bare(host));
    own.then(|| {
        (
            builtin::GRAPH_APP_ID.to_owned(),
            "https://graph.microsoft.com".to_owned(),
        )
    })
}

/// Parses `scope` (space-separated). Every non-OIDC scope must name the same resource.
pub fn parse(scope: &str, origin_host: Option<&str>) -> Result<ScopeRequest, AadError> {
    let mut oidc = Vec::new();
    let mut resource: Option<(String, String)> = None;
    let mut permissions = Vec::new();
    let mut default = false;
    for item in scope.split_whitespace() {
        if OIDC_SCOPES.iter().any(|s| s.eq_ignore_ascii_case(item)) {
            oidc.push(item.to_ascii_lowercase());
            continue;
        }
        let (this, permission) = match item.rsplit_once('/') {
            Some((res, perm)) if !res.is_empty() => {
                let resolved = resolve_resource(res, origin_host).ok_or_else(|| {
                    AadError::new(
                        "invalid_resource",
                        500011,
                        format!(
                            "The resource principal named {res} was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
                        ),
                    )
                })?;
                (resolved, perm.to_owned())
            }
            _ => (
                (
                    builtin::GRAPH_APP_ID.to_owned(),
                    "https://graph.microsoft.com".to_owned(),
                ),
                item.to_owned(),
            ),
        };
        match &resource {
            Some((app, _)) if !app.eq_ignore_ascii_case(&this.0) => {
                return Err(AadError::invalid_scope(
                    28000,
                    "Provide value for the input parameter scope which contains only one resource.",
                ));
            }
            _ => resource = Some(this),
        }
        if permission.eq_ignore_ascii_case(".default") {
            default = true;
        } else if !permission.is_empty() {
            permissions.push(permission);
        }
    }
    if default && !permissions.is_empty() {
        return Err(AadError::invalid_scope(
            70011,
            format!(
                "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid. static scope limit exceeded."
            ),
        ));
    }
    let (resource_app_id, audience) = resource.unwrap_or_else(|| {
        (
            builtin::GRAPH_APP_ID.to_owned(),
            "https://graph.microsoft.com".to_owned(),
        )
    });
    Ok(ScopeRequest {
        oidc,
        resource_app_id,
        audience,
        permissions,
        default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_scopes_with_and_without_the_resource_prefix() {
        let request = parse(
            "https://graph.microsoft.com/User.Read openid profile offline_access",
            None,
        )
        .expect("ok");
        assert_eq!(request.permissions, vec!["User.Read"]);
        assert_eq!(request.resource_app_id, builtin::GRAPH_APP_ID);
        assert!(request.wants("offline_access"));
        let bare = parse("User.Read Group.Read.All", None).expect("ok");
        assert_eq!(bare.permissions, vec!["User.Read", "Group.Read.All"]);
        let default = parse("https://graph.microsoft.com/.default", None).expect("ok");
        assert!(default.default && default.permissions.is_empty());
    }

    #[test]
    fn the_sdks_localhost_scope_means_graph_and_two_resources_are_refused() {
        let local = parse("https://localhost/.default", Some("localhost:8443")).expect("ok");
        assert_eq!(local.resource_app_id, builtin::GRAPH_APP_ID);
        let portal = parse("74658136-14ec-4630-ad9b-26e160ff0fc6/.default", None).expect("ok");
        assert_eq!(portal.audience, builtin::PORTAL_APP_ID);
        let two = parse(
            "https://graph.microsoft.com/User.Read 74658136-14ec-4630-ad9b-26e160ff0fc6/.default",
            None,
        );
        assert_eq!(two.expect_err("two resources").code, 28000);
        assert_eq!(
            parse("https://unknown.example/.default", None)
                .expect_err("unknown")
                .code,
            500011
        );
    }
}
