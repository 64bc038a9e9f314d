//! `$search` for directory objects (`"displayName:foo" OR "mail:bar"`,
//! <https://learn.microsoft.com/graph/search-query-parameter#using-search-on-directory-object-collections>)
//! (`$expand` is parsed in `odata::expand`).

use super::error::ODataError;
use super::model::ResourceModel;

/// Longest accepted `$search` value, in characters.
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
}
