//! JSON batching: `POST /v1.0/$batch` and `POST /beta/$batch` run up to 20 requests, each
//! through the same router as a direct call (routing, auth, permissions, errors and every
//! layer apply per item), in an order that respects `dependsOn`.
//! See <https://learn.microsoft.com/graph/json-batching> and graph-contract.md §5.7.

use std::collections::{HashMap, HashSet};

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http_body_util::BodyExt;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Map, Value, json};
use tower::ServiceExt;

use crate::error::{ErrorCode, GraphError, Result};
use crate::protocol::request::JsonObject;
use crate::protocol::wire::{ApiVersion, GraphJson, ListenerScheme};
use crate::state::AppState;

/// Graph's limit on requests per batch (json-batching.md).
pub const MAX_REQUESTS: usize = 20;

/// The whole router, handed to every request (in `graph::Routers`) by `app::build_service` so
/// a batch can send its items through it.
#[derive(Clone)]
pub struct Dispatch(pub Router);

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new().route("/$batch", post(batch))
}

/// One request of the batch, as parsed.
#[derive(Debug)]
struct Item {
    id: String,
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Value>,
    depends_on: Vec<String>,
}

fn invalid(message: impl Into<std::borrow::Cow<'static, str>>) -> GraphError {
    GraphError::bad_request(message)
}

fn string_field(item: &Map<String, Value>, name: &str, index: usize) -> Result<String> {
    match item.get(name) {
        Some(Value::String(text)) if !text.trim().is_empty() => Ok(text.clone()),
        // Divergence: Graph's texts for a malformed batch are not captured (D14).
        _ => Err(invalid(format!(
            "Invalid batch payload: request {index} has no '{name}' string."
        ))),
    }
}

fn parse_item(index: usize, value: &Value) -> Result<Item> {
    let Value::Object(item) = value else {
        return Err(invalid(format!(
            "Invalid batch payload: request {index} is not an object."
        )));
    };
    let id = string_field(item, "id", index)?;
    let method = string_field(item, "method", index)?;
    let url = string_field(item, "url", index)?;
    let headers = match item.get("headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                (k.clone(), text)
            })
            .collect(),
        Some(_) => {
            return Err(invalid(format!(
                "Invalid batch payload: the headers of request '{id}' are not an object."
            )));
        }
    };
    // The Python SDK sends `depends_on` (always, often `[]`); Graph documents `dependsOn`.
    let mut depends_on = Vec::new();
    for key in ["dependsOn", "depends_on"] {
        match item.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(ids)) => {
                for dep in ids {
                    let dep = dep.as_str().ok_or_else(|| {
                        invalid(format!(
                            "Invalid batch payload: {key} of request '{id}' must list request ids."
                        ))
                    })?;
                    depends_on.push(dep.to_owned());
                }
            }
            Some(_) => {
                return Err(invalid(format!(
                    "Invalid batch payload: {key} of request '{id}' must be an array."
                )));
            }
        }
    }
    let body = item.get("body").filter(|b| !b.is_null()).cloned();
    Ok(Item {
        id,
        method,
        url,
        headers,
        body,
        depends_on,
    })
}

fn header_of<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Parses and validates the whole batch; any error here is the batch's 400.
fn parse_batch(body: &Map<String, Value>) -> Result<Vec<Item>> {
    let Some(Value::Array(requests)) = body.get("requests") else {
        return Err(invalid(
            "Invalid batch payload: the body must be an object with a 'requests' array.",
        ));
    };
    if requests.is_empty() {
        return Err(invalid(
            "Invalid batch payload: the 'requests' array is empty.",
        ));
    }
    if requests.len() > MAX_REQUESTS {
        // Divergence: Graph's exact text for more than 20 requests is not captured (D14).
        return Err(invalid(format!(
            "The batch contains {} requests; a batch can hold at most {MAX_REQUESTS}.",
            requests.len()
        )));
    }
    let items = requests
        .iter()
        .enumerate()
        .map(|(i, v)| parse_item(i, v))
        .collect::<Result<Vec<_>>>()?;
    let mut seen = HashSet::new();
    for item in &items {
        if !seen.insert(item.id.to_lowercase()) {
            return Err(invalid(format!(
                "The batch contains more than one request with the id '{}' (ids are compared case-insensitively).",
                item.id
            )));
        }
    }
    for item in &items {
        for dep in &item.depends_on {
            if !seen.contains(&dep.to_lowercase()) {
                return Err(invalid(format!(
                    "Request '{}' depends on '{dep}', which is not in the batch.",
                    item.id
                )));
            }
        }
        // [V] Graph's text (msgraph-sdk-dotnet#2628); Graph fails the whole batch for it
        // (Softeria/ms-365-mcp-server#683).
        let write = ["POST", "PATCH", "PUT"]
            .iter()
            .any(|m| m.eq_ignore_ascii_case(&item.method));
        let content_type = header_of(item, "content-type").is_some();
        if (item.body.is_some() && !content_type) || (write && item.body.is_none()) {
            return Err(invalid(format!(
                "Write request id : {} does not contain Content-Type header or body.",
                item.id
            )));
        }
    }
    Ok(items)
}

/// Item indexes in an order that respects `dependsOn` (earliest listed first among the ready
/// ones); a cycle is the batch's 400.
fn execution_order(items: &[Item]) -> Result<Vec<usize>> {
    let index: HashMap<String, usize> = items
        .iter()
        .enumerate()
        .map(|(i, item)| (item.id.to_lowercase(), i))
        .collect();
    let deps: Vec<Vec<usize>> = items
        .iter()
        .map(|item| {
            item.depends_on
                .iter()
                .filter_map(|d| index.get(&d.to_lowercase()).copied())
                .collect()
        })
        .collect();
    let mut done = vec![false; items.len()];
    let mut order = Vec::with_capacity(items.len());
    while order.len() < items.len() {
        let next = (0..items.len()).find(|&i| !done[i] && deps[i].iter().all(|&d| done[d]));
        let Some(next) = next else {
            // Divergence: Graph's text for a dependsOn cycle is not captured (D14).
            return Err(invalid(
                "The dependsOn references of the batch form a cycle.",
            ));
        };
        done[next] = true;
        order.push(next);
    }
    Ok(order)
}

/// Characters a request target cannot hold as written (the Graph docs' own batch samples
/// contain spaces in `$filter`).
const URL_UNSAFE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^');

/// The path an item reaches: `/{version}{url}`, or the item's own 400.
fn item_path(url: &str, version: ApiVersion, lenient: bool) -> Result<String> {
    let url = url.trim();
    if url.contains("://") {
        return Err(invalid(
            "The url of a batch request must be relative to the version, like '/users'.",
        ));
    }
    let mut relative = if url.starts_with('/') {
        url.to_owned()
    } else {
        format!("/{url}")
    };
    let first = relative[1..]
        .split(['/', '?'])
        .next()
        .unwrap_or("")
        .to_owned();
    if ["v1.0", "beta"]
        .iter()
        .any(|v| v.eq_ignore_ascii_case(&first))
    {
        // Divergence: Graph answers 400 here (msgraph-sdk-javascript#1178, #1451); with
        // `lenient_batch_urls` tenantsim strips the prefix for the JS client and runs the
        // item in the batch's own version (graph-contract D9).
        if !lenient {
            return Err(GraphError::unknown_segment(&first));
        }
        relative = relative[1 + first.len()..].to_owned();
        if !relative.starts_with('/') {
            relative.insert(0, '/');
        }
    }
    if relative[1..].starts_with("$batch") {
        return Err(invalid("A batch request cannot contain another batch."));
    }
    let encoded = utf8_percent_encode(&relative, URL_UNSAFE).to_string();
    Ok(format!("/{}{encoded}", version.segment()))
}

/// What the outer request lends every item.
struct Outer {
    version: ApiVersion,
    headers: HeaderMap,
    scheme: Option<ListenerScheme>,
    /// Lent to every item, so an item in another of Graph's spellings is rerouted as a request
    /// of its own would be.
    reroute: Option<super::Reroute>,
    lenient: bool,
}

fn build_request(outer: &Outer, item: &Item) -> Result<Request> {
    let method = Method::from_bytes(item.method.to_ascii_uppercase().as_bytes())
        .ok()
        .filter(|m| {
            [
                Method::GET,
                Method::POST,
                Method::PATCH,
                Method::PUT,
                Method::DELETE,
            ]
            .contains(m)
        })
        // Divergence: Graph's text for an unsupported batch method is not captured (D14).
        .ok_or_else(|| {
            invalid(format!(
                "Invalid HTTP method '{}' in a batch request.",
                item.method
            ))
        })?;
    let path = item_path(&item.url, outer.version, outer.lenient)?;
    let mut request = Request::builder()
        .method(method)
        .uri(&path)
        .body(Body::empty())
        .map_err(|_| invalid(format!("The url '{}' is not valid.", item.url)))?;
    let headers = request.headers_mut();
    for (name, value) in &item.headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) else {
            return Err(invalid(format!(
                "The header '{name}' of request '{}' is not valid.",
                item.id
            )));
        };
        // The outer request's identity and host are the item's; lengths are recomputed.
        if [header::AUTHORIZATION, header::HOST, header::CONTENT_LENGTH].contains(&name) {
            continue;
        }
        headers.append(name, value);
    }
    for name in [header::AUTHORIZATION, header::HOST] {
        if let Some(value) = outer.headers.get(&name) {
            headers.insert(name, value.clone());
        }
    }
    if let Some(body) = &item.body {
        let json = header_of(item, "content-type")
            .is_some_and(|t| t.to_ascii_lowercase().contains("json"));
        let bytes = match body {
            Value::String(text) if !json => text.clone().into_bytes(),
            other => other.to_string().into_bytes(),
        };
        *request.body_mut() = Body::from(bytes);
    }
    if let Some(scheme) = outer.scheme {
        request.extensions_mut().insert(scheme);
    }
    if let Some(reroute) = &outer.reroute {
        request
            .extensions_mut()
            .insert(super::Routers::new(reroute.clone(), None));
    }
    Ok(request)
}

/// Graph's header names in batch responses (`Content-Type`, `OData-Version`, `Retry-After`).
fn display_name(name: &str) -> String {
    if name == "odata-version" {
        return "OData-Version".to_owned();
    }
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Headers that describe the transport or the outer request, not the item's answer.
const DROPPED_HEADERS: &[&str] = &[
    "content-length",
    "transfer-encoding",
    "connection",
    "date",
    "request-id",
    "client-request-id",
    "x-ms-ags-diagnostic",
];

/// `{"id","status","headers","body"?}` for one answered item.
async fn render_response(id: &str, response: Response) -> Value {
    let status = response.status().as_u16();
    let (parts, body) = response.into_parts();
    let mut headers = Map::new();
    for (name, value) in &parts.headers {
        if DROPPED_HEADERS.contains(&name.as_str()) {
            continue;
        }
        if let Ok(value) = value.to_str() {
            headers.insert(display_name(name.as_str()), Value::String(value.to_owned()));
        }
    }
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.to_ascii_lowercase().starts_with("application/json"));
    let mut out = Map::new();
    out.insert("id".to_owned(), Value::String(id.to_owned()));
    out.insert("status".to_owned(), Value::from(status));
    out.insert("headers".to_owned(), Value::Object(headers));
    if !bytes.is_empty() {
        let body = match (is_json, serde_json::from_slice::<Value>(&bytes)) {
            (true, Ok(value)) => value,
            _ => match std::str::from_utf8(&bytes) {
                Ok(text) => Value::String(text.to_owned()),
                // Binary answers are base64 in Graph's batch responses.
                Err(_) => {
                    use base64::Engine;
                    Value::String(base64::engine::general_purpose::STANDARD.encode(&bytes))
                }
            },
        };
        out.insert("body".to_owned(), body);
    }
    Value::Object(out)
}

/// POST /$batch — json-batching. Each item is authorized on its own with the batch's token.
// Divergence: whether Graph refuses an unauthenticated `$batch` as a whole is not captured;
// tenantsim lets every item answer its own 401.
async fn batch(
    version: ApiVersion,
    axum::extract::State(state): axum::extract::State<AppState>,
    routers: Option<Extension<super::Routers>>,
    scheme: Option<Extension<ListenerScheme>>,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let Some(Dispatch(app)) = routers.as_ref().and_then(|r| r.dispatch()).cloned() else {
        return Err(invalid("A batch request cannot contain another batch."));
    };
    let items = parse_batch(&body)?;
    let order = execution_order(&items)?;
    let outer = Outer {
        version,
        headers,
        scheme: scheme.map(|Extension(s)| s),
        reroute: routers.map(|Extension(r)| r.reroute().clone()),
        lenient: state.settings.lenient_batch_urls,
    };
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut answers: Vec<Option<Value>> = vec![None; items.len()];
    for index in order {
        let item = &items[index];
        let failed_dependency = item.depends_on.iter().any(|dep| {
            statuses
                .get(&dep.to_lowercase())
                .is_none_or(|status| *status >= 400)
        });
        let response = if failed_dependency {
            // Divergence: Graph's message for a 424 item is not captured.
            GraphError::new(
                ErrorCode::FailedDependency,
                "The request depends on a request of the batch that failed.",
            )
            .into_response()
        } else {
            match build_request(&outer, item) {
                Ok(request) => match app.clone().oneshot(request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                },
                Err(err) => err.into_response(),
            }
        };
        statuses.insert(item.id.to_lowercase(), response.status().as_u16());
        answers[index] = Some(render_response(&item.id, response).await);
    }
    let responses: Vec<Value> = answers.into_iter().flatten().collect();
    Ok(GraphJson(StatusCode::OK, json!({ "responses": responses })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_paths_follow_the_version_rule() {
        let v1 = ApiVersion::V1;
        assert_eq!(item_path("/users/a", v1, false).unwrap(), "/v1.0/users/a");
        assert_eq!(
            item_path("users?$top=1", v1, false).unwrap(),
            "/v1.0/users?$top=1"
        );
        let err = item_path("/v1.0/users", v1, false).unwrap_err();
        assert_eq!(err.message, "Resource not found for the segment 'v1.0'.");
        assert_eq!(item_path("/beta/users", v1, true).unwrap(), "/v1.0/users");
        assert_eq!(
            item_path("/users?$filter=city eq null", v1, false).unwrap(),
            "/v1.0/users?$filter=city%20eq%20null"
        );
    }

    #[test]
    fn header_names_read_like_graphs() {
        assert_eq!(display_name("content-type"), "Content-Type");
        assert_eq!(display_name("odata-version"), "OData-Version");
        assert_eq!(display_name("retry-after"), "Retry-After");
    }
}
