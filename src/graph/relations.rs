//! directoryObject relationships declared as data: which entity sets have a navigation, how it
//! is stored, whether it is single- or collection-valued, which `$ref` writes Graph allows and
//! the permissions per operation. One set of handlers ([`serve`]) and one route generator
//! ([`router`]) serve every declaration: the list, `/$count`, OData casts in both spellings
//! (`/microsoft.graph.user`, `/graph.user`), cast + `/$count`, `/{id}`, `/{id}/{cast}` and the
//! `$ref` reads and writes. See <https://learn.microsoft.com/graph/api/resources/directoryobject>,
//! group-list-members, user-list-memberof, group-list-owners, user-list-manager,
//! user-list-directreports, user-list-ownedobjects and
//! <https://learn.microsoft.com/graph/aad-advanced-queries>.

mod declarations;
mod serve;
mod writes;

use axum::routing::{MethodRouter, delete, get, post, put};

use crate::auth::permissions::Permission;
use crate::state::AppState;
use crate::store::links::LinkKind;
use crate::store::objects::Kind;

pub use declarations::ALL;
pub use serve::{expand_navigation, manager_chain};
pub use writes::bind_owners;

/// An entity set a relationship hangs off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Users,
    Groups,
    ServicePrincipals,
    Applications,
    /// Devices: tenantsim stores none, so every device answers Graph's 404 (after the
    /// permission check), as in a directory without devices.
    Devices,
    /// The signed-in user (`/me/…`, delegated tokens only).
    Me,
}

impl Source {
    /// The route prefix, with the parameter name the resource's own routes use (matchit
    /// requires one name per position).
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::Users => "/users/{user}",
            Self::Groups => "/groups/{group}",
            Self::ServicePrincipals => "/servicePrincipals/{sp}",
            Self::Applications => "/applications/{key}",
            Self::Devices => "/devices/{device}",
            Self::Me => "/me",
        }
    }

    /// The kind of object the source is; `None` for devices, which tenantsim never stores.
    pub const fn kind(self) -> Option<Kind> {
        match self {
            Self::Users | Self::Me => Some(Kind::User),
            Self::Groups => Some(Kind::Group),
            Self::ServicePrincipals => Some(Kind::ServicePrincipal),
            Self::Applications => Some(Kind::Application),
            Self::Devices => None,
        }
    }
}

/// Where a relationship's rows live.
#[derive(Debug, Clone, Copy)]
pub enum Storage {
    /// `memberships`, from the group down to its members.
    Members { transitive: bool },
    /// `memberships` upwards, plus the activated directory roles held (`directory_role_members`).
    MemberOf { transitive: bool },
    /// `directory_links` of `kind`, forwards (owners, manager) or `reverse` (ownedObjects,
    /// directReports).
    Link { kind: LinkKind, reverse: bool },
    /// Nothing tenantsim records: always an empty collection (count 0, every `/{id}` 404).
    Empty,
}

/// The `$ref` operations Graph has on a relationship.
#[derive(Debug, Clone, Copy, Default)]
pub struct Refs {
    /// `GET …/{nav}/$ref`.
    pub read: bool,
    /// `POST …/{nav}/$ref` (collections) or `PUT …/{nav}/$ref` (single-valued).
    pub add: bool,
    /// `DELETE …/{nav}/{id}/$ref` (collections) or `DELETE …/{nav}/$ref` (single-valued).
    pub remove: bool,
}

/// One navigation property of one or more entity sets.
#[derive(Debug)]
pub struct Relationship {
    pub navigation: &'static str,
    pub sources: &'static [Source],
    pub storage: Storage,
    /// Single-valued (`manager`): the object itself, no list.
    pub single: bool,
    /// The kinds a `$ref` write may point at.
    pub targets: &'static [Kind],
    pub refs: Refs,
    pub read: &'static Permission,
    pub write: Option<&'static Permission>,
    /// Graph refuses to remove a group's last owner (group-delete-owners).
    pub keeps_last: bool,
}

impl Relationship {
    pub const fn transitive(&self) -> bool {
        matches!(
            self.storage,
            Storage::Members { transitive: true } | Storage::MemberOf { transitive: true }
        )
    }
}

/// What a generated route does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    List,
    Count,
    /// `/{nav}/{segment}`: a cast or an object id.
    Segment,
    /// `/{nav}/{cast}/$count`.
    SegmentCount,
    /// `/{nav}/{id}/{cast}`.
    SegmentCast,
    RefList,
    RefAdd,
    RefRemove,
}

/// One route the declarations generate.
pub struct GeneratedRoute {
    pub method: &'static str,
    /// The router's path, version-free (`/users/{user}/manager/$ref`).
    pub path: String,
    pub relationship: &'static Relationship,
    pub source: Source,
    pub op: Op,
}

/// Every route the declarations generate, for the route checks in tests.
pub fn generated_routes() -> Vec<GeneratedRoute> {
    let mut out = Vec::new();
    for &relationship in ALL {
        for &source in relationship.sources {
            for (path, methods) in paths(relationship, source) {
                for (method, op) in methods {
                    out.push(GeneratedRoute {
                        method,
                        path: path.clone(),
                        relationship,
                        source,
                        op,
                    });
                }
            }
        }
    }
    out
}

type Methods = Vec<(&'static str, Op)>;

/// The paths of one relationship under one source, each with its methods.
fn paths(rel: &Relationship, source: Source) -> Vec<(String, Methods)> {
    let base = format!("{}/{}", source.prefix(), rel.navigation);
    let mut out: Vec<(String, Methods)> = Vec::new();
    if rel.single {
        out.push((base.clone(), vec![("GET", Op::List)]));
        let mut refs = Vec::new();
        if rel.refs.add {
            refs.push(("PUT", Op::RefAdd));
        }
        if rel.refs.remove {
            refs.push(("DELETE", Op::RefRemove));
        }
        if !refs.is_empty() {
            out.push((format!("{base}/$ref"), refs));
        }
        return out;
    }
    out.push((base.clone(), vec![("GET", Op::List)]));
    out.push((format!("{base}/$count"), vec![("GET", Op::Count)]));
    out.push((format!("{base}/{{segment}}"), vec![("GET", Op::Segment)]));
    out.push((
        format!("{base}/{{segment}}/$count"),
        vec![("GET", Op::SegmentCount)],
    ));
    out.push((
        format!("{base}/{{segment}}/{{cast}}"),
        vec![("GET", Op::SegmentCast)],
    ));
    let mut refs = Vec::new();
    if rel.refs.read {
        refs.push(("GET", Op::RefList));
    }
    if rel.refs.add {
        refs.push(("POST", Op::RefAdd));
    }
    if !refs.is_empty() {
        out.push((format!("{base}/$ref"), refs));
    }
    if rel.refs.remove {
        out.push((
            format!("{base}/{{segment}}/$ref"),
            vec![("DELETE", Op::RefRemove)],
        ));
    }
    out
}

fn method_router(
    rel: &'static Relationship,
    source: Source,
    methods: &Methods,
) -> MethodRouter<AppState> {
    let mut router = MethodRouter::new();
    for &(method, op) in methods {
        let read = move |ctx: serve::Context| serve::read(rel, source, op, ctx);
        let write = move |ctx: serve::Context, body: crate::protocol::request::JsonObject| {
            writes::write(rel, source, op, ctx, Some(body.0))
        };
        let remove = move |ctx: serve::Context| writes::write(rel, source, op, ctx, None);
        router = match method {
            "GET" => router.merge(get(read)),
            "POST" => router.merge(post(write)),
            "PUT" => router.merge(put(write)),
            _ => router.merge(delete(remove)),
        };
    }
    router
}

/// The routes of every declared relationship.
pub fn router() -> super::routes::Routes {
    let mut router = super::routes::Routes::new();
    for &rel in ALL {
        for &source in rel.sources {
            for (path, methods) in paths(rel, source) {
                router = router.route(&path, method_router(rel, source, &methods));
            }
        }
    }
    router
}
