//! Lab controls: reset this tenant to its seed, download its snapshot (the fixture document
//! `GET /_tenantsim/tenants/{t}/snapshot` returns), and upload one (the snapshot import's own
//! code, [`crate::admin::tenants::import_document`]).

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};

use super::PREFIX;
use super::html::{self, Nav, PageError, PageResult, esc};
use crate::state::AppState;

/// `import_limit`: the upload takes what the snapshot import takes.
pub fn router(import_limit: usize) -> Router<AppState> {
    Router::new()
        .route(&format!("{PREFIX}/t/{{tenant}}/lab"), get(show))
        .route(&format!("{PREFIX}/t/{{tenant}}/lab/reset"), post(reset))
        .route(
            &format!("{PREFIX}/t/{{tenant}}/lab/snapshot.json"),
            get(download),
        )
        .route(
            &format!("{PREFIX}/t/{{tenant}}/lab/import"),
            post(import).layer(axum::extract::DefaultBodyLimit::max(import_limit)),
        )
}

async fn show(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> PageResult {
    let mut conn = state.db.pool.acquire().await?;
    let tenant = super::tenant(&mut conn, &key).await?;
    let base = format!("{PREFIX}/t/{}/lab", tenant.id);
    let message = match query.get("done").map(String::as_str) {
        Some("reset") => html::flash("The tenant is back to its seed.", false),
        Some("imported") => html::flash(
            "Snapshot imported: it is also the tenant's new seed.",
            false,
        ),
        _ => String::new(),
    };
    let body = format!(
        "{message}<section aria-labelledby=\"r\"><h2 id=\"r\">Reset</h2><p>Puts {name} back to its seed (fixture, template copy or last import). \
         The journal, fault rules, throttling and clock are not touched.</p>\
         <form method=\"post\" action=\"{base}/reset\">{csrf}<button type=\"submit\" class=\"primary\" id=\"reset\">Reset this tenant</button></form></section>\
         <section aria-labelledby=\"e\"><h2 id=\"e\">Export</h2><p><a class=\"button\" href=\"{base}/snapshot.json\" download>Download snapshot (JSON)</a></p>\
         <p class=\"muted\">Passwords and secrets are exported as hashes.</p></section>\
         <section aria-labelledby=\"i\"><h2 id=\"i\">Import</h2>\
         <form method=\"post\" action=\"{base}/import?csrf={token}\" enctype=\"multipart/form-data\">\
         <p><label for=\"document\">Snapshot file (a fixture document)</label><br><input type=\"file\" id=\"document\" name=\"document\" accept=\"application/json,.json\" required></p>\
         <button type=\"submit\" class=\"primary\">Import</button></form>\
         <p class=\"muted\">Each tenant in the file replaces the tenant with its id (or is created).</p></section>",
        name = esc(&tenant.display_name),
        csrf = html::csrf_field(),
        token = super::security::csrf_token(),
    );
    let nav = Nav {
        tenant: Some((&tenant.id, &tenant.display_name)),
        current: "lab",
    };
    Ok(html::page("Lab controls", &nav, &body).into_response())
}

async fn reset(State(state): State<AppState>, Path(key): Path<String>) -> PageResult {
    let tenant = super::tenant(&mut *state.db.pool.acquire().await?, &key).await?;
    // The reset looks the tenant up again in its own transaction: deleted meanwhile, it stays
    // deleted (404).
    crate::admin::tenants::reset_one(&state, &tenant.id, false).await?;
    Ok(html::see_other(&format!(
        "{PREFIX}/t/{}/lab?done=reset",
        tenant.id
    )))
}

async fn download(State(state): State<AppState>, Path(key): Path<String>) -> PageResult {
    // One read transaction: the snapshot is one state of the tenant, so it imports back.
    let mut tx = state.db.begin_read().await?;
    let tenant = super::tenant(&mut tx, &key).await?;
    let name = format!("{}-snapshot.json", tenant.id);
    let document = crate::fixtures::export::export(&mut tx, &[tenant])
        .await
        .map_err(|err| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))?;
    tx.commit().await?;
    let text = serde_json::to_string_pretty(&document).unwrap_or_default();
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        text,
    )
        .into_response())
}

/// The first file (or field) named `document` of a `multipart/form-data` body.
pub fn multipart_field<'a>(content_type: &str, body: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut at = find(body, delimiter, 0)? + delimiter.len();
    loop {
        let next = find(body, delimiter, at)?;
        let part = &body[at..next];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let split = find(part, b"\r\n\r\n", 0)?;
        let headers = String::from_utf8_lossy(&part[..split]).to_ascii_lowercase();
        let content = &part[split + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        if headers.contains(&format!("name=\"{name}\"")) {
            return Some(content);
        }
        at = next + delimiter.len();
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

async fn import(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let file = multipart_field(content_type, &body, "document").ok_or_else(|| {
        PageError::new(StatusCode::BAD_REQUEST, "Choose a snapshot file to upload.")
    })?;
    let text = std::str::from_utf8(file)
        .map_err(|_| PageError::new(StatusCode::BAD_REQUEST, "The file is not UTF-8 JSON."))?;
    let document: serde_json::Value = serde_json::from_str(text).map_err(|err| {
        // Where the text breaks, not serde's wording (nor the text itself).
        PageError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "The file is not valid JSON (the problem is on line {}, character {}).",
                err.line(),
                err.column()
            ),
        )
    })?;
    // A tenant's lab page imports into that tenant only: a document naming another tenant's
    // id would replace that tenant from a page that is not its own.
    let tenant = super::tenant(&mut *state.db.pool.acquire().await?, &key).await?;
    if !imports_only(&document, &tenant.id) {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "The snapshot must hold this tenant ({}) and no other.",
                tenant.id
            ),
        ));
    }
    crate::admin::tenants::import_document(&state, text).await?;
    Ok(html::see_other(&format!(
        "{PREFIX}/t/{}/lab?done=imported",
        tenant.id
    )))
}

/// Whether a fixture document (`{"tenants":[…]}` or one tenant object) holds exactly one
/// tenant, the one with id `tenant`.
fn imports_only(document: &serde_json::Value, tenant: &str) -> bool {
    let tenants: Vec<&serde_json::Value> = match document.get("tenants") {
        Some(serde_json::Value::Array(items)) => items.iter().collect(),
        Some(_) => return false,
        None => vec![document],
    };
    matches!(tenants.as_slice(), [only]
        if only["id"].as_str().and_then(|id| uuid::Uuid::parse_str(id).ok())
            .is_some_and(|id| id.to_string() == tenant))
}
