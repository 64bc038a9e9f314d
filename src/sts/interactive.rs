//! The shared parts of the interactive flows: the session user, what still needs consent,
//! the sign-in and consent pages for a pending request, and finishing it with a code (or an
//! approved device flow) or an error. `steps` handles the posts.

use axum::http::StatusCode;
use axum::response::Response;
use sqlx::SqliteConnection;

use super::authorize::{Reply, page_error};
use super::error::{AadError, AadResult};
use super::flows::{
    AuthorizationCode, CODE_LIFETIME_SECONDS, DeviceState, PendingKind, PendingSignIn,
};
use super::scopes::{self, ScopeRequest};
use super::{issue, pages, token};
use crate::state::AppState;
use crate::store::objects::{Kind, ListQuery, Order, Scope};
use crate::store::{self, apps::ApplicationRow, tenants::TenantRow};
use crate::{builtin, consent, graph_permissions};

/// What every step needs besides the database.
pub struct Ctx<'a> {
    pub state: &'a AppState,
    /// `host:port` of the request, for scopes that name tenantsim itself.
    pub origin_host: Option<String>,
    /// Whether the browser came in over https (the cookie is then `Secure`).
    pub secure: bool,
}

pub(super) fn is_multi_tenant(tenant: &str) -> bool {
    ["common", "organizations", "consumers"].contains(&tenant)
}

pub(super) fn action_path(pending: &PendingSignIn) -> String {
    match &pending.kind {
        PendingKind::Authorize { path, .. } => path.clone(),
        PendingKind::Device { .. } => "/devicelogin".to_owned(),
    }
}

/// The signed-in user this browser session offers for `pending`: the tenant's user, or on
/// `common` the only one (or the one `login_hint` names). Disabled or deleted users and a user
/// other than `login_hint` do not count.
pub async fn session_user(
    state: &AppState,
    conn: &mut SqliteConnection,
    session: &str,
    pending: &PendingSignIn,
) -> AadResult<Option<(String, String)>> {
    let now = state.clock.unix();
    let candidates: Vec<(String, String)> = if is_multi_tenant(&pending.tenant) {
        state.flows.session_users(session, now)
    } else {
        state
            .flows
            .session_user(session, &pending.tenant, now)
            .map(|u| vec![(pending.tenant.clone(), u)])
            .unwrap_or_default()
    };
    let mut found = Vec::new();
    for (tenant_id, user_id) in candidates {
        let Some(tenant) = store::tenants::resolve_tenant(conn, &tenant_id).await? else {
            continue;
        };
        let Ok(user) = token::sign_in_user(conn, &tenant, &user_id, None).await else {
            continue;
        };
        let upn = user.user_principal_name.unwrap_or_default();
        if pending
            .login_hint
            .as_deref()
            .is_none_or(|h| h.eq_ignore_ascii_case(&upn))
        {
            found.push((tenant.id, user.id));
        }
    }
    Ok(if found.len() == 1 { found.pop() } else { None })
}

/// What the user has not consented to yet.
pub(super) struct Needs {
    pub(super) scopes: ScopeRequest,
    pub(super) resource_sp: String,
    /// Requested permissions not in the user's (or the tenant-wide) grants.
    pub(super) missing: Vec<String>,
    pub(super) needed: bool,
}

pub(super) async fn consent_needs(
    ctx: &Ctx<'_>,
    conn: &mut SqliteConnection,
    tenant: &str,
    app: &ApplicationRow,
    user: &str,
    scope: &str,
) -> AadResult<Needs> {
    let scopes = scopes::parse(scope, ctx.origin_host.as_deref())?;
    let resource_sp = builtin::derived_id(tenant, &scopes.resource_app_id);
    let granted =
        consent::granted_scopes(conn, tenant, &app.service_principal_id, &resource_sp, user)
            .await?;
    let missing: Vec<String> = scopes
        .permissions
        .iter()
        .filter(|p| !granted.iter().any(|g| g.eq_ignore_ascii_case(p)))
        .cloned()
        .collect();
    let needed = !missing.is_empty() || (scopes.default && granted.is_empty());
    Ok(Needs {
        scopes,
        resource_sp,
        missing,
        needed,
    })
}

/// The tenant, client and user of a signed-in pending request.
pub(super) async fn parties(
    conn: &mut SqliteConnection,
    pending: &PendingSignIn,
) -> AadResult<(TenantRow, ApplicationRow, String)> {
    let (tenant_id, user_id) = pending
        .signed_in
        .clone()
        .ok_or_else(|| AadError::invalid_request(90023, "Sign in first."))?;
    let tenant = store::tenants::resolve_tenant(conn, &tenant_id)
        .await?
        .ok_or_else(|| AadError::unknown_tenant(&tenant_id))?;
    let app = store::apps::get_application(conn, &tenant.id, &pending.client_app_id)
        .await?
        .ok_or_else(|| super::clients::unknown_client(&pending.client_app_id, &tenant.id))?;
    let user = token::sign_in_user(conn, &tenant, &user_id, None).await?;
    Ok((tenant, app, user.user_principal_name.unwrap_or(user.id)))
}

pub(super) fn app_name(app: &ApplicationRow) -> &str {
    app.display_name.as_deref().unwrap_or(&app.app_id)
}

/// `prompt=none`: a code if a session user has consented to everything, else an error.
pub async fn silent(
    ctx: &Ctx<'_>,
    conn: &mut SqliteConnection,
    mut pending: PendingSignIn,
    remembered: Option<(String, String)>,
    ambiguous: bool,
    reply: &Reply,
) -> Response {
    let Some(signed_in) = remembered else {
        return if ambiguous {
            reply.error("interaction_required", 16000, "Either multiple user identities are available for the current request or selected account is not supported for the scenario.")
        } else {
            reply.error(
                "login_required",
                50058,
                "A silent sign-in request was sent but no user is signed in.",
            )
        };
    };
    pending.signed_in = Some(signed_in.clone());
    let result = async {
        let (tenant, app, _) = parties(conn, &pending).await?;
        let needs =
            consent_needs(ctx, conn, &tenant.id, &app, &signed_in.1, &pending.scope).await?;
        Ok::<_, AadError>((app, needs.needed))
    }
    .await;
    match result {
        Ok((app, false)) => complete(ctx, pending, &app),
        Ok((app, true)) => reply.error(
            "consent_required",
            65001,
            &issue::consent_required(&app).message,
        ),
        Err(err) => reply.error("interaction_required", err.code, &err.message),
    }
}

/// The sign-in page for a pending request.
pub async fn sign_in_page(
    conn: &mut SqliteConnection,
    id: &str,
    pending: &PendingSignIn,
    app: &ApplicationRow,
    error: Option<&str>,
) -> Response {
    let accounts = if is_multi_tenant(&pending.tenant) {
        None
    } else {
        let query = ListQuery {
            scope: Scope::All(Kind::User),
            kind: None,
            filter: None,
            search: None,
            order: Order::DisplayName { descending: false },
            after: None,
            limit: 999,
        };
        match store::objects::list_objects(conn, &pending.tenant, &query).await {
            Ok((rows, _)) => Some(
                rows.into_iter()
                    .map(|r| pages::Account {
                        upn: r.user_principal_name.unwrap_or_default(),
                        display_name: r.display_name.unwrap_or_default(),
                    })
                    .collect::<Vec<_>>(),
            ),
            Err(err) => return page_error(&AadError::internal(err)),
        }
    };
    pages::sign_in(&pages::SignIn {
        action: &action_path(pending),
        flow: id,
        app_name: app_name(app),
        accounts: accounts.as_deref(),
        login_hint: pending.login_hint.as_deref(),
        error,
    })
}

/// After sign-in: straight to the app if everything is consented, else the consent page.
pub async fn after_sign_in(
    ctx: &Ctx<'_>,
    conn: &mut SqliteConnection,
    id: &str,
    pending: PendingSignIn,
) -> Response {
    let result = async {
        let (tenant, app, upn) = parties(conn, &pending).await?;
        let user = pending
            .signed_in
            .clone()
            .map(|(_, u)| u)
            .unwrap_or_default();
        let needs = consent_needs(ctx, conn, &tenant.id, &app, &user, &pending.scope).await?;
        Ok::<_, AadError>((app, upn, needs))
    }
    .await;
    let (app, upn, needs) = match result {
        Ok(found) => found,
        Err(err) => return page_error(&err),
    };
    if !needs.needed && !pending.force_consent {
        return finish(ctx, id, &app);
    }
    let graph = needs
        .scopes
        .resource_app_id
        .eq_ignore_ascii_case(builtin::GRAPH_APP_ID);
    let shown: Vec<String> = if pending.force_consent {
        needs.scopes.permissions.clone()
    } else {
        needs.missing.clone()
    };
    let mut lines: Vec<pages::PermissionLine> = shown
        .iter()
        .chain(needs.scopes.oidc.iter())
        .map(|value| describe(value, graph))
        .collect();
    if lines.is_empty() {
        lines.push(describe("openid", true));
    }
    pages::consent(&action_path(&pending), id, app_name(&app), &upn, &lines)
}

/// A permission's display name and description, from Microsoft Graph's table.
fn describe(value: &str, graph: bool) -> pages::PermissionLine {
    let oidc = match value {
        "openid" => Some((
            "Sign you in",
            "Allows you to sign in to the app with your work or school account and allows the app to read your basic profile information.",
        )),
        "profile" => Some((
            "View your basic profile",
            "Allows the app to see your basic profile (e.g., name, picture, user name, email address).",
        )),
        "email" => Some((
            "View your email address",
            "Allows the app to read your primary email address.",
        )),
        "offline_access" => Some((
            "Maintain access to data you have given it access to",
            "Allows the app to see and update the data you gave it access to, even when you are not currently using the app.",
        )),
        _ => None,
    };
    if let Some(p) = graph
        .then(|| graph_permissions::delegated(value))
        .flatten()
        .filter(|p| p.display_name != p.value)
    {
        return pages::PermissionLine {
            value: value.to_owned(),
            display_name: p.display_name.trim().to_owned(),
            description: p.description.trim().to_owned(),
        };
    }
    match oidc {
        Some((name, description)) => pages::PermissionLine {
            value: value.to_owned(),
            display_name: name.to_owned(),
            description: description.to_owned(),
        },
        None => pages::PermissionLine {
            value: value.to_owned(),
            display_name: value.to_owned(),
            description: value.to_owned(),
        },
    }
}

/// Ends the pending request `id` (once) and completes it.
pub(super) fn finish(ctx: &Ctx<'_>, id: &str, app: &ApplicationRow) -> Response {
    match ctx.state.flows.take_pending(id, ctx.state.clock.unix()) {
        Some(pending) => complete(ctx, pending, app),
        None => expired(),
    }
}

pub(super) fn expired() -> Response {
    pages::error_page(
        StatusCode::BAD_REQUEST,
        90023,
        "The sign-in request is missing, has expired or was already completed. Go back to the application and sign in again.",
    )
}

/// A signed-in, consented request: a code to the redirect URI, or the device flow approved.
fn complete(ctx: &Ctx<'_>, pending: PendingSignIn, app: &ApplicationRow) -> Response {
    let Some((tenant, user_id)) = pending.signed_in else {
        return expired();
    };
    let now = ctx.state.clock.unix();
    match pending.kind {
        PendingKind::Authorize {
            redirect_uri,
            state,
            nonce,
            code_challenge,
            code_challenge_method,
            response_mode,
            ..
        } => {
            let reply = Reply {
                redirect_uri: redirect_uri.clone(),
                response_mode,
                state,
            };
            let code = AuthorizationCode {
                tenant,
                client_app_id: pending.client_app_id,
                user_id,
                scope: pending.scope,
                redirect_uri,
                code_challenge,
                code_challenge_method,
                nonce,
                expires_at: now + CODE_LIFETIME_SECONDS,
            };
            let value = ctx.state.flows.issue_code(code, now);
            reply.send(vec![
                ("code", value),
                ("session_state", uuid::Uuid::new_v4().to_string()),
            ])
        }
        PendingKind::Device { user_code } => {
            if !ctx
                .state
                .flows
                .settle_device(&user_code, DeviceState::Approved { tenant, user_id })
            {
                return expired();
            }
            pages::message_page(
                &format!("You have signed in to {}", app_name(app)),
                &format!(
                    "You have signed in to the {} application on your device. You may now close this window.",
                    app_name(app)
                ),
            )
        }
    }
}

/// The user turned the request down (Cancel, or back from "need admin approval").
pub(super) fn refuse(
    ctx: &Ctx<'_>,
    pending: PendingSignIn,
    error: &str,
    code: u32,
    message: &str,
) -> Response {
    match &pending.kind {
        PendingKind::Authorize { .. } => match Reply::of(&pending.kind) {
            Some(reply) => reply.error(error, code, message),
            None => expired(),
        },
        PendingKind::Device { user_code } => {
            ctx.state
                .flows
                .settle_device(user_code, DeviceState::Denied);
            pages::message_page(
                "Sign-in was not completed",
                &format!("AADSTS{code}: {message} You may now close this window."),
            )
        }
    }
}
