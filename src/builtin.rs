//! Service principals every tenant has: Microsoft Graph (the resource of Graph permissions),
//! the Azure portal's ADIbizaUX (audience of the portal-internal API), and the first-party
//! public clients real tools sign in with. Their object ids are derived from tenant and appId,
//! so they are stable across resets and differ between tenants, as in Entra.

use serde_json::{Value, json};

use crate::graph_permissions;
use crate::store::load::NewRows;
use crate::store::{objects::Kind, objects::ObjectWrite};

pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
pub const PORTAL_APP_ID: &str = "74658136-14ec-4630-ad9b-26e160ff0fc6";
/// Microsoft's own tenant, owner of first-party apps.
pub const MICROSOFT_TENANT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

/// A first-party public client: (appId, display name).
pub const PUBLIC_CLIENTS: &[(&str, &str)] = &[
    (
        "14d82eec-204b-4c2f-b7e8-296a70dab67e",
        "Microsoft Graph Command Line Tools",
    ),
    (
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "Microsoft Azure CLI",
    ),
    (
        "1950a258-227b-4e31-a9cf-717495945fc2",
        "Microsoft Azure PowerShell",
    ),
    ("de8bc8b5-d9f9-48b1-a8ad-b748da725064", "Graph Explorer"),
];

/// Microsoft Graph delegated scopes a first-party client is pre-authorized for in Entra: its
/// delegated Graph tokens carry them with no consent record, so `az login` as a user and then
/// `az ad …` needs no consent. Microsoft Graph Command Line Tools and Graph Explorer are not
/// pre-authorized: they ask for consent, as in Entra. Sources (README, D48): the `scp` of
/// tokens Entra issues to Azure CLI (`AuditLog.Read.All Directory.AccessAsUser.All email
/// Group.ReadWrite.All openid profile User.ReadWrite.All`, recorded in public scripts that
/// decode them); for Azure PowerShell, the scopes Microsoft's own CSS-Exchange scripts request
/// with its client id in customers' tenants without a consent step
/// (`Shared/AzureFunctions/Get-GraphAccessToken.ps1`).
pub const PREAUTHORIZED_GRAPH_SCOPES: &[(&str, &[&str])] = &[
    (
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        &[
            "AuditLog.Read.All",
            "Directory.AccessAsUser.All",
            "email",
            "Group.ReadWrite.All",
            "openid",
            "profile",
            "User.ReadWrite.All",
        ],
    ),
    (
        "1950a258-227b-4e31-a9cf-717495945fc2",
        &[
            "AuditLog.Read.All",
            "Directory.AccessAsUser.All",
            "email",
            "openid",
            "profile",
        ],
    ),
];

/// The Graph scopes `client_app_id` is pre-authorized for (none for most clients).
pub fn preauthorized_graph_scopes(client_app_id: &str) -> &'static [&'static str] {
    PREAUTHORIZED_GRAPH_SCOPES
        .iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(client_app_id))
        .map_or(&[], |(_, scopes)| scopes)
}

/// A stable object id for a built-in service principal of `tenant`: SHA-256 of both, shaped
/// as a version-4 GUID.
pub fn derived_id(tenant: &str, app_id: &str) -> String {
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        format!("{tenant}/{app_id}").as_bytes(),
    );
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest.as_ref()[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// The Microsoft Graph service principal's object id in `tenant`.
pub fn graph_sp_id(tenant: &str) -> String {
    derived_id(tenant, GRAPH_APP_ID)
}

fn graph_data() -> Value {
    let app_roles: Vec<Value> = graph_permissions::APPLICATION
        .iter()
        .map(|p| {
            json!({
                "allowedMemberTypes": ["Application"],
                "description": p.description,
                "displayName": p.display_name,
                "id": p.id,
                "isEnabled": true,
                "origin": "Application",
                "value": p.value,
            })
        })
        .collect();
    let scopes: Vec<Value> = graph_permissions::DELEGATED
        .iter()
        .map(|p| {
            json!({
                "adminConsentDescription": p.description,
                "adminConsentDisplayName": p.display_name,
                "id": p.id,
                "isEnabled": true,
                "type": if p.admin_consent_required { "Admin" } else { "User" },
                "userConsentDescription": p.description,
                "userConsentDisplayName": p.display_name,
                "value": p.value,
            })
        })
        .collect();
    json!({
        "accountEnabled": true,
        "appDisplayName": "Microsoft Graph",
        "appId": GRAPH_APP_ID,
        "appOwnerOrganizationId": MICROSOFT_TENANT,
        "appRoles": app_roles,
        "displayName": "Microsoft Graph",
        "oauth2PermissionScopes": scopes,
        "publisherName": "Microsoft Services",
        "servicePrincipalNames": ["https://canary.graph.microsoft.com", "https://graph.microsoft.com", GRAPH_APP_ID],
        "servicePrincipalType": "Application",
        "tags": [],
    })
}

fn first_party(app_id: &str, name: &str) -> Value {
    json!({
        "accountEnabled": true,
        "appDisplayName": name,
        "appId": app_id,
        "appOwnerOrganizationId": MICROSOFT_TENANT,
        "appRoles": [],
        "displayName": name,
        "oauth2PermissionScopes": [],
        "publisherName": "Microsoft Services",
        "servicePrincipalNames": [app_id],
        "servicePrincipalType": "Application",
        "tags": [],
    })
}

/// A built-in service principal's Graph JSON, rendered once: the same in every tenant, and
/// Microsoft Graph's (hundreds of app roles and scopes) was built anew for each tenant load,
/// 12 % of a default-fixture reset's samples.
struct Builtin {
    app_id: &'static str,
    display_name: String,
    data: String,
    /// A public client also gets an application row (loopback redirect URIs).
    public_client: bool,
}

static BUILTINS: std::sync::LazyLock<Vec<Builtin>> = std::sync::LazyLock::new(|| {
    let mut portal = first_party(PORTAL_APP_ID, "ADIbizaUX");
    portal["servicePrincipalNames"] = json!([PORTAL_APP_ID, "https://main.iam.ad.ext.azure.com"]);
    let builtin = |app_id, data: Value, public_client| Builtin {
        app_id,
        display_name: data["displayName"].as_str().unwrap_or_default().to_owned(),
        data: data.to_string(),
        public_client,
    };
    let mut builtins = vec![
        builtin(GRAPH_APP_ID, graph_data(), false),
        builtin(PORTAL_APP_ID, portal, false),
    ];
    builtins.extend(
        PUBLIC_CLIENTS
            .iter()
            .map(|&(app_id, name)| builtin(app_id, first_party(app_id, name), true)),
    );
    builtins
});

/// Public clients: any loopback redirect URI (RFC 8252), plus the native-client page.
const PUBLIC_CLIENT_REDIRECTS: &str =
    r#"["http://localhost","https://login.microsoftonline.com/common/oauth2/nativeclient"]"#;

/// Builds the built-ins' JSON (Microsoft Graph's service principal alone is most of 1 ms), so
/// that start-up can do it on another thread while the database opens.
pub fn prepare() {
    std::sync::LazyLock::force(&BUILTINS);
}

/// Queues the built-in service principals of a new tenant.
pub fn insert_builtins(rows: &mut NewRows, tenant: &str) {
    for builtin in BUILTINS.iter() {
        let id = derived_id(tenant, builtin.app_id);
        rows.object(&ObjectWrite {
            id: &id,
            kind: Kind::ServicePrincipal,
            display_name: Some(&builtin.display_name),
            user_principal_name: None,
            app_id: Some(builtin.app_id),
            data: &builtin.data,
        });
        if builtin.public_client {
            rows.application(builtin.app_id, &id, true, PUBLIC_CLIENT_REDIRECTS);
        }
    }
}

/// Whether an object id is one of the built-ins of `tenant` (left out of snapshots).
pub fn is_builtin(tenant: &str, id: &str) -> bool {
    [GRAPH_APP_ID, PORTAL_APP_ID]
        .iter()
        .chain(PUBLIC_CLIENTS.iter().map(|(a, _)| a))
        .any(|app| derived_id(tenant, app) == id)
}
