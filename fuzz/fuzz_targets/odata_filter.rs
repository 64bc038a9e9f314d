//! `$filter` text → `odata::parse_filter` for every resource model. A rejection must be one of
//! the three HTTP 400 OData errors; an accepted filter must only name the model's properties
//! and must run as SQL against the seeded store (a database error there is an HTTP 500).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tenantsim::odata::{
    DIRECTORY_OBJECT, Filter, GROUP, MAX_FILTER_LEN, OAUTH2_PERMISSION_GRANT, ResourceModel,
    SERVICE_PRINCIPAL, USER, parse_filter,
};
use tenantsim::store::apps::{self, GrantQuery, GrantScope};
use tenantsim::store::objects::{self, Kind, ListError, ListQuery, Order, Scope};
use tenantsim_fuzz::{CONTOSO, RETAIL_EUROPE, app, check_odata_error, runtime};

const MODELS: [&ResourceModel; 5] = [
    &USER,
    &GROUP,
    &SERVICE_PRINCIPAL,
    &DIRECTORY_OBJECT,
    &OAUTH2_PERMISSION_GRANT,
];

fuzz_target!(
    // The shared state is built here, outside the runtime that the iterations block on.
    init: {
    app();
    },
    |data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    for model in MODELS {
        match parse_filter(&input, model) {
            Err(error) => check_odata_error(&input, &error),
            Ok(parsed) => {
                // The limit is in characters (a byte count rejected a 4,032-byte input whose
                // invalid bytes each became a 3-byte U+FFFD: the long run found it).
                assert!(
                    input.chars().count() <= MAX_FILTER_LEN,
                    "over-long filter accepted"
                );
                check_properties(&parsed.filter, model);
                run(&parsed.filter, model);
            }
        }
    }
});

/// Every property of the AST is a canonical name of `model`.
fn check_properties(filter: &Filter, model: &ResourceModel) {
    let known = |p: &str| {
        assert!(
            model.properties.iter().any(|q| q.name == p),
            "{p} is not a property of {}",
            model.type_name
        )
    };
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => {
            check_properties(a, model);
            check_properties(b, model);
        }
        Filter::Not(a) => check_properties(a, model),
        Filter::Compare { property, .. }
        | Filter::In { property, .. }
        | Filter::StartsWith { property, .. }
        | Filter::EndsWith { property, .. }
        | Filter::Any { property, .. }
        | Filter::All { property, .. } => known(property),
    }
}

/// The store's query for the model, as the list routes build it.
fn run(filter: &Filter, model: &ResourceModel) {
    runtime().block_on(async {
        let mut conn = app().state.db.pool.acquire().await.expect("connection");
        if model.type_name == OAUTH2_PERMISSION_GRANT.type_name {
            let query = GrantQuery {
                scope: GrantScope::All,
                filter: Some(filter),
                after: None,
                limit: 5,
            };
            check(
                apps::list_grants(&mut conn, CONTOSO, &query)
                    .await
                    .map(drop),
            );
            check(
                apps::count_grants(&mut conn, CONTOSO, &query)
                    .await
                    .map(drop),
            );
            return;
        }
        let scope = match model.type_name {
            "microsoft.graph.user" => Scope::All(Kind::User),
            "microsoft.graph.group" => Scope::All(Kind::Group),
            "microsoft.graph.servicePrincipal" => Scope::All(Kind::ServicePrincipal),
            _ => Scope::MembersOf {
                group: RETAIL_EUROPE,
                transitive: true,
            },
        };
        let query = ListQuery {
            scope,
            kind: None,
            filter: Some(filter),
            search: None,
            order: Order::Seq,
            after: None,
            limit: 5,
        };
        check(
            objects::list_objects(&mut conn, CONTOSO, &query)
                .await
                .map(drop),
        );
        check(
            objects::count_objects(&mut conn, CONTOSO, &query)
                .await
                .map(drop),
        );
    });
}

/// `Query` answers 400 (`Request_UnsupportedQuery`); only a database error would be a 500.
fn check(result: Result<(), ListError>) {
    if let Err(ListError::Db(error)) = result {
        panic!("an accepted filter failed in SQLite: {error}");
    }
}
