//! Profile card: pick a viewer and a person; the card the viewer sees (photo placeholder,
//! name, title, contact, the configured profileCardProperties, the LinkedIn section in its
//! shown state) and beside it the decision's reason chain, the decisive step highlighted.
//! Both come from [`crate::linkedin::decision::profile_card`].

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::Value;

use super::html::{self, Nav, PageError, PageResult, esc};
use super::{PREFIX, security};
use crate::linkedin::decision::{self, Outcome, ProfileCard, Shown};
use crate::state::AppState;
use crate::store::objects::Kind;

pub fn router() -> Router<AppState> {
    Router::new().route(&format!("{PREFIX}/t/{{tenant}}/card"), get(show))
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn field(label: &str, value: &Value) -> String {
    let value = text(value);
    if value.is_empty() {
        return String::new();
    }
    format!("<dt>{}</dt><dd>{}</dd>", esc(label), esc(&value))
}

fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Info => "info",
        Outcome::NotEvaluated => "notEvaluated",
    }
}

fn render_card(card: &ProfileCard) -> String {
    let person = &card.person;
    let name = person["displayName"].as_str().unwrap_or("");
    let mut contact = String::new();
    contact.push_str(&field("Email", &person["mail"]));
    contact.push_str(&field("Work phone", &person["businessPhones"]));
    contact.push_str(&field("Mobile", &person["mobilePhone"]));
    contact.push_str(&field("Office", &person["officeLocation"]));
    contact.push_str(&field("Department", &person["department"]));
    contact.push_str(&field("Company", &person["companyName"]));
    contact.push_str(&field("City", &person["city"]));
    for property in &card.profile_card_properties {
        contact.push_str(&field(
            property["displayName"].as_str().unwrap_or(""),
            &property["value"],
        ));
    }
    let linked_in = match (card.linked_in.shown, &card.linked_in.data) {
        (Shown::None, _) | (_, None) => {
            "<p id=\"linkedin-shown\" data-shown=\"none\">No LinkedIn information is shown.</p>"
                .to_owned()
        }
        (shown, Some(data)) => {
            let mut out = format!(
                "<p id=\"linkedin-shown\" data-shown=\"{}\"><strong>{}</strong></p><p>{}</p><p class=\"muted\">{}{}</p>\
                 <p><a href=\"{}\" rel=\"noopener noreferrer\">{}</a></p>",
                if shown == Shown::Connected {
                    "connected"
                } else {
                    "public"
                },
                if shown == Shown::Connected {
                    "LinkedIn (connected view)"
                } else {
                    "LinkedIn (public profile)"
                },
                esc(data["headline"].as_str().unwrap_or("")),
                esc(data["currentPosition"].as_str().unwrap_or("")),
                data["location"]
                    .as_str()
                    .map(|l| format!(" · {}", esc(l)))
                    .unwrap_or_default(),
                esc(data["profileUrl"].as_str().unwrap_or("")),
                esc(data["profileUrl"].as_str().unwrap_or("")),
            );
            if shown == Shown::Connected {
                let degree = match data["connectionDegree"].as_u64() {
                    Some(1) => "1st-degree connection".to_owned(),
                    Some(2) => "2nd-degree connection".to_owned(),
                    Some(3) => "3rd-degree connection".to_owned(),
                    _ => "Not in your network (beyond 3rd degree)".to_owned(),
                };
                let mutual: Vec<String> = data["mutualConnections"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|m| esc(m["displayName"].as_str().unwrap_or("")))
                    .collect();
                out.push_str(&format!(
                    "<p id=\"linkedin-degree\">{degree}</p><p>Mutual connections: {}</p>",
                    if mutual.is_empty() {
                        "none".to_owned()
                    } else {
                        mutual.join(", ")
                    }
                ));
            }
            out
        }
    };
    format!(
        "<article class=\"card\" aria-labelledby=\"card-name\"><div class=\"top\"><div class=\"photo\" aria-hidden=\"true\">{}</div>\
         <div><h2 id=\"card-name\">{}</h2><div class=\"muted\">{}</div></div></div>\
         <dl>{contact}</dl>{organization}<div class=\"linkedin\"><h3>LinkedIn</h3>{linked_in}</div></article>",
        esc(&html::initials(name)),
        esc(name),
        esc(person["jobTitle"].as_str().unwrap_or("")),
        organization = render_organization(card),
    )
}

/// The organization section: the manager chain (nearest first, as the real card lists it
/// above the person) and the direct reports.
fn render_organization(card: &ProfileCard) -> String {
    let person = |p: &Value| {
        format!(
            "<li data-id=\"{}\">{} <span class=\"muted\">{}</span></li>",
            esc(p["id"].as_str().unwrap_or("")),
            esc(p["displayName"].as_str().unwrap_or("")),
            esc(p["jobTitle"].as_str().unwrap_or("")),
        )
    };
    let list = |id: &str, people: &[Value], none: &str| {
        if people.is_empty() {
            format!("<p id=\"{id}\" class=\"muted\">{none}</p>")
        } else {
            let items: String = people.iter().map(person).collect();
            format!("<ol id=\"{id}\">{items}</ol>")
        }
    };
    format!(
        "<div class=\"organization\"><h3>Organization</h3><h4>Reports to</h4>{}<h4>Direct reports</h4>{}</div>",
        list("org-managers", &card.organization.manager, "No manager."),
        list(
            "org-reports",
            &card.organization.direct_reports,
            "No direct reports."
        ),
    )
}

fn render_reasons(card: &ProfileCard) -> String {
    let steps: String = card
        .linked_in
        .reasons
        .iter()
        .map(|r| {
            let path = r.data.as_ref().and_then(|d| d["path"].as_array()).map(|p| {
                let names: Vec<String> = p.iter().map(|g| esc(g["displayName"].as_str().unwrap_or(""))).collect();
                format!("<br><span class=\"muted\">Path: viewer → {}</span>", names.join(" → "))
            });
            format!(
                "<li class=\"{outcome}{decisive}\" data-check=\"{check}\"><code>{check}</code><span class=\"badge\">{outcome}</span>{flag}<br>{detail}{path}</li>",
                outcome = outcome_word(r.outcome),
                decisive = if r.decisive { " decisive" } else { "" },
                check = esc(r.check),
                flag = if r.decisive { "<span class=\"badge\">decisive</span>" } else { "" },
                detail = esc(&r.detail),
                path = path.unwrap_or_default(),
            )
        })
        .collect();
    format!(
        "<section aria-labelledby=\"why\" class=\"reasons-panel\"><h2 id=\"why\">Why: the decision step by step</h2>\
         <ol class=\"reasons\">{steps}</ol><p class=\"muted\">The tenant setting applies to the <strong>viewer</strong>; \
         the person viewed need not be in the selected group. The first failing step decides.</p></section>"
    )
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> PageResult {
    let mut conn = state.db.pool.acquire().await?;
    let tenant = super::tenant(&mut conn, &key).await?;
    let users = super::objects(&mut conn, &tenant.id, Kind::User).await?;
    let pick = |name: &str| query.get(name).filter(|v| !v.is_empty()).cloned();
    let viewer = pick("viewer").or_else(|| security::signed_in_user(&headers, &tenant.id));
    let person = pick("person");
    let mut body = format!(
        "<form method=\"get\" class=\"panel\"><p><label for=\"viewer\">Viewer (who looks at the card)</label><br>\
         <select id=\"viewer\" name=\"viewer\"><option value=\"\">Choose…</option>{}</select></p>\
         <p><label for=\"person\">Person (whose card it is)</label><br>\
         <select id=\"person\" name=\"person\"><option value=\"\">Choose…</option>{}</select></p>\
         <button type=\"submit\" class=\"primary\">Show card</button></form>",
        super::user_options(&users, viewer.as_deref()),
        super::user_options(&users, person.as_deref()),
    );
    let mut status = StatusCode::OK;
    if let (Some(viewer), Some(person)) = (&viewer, &person) {
        match decision::profile_card(&mut conn, &tenant, viewer, person).await {
            Ok(card) => {
                let viewer_name = card.viewer["displayName"].as_str().unwrap_or("");
                body.push_str(&format!(
                    "<p>What <strong id=\"viewer-name\">{}</strong> sees:</p><div class=\"grid\">{}{}</div>",
                    esc(viewer_name),
                    render_card(&card),
                    render_reasons(&card)
                ));
            }
            Err(decision::CardError::UnknownUser(user)) => {
                status = StatusCode::NOT_FOUND;
                body.push_str(&html::flash(
                    &format!("No user '{user}' in this tenant."),
                    true,
                ));
            }
            Err(decision::CardError::Db(err)) => return Err(PageError::from(err)),
        }
    }
    let nav = Nav {
        tenant: Some((&tenant.id, &tenant.display_name)),
        current: "card",
    };
    Ok((status, html::page("Profile card", &nav, &body)).into_response())
}
