//! [`parse_query`]: turns percent-decoded query pairs into [`QueryOptions`] and enforces
//! Graph's ConsistencyLevel rules (graph-contract.md §5.5–§5.6,
//! <https://learn.microsoft.com/graph/aad-advanced-queries>).

use super::ast::{AdvancedUse, Filter};
use super::error::ODataError;
use super::expand::{Expand, parse_expand};
use super::filter::parse_filter;
use super::model::ResourceModel;
use super::search::{Search, parse_search};

/// One `$orderby` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderBy {
    /// Canonical property name.
    pub property: &'static str,
    pub descending: bool,
}

/// Validated query options of one list request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryOptions {
    pub filter: Option<Filter>,
    /// Canonical names, de-duplicated, in request order. May contain write-only properties
    /// (`Property::selectable == false`), which the response must render as `null`.
    pub select: Option<Vec<&'static str>>,
    pub orderby: Option<OrderBy>,
    /// `$top`, within `1..=model.max_top`.
    pub top: Option<u32>,
    /// Opaque `$skiptoken`, passed through unchanged.
    pub skiptoken: Option<String>,
    /// Whether to emit `@odata.count`: `$count=true` **and** `ConsistencyLevel: eventual`.
    /// Without the header Graph ignores `$count=true` silently (§5.6).
    pub count: bool,
    pub search: Option<Search>,
    pub expand: Option<Expand>,
    /// The request used an advanced query capability (advanced-only filter, `$filter` with
    /// `$orderby`, `$search`, or `$count=true` with the header).
    pub advanced: bool,
}

const ADVANCED_HINT: &str = "is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information";

/// The options tenantsim understands (lower-case, without `$`).
const KNOWN: &[&str] = &[
    "filter",
    "select",
    "orderby",
    "top",
    "skiptoken",
    "count",
    "search",
    "expand",
    "skip",
    "format",
];
/// OData system options Graph defines but tenantsim rejects.
const REJECTED: &[&str] = &[
    "apply",
    "levels",
    "compute",
    "index",
    "schemaversion",
    "deltatoken",
    "skip",
];

/// Parses already percent-decoded `(key, value)` pairs.
///
/// Keys match with or without `$`, case-insensitively; non-`$` keys that are not OData
/// options are ignored like Graph does, unknown `$` keys are rejected. `consistency_eventual`
/// is whether the request carried `ConsistencyLevel: eventual`.
pub fn parse_query(
    pairs: &[(String, String)],
    consistency_eventual: bool,
    model: &ResourceModel,
) -> Result<QueryOptions, ODataError> {
    parse_query_in(pairs, consistency_eventual, model, false)
}

/// [`parse_query`] for Graph's v1.0 or `beta` metadata: which real properties a `$select` or
/// `$orderby` names that the whitelist does not (`catalog`).
pub fn parse_query_in(
    pairs: &[(String, String)],
    consistency_eventual: bool,
    model: &ResourceModel,
    beta: bool,
) -> Result<QueryOptions, ODataError> {
    let raw = collect(pairs)?;
    let get = |name: &str| {
        raw.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    };

    let mut q = QueryOptions::default();
    let mut advanced_use = None;
    if let Some(v) = get("top") {
        q.top = Some(parse_top(v, model)?);
    }
    let count_requested = match get("count") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        // [I] OData library wording.
        Some(v) => {
            return Err(ODataError::request_bad_request(format!(
                "'{v}' is not a valid count option."
            )));
        }
    };
    q.count = count_requested && consistency_eventual;
    let advanced_ok = q.count;
    if let Some(v) = get("select") {
        q.select = Some(parse_select(v, model, beta)?);
    }
    if let Some(v) = get("filter") {
        let parsed = parse_filter(v, model)?;
        advanced_use = parsed.advanced;
        q.filter = Some(parsed.filter);
    }
    if let Some(v) = get("orderby") {
        q.orderby = Some(parse_orderby(v, model, beta)?);
    }
    if let Some(v) = get("skiptoken") {
        q.skiptoken = Some(v.to_string());
    }
    if let Some(v) = get("search") {
        if !consistency_eventual {
            return Err(ODataError::unsupported(
                "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
            ));
        }
        q.search = Some(parse_search(v, model)?);
    }
    if let Some(v) = get("expand") {
        q.expand = Some(parse_expand(v, model)?);
    }
    if let Some(v) = get("format") {
        check_format(v)?;
    }

    match advanced_use {
        Some(_) if advanced_ok => {}
        Some(AdvancedUse::Operator(op)) => {
            return Err(ODataError::unsupported(format!(
                "Operator '{op}' {ADVANCED_HINT}"
            )));
        }
        Some(AdvancedUse::Property(p)) => {
            return Err(ODataError::unsupported_clause(p, model.resource_name));
        }
        None => {}
    }
    let filter_and_sort = q.filter.is_some() && q.orderby.is_some();
    if filter_and_sort && !advanced_ok {
        // [V] Graph's text without the advanced query parameters (devblogs "Build advanced
        // queries…", microsoft-graph-docs-contrib#4187).
        return Err(ODataError::unsupported(
            "Sorting not supported for current query.",
        ));
    }
    q.advanced = advanced_use.is_some() || filter_and_sort || q.search.is_some() || q.count;
    let levels = q.expand.as_ref().is_some_and(|e| e.levels.is_some());
    if levels && !q.count {
        // user-list-manager: `$levels` needs `$count=true` and `ConsistencyLevel: eventual`.
        // Divergence: Graph's text is not captured; its advanced-query hint is used (D41).
        return Err(ODataError::unsupported(format!(
            "$levels inside $expand {ADVANCED_HINT}"
        )));
    }
    let beyond_count = advanced_use.is_some() || filter_and_sort || q.search.is_some();
    if q.expand.is_some() && (beyond_count || (q.advanced && !levels)) {
        // Divergence: Graph documents the restriction (aad-advanced-queries); its text is not captured.
        return Err(ODataError::unsupported(
            "$expand is not supported with advanced queries ($count=true with ConsistencyLevel: eventual, $search, ne, not, endsWith, or $filter with $orderby).",
        ));
    }
    Ok(q)
}

/// Normalises keys, rejects unknown `$` options and duplicates.
fn collect(pairs: &[(String, String)]) -> Result<Vec<(&'static str, String)>, ODataError> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for (key, value) in pairs {
        let dollar = key.starts_with('$');
        let bare = key.strip_prefix('$').unwrap_or(key).to_ascii_lowercase();
        if REJECTED.contains(&bare.as_str()) && (dollar || KNOWN.contains(&bare.as_str())) {
            return Err(rejected(&bare));
        }
        let Some(name) = KNOWN.iter().find(|k| **k == bare) else {
            if dollar {
                // Divergence: real text not captured; OData library wording.
                return Err(ODataError::request_bad_request(format!(
                    "The query parameter '{key}' is not supported."
                )));
            }
            continue; // a plain query parameter, not an OData option
        };
        if out.iter().any(|(k, _)| k == name) {
            // [I] OData library wording.
            return Err(ODataError::request_bad_request(format!(
                "Query option '${name}' was specified more than once, but it must be specified at most once."
            )));
        }
        out.push((name, value.clone()));
    }
    Ok(out)
}

/// `$format`: Graph answers directory reads in JSON and accepts `$format=json` (query-parameters
/// page, "format parameter"), also spelled as the media type.
fn check_format(v: &str) -> Result<(), ODataError> {
    let media = v.split(';').next().unwrap_or_default().trim();
    if media.eq_ignore_ascii_case("json") || media.eq_ignore_ascii_case("application/json") {
        return Ok(());
    }
    // Divergence: Graph's answer to another format on directory objects is not captured; a 400
    // naming the value (D47).
    Err(ODataError::request_bad_request(format!(
        "'$format={v}' is not supported by the service: Microsoft Graph answers this request in JSON only."
    )))
}

fn rejected(option: &str) -> ODataError {
    if option == "skip" {
        // [V] text seen in client test fixtures; graph-contract.md §14 D14.
        ODataError::request_bad_request("'$skip' is not supported by the service.")
    } else {
        // Divergence: real text not captured.
        ODataError::request_bad_request(format!("'${option}' is not supported by the service."))
    }
}

fn parse_top(v: &str, model: &ResourceModel) -> Result<u32, ODataError> {
    match v.trim().parse::<u32>() {
        Ok(n) if (1..=model.max_top).contains(&n) => Ok(n),
        // [V] text and code: "Request_UnsupportedQuery: Invalid page size specified: '1000'.
        // Must be between 1 and 999 inclusive." (turbot/steampipe-plugin-azuread comments).
        _ => Err(ODataError::unsupported(format!(
            "Invalid page size specified: '{v}'. Must be between 1 and {} inclusive.",
            model.max_top
        ))),
    }
}

fn parse_select(
    v: &str,
    model: &ResourceModel,
    beta: bool,
) -> Result<Vec<&'static str>, ODataError> {
    let mut out: Vec<&'static str> = Vec::new();
    for item in v.split(',').map(str::trim) {
        if item == "*" {
            // Divergence: tenantsim requires explicit property lists.
            return Err(ODataError::unsupported(
                "'$select=*' is not supported; list the properties explicitly.",
            ));
        }
        if item.is_empty() {
            return Err(ODataError::bad_request(format!(
                "Syntax error in $select '{v}': empty property name."
            )));
        }
        // A property Graph has but tenantsim does not store is selected and rendered `null`,
        // as Graph renders an unset property; a name Graph does not have keeps Graph's 400.
        let name = match model.property(item) {
            Some(prop) => prop.name,
            None => super::catalog::unstored_property(beta, model.type_name, item)
                .ok_or_else(|| ODataError::unknown_property(item, model.type_name))?,
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

fn parse_orderby(v: &str, model: &ResourceModel, beta: bool) -> Result<OrderBy, ODataError> {
    if v.contains(',') {
        // Divergence: real text not captured; Graph sorts directory objects by one key.
        return Err(ODataError::unsupported(
            "Sorting by more than one property is not supported.",
        ));
    }
    let mut words = v.split_whitespace();
    let name = words.next().ok_or_else(|| {
        ODataError::bad_request("Syntax error in $orderby '': expected a property name.")
    })?;
    let descending = match words.next() {
        None => false,
        Some(w) if w.eq_ignore_ascii_case("asc") => false,
        Some(w) if w.eq_ignore_ascii_case("desc") => true,
        Some(w) => {
            return Err(ODataError::bad_request(format!(
                "Syntax error in $orderby '{v}': expected 'asc' or 'desc', found '{w}'."
            )));
        }
    };
    if let Some(w) = words.next() {
        return Err(ODataError::bad_request(format!(
            "Syntax error in $orderby '{v}': unexpected '{w}'."
        )));
    }
    let prop = model.property(name).ok_or_else(|| {
        super::catalog::missing_property(Some(beta), model.type_name, name, "sorting")
    })?;
    if !prop.sortable {
        // [V] "Unsupported sort property 'createdDateTime' for 'User'." (microsoft-graph-docs-contrib#1354).
        return Err(ODataError::unsupported(format!(
            "Unsupported sort property '{}' for '{}'.",
            prop.name, model.resource_name
        )));
    }
    Ok(OrderBy {
        property: prop.name,
        descending,
    })
}
