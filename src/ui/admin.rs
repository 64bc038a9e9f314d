//! Admin: user settings. "LinkedIn account connections" (Yes / Selected group / No with a
//! group picker), saved through the portal API's own update
//! ([`crate::portal::update_properties`]: same validation, same errors); tenantsim's nested-
//! membership option (D4); and the user-consent setting, saved into the stored authorization
//! policy ([`crate::policy`]) as `PATCH /policies/authorizationPolicy` does.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use super::PREFIX;
use super::html::{self, Nav, PageError, PageResult, esc};
use crate::linkedin::{LinkedInSettings, settings};
use crate::state::AppState;
use crate::store::{self, objects::Kind, tenants::TenantRow};

type FormMap = axum::Form<HashMap<String, String>>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{PREFIX}/t/{{tenant}}/admin"), get(show))
        .route(
            &format!("{PREFIX}/t/{{tenant}}/admin/linkedin"),
            post(save_linked_in),
        )
        .route(
            &format!("{PREFIX}/t/{{tenant}}/admin/options"),
            post(save_options),
        )
        .route(
            &format!("{PREFIX}/t/{{tenant}}/admin/consent"),
            post(save_consent),
        )
}

const LOW: &str = "ManagePermissionGrantsForSelf.microsoft-user-default-low";
const LEGACY: &str = "ManagePermissionGrantsForSelf.microsoft-user-default-legacy";

/// The portal's three user-consent options: (form value, label, assigned policy).
const CONSENT_OPTIONS: &[(&str, &str, Option<&str>)] = &[
    ("doNotAllow", "Do not allow user consent", None),
    (
        "low",
        "Allow user consent for apps from verified publishers, for selected permissions (Recommended)",
        Some(LOW),
    ),
    ("legacy", "Allow user consent for apps", Some(LEGACY)),
];

fn consent_choice(settings_json: &Value) -> &'static str {
    let own: Vec<String> = crate::policy::assigned(settings_json)
        .into_iter()
        .map(|p| p.to_ascii_lowercase())
        .filter(|p| p.starts_with(crate::policy::FOR_SELF))
        .collect();
    if own.is_empty() {
        "doNotAllow"
    } else if own
        .iter()
        .all(|p| p.ends_with("microsoft-user-default-low"))
    {
        "low"
    } else {
        "legacy"
    }
}

async fn show(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> PageResult {
    let mut conn = state.db.pool.acquire().await?;
    let tenant = super::tenant(&mut conn, &key).await?;
    let message = query.get("saved").map(|what| format!("Saved: {what}."));
    render(&mut conn, &tenant, message.as_deref(), None, StatusCode::OK).await
}

async fn render(
    conn: &mut sqlx::SqliteConnection,
    tenant: &TenantRow,
    saved: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let base = format!("{PREFIX}/t/{}/admin", tenant.id);
    let linked_in = LinkedInSettings::from_tenant(tenant);
    let mut body = String::new();
    if let Some(message) = saved {
        body.push_str(&html::flash(message, false));
    }
    if let Some(message) = error {
        body.push_str(&html::flash(message, true));
    }
    body.push_str(
        "<section aria-labelledby=\"li\"><h2 id=\"li\">LinkedIn account connections</h2>",
    );
    match linked_in.effective(tenant) {
        None => body.push_str(&format!(
            "<p id=\"linkedin-unavailable\">Unavailable: LinkedIn account connections are not available in the <strong>{}</strong> cloud.</p>",
            esc(&tenant.cloud)
        )),
        Some(value) => {
            let selected = linked_in.selected_group_id.as_deref().filter(|_| value == settings::SELECTED_GROUP);
            let check = |v: i64| if v == value { " checked" } else { "" };
            let mut groups = String::new();
            for group in super::objects(conn, &tenant.id, Kind::Group).await? {
                let data: Value = serde_json::from_str(&group.data).unwrap_or(Value::Null);
                let types: Vec<String> = data["groupTypes"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_ascii_lowercase).collect();
                let dynamic = types.iter().any(|t| t == "dynamicmembership");
                let kind = if types.iter().any(|t| t == "unified") { "Microsoft 365" } else if data["securityEnabled"].as_bool() == Some(true) { "Security" } else { "Distribution" };
                let name = group.display_name.clone().unwrap_or_default();
                let id = format!("g-{}", group.id);
                let mark = if selected == Some(group.id.as_str()) { " checked" } else { "" };
                let (disabled, reason) = if dynamic {
                    (" disabled aria-describedby=\"{id}-why\"".replace("{id}", &id), format!("<span class=\"badge\" id=\"{id}-why\">dynamic membership: can't be the selected group</span>"))
                } else {
                    (String::new(), String::new())
                };
                groups.push_str(&format!(
                    "<label class=\"choice group-option{cls}\" data-name=\"{lname}\"><input type=\"radio\" name=\"group\" id=\"{id}\" value=\"{gid}\"{mark}{disabled}> {name} <span class=\"muted\">({kind})</span>{reason}</label>",
                    cls = if dynamic { " disabled" } else { "" },
                    lname = esc(&name.to_lowercase()),
                    gid = esc(&group.id),
                    name = esc(&name),
                ));
            }
            body.push_str(&format!(
                "<form method=\"post\" action=\"{base}/linkedin\">{csrf}\
                 <fieldset><legend>Allow users to connect their work or school account with LinkedIn</legend>\
                 <label class=\"choice\"><input type=\"radio\" name=\"choice\" value=\"yes\"{y}> Yes</label>\
                 <label class=\"choice\"><input type=\"radio\" name=\"choice\" value=\"group\"{g}> Selected group</label>\
                 <label class=\"choice\"><input type=\"radio\" name=\"choice\" value=\"no\"{n}> No</label></fieldset>\
                 <fieldset><legend>Selected group (security and Microsoft 365 groups)</legend>\
                 <p><label for=\"group-search\">Search groups by name</label><br>\
                 <input type=\"search\" id=\"group-search\" autocomplete=\"off\" aria-controls=\"group-list\"></p>\
                 <div id=\"group-list\">{groups}</div></fieldset>\
                 <button type=\"submit\" class=\"primary\">Save</button></form>\
                 <script>document.getElementById('group-search').addEventListener('input',function(e){{var q=e.target.value.toLowerCase();\
                 document.querySelectorAll('.group-option').forEach(function(l){{l.hidden=q&&l.dataset.name.indexOf(q)<0;}});}});</script>",
                csrf = html::csrf_field(),
                y = check(settings::ENABLED),
                g = check(settings::SELECTED_GROUP),
                n = check(settings::DISABLED),
            ));
            body.push_str(&format!(
                "<h3>tenantsim options</h3><form method=\"post\" action=\"{base}/options\">{csrf}\
                 <label class=\"choice\"><input type=\"checkbox\" name=\"nested\" id=\"nested\"{nested}> \
                 Members of groups nested in the selected group count (transitive membership). Entra does not document this; tenantsim's default is direct members only (D4).</label>\
                 <label class=\"choice\"><input type=\"checkbox\" name=\"public\" id=\"public\"{public}> \
                 Viewers who have not connected see public LinkedIn profiles (D6).</label>\
                 <button type=\"submit\">Save options</button></form>",
                csrf = html::csrf_field(),
                nested = if linked_in.nested_group_membership { " checked" } else { "" },
                public = if linked_in.show_public_profiles { " checked" } else { "" },
            ));
        }
    }
    body.push_str("</section>");
    let settings_json: Value = serde_json::from_str(&tenant.settings).unwrap_or(Value::Null);
    let current = consent_choice(&settings_json);
    let options: String = CONSENT_OPTIONS
        .iter()
        .map(|(value, label, _)| {
            format!(
                "<label class=\"choice\"><input type=\"radio\" name=\"consent\" value=\"{value}\"{}> {}</label>",
                if *value == current { " checked" } else { "" },
                esc(label)
            )
        })
        .collect();
    body.push_str(&format!(
        "<section aria-labelledby=\"uc\"><h2 id=\"uc\">User consent for applications</h2>\
         <form method=\"post\" action=\"{base}/consent\">{}\
         <fieldset><legend>Users can consent to apps accessing company data on their behalf</legend>{options}</fieldset>\
         <p class=\"muted\">Connecting LinkedIn is a user's consent: with <em>Do not allow</em>, users cannot connect.</p>\
         <button type=\"submit\" class=\"primary\">Save</button></form></section>",
        html::csrf_field()
    ));
    let nav = Nav {
        tenant: Some((&tenant.id, &tenant.display_name)),
        current: "admin",
    };
    Ok((status, html::page("User settings", &nav, &body)).into_response())
}

/// POST …/admin/linkedin — the portal API's update with the form's choice.
async fn save_linked_in(
    State(state): State<AppState>,
    Path(key): Path<String>,
    axum::Form(form): FormMap,
) -> PageResult {
    let mut tx = state.db.begin_write().await?;
    let tenant = super::tenant(&mut tx, &key).await?;
    let mut body = Map::new();
    let value = match form.get("choice").map(String::as_str) {
        Some("yes") => json!(settings::ENABLED),
        Some("no") => json!(settings::DISABLED),
        Some("group") => json!(settings::SELECTED_GROUP),
        other => json!(other.unwrap_or("")),
    };
    body.insert("enableLinkedInAppFamily".into(), value);
    if form.get("choice").map(String::as_str) == Some("group")
        && let Some(group) = form.get("group").filter(|g| !g.is_empty())
    {
        body.insert("linkedInSelectedGroupObjectId".into(), json!(group));
    }
    match crate::portal::update_properties(&mut tx, &tenant, &body).await {
        Ok(()) => {
            tx.commit().await?;
            Ok(html::see_other(&format!(
                "{PREFIX}/t/{}/admin?saved=LinkedIn+account+connections",
                tenant.id
            )))
        }
        Err(err) => {
            drop(tx);
            let mut conn = state.db.pool.acquire().await?;
            let tenant = super::tenant(&mut conn, &key).await?;
            render(&mut conn, &tenant, None, Some(&err.message), err.status()).await
        }
    }
}

/// POST …/admin/options — tenantsim's options, as `PATCH /_tenantsim/tenants/{t}/linkedIn`.
async fn save_options(
    State(state): State<AppState>,
    Path(key): Path<String>,
    axum::Form(form): FormMap,
) -> PageResult {
    let mut tx = state.db.begin_write().await?;
    let tenant = super::tenant(&mut tx, &key).await?;
    let mut linked_in = LinkedInSettings::from_tenant(&tenant);
    linked_in.nested_group_membership = form.contains_key("nested");
    linked_in.show_public_profiles = form.contains_key("public");
    store::tenants::update_settings(&mut tx, &tenant.id, &linked_in.store_into(&tenant.settings))
        .await?;
    tx.commit().await?;
    Ok(html::see_other(&format!(
        "{PREFIX}/t/{}/admin?saved=tenantsim+options",
        tenant.id
    )))
}

/// POST …/admin/consent — the assigned `ManagePermissionGrantsForSelf.*` policy, stored in the
/// authorization policy; other assigned entries (developer consent) are kept.
async fn save_consent(
    State(state): State<AppState>,
    Path(key): Path<String>,
    axum::Form(form): FormMap,
) -> PageResult {
    let choice = form.get("consent").map(String::as_str).unwrap_or("");
    let Some((_, _, policy_id)) = CONSENT_OPTIONS.iter().find(|(v, _, _)| *v == choice) else {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            "Choose one of the three user-consent options.",
        ));
    };
    let mut tx = state.db.begin_write().await?;
    let tenant = super::tenant(&mut tx, &key).await?;
    let settings_json: Value = serde_json::from_str(&tenant.settings).unwrap_or(Value::Null);
    let mut assigned: Vec<String> = policy_id.iter().map(|p| (*p).to_owned()).collect();
    assigned.extend(
        crate::policy::assigned(&settings_json)
            .into_iter()
            .filter(|p| !p.to_ascii_lowercase().starts_with(crate::policy::FOR_SELF)),
    );
    let mut current = crate::policy::current(&settings_json);
    let patch =
        json!({"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": assigned}});
    crate::policy::apply_patch(
        &mut current,
        patch.as_object().expect("object"),
        crate::policy::Shape::V1,
    )
    .map_err(|err| PageError::new(StatusCode::BAD_REQUEST, err.0))?;
    let text = crate::policy::store_into(&settings_json, &current);
    store::tenants::update_settings(&mut tx, &tenant.id, &text).await?;
    tx.commit().await?;
    Ok(html::see_other(&format!(
        "{PREFIX}/t/{}/admin?saved=user+consent",
        tenant.id
    )))
}
