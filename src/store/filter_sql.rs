//! Translates a validated `$filter` ([`Filter`]) into a SQLite `WHERE` fragment.
//!
//! Column expressions come from a whitelist the store owns; every value is a `?`
//! placeholder with a [`Bind`], never spliced into the SQL text. Graph compares directory
//! strings case-insensitively, hence `COLLATE NOCASE` and `LIKE` (ASCII-case-insensitive in
//! SQLite). Booleans are JSON `true`/`false`, which `json_extract` returns as 1/0.
//! Date-times are ISO 8601 UTC text (`YYYY-MM-DDTHH:MM:SSZ`) and compare as text.

use crate::odata::{AnyPredicate, CompareOp, Filter, Literal};

/// A bound parameter value, in placeholder order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bind {
    Text(String),
    Int(i64),
}

/// SQL text with `?` placeholders and their values in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SqlFragment {
    pub sql: String,
    pub binds: Vec<Bind>,
}

/// Translates `f`. `column` maps a canonical property name to a trusted SQL expression
/// (e.g. `json_extract(o.data,'$.mail')`); for collections the expression must yield a
/// JSON array. Fails if a property has no column or a literal cannot be compared.
pub fn filter_to_sql(
    f: &Filter,
    column: &dyn Fn(&str) -> Option<String>,
) -> Result<SqlFragment, String> {
    let mut out = SqlFragment::default();
    write(f, column, &mut out)?;
    Ok(out)
}

fn col(column: &dyn Fn(&str) -> Option<String>, property: &str) -> Result<String, String> {
    column(property).ok_or_else(|| format!("no column mapping for property '{property}'"))
}

/// `%`, `_` and `\` escaped for `LIKE … ESCAPE '\'`.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Pushes a literal's bind; returns whether it is text (needs `COLLATE NOCASE`).
fn bind(lit: &Literal, out: &mut SqlFragment) -> Result<bool, String> {
    match lit {
        Literal::String(s) => out.binds.push(Bind::Text(s.clone())),
        Literal::DateTime(s) => {
            out.binds.push(Bind::Text(s.clone()));
            return Ok(false);
        }
        Literal::Bool(b) => {
            out.binds.push(Bind::Int(i64::from(*b)));
            return Ok(false);
        }
        Literal::Number(n) => {
            out.binds.push(Bind::Int(*n));
            return Ok(false);
        }
        Literal::Null => return Err("null cannot be bound here".into()),
    }
    Ok(true)
}

fn write(
    f: &Filter,
    column: &dyn Fn(&str) -> Option<String>,
    out: &mut SqlFragment,
) -> Result<(), String> {
    match f {
        Filter::And(a, b) | Filter::Or(a, b) => {
            out.sql.push('(');
            write(a, column, out)?;
            out.sql.push_str(if matches!(f, Filter::And(..)) {
                " AND "
            } else {
                " OR "
            });
            write(b, column, out)?;
            out.sql.push(')');
        }
        Filter::Not(inner) => {
            // NOT of a NULL comparison is NULL (row dropped); COALESCE makes it plain boolean.
            out.sql.push_str("NOT COALESCE((");
            write(inner, column, out)?;
            out.sql.push_str("), 0)");
        }
        Filter::Compare {
            property,
            op,
            value: Literal::Null,
        } => {
            let c = col(column, property)?;
            match op {
                CompareOp::Eq => out.sql.push_str(&format!("{c} IS NULL")),
                CompareOp::Ne => out.sql.push_str(&format!("{c} IS NOT NULL")),
                _ => return Err(format!("null cannot be used with {op:?}")),
            }
        }
        Filter::Compare {
            property,
            op,
            value,
        } => {
            let c = col(column, property)?;
            let collate = if bind(value, out)? {
                " COLLATE NOCASE"
            } else {
                ""
            };
            let sql = match op {
                CompareOp::Eq => format!("{c} = ?{collate}"),
                CompareOp::Ne => format!("({c} IS NULL OR {c} <> ?{collate})"),
                CompareOp::Gt => format!("{c} > ?{collate}"),
                CompareOp::Ge => format!("{c} >= ?{collate}"),
                CompareOp::Lt => format!("{c} < ?{collate}"),
                CompareOp::Le => format!("{c} <= ?{collate}"),
            };
            out.sql.push_str(&sql);
        }
        Filter::In { property, values } => {
            let c = col(column, property)?;
            if values.is_empty() {
                return Err(format!("empty 'in' list for '{property}'"));
            }
            let mut text = true;
            for v in values {
                text &= bind(v, out)?;
            }
            let collate = if text { " COLLATE NOCASE" } else { "" };
            out.sql
                .push_str(&format!("{c}{collate} IN ({})", placeholders(values.len())));
        }
        Filter::StartsWith { property, value } => {
            let c = col(column, property)?;
            out.binds
                .push(Bind::Text(format!("{}%", like_escape(value))));
            out.sql.push_str(&format!("{c} LIKE ? ESCAPE '\\'"));
        }
        Filter::EndsWith { property, value } => {
            let c = col(column, property)?;
            out.binds
                .push(Bind::Text(format!("%{}", like_escape(value))));
            out.sql.push_str(&format!("{c} LIKE ? ESCAPE '\\'"));
        }
        Filter::Any {
            property,
            predicate,
        }
        | Filter::All {
            property,
            predicate,
        } => {
            let all = matches!(f, Filter::All { .. });
            let c = col(column, property)?;
            let cond = match predicate {
                AnyPredicate::Eq(v) => {
                    out.binds.push(Bind::Text(v.clone()));
                    "value = ? COLLATE NOCASE".to_string()
                }
                AnyPredicate::StartsWith(v) => {
                    out.binds.push(Bind::Text(format!("{}%", like_escape(v))));
                    "value LIKE ? ESCAPE '\\'".to_string()
                }
                AnyPredicate::EndsWith(v) => {
                    out.binds.push(Bind::Text(format!("%{}", like_escape(v))));
                    "value LIKE ? ESCAPE '\\'".to_string()
                }
                AnyPredicate::In(vs) => {
                    if vs.is_empty() {
                        return Err(format!("empty 'in' list for '{property}'"));
                    }
                    out.binds.extend(vs.iter().cloned().map(Bind::Text));
                    format!("value COLLATE NOCASE IN ({})", placeholders(vs.len()))
                }
            };
            out.sql.push_str(&if all {
                format!("NOT EXISTS (SELECT 1 FROM json_each({c}) WHERE NOT ({cond}))")
            } else {
                format!("EXISTS (SELECT 1 FROM json_each({c}) WHERE {cond})")
            });
        }
    }
    Ok(())
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// The column of the `directory_search` word index (migration 0013) that holds a searchable
/// property.
fn search_column(property: &str) -> Option<&'static str> {
    Some(match property {
        "displayName" => "display_name",
        "mail" => "mail",
        "userPrincipalName" => "user_principal_name",
        "givenName" => "given_name",
        "surname" => "surname",
        "jobTitle" => "job_title",
        "mailNickname" => "mail_nickname",
        "department" => "department",
        "employeeId" => "employee_id",
        "description" => "description",
        "appDisplayName" => "app_display_name",
        _ => return None,
    })
}

// Divergence (D44): Graph's tokeniser also splits camelCase; tenantsim splits words at every
// character that is not a letter or a digit (SQLite's unicode61 tokeniser).
/// The FTS5 expression a term looks up, if the term has a word to look for.
fn term_match(property: &str, value: &str) -> Result<Option<String>, String> {
    let column = search_column(property)
        .ok_or_else(|| format!("the property '{property}' cannot be searched"))?;
    if !value.chars().any(char::is_alphanumeric) {
        return Ok(None);
    }
    // One FTS5 phrase, quoted (inner quotes doubled), its last word a prefix. Control
    // characters separate words like any other non-word character; FTS5's query parser would
    // reject a NUL.
    let phrase: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace('"', "\"\"");
    Ok(Some(format!("{column} : \"{phrase}\" *")))
}

/// The index lookups of every term of `search` (terms without a word left out).
pub fn search_matches(search: &crate::odata::Search) -> Vec<String> {
    use crate::odata::Search;
    match search {
        Search::Term { property, value } => term_match(property, value)
            .ok()
            .flatten()
            .into_iter()
            .collect(),
        Search::And(a, b) | Search::Or(a, b) => {
            let mut all = search_matches(a);
            all.extend(search_matches(b));
            all
        }
    }
}

/// Translates `$search`: a term matches where the property's words, in order, start with the
/// term's words (the last one as a prefix), case-insensitively: `"displayName:adele v"` finds
/// "Adele Vance". Each term looks up the `directory_search` word index (a SQLite FTS5 table
/// `store::search_index` fills), so a search reads the matching rows only.
pub fn search_to_sql(search: &crate::odata::Search) -> Result<SqlFragment, String> {
    use crate::odata::Search;
    let mut out = SqlFragment::default();
    fn walk(s: &Search, out: &mut SqlFragment) -> Result<(), String> {
        match s {
            Search::Term { property, value } => match term_match(property, value)? {
                Some(expression) => {
                    out.sql.push_str(
                        "o.rowid IN (SELECT rowid FROM directory_search WHERE directory_search MATCH ?)",
                    );
                    out.binds.push(Bind::Text(expression));
                }
                // No word to look for: nothing matches (the index holds words only).
                None => out.sql.push('0'),
            },
            Search::And(a, b) | Search::Or(a, b) => {
                out.sql.push('(');
                walk(a, out)?;
                out.sql.push_str(if matches!(s, Search::And(..)) {
                    " AND "
                } else {
                    " OR "
                });
                walk(b, out)?;
                out.sql.push(')');
            }
        }
        Ok(())
    }
    walk(search, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::{GROUP, USER, parse_filter};

    fn columns(p: &str) -> Option<String> {
        Some(
            match p {
                "displayName" => "o.display_name",
                "mail" => "json_extract(o.data,'$.mail')",
                "accountEnabled" => "json_extract(o.data,'$.accountEnabled')",
                "createdDateTime" => "o.created",
                "proxyAddresses" => "json_extract(o.data,'$.proxyAddresses')",
                "groupTypes" => "json_extract(o.data,'$.groupTypes')",
                "id" => "o.id",
                _ => return None,
            }
            .to_owned(),
        )
    }

    fn sql(filter: &str) -> SqlFragment {
        let f = parse_filter(filter, &USER)
            .or_else(|_| parse_filter(filter, &GROUP))
            .expect(filter)
            .filter;
        filter_to_sql(&f, &columns).expect(filter)
    }

    fn t(s: &str) -> Bind {
        Bind::Text(s.into())
    }

    #[test]
    fn translates_every_operator() {
        let cases: Vec<(&str, &str, Vec<Bind>)> = vec![
            (
                "displayName eq 'A'",
                "o.display_name = ? COLLATE NOCASE",
                vec![t("A")],
            ),
            (
                "displayName ne 'A'",
                "(o.display_name IS NULL OR o.display_name <> ? COLLATE NOCASE)",
                vec![t("A")],
            ),
            ("displayName eq null", "o.display_name IS NULL", vec![]),
            ("displayName ne null", "o.display_name IS NOT NULL", vec![]),
            (
                "mail ge 'a'",
                "json_extract(o.data,'$.mail') >= ? COLLATE NOCASE",
                vec![t("a")],
            ),
            (
                "mail le 'a'",
                "json_extract(o.data,'$.mail') <= ? COLLATE NOCASE",
                vec![t("a")],
            ),
            (
                "mail gt 'a'",
                "json_extract(o.data,'$.mail') > ? COLLATE NOCASE",
                vec![t("a")],
            ),
            (
                "mail lt 'a'",
                "json_extract(o.data,'$.mail') < ? COLLATE NOCASE",
                vec![t("a")],
            ),
            (
                "accountEnabled eq true",
                "json_extract(o.data,'$.accountEnabled') = ?",
                vec![Bind::Int(1)],
            ),
            (
                "accountEnabled ne false",
                "(json_extract(o.data,'$.accountEnabled') IS NULL OR json_extract(o.data,'$.accountEnabled') <> ?)",
                vec![Bind::Int(0)],
            ),
            (
                "createdDateTime ge 2021-01-01T01:00:00+01:00",
                "o.created >= ?",
                vec![t("2021-01-01T00:00:00Z")],
            ),
            (
                "displayName in ('a', 'b')",
                "o.display_name COLLATE NOCASE IN (?, ?)",
                vec![t("a"), t("b")],
            ),
            (
                "accountEnabled in (true)",
                "json_extract(o.data,'$.accountEnabled') IN (?)",
                vec![Bind::Int(1)],
            ),
            (
                "startsWith(displayName,'50%_a\\b')",
                "o.display_name LIKE ? ESCAPE '\\'",
                vec![t("50\\%\\_a\\\\b%")],
            ),
            (
                "endsWith(mail,'@contoso.com')",
                "json_extract(o.data,'$.mail') LIKE ? ESCAPE '\\'",
                vec![t("%@contoso.com")],
            ),
            (
                "proxyAddresses/any(x:x eq 'smtp:a@b')",
                "EXISTS (SELECT 1 FROM json_each(json_extract(o.data,'$.proxyAddresses')) WHERE value = ? COLLATE NOCASE)",
                vec![t("smtp:a@b")],
            ),
            (
                "proxyAddresses/any(x:startsWith(x,'smtp:'))",
                "EXISTS (SELECT 1 FROM json_each(json_extract(o.data,'$.proxyAddresses')) WHERE value LIKE ? ESCAPE '\\')",
                vec![t("smtp:%")],
            ),
            (
                "proxyAddresses/any(x:endsWith(x,'.com'))",
                "EXISTS (SELECT 1 FROM json_each(json_extract(o.data,'$.proxyAddresses')) WHERE value LIKE ? ESCAPE '\\')",
                vec![t("%.com")],
            ),
            (
                "groupTypes/any(c:c eq 'Unified')",
                "EXISTS (SELECT 1 FROM json_each(json_extract(o.data,'$.groupTypes')) WHERE value = ? COLLATE NOCASE)",
                vec![t("Unified")],
            ),
            (
                "not (displayName eq 'a')",
                "NOT COALESCE((o.display_name = ? COLLATE NOCASE), 0)",
                vec![t("a")],
            ),
            (
                "displayName eq 'a' or displayName eq 'b' and mail eq 'c'",
                "(o.display_name = ? COLLATE NOCASE OR (o.display_name = ? COLLATE NOCASE AND json_extract(o.data,'$.mail') = ? COLLATE NOCASE))",
                vec![t("a"), t("b"), t("c")],
            ),
        ];
        for (filter, want_sql, want_binds) in cases {
            let got = sql(filter);
            assert_eq!(got.sql, want_sql, "{filter}");
            assert_eq!(got.binds, want_binds, "{filter}");
            assert_eq!(got.sql.matches('?').count(), got.binds.len(), "{filter}");
        }
    }

    #[test]
    fn values_never_reach_the_sql_text() {
        let evil = "x' OR 1=1 --";
        let filters = [
            "displayName eq 'x'' OR 1=1 --'",
            "startsWith(displayName,'x'' OR 1=1 --')",
            "displayName in ('x'' OR 1=1 --')",
            "proxyAddresses/any(a:a eq 'x'' OR 1=1 --')",
        ];
        for filter in filters {
            let got = sql(filter);
            assert!(
                !got.sql.contains("1=1") && !got.sql.contains("--"),
                "{}",
                got.sql
            );
            assert!(
                got.binds
                    .iter()
                    .any(|b| matches!(b, Bind::Text(s) if s.contains(evil))),
                "{filter}"
            );
        }
    }

    #[test]
    fn unknown_columns_and_bad_literals_are_errors() {
        let f = parse_filter("jobTitle eq 'x'", &USER)
            .expect("parses")
            .filter;
        assert_eq!(
            filter_to_sql(&f, &columns),
            Err("no column mapping for property 'jobTitle'".into())
        );
        let bad = Filter::Compare {
            property: "displayName",
            op: CompareOp::Gt,
            value: Literal::Null,
        };
        assert!(filter_to_sql(&bad, &columns).is_err());
        let empty = Filter::In {
            property: "displayName",
            values: vec![],
        };
        assert!(filter_to_sql(&empty, &columns).is_err());
    }

    #[test]
    fn every_searchable_property_has_a_column_in_the_word_index() {
        use crate::odata::model::*;
        for m in [
            USER,
            GROUP,
            SERVICE_PRINCIPAL,
            APPLICATION,
            DIRECTORY_OBJECT,
            ORGANIZATION,
            DIRECTORY_ROLE,
            DIRECTORY_ROLE_TEMPLATE,
        ] {
            for property in m.searchable {
                assert!(
                    search_column(property).is_some(),
                    "{property} of {} is searchable but not indexed",
                    m.type_name
                );
            }
        }
    }

    #[test]
    fn a_search_term_is_one_quoted_phrase_with_a_prefix_last_word() {
        use crate::odata::Search;
        let term = |value: &str| Search::Term {
            property: "displayName",
            value: value.to_owned(),
        };
        let fragment = search_to_sql(&term(r#"Adele "V"#)).expect("sql");
        assert_eq!(fragment.sql.matches('?').count(), 1);
        assert!(
            matches!(&fragment.binds[..], [Bind::Text(m)] if m == r#"display_name : "Adele ""V" *"#)
        );
        // Nothing to look for matches nothing, without a query of the index.
        let fragment = search_to_sql(&term("-- ")).expect("sql");
        assert_eq!((fragment.sql.as_str(), fragment.binds.len()), ("0", 0));
    }
}
