//! The posts of the sign-in, consent and device-code pages: `submit` dispatches one step of a
//! pending request (its id, posted as `flow`, is also the CSRF token).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use sqlx::SqliteConnection;

use super::authorize::{SESSION_COOKIE, find_client, page_error, session_cookie};
use super::error::AadError;
use super::flows::{PENDING_LIFETIME_SECONDS, PendingKind, PendingSignIn};
use super::interactive::{
    Ctx, action_path, after_sign_in, app_name, consent_needs, expired, finish, is_multi_tenant,
    parties, refuse, sign_in_page,
};
use super::scopes::OIDC_SCOPES;
use super::{Form, TenantSegment, issue, pages, token};
use crate::protocol::wire::origin_of;
use crate::state::AppState;
use crate::store;
use crate::{builtin, consent, roles};

/// GET /devicelogin
pub async fn device_login() -> Response {
    pages::device_code(None)
}

/// POST to the authorize paths or `/devicelogin`: one step of a pending sign-in.
pub async fn submit(State(state): State<AppState>, parts: Parts, body: Bytes) -> Response {
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let form = match std::str::from_utf8(&body)
        .ok()
        .filter(|_| is_form)
        .map(|t| crate::protocol::request::parse_pairs(Some(t)))
    {
        Some(Ok(pairs)) => Form(pairs),
        _ => {
            return pages::error_page(
                StatusCode::BAD_REQUEST,
                900144,
                "The request body must be an HTML form (application/x-www-form-urlencoded).",
            );
        }
    };
    let origin = origin_of(&parts, &state.settings);
    let ctx = Ctx {
        state: &state,
        origin_host: origin.0.split("://").nth(1).map(str::to_owned),
        secure: origin.0.starts_with("https://"),
    };
    let mut conn = match state.db.pool.acquire().await {
        Ok(conn) => conn,
        Err(err) => return page_error(&AadError::from(err)),
    };
    let now = state.clock.unix();
    let Some(id) = form.get("flow") else {
        return match form.get("otc") {
            Some(code) if parts.uri.path() == "/devicelogin" => {
                device_code_entered(&ctx, &mut conn, code).await
            }
            _ => expired(),
        };
    };
    let Some(pending) = state.flows.pending(id, now) else {
        return expired();
    };
    match form.get("step").unwrap_or_default() {
        "signin" => sign_in_step(&ctx, &mut conn, id, pending, &form, &parts).await,
        "accept" => accept_step(&ctx, &mut conn, id, pending).await,
        "cancel" => match state.flows.take_pending(id, now) {
            Some(pending) => refuse(
                &ctx,
                pending,
                "access_denied",
                65004,
                "User declined to consent to access the app.",
            ),
            None => expired(),
        },
        "decline" => {
            let message = match parties(&mut conn, &pending).await {
                Ok((_, app, _)) => issue::consent_required(&app).message,
                Err(err) => return page_error(&err),
            };
            match state.flows.take_pending(id, now) {
                Some(pending) => refuse(&ctx, pending, "consent_required", 65001, &message),
                None => expired(),
            }
        }
        _ => expired(),
    }
}

async fn device_code_entered(ctx: &Ctx<'_>, conn: &mut SqliteConnection, code: &str) -> Response {
    let now = ctx.state.clock.unix();
    let Some(flow) = ctx.state.flows.device_by_user_code(code, now) else {
        return pages::device_code(Some("That code didn't work. Check the code and try again."));
    };
    let segment = if is_multi_tenant(&flow.tenant) {
        Ok(TenantSegment::Common(flow.tenant.clone()))
    } else {
        match store::tenants::resolve_tenant(conn, &flow.tenant).await {
            Ok(Some(tenant)) => Ok(TenantSegment::Tenant(tenant)),
            Ok(None) => Err(AadError::unknown_tenant(&flow.tenant)),
            Err(err) => Err(err.into()),
        }
    };
    let app = match segment {
        Ok(segment) => find_client(conn, &segment, &flow.client_app_id).await,
        Err(err) => Err(err),
    };
    let app = match app {
        Ok(app) => app,
        Err(err) => return page_error(&err),
    };
    let pending = PendingSignIn {
        kind: PendingKind::Device {
            user_code: flow.user_code.clone(),
        },
        tenant: flow.tenant.clone(),
        client_app_id: flow.client_app_id.clone(),
        scope: flow.scope.clone(),
        login_hint: None,
        force_consent: false,
        signed_in: None,
        expires_at: now + PENDING_LIFETIME_SECONDS.min(flow.expires_at - now),
    };
    let id = ctx.state.flows.start_pending(pending.clone(), now);
    sign_in_page(conn, &id, &pending, &app, None).await
}

async fn sign_in_step(
    ctx: &Ctx<'_>,
    conn: &mut SqliteConnection,
    id: &str,
    mut pending: PendingSignIn,
    form: &Form,
    parts: &Parts,
) -> Response {
    let username = form
        .get("username")
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let password = form.get("password").filter(|p| !p.is_empty());
    let lookup = async {
        let key = if is_multi_tenant(&pending.tenant) {
            username
                .rsplit_once('@')
                .map(|(_, d)| d.to_owned())
                .unwrap_or_default()
        } else {
            pending.tenant.clone()
        };
        let tenant = store::tenants::resolve_tenant(conn, &key)
            .await?
            .ok_or_else(|| AadError::unknown_tenant(&key))?;
        let app = store::apps::get_application(conn, &tenant.id, &pending.client_app_id).await?;
        Ok::<_, AadError>((tenant, app))
    }
    .await;
    if username.is_empty() {
        return retry_sign_in(
            conn,
            id,
            &pending,
            "AADSTS900144: Enter a valid email address, phone number, or Skype name.".to_owned(),
        )
        .await;
    }
    let tenant = match lookup {
        Ok((tenant, Some(_))) => tenant,
        Ok((tenant, None)) => {
            return page_error(&super::clients::unknown_client(
                &pending.client_app_id,
                &tenant.id,
            ));
        }
        Err(err) => {
            return retry_sign_in(
                conn,
                id,
                &pending,
                format!("AADSTS{}: {}", err.code, err.message),
            )
            .await;
        }
    };
    let user = match token::sign_in_user(conn, &tenant, &username, password).await {
        Ok(user) => user,
        Err(err) => {
            return retry_sign_in(
                conn,
                id,
                &pending,
                format!("AADSTS{}: {}", err.code, err.message),
            )
            .await;
        }
    };
    let now = ctx.state.clock.unix();
    let session = ctx.state.flows.remember(
        session_cookie(&parts.headers).as_deref(),
        &tenant.id,
        &user.id,
        now,
    );
    pending.signed_in = Some((tenant.id.clone(), user.id.clone()));
    ctx.state.flows.update_pending(id, pending.clone());
    let mut response = after_sign_in(ctx, conn, id, pending).await;
    let secure = if ctx.secure { "; Secure" } else { "" };
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax{secure}"
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The sign-in page again, with an error; the client app as the request found it.
async fn retry_sign_in(
    conn: &mut SqliteConnection,
    id: &str,
    pending: &PendingSignIn,
    message: String,
) -> Response {
    let segment = if is_multi_tenant(&pending.tenant) {
        TenantSegment::Common(pending.tenant.clone())
    } else {
        match store::tenants::resolve_tenant(conn, &pending.tenant).await {
            Ok(Some(t)) => TenantSegment::Tenant(t),
            _ => return expired(),
        }
    };
    match find_client(conn, &segment, &pending.client_app_id).await {
        Ok(app) => sign_in_page(conn, id, pending, &app, Some(&message)).await,
        Err(err) => page_error(&err),
    }
}

async fn accept_step(
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
        let admin = store::members::roles_of(conn, &tenant.id, &user)
            .await?
            .iter()
            .any(|r| r == roles::GLOBAL_ADMINISTRATOR);
        let settings: Value = serde_json::from_str(&tenant.settings).unwrap_or_default();
        let graph = needs
            .scopes
            .resource_app_id
            .eq_ignore_ascii_case(builtin::GRAPH_APP_ID);
        // Divergence: under the "-low" policy the LinkedIn app counts as a verified publisher
        // whose scopes are low impact (graph-contract D18).
        let linkedin = crate::linkedin::LinkedInSettings::from_tenant(&tenant);
        let verified_publisher = app.app_id.eq_ignore_ascii_case(linkedin.app_id());
        let allowed = admin
            || consent::user_may_consent_to(&settings, &needs.missing, graph)
            || (verified_publisher
                && consent::user_may_consent_to_verified(&settings, &needs.missing, graph));
        if allowed {
            // Entra keeps the OpenID scopes in the user's grant too.
            let mut record = needs.missing.clone();
            record.extend(
                needs
                    .scopes
                    .oidc
                    .iter()
                    .filter(|s| OIDC_SCOPES.contains(&s.as_str()))
                    .cloned(),
            );
            if !record.is_empty() {
                let mut tx = ctx.state.db.begin_write().await?;
                consent::record_user_consent(
                    &mut tx,
                    &tenant.id,
                    &app.service_principal_id,
                    &needs.resource_sp,
                    &user,
                    &record,
                )
                .await
                .map_err(AadError::internal)?;
                tx.commit().await?;
            }
        }
        Ok::<_, AadError>((app, upn, allowed))
    }
    .await;
    match result {
        Ok((app, _, true)) => finish(ctx, id, &app),
        Ok((app, upn, false)) => {
            pages::admin_approval(&action_path(&pending), id, app_name(&app), &upn)
        }
        Err(err) => page_error(&err),
    }
}
