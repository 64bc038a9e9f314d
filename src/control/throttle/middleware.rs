//! The throttling middleware: charges Graph calls to their buckets. Kept apart from the buckets so the application state can hold a `Throttle` without importing a module that imports it.

use crate::control::{Identity, Surface};
use crate::state::AppState;
use crate::store;
use axum::extract::{Request, State};
use axum::middleware::Next;
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

/// Middleware: charges Graph calls to their (app, tenant) buckets when the mode is on.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.throttle.enabled() || Surface::of(request.uri().path()) != Surface::Graph {
        return next.run(request).await;
    }
    let identity = request.extensions().get::<Identity>().cloned();
    let Some(Identity {
        tenant: Some(tenant),
        app_id: Some(app),
        from_token: true,
    }) = identity
    else {
        return next.run(request).await;
    };
    let key = (app.to_ascii_lowercase(), tenant.to_ascii_lowercase());
    let method = request.method().as_str();
    let batch = request.uri().path().ends_with("/$batch");
    let write = !batch && !matches!(method, "GET" | "HEAD" | "OPTIONS");
    let cost = if write { WRITE_COST } else { READ_COST };
    let mut charge = state.throttle.charge(&key, cost, write);
    if matches!(charge, Charge::NoBucket) {
        let users = tenant_users(&state, &key.1).await;
        state.throttle.add_bucket(key.clone(), users);
        charge = state.throttle.charge(&key, cost, write);
    }
    match charge {
        Charge::Throttled { retry_after } => too_many_requests(retry_after),
        Charge::Allowed | Charge::NoBucket => next.run(request).await,
    }
}
