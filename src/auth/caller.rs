//! Who a verified token says its caller is, worked out once per token: the verified-token
//! cache keeps it, so a request clones one reference instead of the tenant, the application
//! and every role or scope (four allocations on each authenticated request before). A leaf:
//! the application state holds the cache that holds these.

use std::ops::Deref;
use std::sync::Arc;

use super::token::Claims;

/// The authenticated caller of a Graph route (cheap to clone: one reference count).
#[derive(Debug, Clone)]
pub struct Caller(Arc<CallerData>);

/// What the `Caller` carries; its fields read through `Caller` as if they were its own.
#[derive(Debug)]
pub struct CallerData {
    /// Shared with the request journal's entries (no copy per request).
    pub tenant: Arc<str>,
    pub app_id: Arc<str>,
    pub kind: CallerKind,
    pub claims: Arc<Claims>,
}

#[derive(Debug, Clone)]
pub enum CallerKind {
    /// App-only token: `roles`.
    Application { roles: Vec<String> },
    /// Delegated token: the signed-in user, `scp` and `wids`.
    Delegated {
        user_id: String,
        scopes: Vec<String>,
        wids: Vec<String>,
    },
}

impl Caller {
    /// The caller a token's claims describe: delegated when it carries `scp` and is not an app
    /// token, an application otherwise.
    pub fn of(claims: Arc<Claims>) -> Self {
        let kind = match (&claims.scp, &claims.roles) {
            (Some(scp), _) if claims.idtyp != "app" => CallerKind::Delegated {
                user_id: claims.oid.clone(),
                scopes: scp.split_whitespace().map(str::to_owned).collect(),
                wids: claims.wids.clone().unwrap_or_default(),
            },
            (_, roles) => CallerKind::Application {
                roles: roles.clone().unwrap_or_default(),
            },
        };
        Self(Arc::new(CallerData {
            tenant: claims.tid.as_str().into(),
            app_id: claims.appid.as_str().into(),
            kind,
            claims,
        }))
    }
}

/// The caller of the request's bearer token, when the front middleware found the token in the
/// verified-token cache: the extractor takes it from the request's extensions instead of
/// looking the token up a second time (a shared lock and a compare of the whole token).
#[derive(Debug, Clone)]
pub struct CachedCaller(pub Caller);

impl Deref for Caller {
    type Target = CallerData;

    fn deref(&self) -> &CallerData {
        &self.0
    }
}
