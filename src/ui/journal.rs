//! Journal: the request journal ([`crate::control::journal`]), filterable by tenant and
//! status, each entry expandable; a little JavaScript polls for new entries every two seconds
//! (`…/journal/entries`, the same query as `GET /_tenantsim/requests`, rendered here so the
//! page needs no admin key in script) and inserts them, escaped on the server.

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

use super::PREFIX;
use super::html::{self, Nav, PageResult, esc};
use crate::control::journal::{Entry, Filter};
use crate::state::AppState;
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{PREFIX}/journal"), get(show))
        .route(&format!("{PREFIX}/journal/entries"), get(entries))
}

const STATUSES: &[(&str, &str)] = &[
    ("", "Any status"),
    ("2xx", "2xx success"),
    ("3xx", "3xx redirect"),
    ("4xx", "4xx client error"),
    ("429", "429 throttled"),
    ("5xx", "5xx server error"),
];

fn filter(query: &HashMap<String, String>) -> Filter {
    let text = |name: &str| query.get(name).filter(|v| !v.is_empty()).cloned();
    Filter {
        tenant: text("tenant"),
        status: text("status"),
        method: None,
        path: None,
        since: None,
        limit: Some(200),
    }
}

/// One entry as an expandable `<details>`.
fn entry_html(entry: &Entry) -> String {
    let class = format!("s{}", entry.status / 100);
    let query = entry
        .query
        .as_deref()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    format!(
        "<details data-seq=\"{seq}\"><summary><span class=\"{class}\">{status}</span> {method} <code>{path}</code> <span class=\"muted\">{time}</span></summary>\
         <dl><dt>Request id</dt><dd><code>{rid}</code></dd><dt>Query</dt><dd><code>{query}</code></dd><dt>Tenant</dt><dd><code>{tenant}</code></dd>\
         <dt>Client app</dt><dd><code>{app}</code></dd><dt>Duration</dt><dd>{dur} µs</dd>{body}</dl></details>",
        seq = entry.seq,
        status = entry.status,
        method = esc(&entry.method),
        path = esc(&entry.path),
        time = esc(&crate::control::journal::format_time(entry.at)),
        rid = esc(&entry.request_id),
        query = esc(&query),
        tenant = esc(entry.tenant.as_deref().unwrap_or("—")),
        app = esc(entry.client_app.as_deref().unwrap_or("—")),
        dur = entry.duration_micros,
        body = entry
            .request_body
            .as_deref()
            .map(|b| format!("<dt>Body</dt><dd><pre>{}</pre></dd>", esc(b)))
            .unwrap_or_default(),
    )
}

async fn show(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> PageResult {
    let mut conn = state.db.pool.acquire().await?;
    let tenants = store::tenants::list_tenants(&mut conn).await?;
    let want_tenant = query.get("tenant").cloned().unwrap_or_default();
    let want_status = query.get("status").cloned().unwrap_or_default();
    let tenant_options: String =
        std::iter::once("<option value=\"\">All tenants</option>".to_owned())
            .chain(tenants.iter().map(|t| {
                format!(
                    "<option value=\"{}\"{}>{}</option>",
                    esc(&t.id),
                    if t.id.eq_ignore_ascii_case(&want_tenant) {
                        " selected"
                    } else {
                        ""
                    },
                    esc(&t.display_name)
                )
            }))
            .collect();
    let status_options: String = STATUSES
        .iter()
        .map(|(v, l)| {
            format!(
                "<option value=\"{v}\"{}>{l}</option>",
                if *v == want_status { " selected" } else { "" }
            )
        })
        .collect();
    let entries = state.journal.query(&filter(&query));
    let last = entries.last().map_or(0, |e| e.seq);
    let list: String = entries.iter().rev().map(entry_html).collect();
    let (kept, dropped) = state.journal.counts();
    let body = format!(
        "<form method=\"get\" class=\"panel\"><label for=\"tenant\">Tenant</label> <select id=\"tenant\" name=\"tenant\">{tenant_options}</select> \
         <label for=\"status\">Status</label> <select id=\"status\" name=\"status\">{status_options}</select> \
         <button type=\"submit\">Filter</button></form>\
         <p class=\"muted\">Newest first; {kept} kept, {dropped} dropped (capacity {cap}). Graph and identity requests only: tenantsim's own pages and control API are not journaled. \
         <span id=\"live\" aria-live=\"polite\">Live: checking every 2 s.</span></p>\
         <div class=\"journal\" id=\"entries\" data-last=\"{last}\">{list}</div>\
         <script>(function(){{var box=document.getElementById('entries');var live=document.getElementById('live');\
         var params=new URLSearchParams(location.search);\
         function poll(){{params.set('after',box.dataset.last);fetch('{PREFIX}/journal/entries?'+params.toString(),{{credentials:'same-origin'}})\
         .then(function(r){{return r.json();}}).then(function(d){{if(d.html){{box.insertAdjacentHTML('afterbegin',d.html);live.textContent=d.count+' new request(s).';}}box.dataset.last=d.last;}})\
         .catch(function(){{live.textContent='Live updates paused (server unreachable).';}}).finally(function(){{setTimeout(poll,2000);}});}}\
         setTimeout(poll,2000);}})();</script>",
        cap = state.journal.capacity(),
    );
    let nav = Nav {
        tenant: None,
        current: "journal",
    };
    Ok(html::page("Request journal", &nav, &body).into_response())
}

/// GET …/journal/entries?tenant=&status=&after=SEQ — entries newer than `after`, rendered.
async fn entries(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    let after: u64 = query.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let entries: Vec<Entry> = state
        .journal
        .query(&filter(&query))
        .into_iter()
        .filter(|e| e.seq > after)
        .collect();
    let last = entries.last().map_or(after, |e| e.seq);
    let html: String = entries.iter().rev().map(entry_html).collect();
    Json(json!({"html": html, "last": last, "count": entries.len()}))
}
