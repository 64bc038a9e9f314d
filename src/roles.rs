//! Entra built-in directory roles by display name and template id (the values in `wids`).
//! See <https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference>.

pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
pub const USER_ADMINISTRATOR: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
pub const APPLICATION_ADMINISTRATOR: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";
pub const CLOUD_APPLICATION_ADMINISTRATOR: &str = "158c047a-c907-4556-b7ef-446551a6b5f7";
pub const APPLICATION_DEVELOPER: &str = "cf1c38e5-3621-4004-a7cb-879624dced7c";
pub const DIRECTORY_WRITERS: &str = "9360feb5-f418-4baa-8175-e2a00bac4301";

/// Built-in roles tenantsim knows: (display name, template id).
pub const BUILT_IN: &[(&str, &str)] = &[
    ("Global Administrator", GLOBAL_ADMINISTRATOR),
    ("Global Reader", "f2ef992c-3afb-46b9-b7cf-a126ee74c451"),
    ("User Administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1"),
    (
        "Groups Administrator",
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",
    ),
    (
        "Privileged Role Administrator",
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
    ),
    (
        "Application Administrator",
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    ),
    (
        "Cloud Application Administrator",
        "158c047a-c907-4556-b7ef-446551a6b5f7",
    ),
    (
        "Application Developer",
        "cf1c38e5-3621-4004-a7cb-879624dced7c",
    ),
    ("Directory Readers", "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"),
    ("Directory Writers", "9360feb5-f418-4baa-8175-e2a00bac4301"),
    (
        "Helpdesk Administrator",
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    ),
];

/// The template id of a role named in a fixture (case-insensitive), or the id itself.
pub fn template_id(name_or_id: &str) -> Option<&'static str> {
    BUILT_IN
        .iter()
        .find(|(name, id)| {
            name.eq_ignore_ascii_case(name_or_id) || id.eq_ignore_ascii_case(name_or_id)
        })
        .map(|(_, id)| *id)
}

/// The display name of a built-in role template.
pub fn display_name(template: &str) -> Option<&'static str> {
    BUILT_IN
        .iter()
        .find(|(_, id)| id.eq_ignore_ascii_case(template))
        .map(|(name, _)| *name)
}

/// Graph's `description` of a built-in role template (the `directoryRoleTemplate` and the
/// activated `directoryRole` carry the same text), from the permissions reference above.
pub fn description(template: &str) -> &'static str {
    match template {
        GLOBAL_ADMINISTRATOR => {
            "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities."
        }
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451" => {
            "Can read everything that a Global Administrator can, but not update anything."
        }
        USER_ADMINISTRATOR => {
            "Can manage all aspects of users and groups, including resetting passwords for limited admins."
        }
        "fdd7a751-b60b-444a-984c-02652fe8fa1c" => {
            "Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports."
        }
        PRIVILEGED_ROLE_ADMINISTRATOR => {
            "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management."
        }
        APPLICATION_ADMINISTRATOR => {
            "Can create and manage all aspects of app registrations and enterprise apps."
        }
        CLOUD_APPLICATION_ADMINISTRATOR => {
            "Can create and manage all aspects of app registrations and enterprise apps except App Proxy."
        }
        APPLICATION_DEVELOPER => {
            "Can create application registrations independent of the 'Users can register applications' setting."
        }
        "88d8e3e3-8f55-4a1e-953a-9b9898b8876b" => {
            "Can read basic directory information. Commonly used to grant directory read access to applications and guests."
        }
        DIRECTORY_WRITERS => {
            "Can read and write basic directory information. For granting access to applications, not intended for users."
        }
        "729827e3-9c14-49f7-bb1b-9608f156bbb8" => {
            "Can reset passwords for non-administrators and Helpdesk Administrators."
        }
        _ => "",
    }
}
