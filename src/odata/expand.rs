//! `$expand` of one navigation property with nested `$select` and, on `manager`, `$levels`
//! (`members($select=id,displayName)`, `manager($levels=max;$select=id,displayName)`).
//! See <https://learn.microsoft.com/graph/query-parameters#expand> and user-list-manager.

use super::error::ODataError;
use super::model::ResourceModel;

/// Longest accepted `$expand` value, in characters (as `$search`).
const MAX_LEN: usize = 4096;

/// The deepest `$levels` number Graph accepts (user-list-manager: "a number between 1 and
/// 1000").
pub const MAX_LEVELS: u32 = 1000;

/// `$levels` inside `$expand=manager(…)`: how far up the management chain to nest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Levels {
    /// `$levels=max`: up to the top of the chain.
    Max,
    /// `$levels=n`, 1..=1000.
    Count(u32),
}

/// A parsed `$expand` of one navigation property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expand {
    /// Canonical navigation name from [`ResourceModel::expandable`], e.g. `members`.
    pub navigation: String,
    /// Nested `$select`: trimmed, de-duplicated, order kept. Validated by the caller against
    /// the target type (members can be users, groups, …).
    pub select: Option<Vec<String>>,
    /// Nested `$levels` (only on `manager`). Graph serves it only as an advanced query
    /// (`$count=true` with `ConsistencyLevel: eventual`), checked by `parse_query`.
    pub levels: Option<Levels>,
}

fn parse_levels(value: &str) -> Result<Levels, ODataError> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("max") {
        return Ok(Levels::Max);
    }
    match value.parse::<u32>() {
        Ok(n) if (1..=MAX_LEVELS).contains(&n) => Ok(Levels::Count(n)),
        // Divergence: Graph's text for a bad `$levels` is not captured (D41).
        _ => Err(ODataError::bad_request(format!(
            "The value '{value}' is not valid for $levels: use 'max' or a number from 1 to {MAX_LEVELS}."
        ))),
    }
}

/// Parses `$expand=nav`, `$expand=nav($select=a,b)` or `$expand=manager($levels=max;$select=a)`.
pub(crate) fn parse_expand(input: &str, model: &ResourceModel) -> Result<Expand, ODataError> {
    if input.chars().count() > MAX_LEN {
        return Err(ODataError::unsupported(format!(
            "The $expand value is too long (the limit is {MAX_LEN} characters)."
        )));
    }
    let input = input.trim();
    let (name, options) = match input.find('(') {
        Some(open) => {
            let Some(inner) = input[open + 1..].strip_suffix(')') else {
                return Err(ODataError::bad_request(format!(
                    "Syntax error in $expand '{input}': expected ')' at the end."
                )));
            };
            (input[..open].trim(), Some(inner))
        }
        None => (input, None),
    };
    if name.contains(',') || name == "*" {
        // Divergence: tenantsim expands one navigation property per request.
        return Err(ODataError::unsupported(format!(
            "$expand '{input}' is not supported: expand one navigation property."
        )));
    }
    let Some(navigation) = model
        .expandable
        .iter()
        .find(|n| n.eq_ignore_ascii_case(name))
    else {
        if let Some(p) = model.property(name) {
            // [I] OData library wording.
            return Err(ODataError::request_bad_request(format!(
                "Property '{}' on type '{}' is not a navigation property or complex property. Only navigation properties can be expanded.",
                p.name, model.type_name
            )));
        }
        return Err(ODataError::unknown_property(name, model.type_name));
    };
    let mut select = None;
    let mut levels = None;
    for option in options
        .into_iter()
        .flat_map(|o| o.split(';'))
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        let key = key.trim();
        let bare = key.trim_start_matches('$');
        if bare.eq_ignore_ascii_case("levels") {
            if *navigation != "manager" {
                // Divergence: Graph documents `$levels` for the manager chain only (D41).
                return Err(ODataError::unsupported(format!(
                    "'{key}' inside $expand is only supported on manager."
                )));
            }
            if levels.is_some() {
                return Err(ODataError::request_bad_request(format!(
                    "'{key}' is specified more than once inside $expand."
                )));
            }
            levels = Some(parse_levels(value)?);
            continue;
        }
        if !bare.eq_ignore_ascii_case("select") {
            // Divergence: only a nested $select (and $levels on manager) is emulated.
            return Err(ODataError::unsupported(format!(
                "'{key}' inside $expand is not supported."
            )));
        }
        if select.is_some() {
            return Err(ODataError::request_bad_request(format!(
                "'{key}' is specified more than once inside $expand."
            )));
        }
        let mut names: Vec<String> = Vec::new();
        for item in value.split(',').map(str::trim) {
            if item.is_empty() || !item.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(ODataError::bad_request(format!(
                    "Syntax error in $expand '{input}': invalid property '{item}' in $select."
                )));
            }
            if !names.iter().any(|n| n.eq_ignore_ascii_case(item)) {
                names.push(item.to_string());
            }
        }
        select = Some(names);
    }
    Ok(Expand {
        navigation: (*navigation).to_string(),
        select,
        levels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::{GROUP, ODataErrorKind, USER};

    #[test]
    fn parses_expand_with_nested_select() {
        let cases = [
            ("members", None),
            ("Members", None),
            (
                "members($select=id,displayName)",
                Some(vec!["id", "displayName"]),
            ),
            ("members(select= id , ID ,mail)", Some(vec!["id", "mail"])),
        ];
        for (input, want) in cases {
            let e = parse_expand(input, &GROUP).expect(input);
            assert_eq!(e.navigation, "members");
            assert_eq!(
                e.select,
                want.map(|v| v.into_iter().map(String::from).collect()),
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_bad_expands() {
        use ODataErrorKind::*;
        let cases = [
            (
                "widgets",
                RequestBadRequest,
                "Could not find a property named 'widgets' on type 'microsoft.graph.group'.",
            ),
            (
                "displayName",
                RequestBadRequest,
                "Property 'displayName' on type 'microsoft.graph.group' is not a navigation property or complex property. Only navigation properties can be expanded.",
            ),
            (
                "members,owners",
                UnsupportedQuery,
                "$expand 'members,owners' is not supported: expand one navigation property.",
            ),
            (
                "*",
                UnsupportedQuery,
                "$expand '*' is not supported: expand one navigation property.",
            ),
            (
                "members($top=5)",
                UnsupportedQuery,
                "'$top' inside $expand is not supported.",
            ),
            (
                "members($select=id",
                BadRequest,
                "Syntax error in $expand 'members($select=id': expected ')' at the end.",
            ),
            (
                "members($select=id,,mail)",
                BadRequest,
                "Syntax error in $expand 'members($select=id,,mail)': invalid property '' in $select.",
            ),
        ];
        for (input, kind, msg) in cases {
            let err = parse_expand(input, &GROUP).expect_err(input);
            assert_eq!((err.kind, err.message.as_str()), (kind, msg), "{input}");
        }
        assert!(parse_expand("members", &USER).is_err());
        // Declared navigations expand (graph::relations): owners of a group, a user's manager.
        assert!(parse_expand("owners", &GROUP).is_ok());
        assert!(parse_expand("manager($select=id)", &USER).is_ok());
    }

    #[test]
    fn parses_levels_on_manager_with_a_nested_select() {
        let e = parse_expand("manager($levels=max;$select=id,displayName)", &USER).expect("max");
        assert_eq!(e.navigation, "manager");
        assert_eq!(e.levels, Some(Levels::Max));
        assert_eq!(
            e.select,
            Some(vec!["id".to_string(), "displayName".to_string()])
        );
        for (input, want) in [
            ("manager($levels=1)", Levels::Count(1)),
            ("Manager(levels=MAX)", Levels::Max),
            ("manager($select=id;$levels=1000)", Levels::Count(1000)),
        ] {
            assert_eq!(
                parse_expand(input, &USER).expect(input).levels,
                Some(want),
                "{input}"
            );
        }
        assert_eq!(parse_expand("manager", &USER).expect("plain").levels, None);
    }

    #[test]
    fn rejects_bad_levels() {
        use ODataErrorKind::*;
        let cases = [
            ("manager($levels=0)", BadRequest),
            ("manager($levels=1001)", BadRequest),
            ("manager($levels=-1)", BadRequest),
            ("manager($levels=)", BadRequest),
            ("manager($levels=all)", BadRequest),
            ("manager($levels=2;$levels=3)", RequestBadRequest),
            ("directReports($levels=2)", UnsupportedQuery),
        ];
        for (input, kind) in cases {
            let err = parse_expand(input, &USER).expect_err(input);
            assert_eq!(err.kind, kind, "{input}: {}", err.message);
        }
        assert!(parse_expand("owners($levels=max)", &GROUP).is_err());
    }
}
