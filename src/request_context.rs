//! Per-request context: Graph's `request-id` / `client-request-id` headers and the values that
//! every error envelope's `innerError` repeats. See <https://learn.microsoft.com/graph/errors>.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderMap, HeaderName};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::clock::inner_error_date;

pub mod middleware;

/// What an error envelope needs to know about the request it answers. Cheap to clone: the
/// ids are shared and the date is formatted only when an error needs it.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The client's `client-request-id` when it sent one (Graph echoes it as the request id,
    /// pnp/pnpframework#139), else a fresh id; both headers carry it.
    pub request_id: Arc<str>,
    /// When the request arrived, on the simulated clock.
    pub at: OffsetDateTime,
}

impl RequestContext {
    /// `client-request-id`: always the request id (see `request_id`).
    pub fn client_request_id(&self) -> &str {
        &self.request_id
    }

    /// `innerError.date`: `2024-03-01T09:00:00`.
    pub fn date(&self) -> String {
        inner_error_date(self.at)
    }
}

tokio::task_local! {
    static CONTEXT: RequestContext;
}

/// The context of the request being handled; outside a request (unit tests), a fresh one.
pub fn current() -> RequestContext {
    CONTEXT
        .try_with(Clone::clone)
        .unwrap_or_else(|_| RequestContext {
            request_id: new_request_id(),
            at: OffsetDateTime::now_utc(),
        })
}

/// A fresh request id: a version-4-shaped GUID, unique within the process and unpredictable
/// across processes. A random seed drawn once, stepped by a counter through a mixing
/// function: one random draw (a `getrandom` system call) per request was measurable on the hot
/// path, and request ids need uniqueness, not secrecy. Formatted on the stack: one allocation.
pub fn new_request_id() -> Arc<str> {
    static SEED: OnceLock<(u64, u64)> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let (high_seed, low_seed) = *SEED.get_or_init(|| {
        let seed = Uuid::new_v4().as_u128();
        ((seed >> 64) as u64, seed as u64)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let high = mix(high_seed ^ n);
    let low = mix(low_seed.wrapping_add(n));
    let bits = (u128::from(high) << 64) | u128::from(low);
    // Version 4, RFC 4122 variant.
    let bits = (bits & !(0xF << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    Arc::from(&*Uuid::from_u128(bits).hyphenated().encode_lower(&mut text))
}

/// splitmix64's finaliser: a bijection, so distinct counters give distinct ids.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The header a client names its request with; Graph answers with it under the same name.
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");

fn client_request_id(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(CLIENT_REQUEST_ID)?.to_str().ok()?.trim();
    // Echo only something header-safe and short; anything else is replaced by a fresh id.
    (!value.is_empty() && value.len() <= 128).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_distinct_version_4_guids() {
        let ids: std::collections::HashSet<Arc<str>> =
            (0..10_000).map(|_| new_request_id()).collect();
        assert_eq!(ids.len(), 10_000);
        for id in ids.iter().take(100) {
            let parsed = Uuid::parse_str(id).expect("a GUID");
            assert_eq!(parsed.get_version_num(), 4, "{id}");
            assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122, "{id}");
        }
    }
}
