//! LinkedIn account connections: the tenant setting, each user's connection (consent) state,
//! and the profile-card decision with its explanation. No HTTP here: the portal API, Graph and
//! tenantsim's own endpoints and pages all call these functions, so they always agree.
//! See <https://learn.microsoft.com/entra/identity/users/linkedin-integration> and
//! <https://learn.microsoft.com/entra/identity/users/linkedin-user-consent>.

pub mod decision;
pub mod settings;

use serde::Serialize;
use sqlx::SqliteConnection;

use crate::store::load::NewRows;
use crate::store::{self, apps::GrantRow};
use crate::{builtin, consent};

/// tenantsim's side of the LinkedIn connection: where the LinkedIn app's sign-in comes back.
/// Registered on `localhost`, it stands for the same path on whatever origin the browser
/// reaches tenantsim by (a public URL, the proxy's Microsoft host names).
pub const CALLBACK_PATH: &str = "/_tenantsim/linkedin/callback";

pub use settings::LinkedInSettings;

/// A user's LinkedIn connection, in the states of the unpublished LinkedIn management API
/// (graph-contract §11.1). tenantsim uses four of them:
/// - `Unbound`: no consent (no grant to the LinkedIn app);
/// - `Bound`: the user consented and the LinkedIn side accepted: the connected view;
/// - `MicrosoftBound`: the Microsoft side consented (the grant exists) but the LinkedIn side
///   has not accepted yet;
/// - `OptOut`: the user switched LinkedIn features off.
// Divergence: which direction `LinkedInBound`/`MicrosoftBound` name, and what `DisableBound`
// means, is not public (graph-contract D8); tenantsim does not use `LinkedInBound`/`DisableBound`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConnectionState {
    Unbound,
    Bound,
    MicrosoftBound,
    OptOut,
}

/// The LinkedIn service principal's object id in `tenant`.
pub fn service_principal_id(tenant: &str, settings: &LinkedInSettings) -> String {
    builtin::derived_id(tenant, settings.app_id())
}

/// The id of `user`'s grant to the LinkedIn app (to Microsoft Graph).
pub fn grant_id(tenant: &str, settings: &LinkedInSettings, user: &str) -> Option<String> {
    consent::grant_id(
        &service_principal_id(tenant, settings),
        &builtin::graph_sp_id(tenant),
        Some(user),
    )
}

/// A user's connection state and, when they consented, their grant.
pub async fn connection(
    conn: &mut SqliteConnection,
    tenant: &str,
    settings: &LinkedInSettings,
    user: &str,
) -> sqlx::Result<(ConnectionState, Option<GrantRow>)> {
    let grant = match grant_id(tenant, settings, user) {
        Some(id) => store::apps::get_grant(conn, tenant, &id).await?,
        None => None,
    };
    let (opt_out, linkedin_side) = store::linkedin::user_state(conn, tenant, user).await?;
    let state = ConnectionState::of(grant.is_some(), opt_out, &linkedin_side);
    Ok((state, grant))
}

impl ConnectionState {
    /// The state of a user who has (or has not) consented and made these choices.
    pub fn of(consented: bool, opt_out: bool, linkedin_side: &str) -> Self {
        match (consented, opt_out) {
            (_, true) => Self::OptOut,
            (true, false) if linkedin_side == "accepted" => Self::Bound,
            (true, false) => Self::MicrosoftBound,
            (false, false) => Self::Unbound,
        }
    }
}

/// Inserts the LinkedIn service principal of a new tenant, registered as a public client whose
/// redirect URIs are tenantsim's own connect callback on any loopback origin.
pub fn insert_service_principal(
    rows: &mut NewRows,
    tenant: &str,
    settings: &LinkedInSettings,
) -> String {
    let app_id = settings.app_id();
    let id = service_principal_id(tenant, settings);
    let data = serde_json::json!({
        "accountEnabled": true,
        "appDisplayName": "LinkedIn",
        "appId": app_id,
        "appOwnerOrganizationId": builtin::MICROSOFT_TENANT,
        "appRoles": [],
        "displayName": "LinkedIn",
        "homepage": "https://www.linkedin.com",
        "oauth2PermissionScopes": [],
        "publisherName": "LinkedIn",
        "servicePrincipalNames": [app_id],
        "servicePrincipalType": "Application",
        "tags": ["tenantsim: placeholder appId, not the real LinkedIn application"],
    })
    .to_string();
    let write = store::objects::ObjectWrite {
        id: &id,
        kind: store::objects::Kind::ServicePrincipal,
        display_name: Some("LinkedIn"),
        user_principal_name: None,
        app_id: Some(app_id),
        data: &data,
    };
    rows.object(&write);
    let redirects = serde_json::json!([
        format!("http://localhost{CALLBACK_PATH}"),
        format!("https://localhost{CALLBACK_PATH}")
    ]);
    rows.application(app_id, &id, true, &redirects.to_string());
    id
}
