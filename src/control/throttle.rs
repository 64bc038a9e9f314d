//! Throttling mode: Graph's identity-and-access limits as token buckets per (client app,
//! tenant), scaled down so tests can reach them, and Graph's 429 answer (graph-contract §5.8).
//!
//! Limits, per app + tenant: 3,500 / 5,000 / 8,000 resource units (RU) per 10 s for tenants
//! with < 50 / 50–500 / > 500 users, and 3,000 writes per 2.5 min; each multiplied by `scale`
//! (a bucket holds at least one request). Costs (tenantsim's choice; Graph's per-endpoint
//! costs are not modelled): `GET`/`HEAD` = 1 RU; `POST`, `PUT`, `PATCH`, `DELETE` = 5 RU
//! plus one write; `POST …/$batch` itself = 1 RU. Buckets refill continuously on wall-clock
//! time (not the simulated clock, so a frozen clock does not freeze throttling). A tenant's
//! size is read when its bucket is made. Only `/v1.0` and `/beta` calls that carry a bearer
//! token are throttled; a throttled request consumes nothing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::request_context;

pub mod middleware;

/// RU per 10 s by tenant size (< 50, 50–500, > 500 users).
const RU_LIMITS: [f64; 3] = [3_500.0, 5_000.0, 8_000.0];
const RU_WINDOW_SECONDS: f64 = 10.0;
const WRITE_LIMIT: f64 = 3_000.0;
const WRITE_WINDOW_SECONDS: f64 = 150.0;
pub const READ_COST: f64 = 1.0;
pub const WRITE_COST: f64 = 5.0;

/// Graph's 429: `Retry-After` and the throttling body exactly as graph-contract §5.8 shows.
pub fn too_many_requests(retry_after_seconds: u64) -> Response {
    let ctx = request_context::current();
    let body = json!({
        "error": {
            "code": "TooManyRequests",
            "message": "Please retry again later.",
            "innerError": {
                "code": "429",
                "date": ctx.date(),
                "message": "Please retry after",
                "request-id": &*ctx.request_id,
                "status": "429",
            }
        }
    });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::protocol::wire::GRAPH_JSON),
    );
    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
    response
}

#[derive(Debug, Clone)]
struct Bucket {
    capacity: f64,
    /// Tokens per second.
    rate: f64,
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    fn new(limit: f64, window_seconds: f64, scale: f64) -> Self {
        let capacity = (limit * scale).max(1.0);
        Self {
            capacity,
            rate: capacity / window_seconds,
            tokens: capacity,
            updated: Instant::now(),
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        self.updated = now;
    }

    /// Seconds until `cost` tokens are available (0 when they are).
    fn wait(&self, cost: f64) -> f64 {
        let cost = cost.min(self.capacity);
        if self.tokens >= cost {
            0.0
        } else {
            (cost - self.tokens) / self.rate
        }
    }
}

#[derive(Debug, Clone)]
struct AppTenant {
    users: i64,
    ru: Bucket,
    writes: Bucket,
    throttled: u64,
}

#[derive(Debug)]
struct ThrottleState {
    enabled: bool,
    scale: f64,
    buckets: HashMap<(String, String), AppTenant>,
}

/// The throttling mode's settings and buckets.
#[derive(Debug)]
pub struct Throttle {
    state: Mutex<ThrottleState>,
    /// A copy of `ThrottleState::enabled` that the hot path reads without the lock.
    enabled: AtomicBool,
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            state: Mutex::new(ThrottleState {
                enabled: false,
                scale: 1.0,
                buckets: HashMap::new(),
            }),
            enabled: AtomicBool::new(false),
        }
    }
}

/// The outcome of charging a request.
enum Charge {
    Allowed,
    Throttled { retry_after: u64 },
    NoBucket,
}

impl Throttle {
    fn lock(&self) -> std::sync::MutexGuard<'_, ThrottleState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Turns the mode on or off with a scale; buckets start full again.
    pub fn configure(&self, enabled: bool, scale: f64) {
        let mut state = self.lock();
        state.enabled = enabled;
        state.scale = scale;
        state.buckets.clear();
        self.enabled.store(enabled, Ordering::Release);
    }

    pub fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Acquire)
    }

    /// `GET /_tenantsim/throttling`'s body.
    pub fn describe(&self) -> serde_json::Value {
        let mut state = self.lock();
        let now = Instant::now();
        let scale = state.scale;
        let mut buckets: Vec<BucketView> = state
            .buckets
            .iter_mut()
            .map(|((app, tenant), b)| {
                b.ru.refill(now);
                b.writes.refill(now);
                BucketView {
                    app_id: app.clone(),
                    tenant: tenant.clone(),
                    users: b.users,
                    resource_units: b.ru.tokens,
                    resource_unit_limit: b.ru.capacity,
                    writes: b.writes.tokens,
                    write_limit: b.writes.capacity,
                    throttled: b.throttled,
                }
            })
            .collect();
        buckets.sort_by(|a, b| (&a.tenant, &a.app_id).cmp(&(&b.tenant, &b.app_id)));
        json!({
            "enabled": state.enabled,
            "scale": scale,
            "limits": {
                "resourceUnitsPer10Seconds": {
                    "under50Users": RU_LIMITS[0] * scale,
                    "50To500Users": RU_LIMITS[1] * scale,
                    "over500Users": RU_LIMITS[2] * scale,
                },
                "writesPer150Seconds": WRITE_LIMIT * scale,
            },
            "costs": {"read": READ_COST, "write": WRITE_COST, "batch": READ_COST},
            "buckets": buckets,
        })
    }

    fn charge(&self, key: &(String, String), cost: f64, write: bool) -> Charge {
        let mut state = self.lock();
        let Some(bucket) = state.buckets.get_mut(key) else {
            return Charge::NoBucket;
        };
        let now = Instant::now();
        bucket.ru.refill(now);
        bucket.writes.refill(now);
        let wait = bucket
            .ru
            .wait(cost)
            .max(if write { bucket.writes.wait(1.0) } else { 0.0 });
        if wait > 0.0 {
            bucket.throttled += 1;
            // Whole seconds, rounded up, never 0 (clients treat 0 as "no advice").
            let retry_after = (wait.ceil() as u64).max(1);
            return Charge::Throttled { retry_after };
        }
        bucket.ru.tokens -= cost.min(bucket.ru.capacity);
        if write {
            bucket.writes.tokens -= 1.0;
        }
        Charge::Allowed
    }

    fn add_bucket(&self, key: (String, String), users: i64) {
        let mut state = self.lock();
        let scale = state.scale;
        let limit = if users < 50 {
            RU_LIMITS[0]
        } else if users <= 500 {
            RU_LIMITS[1]
        } else {
            RU_LIMITS[2]
        };
        state.buckets.entry(key).or_insert_with(|| AppTenant {
            users,
            ru: Bucket::new(limit, RU_WINDOW_SECONDS, scale),
            writes: Bucket::new(WRITE_LIMIT, WRITE_WINDOW_SECONDS, scale),
            throttled: 0,
        });
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct BucketView {
    app_id: String,
    tenant: String,
    users: i64,
    resource_units: f64,
    resource_unit_limit: f64,
    writes: f64,
    write_limit: f64,
    throttled: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_refuses_when_empty_and_names_the_wait() {
        let throttle = Throttle::default();
        throttle.configure(true, 0.001);
        let key = ("app".to_owned(), "tenant".to_owned());
        throttle.add_bucket(key.clone(), 10);
        // 3,500 × 0.001 = 3.5 RU: three reads pass, the fourth waits.
        for _ in 0..3 {
            assert!(matches!(
                throttle.charge(&key, READ_COST, false),
                Charge::Allowed
            ));
        }
        match throttle.charge(&key, READ_COST, false) {
            Charge::Throttled { retry_after } => assert!((1..=2).contains(&retry_after)),
            _ => panic!("expected a throttle"),
        }
    }
}
