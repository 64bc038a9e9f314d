//! Graph's payload conventions: the JSON media type, `@odata.context`, `$select` projection,
//! collections with `@odata.count` / `@odata.nextLink`, and the origin that absolute links use.
//! See <https://learn.microsoft.com/graph/paging> and <https://learn.microsoft.com/graph/query-parameters>.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::error::GraphError;
use crate::settings::Settings;
use crate::store::objects::Cursor;

pub use super::GRAPH_JSON;

/// The API version a route was reached through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    V1,
    Beta,
}

impl ApiVersion {
    pub const fn segment(self) -> &'static str {
        match self {
            Self::V1 => "v1.0",
            Self::Beta => "beta",
        }
    }
}

impl ApiVersion {
    /// The version a request names: an `ApiVersion` extension if a caller set one, else the
    /// first segment of the path the client sent (`/v1.0/…`, `/beta/…`, in any case).
    pub fn of(parts: &Parts) -> Self {
        if let Some(version) = parts.extensions.get::<Self>() {
            return *version;
        }
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| parts.uri.path(), |o| o.0.path());
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        if first.eq_ignore_ascii_case("beta") {
            Self::Beta
        } else {
            Self::V1
        }
    }
}

/// Read from the path rather than put in each request by a layer on every Graph route (a
/// per-route layer is one more boxed service on every request).
impl<S: Send + Sync> FromRequestParts<S> for ApiVersion {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}

/// The scheme, host and port the client used (or `--public-url`), for absolute links.
#[derive(Debug, Clone)]
pub struct Origin(pub String);

/// Set by each listener so handlers know whether the client came in over TLS.
#[derive(Debug, Clone, Copy)]
pub struct ListenerScheme(pub &'static str);

impl<S> FromRequestParts<S> for Origin
where
    S: Send + Sync,
    Arc<Settings>: FromRef<S>,
{
    type Rejection = GraphError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(origin_of(parts, &Arc::<Settings>::from_ref(state)))
    }
}

/// The origin of a request: `--public-url` if set, else the listener's scheme and the Host.
pub fn origin_of(parts: &Parts, settings: &Settings) -> Origin {
    if let Some(public) = &settings.public_url {
        return Origin(public.trim_end_matches('/').to_owned());
    }
    let scheme = parts
        .extensions
        .get::<ListenerScheme>()
        .map_or("http", |s| s.0);
    // Borrowed until the one allocation of the origin itself (this runs on every request).
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b".-:[]_".contains(&c))
        })
        .unwrap_or("localhost");
    let mut origin = String::with_capacity(scheme.len() + 3 + host.len());
    origin.push_str(scheme);
    origin.push_str("://");
    origin.push_str(host);
    Origin(origin)
}

/// A JSON response with Graph's media type.
pub struct GraphJson(pub StatusCode, pub Value);

impl IntoResponse for GraphJson {
    fn into_response(self) -> Response {
        let mut response = (self.0, self.1.to_string()).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(GRAPH_JSON));
        response
    }
}

/// A pre-rendered JSON body with Graph's media type.
pub struct GraphJsonText(pub StatusCode, pub std::sync::Arc<str>);

impl IntoResponse for GraphJsonText {
    fn into_response(self) -> Response {
        // The body is shared with the rendered-body cache, not copied.
        let mut response = (
            self.0,
            axum::body::Body::from(axum::body::Bytes::from_owner(SharedText(self.1))),
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(GRAPH_JSON));
        response
    }
}

/// A shared text as the bytes of a response body.
struct SharedText(std::sync::Arc<str>);

impl AsRef<[u8]> for SharedText {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// 204 No Content, Graph's answer to PATCH, DELETE and `$ref` writes.
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// `{origin}/{version}/$metadata#{path}[(select)][/$entity]`.
// Divergence: Graph writes `https://graph.microsoft.com/...` here; tenantsim uses the origin the
// client used, like its nextLinks (graph-contract D11). Clients never follow this link.
pub fn context_url(
    origin: &Origin,
    version: ApiVersion,
    path: &str,
    select: Option<&[&str]>,
    entity: bool,
) -> String {
    let mut url = format!("{}/{}/$metadata#{path}", origin.0, version.segment());
    if let Some(select) = select {
        url.push('(');
        url.push_str(&select.join(","));
        url.push(')');
    }
    if entity {
        url.push_str("/$entity");
    }
    url
}

/// Keeps the selected properties, or the resource's default set, writing `null` for properties
/// without a value. `all` (beta) returns every stored property instead of the default set.
pub fn project(
    id: &str,
    data: &Map<String, Value>,
    select: Option<&[&str]>,
    defaults: &[&str],
    all: bool,
) -> Map<String, Value> {
    let mut out = Map::new();
    let pick = |out: &mut Map<String, Value>, name: &str| {
        let value = if name == "id" {
            Value::String(id.to_owned())
        } else {
            data.get(name).cloned().unwrap_or(Value::Null)
        };
        out.insert(name.to_owned(), value);
    };
    match select {
        Some(select) => select.iter().for_each(|name| pick(&mut out, name)),
        None if all => {
            out.insert("id".to_owned(), Value::String(id.to_owned()));
            for (key, value) in data {
                out.insert(key.clone(), value.clone());
            }
        }
        None => defaults.iter().for_each(|name| pick(&mut out, name)),
    }
    out
}

/// The opaque, URL-safe `$skiptoken` for a cursor.
pub fn encode_skiptoken(cursor: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).unwrap_or_default())
}

pub fn decode_skiptoken(token: &str) -> Result<Cursor, GraphError> {
    URL_SAFE_NO_PAD
        .decode(token.trim())
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| GraphError::request_bad_request(format!("Invalid skip token '{token}'.")))
}

/// The absolute link to the next page: the same path and options, with a new `$skiptoken`.
pub fn next_link(origin: &Origin, path: &str, raw_query: Option<&str>, cursor: &Cursor) -> String {
    let mut parts: Vec<&str> = raw_query
        .unwrap_or("")
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            let key = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
            !pair.is_empty()
                && !key
                    .trim_start_matches('$')
                    .eq_ignore_ascii_case("skiptoken")
        })
        .collect();
    let token = format!("$skiptoken={}", encode_skiptoken(cursor));
    parts.push(&token);
    format!("{}{}?{}", origin.0, path, parts.join("&"))
}

/// `{"@odata.context", "@odata.count"?, "@odata.nextLink"?, "value"}`, in Graph's key order.
pub fn collection(
    context: String,
    count: Option<i64>,
    next: Option<String>,
    value: Vec<Value>,
) -> Value {
    let mut body = Map::new();
    body.insert("@odata.context".to_owned(), Value::String(context));
    if let Some(count) = count {
        body.insert("@odata.count".to_owned(), Value::from(count));
    }
    if let Some(next) = next {
        body.insert("@odata.nextLink".to_owned(), Value::String(next));
    }
    body.insert("value".to_owned(), Value::Array(value));
    Value::Object(body)
}

/// A single entity with its `@odata.context` first.
pub fn entity(context: String, fields: Map<String, Value>) -> Value {
    let mut body = Map::new();
    body.insert("@odata.context".to_owned(), Value::String(context));
    body.extend(fields);
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skiptoken_round_trips_and_is_url_safe() {
        let cursor = Cursor::Key(
            Some("Adele Vance/ü+".to_owned()),
            "c0a70550-0000-4000-8000-000000000101".to_owned(),
        );
        let token = encode_skiptoken(&cursor);
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{token}"
        );
        assert_eq!(decode_skiptoken(&token).expect("decodes"), cursor);
        assert!(decode_skiptoken("not a token!").is_err());
    }

    #[test]
    fn next_link_keeps_other_options_and_replaces_the_skiptoken() {
        let origin = Origin("https://localhost:8443".to_owned());
        let link = next_link(
            &origin,
            "/v1.0/users",
            Some("$top=2&%24skiptoken=old&$select=id"),
            &Cursor::Seq(7),
        );
        assert!(
            link.starts_with("https://localhost:8443/v1.0/users?$top=2&$select=id&$skiptoken="),
            "{link}"
        );
        assert!(!link.contains("old"));
    }
}
