//! The README stays true: every parity-table row names tests that exist, and the permission
//! table is the one `src/auth/permissions.rs` renders.

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
                source.contains(&format!("fn {test}(")),
                "{name}: no such test in tests/api/{module}.rs"
            );
            named += 1;
        }
    }
    assert!(named > 20, "the parity table names {named} tests");
}

#[test]
fn permission_table_matches_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let rendered = format!("\n{}", tenantsim::auth::permissions::markdown_table());
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
