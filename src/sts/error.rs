//! Entra's token-endpoint error body: `error`, `error_description` starting with an `AADSTS`
//! code, `error_codes`, `timestamp`, `trace_id`, `correlation_id`.
//! See <https://learn.microsoft.com/entra/identity-platform/reference-error-codes>.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::request_context;

/// An identity-platform error.
#[derive(Debug, Clone)]
pub struct AadError {
    pub status: StatusCode,
    /// OAuth error: `invalid_request`, `invalid_client`, `invalid_grant`, `invalid_scope`, …
    pub error: &'static str,
    /// The AADSTS number.
    pub code: u32,
    pub message: String,
    /// Entra's `suberror` (`consent_required`, …).
    pub suberror: Option<&'static str>,
}

pub type AadResult<T> = Result<T, AadError>;

impl AadError {
    pub fn new(error: &'static str, code: u32, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error,
            code,
            message: message.into(),
            suberror: None,
        }
    }

    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn suberror(mut self, suberror: &'static str) -> Self {
        self.suberror = Some(suberror);
        self
    }

    pub fn invalid_request(code: u32, message: impl Into<String>) -> Self {
        Self::new("invalid_request", code, message)
    }

    pub fn invalid_grant(code: u32, message: impl Into<String>) -> Self {
        Self::new("invalid_grant", code, message)
    }

    pub fn invalid_client(code: u32, message: impl Into<String>) -> Self {
        Self::new("invalid_client", code, message).status(StatusCode::UNAUTHORIZED)
    }

    pub fn invalid_scope(code: u32, message: impl Into<String>) -> Self {
        Self::new("invalid_scope", code, message)
    }

    /// AADSTS90002: the `{tenant}` segment names no tenant.
    pub fn unknown_tenant(tenant: &str) -> Self {
        Self::invalid_request(
            90002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
        )
    }

    /// AADSTS900144: a required parameter is missing.
    pub fn missing(parameter: &str) -> Self {
        Self::invalid_request(
            900144,
            format!("The request body must contain the following parameter: '{parameter}'."),
        )
    }

    /// A server-side failure, in Entra's shape.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "identity platform internal error");
        Self::new("server_error", 90100, "An internal error occurred.")
            .status(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<sqlx::Error> for AadError {
    fn from(err: sqlx::Error) -> Self {
        Self::internal(err)
    }
}

impl IntoResponse for AadError {
    fn into_response(self) -> Response {
        let ctx = request_context::current();
        // innerError's date is `YYYY-MM-DDTHH:MM:SS`; Entra writes `YYYY-MM-DD HH:MM:SSZ`.
        let timestamp = format!("{}Z", ctx.date().replacen('T', " ", 1));
        let trace_id = &*ctx.request_id;
        let correlation_id = ctx.client_request_id();
        let description = format!(
            "AADSTS{}: {}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}",
            self.code, self.message
        );
        let mut body = json!({
            "error": self.error,
            "error_description": description,
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        });
        if let (Some(suberror), Some(map)) = (self.suberror, body.as_object_mut()) {
            map.insert("suberror".to_owned(), json!(suberror));
        }
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store, no-cache"),
        );
        response
    }
}
