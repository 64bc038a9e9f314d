//! An application's secrets: `addPassword` returns the new passwordCredential with its
//! `secretText` once (only its SHA-256 digest is stored; it then works at the token endpoint),
//! `removePassword` removes one by `keyId`. See application-addpassword and
//! application-removepassword.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::applications::{AppKey, load};
use crate::app_objects;
use crate::auth::{Caller, permissions};
use crate::error::{GraphError, Result};
use crate::protocol::request::{JsonObject, typed};
use crate::protocol::wire::{self, ApiVersion, GraphJson, Origin};
use crate::state::AppState;
use crate::store::{self, app_registrations::PasswordWrite};

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
        .route("/applications/{key}/addPassword", post(add_password))
        .route("/applications/{key}/removePassword", post(remove_password))
        .route(
            "/applications(appId={key}/addPassword",
            post(add_password_by_app_id),
        )
        .route(
            "/applications(appId={key}/removePassword",
            post(remove_password_by_app_id),
        )
}

/// The characters of a generated secret (Graph's secrets use these and `~`).
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";

/// A new 40-character secret in Graph's current shape: three characters, `8Q~`, 34 more.
fn new_secret() -> String {
    let mut bytes = [0u8; 37];
    aws_lc_rs::rand::fill(&mut bytes).expect("system randomness");
    let pick = |b: &u8| SECRET_ALPHABET[usize::from(*b) % SECRET_ALPHABET.len()] as char;
    let mut secret: String = bytes[..3].iter().map(pick).collect();
    secret.push_str("8Q~");
    secret.extend(bytes[3..].iter().map(pick));
    secret
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AddPasswordBody {
    password_credential: Option<PasswordCredentialBody>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)] // `customKeyIdentifier`/`keyId`/`hint`/`secretText` are accepted and ignored
struct PasswordCredentialBody {
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    display_name: Option<String>,
    start_date_time: Option<String>,
    end_date_time: Option<String>,
    custom_key_identifier: Option<String>,
    key_id: Option<String>,
    hint: Option<String>,
    // Graph ignores a client-chosen secret and generates its own; so does tenantsim.
    secret_text: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RemovePasswordBody {
    key_id: Uuid,
}

fn timestamp(text: Option<&str>, property: &str) -> Result<Option<time::OffsetDateTime>> {
    text.map(|t| {
        crate::clock::parse_timestamp(t).ok_or_else(|| {
            GraphError::request_bad_request(format!(
                "Invalid value specified for property 'passwordCredential.{property}' of resource 'Application'."
            ))
        })
    })
    .transpose()
}

async fn add(
    caller: Caller,
    state: AppState,
    version: ApiVersion,
    origin: Origin,
    key: AppKey,
    body: serde_json::Map<String, Value>,
) -> Result<GraphJson> {
    caller.require(&permissions::APPLICATIONS_WRITE)?;
    let body: AddPasswordBody = typed(Value::Object(body), "Application")?;
    let given = body.password_credential.unwrap_or_default();
    let now = state.clock.now();
    let start = timestamp(given.start_date_time.as_deref(), "startDateTime")?.unwrap_or(now);
    let end = match timestamp(given.end_date_time.as_deref(), "endDateTime")? {
        Some(end) => end,
        // Graph's default: two years after the start.
        None => start.replace_year(start.year() + 2).unwrap_or(start),
    };
    if end <= start {
        return Err(GraphError::request_bad_request(
            "Invalid value specified for property 'passwordCredential.endDateTime' of resource 'Application'. It must be later than startDateTime.",
        ));
    }
    let secret = new_secret();
    let key_id = Uuid::new_v4().to_string();
    let hint: String = secret.chars().take(3).collect();
    let (start, end) = (
        crate::clock::graph_timestamp(start),
        crate::clock::graph_timestamp(end),
    );
    let mut tx = state.db.begin_write().await?;
    let row = load(&mut tx, &caller.tenant, &key).await?;
    let app_id = row.app_id.clone().unwrap_or_default();
    let digest = crate::fixtures::password_digest(&secret);
    let password = PasswordWrite {
        digest: &digest,
        key_id: &key_id,
        display_name: given.display_name.as_deref(),
        hint: Some(&hint),
        start_date_time: Some(&start),
        end_date_time: Some(&end),
    };
    store::app_registrations::add_password(&mut tx, &caller.tenant, &app_id, &password).await?;
    app_objects::refresh_credentials(&mut tx, &caller.tenant, &row).await?;
    tx.commit().await?;
    let context = wire::context_url(
        &origin,
        version,
        "microsoft.graph.passwordCredential",
        None,
        false,
    );
    // The only time the secret leaves tenantsim; the control journal keeps no response bodies.
    Ok(GraphJson(
        StatusCode::OK,
        json!({
            "@odata.context": context,
            "customKeyIdentifier": null,
            "displayName": given.display_name,
            "endDateTime": end,
            "hint": hint,
            "keyId": key_id,
            "secretText": secret,
            "startDateTime": start,
        }),
    ))
}

async fn remove(
    caller: Caller,
    state: AppState,
    key: AppKey,
    body: serde_json::Map<String, Value>,
) -> Result<Response> {
    caller.require(&permissions::APPLICATIONS_WRITE)?;
    let body: RemovePasswordBody = typed(Value::Object(body), "Application")?;
    let mut tx = state.db.begin_write().await?;
    let row = load(&mut tx, &caller.tenant, &key).await?;
    let app_id = row.app_id.clone().unwrap_or_default();
    let key_id = body.key_id.to_string();
    if !store::app_registrations::remove_password(&mut tx, &caller.tenant, &app_id, &key_id).await?
    {
        return Err(GraphError::not_found(&key_id));
    }
    app_objects::refresh_credentials(&mut tx, &caller.tenant, &row).await?;
    tx.commit().await?;
    Ok(wire::no_content())
}

/// POST /applications/{id}/addPassword — application-addpassword. 200 with the new
/// passwordCredential and its `secretText`. Permissions: `permissions::APPLICATIONS_WRITE`.
async fn add_password(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    Path(key): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    add(caller, state, version, origin, AppKey::Id(key), body).await
}

/// POST /applications(appId='{appId}')/addPassword. Permissions: `permissions::APPLICATIONS_WRITE`.
async fn add_password_by_app_id(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    Path(key): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<GraphJson> {
    let key = AppKey::AppId(AppKey::alternate("appId", &key)?);
    add(caller, state, version, origin, key, body).await
}

/// POST /applications/{id}/removePassword — application-removepassword. 204.
/// Permissions: `permissions::APPLICATIONS_WRITE`.
async fn remove_password(
    caller: Caller,
    State(state): State<AppState>,
    Path(key): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    remove(caller, state, AppKey::Id(key), body).await
}

/// POST /applications(appId='{appId}')/removePassword. Permissions: `permissions::APPLICATIONS_WRITE`.
async fn remove_password_by_app_id(
    caller: Caller,
    State(state): State<AppState>,
    Path(key): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    let key = AppKey::AppId(AppKey::alternate("appId", &key)?);
    remove(caller, state, key, body).await
}

#[cfg(test)]
mod tests {
    use super::new_secret;

    #[test]
    fn secrets_are_forty_characters_in_graphs_shape_and_differ() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 40);
        assert_eq!(&a[3..6], "8Q~");
        assert_ne!(a, b);
    }
}
