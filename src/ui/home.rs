//! Home: every tenant with its cloud and LinkedIn setting at a glance, links to its pages, and
//! the sign-in credentials of lab (student) tenants — the data of `GET /_tenantsim/tenants`,
//! from the same function.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use super::PREFIX;
use super::html::{self, Nav, PageError, esc};
use crate::state::AppState;
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new().route(&format!("{PREFIX}/"), get(home))
}

/// The LinkedIn setting in words.
pub fn setting_label(value: &Value, group_name: Option<&str>, cloud: &str) -> String {
    match value.as_i64() {
        Some(0) => "Yes".to_owned(),
        Some(1) => "No".to_owned(),
        Some(4) => format!(
            "Selected group: {}",
            group_name.unwrap_or("(missing group)")
        ),
        Some(other) => format!("Unknown ({other})"),
        None => format!("Not available in the {cloud} cloud"),
    }
}

async fn home(State(state): State<AppState>) -> Result<Response, PageError> {
    let mut conn = state.db.pool.acquire().await?;
    let mut rows = String::new();
    let mut credentials = String::new();
    for tenant in store::tenants::list_tenants(&mut conn).await? {
        let summary = crate::admin::tenants::summary(&mut conn, &state, &tenant).await?;
        let group = match summary["linkedIn"]["selectedGroupId"].as_str() {
            Some(id) => store::objects::get_object(&mut conn, &tenant.id, id)
                .await?
                .and_then(|g| g.display_name),
            None => None,
        };
        let setting = setting_label(
            &summary["linkedIn"]["enableLinkedInAppFamily"],
            group.as_deref(),
            &tenant.cloud,
        );
        let domains: Vec<String> = summary["domains"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(esc)
            .collect();
        let base = format!("{PREFIX}/t/{}", tenant.id);
        rows.push_str(&format!(
            "<tr><th scope=\"row\">{name}<br><span class=\"muted\"><code>{id}</code></span></th>\
             <td>{domains}</td><td>{cloud}</td><td>{setting}</td>\
             <td><a href=\"{base}/admin\">Admin</a> · <a href=\"{base}/account\">My account</a> · \
             <a href=\"{base}/card\">Profile card</a> · <a href=\"{base}/groups\">Groups</a> · \
             <a href=\"{base}/lab\">Lab</a> · <a href=\"{PREFIX}/journal?tenant={id}\">Journal</a></td></tr>",
            name = esc(&tenant.display_name),
            id = esc(&tenant.id),
            domains = domains.join("<br>"),
            cloud = esc(&tenant.cloud),
            setting = esc(&setting),
        ));
        let admins: Vec<String> = summary["credentials"]["globalAdministrators"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                format!(
                    "<li>Global Administrator <code>{}</code>, password <code>{}</code></li>",
                    esc(a["userPrincipalName"].as_str().unwrap_or("")),
                    esc(a["password"].as_str().unwrap_or("(not kept in clear)"))
                )
            })
            .collect();
        let apps: Vec<String> = summary["credentials"]["applications"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                format!(
                    "<li>App {}: client id <code>{}</code>, secret <code>{}</code></li>",
                    esc(a["displayName"].as_str().unwrap_or("")),
                    esc(a["clientId"].as_str().unwrap_or("")),
                    esc(a["clientSecret"].as_str().unwrap_or(""))
                )
            })
            .collect();
        if !admins.is_empty() || !apps.is_empty() {
            credentials.push_str(&format!(
                "<details><summary>{}</summary><ul>{}{}</ul></details>",
                esc(&tenant.display_name),
                admins.join(""),
                apps.join("")
            ));
        }
    }
    let body = format!(
        "<section aria-labelledby=\"tenants\"><h2 id=\"tenants\">Tenants</h2><div class=\"scroll\"><table>\
         <thead><tr><th scope=\"col\">Tenant</th><th scope=\"col\">Domains</th><th scope=\"col\">Cloud</th>\
         <th scope=\"col\">LinkedIn account connections</th><th scope=\"col\">Pages</th></tr></thead>\
         <tbody>{rows}</tbody></table></div></section>\
         <section aria-labelledby=\"creds\"><h2 id=\"creds\">Credentials (lab and fixture tenants)</h2>\
         <p>Demo values from the fixtures and lab templates: never use them anywhere real.</p>{credentials}</section>\
         <section><h2>The demo in five steps</h2><ol>\
         <li>Admin: set LinkedIn account connections to <em>Selected group</em>.</li>\
         <li>Profile card: a viewer outside the group sees no LinkedIn, and the reasons say why.</li>\
         <li>Groups: add the viewer to a group (nested groups count only with the nested option).</li>\
         <li>My account: a user signs in and connects LinkedIn through the consent page.</li>\
         <li>Admin: set <em>No</em>; every card shows no LinkedIn.</li></ol></section>"
    );
    let nav = Nav {
        tenant: None,
        current: "home",
    };
    Ok(html::page("tenantsim", &nav, &body).into_response())
}
