//! Fault rules: armed through `/_tenantsim/faults`, applied by a middleware inside the request
//! context (so injected errors carry the request's ids) and inside the journal (so they are
//! recorded). Rules are tried in creation order: every firing latency rule adds its delay;
//! the first firing throttle, error or token-error rule answers instead of the handler.
//! Control routes (`/_tenantsim/`, `/health`, `/ready`) are never faulted.

use std::borrow::Cow;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::rng::SplitMix64;
use super::{Identity, Surface};
use crate::request_context;
use crate::sts::error::AadError;

pub mod middleware;

/// Which requests a rule applies to; every given field must match (case-insensitively).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Match {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A glob where `*` matches any run of characters, or (without `*`) a path prefix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A tenant's id or one of its verified domains (or `common`, `organizations`,
    /// `consumers`); it matches the token's `tid` and an identity route's `{tenant}` segment
    /// that name the same tenant, in either form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Every key naming `tenant` (its id and domains, lower-cased), resolved when the rule is
    /// armed: Graph calls carry the id (`tid`), identity calls whatever the path says.
    #[serde(skip)]
    pub tenant_keys: Vec<String>,
    /// The token's `appid` or a token request's `client_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_app: Option<String>,
}

/// What a firing rule does.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Action {
    /// 429 with `Retry-After` and Graph's throttling body.
    Throttle {
        #[serde(default = "one")]
        retry_after: u64,
    },
    /// A Graph error envelope with a 5xx status.
    Error {
        status: u16,
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// A delay before the request goes on: `ms`, or uniform in `minMs..=maxMs`.
    Latency {
        #[serde(skip_serializing_if = "Option::is_none")]
        ms: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        min_ms: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        max_ms: Option<u64>,
    },
    /// An identity-platform error on `/{tenant}/oauth2/…` routes only.
    TokenError {
        error: String,
        code: u32,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
    },
}

fn one() -> u64 {
    1
}

/// When a matching rule fires: always (the default), for the next `times` matches, or with
/// `probability` drawn from a generator seeded with `seed`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fire {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub always: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// `POST /_tenantsim/faults`'s body.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewRule {
    #[serde(default, rename = "match")]
    pub matcher: Match,
    pub action: Action,
    #[serde(default)]
    pub fire: Fire,
}

/// The OAuth error codes a token-error rule may answer with.
const OAUTH_ERRORS: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "invalid_scope",
    "unauthorized_client",
    "unsupported_grant_type",
    "interaction_required",
    "consent_required",
    "access_denied",
    "authorization_pending",
    "expired_token",
    "temporarily_unavailable",
    "server_error",
];

impl NewRule {
    /// Checks the rule; the error text is for a 400.
    pub fn validate(&mut self) -> Result<(), String> {
        match &self.action {
            Action::Error { status, .. } if !(500..=599).contains(status) => {
                return Err(format!("error.status must be 5xx, not {status}"));
            }
            Action::Latency { ms, min_ms, max_ms } => match (ms, min_ms, max_ms) {
                (Some(_), None, None) => {}
                (None, Some(low), Some(high)) if low <= high => {}
                _ => return Err("latency needs {ms} or {minMs, maxMs} with minMs <= maxMs".into()),
            },
            Action::TokenError { error, status, .. } => {
                if !OAUTH_ERRORS.contains(&error.as_str()) {
                    return Err(format!(
                        "tokenError.error must be one of {}",
                        OAUTH_ERRORS.join(", ")
                    ));
                }
                if status.is_some_and(|s| StatusCode::from_u16(s).is_err() || s < 400) {
                    return Err("tokenError.status must be 4xx or 5xx".into());
                }
            }
            _ => {}
        }
        let range = self.has_range();
        let fire = &mut self.fire;
        let modes = usize::from(fire.always.is_some())
            + usize::from(fire.times.is_some())
            + usize::from(fire.probability.is_some());
        if modes > 1 {
            return Err("fire takes one of always, times or probability".into());
        }
        if fire.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
            return Err("fire.probability must be between 0 and 1".into());
        }
        if fire.seed.is_some() && fire.probability.is_none() && !range {
            return Err("fire.seed goes with fire.probability or a latency range".into());
        }
        if modes == 0 {
            fire.always = Some(true);
        }
        if (fire.probability.is_some() || range) && fire.seed.is_none() {
            fire.seed = Some(SplitMix64::random_seed());
        }
        Ok(())
    }

    fn has_range(&self) -> bool {
        matches!(
            self.action,
            Action::Latency {
                min_ms: Some(_),
                ..
            }
        )
    }
}

/// An armed rule with its counters.
#[derive(Debug, Clone)]
struct Rule {
    id: String,
    rule: NewRule,
    matched: u64,
    fired: u64,
    rng: SplitMix64,
}

impl Rule {
    fn view(&self) -> serde_json::Value {
        let remaining = self
            .rule
            .fire
            .times
            .map(|times| times.saturating_sub(self.fired));
        json!({
            "id": self.id,
            "match": self.rule.matcher,
            "action": self.rule.action,
            "fire": self.rule.fire,
            "matched": self.matched,
            "fired": self.fired,
            "remaining": remaining,
        })
    }

    fn matches(&self, method: &str, path: &str, surface: Surface, who: &Identity) -> bool {
        let m = &self.rule.matcher;
        let same = |want: &Option<String>, have: Option<&str>| {
            want.as_deref()
                .is_none_or(|w| have.is_some_and(|h| h.eq_ignore_ascii_case(w)))
        };
        let tenant = if m.tenant_keys.is_empty() {
            same(&m.tenant, who.tenant.as_deref())
        } else {
            who.tenant
                .as_deref()
                .is_some_and(|t| m.tenant_keys.iter().any(|k| k.eq_ignore_ascii_case(t)))
        };
        same(&m.method, Some(method))
            && tenant
            && same(&m.client_app, who.app_id.as_deref())
            && m.path.as_deref().is_none_or(|p| path_matches(p, path))
            && (!matches!(self.rule.action, Action::TokenError { .. })
                || surface == Surface::Oauth2)
    }

    /// Whether this match fires (advancing the counters and the generator).
    fn fires(&mut self) -> bool {
        self.matched += 1;
        let fire = &self.rule.fire;
        let fires = match (fire.times, fire.probability) {
            (Some(times), _) => self.fired < times,
            (_, Some(p)) => self.rng.next_f64() < p,
            _ => true,
        };
        if fires {
            self.fired += 1;
        }
        fires
    }
}

/// `*` matches any run of characters (including `/`); without `*`, a prefix. ASCII case is
/// ignored, as Graph ignores it in paths.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let path = path.to_ascii_lowercase();
    if !pattern.contains('*') {
        return path.starts_with(&pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = parts.split_first().expect("split yields one part");
    let Some(mut remainder) = path.strip_prefix(first) else {
        return false;
    };
    let (last, middle) = rest.split_last().expect("pattern has a '*'");
    for part in middle {
        match remainder.find(part) {
            Some(at) => remainder = &remainder[at + part.len()..],
            None => return false,
        }
    }
    remainder.len() >= last.len() && remainder.ends_with(last)
}

/// The armed rules.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<Rule>>,
    /// Any rule armed: the hot path skips the lock when none is.
    armed: AtomicBool,
}

/// What the middleware does with one request.
#[derive(Debug, Default)]
struct Decision {
    delay_ms: u64,
    answer: Option<Action>,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Rule>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Arms a validated rule; returns its view.
    pub fn add(&self, rule: NewRule) -> serde_json::Value {
        let seed = rule.fire.seed.unwrap_or(0);
        let rule = Rule {
            id: uuid::Uuid::new_v4().to_string(),
            rule,
            matched: 0,
            fired: 0,
            rng: SplitMix64::new(seed),
        };
        let view = rule.view();
        self.lock().push(rule);
        self.armed.store(true, Ordering::Release);
        view
    }

    pub fn list(&self) -> Vec<serde_json::Value> {
        self.lock().iter().map(Rule::view).collect()
    }

    pub fn remove(&self, id: &str) -> bool {
        let mut rules = self.lock();
        let before = rules.len();
        rules.retain(|r| !r.id.eq_ignore_ascii_case(id));
        self.armed.store(!rules.is_empty(), Ordering::Release);
        rules.len() != before
    }

    pub fn clear(&self) {
        let mut rules = self.lock();
        rules.clear();
        self.armed.store(false, Ordering::Release);
    }

    fn decide(&self, method: &str, path: &str, surface: Surface, who: &Identity) -> Decision {
        let mut rules = self.lock();
        let mut decision = Decision::default();
        for rule in rules.iter_mut() {
            if !rule.matches(method, path, surface, who) || !rule.fires() {
                continue;
            }
            match &rule.rule.action {
                Action::Latency { ms, min_ms, max_ms } => {
                    let delay = match ms {
                        Some(ms) => *ms,
                        None => rule.rng.between(min_ms.unwrap_or(0), max_ms.unwrap_or(0)),
                    };
                    decision.delay_ms = decision.delay_ms.saturating_add(delay);
                }
                action => {
                    decision.answer = Some(action.clone());
                    break;
                }
            }
        }
        decision
    }
}

/// The answer of an error rule: Graph's envelope with the rule's status.
fn graph_error(status: u16, code: Option<&str>, message: Option<&str>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Server Error");
    let code: Cow<'_, str> = code.map_or_else(|| reason.replace(' ', "").into(), Cow::Borrowed);
    let message = message.map_or_else(|| format!("{reason}."), str::to_owned);
    let ctx = request_context::current();
    let body = json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": ctx.date(),
                "request-id": &*ctx.request_id,
                "client-request-id": ctx.client_request_id(),
            }
        }
    });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::protocol::wire::GRAPH_JSON),
    );
    response
}

fn token_error(error: &str, code: u32, message: &str, status: Option<u16>) -> Response {
    let error = OAUTH_ERRORS
        .iter()
        .copied()
        .find(|e| *e == error)
        .unwrap_or("invalid_request");
    let default_status = match error {
        "invalid_client" => StatusCode::UNAUTHORIZED,
        "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
        "temporarily_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    };
    let status = status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(default_status);
    AadError::new(error, code, message)
        .status(status)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_prefixes() {
        assert!(path_matches("/v1.0/users", "/v1.0/users/abc"));
        assert!(path_matches("/V1.0/Users", "/v1.0/users"));
        assert!(!path_matches("/v1.0/groups", "/v1.0/users"));
        assert!(path_matches(
            "/v1.0/users/*/memberOf",
            "/v1.0/users/x/memberOf"
        ));
        assert!(!path_matches(
            "/v1.0/users/*/memberOf",
            "/v1.0/users/x/manager"
        ));
        assert!(path_matches("*/oauth2/*", "/contoso.com/oauth2/v2.0/token"));
        assert!(path_matches("*", "/anything"));
        assert!(!path_matches("/a*a", "/a"));
    }
}
