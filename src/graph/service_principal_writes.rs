//! Service principal writes: the write rules of the `servicePrincipals` declaration (create for
//! an application of the tenant, update, delete through `graph::resource`) and the upsert by
//! `appId` (`Prefer: create-if-missing`). See serviceprincipal-post-serviceprincipals,
//! serviceprincipal-upsert, serviceprincipal-update and serviceprincipal-delete. Reads stay in
//! `service_principals`. A new service principal registers its application at the token
//! endpoint (the `applications` table), so the app's secrets start working.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::applications::create_if_missing;
use super::resource::{self, DirectoryResource, WritableResource, Write};
use super::service_principals::{READ_ONLY, ServicePrincipals, alternate_key, app_id_of};
use crate::app_objects;
use crate::auth::{Caller, permissions};
use crate::error::{ErrorCode, GraphError, Result};
use crate::protocol::request::{JsonObject, typed};
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, objects::Kind, objects::ObjectRow, objects::ObjectWrite};

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
        .route(
            "/servicePrincipals",
            post(resource::create::<ServicePrincipals>),
        )
        .route(
            "/servicePrincipals/{sp}",
            patch(resource::update::<ServicePrincipals>)
                .delete(resource::delete::<ServicePrincipals>),
        )
        .route(
            "/servicePrincipals(appId={key}",
            patch(upsert_by_app_id).delete(delete_by_app_id),
        )
}

/// serviceprincipal-post-serviceprincipals, serviceprincipal-update and serviceprincipal-delete.
impl WritableResource for ServicePrincipals {
    const CREATE: &'static permissions::Permission = &permissions::SERVICE_PRINCIPALS_WRITE;
    const UPDATE: &'static permissions::Permission = &permissions::SERVICE_PRINCIPALS_WRITE;
    const DELETE: &'static permissions::Permission = &permissions::SERVICE_PRINCIPALS_WRITE;

    /// `appId` names an application of the tenant: 400 `NoBackingApplicationObject` for
    /// another appId; 409 when the application has one already.
    async fn create(
        write: &mut Write<'_>,
        body: Map<String, Value>,
    ) -> Result<(String, Map<String, Value>)> {
        let body = checked_body(body)?;
        let app_id = match body.get("appId") {
            Some(Value::String(app_id)) if !app_id.trim().is_empty() => app_id.clone(),
            _ => {
                return Err(GraphError::request_bad_request(
                    "Invalid value specified for property 'appId' of resource 'ServicePrincipal'.",
                ));
            }
        };
        create(write, &app_id, body).await
    }

    fn checked_patch(patch: Map<String, Value>) -> Result<Map<String, Value>> {
        checked_body(patch)
    }

    /// The appId stays; the display name stays non-empty.
    async fn update(
        write: &mut Write<'_>,
        row: &ObjectRow,
        patch: Map<String, Value>,
    ) -> Result<()> {
        patch_row(write.tx, write.tenant, row, patch).await
    }

    /// The registration (`applications`) and app-role assignments go with it (foreign keys);
    /// the application and its secrets stay, as in Entra.
    // Divergence: Graph moves the service principal to deleted items; tenantsim deletes it.
    async fn before_delete(write: &mut Write<'_>, row: &ObjectRow) -> Result<()> {
        writable(write.tx, write.tenant, row).await
    }
}

/// The writable servicePrincipal properties (serviceprincipal resource page); the shape check
/// of a create or update body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)] // read for its validation only
struct ServicePrincipalBody {
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    account_enabled: Option<bool>,
    add_ins: Option<Vec<Map<String, Value>>>,
    alternative_names: Option<Vec<String>>,
    app_description: Option<String>,
    app_id: Option<String>,
    app_role_assignment_required: Option<bool>,
    app_roles: Option<Vec<Map<String, Value>>>,
    description: Option<String>,
    display_name: Option<String>,
    homepage: Option<String>,
    info: Option<Map<String, Value>>,
    key_credentials: Option<Vec<Value>>,
    login_url: Option<String>,
    logout_url: Option<String>,
    notes: Option<String>,
    notification_email_addresses: Option<Vec<String>>,
    oauth2_permission_scopes: Option<Vec<Map<String, Value>>>,
    password_credentials: Option<Vec<Value>>,
    preferred_single_sign_on_mode: Option<String>,
    reply_urls: Option<Vec<String>>,
    saml_single_sign_on_settings: Option<Map<String, Value>>,
    service_principal_names: Option<Vec<String>>,
    service_principal_type: Option<String>,
    tags: Option<Vec<String>>,
    token_encryption_key_id: Option<Uuid>,
}

fn checked_body(mut body: Map<String, Value>) -> Result<Map<String, Value>> {
    for key in READ_ONLY {
        body.remove(*key);
    }
    typed::<ServicePrincipalBody>(Value::Object(body.clone()), "ServicePrincipal")?;
    for name in ["keyCredentials", "passwordCredentials"] {
        if body
            .get(name)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
        {
            // Divergence: Graph stores a service principal's own credentials; tenantsim
            // authenticates with the application's (addPassword, fixture certificates).
            return Err(GraphError::new(
                ErrorCode::NotImplemented,
                format!(
                    "tenantsim does not emulate writing a service principal's {name}: add secrets to its application with addPassword."
                ),
            ));
        }
        body.remove(name);
    }
    Ok(body)
}

fn not_backed(app_id: &str) -> GraphError {
    GraphError::request_bad_request(format!(
        "The appId '{app_id}' of the service principal does not reference a valid application object."
    ))
    .with_details(json!([{"target": "appId", "code": "NoBackingApplicationObject"}]))
}

fn already_exists(app_id: &str) -> GraphError {
    GraphError::new(
        ErrorCode::RequestMultipleObjectsWithSameKeyValue,
        format!(
            "The service principal cannot be created, updated, or restored because the service principal name {app_id} is already in use."
        ),
    )
}

/// Creates the service principal of the application `app_id` from a checked body.
async fn create(
    write: &mut Write<'_>,
    app_id: &str,
    body: Map<String, Value>,
) -> Result<(String, Map<String, Value>)> {
    let (tx, tenant) = (&mut *write.tx, write.tenant);
    if store::apps::service_principal_by_app_id(tx, tenant, app_id)
        .await?
        .is_some()
    {
        return Err(already_exists(app_id));
    }
    let app = store::app_registrations::application_by_app_id(tx, tenant, app_id)
        .await?
        .ok_or_else(|| not_backed(app_id))?;
    let app_id = app.app_id.clone().unwrap_or_default();
    let doc: Map<String, Value> = serde_json::from_str(&app.data).map_err(GraphError::internal)?;
    let mut sp = document_for(tenant, &app_id, &doc);
    for (name, value) in body {
        if name != "appId" {
            sp.insert(name, value);
        }
    }
    let display_name = sp
        .get("displayName")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let id = Uuid::new_v4().to_string();
    let data = Value::Object(sp.clone()).to_string();
    let object = ObjectWrite {
        id: &id,
        kind: Kind::ServicePrincipal,
        display_name: display_name.as_deref(),
        user_principal_name: None,
        app_id: Some(&app_id),
        data: &data,
    };
    store::objects::insert_object(tx, tenant, &object, None).await?;
    let redirects = Value::from(app_objects::redirect_uris(&doc)).to_string();
    store::apps::insert_application(
        tx,
        tenant,
        &app_id,
        &id,
        app_objects::is_public_client(&doc),
        &redirects,
    )
    .await?;
    Ok((id, sp))
}

/// A new service principal's document, taken from its application as Entra does.
fn document_for(tenant: &str, app_id: &str, app: &Map<String, Value>) -> Map<String, Value> {
    let get = |name: &str| app.get(name).cloned().unwrap_or(Value::Null);
    let mut names = vec![Value::String(app_id.to_owned())];
    names.extend(
        app.get("identifierUris")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
    );
    let value = json!({
        "accountEnabled": true,
        "addIns": [],
        "alternativeNames": [],
        "appDescription": null,
        "appDisplayName": get("displayName"),
        "appId": app_id,
        "appOwnerOrganizationId": tenant,
        "appRoleAssignmentRequired": false,
        "appRoles": app.get("appRoles").cloned().unwrap_or_else(|| json!([])),
        "applicationTemplateId": null,
        "description": null,
        "disabledByMicrosoftStatus": null,
        "displayName": get("displayName"),
        "homepage": app.get("web").and_then(|w| w.get("homePageUrl")).cloned(),
        "info": get("info"),
        "keyCredentials": [],
        "loginUrl": null,
        "logoutUrl": app.get("web").and_then(|w| w.get("logoutUrl")).cloned(),
        "notes": null,
        "notificationEmailAddresses": [],
        "oauth2PermissionScopes": app
            .get("api")
            .and_then(|a| a.get("oauth2PermissionScopes"))
            .cloned()
            .unwrap_or_else(|| json!([])),
        "passwordCredentials": [],
        "preferredSingleSignOnMode": null,
        "replyUrls": app_objects::redirect_uris(app),
        "servicePrincipalNames": names,
        "servicePrincipalType": "Application",
        "signInAudience": get("signInAudience"),
        "tags": [],
        "tokenEncryptionKeyId": null,
        "verifiedPublisher": get("verifiedPublisher"),
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A service principal tenantsim lets clients change: one of an application registered in the
/// tenant. Microsoft's first-party service principals (Graph, the portal, public clients,
/// LinkedIn) carry the token endpoint and the consent model.
// Divergence: Graph lets an administrator update or delete many first-party service
// principals; tenantsim refuses, so a test cannot break token issuance for the whole tenant.
async fn writable(conn: &mut sqlx::SqliteConnection, tenant: &str, row: &ObjectRow) -> Result<()> {
    let app_id = row.app_id.as_deref().unwrap_or_default();
    if store::app_registrations::application_by_app_id(conn, tenant, app_id)
        .await?
        .is_none()
    {
        return Err(GraphError::new(
            ErrorCode::AuthorizationRequestDenied,
            "tenantsim does not let clients change or delete a first-party service principal.",
        ));
    }
    Ok(())
}

async fn patch_row(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    row: &ObjectRow,
    body: Map<String, Value>,
) -> Result<()> {
    writable(conn, tenant, row).await?;
    if let Some(app_id) = body.get("appId")
        && app_id.as_str().map(str::to_ascii_lowercase)
            != row.app_id.as_deref().map(str::to_ascii_lowercase)
    {
        return Err(GraphError::request_bad_request(
            "Property 'appId' of a service principal cannot be changed.",
        ));
    }
    let mut doc: Map<String, Value> =
        serde_json::from_str(&row.data).map_err(GraphError::internal)?;
    for (name, value) in body {
        doc.insert(name, value);
    }
    let display_name = match doc.get("displayName") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
        _ => {
            return Err(GraphError::request_bad_request(
                "Invalid value specified for property 'displayName' of resource 'ServicePrincipal'.",
            ));
        }
    };
    let data = Value::Object(doc).to_string();
    let write = ObjectWrite {
        id: &row.id,
        kind: Kind::ServicePrincipal,
        display_name: Some(&display_name),
        user_principal_name: None,
        app_id: row.app_id.as_deref(),
        data: &data,
    };
    store::objects::update_object(conn, tenant, &write).await?;
    Ok(())
}

/// PATCH /servicePrincipals(appId='{appId}') — serviceprincipal-upsert: 204 when it exists;
/// with `Prefer: create-if-missing` 201 and the new service principal, else 404.
/// Permissions: `permissions::SERVICE_PRINCIPALS_WRITE`.
async fn upsert_by_app_id(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    headers: HeaderMap,
    Path(key): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    caller.require(&permissions::SERVICE_PRINCIPALS_WRITE)?;
    let key = alternate_key(&key)?;
    let body = checked_body(body)?;
    let exists = {
        let mut conn = state.db.pool.acquire().await?;
        ServicePrincipals::lookup(&mut conn, &caller.tenant, &key)
            .await?
            .is_some()
    };
    if exists {
        return resource::patch::<ServicePrincipals>(&state, &caller.tenant, &key, body).await;
    }
    if !create_if_missing(&headers) {
        return Err(ServicePrincipals::missing(&key));
    }
    let app_id = app_id_of(&key).unwrap_or_default().to_owned();
    let mut tx = state.db.begin_write().await?;
    let mut write = Write {
        state: &state,
        tenant: &caller.tenant,
        tx: &mut tx,
    };
    let (id, data) = create(&mut write, &app_id, body).await?;
    tx.commit().await?;
    let context = wire::context_url(&origin, version, ServicePrincipals::SET, None, true);
    let fields = ServicePrincipals::render(&id, &data, None, version);
    Ok(GraphJson(StatusCode::CREATED, wire::entity(context, fields)).into_response())
}

/// DELETE /servicePrincipals(appId='{appId}'). 204. Permissions: `permissions::SERVICE_PRINCIPALS_WRITE`.
async fn delete_by_app_id(
    caller: Caller,
    state: State<AppState>,
    Path(key): Path<String>,
) -> Result<Response> {
    caller.require(&permissions::SERVICE_PRINCIPALS_WRITE)?;
    let key = alternate_key(&key)?;
    resource::delete::<ServicePrincipals>(caller, state, Path(key)).await
}
