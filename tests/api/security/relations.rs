//! The routes the relationship declarations generate (`src/graph/relations`), each with a
//! request that succeeds on Contoso for a caller holding its permission, and the state those
//! requests need beyond the fixture (a service principal with an owner, owning a group and in
//! it; a direct report of the admin; Adele, the matrix's other `/me`, in and owning IT Admins).

use axum::http::Method;
use serde_json::{Value, json};

use crate::common::*;
use tenantsim::graph::relations::{GeneratedRoute, Op, Source, generated_routes};

/// Contoso's Directory Sync service principal.
pub const SYNC_SP: &str = "c0a70550-0000-4000-8000-000000000301";
const MIRIAM: &str = "c0a70550-0000-4000-8000-000000000113";

fn reference(id: &str) -> Value {
    json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}")})
}

/// The relationship state the generated routes read, written through Graph after a reset.
pub async fn prepare(app: &TestApp, token: &str) {
    for (method, path, body) in [
        (
            Method::POST,
            format!("/v1.0/servicePrincipals/{SYNC_SP}/owners/$ref"),
            reference(ADMIN),
        ),
        (
            Method::POST,
            format!("/v1.0/groups/{FINANCE}/owners/$ref"),
            reference(SYNC_SP),
        ),
        (
            Method::POST,
            format!("/v1.0/groups/{FINANCE}/members/$ref"),
            reference(SYNC_SP),
        ),
        (
            Method::POST,
            format!("/v1.0/applications/{}/owners/$ref", sync_application()),
            reference(ADMIN),
        ),
        (
            Method::PUT,
            format!("/v1.0/users/{DEBRA_DISABLED}/manager/$ref"),
            reference(ADMIN),
        ),
        // The permission matrix signs `/me` in as Adele too: she shares IT Admins with the admin.
        (
            Method::POST,
            format!("/v1.0/groups/{IT_ADMINS}/members/$ref"),
            reference(ADELE),
        ),
        (
            Method::POST,
            format!("/v1.0/groups/{IT_ADMINS}/owners/$ref"),
            reference(ADELE),
        ),
    ] {
        let response = app
            .request(method, &path)
            .token(token)
            .json(body)
            .send()
            .await;
        assert_eq!(response.status, 204, "{path}: {}", response.text);
    }
}

/// The application object of Contoso's Directory Sync app.
fn sync_application() -> &'static str {
    let id = tenantsim::app_objects::derived_object_id(CONTOSO, crate::identity::SYNC_APP);
    Box::leak(id.into_boxed_str())
}

/// A device id: tenantsim has no devices, so every device route answers 404.
const NO_DEVICE: &str = "00000000-0000-4000-8000-00000000de71";

/// The addressed object, an object inside the relationship and its cast, per source.
fn sample(navigation: &str, source: Source) -> (Option<&'static str>, &'static str, &'static str) {
    match (source, navigation) {
        (Source::Groups, "memberOf" | "transitiveMemberOf") => {
            (Some(RETAIL_MUNICH), RETAIL_EUROPE, "microsoft.graph.group")
        }
        (Source::Groups, _) => (Some(RETAIL_EUROPE), JOHANNA, "microsoft.graph.user"),
        (Source::Users, "directReports") => (Some(JOHANNA), ADELE, "microsoft.graph.user"),
        (Source::Users, _) => (Some(JOHANNA), RETAIL_EUROPE, "graph.group"),
        (Source::Me, "directReports") => (None, DEBRA_DISABLED, "microsoft.graph.user"),
        (Source::Me, "ownedObjects" | "memberOf" | "transitiveMemberOf") => {
            (None, IT_ADMINS, "microsoft.graph.group")
        }
        (Source::Me, _) => (None, ADMIN, "microsoft.graph.user"),
        (Source::ServicePrincipals, "owners") => (Some(SYNC_SP), ADMIN, "microsoft.graph.user"),
        (Source::Applications, _) => (Some(sync_application()), ADMIN, "microsoft.graph.user"),
        (Source::Devices, _) => (Some(NO_DEVICE), ADMIN, "microsoft.graph.user"),
        (Source::ServicePrincipals, _) => (Some(SYNC_SP), FINANCE, "microsoft.graph.group"),
    }
}

/// `(method, template, path, body, me, operation, object)` of every generated route.
pub struct RelationRoute {
    pub method: Method,
    pub template: &'static str,
    pub path: String,
    pub body: Option<Value>,
    pub me: bool,
    pub operation: &'static str,
    pub object: Option<&'static str>,
    /// Answers 404 with one of the two `/me` users: attacked, not in the permission matrix.
    pub absent: bool,
}

pub fn relation_routes() -> Vec<RelationRoute> {
    generated_routes().iter().map(route).collect()
}

fn route(generated: &GeneratedRoute) -> RelationRoute {
    let rel = generated.relationship;
    let (key, member, cast) = sample(rel.navigation, generated.source);
    let base = match (generated.source, key) {
        (Source::Me, _) | (_, None) => format!("/me/{}", rel.navigation),
        (source, Some(key)) => {
            let set = source.prefix().split('/').nth(1).unwrap_or_default();
            format!("/{set}/{key}/{}", rel.navigation)
        }
    };
    // The security requests carry ConsistencyLevel: eventual; casts add $count=true.
    let mut object = key;
    let (path, body, operation) = match generated.op {
        Op::List => (base, None, rel.read.operation),
        Op::Count => (format!("{base}/$count"), None, rel.read.operation),
        Op::Segment => (
            format!("{base}/{cast}?$count=true"),
            None,
            rel.read.operation,
        ),
        Op::SegmentCount => (format!("{base}/{cast}/$count"), None, rel.read.operation),
        Op::SegmentCast => (format!("{base}/{member}/{cast}"), None, rel.read.operation),
        Op::RefList => (format!("{base}/$ref"), None, rel.read.operation),
        Op::RefAdd => {
            let target = if rel.single { MIRIAM } else { LYNNE_NO_GROUPS };
            let write = rel.write.expect("a writable relationship");
            (
                format!("{base}/$ref"),
                Some(reference(target)),
                write.operation,
            )
        }
        Op::RefRemove => {
            let write = rel.write.expect("a writable relationship");
            let path = if rel.single {
                format!("{base}/$ref")
            } else if generated.source == Source::Groups && rel.navigation == "owners" {
                // Sales and Marketing has two owners: removing one is allowed.
                object = Some(SALES_M365);
                format!("/groups/{SALES_M365}/owners/{MEGAN}/$ref")
            } else {
                format!("{base}/{member}/$ref")
            };
            (path, None, write.operation)
        }
    };
    let template: &'static str = Box::leak(generated.path.clone().into_boxed_str());
    RelationRoute {
        method: Method::from_bytes(generated.method.as_bytes()).expect("method"),
        template,
        path,
        body,
        me: generated.source == Source::Me,
        operation,
        object,
        // A user has one manager: no object is a direct report of both `/me` users.
        absent: (generated.source == Source::Me
            && rel.navigation == "directReports"
            && generated.op == Op::SegmentCast)
            // No devices: every device route is a 404.
            || generated.source == Source::Devices
            // Always empty: no object is in createdObjects.
            || (rel.navigation == "createdObjects"
                && matches!(generated.op, Op::SegmentCast)),
    }
}
