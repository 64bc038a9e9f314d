//! Tests for `parse_query` (query.rs): option handling, exact error texts, advanced-query rules.

mod tests {
    use crate::odata::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn ok(list: &[(&str, &str)], eventual: bool) -> QueryOptions {
        parse_query(&pairs(list), eventual, &USER).unwrap_or_else(|e| panic!("{list:?}: {e}"))
    }

    fn err(
        list: &[(&str, &str)],
        eventual: bool,
        model: &ResourceModel,
    ) -> (ODataErrorKind, String) {
        let e = parse_query(&pairs(list), eventual, model).expect_err(&format!("{list:?}"));
        (e.kind, e.message)
    }

    #[test]
    fn accepts_keys_with_or_without_dollar_in_any_case() {
        for key in ["$filter", "filter", "$FILTER", "Filter"] {
            let q = ok(&[(key, "displayName eq 'a'")], false);
            assert_eq!(
                q.filter,
                Some(Filter::Compare {
                    property: "displayName",
                    op: CompareOp::Eq,
                    value: Literal::String("a".into())
                })
            );
        }
        let q = ok(
            &[
                ("$top", "5"),
                ("select", "ID,displayName,id"),
                ("$skiptoken", "abc_-1"),
                ("api-version", "x"),
                ("$orderby", "displayName desc"),
            ],
            false,
        );
        assert_eq!(q.top, Some(5));
        assert_eq!(q.select, Some(vec!["id", "displayName"]));
        assert_eq!(q.skiptoken.as_deref(), Some("abc_-1"));
        assert_eq!(
            q.orderby,
            Some(OrderBy {
                property: "displayName",
                descending: true
            })
        );
        assert!(!q.advanced && !q.count);
        assert_eq!(ok(&[], false), QueryOptions::default());
    }

    #[test]
    fn format_json_is_accepted_in_graphs_spellings() {
        for value in [
            "json",
            "JSON",
            "application/json",
            "application/json;odata.metadata=minimal",
        ] {
            let q = ok(&[("$format", value), ("$top", "2")], false);
            assert_eq!(q.top, Some(2), "$format={value}");
        }
        assert_eq!(ok(&[("format", "json")], false), QueryOptions::default());
    }

    #[test]
    fn rejects_options_with_exact_messages() {
        use ODataErrorKind::*;
        type Case = (
            Vec<(&'static str, &'static str)>,
            ODataErrorKind,
            &'static str,
        );
        let cases: Vec<Case> = vec![
            (
                vec![("$filter", "displayName eq 'a'"), ("filter", "mail eq 'b'")],
                RequestBadRequest,
                "Query option '$filter' was specified more than once, but it must be specified at most once.",
            ),
            (
                vec![("$top", "1"), ("$TOP", "2")],
                RequestBadRequest,
                "Query option '$top' was specified more than once, but it must be specified at most once.",
            ),
            (
                vec![("$skip", "10")],
                RequestBadRequest,
                "'$skip' is not supported by the service.",
            ),
            (
                vec![("skip", "10")],
                RequestBadRequest,
                "'$skip' is not supported by the service.",
            ),
            (
                vec![("$apply", "x")],
                RequestBadRequest,
                "'$apply' is not supported by the service.",
            ),
            (
                vec![("$levels", "2")],
                RequestBadRequest,
                "'$levels' is not supported by the service.",
            ),
            (
                vec![("$format", "xml")],
                RequestBadRequest,
                "'$format=xml' is not supported by the service: Microsoft Graph answers this request in JSON only.",
            ),
            (
                vec![("$foo", "1")],
                RequestBadRequest,
                "The query parameter '$foo' is not supported.",
            ),
            (
                vec![("$top", "1000")],
                UnsupportedQuery,
                "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.",
            ),
            (
                vec![("$top", "0")],
                UnsupportedQuery,
                "Invalid page size specified: '0'. Must be between 1 and 999 inclusive.",
            ),
            (
                vec![("$top", "abc")],
                UnsupportedQuery,
                "Invalid page size specified: 'abc'. Must be between 1 and 999 inclusive.",
            ),
            (
                vec![("$count", "yes")],
                RequestBadRequest,
                "'yes' is not a valid count option.",
            ),
            (
                vec![("$select", "*")],
                UnsupportedQuery,
                "'$select=*' is not supported; list the properties explicitly.",
            ),
            (
                vec![("$select", "id,,mail")],
                BadRequest,
                "Syntax error in $select 'id,,mail': empty property name.",
            ),
            (
                vec![("$select", "id,foo")],
                RequestBadRequest,
                "Could not find a property named 'foo' on type 'microsoft.graph.user'.",
            ),
            (
                vec![("$orderby", "jobTitle")],
                UnsupportedQuery,
                "Unsupported sort property 'jobTitle' for 'User'.",
            ),
            (
                vec![("$orderby", "foo")],
                RequestBadRequest,
                "Could not find a property named 'foo' on type 'microsoft.graph.user'.",
            ),
            (
                vec![("$orderby", "displayName,userPrincipalName")],
                UnsupportedQuery,
                "Sorting by more than one property is not supported.",
            ),
            (
                vec![("$orderby", "displayName up")],
                BadRequest,
                "Syntax error in $orderby 'displayName up': expected 'asc' or 'desc', found 'up'.",
            ),
            (
                vec![("$orderby", " ")],
                BadRequest,
                "Syntax error in $orderby '': expected a property name.",
            ),
            (
                vec![("$filter", "displayName eq")],
                BadRequest,
                "Syntax error at position 14 in 'displayName eq': expected a literal value.",
            ),
        ];
        for (list, kind, msg) in cases {
            assert_eq!(err(&list, true, &USER), (kind, msg.to_string()), "{list:?}");
        }
    }

    #[test]
    fn count_is_emitted_only_with_the_header() {
        assert!(!ok(&[("$count", "true")], false).count);
        assert!(!ok(&[("$count", "true")], false).advanced);
        let q = ok(&[("$count", "TRUE")], true);
        assert!(q.count && q.advanced);
        assert!(!ok(&[("$count", "false")], true).count);
    }

    #[test]
    fn search_needs_only_the_header() {
        let msg = "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'";
        assert_eq!(
            err(&[("$search", "\"displayName:a\"")], false, &USER),
            (ODataErrorKind::UnsupportedQuery, msg.into())
        );
        assert_eq!(
            err(
                &[("$search", "\"displayName:a\""), ("$count", "true")],
                false,
                &USER
            )
            .1,
            msg
        );
        let q = ok(&[("$search", "\"displayName:a\"")], true);
        assert_eq!(
            q.search,
            Some(Search::Term {
                property: "displayName",
                value: "a".into()
            })
        );
        assert!(q.advanced && !q.count);
    }

    #[test]
    fn advanced_filters_need_header_and_count() {
        let hint = "is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information";
        let cases = [
            ("displayName ne 'a'", format!("Operator 'ne' {hint}")),
            ("not(displayName eq 'a')", format!("Operator 'not' {hint}")),
            ("endsWith(mail,'@contoso.com')", format!("Operator 'endsWith' {hint}")),
            ("companyName eq 'Contoso'", "Unsupported or invalid query filter clause specified for property 'companyName' of resource 'User'.".into()),
        ];
        for (filter, msg) in cases {
            for (eventual, count) in [(false, "false"), (true, "false"), (false, "true")] {
                let got = err(&[("$filter", filter), ("$count", count)], eventual, &USER);
                assert_eq!(
                    got,
                    (ODataErrorKind::UnsupportedQuery, msg.clone()),
                    "{filter} {eventual} {count}"
                );
            }
            let q = ok(&[("$filter", filter), ("$count", "true")], true);
            assert!(q.advanced && q.count && q.filter.is_some(), "{filter}");
        }
    }

    #[test]
    fn filter_with_orderby_is_advanced() {
        let list = [
            ("$filter", "startsWith(displayName,'a')"),
            ("$orderby", "displayName"),
        ];
        assert_eq!(
            err(&list, true, &USER),
            (
                ODataErrorKind::UnsupportedQuery,
                "Sorting not supported for current query.".into()
            )
        );
        let q = ok(&[list[0], list[1], ("$count", "true")], true);
        assert!(q.advanced);
        assert!(!ok(&[("$orderby", "userPrincipalName")], false).advanced);
    }

    #[test]
    fn expand_is_rejected_with_advanced_features() {
        let q = parse_query(
            &pairs(&[("$expand", "members($select=id)"), ("$select", "id")]),
            false,
            &GROUP,
        )
        .expect("expand");
        assert_eq!(
            q.expand,
            Some(Expand {
                navigation: "members".into(),
                select: Some(vec!["id".into()]),
                levels: None,
            })
        );
        let msg = "$expand is not supported with advanced queries ($count=true with ConsistencyLevel: eventual, $search, ne, not, endsWith, or $filter with $orderby).";
        let advanced = [
            vec![("$expand", "members"), ("$count", "true")],
            vec![("$expand", "members"), ("$search", "\"displayName:a\"")],
            vec![
                ("$expand", "members"),
                ("$filter", "displayName ne 'a'"),
                ("$count", "true"),
            ],
        ];
        for list in advanced {
            assert_eq!(
                err(&list, true, &GROUP),
                (ODataErrorKind::UnsupportedQuery, msg.into()),
                "{list:?}"
            );
        }
        assert!(
            parse_query(
                &pairs(&[("$expand", "members"), ("$count", "true")]),
                false,
                &GROUP
            )
            .is_ok()
        );
        assert_eq!(
            err(&[("$expand", "manager")], false, &GROUP),
            (
                ODataErrorKind::RequestBadRequest,
                "Could not find a property named 'manager' on type 'microsoft.graph.group'.".into()
            )
        );
    }

    #[test]
    fn write_only_properties_can_be_selected() {
        assert_eq!(
            ok(&[("$select", "passwordProfile")], false).select,
            Some(vec!["passwordProfile"])
        );
    }
}

mod fuzz {
    use crate::odata::*;
    use crate::odata::{GROUP, USER};

    /// Random option values never panic in `parse_query` (filter has its own loop).
    #[test]
    fn never_panics_on_random_option_values() {
        const KEYS: &[&str] = &[
            "$search", "$expand", "$select", "$orderby", "$top", "$count", "filter", "$x",
        ];
        const PIECES: &[&str] = &[
            "\"",
            "displayName",
            ":",
            "a",
            " ",
            "AND",
            "OR",
            "\\",
            "members",
            "(",
            ")",
            "$select",
            "=",
            ",",
            ";",
            "id",
            "desc",
            "*",
            "é",
            "🙂",
            "999",
            "-1",
            "true",
            "'",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..20_000 {
            let key = KEYS[next(KEYS.len())].to_string();
            let value: String = (0..next(12)).map(|_| PIECES[next(PIECES.len())]).collect();
            let eventual = next(2) == 0;
            for model in [&USER, &GROUP] {
                let _ = parse_query(
                    &[
                        (key.clone(), value.clone()),
                        ("$count".into(), "true".into()),
                    ],
                    eventual,
                    model,
                );
            }
        }
    }

    #[test]
    fn levels_need_count_and_consistency_level() {
        fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
            list.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        }
        let with = |eventual: bool, count: Option<&str>| {
            let mut p = vec![("$expand", "manager($levels=max;$select=id)")];
            if let Some(c) = count {
                p.push(("$count", c));
            }
            parse_query(&pairs(&p), eventual, &USER)
        };
        let ok = with(true, Some("true")).expect("advanced");
        assert_eq!(
            ok.expand.and_then(|e| e.levels),
            Some(crate::odata::Levels::Max)
        );
        assert!(ok.count);
        for (eventual, count) in [
            (false, Some("true")),
            (true, None),
            (true, Some("false")),
            (false, None),
        ] {
            let err = with(eventual, count).expect_err("needs both");
            assert_eq!(err.kind, ODataErrorKind::UnsupportedQuery);
            assert!(
                err.message.starts_with("$levels inside $expand"),
                "{}",
                err.message
            );
        }
        // $levels does not open $expand to the other advanced capabilities.
        let err = parse_query(
            &pairs(&[
                ("$expand", "manager($levels=2)"),
                ("$count", "true"),
                ("$search", "\"displayName:a\""),
            ]),
            true,
            &USER,
        )
        .expect_err("search");
        assert!(
            err.message.starts_with("$expand is not supported"),
            "{}",
            err.message
        );
        // Without $levels, $expand stays outside advanced queries.
        assert!(
            parse_query(
                &pairs(&[("$expand", "manager"), ("$count", "true")]),
                true,
                &USER
            )
            .is_err()
        );
    }
}
