//! Request-side extractors for Graph routes: the query string as OData sees it, and JSON
//! bodies whose every rejection is a Graph-shaped error.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde_json::{Map, Value};

use crate::error::{ErrorCode, GraphError};
use crate::odata::{self, ODataError, ODataErrorKind, QueryOptions, ResourceModel};

/// The query string, percent-decoded into pairs (order kept), plus the raw form for nextLinks
/// and whether the client sent `ConsistencyLevel: eventual`.
#[derive(Debug, Clone)]
pub struct GraphQuery {
    pub pairs: Vec<(String, String)>,
    pub raw: Option<String>,
    pub eventual: bool,
    pub path: String,
}

fn decode_component(text: &str) -> Result<String, GraphError> {
    // Form encoding: `+` is a space (what IIS-hosted Graph does), `%XX` is a byte.
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            GraphError::bad_request(
                "The query string is not valid: it contains a malformed percent-encoding.",
            )
        })
}

pub fn parse_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, GraphError> {
    let mut pairs = Vec::new();
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        pairs.push((decode_component(key)?, decode_component(value)?));
    }
    Ok(pairs)
}

impl<S: Send + Sync> FromRequestParts<S> for GraphQuery {
    type Rejection = GraphError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().map(str::to_owned);
        let pairs = parse_pairs(raw.as_deref())?;
        let eventual = parts.headers.get_all("consistencylevel").iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.trim().eq_ignore_ascii_case("eventual"))
        });
        // The path as the client wrote it (nested routers strip their prefix from `uri`).
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| parts.uri.path().to_owned(), |o| o.path().to_owned());
        Ok(Self {
            pairs,
            raw,
            eventual,
            path,
        })
    }
}

impl GraphQuery {
    /// Parses the OData options against a resource's property whitelist.
    pub fn options(&self, model: &'static ResourceModel) -> Result<QueryOptions, GraphError> {
        let beta = self
            .path
            .get(..6)
            .is_some_and(|p| p.eq_ignore_ascii_case("/beta/"));
        odata::parse_query_in(&self.pairs, self.eventual, model, beta).map_err(odata_error)
    }

    /// Single-entity reads accept `$select` (and `$expand` where the resource has it) only.
    pub fn entity_options(
        &self,
        model: &'static ResourceModel,
    ) -> Result<QueryOptions, GraphError> {
        let options = self.options(model)?;
        let listy = options.filter.is_some()
            || options.orderby.is_some()
            || options.top.is_some()
            || options.skiptoken.is_some()
            || options.search.is_some()
            // `$expand=manager($levels=…)` comes with `$count=true` (user-list-manager).
            || (options.count && options.expand.as_ref().is_none_or(|e| e.levels.is_none()));
        if listy {
            // Divergence: the exact text Graph uses for list options on a single entity is not captured.
            return Err(GraphError::bad_request(
                "Query options $filter, $orderby, $top, $skiptoken, $search and $count are not allowed on a single entity.",
            ));
        }
        Ok(options)
    }
}

pub fn odata_error(err: ODataError) -> GraphError {
    let code = match err.kind {
        ODataErrorKind::BadRequest => ErrorCode::BadRequest,
        ODataErrorKind::RequestBadRequest => ErrorCode::RequestBadRequest,
        ODataErrorKind::UnsupportedQuery => ErrorCode::RequestUnsupportedQuery,
        ODataErrorKind::NotImplemented => ErrorCode::NotImplemented,
    };
    GraphError::new(code, err.message)
}

/// Graph's text for a body that is not JSON.
pub const UNREADABLE_BODY: &str = "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.";

/// A JSON object body. Rejections: wrong content type → 415, too large → 413, not JSON or
/// not an object → 400; all Graph-shaped.
#[derive(Debug)]
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = GraphError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_body(request, state).await?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            _ => Err(GraphError::bad_request(UNREADABLE_BODY)),
        }
    }
}

/// A JSON object body kept as its UTF-8 text, for large documents (a snapshot import) that
/// are parsed straight from it. Rejected as [`JsonObject`] rejects.
#[derive(Debug)]
pub struct JsonObjectText(pub Bytes);

impl JsonObjectText {
    /// The body's text (checked UTF-8 when extracted).
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonObjectText {
    type Rejection = GraphError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_body(request, state).await?;
        // Valid JSON (a scan that builds nothing), an object, UTF-8 throughout.
        let object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        if !object
            || serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_err()
            || std::str::from_utf8(&bytes).is_err()
        {
            return Err(GraphError::bad_request(UNREADABLE_BODY));
        }
        Ok(Self(bytes))
    }
}

/// The body of a request that must be JSON: 413 over the route's limit, 415 for another
/// content type.
async fn json_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, GraphError> {
    let json_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|media| media == "application/json" || media.ends_with("+json"));
    let bytes = Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                GraphError::new(
                    ErrorCode::RequestEntityTooLarge,
                    "The request body is too large.",
                )
            } else {
                GraphError::bad_request(UNREADABLE_BODY)
            }
        })?;
    if !json_type {
        return Err(GraphError::new(
            ErrorCode::UnsupportedMediaType,
            "The content type of the request is not supported. Use 'application/json'.",
        ));
    }
    Ok(bytes)
}

/// Reads a typed value out of a JSON object's text, with [`typed`]'s errors. A body that is not
/// JSON at all was refused when it was extracted.
pub fn typed_text<'a, T: serde::de::Deserialize<'a>>(
    text: &'a str,
    resource: &str,
) -> Result<T, GraphError> {
    let mut reader = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut reader)
        .map_err(|err| invalid_property(&crate::body_shape::mismatch(&err), resource))
}

/// Reads a typed value out of a JSON object, naming the property Graph would name and what it
/// takes (never serde's wording, nor the value sent: see `body_shape`).
pub fn typed<T: serde::de::DeserializeOwned>(
    value: Value,
    resource: &str,
) -> Result<T, GraphError> {
    crate::body_shape::from_value(value).map_err(|m| invalid_property(&m, resource))
}

/// [`typed`] for one property read on its own (`passwordProfile`): paths start with it.
pub fn typed_property<T: serde::de::DeserializeOwned>(
    value: Value,
    resource: &str,
    property: &str,
) -> Result<T, GraphError> {
    crate::body_shape::from_value_at(value, property).map_err(|m| invalid_property(&m, resource))
}

fn invalid_property(mismatch: &crate::body_shape::Mismatch, resource: &str) -> GraphError {
    GraphError::request_bad_request(mismatch.graph_message(resource))
}
