//! Application objects (app registrations) as Graph has them
//! (<https://learn.microsoft.com/graph/api/resources/application>): the stored document a new
//! registration starts from, the id a fixture application's object gets, the credential
//! metadata Graph shows (`passwordCredentials`, `keyCredentials`; never a secret), and the
//! token endpoint's view of a registration (`applications` table: redirect URIs, public client)
//! kept in step with the object.

use serde_json::{Map, Value, json};
use sqlx::SqliteConnection;

use crate::builtin;
use crate::store::{self, apps::CredentialRow, objects::Kind, objects::ObjectRow};

/// The application properties tenantsim stores (Graph's v1.0 application resource; `id`
/// aside). A POST or PATCH body naming another property is refused.
pub const APPLICATION_PROPERTIES: &[&str] = &[
    "addIns",
    "api",
    "appId",
    "appRoles",
    "applicationTemplateId",
    "certification",
    "createdDateTime",
    "defaultRedirectUri",
    "deletedDateTime",
    "description",
    "disabledByMicrosoftStatus",
    "displayName",
    "groupMembershipClaims",
    "identifierUris",
    "info",
    "isDeviceOnlyAuthSupported",
    "isFallbackPublicClient",
    "keyCredentials",
    "nativeAuthenticationApisEnabled",
    "notes",
    "optionalClaims",
    "parentalControlSettings",
    "passwordCredentials",
    "publicClient",
    "publisherDomain",
    "requestSignatureVerification",
    "requiredResourceAccess",
    "samlMetadataUrl",
    "serviceManagementReference",
    "servicePrincipalLockConfiguration",
    "signInAudience",
    "spa",
    "tags",
    "tokenEncryptionKeyId",
    "uniqueName",
    "verifiedPublisher",
    "web",
    "windows",
];

/// The object id of a fixture application's application object: SHA-256 of the tenant and
/// `application/{appId}` shaped as a GUID (as built-in service principals' ids are derived), so
/// it is stable across loads and independent of the service principal's id (`id` in the
/// fixture), which keeps naming the service principal.
pub fn derived_object_id(tenant: &str, app_id: &str) -> String {
    builtin::derived_id(
        tenant,
        &format!("application/{}", app_id.to_ascii_lowercase()),
    )
}

/// The `keyId` of a credential stored without one (fixture secrets and certificates).
pub fn derived_key_id(app_id: &str, credential: &str) -> String {
    builtin::derived_id(&app_id.to_ascii_lowercase(), credential)
}

/// A new registration's document (Graph's default property set, `id` aside) with `appId`,
/// `displayName` and `createdDateTime`; what a POST body sets is merged over it.
pub fn new_document(
    app_id: &str,
    display_name: &str,
    created: &str,
    publisher: &str,
) -> Map<String, Value> {
    let value = json!({
        "deletedDateTime": null,
        "appId": app_id,
        "applicationTemplateId": null,
        "disabledByMicrosoftStatus": null,
        "createdDateTime": created,
        "displayName": display_name,
        "description": null,
        "groupMembershipClaims": null,
        "identifierUris": [],
        "isDeviceOnlyAuthSupported": null,
        "isFallbackPublicClient": null,
        "nativeAuthenticationApisEnabled": null,
        "notes": null,
        "publisherDomain": publisher,
        "serviceManagementReference": null,
        "signInAudience": "AzureADMyOrg",
        "tags": [],
        "tokenEncryptionKeyId": null,
        "uniqueName": null,
        "samlMetadataUrl": null,
        "defaultRedirectUri": null,
        "certification": null,
        "optionalClaims": null,
        "requestSignatureVerification": null,
        "addIns": [],
        "api": {
            "acceptMappedClaims": null,
            "knownClientApplications": [],
            "requestedAccessTokenVersion": null,
            "oauth2PermissionScopes": [],
            "preAuthorizedApplications": []
        },
        "appRoles": [],
        "info": {
            "logoUrl": null,
            "marketingUrl": null,
            "privacyStatementUrl": null,
            "supportUrl": null,
            "termsOfServiceUrl": null
        },
        "keyCredentials": [],
        "parentalControlSettings": {
            "countriesBlockedForMinors": [],
            "legalAgeGroupRule": "Allow"
        },
        "passwordCredentials": [],
        "publicClient": { "redirectUris": [] },
        "requiredResourceAccess": [],
        "verifiedPublisher": {
            "displayName": null,
            "verifiedPublisherId": null,
            "addedDateTime": null
        },
        "web": {
            "homePageUrl": null,
            "logoutUrl": null,
            "redirectUris": [],
            "implicitGrantSettings": {
                "enableAccessTokenIssuance": false,
                "enableIdTokenIssuance": false
            },
            "redirectUriSettings": []
        },
        "spa": { "redirectUris": [] }
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// What a fixture application's object holds: its redirect URIs under `publicClient` (a public
/// client, `isFallbackPublicClient: true`) or `web`, and its Microsoft Graph permissions as
/// `requiredResourceAccess`.
pub fn fixture_document(
    tenant_domain: &str,
    app_id: &str,
    display_name: &str,
    created: &str,
    public_client: bool,
    redirect_uris: &[String],
    // Microsoft Graph permission ids with Graph's type: `Role` (application) or `Scope`.
    graph_access: &[(&str, &str)],
) -> Map<String, Value> {
    let mut doc = new_document(app_id, display_name, created, tenant_domain);
    if public_client {
        doc.insert("isFallbackPublicClient".into(), json!(true));
        doc["publicClient"]["redirectUris"] = json!(redirect_uris);
    } else {
        doc["web"]["redirectUris"] = json!(redirect_uris);
    }
    let access: Vec<Value> = graph_access
        .iter()
        .map(|(id, kind)| json!({"id": id, "type": kind}))
        .collect();
    if !access.is_empty() {
        doc.insert(
            "requiredResourceAccess".into(),
            json!([{"resourceAppId": builtin::GRAPH_APP_ID, "resourceAccess": access}]),
        );
    }
    doc
}

/// Every redirect URI of a document (`web`, `spa`, `publicClient`), in that order, once each:
/// what the authorize endpoint accepts.
pub fn redirect_uris(doc: &Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for platform in ["web", "spa", "publicClient"] {
        let uris = doc
            .get(platform)
            .and_then(|p| p.get("redirectUris"))
            .and_then(Value::as_array);
        for uri in uris.into_iter().flatten().filter_map(Value::as_str) {
            if !out.iter().any(|u| u == uri) {
                out.push(uri.to_owned());
            }
        }
    }
    out
}

/// The `spa.redirectUris` of an application document.
pub fn spa_redirect_uris(doc: &Map<String, Value>) -> Vec<&str> {
    doc.get("spa")
        .and_then(|p| p.get("redirectUris"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Whether the token endpoint treats the application as a public client.
pub fn is_public_client(doc: &Map<String, Value>) -> bool {
    doc.get("isFallbackPublicClient") == Some(&Value::Bool(true))
}

/// Graph's `passwordCredential` for a stored secret (no `secretText`: it is never kept).
pub fn password_credential(app_id: &str, row: &CredentialRow) -> Value {
    let key_id = row.key_id.clone().unwrap_or_else(|| {
        derived_key_id(app_id, row.secret_digest.as_deref().unwrap_or_default())
    });
    json!({
        "customKeyIdentifier": null,
        "displayName": row.display_name,
        "endDateTime": row.end_date_time,
        "hint": row.hint,
        "keyId": key_id,
        "secretText": null,
        "startDateTime": row.start_date_time,
    })
}

/// Graph's `keyCredential` for a stored certificate (its public key is not returned, as in a
/// list or get without `$select=keyCredentials`'s `key`).
pub fn key_credential(app_id: &str, row: &CredentialRow) -> Value {
    let sha256 = row.thumbprint_sha256.as_deref().unwrap_or_default();
    json!({
        "customKeyIdentifier": null,
        "displayName": null,
        "endDateTime": null,
        "key": null,
        "keyId": derived_key_id(app_id, sha256),
        "startDateTime": null,
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
    })
}

/// Sets `passwordCredentials` and `keyCredentials` of an application document from its
/// stored credentials, in their order.
pub fn set_credentials(doc: &mut Map<String, Value>, app_id: &str, rows: &[CredentialRow]) {
    doc.insert(
        "passwordCredentials".into(),
        rows.iter()
            .filter(|r| r.kind == "secret")
            .map(|r| password_credential(app_id, r))
            .collect(),
    );
    doc.insert(
        "keyCredentials".into(),
        rows.iter()
            .filter(|r| r.kind == "certificate")
            .map(|r| key_credential(app_id, r))
            .collect(),
    );
}

/// Rewrites `passwordCredentials` and `keyCredentials` of the application object of `app_id`
/// from its stored credentials (after a credential is added or removed).
pub async fn refresh_credentials(
    conn: &mut SqliteConnection,
    tenant: &str,
    object: &ObjectRow,
) -> sqlx::Result<()> {
    let Some(app_id) = object.app_id.as_deref() else {
        return Ok(());
    };
    let rows = store::apps::credentials(conn, tenant, app_id).await?;
    let mut doc: Map<String, Value> = serde_json::from_str(&object.data).unwrap_or_default();
    set_credentials(&mut doc, app_id, &rows);
    let data = Value::Object(doc).to_string();
    let write = store::objects::ObjectWrite {
        id: &object.id,
        kind: Kind::Application,
        display_name: object.display_name.as_deref(),
        user_principal_name: None,
        app_id: Some(app_id),
        data: &data,
    };
    store::objects::update_object(conn, tenant, &write).await?;
    Ok(())
}

/// Keeps the token endpoint's registration (if the app has a service principal) in step with
/// the object's redirect URIs and public-client flag.
pub async fn sync_registration(
    conn: &mut SqliteConnection,
    tenant: &str,
    app_id: &str,
    doc: &Map<String, Value>,
) -> sqlx::Result<()> {
    let redirects = Value::from(redirect_uris(doc)).to_string();
    store::app_registrations::update_registration(
        conn,
        tenant,
        app_id,
        is_public_client(doc),
        &redirects,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_document_holds_only_stored_properties() {
        let doc = new_document("a", "b", "c", "d");
        for key in doc.keys() {
            assert!(APPLICATION_PROPERTIES.contains(&key.as_str()), "{key}");
        }
    }

    #[test]
    fn derived_ids_are_stable_guids_that_differ_per_tenant() {
        let a = derived_object_id("t1", "C0A70550-A990-4000-8000-000000000301");
        assert_eq!(
            a,
            derived_object_id("t1", "c0a70550-a990-4000-8000-000000000301")
        );
        assert_ne!(
            a,
            derived_object_id("t2", "c0a70550-a990-4000-8000-000000000301")
        );
        assert!(uuid::Uuid::parse_str(&a).is_ok());
        // fixtures/README.md and the write-body fuzz target name Contoso Directory Sync's.
        assert_eq!(
            derived_object_id(
                "c0a70550-0000-4000-8000-000000000001",
                "c0a70550-a990-4000-8000-000000000301"
            ),
            "3b3e57a9-408f-4dee-8717-3d7268d51017"
        );
    }

    #[test]
    fn redirect_uris_collect_every_platform_once() {
        let mut doc = new_document("a", "b", "c", "d");
        doc["web"]["redirectUris"] = json!(["https://a/cb", "https://b/cb"]);
        doc["spa"]["redirectUris"] = json!(["https://b/cb"]);
        doc["publicClient"]["redirectUris"] = json!(["http://localhost"]);
        assert_eq!(
            redirect_uris(&doc),
            ["https://a/cb", "https://b/cb", "http://localhost"]
        );
    }
}
