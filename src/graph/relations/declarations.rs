//! The declared relationships. A new directoryObject navigation is one entry here.

use super::{Refs, Relationship, Source, Storage};
use crate::auth::permissions;
use crate::store::links::LinkKind;
use crate::store::objects::Kind;

const MEMBER_KINDS: &[Kind] = &[Kind::User, Kind::Group, Kind::ServicePrincipal];
const OWNER_KINDS: &[Kind] = &[Kind::User, Kind::ServicePrincipal];
const NO_REFS: Refs = Refs {
    read: false,
    add: false,
    remove: false,
};
const ALL_REFS: Refs = Refs {
    read: true,
    add: true,
    remove: true,
};

/// group-list-members, group-post-members, group-delete-members.
pub static MEMBERS: Relationship = Relationship {
    navigation: "members",
    sources: &[Source::Groups],
    storage: Storage::Members { transitive: false },
    single: false,
    targets: MEMBER_KINDS,
    refs: ALL_REFS,
    read: &permissions::GROUP_MEMBERS_READ,
    write: Some(&permissions::GROUP_MEMBERS_WRITE),
    keeps_last: false,
};

/// group-list-transitivemembers.
pub static TRANSITIVE_MEMBERS: Relationship = Relationship {
    navigation: "transitiveMembers",
    sources: &[Source::Groups],
    storage: Storage::Members { transitive: true },
    single: false,
    targets: &[],
    refs: NO_REFS,
    read: &permissions::GROUP_MEMBERS_READ,
    write: None,
    keeps_last: false,
};

/// user-list-memberof, group-list-memberof (and `/me`).
pub static MEMBER_OF: Relationship = Relationship {
    navigation: "memberOf",
    sources: &[Source::Users, Source::Groups, Source::Me],
    storage: Storage::MemberOf { transitive: false },
    single: false,
    targets: &[],
    refs: NO_REFS,
    read: &permissions::MEMBERSHIP_READ,
    write: None,
    keeps_last: false,
};

/// user-list-transitivememberof, group-list-transitivememberof (and `/me`).
pub static TRANSITIVE_MEMBER_OF: Relationship = Relationship {
    navigation: "transitiveMemberOf",
    sources: &[Source::Users, Source::Groups, Source::Me],
    storage: Storage::MemberOf { transitive: true },
    ..MEMBER_OF
};

/// serviceprincipal-list-memberof.
pub static SP_MEMBER_OF: Relationship = Relationship {
    sources: &[Source::ServicePrincipals],
    read: &permissions::SERVICE_PRINCIPALS_READ,
    ..MEMBER_OF
};

/// serviceprincipal-list-transitivememberof.
pub static SP_TRANSITIVE_MEMBER_OF: Relationship = Relationship {
    sources: &[Source::ServicePrincipals],
    read: &permissions::SERVICE_PRINCIPALS_READ,
    ..TRANSITIVE_MEMBER_OF
};

/// group-list-owners, group-post-owners, group-delete-owners.
pub static GROUP_OWNERS: Relationship = Relationship {
    navigation: "owners",
    sources: &[Source::Groups],
    storage: Storage::Link {
        kind: LinkKind::Owner,
        reverse: false,
    },
    single: false,
    targets: OWNER_KINDS,
    refs: ALL_REFS,
    read: &permissions::GROUP_MEMBERS_READ,
    write: Some(&permissions::GROUP_OWNERS_WRITE),
    keeps_last: true,
};

/// serviceprincipal-list-owners, serviceprincipal-post-owners, serviceprincipal-delete-owners.
pub static SP_OWNERS: Relationship = Relationship {
    sources: &[Source::ServicePrincipals],
    read: &permissions::SERVICE_PRINCIPALS_READ,
    write: Some(&permissions::SP_OWNERS_WRITE),
    keeps_last: false,
    ..GROUP_OWNERS
};

/// application-list-owners, application-post-owners, application-delete-owners. An
/// application may lose its last owner.
pub static APP_OWNERS: Relationship = Relationship {
    sources: &[Source::Applications],
    read: &permissions::APPLICATIONS_READ,
    write: Some(&permissions::APP_OWNERS_WRITE),
    keeps_last: false,
    ..GROUP_OWNERS
};

/// user-list-createdobjects.
// Divergence: tenantsim records no object's creator, so createdObjects is always empty (Graph
// lists what a user without an admin role created; an admin's list is empty there too).
pub static CREATED_OBJECTS: Relationship = Relationship {
    navigation: "createdObjects",
    sources: &[Source::Users],
    storage: Storage::Empty,
    single: false,
    targets: &[],
    refs: NO_REFS,
    read: &permissions::CREATED_OBJECTS_READ,
    write: None,
    keeps_last: false,
};

/// `/me/createdObjects` (user-list-createdobjects): also with User.Read and User.ReadWrite.
pub static ME_CREATED_OBJECTS: Relationship = Relationship {
    sources: &[Source::Me],
    read: &permissions::ME_CREATED_OBJECTS_READ,
    ..CREATED_OBJECTS
};

/// serviceprincipal-list-createdobjects.
// Divergence: always empty, as for users (no creator is recorded).
pub static SP_CREATED_OBJECTS: Relationship = Relationship {
    sources: &[Source::ServicePrincipals],
    read: &permissions::SERVICE_PRINCIPALS_READ,
    ..CREATED_OBJECTS
};

/// device-list-registeredowners: tenantsim has no devices, so every device is Graph's 404.
pub static DEVICE_REGISTERED_OWNERS: Relationship = Relationship {
    navigation: "registeredOwners",
    sources: &[Source::Devices],
    storage: Storage::Empty,
    single: false,
    targets: &[],
    refs: Refs {
        read: true,
        add: false,
        remove: false,
    },
    read: &permissions::DEVICE_RELATIONS_READ,
    write: None,
    keeps_last: false,
};

/// device-list-registeredusers: as registeredOwners.
pub static DEVICE_REGISTERED_USERS: Relationship = Relationship {
    navigation: "registeredUsers",
    ..DEVICE_REGISTERED_OWNERS
};

/// user-list-ownedobjects (and `/me`).
pub static OWNED_OBJECTS: Relationship = Relationship {
    navigation: "ownedObjects",
    sources: &[Source::Users, Source::Me],
    storage: Storage::Link {
        kind: LinkKind::Owner,
        reverse: true,
    },
    single: false,
    targets: &[],
    refs: NO_REFS,
    read: &permissions::OWNED_OBJECTS_READ,
    write: None,
    keeps_last: false,
};

/// serviceprincipal-list-ownedobjects.
pub static SP_OWNED_OBJECTS: Relationship = Relationship {
    sources: &[Source::ServicePrincipals],
    read: &permissions::SERVICE_PRINCIPALS_READ,
    ..OWNED_OBJECTS
};

/// user-list-manager, user-post-manager, user-delete-manager (and `/me`).
pub static MANAGER: Relationship = Relationship {
    navigation: "manager",
    sources: &[Source::Users, Source::Me],
    storage: Storage::Link {
        kind: LinkKind::Manager,
        reverse: false,
    },
    single: true,
    targets: &[Kind::User],
    refs: Refs {
        read: false,
        add: true,
        remove: true,
    },
    read: &permissions::MANAGER_READ,
    write: Some(&permissions::MANAGER_WRITE),
    keeps_last: false,
};

/// user-list-directreports (and `/me`).
pub static DIRECT_REPORTS: Relationship = Relationship {
    navigation: "directReports",
    sources: &[Source::Users, Source::Me],
    storage: Storage::Link {
        kind: LinkKind::Manager,
        reverse: true,
    },
    single: false,
    targets: &[],
    refs: NO_REFS,
    read: &permissions::MANAGER_READ,
    write: None,
    keeps_last: false,
};

/// Every declared relationship.
pub static ALL: &[&Relationship] = &[
    &MEMBERS,
    &TRANSITIVE_MEMBERS,
    &MEMBER_OF,
    &TRANSITIVE_MEMBER_OF,
    &SP_MEMBER_OF,
    &SP_TRANSITIVE_MEMBER_OF,
    &GROUP_OWNERS,
    &SP_OWNERS,
    &APP_OWNERS,
    &CREATED_OBJECTS,
    &ME_CREATED_OBJECTS,
    &SP_CREATED_OBJECTS,
    &DEVICE_REGISTERED_OWNERS,
    &DEVICE_REGISTERED_USERS,
    &OWNED_OBJECTS,
    &SP_OWNED_OBJECTS,
    &MANAGER,
    &DIRECT_REPORTS,
];
