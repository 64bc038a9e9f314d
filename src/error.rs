//! Graph's error envelope: one `GraphError` for every failure a Graph, portal or admin route
//! returns, rendered as `{"error":{"code","message","innerError":{…}}}`.
//! See <https://learn.microsoft.com/graph/errors>.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::request_context;

pub type Result<T, E = GraphError> = std::result::Result<T, E>;

/// The error codes tenantsim emits, each with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 400, generic OData errors: unknown segment, malformed JSON, bad query syntax.
    BadRequest,
    /// 400, directory write rejected, `/$count` without ConsistencyLevel.
    RequestBadRequest,
    /// 400, an unsupported or invalid query.
    RequestUnsupportedQuery,
    /// 400, `getMemberGroups` beyond 11,000 results.
    DirectoryResultSizeLimitExceeded,
    /// 401.
    InvalidAuthenticationToken,
    /// 403.
    AuthorizationRequestDenied,
    /// 404.
    RequestResourceNotFound,
    /// 405 (Graph answers with the `Request_BadRequest` code).
    MethodNotAllowed,
    /// 409, duplicate key (permission grants).
    RequestMultipleObjectsWithSameKeyValue,
    /// 413.
    RequestEntityTooLarge,
    /// 415.
    UnsupportedMediaType,
    /// 410, a delta token that is too old or predates a tenant reset (graph-contract D12).
    SyncStateNotFound,
    /// 422 `Request_UnprocessableEntity` (validateProperties found a violation).
    RequestUnprocessableEntity,
    /// 424, a `$batch` item whose `dependsOn` prerequisite failed.
    FailedDependency,
    /// 429.
    TooManyRequests,
    /// 500.
    InternalServerError,
    /// 501, a Graph feature tenantsim does not emulate.
    NotImplemented,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "BadRequest",
            Self::RequestBadRequest | Self::MethodNotAllowed => "Request_BadRequest",
            Self::RequestUnsupportedQuery => "Request_UnsupportedQuery",
            Self::DirectoryResultSizeLimitExceeded => "Directory_ResultSizeLimitExceeded",
            Self::InvalidAuthenticationToken => "InvalidAuthenticationToken",
            Self::AuthorizationRequestDenied => "Authorization_RequestDenied",
            Self::RequestResourceNotFound => "Request_ResourceNotFound",
            Self::RequestMultipleObjectsWithSameKeyValue => {
                "Request_MultipleObjectsWithSameKeyValue"
            }
            // Divergence: Graph's code for an oversized body is not documented; this name follows
            // the HTTP reason phrase.
            Self::RequestEntityTooLarge => "RequestEntityTooLarge",
            Self::UnsupportedMediaType => "UnsupportedMediaType",
            Self::SyncStateNotFound => "syncStateNotFound",
            Self::RequestUnprocessableEntity => "Request_UnprocessableEntity",
            // Divergence: Graph's body for a 424 batch item is not captured; the code names the status.
            Self::FailedDependency => "FailedDependency",
            Self::TooManyRequests => "TooManyRequests",
            Self::InternalServerError => "InternalServerError",
            Self::NotImplemented => "NotImplemented",
        }
    }

    pub const fn status(self) -> StatusCode {
        match self {
            Self::BadRequest
            | Self::RequestBadRequest
            | Self::RequestUnsupportedQuery
            | Self::DirectoryResultSizeLimitExceeded => StatusCode::BAD_REQUEST,
            Self::InvalidAuthenticationToken => StatusCode::UNAUTHORIZED,
            Self::AuthorizationRequestDenied => StatusCode::FORBIDDEN,
            Self::RequestResourceNotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestMultipleObjectsWithSameKeyValue => StatusCode::CONFLICT,
            Self::RequestEntityTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::SyncStateNotFound => StatusCode::GONE,
            Self::RequestUnprocessableEntity => StatusCode::UNPROCESSABLE_ENTITY,
            Self::FailedDependency => StatusCode::FAILED_DEPENDENCY,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::InternalServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::NotImplemented => StatusCode::NOT_IMPLEMENTED,
        }
    }
}

/// A Graph-shaped error. Internal causes are logged, never rendered.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub struct GraphError {
    pub code: ErrorCode,
    pub message: Cow<'static, str>,
    /// Graph's optional `details` array (`[{"target","code"}]`).
    pub details: Option<serde_json::Value>,
    #[source]
    source: Option<anyhow::Error>,
}

impl GraphError {
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
            source: None,
        }
    }

    /// 400 `BadRequest`.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    /// 400 `Request_BadRequest`.
    pub fn request_bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::RequestBadRequest, message)
    }

    /// 400 `Request_UnsupportedQuery`.
    pub fn unsupported_query(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::RequestUnsupportedQuery, message)
    }

    /// 404 `Request_ResourceNotFound` with Graph's text.
    pub fn not_found(id: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorCode::RequestResourceNotFound,
            format!(
                "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
            ),
        )
    }

    /// 400 `BadRequest` "Resource not found for the segment '…'", Graph's answer to an unknown path.
    pub fn unknown_segment(segment: &str) -> Self {
        Self::bad_request(format!("Resource not found for the segment '{segment}'."))
    }

    /// 403 `Authorization_RequestDenied`.
    pub fn forbidden() -> Self {
        Self::new(
            ErrorCode::AuthorizationRequestDenied,
            "Insufficient privileges to complete the operation.",
        )
    }

    /// 401 `InvalidAuthenticationToken`.
    pub fn unauthenticated(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidAuthenticationToken, message)
    }

    /// 500; the cause is logged with the request id and not shown to the client.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self {
            code: ErrorCode::InternalServerError,
            message: "An internal server error occurred.".into(),
            details: None,
            source: Some(err.into()),
        }
    }

    /// Adds Graph's `details` array.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }
}

impl From<sqlx::Error> for GraphError {
    fn from(err: sqlx::Error) -> Self {
        Self::internal(err)
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let ctx = request_context::current();
        if let Some(source) = &self.source {
            tracing::error!(request_id = %ctx.request_id, error = %source, "internal error");
        }
        let mut error = json!({
            "code": self.code.as_str(),
            "message": self.message,
            "innerError": {
                "date": ctx.date(),
                "request-id": &*ctx.request_id,
                "client-request-id": ctx.client_request_id(),
            }
        });
        if let (Some(details), Some(map)) = (self.details.clone(), error.as_object_mut()) {
            map.insert("details".to_owned(), details);
        }
        let body = json!({ "error": error });
        let mut response = (self.status(), body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(crate::protocol::GRAPH_JSON),
        );
        if self.code == ErrorCode::InvalidAuthenticationToken {
            // No `claims="…"` parameter: kiota would replay the request as a CAE challenge.
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(
                    "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                ),
            );
        }
        response
    }
}
