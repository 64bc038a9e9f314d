//! The body of an application create or update (application-post-applications,
//! application-update): Graph's application properties with their types, read-only ones
//! ignored, `null` resetting a property, and the keys that must stay unique (`uniqueName`,
//! `identifierUris`).

use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::app_objects;
use crate::error::{ErrorCode, GraphError, Result};
use crate::protocol::request::typed;
use crate::store;

pub fn invalid(property: &str) -> GraphError {
    GraphError::request_bad_request(format!(
        "Invalid value specified for property '{property}' of resource 'Application'."
    ))
}

/// Properties Graph sets itself: accepted in a body and ignored, as for users.
pub const READ_ONLY: &[&str] = &[
    "id",
    "appId",
    "createdDateTime",
    "deletedDateTime",
    "publisherDomain",
    "certification",
    "verifiedPublisher",
    "disabledByMicrosoftStatus",
    "applicationTemplateId",
    "@odata.type",
];

/// The shape of a create or update body: Graph's application properties with their types
/// (unknown properties and wrong types are Graph's 400).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)] // read for its validation only
struct ApplicationBody {
    add_ins: Option<Vec<Map<String, Value>>>,
    api: Option<Map<String, Value>>,
    app_roles: Option<Vec<Map<String, Value>>>,
    default_redirect_uri: Option<String>,
    description: Option<String>,
    display_name: Option<String>,
    group_membership_claims: Option<String>,
    identifier_uris: Option<Vec<String>>,
    info: Option<Map<String, Value>>,
    is_device_only_auth_supported: Option<bool>,
    is_fallback_public_client: Option<bool>,
    key_credentials: Option<Vec<Value>>,
    native_authentication_apis_enabled: Option<String>,
    notes: Option<String>,
    optional_claims: Option<Map<String, Value>>,
    parental_control_settings: Option<Map<String, Value>>,
    password_credentials: Option<Vec<Value>>,
    public_client: Option<RedirectUris>,
    request_signature_verification: Option<Map<String, Value>>,
    required_resource_access: Option<Vec<RequiredResourceAccess>>,
    saml_metadata_url: Option<String>,
    service_management_reference: Option<String>,
    service_principal_lock_configuration: Option<Map<String, Value>>,
    sign_in_audience: Option<SignInAudience>,
    spa: Option<RedirectUris>,
    tags: Option<Vec<String>>,
    token_encryption_key_id: Option<Uuid>,
    unique_name: Option<String>,
    web: Option<Web>,
    windows: Option<Map<String, Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct RedirectUris {
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    redirect_uris: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct Web {
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    home_page_url: Option<String>,
    logout_url: Option<String>,
    redirect_uris: Option<Vec<String>>,
    implicit_grant_settings: Option<Map<String, Value>>,
    redirect_uri_settings: Option<Vec<Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct RequiredResourceAccess {
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    resource_app_id: String,
    resource_access: Vec<ResourceAccess>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct ResourceAccess {
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    id: Uuid,
    #[serde(rename = "type")]
    kind: AccessType,
}

#[derive(Debug, Deserialize)]
enum AccessType {
    Role,
    Scope,
}

#[derive(Debug, Deserialize)]
enum SignInAudience {
    AzureADMyOrg,
    AzureADMultipleOrgs,
    AzureADandPersonalMicrosoftAccount,
    PersonalMicrosoftAccount,
}

/// Checks a body's shape and returns its writable properties (read-only ones dropped).
pub fn checked_body(mut body: Map<String, Value>, creating: bool) -> Result<Map<String, Value>> {
    for key in READ_ONLY {
        body.remove(*key);
    }
    typed::<ApplicationBody>(Value::Object(body.clone()), "Application")?;
    let non_empty = |name: &str| {
        body.get(name)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    };
    if non_empty("passwordCredentials") || (!creating && body.contains_key("passwordCredentials")) {
        return Err(GraphError::request_bad_request(
            "Updating passwordCredentials is not supported: use addPassword and removePassword.",
        ));
    }
    if non_empty("keyCredentials") {
        // Divergence: Graph stores uploaded certificates; tenantsim takes them from fixtures.
        return Err(GraphError::new(
            ErrorCode::NotImplemented,
            "tenantsim does not emulate writing keyCredentials through Graph: load certificates with a fixture application's `certificates`.",
        ));
    }
    body.remove("passwordCredentials");
    body.remove("keyCredentials");
    Ok(body)
}

/// Merges a checked body into a document: `null` resets a property to its default.
pub fn merge(doc: &mut Map<String, Value>, body: Map<String, Value>) {
    let defaults = app_objects::new_document("", "", "", "");
    for (name, value) in body {
        let value = match value {
            Value::Null => defaults.get(&name).cloned().unwrap_or(Value::Null),
            // A complex property is replaced whole but keeps the defaults of what it omits.
            Value::Object(given) => match defaults.get(&name) {
                Some(Value::Object(base)) => {
                    let mut out = base.clone();
                    out.extend(given);
                    Value::Object(out)
                }
                _ => Value::Object(given),
            },
            other => other,
        };
        doc.insert(name, value);
    }
}

/// `uniqueName` is set once and unique; each `identifierUris` entry names one application.
pub async fn check_keys(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    id: &str,
    doc: &Map<String, Value>,
    before: Option<&Map<String, Value>>,
) -> Result<()> {
    let unique = doc.get("uniqueName").and_then(Value::as_str);
    let was = before
        .and_then(|b| b.get("uniqueName"))
        .and_then(Value::as_str);
    if let (Some(was), now) = (was, unique)
        && now != Some(was)
    {
        return Err(GraphError::request_bad_request(
            "Property 'uniqueName' is immutable once set.",
        ));
    }
    if let Some(name) = unique
        && was.is_none()
        && store::app_registrations::application_by_unique_name(conn, tenant, name)
            .await?
            .is_some_and(|other| other.id != id)
    {
        return Err(conflict("uniqueName"));
    }
    let uris = doc.get("identifierUris").and_then(Value::as_array);
    for uri in uris.into_iter().flatten().filter_map(Value::as_str) {
        if store::app_registrations::identifier_uri_taken(conn, tenant, uri, id).await? {
            return Err(conflict("identifierUris"));
        }
    }
    Ok(())
}

fn conflict(property: &str) -> GraphError {
    GraphError::request_bad_request(format!(
        "Another object with the same value for property {property} already exists."
    ))
    .with_details(serde_json::json!([{"target": property, "code": "ObjectConflict"}]))
}
