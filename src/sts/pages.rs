//! The server-rendered pages of the interactive flows: sign-in, consent, "need admin approval",
//! the device-code entry page and messages. Plain HTML forms, no script except the
//! auto-submitting `form_post` response. Every value that came from a request or the directory
//! goes through [`escape`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// HTML-escapes text for element content and double- or single-quoted attributes.
pub fn escape(text: &str) -> String {
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

const STYLE: &str = "body{font-family:Segoe UI,system-ui,sans-serif;background:#f2f2f2;margin:0}\
main{max-width:440px;margin:48px auto;background:#fff;padding:32px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}\
h1{font-size:1.5rem;font-weight:600}fieldset{border:0;padding:0;margin:0 0 16px}label{display:block;margin:4px 0}\
.error{color:#e81123}.buttons{display:flex;gap:8px;justify-content:flex-end;margin-top:24px}\
button{padding:6px 20px;min-width:100px}button.primary{background:#0067b8;color:#fff;border:0}\
li{margin:8px 0}.small{color:#555;font-size:.85rem}";

/// A whole page with the usual headers: no caching, no framing.
pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>\n",
        escape(title)
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// An error page that never redirects (unknown client, bad redirect URI, bad form post).
pub fn error_page(status: StatusCode, code: u32, message: &str) -> Response {
    let body = format!(
        "<h1>Sorry, but we're having trouble signing you in.</h1>\
         <p class=\"error\" role=\"alert\">AADSTS{code}: {}</p>",
        escape(message)
    );
    page(status, "Sign in to your account", &body)
}

/// A page with a heading and one paragraph.
pub fn message_page(title: &str, message: &str) -> Response {
    page(
        StatusCode::OK,
        title,
        &format!("<h1>{}</h1><p>{}</p>", escape(title), escape(message)),
    )
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        escape(name),
        escape(value)
    )
}

fn error_line(error: Option<&str>) -> String {
    error
        .map(|e| {
            format!(
                "<p class=\"error\" role=\"alert\" id=\"error\">{}</p>",
                escape(e)
            )
        })
        .unwrap_or_default()
}

/// A user the sign-in page offers.
pub struct Account {
    pub upn: String,
    pub display_name: String,
}

/// What the sign-in page shows.
pub struct SignIn<'a> {
    pub action: &'a str,
    pub flow: &'a str,
    pub app_name: &'a str,
    /// The tenant's users to pick from; `None` on `common` / `organizations` (a UPN field).
    pub accounts: Option<&'a [Account]>,
    pub login_hint: Option<&'a str>,
    pub error: Option<&'a str>,
}

/// The sign-in page: pick a user (or type a UPN) and optionally a password.
pub fn sign_in(view: &SignIn<'_>) -> Response {
    let hint = view.login_hint.unwrap_or_default();
    let who = match view.accounts {
        Some(accounts) => {
            let mut items = String::new();
            let preselect = accounts
                .iter()
                .position(|a| a.upn.eq_ignore_ascii_case(hint))
                .unwrap_or(usize::MAX);
            for (index, account) in accounts.iter().enumerate() {
                let checked = if index == preselect { " checked" } else { "" };
                items.push_str(&format!(
                    "<label><input type=\"radio\" name=\"username\" value=\"{upn}\" required{checked}> {name} <span class=\"small\">{upn}</span></label>",
                    upn = escape(&account.upn),
                    name = escape(&account.display_name),
                ));
            }
            format!("<fieldset><legend>Pick an account</legend>{items}</fieldset>")
        }
        None => format!(
            "<label for=\"username\">Email, phone, or Skype</label>\
             <input type=\"email\" id=\"username\" name=\"username\" value=\"{}\" autocomplete=\"username\" required>",
            escape(hint)
        ),
    };
    let body = format!(
        "<h1>Sign in</h1><p>to continue to {app}</p>{error}\
         <form method=\"post\" action=\"{action}\">{flow}{step}{who}\
         <label for=\"password\">Password <span class=\"small\">(optional in tenantsim)</span></label>\
         <input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\">\
         <div class=\"buttons\"><button type=\"submit\" class=\"primary\">Sign in</button></div></form>",
        app = escape(view.app_name),
        error = error_line(view.error),
        action = escape(view.action),
        flow = hidden("flow", view.flow),
        step = hidden("step", "signin"),
    );
    page(
        if view.error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        },
        "Sign in to your account",
        &body,
    )
}

/// One permission on the consent page.
pub struct PermissionLine {
    /// The scope value (`User.Read`).
    pub value: String,
    pub display_name: String,
    pub description: String,
}

/// The consent page: the app, the user, each permission; Accept / Cancel.
pub fn consent(
    action: &str,
    flow: &str,
    app_name: &str,
    upn: &str,
    permissions: &[PermissionLine],
) -> Response {
    let items: String = permissions
        .iter()
        .map(|p| {
            format!(
                "<li><strong>{}</strong> <span class=\"small\">({})</span><br><span class=\"small\">{}</span></li>",
                escape(&p.display_name),
                escape(&p.value),
                escape(&p.description)
            )
        })
        .collect();
    let body = format!(
        "<p class=\"small\">{upn}</p><h1>Permissions requested</h1><p><strong>{app}</strong></p>\
         <p>This app would like to:</p><ul>{items}</ul>\
         <p class=\"small\">Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement.</p>\
         <form method=\"post\" action=\"{action}\">{flow}\
         <div class=\"buttons\"><button type=\"submit\" name=\"step\" value=\"cancel\">Cancel</button>\
         <button type=\"submit\" name=\"step\" value=\"accept\" class=\"primary\">Accept</button></div></form>",
        upn = escape(upn),
        app = escape(app_name),
        action = escape(action),
        flow = hidden("flow", flow),
    );
    page(StatusCode::OK, "Permissions requested", &body)
}

/// "Need admin approval", with a button back to the app.
pub fn admin_approval(action: &str, flow: &str, app_name: &str, upn: &str) -> Response {
    let body = format!(
        "<p class=\"small\">{upn}</p><h1>Need admin approval</h1>\
         <p><strong>{app}</strong></p>\
         <p>{app} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>\
         <form method=\"post\" action=\"{action}\">{flow}{step}\
         <div class=\"buttons\"><button type=\"submit\" class=\"primary\">Return to the application without granting consent</button></div></form>",
        upn = escape(upn),
        app = escape(app_name),
        action = escape(action),
        flow = hidden("flow", flow),
        step = hidden("step", "decline"),
    );
    page(StatusCode::OK, "Need admin approval", &body)
}

/// The device-code entry page.
pub fn device_code(error: Option<&str>) -> Response {
    let body = format!(
        "<h1>Enter code</h1><p>Enter the code displayed on your app or device.</p>{}\
         <form method=\"post\" action=\"/devicelogin\"><label for=\"otc\">Code</label>\
         <input type=\"text\" id=\"otc\" name=\"otc\" autocomplete=\"off\" required>\
         <div class=\"buttons\"><button type=\"submit\" class=\"primary\">Next</button></div></form>",
        error_line(error)
    );
    page(
        if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        },
        "Enter code",
        &body,
    )
}

/// `response_mode=form_post`: a page that posts the response to the redirect URI.
pub fn form_post(redirect_uri: &str, params: &[(&str, String)]) -> Response {
    let fields: String = params.iter().map(|(k, v)| hidden(k, v)).collect();
    let body = format!(
        "<form method=\"post\" name=\"hiddenform\" action=\"{}\">{fields}\
         <noscript><p>Script is disabled. Click Submit to continue.</p><button type=\"submit\">Submit</button></noscript></form>\
         <script>document.forms[0].submit();</script>",
        escape(redirect_uri)
    );
    page(StatusCode::OK, "Working...", &body)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
