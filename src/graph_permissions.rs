//! Microsoft Graph's permissions (provisional subset; replaced by the full table).

/// One permission of Microsoft Graph.
#[derive(Debug, Clone, Copy)]
pub struct GraphPermission {
    pub value: &'static str,
    pub id: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    pub admin_consent_required: bool,
}

const fn p(value: &'static str, id: &'static str, admin: bool) -> GraphPermission {
    GraphPermission {
        value,
        id,
        display_name: value,
        description: value,
        admin_consent_required: admin,
    }
}

pub const APPLICATION: &[GraphPermission] = &[
    p(
        "User.Read.All",
        "df021288-bdef-4463-88db-98f22de89214",
        true,
    ),
    p(
        "User.ReadWrite.All",
        "741f803b-c850-494e-b5df-cde7c675a1ca",
        true,
    ),
    p(
        "Group.Read.All",
        "5b567255-7703-4780-807c-7be8301ae99b",
        true,
    ),
    p(
        "Group.ReadWrite.All",
        "62a82d76-70ea-41e2-9197-370581804d09",
        true,
    ),
    p(
        "GroupMember.Read.All",
        "98830695-27a2-44f7-8c18-0c3ebc9698f6",
        true,
    ),
    p(
        "GroupMember.ReadWrite.All",
        "dbaae8cf-10b5-4b86-a4a1-f871c94c6695",
        true,
    ),
    p(
        "Directory.Read.All",
        "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
        true,
    ),
    p(
        "Directory.ReadWrite.All",
        "19dbc75e-c2e2-444c-a770-ec69d8559fc7",
        true,
    ),
];

pub const DELEGATED: &[GraphPermission] = &[
    p("User.Read", "e1fe6dd8-ba31-4d61-89e7-88639da4683d", false),
    p(
        "User.Read.All",
        "a154be20-db9c-4678-8ab7-66f6cc099a59",
        true,
    ),
    p(
        "User.ReadBasic.All",
        "b340eb25-3456-403f-be2f-af7a0d370277",
        false,
    ),
    p(
        "GroupMember.Read.All",
        "bc024368-1153-4739-b217-4326f2e966d0",
        true,
    ),
    p(
        "Group.Read.All",
        "5f8c59db-677d-491f-a6b8-5f174b11ec1d",
        true,
    ),
    p(
        "Directory.Read.All",
        "06da0dbc-49e2-44d2-8312-53f166ab848a",
        true,
    ),
    p("openid", "37f7f235-527c-4136-accd-4a02d197296e", false),
    p("profile", "14dad69e-099b-42c9-810b-d002981feec1", false),
    p(
        "offline_access",
        "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
        false,
    ),
];

pub fn application(value: &str) -> Option<&'static GraphPermission> {
    APPLICATION
        .iter()
        .find(|p| p.value.eq_ignore_ascii_case(value))
}

pub fn delegated(value: &str) -> Option<&'static GraphPermission> {
    DELEGATED
        .iter()
        .find(|p| p.value.eq_ignore_ascii_case(value))
}
