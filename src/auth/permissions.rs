//! Which Graph permissions allow which operation: what handlers enforce with
//! `caller.require(&X)`. Graph's documented permissions per operation (each page's
//! "Permissions" table, least to most privileged) are data, with their sources, in
//! `tests/api/security/documented_permissions.json` (`tools/documented_permissions.py`); the
//! README's permission table is rendered from that data, and
//! `security::documented::enforcement_matches_the_permissions_graph_documents_for_every_operation`
//! checks these tables against it through HTTP. Where they differ on purpose, the data lists a
//! divergence with its reason and this file a `// Divergence:` comment.

/// The permissions that allow one operation.
#[derive(Debug)]
pub struct Permission {
    /// The operation, as the README names it.
    pub operation: &'static str,
    /// Application permissions (`roles` claim), any one suffices.
    pub application: &'static [&'static str],
    /// Delegated permissions (`scp` claim), any one suffices.
    pub delegated: &'static [&'static str],
    /// For delegated calls that also need an admin role (`wids`), any one of these templates.
    pub delegated_roles: &'static [&'static str],
}

const DIR_READ: [&str; 2] = ["Directory.Read.All", "Directory.ReadWrite.All"];

// Divergence: every delegated directory operation here also accepts
// Directory.AccessAsUser.All, which current pages no longer list (documented_permissions.json).
pub const USERS_READ: Permission = Permission {
    operation: "List/get users",
    // user-list, user-get: User.ReadBasic.All is a delegated permission only there.
    application: &[
        "User.Read.All",
        "User.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: &[
        "User.ReadBasic.All",
        "User.Read.All",
        "User.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

pub const ME_READ: Permission = Permission {
    operation: "Get /me",
    application: &[],
    delegated: &[
        "User.Read",
        "User.ReadWrite",
        "User.ReadBasic.All",
        "User.Read.All",
        "User.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

pub const ME_WRITE: Permission = Permission {
    operation: "Update /me",
    application: &[],
    delegated: &[
        "User.ReadWrite",
        "User.ReadWrite.All",
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

/// GET /beta/users/{id}/profile (profile-get): applications may read it with User.ReadBasic.All.
pub const PROFILE_READ: Permission = Permission {
    operation: "Get a user's profile (beta)",
    application: &[
        "User.ReadBasic.All",
        "User.Read.All",
        "User.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: USERS_READ.delegated,
    delegated_roles: &[],
};

pub const USERS_WRITE: Permission = Permission {
    operation: "Create/update users",
    application: &["User.ReadWrite.All", "Directory.ReadWrite.All"],
    delegated: &[
        "User.ReadWrite.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

/// user-delete lists only User.ReadWrite.All: Directory.ReadWrite.All cannot delete users.
pub const USERS_DELETE: Permission = Permission {
    operation: "Delete users",
    application: &["User.ReadWrite.All"],
    delegated: &["User.ReadWrite.All", "Directory.AccessAsUser.All"],
    delegated_roles: &[],
};

pub const GROUPS_READ: Permission = Permission {
    operation: "List/get groups, members, transitiveMembers",
    application: &[
        "GroupMember.Read.All",
        "Group.Read.All",
        "Group.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: &[
        "GroupMember.Read.All",
        "Group.Read.All",
        "Group.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

/// group-list-members, group-list-transitivemembers also list GroupMember.ReadWrite.All.
pub const GROUP_MEMBERS_READ: Permission = Permission {
    operation: "List members, transitiveMembers",
    application: &[
        "GroupMember.Read.All",
        "GroupMember.ReadWrite.All",
        "Group.Read.All",
        "Group.ReadWrite.All",
        DIR_READ[0],
        // Divergence: the member pages do not list Directory.ReadWrite.All (it includes Directory.Read.All).
        DIR_READ[1],
    ],
    delegated: &[
        "GroupMember.Read.All",
        "GroupMember.ReadWrite.All",
        "Group.Read.All",
        "Group.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

/// group-post-groups: Group.Create creates groups (applications only) …
pub const GROUPS_CREATE: Permission = Permission {
    operation: "Create groups",
    application: &[
        "Group.Create",
        "Group.ReadWrite.All",
        "Directory.ReadWrite.All",
    ],
    delegated: &[
        "Group.ReadWrite.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

/// … but neither updates nor deletes them (group-update, group-delete do not list it).
// Divergence: group-delete's page does not list Directory.ReadWrite.All; every other group
// write page does, and tenantsim keeps it for delete.
pub const GROUPS_WRITE: Permission = Permission {
    operation: "Update/delete groups",
    application: &["Group.ReadWrite.All", "Directory.ReadWrite.All"],
    delegated: &[
        "Group.ReadWrite.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

pub const GROUP_MEMBERS_WRITE: Permission = Permission {
    operation: "Add/remove group members",
    application: &[
        "GroupMember.ReadWrite.All",
        "Group.ReadWrite.All",
        "Directory.ReadWrite.All",
    ],
    delegated: &[
        "GroupMember.ReadWrite.All",
        "Group.ReadWrite.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

// Divergence: one permission set for every membership read on every subject type, one
// permission at a time; Graph's tables differ per subject and combine a user and a group
// permission for users (documented_permissions.json, "membership family").
pub const MEMBERSHIP_READ: Permission = Permission {
    operation: "memberOf, transitiveMemberOf, checkMemberGroups, checkMemberObjects, getMemberGroups",
    application: &[
        "GroupMember.Read.All",
        "Group.Read.All",
        "Group.ReadWrite.All",
        "User.Read.All",
        "User.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: &[
        "User.Read",
        "GroupMember.Read.All",
        "Group.Read.All",
        "Group.ReadWrite.All",
        "User.Read.All",
        "User.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

pub const PEOPLE_SETTINGS_READ: Permission = Permission {
    operation: "Read people admin settings and profile card properties",
    application: &["PeopleSettings.Read.All", "PeopleSettings.ReadWrite.All"],
    delegated: &["PeopleSettings.Read.All", "PeopleSettings.ReadWrite.All"],
    // Delegated callers must also be a Global Administrator (or Tenant / People Administrator).
    delegated_roles: &[crate::roles::GLOBAL_ADMINISTRATOR],
};

pub const PEOPLE_SETTINGS_WRITE: Permission = Permission {
    operation: "Create/update/delete profile card properties",
    application: &["PeopleSettings.ReadWrite.All"],
    delegated: &["PeopleSettings.ReadWrite.All"],
    delegated_roles: &[crate::roles::GLOBAL_ADMINISTRATOR],
};

pub const SERVICE_PRINCIPALS_READ: Permission = Permission {
    operation: "List/get servicePrincipals",
    application: &[
        "Application.Read.All",
        "Application.ReadWrite.OwnedBy",
        "Application.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: &[
        "Application.Read.All",
        "Application.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

// Divergence: AppRoleAssignment.ReadWrite.All reads assignments (Graph's permission
// reference); the two pages do not list it. appRoleAssignments shares appRoleAssignedTo's
// Application.ReadWrite.OwnedBy.
pub const APP_ROLE_ASSIGNMENTS_READ: Permission = Permission {
    operation: "servicePrincipal appRoleAssignedTo, appRoleAssignments",
    application: &[
        "Application.Read.All",
        "Application.ReadWrite.OwnedBy",
        "AppRoleAssignment.ReadWrite.All",
        "Application.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: &[
        "Application.Read.All",
        "AppRoleAssignment.ReadWrite.All",
        "Application.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

// Divergence: DelegatedPermissionGrant.Read.All reads every grant (Graph's permission
// reference); the grant pages read predate it.
pub const GRANTS_READ: Permission = Permission {
    operation: "List/get oauth2PermissionGrants (all, of a user, /me)",
    application: &[
        "DelegatedPermissionGrant.Read.All",
        "DelegatedPermissionGrant.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: &[
        "DelegatedPermissionGrant.Read.All",
        "DelegatedPermissionGrant.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

/// serviceprincipal-list-oauth2permissiongrants lists the grant read permissions only (no
/// Application.*).
pub const SERVICE_PRINCIPAL_GRANTS_READ: Permission = Permission {
    operation: "List a servicePrincipal's oauth2PermissionGrants",
    application: GRANTS_READ.application,
    delegated: GRANTS_READ.delegated,
    delegated_roles: &[],
};

pub const GRANTS_WRITE: Permission = Permission {
    operation: "Create/update/delete oauth2PermissionGrants",
    application: &[
        "DelegatedPermissionGrant.ReadWrite.All",
        "Directory.ReadWrite.All",
    ],
    delegated: &[
        "DelegatedPermissionGrant.ReadWrite.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    ],
    // oauth2permissiongrant-post: a delegated caller also needs one of these roles.
    delegated_roles: &[
        crate::roles::GLOBAL_ADMINISTRATOR,
        crate::roles::APPLICATION_ADMINISTRATOR,
        crate::roles::CLOUD_APPLICATION_ADMINISTRATOR,
        crate::roles::APPLICATION_DEVELOPER,
        crate::roles::DIRECTORY_WRITERS,
        crate::roles::PRIVILEGED_ROLE_ADMINISTRATOR,
        crate::roles::USER_ADMINISTRATOR,
    ],
};

pub const AUTHORIZATION_POLICY_READ: Permission = Permission {
    operation: "Get authorizationPolicy",
    application: &["Policy.Read.All", "Policy.ReadWrite.Authorization"],
    delegated: &["Policy.Read.All", "Policy.ReadWrite.Authorization"],
    delegated_roles: &[],
};

pub const AUTHORIZATION_POLICY_WRITE: Permission = Permission {
    operation: "Update authorizationPolicy",
    application: &["Policy.ReadWrite.Authorization"],
    delegated: &["Policy.ReadWrite.Authorization"],
    // authorizationpolicy-update: a delegated caller also needs Privileged Role Administrator
    // (Global Administrator holds every permission of that role).
    delegated_roles: &[
        crate::roles::PRIVILEGED_ROLE_ADMINISTRATOR,
        crate::roles::GLOBAL_ADMINISTRATOR,
    ],
};

// Divergence: Policy.Read.All reads every policy (Graph's permission reference); the
// permissionGrantPolicy pages list only the PermissionGrant permissions.
pub const PERMISSION_GRANT_POLICIES_READ: Permission = Permission {
    operation: "List/get permissionGrantPolicies",
    application: &[
        "Policy.Read.PermissionGrant",
        "Policy.Read.All",
        "Policy.ReadWrite.PermissionGrant",
    ],
    delegated: &[
        "Policy.Read.PermissionGrant",
        "Policy.Read.All",
        "Policy.ReadWrite.PermissionGrant",
    ],
    delegated_roles: &[],
};

pub const ORGANIZATION_LIST: Permission = Permission {
    operation: "List organization",
    application: &["Directory.Read.All", "Directory.ReadWrite.All"],
    delegated: &["User.Read", "Directory.Read.All", "Directory.ReadWrite.All"],
    delegated_roles: &[],
};

pub const ORGANIZATION_GET: Permission = Permission {
    operation: "Get organization",
    application: &[
        "Organization.Read.All",
        "Directory.Read.All",
        "Organization.ReadWrite.All",
        "Directory.ReadWrite.All",
    ],
    delegated: &[
        "User.Read",
        "Organization.Read.All",
        "Directory.Read.All",
        "Organization.ReadWrite.All",
        "Directory.ReadWrite.All",
    ],
    delegated_roles: &[],
};

pub const ORGANIZATION_WRITE: Permission = Permission {
    operation: "Update organization",
    application: &["Organization.ReadWrite.All"],
    delegated: &["Organization.ReadWrite.All"],
    delegated_roles: &[],
};

pub const DIRECTORY_OBJECT_GET: Permission = Permission {
    operation: "Get directoryObject",
    application: &["Directory.Read.All"],
    delegated: &["Directory.Read.All"],
    delegated_roles: &[],
};

pub const DIRECTORY_OBJECTS_GET_BY_IDS: Permission = Permission {
    operation: "directoryObjects getByIds",
    application: &["Directory.Read.All"],
    delegated: &["Directory.Read.All", "Directory.AccessAsUser.All"],
    delegated_roles: &[],
};

pub const VALIDATE_PROPERTIES: Permission = Permission {
    operation: "directoryObjects validateProperties",
    application: &[
        "Group.Read.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
        "Group.ReadWrite.All",
    ],
    delegated: &[
        "Group.Read.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ],
    delegated_roles: &[],
};

pub const DIRECTORY_ROLES_READ: Permission = Permission {
    operation: "List/get directoryRoles",
    application: &[
        "RoleManagement.Read.Directory",
        "RoleManagement.ReadWrite.Directory",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: &[
        "RoleManagement.Read.Directory",
        "RoleManagement.ReadWrite.Directory",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated_roles: &[],
};

pub const DIRECTORY_ROLE_MEMBERS_READ: Permission = Permission {
    operation: "List directoryRole members",
    application: &[
        "RoleManagement.Read.Directory",
        DIR_READ[0],
        "RoleManagement.ReadWrite.Directory",
        DIR_READ[1],
    ],
    delegated: &[
        "RoleManagement.Read.Directory",
        DIR_READ[0],
        "RoleManagement.ReadWrite.Directory",
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

pub const DIRECTORY_ROLE_ACTIVATE: Permission = Permission {
    operation: "Activate directoryRole",
    application: &["Directory.ReadWrite.All"],
    delegated: &["Directory.ReadWrite.All", "Directory.AccessAsUser.All"],
    delegated_roles: &[],
};

// Divergence: directoryrole-delete-member lists RoleManagement.Read.Directory too; a read
// permission does not remove role members here (README D34).
pub const DIRECTORY_ROLE_MEMBERS_WRITE: Permission = Permission {
    operation: "Add/remove directoryRole members",
    application: &["RoleManagement.ReadWrite.Directory"],
    delegated: &["RoleManagement.ReadWrite.Directory"],
    delegated_roles: &[],
};

pub const DIRECTORY_ROLE_TEMPLATES_READ: Permission = Permission {
    operation: "List/get directoryRoleTemplates",
    application: &[
        "RoleManagement.Read.Directory",
        DIR_READ[0],
        DIR_READ[1],
        "RoleManagement.ReadWrite.Directory",
    ],
    delegated: &[
        "RoleManagement.Read.Directory",
        DIR_READ[0],
        DIR_READ[1],
        "RoleManagement.ReadWrite.Directory",
    ],
    delegated_roles: &[],
};

pub const USERS_DELTA: Permission = Permission {
    operation: "users delta",
    application: &[
        "User.Read.All",
        DIR_READ[0],
        DIR_READ[1],
        "User.ReadWrite.All",
    ],
    delegated: &[
        "User.Read",
        DIR_READ[0],
        DIR_READ[1],
        "User.Read.All",
        "User.ReadBasic.All",
        "User.ReadWrite",
        "User.ReadWrite.All",
    ],
    delegated_roles: &[],
};

pub const SERVICE_PRINCIPALS_DELTA: Permission = Permission {
    operation: "servicePrincipals delta",
    application: &[
        "Application.ReadWrite.OwnedBy",
        "Application.ReadWrite.All",
        DIR_READ[0],
    ],
    delegated: &[DIR_READ[0], DIR_READ[1]],
    delegated_roles: &[],
};

pub const GROUP_OWNERS_WRITE: Permission = Permission {
    operation: "Add/remove group owners",
    application: &["Group.ReadWrite.All", "Directory.ReadWrite.All"],
    delegated: &[
        "Group.ReadWrite.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

pub const SP_OWNERS_WRITE: Permission = Permission {
    operation: "Add/remove servicePrincipal owners",
    application: &["Application.ReadWrite.All", "Directory.ReadWrite.All"],
    delegated: &[
        "Application.ReadWrite.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

// application-post-owners documents `Application.ReadWrite.All and Directory.Read.All`;
// application-delete-owners `Application.ReadWrite.All` or `Directory.ReadWrite.All` (delegated).
// Divergence: tenantsim checks one permission per operation (Application.ReadWrite.All alone
// adds an owner) and refuses Application.ReadWrite.OwnedBy, as for every application write.
pub const APP_OWNERS_WRITE: Permission = Permission {
    operation: "Add/remove application owners",
    application: &["Application.ReadWrite.All", "Directory.ReadWrite.All"],
    delegated: &["Application.ReadWrite.All", "Directory.ReadWrite.All"],
    delegated_roles: &[],
};

// user-list-createdobjects also lists User.Read and User.ReadWrite (delegated), which read
// only the signed-in user's own objects: accepted on `/me/createdObjects` only.
pub const CREATED_OBJECTS_READ: Permission = Permission {
    operation: "createdObjects of a user",
    application: &[
        "User.Read.All",
        "User.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: &[
        "User.Read.All",
        "User.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

pub const ME_CREATED_OBJECTS_READ: Permission = Permission {
    operation: "createdObjects of /me",
    application: &[],
    delegated: &[
        "User.Read",
        "User.ReadWrite",
        "User.Read.All",
        "User.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

pub const DEVICE_RELATIONS_READ: Permission = Permission {
    operation: "registeredOwners, registeredUsers of a device",
    application: &[
        "Device.Read.All",
        "Device.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: &[
        "Device.Read.All",
        DIR_READ[0],
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

pub const OWNED_OBJECTS_READ: Permission = Permission {
    operation: "ownedObjects of a user, /me",
    application: &[
        "User.Read.All",
        "User.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: &[
        "User.Read.All",
        "User.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

pub const MANAGER_READ: Permission = Permission {
    operation: "manager, directReports (of a user, /me)",
    application: &[
        "User.Read.All",
        "User.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: &[
        "User.Read.All",
        "User.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

pub const MANAGER_WRITE: Permission = Permission {
    operation: "Assign/remove a user's manager",
    application: &["User.ReadWrite.All", "Directory.ReadWrite.All"],
    delegated: &[
        "User.ReadWrite.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

// Divergence: Graph also allows `Application.ReadWrite.OwnedBy` for applications and service
// principals the calling app owns; tenantsim stores their owners but does not check ownership
// on writes, so it is refused for every write (and read through it only as Graph lists it for
// reads).
pub const APPLICATIONS_READ: Permission = Permission {
    operation: "List/get applications",
    application: &[
        "Application.Read.All",
        "Application.ReadWrite.OwnedBy",
        "Application.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: &[
        "Application.Read.All",
        "Application.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated_roles: &[],
};

/// application-delta: the read set of applications (Application.ReadWrite.OwnedBy is its least
/// privileged application permission).
pub const APPLICATIONS_DELTA: Permission = Permission {
    operation: "applications delta",
    application: &[
        "Application.ReadWrite.OwnedBy",
        "Application.Read.All",
        "Application.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: &[
        DIR_READ[0],
        "Application.Read.All",
        "Application.ReadWrite.All",
        DIR_READ[1],
    ],
    delegated_roles: &[],
};

pub const APPLICATIONS_CREATE: Permission = Permission {
    operation: "Create applications",
    application: &["AppRegistration.Create", "Application.ReadWrite.All"],
    delegated: &["AppRegistration.Create", "Application.ReadWrite.All"],
    delegated_roles: &[],
};

pub const APPLICATIONS_WRITE: Permission = Permission {
    operation: "Update/delete applications, addPassword/removePassword",
    application: &["Application.ReadWrite.All"],
    delegated: &["Application.ReadWrite.All"],
    // Graph lets an owner or one of these roles manage an app; tenantsim has no app owners.
    delegated_roles: &[
        crate::roles::GLOBAL_ADMINISTRATOR,
        crate::roles::APPLICATION_ADMINISTRATOR,
        crate::roles::CLOUD_APPLICATION_ADMINISTRATOR,
    ],
};

// application-post-extensionproperty, extensionproperty-delete.
// Divergence: Application.ReadWrite.OwnedBy refused, as for every application write.
pub const EXTENSIONS_WRITE: Permission = Permission {
    operation: "Create/delete directory extensions (extensionProperties)",
    application: &["Application.ReadWrite.All", "Directory.ReadWrite.All"],
    delegated: &["Application.ReadWrite.All", "Directory.ReadWrite.All"],
    delegated_roles: &[],
};

pub const SERVICE_PRINCIPALS_WRITE: Permission = Permission {
    operation: "Create/update/delete servicePrincipals",
    application: &["Application.ReadWrite.All", "Directory.ReadWrite.All"],
    delegated: &["Application.ReadWrite.All", "Directory.ReadWrite.All"],
    delegated_roles: &[
        crate::roles::GLOBAL_ADMINISTRATOR,
        crate::roles::APPLICATION_ADMINISTRATOR,
        crate::roles::CLOUD_APPLICATION_ADMINISTRATOR,
    ],
};

/// The beta profile's webAccounts, read (profile-list-webaccounts, webaccount-get): delegated
/// only; `User.Read` and `User.ReadWrite` reach the signed-in user's own profile.
pub const WEB_ACCOUNTS_READ: Permission = Permission {
    operation: "List/get profile webAccounts (beta)",
    application: &[],
    delegated: &[
        "User.Read",
        "User.ReadWrite",
        "User.ReadBasic.All",
        "User.Read.All",
        "User.ReadWrite.All",
    ],
    delegated_roles: &[],
};

/// [`WEB_ACCOUNTS_READ`] on another user's profile.
pub const WEB_ACCOUNTS_READ_OTHERS: Permission = Permission {
    operation: "List/get another user's profile webAccounts (beta)",
    application: &[],
    delegated: &["User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All"],
    delegated_roles: &[],
};

/// The beta profile's webAccounts, written (profile-post-webaccounts, webaccount-update,
/// webaccount-delete): delegated only; `User.ReadWrite` writes the signed-in user's own.
pub const WEB_ACCOUNTS_WRITE: Permission = Permission {
    operation: "Create/update/delete profile webAccounts (beta)",
    application: &[],
    delegated: &["User.ReadWrite", "User.ReadWrite.All"],
    delegated_roles: &[],
};

/// [`WEB_ACCOUNTS_WRITE`] on another user's profile.
pub const WEB_ACCOUNTS_WRITE_OTHERS: Permission = Permission {
    operation: "Create/update/delete another user's profile webAccounts (beta)",
    application: &[],
    delegated: &["User.ReadWrite.All"],
    delegated_roles: &[],
};

/// DELETE /directoryObjects/{id} (directoryobject-delete): any of the kinds' permissions lets
/// the request look the object up; the object's own kind then decides (`USERS_DELETE`,
/// `GROUPS_WRITE`, `APPLICATIONS_WRITE`, `SERVICE_PRINCIPALS_WRITE`).
pub const DIRECTORY_OBJECT_DELETE: Permission = Permission {
    operation: "Delete directoryObject",
    application: &[
        "User.ReadWrite.All",
        "Group.ReadWrite.All",
        "Application.ReadWrite.All",
        "Directory.ReadWrite.All",
    ],
    delegated: &[
        "User.ReadWrite.All",
        "Group.ReadWrite.All",
        "Application.ReadWrite.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    ],
    delegated_roles: &[],
};

/// Every enforced permission set (the security suite's "every permission" token draws on it).
pub const ALL: &[&Permission] = &[
    &USERS_READ,
    &ME_READ,
    &ME_WRITE,
    &PROFILE_READ,
    &USERS_WRITE,
    &USERS_DELETE,
    &GROUPS_READ,
    &GROUP_MEMBERS_READ,
    &GROUPS_CREATE,
    &GROUPS_WRITE,
    &GROUP_MEMBERS_WRITE,
    &MEMBERSHIP_READ,
    &PEOPLE_SETTINGS_READ,
    &PEOPLE_SETTINGS_WRITE,
    &SERVICE_PRINCIPALS_READ,
    &APP_ROLE_ASSIGNMENTS_READ,
    &GRANTS_READ,
    &SERVICE_PRINCIPAL_GRANTS_READ,
    &GRANTS_WRITE,
    &AUTHORIZATION_POLICY_READ,
    &AUTHORIZATION_POLICY_WRITE,
    &PERMISSION_GRANT_POLICIES_READ,
    &ORGANIZATION_LIST,
    &ORGANIZATION_GET,
    &ORGANIZATION_WRITE,
    &DIRECTORY_OBJECT_GET,
    &DIRECTORY_OBJECTS_GET_BY_IDS,
    &VALIDATE_PROPERTIES,
    &DIRECTORY_ROLES_READ,
    &DIRECTORY_ROLE_MEMBERS_READ,
    &DIRECTORY_ROLE_ACTIVATE,
    &DIRECTORY_ROLE_MEMBERS_WRITE,
    &DIRECTORY_ROLE_TEMPLATES_READ,
    &USERS_DELTA,
    &SERVICE_PRINCIPALS_DELTA,
    &GROUP_OWNERS_WRITE,
    &SP_OWNERS_WRITE,
    &APP_OWNERS_WRITE,
    &CREATED_OBJECTS_READ,
    &ME_CREATED_OBJECTS_READ,
    &DEVICE_RELATIONS_READ,
    &OWNED_OBJECTS_READ,
    &MANAGER_READ,
    &MANAGER_WRITE,
    &APPLICATIONS_READ,
    &APPLICATIONS_DELTA,
    &APPLICATIONS_CREATE,
    &APPLICATIONS_WRITE,
    &SERVICE_PRINCIPALS_WRITE,
    &WEB_ACCOUNTS_READ,
    &WEB_ACCOUNTS_READ_OTHERS,
    &WEB_ACCOUNTS_WRITE,
    &WEB_ACCOUNTS_WRITE_OTHERS,
    &DIRECTORY_OBJECT_DELETE,
    &EXTENSIONS_WRITE,
];
