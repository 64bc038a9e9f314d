//! The README stays true: every parity-table row names test functions that exist (not helpers),
//! and the permission table is the one rendered from Graph's documented permissions
//! (`tests/api/security/documented_permissions.json`).

use std::path::Path;

fn section<'a>(readme: &'a str, name: &str) -> &'a str {
    let start = format!("<!-- {name}:start -->");
    let end = format!("<!-- {name}:end -->");
    let from = readme
        .find(&start)
        .unwrap_or_else(|| panic!("README has no {start}"))
        + start.len();
    let to = readme
        .find(&end)
        .unwrap_or_else(|| panic!("README has no {end}"));
    &readme[from..to]
}

/// Whether `source` declares `name` as a test: a `fn name(` (any of `pub`, `async`) whose
/// attributes include `#[test]` or `#[tokio::test]` / `#[tokio::test(…)]`. Doc comments and other
/// attributes may stand between them; a helper fn of that name is not a test.
fn is_test_fn(source: &str, name: &str) -> bool {
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let declaration = line
            .trim_start()
            .trim_start_matches("pub ")
            .trim_start_matches("async ");
        if declaration.starts_with(&format!("fn {name}(")) {
            return attributes_before(&source[..offset])
                .iter()
                .any(|a| matches!(attribute_path(a), "test" | "tokio::test"));
        }
        offset += line.len();
    }
    false
}

/// The outer attributes (`#[…]`, innermost text) that end `text`, skipping comments between.
fn attributes_before(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text.trim_end();
    loop {
        let last_line = rest.rsplit('\n').next().unwrap_or_default();
        if last_line.trim_start().starts_with("//") {
            rest = rest[..rest.len() - last_line.len()].trim_end();
            continue;
        }
        if !rest.ends_with(']') {
            return found;
        }
        // Back to the `[` that opens this `]`.
        let mut depth = 0usize;
        let mut open = None;
        for (at, c) in rest.char_indices().rev() {
            match c {
                ']' => depth += 1,
                '[' => {
                    depth -= 1;
                    if depth == 0 {
                        open = Some(at);
                        break;
                    }
                }
                _ => {}
            }
        }
        match open {
            Some(at) if rest[..at].ends_with('#') => {
                found.push(&rest[at + 1..rest.len() - 1]);
                rest = rest[..at - 1].trim_end();
            }
            _ => return found,
        }
    }
}

/// `tokio::test` of `tokio::test(flavor = "multi_thread")`.
fn attribute_path(attribute: &str) -> &str {
    attribute
        .split(['(', '='])
        .next()
        .unwrap_or_default()
        .trim()
}

#[test]
fn the_readme_checker_counts_only_test_functions_as_witnesses() {
    let source = r#"
use crate::common::*;

/// A helper: proves nothing on its own.
async fn helper(app: &TestApp) -> u16 {
    200
}

fn sync_helper() {}

#[test]
fn plain() {}

#[tokio::test]
async fn tokio_plain() {}

/// Documented, with another attribute and a comment between.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
// why it is multi-threaded
#[allow(clippy::too_many_lines)]
async fn tokio_with_arguments() {}

#[cfg(test)]
fn configured_only() {}

#[test]
fn before_a_helper() {}
fn after_a_test_without_attribute() {}

#[tokio::test]
pub async fn public_test() {}
"#;
    for test in [
        "plain",
        "tokio_plain",
        "tokio_with_arguments",
        "before_a_helper",
        "public_test",
    ] {
        assert!(is_test_fn(source, test), "{test} is a test");
    }
    for not_a_test in [
        "helper",
        "sync_helper",
        "configured_only",
        "after_a_test_without_attribute",
        "missing",
        "plai",
    ] {
        assert!(!is_test_fn(source, not_a_test), "{not_a_test} is no test");
    }
}

#[test]
fn parity_table_names_only_tests_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let table = section(&readme, "parity-table");
    let mut named = 0;
    for row in table
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---") && !l.starts_with("| Endpoint"))
    {
        let proved_by = row
            .trim_end_matches('|')
            .rsplit('|')
            .next()
            .expect("last column");
        let names: Vec<&str> = proved_by.split('`').skip(1).step_by(2).collect();
        assert!(!names.is_empty(), "row names no test: {row}");
        for name in names {
            // `module::test`, or `module::submodule::test` for tests/api/module/submodule.rs.
            let (module, test) = name
                .rsplit_once("::")
                .unwrap_or_else(|| panic!("not module::test: {name}"));
            let module = module.replace("::", "/");
            let source =
                std::fs::read_to_string(root.join("tests/api").join(format!("{module}.rs")))
                    .unwrap_or_else(|_| panic!("{name}: no tests/api/{module}.rs"));
            assert!(
                is_test_fn(&source, test),
                "{name}: no #[test] or #[tokio::test] function of that name in tests/api/{module}.rs \
                 (a helper fn proves nothing)"
            );
            named += 1;
        }
    }
    assert!(named > 20, "the parity table names {named} tests");
}

/// The README's permission table: Graph's documented permissions per operation, the page, and
/// where tenantsim deliberately differs.
fn documented_table() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api/security/documented_permissions.json");
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("data")).expect("json");
    let names = |value: &serde_json::Value| -> String {
        let list: Vec<&str> = value
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        if list.is_empty() {
            "—".to_owned()
        } else {
            list.join(", ")
        }
    };
    let mut out = String::from(
        "| Operation | Application (`roles`) | Delegated (`scp`) | Graph page | tenantsim differs |\n|---|---|---|---|---|\n",
    );
    for op in data["operations"].as_array().expect("operations") {
        let source = op["source"].as_str().expect("source");
        let page = source.rsplit('/').next().unwrap_or(source);
        // Grouped: "accepts (app): A, B; refuses (delegated): C".
        let mut differs: Vec<(String, Vec<&str>)> = Vec::new();
        for d in op["divergences"].as_array().expect("divergences") {
            let verb = if d["accepted"].as_bool().unwrap_or(true) {
                "accepts"
            } else {
                "refuses"
            };
            let kind = if d["type"] == "application" {
                "app"
            } else {
                "delegated"
            };
            let group = format!("{verb} ({kind})");
            let permission = d["permission"].as_str().expect("permission");
            match differs.iter_mut().find(|(g, _)| *g == group) {
                Some((_, list)) => list.push(permission),
                None => differs.push((group, vec![permission])),
            }
        }
        let differs: Vec<String> = differs
            .into_iter()
            .map(|(group, list)| format!("{group}: {}", list.join(", ")))
            .collect();
        let roles = names(&op["delegated_roles"]);
        let delegated = if roles == "—" {
            names(&op["delegated"])
        } else {
            format!("{} (+ role: {roles})", names(&op["delegated"]))
        };
        out.push_str(&format!(
            "| {} | {} | {delegated} | [{page}]({source}) | {} |\n",
            op["operation"].as_str().expect("operation"),
            names(&op["application"]),
            if differs.is_empty() {
                "—".to_owned()
            } else {
                differs.join("; ")
            }
        ));
    }
    out
}

#[test]
fn permission_table_is_graphs_documented_permissions() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let rendered = format!("\n{}", documented_table());
    if std::env::var_os("TENANTSIM_UPDATE_README").is_some() {
        let start = readme
            .find("<!-- permissions-table:start -->")
            .expect("marker")
            + "<!-- permissions-table:start -->".len();
        let end = readme
            .find("<!-- permissions-table:end -->")
            .expect("marker");
        let updated = format!("{}{rendered}{}", &readme[..start], &readme[end..]);
        std::fs::write(&path, updated).expect("write README");
        return;
    }
    assert_eq!(
        section(&readme, "permissions-table"),
        rendered,
        "README permission table is stale: run TENANTSIM_UPDATE_README=1 cargo test --test api readme"
    );
}
