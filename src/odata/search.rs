//! `$search` for directory objects (`"displayName:foo" OR "mail:bar"`,
//! <https://learn.microsoft.com/graph/search-query-parameter#using-search-on-directory-object-collections>)
//! and `$expand` (`members($select=id,displayName)`, <https://learn.microsoft.com/graph/query-parameters#expand>).

use super::error::ODataError;
use super::model::ResourceModel;

/// Longest accepted `$search` / `$expand` value, in characters.
const MAX_LEN: usize = 4096;

/// A parsed `$search`: quoted `property:term` clauses joined by `AND` (binds tighter) and `OR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// `"property:value"`; property is canonical, value is non-empty and unescaped.
    Term {
        property: &'static str,
        value: String,
    },
    And(Box<Search>, Box<Search>),
    Or(Box<Search>, Box<Search>),
}

/// A parsed `$expand` of one navigation property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expand {
    /// Canonical navigation name from [`ResourceModel::expandable`], e.g. `members`.
    pub navigation: String,
    /// Nested `$select`: trimmed, de-duplicated, order kept. Validated by the caller against
    /// the target type (members can be users, groups, …).
    pub select: Option<Vec<String>>,
}

/// Parses a `$search` value (already percent-decoded).
pub(crate) fn parse_search(input: &str, model: &ResourceModel) -> Result<Search, ODataError> {
    if input.chars().count() > MAX_LEN {
        return Err(ODataError::unsupported(format!(
            "The $search value is too long (the limit is {MAX_LEN} characters)."
        )));
    }
    let chars: Vec<char> = input.chars().collect();
    let mut p = SearchParser {
        input,
        chars,
        i: 0,
        model,
    };
    let mut or = p.and_expr()?;
    loop {
        p.skip_ws();
        if p.i >= p.chars.len() {
            return Ok(or);
        }
        p.keyword("OR")?;
        or = Search::Or(Box::new(or), Box::new(p.and_expr()?));
    }
}

struct SearchParser<'a> {
    input: &'a str,
    chars: Vec<char>,
    i: usize,
    model: &'a ResourceModel,
}

impl SearchParser<'_> {
    fn skip_ws(&mut self) {
        while self.chars.get(self.i).is_some_and(|c| c.is_whitespace()) {
            self.i += 1;
        }
    }

    fn error(&self) -> ODataError {
        // Divergence: modelled on Graph's "Syntax error: character … is not valid at position …";
        // the exact real text for each case has not been captured.
        match self.chars.get(self.i) {
            Some(c) => ODataError::unsupported(format!(
                "Syntax error: character '{c}' is not valid at position {} in '{}'.",
                self.i, self.input
            )),
            None => ODataError::unsupported(format!(
                "Syntax error: unexpected end of input at position {} in '{}'.",
                self.i, self.input
            )),
        }
    }

    /// `AND`/`OR` (case-insensitive) followed by whitespace or a quote.
    fn keyword(&mut self, word: &str) -> Result<(), ODataError> {
        let end = self.i + word.len();
        let matches = self
            .chars
            .get(self.i..end)
            .is_some_and(|s| s.iter().collect::<String>().eq_ignore_ascii_case(word));
        if !matches
            || !self
                .chars
                .get(end)
                .is_some_and(|c| c.is_whitespace() || *c == '"')
        {
            return Err(self.error());
        }
        self.i = end;
        Ok(())
    }

    fn and_expr(&mut self) -> Result<Search, ODataError> {
        let mut left = self.clause()?;
        loop {
            let save = self.i;
            self.skip_ws();
            if self.keyword("AND").is_err() {
                self.i = save;
                return Ok(left);
            }
            left = Search::And(Box::new(left), Box::new(self.clause()?));
        }
    }

    /// `"property:term"` with `\"` and `\\` escapes inside.
    fn clause(&mut self) -> Result<Search, ODataError> {
        self.skip_ws();
        if self.chars.get(self.i) != Some(&'"') {
            return Err(self.error());
        }
        let open = self.i;
        self.i += 1;
        let mut text = String::new();
        loop {
            match self.chars.get(self.i) {
                None => {
                    self.i = open;
                    return Err(ODataError::unsupported(format!(
                        "Syntax error: unterminated quoted clause starting at position {open} in '{}'.",
                        self.input
                    )));
                }
                Some('\\') if matches!(self.chars.get(self.i + 1), Some('"' | '\\')) => {
                    text.push(self.chars[self.i + 1]);
                    self.i += 2;
                }
                Some('"') => {
                    self.i += 1;
                    break;
                }
                Some(&c) => {
                    text.push(c);
                    self.i += 1;
                }
            }
        }
        let Some((name, value)) = text.split_once(':') else {
            // Divergence: Graph searches directory objects only as "property:term".
            return Err(ODataError::unsupported(format!(
                "Syntax error: the $search clause \"{text}\" must have the form \"property:term\"."
            )));
        };
        let property = self
            .model
            .searchable
            .iter()
            .find(|p| p.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                // Divergence: real text not captured.
                ODataError::unsupported(format!(
                    "Unsupported or invalid search clause specified for property '{}' of resource '{}'.",
                    name.trim(),
                    self.model.resource_name
                ))
            })?;
        if value.trim().is_empty() {
            return Err(ODataError::unsupported(format!(
                "Syntax error: the $search clause \"{text}\" has an empty search term."
            )));
        }
        Ok(Search::Term {
            property,
            value: value.to_string(),
        })
    }
}

/// Parses `$expand=nav` or `$expand=nav($select=a,b)`.
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
    for option in options
        .into_iter()
        .flat_map(|o| o.split(';'))
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        let key = key.trim();
        if !key.trim_start_matches('$').eq_ignore_ascii_case("select") {
            // Divergence: only a nested $select is emulated.
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::{GROUP, ODataErrorKind, USER};

    fn term(property: &'static str, value: &str) -> Search {
        Search::Term {
            property,
            value: value.into(),
        }
    }

    #[test]
    fn parses_search_clauses_with_and_binding_tighter_than_or() {
        let cases = [
            (r#""displayName:foo""#, term("displayName", "foo")),
            (r#""DISPLAYNAME:foo bar""#, term("displayName", "foo bar")),
            (r#""displayName:a \"b\"""#, term("displayName", r#"a "b""#)),
            (
                r#""displayName:a" OR "mail:b" AND "surname:c""#,
                Search::Or(
                    Box::new(term("displayName", "a")),
                    Box::new(Search::And(
                        Box::new(term("mail", "b")),
                        Box::new(term("surname", "c")),
                    )),
                ),
            ),
            (
                r#" "displayName:a" and "mail:b" "#,
                Search::And(
                    Box::new(term("displayName", "a")),
                    Box::new(term("mail", "b")),
                ),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_search(input, &USER), Ok(want), "{input}");
        }
    }

    #[test]
    fn rejects_bad_search_syntax_with_unsupported_query() {
        let cases = [
            (
                "displayName:foo",
                "Syntax error: character 'd' is not valid at position 0 in 'displayName:foo'.",
            ),
            (
                r#""displayName:foo"#,
                r#"Syntax error: unterminated quoted clause starting at position 0 in '"displayName:foo'."#,
            ),
            (
                r#""foo""#,
                r#"Syntax error: the $search clause "foo" must have the form "property:term"."#,
            ),
            (
                r#""displayName:""#,
                r#"Syntax error: the $search clause "displayName:" has an empty search term."#,
            ),
            (
                r#""displayName:a" XOR "mail:b""#,
                r#"Syntax error: character 'X' is not valid at position 16 in '"displayName:a" XOR "mail:b"'."#,
            ),
            (
                r#""displayName:a" OR"#,
                r#"Syntax error: character 'O' is not valid at position 16 in '"displayName:a" OR'."#,
            ),
            (
                "",
                "Syntax error: unexpected end of input at position 0 in ''.",
            ),
            (
                r#""city:x""#,
                "Unsupported or invalid search clause specified for property 'city' of resource 'User'.",
            ),
        ];
        for (input, msg) in cases {
            let err = parse_search(input, &USER).expect_err(input);
            assert_eq!(
                (err.kind, err.message.as_str()),
                (ODataErrorKind::UnsupportedQuery, msg),
                "{input}"
            );
        }
        assert!(parse_search(r#""description:x""#, &GROUP).is_ok());
    }

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
}
