//! The throttling middleware: charges Graph calls to their buckets. Kept apart from the buckets so the application state can hold a `Throttle` without importing a module that imports it.

use crate::control::{Identity, Surface};
use crate::state::AppState;
use crate::store;
use axum::response::Response;

use super::*;

/// The number of users in a tenant (0 when it cannot be read).
async fn tenant_users(state: &AppState, tenant: &str) -> i64 {
    let Ok(mut conn) = state.db.pool.acquire().await else {
        return 0;
    };
    let query = store::objects::ListQuery {
        scope: store::objects::Scope::All(store::objects::Kind::User),
        kind: None,
        filter: None,
        search: None,
        order: store::objects::Order::Seq,
        after: None,
        limit: 0,
    };
    store::objects::count_objects(&mut conn, tenant, &query)
        .await
        .unwrap_or(0)
}

/// Charges a Graph call from `identity` to its (app, tenant) bucket when the mode is on:
/// `Some(429)` when the bucket is empty, `None` to go on.
pub async fn intercept(
    state: &AppState,
    method: &str,
    path: &str,
    identity: &Identity,
) -> Option<Response> {
    if !state.throttle.enabled() || Surface::of(path) != Surface::Graph {
        return None;
    }
    let Identity {
        tenant: Some(tenant),
        app_id: Some(app),
        from_token: true,
    } = identity
    else {
        return None;
    };
    let key = (app.to_ascii_lowercase(), tenant.to_ascii_lowercase());
    let batch = path.ends_with("/$batch");
    let write = !batch && !matches!(method, "GET" | "HEAD" | "OPTIONS");
    let cost = if write { WRITE_COST } else { READ_COST };
    let mut charge = state.throttle.charge(&key, cost, write);
    if matches!(charge, Charge::NoBucket) {
        // Boxed: the first call of a bucket reads the store, which would otherwise size every
        // request's future for it.
        let users = Box::pin(tenant_users(state, &key.1)).await;
        state.throttle.add_bucket(key.clone(), users);
        charge = state.throttle.charge(&key, cost, write);
    }
    match charge {
        Charge::Throttled { retry_after } => Some(too_many_requests(retry_after)),
        Charge::Allowed | Charge::NoBucket => None,
    }
}
