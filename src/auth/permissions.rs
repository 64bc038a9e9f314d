//! Which Graph permissions allow which operation, copied from the "Permissions" table of each
//! Graph API page (least to most privileged). One table: handlers call `caller.require(&X)` and
//! the README's permission table is rendered from `ALL` (a test keeps the two in step).

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

pub const USERS_READ: Permission = Permission {
    operation: "List/get users",
    application: &[
        "User.ReadBasic.All",
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

pub const USERS_WRITE: Permission = Permission {
    operation: "Create/update/delete users",
    application: &["User.ReadWrite.All", "Directory.ReadWrite.All"],
    delegated: &[
        "User.ReadWrite.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    ],
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

pub const GROUPS_WRITE: Permission = Permission {
    operation: "Create/update/delete groups",
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

pub const MEMBERSHIP_READ: Permission = Permission {
    operation: "memberOf, transitiveMemberOf, checkMemberGroups, checkMemberObjects, getMemberGroups",
    application: &[
        "GroupMember.Read.All",
        "Group.Read.All",
        "User.Read.All",
        "User.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: &[
        "User.Read",
        "GroupMember.Read.All",
        "Group.Read.All",
        "User.Read.All",
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

// Divergence: Graph also allows `Application.ReadWrite.OwnedBy` for applications and service
// principals the calling app owns; tenantsim keeps no owners for them yet, so it is refused for
// every write (and read through it only as Graph lists it for reads).
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

pub const APP_ROLE_ASSIGNMENTS_READ: Permission = Permission {
    operation: "servicePrincipal appRoleAssignedTo, appRoleAssignments",
    application: &[
        "Application.Read.All",
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

pub const SERVICE_PRINCIPAL_GRANTS_READ: Permission = Permission {
    operation: "List a servicePrincipal's oauth2PermissionGrants",
    application: &[
        "Application.Read.All",
        "DelegatedPermissionGrant.Read.All",
        "Application.ReadWrite.All",
        "DelegatedPermissionGrant.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
    ],
    delegated: &[
        "Application.Read.All",
        "DelegatedPermissionGrant.Read.All",
        "Application.ReadWrite.All",
        "DelegatedPermissionGrant.ReadWrite.All",
        DIR_READ[0],
        DIR_READ[1],
        "Directory.AccessAsUser.All",
    ],
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

/// Every operation, in README order.
pub const ALL: &[&Permission] = &[
    &USERS_READ,
    &ME_READ,
    &ME_WRITE,
    &USERS_WRITE,
    &GROUPS_READ,
    &GROUPS_WRITE,
    &GROUP_MEMBERS_WRITE,
    &MEMBERSHIP_READ,
    &PEOPLE_SETTINGS_READ,
    &PEOPLE_SETTINGS_WRITE,
    &SERVICE_PRINCIPALS_READ,
    &SERVICE_PRINCIPALS_WRITE,
    &APPLICATIONS_READ,
    &APPLICATIONS_CREATE,
    &APPLICATIONS_WRITE,
    &APP_ROLE_ASSIGNMENTS_READ,
    &GRANTS_READ,
    &SERVICE_PRINCIPAL_GRANTS_READ,
    &GRANTS_WRITE,
    &AUTHORIZATION_POLICY_READ,
    &AUTHORIZATION_POLICY_WRITE,
    &PERMISSION_GRANT_POLICIES_READ,
];

/// The README's permission table, rendered from `ALL`.
pub fn markdown_table() -> String {
    let mut out =
        String::from("| Operation | Application (`roles`) | Delegated (`scp`) |\n|---|---|---|\n");
    for p in ALL {
        let list = |items: &[&str]| {
            if items.is_empty() {
                "—".to_owned()
            } else {
                items.join(", ")
            }
        };
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            p.operation,
            list(p.application),
            list(p.delegated)
        ));
    }
    out
}
