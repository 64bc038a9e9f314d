//! Which cloud a request was addressed to, by its Microsoft host name: the proxy
//! (`serve --proxy-port`) serves the public cloud's names and US Government's
//! (`login.microsoftonline.us`, `graph.microsoft.us`), and as in Entra each reaches only its
//! own cloud's tenants. Any other name (localhost, a `--public-url`) reaches every tenant. See
//! <https://learn.microsoft.com/graph/deployments> for the hosts of each national cloud.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

/// The public cloud's host names tenantsim answers for.
pub const PUBLIC_HOSTS: &[&str] = &[
    "login.microsoftonline.com",
    "login.windows.net",
    "sts.windows.net",
    "graph.microsoft.com",
    "main.iam.ad.ext.azure.com",
];

/// US Government's (GCC High / DoD) host names tenantsim answers for.
pub const US_GOV_HOSTS: &[&str] = &["login.microsoftonline.us", "graph.microsoft.us"];

/// The cloud of the host name a request was sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostCloud {
    /// Not a Microsoft host name: every tenant.
    Any,
    /// A public-cloud name: every tenant but US Government's.
    Public,
    /// A US Government name: `usgov` tenants only.
    UsGov,
}

impl HostCloud {
    /// From the `Host` header (HTTP/1.1) or the URI's authority (HTTP/2), port aside.
    pub fn of(parts: &Parts) -> Self {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .unwrap_or_default();
        Self::of_host(host)
    }

    pub fn of_host(host: &str) -> Self {
        let name = host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                name
            } else {
                host
            }
        });
        let name = name.trim_end_matches('.');
        if US_GOV_HOSTS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            Self::UsGov
        } else if PUBLIC_HOSTS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            Self::Public
        } else {
            Self::Any
        }
    }

    /// Whether a tenant of `cloud` (a tenant's `cloud`: public, usgov, china, germany) is
    /// reached by this host name.
    // Divergence: China and Germany tenants, whose host names the proxy does not serve, are
    // reached through the public names (D49).
    pub fn admits(self, cloud: &str) -> bool {
        let us_gov = cloud.eq_ignore_ascii_case("usgov");
        match self {
            Self::Any => true,
            Self::Public => !us_gov,
            Self::UsGov => us_gov,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for HostCloud {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_map_to_their_cloud_whatever_the_case_port_or_final_dot() {
        assert_eq!(HostCloud::of_host("graph.microsoft.us"), HostCloud::UsGov);
        assert_eq!(
            HostCloud::of_host("LOGIN.microsoftonline.US:443"),
            HostCloud::UsGov
        );
        assert_eq!(
            HostCloud::of_host("graph.microsoft.com."),
            HostCloud::Public
        );
        assert_eq!(HostCloud::of_host("localhost:8080"), HostCloud::Any);
        assert_eq!(
            HostCloud::of_host("graph.microsoft.us.evil"),
            HostCloud::Any
        );
        assert!(HostCloud::UsGov.admits("usgov") && !HostCloud::UsGov.admits("public"));
        assert!(HostCloud::Public.admits("public") && !HostCloud::Public.admits("USGov"));
        assert!(HostCloud::Any.admits("usgov") && HostCloud::Any.admits("public"));
    }
}
