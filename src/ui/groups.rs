//! Groups: a group's direct members and the groups nested in it (as a tree), with add and
//! remove under Graph's rules ([`crate::graph::members::check_can_add`], the store's
//! membership writes); a note when the group sits inside the LinkedIn selected group.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::Value;

use super::PREFIX;
use super::html::{self, Nav, PageError, PageResult, esc};
use crate::entities::group::Group;
use crate::linkedin::{LinkedInSettings, settings};
use crate::state::AppState;
use crate::store::{self, objects::Kind, tenants::TenantRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{PREFIX}/t/{{tenant}}/groups"), get(show))
        .route(&format!("{PREFIX}/t/{{tenant}}/groups/add"), post(add))
        .route(
            &format!("{PREFIX}/t/{{tenant}}/groups/remove"),
            post(remove),
        )
}

fn parse(row: &store::objects::ObjectRow) -> Result<Group, PageError> {
    serde_json::from_str(&row.data)
        .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

/// The nested-group tree below `group` (depth-limited; cycles cannot exist).
async fn tree(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    group: &str,
    depth: usize,
) -> Result<String, PageError> {
    if depth > 6 {
        return Ok(String::new());
    }
    let ids = store::members::member_ids(conn, tenant, group).await?;
    let mut items = String::new();
    for id in ids {
        let Some(row) = store::objects::get_object(conn, tenant, &id).await? else {
            continue;
        };
        let name = esc(row.display_name.as_deref().unwrap_or(""));
        if row.kind() == Kind::Group {
            let inner = Box::pin(tree(conn, tenant, &row.id, depth + 1)).await?;
            items.push_str(&format!(
                "<li>Group <a href=\"{PREFIX}/t/{tenant}/groups?group={}\">{name}</a>{inner}</li>",
                esc(&row.id)
            ));
        } else {
            items.push_str(&format!("<li>{name}</li>"));
        }
    }
    Ok(if items.is_empty() {
        String::new()
    } else {
        format!("<ul>{items}</ul>")
    })
}

async fn render(
    conn: &mut sqlx::SqliteConnection,
    tenant: &TenantRow,
    selected: Option<&str>,
    message: Option<(&str, bool)>,
    status: StatusCode,
) -> PageResult {
    let base = format!("{PREFIX}/t/{}/groups", tenant.id);
    let groups = super::objects(conn, &tenant.id, Kind::Group).await?;
    let users = super::objects(conn, &tenant.id, Kind::User).await?;
    let mut body = message.map(|(m, e)| html::flash(m, e)).unwrap_or_default();
    let list: String = groups
        .iter()
        .map(|g| {
            let current = if Some(g.id.as_str()) == selected {
                " aria-current=\"true\""
            } else {
                ""
            };
            format!(
                "<li><a href=\"{base}?group={}\"{current}>{}</a></li>",
                esc(&g.id),
                esc(g.display_name.as_deref().unwrap_or(""))
            )
        })
        .collect();
    body.push_str(&format!("<div class=\"grid\"><nav aria-label=\"Groups\" class=\"panel\"><h2>Groups</h2><ul>{list}</ul></nav><div>"));
    if let Some(id) = selected {
        let row = store::objects::get_by_kind(conn, &tenant.id, Kind::Group, id)
            .await?
            .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, format!("No group '{id}'.")))?;
        let group = parse(&row)?;
        let data: Value = serde_json::from_str(&row.data).unwrap_or(Value::Null);
        let name = row.display_name.clone().unwrap_or_default();
        let kind = if group.is_unified() {
            "Microsoft 365 group"
        } else {
            "Security group"
        };
        body.push_str(&format!("<section aria-labelledby=\"gname\"><h2 id=\"gname\">{}</h2><p>{kind}{}</p>",
            esc(&name),
            if group.is_dynamic() { format!(", dynamic membership: <code>{}</code>. Members follow the rule; they cannot be added or removed by hand.", esc(data["membershipRule"].as_str().unwrap_or(""))) } else { String::new() }));
        let linked_in = LinkedInSettings::from_tenant(tenant);
        if linked_in.effective(tenant) == Some(settings::SELECTED_GROUP)
            && let Some(pilot) = linked_in.selected_group_id.as_deref()
        {
            let pilot_name = store::objects::get_object(conn, &tenant.id, pilot)
                .await?
                .and_then(|g| g.display_name)
                .unwrap_or_default();
            if pilot == row.id {
                body.push_str(&format!("<p class=\"flash ok\">This is the LinkedIn selected group: its direct members may use LinkedIn{}.</p>",
                    if linked_in.nested_group_membership { ", and so may members of groups nested in it" } else { " (members of nested groups do not count: the nested option is off)" }));
            } else if store::members::is_transitive_member(conn, &tenant.id, pilot, &row.id).await?
            {
                body.push_str(&format!("<p class=\"flash ok\" id=\"nested-note\">This group is nested in the LinkedIn selected group '{}'. Its members may use LinkedIn only when nested membership counts — currently <strong>{}</strong> (Admin page).</p>",
                    esc(&pilot_name), if linked_in.nested_group_membership { "on" } else { "off" }));
            }
        }
        let members = store::members::member_ids(conn, &tenant.id, &row.id).await?;
        let mut rows = String::new();
        for member in &members {
            let Some(m) = store::objects::get_object(conn, &tenant.id, member).await? else {
                continue;
            };
            let label = esc(m.display_name.as_deref().unwrap_or(""));
            let shown = if m.kind() == Kind::Group {
                format!("Group <a href=\"{base}?group={}\">{label}</a>", esc(&m.id))
            } else {
                format!(
                    "{label} <span class=\"muted\">{}</span>",
                    esc(m.user_principal_name.as_deref().unwrap_or(""))
                )
            };
            let button = if group.is_dynamic() {
                String::new()
            } else {
                format!(
                    "<form method=\"post\" action=\"{base}/remove\">{}<input type=\"hidden\" name=\"group\" value=\"{}\"><input type=\"hidden\" name=\"member\" value=\"{}\"><button type=\"submit\" aria-label=\"Remove {label}\">Remove</button></form>",
                    html::csrf_field(),
                    esc(&row.id),
                    esc(&m.id)
                )
            };
            rows.push_str(&format!("<tr><td>{shown}</td><td>{button}</td></tr>"));
        }
        body.push_str(&format!("<h3>Direct members ({})</h3><div class=\"scroll\"><table id=\"members\"><thead><tr><th scope=\"col\">Member</th><th scope=\"col\">Action</th></tr></thead><tbody>{rows}</tbody></table></div>", members.len()));
        body.push_str(&format!(
            "<h3>Members and nested groups</h3><div id=\"tree\">{}</div>",
            tree(conn, &tenant.id, &row.id, 0).await?
        ));
        if !group.is_dynamic() {
            let options: String = users
                .iter()
                .filter(|u| !members.contains(&u.id))
                .map(|u| {
                    format!(
                        "<option value=\"{}\">{} ({})</option>",
                        esc(&u.id),
                        esc(u.display_name.as_deref().unwrap_or("")),
                        esc(u.user_principal_name.as_deref().unwrap_or(""))
                    )
                })
                .chain(
                    groups
                        .iter()
                        .filter(|g| g.id != row.id && !members.contains(&g.id))
                        .map(|g| {
                            format!(
                                "<option value=\"{}\">Group: {}</option>",
                                esc(&g.id),
                                esc(g.display_name.as_deref().unwrap_or(""))
                            )
                        }),
                )
                .collect();
            body.push_str(&format!("<form method=\"post\" action=\"{base}/add\">{}<input type=\"hidden\" name=\"group\" value=\"{}\">\
                <p><label for=\"member\">Add a member</label><br><select id=\"member\" name=\"member\">{options}</select></p>\
                <button type=\"submit\" class=\"primary\">Add member</button></form>", html::csrf_field(), esc(&row.id)));
        }
        body.push_str("</section>");
    } else {
        body.push_str(
            "<section><p>Choose a group to see its members and nested groups.</p></section>",
        );
    }
    body.push_str("</div></div>");
    let nav = Nav {
        tenant: Some((&tenant.id, &tenant.display_name)),
        current: "groups",
    };
    Ok((status, html::page("Groups", &nav, &body)).into_response())
}

async fn show(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> PageResult {
    let mut conn = state.db.pool.acquire().await?;
    let tenant = super::tenant(&mut conn, &key).await?;
    let message = match query.get("done").map(String::as_str) {
        Some("added") => Some(("Member added.", false)),
        Some("removed") => Some(("Member removed.", false)),
        _ => None,
    };
    render(
        &mut conn,
        &tenant,
        query.get("group").map(String::as_str),
        message,
        StatusCode::OK,
    )
    .await
}

async fn change(
    state: AppState,
    key: String,
    form: HashMap<String, String>,
    adding: bool,
) -> PageResult {
    let group_id = form.get("group").cloned().unwrap_or_default();
    let member = form
        .get("member")
        .cloned()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut tx = state.db.begin_write().await?;
    let tenant = super::tenant(&mut tx, &key).await?;
    let result: Result<(), crate::error::GraphError> = async {
        let row = crate::graph::groups::load(&mut tx, &tenant.id, &group_id).await?;
        let group: Group =
            serde_json::from_str(&row.data).map_err(crate::error::GraphError::internal)?;
        if adding {
            crate::graph::members::check_can_add(&mut tx, &tenant.id, &row.id, &group, &member)
                .await?;
            if !store::members::add_member(&mut tx, &tenant.id, &row.id, &member).await? {
                return Err(crate::graph::members::already_member());
            }
        } else {
            if group.is_dynamic() {
                return Err(crate::error::GraphError::forbidden());
            }
            if !store::members::remove_member(&mut tx, &tenant.id, &row.id, &member).await? {
                return Err(crate::error::GraphError::request_bad_request(
                    "That object is not a direct member of the group.",
                ));
            }
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => {
            tx.commit().await?;
            Ok(html::see_other(&format!(
                "{PREFIX}/t/{}/groups?group={}&done={}",
                tenant.id,
                html::url(&group_id),
                if adding { "added" } else { "removed" }
            )))
        }
        Err(err) => {
            drop(tx);
            let mut conn = state.db.pool.acquire().await?;
            let message = format!("Not changed: {}", err.message);
            render(
                &mut conn,
                &tenant,
                Some(&group_id)
                    .filter(|g| !g.is_empty())
                    .map(String::as_str),
                Some((&message, true)),
                err.status(),
            )
            .await
        }
    }
}

async fn add(
    State(state): State<AppState>,
    Path(key): Path<String>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> PageResult {
    change(state, key, form, true).await
}

async fn remove(
    State(state): State<AppState>,
    Path(key): Path<String>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> PageResult {
    change(state, key, form, false).await
}
