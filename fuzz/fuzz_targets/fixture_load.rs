//! Arbitrary bytes as a fixture file: `fixtures::parse` must reject bad input with errors that
//! name the file (never panic), and what it accepts must load. The load runs in a transaction
//! on an empty in-memory database that is rolled back, so every iteration starts clean.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tenantsim::fixtures::{self, FixtureSource};
use tenantsim::store::Db;
use tenantsim_fuzz::runtime;

const NAME: &str = "fuzz.json";

fn empty_db() -> &'static Db {
    static DB: OnceLock<Db> = OnceLock::new();
    DB.get_or_init(|| {
        runtime()
            .block_on(Db::open(None))
            .expect("in-memory database")
    })
}

fuzz_target!(
    // The shared state is built here, outside the runtime that the iterations block on.
    init: {
    empty_db();
    },
    |data: &[u8]| {
    // Fixture files are read with `read_to_string`: only UTF-8 reaches the parser.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = FixtureSource {
        name: NAME.to_owned(),
        text: text.to_owned(),
    };
    let seeds = match fixtures::parse_all(std::slice::from_ref(&source)) {
        Ok(seeds) => seeds,
        Err(errors) => {
            assert!(!errors.is_empty(), "rejected without an error");
            for error in &errors {
                assert_eq!(error.file, NAME, "{error}");
                assert!(!error.message.is_empty(), "{error:?}");
            }
            return;
        }
    };
    runtime().block_on(async {
        let mut tx = empty_db().begin_write().await.expect("transaction");
        for seed in &seeds {
            if let Err(error) = fixtures::insert_tenant(&mut tx, seed, true).await {
                panic!(
                    "tenant {} was accepted but does not load: {error:#}",
                    seed.id
                );
            }
        }
        // Dropped without commit: rolled back.
    });
});
