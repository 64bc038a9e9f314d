//! OData query options for Microsoft Graph directory resources: `$filter`, `$select`,
//! `$orderby`, `$top`, `$skiptoken`, `$count`, `$search` and `$expand`, validated against a
//! per-resource whitelist and Graph's advanced-query rules.
//!
//! - Query parameters: <https://learn.microsoft.com/graph/query-parameters>
//! - Advanced queries (`ConsistencyLevel: eventual`): <https://learn.microsoft.com/graph/aad-advanced-queries>
//!
//! Entry point: [`parse_query`]. The store turns a [`Filter`] into SQL
//! (`store::filter_sql::filter_to_sql`).

mod ast;
pub mod catalog;
mod error;
mod expand;
mod filter;
mod lexer;
pub mod model;
mod query;
mod search;

#[cfg(test)]
mod filter_tests;
#[cfg(test)]
mod query_tests;

pub use ast::{AdvancedUse, AnyPredicate, CompareOp, Filter, Literal, ParsedFilter};
pub use error::{ODataError, ODataErrorKind};
pub use expand::{Expand, Levels, MAX_LEVELS};
pub use filter::{MAX_FILTER_DEPTH, MAX_FILTER_LEN, parse_filter};
pub use model::{
    DIRECTORY_OBJECT, GROUP, OAUTH2_PERMISSION_GRANT, Ops, PropKind, Property, ResourceModel,
    SERVICE_PRINCIPAL, USER,
};
pub use query::{OrderBy, QueryOptions, parse_query, parse_query_in};
pub use search::Search;
