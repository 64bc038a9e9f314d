//! The token endpoint, v2 (`scope`) and v1 (`resource`): client credentials, resource-owner
//! password, authorization code with PKCE, refresh token and device code.
//! See <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow>,
//! v2-oauth-ropc, v2-oauth2-auth-code-flow and v2-oauth2-device-code.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sqlx::SqliteConnection;

use super::error::{AadError, AadResult};
use super::flows::{DEVICE_LIFETIME_SECONDS, DEVICE_POLL_INTERVAL_SECONDS, Redeem};
use super::issue::{self, UserTokens};
use super::scopes::{self, ScopeRequest};
use super::{Form, TenantSegment, clients, resolve_segment, spa};
use crate::fixtures::password_matches;
use crate::protocol::cloud::HostCloud;
use crate::protocol::wire::{Origin, origin_of};
use crate::state::AppState;
use crate::store::{self, apps::ApplicationRow, objects::ObjectRow, tenants::TenantRow};

/// Which token endpoint was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    V2,
    V1,
}

/// GET on a token endpoint: Entra's AADSTS900561.
// Divergence (D45): Entra shows a browser this error on an HTML page; tenantsim always answers
// the JSON body a client parses.
pub async fn get_refused() -> Response {
    AadError::invalid_request(
        900561,
        "The endpoint only accepts POST requests. Received a GET request.",
    )
    .into_response()
}

/// POST /{tenant}/oauth2/v2.0/token
pub async fn token_v2(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    parts: Parts,
    form: Form,
) -> Response {
    respond(token(&state, &tenant, &parts, &form, Endpoint::V2).await)
}

/// POST /{tenant}/oauth2/token (v1: `resource` instead of `scope`).
pub async fn token_v1(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    parts: Parts,
    form: Form,
) -> Response {
    respond(token(&state, &tenant, &parts, &form, Endpoint::V1).await)
}

fn respond(result: AadResult<Value>) -> Response {
    match result {
        Ok(body) => {
            let mut response = Json(body).into_response();
            response.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store, no-cache"),
            );
            response
        }
        Err(err) => err.into_response(),
    }
}

struct Call<'a> {
    state: &'a AppState,
    segment: TenantSegment,
    headers: &'a HeaderMap,
    form: &'a Form,
    origin: Origin,
    token_url: String,
    endpoint: Endpoint,
}

impl Call<'_> {
    fn now(&self) -> i64 {
        self.state.clock.unix()
    }

    /// The `scope` parameter, or for v1 the `resource` turned into `{resource}/.default`.
    fn scope(&self) -> String {
        match self.endpoint {
            Endpoint::V2 => self.form.get("scope").unwrap_or_default().to_owned(),
            Endpoint::V1 => {
                let resource = self
                    .form
                    .get("resource")
                    .unwrap_or("https://graph.microsoft.com");
                let extra = self.form.get("scope").unwrap_or("openid");
                format!("{resource}/.default {extra}")
            }
        }
    }

    fn origin_host(&self) -> Option<&str> {
        self.origin.0.split("://").nth(1)
    }

    fn issuer_v2(&self, tenant: &str) -> String {
        format!("{}/{tenant}/v2.0", self.origin.0)
    }

    /// Authenticates the client of a grant that was issued to `issued_to` (a code, a refresh
    /// token); another client gets AADSTS70000.
    async fn client_of_grant(
        &self,
        conn: &mut SqliteConnection,
        tenant: &TenantRow,
        issued_to: &str,
        mismatch: &'static str,
    ) -> AadResult<ApplicationRow> {
        let client = clients::authenticate(
            conn,
            &tenant.id,
            self.form,
            self.headers,
            &self.token_url,
            self.now(),
            false,
        )
        .await?;
        if !client.app_id.eq_ignore_ascii_case(issued_to) {
            return Err(AadError::invalid_grant(70000, mismatch));
        }
        Ok(client)
    }

    /// A specific tenant; the multi-tenant segments are refused for this grant.
    fn tenant(&self, grant: &str) -> AadResult<&TenantRow> {
        match &self.segment {
            TenantSegment::Tenant(tenant) => Ok(tenant),
            TenantSegment::Common(name) => Err(AadError::invalid_request(
                90002,
                format!(
                    "Tenant '{name}' not found. The {grant} grant needs a tenant-specific endpoint: use the tenant id or a verified domain instead of '{name}'."
                ),
            )),
        }
    }
}

async fn token(
    state: &AppState,
    tenant: &str,
    parts: &Parts,
    form: &Form,
    endpoint: Endpoint,
) -> AadResult<Value> {
    let segment = resolve_segment(state, tenant, HostCloud::of(parts)).await?;
    let origin = origin_of(parts, &state.settings);
    let token_url = format!("{}{}", origin.0, parts.uri.path());
    let call = Call {
        state,
        segment,
        headers: &parts.headers,
        form,
        origin,
        token_url,
        endpoint,
    };
    let grant = form
        .get("grant_type")
        .ok_or_else(|| AadError::missing("grant_type"))?;
    // Only a single-page app's code and refresh token are redeemed from a browser (checked
    // with the grant); every other grant cross-origin is refused before it is looked at.
    if let Some(origin) = spa::origin(&parts.headers)
        && !matches!(grant, "authorization_code" | "refresh_token")
    {
        return Err(spa::cross_origin_refused(origin));
    }
    let mut conn = state.db.pool.acquire().await?;
    match grant {
        "client_credentials" => client_credentials(&call, &mut conn).await,
        "password" => password(&call, &mut conn).await,
        "authorization_code" => authorization_code(&call, &mut conn).await,
        "refresh_token" => refresh_token(&call, &mut conn).await,
        "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => {
            device_code(&call, &mut conn).await
        }
        other => Err(AadError::new(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    }
}

async fn client_credentials(call: &Call<'_>, conn: &mut SqliteConnection) -> AadResult<Value> {
    let tenant = call.tenant("client_credentials")?;
    let client = clients::authenticate(
        conn,
        &tenant.id,
        call.form,
        call.headers,
        &call.token_url,
        call.now(),
        true,
    )
    .await?;
    let raw = call.scope();
    if raw.trim().is_empty() {
        return Err(AadError::invalid_request(
            900144,
            "The request body must contain the following parameter: 'scope'.",
        ));
    }
    let scopes = scopes::parse(&raw, call.origin_host())?;
    if !scopes.default
        || !scopes
            .oidc
            .iter()
            .all(|s| call.endpoint == Endpoint::V1 && s == "openid")
    {
        return Err(AadError::invalid_scope(
            1002012,
            format!(
                "The provided value for scope {raw} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        ));
    }
    let mut body = issue::app_token(call.state, conn, tenant, &client, &scopes).await?;
    v1_fields(call, &scopes, &mut body);
    Ok(body)
}

/// The v1 endpoint adds `resource`, `expires_on` and `not_before` (as strings).
fn v1_fields(call: &Call<'_>, scopes: &ScopeRequest, body: &mut Value) {
    if call.endpoint == Endpoint::V1 {
        let now = call.now();
        body["resource"] = json!(call.form.get("resource").unwrap_or(&scopes.audience));
        body["expires_on"] =
            json!((now + crate::auth::token::DEFAULT_LIFETIME_SECONDS).to_string());
        body["not_before"] = json!(now.to_string());
        body["expires_in"] = json!(crate::auth::token::DEFAULT_LIFETIME_SECONDS.to_string());
        body["ext_expires_in"] = json!(crate::auth::token::DEFAULT_LIFETIME_SECONDS.to_string());
    }
}

/// Checks a user can sign in: present, enabled, and (for ROPC) the right password.
pub async fn sign_in_user(
    conn: &mut SqliteConnection,
    tenant: &TenantRow,
    username: &str,
    password: Option<&str>,
) -> AadResult<ObjectRow> {
    let user = store::objects::get_user(conn, &tenant.id, username).await?.ok_or_else(|| {
        AadError::invalid_grant(
            50034,
            format!(
                "The user account {{EmailHidden}} does not exist in the {} directory. To sign into this application, the account must be added to the directory.",
                tenant.id
            ),
        )
    })?;
    if let Some(password) = password {
        let digest = store::objects::secret(conn, &tenant.id, &user.id).await?;
        if !digest.is_some_and(|d| password_matches(password, &d)) {
            return Err(AadError::invalid_grant(
                50126,
                "Error validating credentials due to invalid username or password.",
            ));
        }
    }
    let data: Value = serde_json::from_str(&user.data).unwrap_or_default();
    if data.get("accountEnabled") == Some(&Value::Bool(false)) {
        return Err(AadError::invalid_grant(
            50057,
            "The user account is disabled.",
        ));
    }
    Ok(user)
}

/// What the redeemed grant adds to a user token response.
#[derive(Default)]
struct Redemption {
    /// The `nonce` of the authorization request, for the id token.
    nonce: Option<String>,
    /// A single-page app's code or refresh token.
    spa: bool,
}

async fn user_response(
    call: &Call<'_>,
    conn: &mut SqliteConnection,
    tenant: &TenantRow,
    client: &ApplicationRow,
    user: &ObjectRow,
    raw_scope: &str,
    redemption: Redemption,
) -> AadResult<Value> {
    let Redemption { nonce, spa } = redemption;
    let scopes = scopes::parse(raw_scope, call.origin_host())?;
    let input = UserTokens {
        tenant,
        client,
        user,
        scopes: &scopes,
        raw_scope,
        nonce,
        issuer_v2: call.issuer_v2(&tenant.id),
        client_info: call.form.get("client_info") == Some("1"),
        spa,
    };
    let mut body = issue::user_tokens(call.state, conn, input).await?;
    v1_fields(call, &scopes, &mut body);
    Ok(body)
}

async fn password(call: &Call<'_>, conn: &mut SqliteConnection) -> AadResult<Value> {
    let username = call
        .form
        .get("username")
        .ok_or_else(|| AadError::missing("username"))?;
    let password = call
        .form
        .get("password")
        .ok_or_else(|| AadError::missing("password"))?;
    // ROPC is refused on /common and /consumers; /organizations finds the tenant by domain.
    let tenant = match &call.segment {
        TenantSegment::Common(name) if name == "organizations" => {
            let domain = username
                .rsplit_once('@')
                .map(|(_, d)| d)
                .unwrap_or_default();
            store::tenants::resolve_tenant(conn, domain)
                .await?
                .ok_or_else(|| AadError::unknown_tenant(domain))?
        }
        _ => call.tenant("password")?.clone(),
    };
    let client = clients::authenticate(
        conn,
        &tenant.id,
        call.form,
        call.headers,
        &call.token_url,
        call.now(),
        false,
    )
    .await?;
    let user = sign_in_user(conn, &tenant, username, Some(password)).await?;
    user_response(
        call,
        conn,
        &tenant,
        &client,
        &user,
        &call.scope(),
        Redemption::default(),
    )
    .await
}

/// RFC 7636: `BASE64URL(SHA256(verifier)) == challenge` for S256, equality for `plain`.
pub fn pkce_matches(verifier: &str, challenge: &str, method: Option<&str>) -> bool {
    match method.unwrap_or("plain") {
        m if m.eq_ignore_ascii_case("S256") => {
            let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
            URL_SAFE_NO_PAD.encode(digest.as_ref()) == challenge
        }
        _ => verifier == challenge,
    }
}

async fn authorization_code(call: &Call<'_>, conn: &mut SqliteConnection) -> AadResult<Value> {
    let value = call
        .form
        .get("code")
        .ok_or_else(|| AadError::missing("code"))?;
    let code = match call.state.flows.redeem_code(value, call.now()) {
        Redeem::Ready(code) => code,
        Redeem::AlreadyRedeemed => {
            return Err(AadError::invalid_grant(
                54005,
                "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
            ));
        }
        Redeem::Expired => {
            return Err(AadError::invalid_grant(
                70008,
                "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
            ));
        }
        _ => {
            return Err(AadError::invalid_grant(
                9002313,
                "Invalid request. Request is malformed or invalid.",
            ));
        }
    };
    let tenant = store::tenants::resolve_tenant(conn, &code.tenant)
        .await?
        .ok_or_else(|| AadError::unknown_tenant(&code.tenant))?;
    // A code is redeemed at its own tenant's endpoint (or a multi-tenant one).
    if let TenantSegment::Tenant(named) = &call.segment
        && named.id != tenant.id
    {
        return Err(AadError::invalid_grant(
            9002313,
            "Invalid request. Request is malformed or invalid.",
        ));
    }
    let spa =
        spa::is_spa_redirect(conn, &tenant.id, &code.client_app_id, &code.redirect_uri).await?;
    spa::check_origin(call.headers, spa)?;
    let mismatch = "The provided authorization code was issued to a different client.";
    let client = if spa {
        spa::client(conn, &tenant.id, call.form, &code.client_app_id, mismatch).await?
    } else {
        call.client_of_grant(conn, &tenant, &code.client_app_id, mismatch)
            .await?
    };
    if call
        .form
        .get("redirect_uri")
        .is_some_and(|r| r != code.redirect_uri)
    {
        return Err(AadError::invalid_grant(
            500112,
            "The reply address does not match the reply address provided when requesting the authorization code.",
        ));
    }
    if let Some(challenge) = &code.code_challenge {
        let verifier = call
            .form
            .get("code_verifier")
            .ok_or_else(|| AadError::missing("code_verifier"))?;
        if !pkce_matches(verifier, challenge, code.code_challenge_method.as_deref()) {
            return Err(AadError::invalid_grant(
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            ));
        }
    }
    let user = store::objects::get_user(conn, &tenant.id, &code.user_id)
        .await?
        .ok_or_else(|| AadError::invalid_grant(50034, "The user account no longer exists."))?;
    let scope = call
        .form
        .get("scope")
        .map(str::to_owned)
        .unwrap_or(code.scope.clone());
    user_response(
        call,
        conn,
        &tenant,
        &client,
        &user,
        &scope,
        Redemption {
            nonce: code.nonce.clone(),
            spa,
        },
    )
    .await
}

async fn refresh_token(call: &Call<'_>, conn: &mut SqliteConnection) -> AadResult<Value> {
    let value = call
        .form
        .get("refresh_token")
        .ok_or_else(|| AadError::missing("refresh_token"))?;
    let claims = issue::read_refresh_token(call.state, value)?;
    if let TenantSegment::Tenant(tenant) = &call.segment
        && tenant.id != claims.tid
    {
        return Err(AadError::invalid_grant(
            9002313,
            "Invalid request. Request is malformed or invalid.",
        ));
    }
    let tenant = store::tenants::resolve_tenant(conn, &claims.tid)
        .await?
        .ok_or_else(|| AadError::unknown_tenant(&claims.tid))?;
    spa::check_origin(call.headers, claims.spa)?;
    let mismatch = "Provided grant is invalid or malformed. The refresh token was issued to a different client.";
    let client = if claims.spa {
        spa::client(conn, &tenant.id, call.form, &claims.azp, mismatch).await?
    } else {
        call.client_of_grant(conn, &tenant, &claims.azp, mismatch)
            .await?
    };
    let user = sign_in_user(conn, &tenant, &claims.oid, None).await?;
    let scope = call
        .form
        .get("scope")
        .map(str::to_owned)
        .unwrap_or(claims.scope.clone());
    let redemption = Redemption {
        nonce: None,
        spa: claims.spa,
    };
    user_response(call, conn, &tenant, &client, &user, &scope, redemption).await
}

async fn device_code(call: &Call<'_>, conn: &mut SqliteConnection) -> AadResult<Value> {
    let value = call
        .form
        .get("device_code")
        .or(call.form.get("code"))
        .ok_or_else(|| AadError::missing("device_code"))?;
    let client_id = clients::client_id(call.form, call.headers);
    let flow = match call
        .state
        .flows
        .poll_device_for(value, client_id.as_deref(), call.now())
    {
        Redeem::Ready(flow) => flow,
        Redeem::Pending => {
            return Err(AadError::new(
                "authorization_pending",
                70016,
                "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
            ));
        }
        Redeem::Expired => {
            return Err(AadError::new(
                "expired_token",
                70020,
                "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
            ));
        }
        Redeem::Denied => {
            return Err(AadError::new(
                "authorization_declined",
                70019,
                "The user declined the sign-in request.",
            ));
        }
        _ => {
            return Err(AadError::invalid_grant(
                70019,
                "The provided value for the input parameter 'device_code' is not valid.",
            ));
        }
    };
    let super::flows::DeviceState::Approved { tenant, user_id } = &flow.state else {
        return Err(AadError::invalid_grant(
            70019,
            "The device flow was not approved.",
        ));
    };
    let tenant = store::tenants::resolve_tenant(conn, tenant)
        .await?
        .ok_or_else(|| AadError::unknown_tenant(tenant))?;
    let client = clients::authenticate(
        conn,
        &tenant.id,
        call.form,
        call.headers,
        &call.token_url,
        call.now(),
        false,
    )
    .await?;
    // Only the client that started the flow may redeem it.
    if !client.app_id.eq_ignore_ascii_case(&flow.client_app_id) {
        return Err(AadError::invalid_grant(
            70000,
            "Provided grant is invalid or malformed. The device code was issued to a different client.",
        ));
    }
    let user = sign_in_user(conn, &tenant, user_id, None).await?;
    user_response(
        call,
        conn,
        &tenant,
        &client,
        &user,
        &flow.scope,
        Redemption::default(),
    )
    .await
}

/// POST /{tenant}/oauth2/v2.0/devicecode — starts a device-code flow.
pub async fn device_authorization(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    parts: Parts,
    form: Form,
) -> Response {
    let result: AadResult<Value> = async {
        let segment = resolve_segment(&state, &tenant, HostCloud::of(&parts)).await?;
        let client_id = clients::client_id(&form, &parts.headers).ok_or_else(|| AadError::missing("client_id"))?;
        let scope = form.get("scope").unwrap_or("openid profile offline_access").to_owned();
        let origin = origin_of(&parts, &state.settings);
        scopes::parse(&scope, origin.0.split("://").nth(1))?;
        let mut conn = state.db.pool.acquire().await?;
        // Device codes on /common and /organizations belong to whichever tenant the user signs
        // in to; tenantsim binds them to the tenant named here or, on those segments, leaves
        // the choice to the device page.
        let tenant_id = match &segment {
            TenantSegment::Tenant(t) => {
                store::apps::get_application(&mut conn, &t.id, &client_id).await?.ok_or_else(|| clients::unknown_client(&client_id, &t.id))?;
                t.id.clone()
            }
            TenantSegment::Common(name) => name.clone(),
        };
        let (device_code, user_code) = state.flows.start_device(&tenant_id, &client_id, &scope, state.clock.unix());
        let verification_uri = format!("{}/devicelogin", origin.0);
        Ok(json!({
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": verification_uri,
            "expires_in": DEVICE_LIFETIME_SECONDS,
            "interval": DEVICE_POLL_INTERVAL_SECONDS,
            "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
        }))
    }
    .await;
    respond(result)
}

#[cfg(test)]
mod tests {
    use super::pkce_matches;

    #[test]
    fn pkce_s256_follows_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge, Some("S256")));
        assert!(!pkce_matches("wrong", challenge, Some("S256")));
        assert!(pkce_matches("same", "same", None));
    }
}
