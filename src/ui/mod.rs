//! Web pages for demos and training labs, served by tenantsim itself under `/_tenantsim/ui/`
//! (a prefix no Graph or identity path uses; `/` redirects here). Server-rendered HTML with a
//! little plain JavaScript; every page calls the same Rust functions as the APIs (the portal
//! API's update, the authorization policy, the profile-card decision, Graph's membership
//! rules, the snapshot import), never HTTP to itself. One module per page, each with its
//! `router()`; [`security`] holds CSRF, the admin-key gate and the page session.

pub mod account;
pub mod admin;
pub mod card;
pub mod groups;
pub mod home;
pub mod html;
pub mod journal;
pub mod lab;
pub mod security;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;

use crate::state::AppState;
use crate::store::{self, objects::Kind, tenants::TenantRow};
use html::PageError;

/// Where the pages live.
pub const PREFIX: &str = "/_tenantsim/ui";

pub fn router(state: AppState) -> Router<AppState> {
    let pages = Router::new()
        .merge(home::router())
        .merge(admin::router())
        .merge(account::router())
        .merge(card::router())
        .merge(groups::router())
        .merge(journal::router())
        .merge(lab::router(state.settings.import_body_limit))
        .merge(security::router())
        .route_layer(axum::middleware::from_fn_with_state(state, security::guard));
    Router::new()
        .route(
            "/",
            get(|| async { html::see_other(&format!("{PREFIX}/")) }),
        )
        .route(
            PREFIX,
            get(|| async { html::see_other(&format!("{PREFIX}/")) }),
        )
        .merge(pages)
}

/// The tenant named in a page's path (id or domain), or a 404 page.
pub async fn tenant(conn: &mut sqlx::SqliteConnection, key: &str) -> Result<TenantRow, PageError> {
    crate::admin::tenants::resolve(conn, key)
        .await
        .map_err(|_| PageError::new(StatusCode::NOT_FOUND, format!("No tenant '{key}'.")))
}

/// A tenant's objects of one kind, by display name.
pub async fn objects(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    kind: Kind,
) -> Result<Vec<store::objects::ObjectRow>, PageError> {
    let query = store::objects::ListQuery {
        scope: store::objects::Scope::All(kind),
        kind: None,
        filter: None,
        search: None,
        order: store::objects::Order::DisplayName { descending: false },
        after: None,
        limit: 5000,
    };
    let (rows, _) = store::objects::list_objects(conn, tenant, &query)
        .await
        .map_err(|err| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))?;
    Ok(rows)
}

/// `<option>`s for a user picker, `selected` marked.
pub fn user_options(users: &[store::objects::ObjectRow], selected: Option<&str>) -> String {
    users
        .iter()
        .map(|u| {
            let upn = u.user_principal_name.clone().unwrap_or_default();
            let mark = if selected
                .is_some_and(|s| s.eq_ignore_ascii_case(&u.id) || s.eq_ignore_ascii_case(&upn))
            {
                " selected"
            } else {
                ""
            };
            format!(
                "<option value=\"{}\"{mark}>{} ({})</option>",
                html::esc(&u.id),
                html::esc(u.display_name.as_deref().unwrap_or("")),
                html::esc(&upn)
            )
        })
        .collect()
}
