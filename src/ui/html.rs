//! Shared page furniture: escaping, the layout (landmarks, navigation, skip link), the
//! stylesheet, flash messages and the HTML error page.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::security;
use crate::error::GraphError;

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Percent-encodes a query-string value.
pub fn url(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The hidden CSRF field every form POST carries.
pub fn csrf_field() -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        security::csrf_token()
    )
}

/// A status line (`role="status"`) or an error (`role="alert"`).
pub fn flash(message: &str, error: bool) -> String {
    if error {
        format!(
            "<div class=\"flash error\" role=\"alert\">{}</div>",
            esc(message)
        )
    } else {
        format!(
            "<div class=\"flash ok\" role=\"status\">{}</div>",
            esc(message)
        )
    }
}

/// The tenant a page is about: its id and display name, for the navigation.
pub struct Nav<'a> {
    pub tenant: Option<(&'a str, &'a str)>,
    pub current: &'a str,
}

/// A whole page: header with navigation, `<main>` with `body`, footer.
pub fn page(title: &str, nav: &Nav<'_>, body: &str) -> Html<String> {
    let link = |href: String, label: &str, key: &str| {
        let current = if key == nav.current {
            " aria-current=\"page\""
        } else {
            ""
        };
        format!(
            "<li><a href=\"{}\"{current}>{}</a></li>",
            esc(&href),
            esc(label)
        )
    };
    let mut links = vec![link(format!("{}/", super::PREFIX), "Home", "home")];
    if let Some((id, _)) = nav.tenant {
        let base = format!("{}/t/{id}", super::PREFIX);
        links.push(link(format!("{base}/admin"), "Admin", "admin"));
        links.push(link(format!("{base}/account"), "My account", "account"));
        links.push(link(format!("{base}/card"), "Profile card", "card"));
        links.push(link(format!("{base}/groups"), "Groups", "groups"));
        links.push(link(format!("{base}/lab"), "Lab", "lab"));
    }
    links.push(link(
        format!("{}/journal", super::PREFIX),
        "Journal",
        "journal",
    ));
    let tenant = nav
        .tenant
        .map(|(_, name)| format!("<span class=\"tenant\">{}</span>", esc(name)))
        .unwrap_or_default();
    Html(format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · tenantsim</title><style>{CSS}</style></head><body>\
         <a class=\"skip\" href=\"#main\">Skip to content</a>\
         <header><span class=\"brand\">tenantsim</span>{tenant}\
         <nav aria-label=\"Main\"><ul>{links}</ul></nav></header>\
         <main id=\"main\" tabindex=\"-1\"><h1>{title}</h1>{body}</main>\
         <footer><p>tenantsim: a simulated Microsoft 365 tenant for demos and labs. Not Microsoft.</p></footer>\
         </body></html>",
        title = esc(title),
        links = links.join(""),
    ))
}

/// An error shown as a page (the pages' counterpart of Graph's error envelope).
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl From<GraphError> for PageError {
    fn from(err: GraphError) -> Self {
        Self::new(err.status(), err.message.to_string())
    }
}

impl From<sqlx::Error> for PageError {
    fn from(err: sqlx::Error) -> Self {
        GraphError::internal(err).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let nav = Nav {
            tenant: None,
            current: "",
        };
        let body = format!(
            "{}<p><a href=\"{}/\">Back to the home page</a></p>",
            flash(&self.message, true),
            super::PREFIX
        );
        (self.status, page("Something went wrong", &nav, &body)).into_response()
    }
}

pub type PageResult = Result<Response, PageError>;

/// 303 See Other (after a successful form POST).
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = axum::http::HeaderValue::from_str(location) {
        response
            .headers_mut()
            .insert(axum::http::header::LOCATION, value);
    }
    response
}

/// Initials for the photo placeholder ("Megan Bowen" → "MB").
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphanumeric())
        .take(2)
        .collect::<String>()
        .to_uppercase()
}

const CSS: &str = "\
*{box-sizing:border-box}body{margin:0;font:16px/1.5 'Segoe UI',system-ui,sans-serif;color:#242424;background:#f5f5f5}\
a{color:#0f6cbd}a:focus,button:focus,input:focus,select:focus,summary:focus{outline:2px solid #0f6cbd;outline-offset:2px}\
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:2}\
header{background:#0f6cbd;color:#fff;padding:8px 16px;display:flex;flex-wrap:wrap;align-items:center;gap:8px 16px}\
header a{color:#fff}.brand{font-weight:600}.tenant{background:#115ea3;padding:2px 8px;border-radius:4px}\
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 12px}nav a[aria-current]{font-weight:700;text-decoration:underline}\
main{max-width:1200px;margin:0 auto;padding:16px}h1{font-size:1.6rem;margin:.2em 0 .6em}h2{font-size:1.2rem}\
footer{max-width:1200px;margin:0 auto;padding:8px 16px;color:#616161;font-size:.85rem}\
section,.panel{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:12px 16px;margin:0 0 16px}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e0e0e0;vertical-align:top}\
.scroll{overflow-x:auto}fieldset{border:1px solid #d1d1d1;border-radius:6px;margin:0 0 12px}legend{font-weight:600}\
label{display:inline-block;margin:2px 0}.choice{display:block;padding:2px 0}.disabled{color:#707070}\
button,.button{font:inherit;padding:6px 14px;border-radius:4px;border:1px solid #8a8886;background:#fff;cursor:pointer;color:#242424;text-decoration:none;display:inline-block}\
button.primary,.button.primary{background:#0f6cbd;border-color:#0f6cbd;color:#fff}\
input[type=text],input[type=search],input[type=password],select{font:inherit;padding:4px 6px;max-width:100%}\
.flash{padding:8px 12px;border-radius:6px;margin:0 0 12px}.flash.ok{background:#dff6dd;border:1px solid #107c10}.flash.error{background:#fde7e9;border:1px solid #c50f1f}\
.grid{display:grid;grid-template-columns:minmax(280px,380px) 1fr;gap:16px;align-items:start}\
.card{background:#fff;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.15);padding:16px}\
.card .top{display:flex;gap:12px;align-items:center}.photo{width:72px;height:72px;border-radius:50%;background:#8764b8;color:#fff;display:flex;align-items:center;justify-content:center;font-size:1.6rem;font-weight:600;flex:none}\
.card h2{margin:0;font-size:1.3rem}.muted{color:#616161}.card dl{margin:8px 0}.card dt{font-weight:600;font-size:.85rem;color:#616161}.card dd{margin:0 0 6px}\
.linkedin{border-top:1px solid #e0e0e0;margin-top:8px;padding-top:8px}.linkedin h3{color:#0a66c2;margin:.2em 0}\
ol.reasons{padding-left:1.4em}ol.reasons li{padding:6px 8px;margin:4px 0;border-radius:6px;border:1px solid #e0e0e0;background:#fff}\
li.pass{border-left:6px solid #107c10!important}li.fail{border-left:6px solid #c50f1f!important}li.info{border-left:6px solid #0f6cbd!important}li.notEvaluated{opacity:.65}\
li.decisive{background:#fde7e9!important;border:2px solid #c50f1f!important;font-weight:600}.badge{font-size:.75rem;border-radius:10px;padding:1px 8px;background:#e0e0e0;margin-left:6px}\
.journal details{background:#fff;border:1px solid #e0e0e0;border-radius:6px;margin:4px 0;padding:4px 8px}.journal pre{white-space:pre-wrap;word-break:break-all}\
.s2{color:#107c10}.s4{color:#bc4b09}.s5{color:#c50f1f}code{word-break:break-all}\
@media (max-width:700px){.grid{grid-template-columns:1fr}main{padding:8px}th,td{padding:4px}header{padding:8px}}\
";
