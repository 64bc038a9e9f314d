//! The error type of the OData parser: a Graph error code plus message.
//! `error.rs` in the main crate maps it to an HTTP 400 with the Graph envelope
//! (<https://learn.microsoft.com/graph/errors>).

use std::fmt;

/// Which Graph `error.code` an [`ODataError`] renders as. All of them are HTTP 400 but
/// [`ODataErrorKind::NotImplemented`] (501).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ODataErrorKind {
    /// Graph code `BadRequest`: generic OData syntax errors.
    BadRequest,
    /// Graph code `Request_BadRequest`: unknown properties, unknown options, bad values.
    RequestBadRequest,
    /// Graph code `Request_UnsupportedQuery`: valid OData that the directory does not support
    /// (or supports only as an advanced query).
    UnsupportedQuery,
    /// Graph code `NotImplemented` (HTTP 501): a real Graph property tenantsim does not
    /// filter or sort on.
    NotImplemented,
}

impl ODataErrorKind {
    /// The `error.code` string Graph sends.
    pub fn code(self) -> &'static str {
        match self {
            Self::BadRequest => "BadRequest",
            Self::RequestBadRequest => "Request_BadRequest",
            Self::UnsupportedQuery => "Request_UnsupportedQuery",
            Self::NotImplemented => "NotImplemented",
        }
    }
}

/// A rejected query option: render as HTTP 400 with `kind.code()` and `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ODataError {
    /// The Graph error code.
    pub kind: ODataErrorKind,
    /// The Graph error message.
    pub message: String,
}

impl ODataError {
    /// `BadRequest` error.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            kind: ODataErrorKind::BadRequest,
            message: message.into(),
        }
    }

    /// `Request_BadRequest` error.
    pub fn request_bad_request(message: impl Into<String>) -> Self {
        Self {
            kind: ODataErrorKind::RequestBadRequest,
            message: message.into(),
        }
    }

    /// `Request_UnsupportedQuery` error.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self {
            kind: ODataErrorKind::UnsupportedQuery,
            message: message.into(),
        }
    }

    /// `NotImplemented` (501): valid for Graph, not emulated by tenantsim.
    pub fn not_emulated(message: impl Into<String>) -> Self {
        Self {
            kind: ODataErrorKind::NotImplemented,
            message: message.into(),
        }
    }

    /// A `$filter` syntax error at a character position (0-based) of `input`.
    pub(crate) fn syntax(input: &str, position: usize, detail: &str) -> Self {
        // Divergence: Graph relays OData library texts such as "Syntax error at position 14 in
        // 'displayName eq'."; tenantsim uses that shape and appends a short reason.
        Self::bad_request(format!(
            "Syntax error at position {position} in '{input}': {detail}."
        ))
    }

    /// Unknown property (Graph's usual OData text).
    pub(crate) fn unknown_property(name: &str, type_name: &str) -> Self {
        // Divergence: the real code/text for an unknown property has not been captured
        // (graph-contract.md §14 D14); this is the OData library's wording.
        Self::request_bad_request(format!(
            "Could not find a property named '{name}' on type '{type_name}'."
        ))
    }

    /// A known property used with an operator it does not support.
    pub(crate) fn unsupported_clause(property: &str, resource: &str) -> Self {
        Self::unsupported(format!(
            "Unsupported or invalid query filter clause specified for property '{property}' of resource '{resource}'."
        ))
    }
}

impl fmt::Display for ODataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for ODataError {}
