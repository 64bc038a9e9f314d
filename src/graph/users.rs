//! Users: the `users` resource declaration (list, get by id or userPrincipalName, `$count`,
//! create, update, delete through `graph::resource`) with its special rules, and `/me`.
//! See <https://learn.microsoft.com/graph/api/resources/user> and the user-list, user-get,
//! user-post-users, user-update and user-delete pages.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::resource::{self, DirectoryResource, WritableResource, Write};
use crate::auth::{Caller, permissions};
use crate::entities::user::{PasswordProfile, User};
use crate::error::{GraphError, Result};
use crate::odata::model;
use crate::protocol::request::{GraphQuery, JsonObject, typed, typed_property};
use crate::protocol::wire::{ApiVersion, Origin};
use crate::state::AppState;
use crate::store::{self, objects::Kind, objects::ObjectRow};

/// Graph's default property set for users (user-list.md): anything else needs `$select`.
pub const DEFAULT_PROPERTIES: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

/// Graph properties a client may not write (server-managed).
const READ_ONLY: &[&str] = &[
    "id",
    "createdDateTime",
    "creationType",
    "externalUserState",
    "externalUserStateChangeDateTime",
];

pub fn router() -> super::routes::Routes {
    super::routes::Routes::new()
        .route(
            "/users",
            get(resource::list::<Users>).post(resource::create::<Users>),
        )
        .route("/users/$count", get(resource::count::<Users>))
        .route(
            "/users/{user}",
            get(resource::get::<Users>)
                .patch(resource::update::<Users>)
                .delete(resource::delete::<Users>),
        )
        .route("/me", get(get_me).patch(update_me))
}

/// The `users` entity set. See user-list, user-get, user-post-users, user-update, user-delete.
pub struct Users;

impl DirectoryResource for Users {
    const SET: &'static str = "users";
    const KIND: Kind = Kind::User;
    const MODEL: &'static model::ResourceModel = &model::USER;
    const READ: &'static permissions::Permission = &permissions::USERS_READ;
    const READ_ONLY: &'static [&'static str] = READ_ONLY;

    /// The default set (user-list.md); beta returns every stored property.
    fn render(
        id: &str,
        data: &Map<String, Value>,
        select: Option<&[&str]>,
        version: ApiVersion,
    ) -> Map<String, Value> {
        resource::render_default_set(id, data, select, version, DEFAULT_PROPERTIES)
    }

    /// By object id or userPrincipalName.
    fn lookup(
        conn: &mut sqlx::SqliteConnection,
        tenant: &str,
        key: &str,
    ) -> impl std::future::Future<Output = sqlx::Result<Option<ObjectRow>>> + Send {
        store::objects::get_user(conn, tenant, key)
    }

    /// Through the object cache: `GET /users/{id}` is the hot path of test suites.
    async fn find(state: &AppState, tenant: &str, key: &str) -> Result<Option<ObjectRow>> {
        Ok(state.db.cached_user(tenant, key).await?)
    }
}

impl WritableResource for Users {
    const CREATE: &'static permissions::Permission = &permissions::USERS_WRITE;
    const UPDATE: &'static permissions::Permission = &permissions::USERS_WRITE;
    const DELETE: &'static permissions::Permission = &permissions::USERS_DELETE;

    /// user-post-users: accountEnabled, displayName, mailNickname, a password and a
    /// userPrincipalName on a verified domain, unique in the tenant.
    async fn create(
        write: &mut Write<'_>,
        body: Map<String, Value>,
    ) -> Result<(String, Map<String, Value>)> {
        NewUser::checked(write.state, body)?.insert(write).await
    }

    /// The checked insert runs as a write of its own, in one hand-off to the database (the
    /// create test suites repeat most). If a check refuses it, the transactional path finds
    /// which one for Graph's error (or, had a write in between freed the name, creates the
    /// user).
    async fn create_committed(
        state: &AppState,
        tenant: &str,
        body: Map<String, Value>,
    ) -> Result<(String, Map<String, Value>)> {
        let user = NewUser::checked(state, body)?;
        let domain = upn_domain(&user.upn)?;
        if resource::insert_user_alone(state, tenant, &user.id, &user.data, &user.digest, domain)
            .await?
        {
            return Ok((user.id, user.data));
        }
        let mut tx = state.db.begin_write().await?;
        let mut write = Write {
            state,
            tenant,
            tx: &mut tx,
        };
        let created = user.insert(&mut write).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// user-update: the merged user must still be valid; a new userPrincipalName is checked
    /// as at create; `passwordProfile` sets the password.
    async fn update(
        write: &mut Write<'_>,
        row: &ObjectRow,
        mut patch: Map<String, Value>,
    ) -> Result<()> {
        let password = password_of(&mut patch)?;
        crate::odata::catalog::check_body::<User>("microsoft.graph.user", &patch)?;
        let user: User = typed(Value::Object(resource::merge(row, patch)), "User")?;
        required(
            user.display_name.clone().filter(|d| !d.trim().is_empty()),
            "displayName",
        )?;
        let upn = required(user.user_principal_name.clone(), "userPrincipalName")?;
        required(user.account_enabled, "accountEnabled")?;
        if row.user_principal_name.as_deref() != Some(upn.as_str()) {
            check_upn(write.tx, write.tenant, &upn, &row.id).await?;
        }
        let password = password.and_then(|p| p.password);
        if let Some(password) = &password {
            super::password::check_complexity(password, user.password_policies.as_deref())?;
        }
        // The password's digest is not part of the cached row: set after it is fine.
        resource::replace_user(write, row, &stored(&user)?).await?;
        if let Some(password) = password {
            let digest = crate::fixtures::password_digest(&password);
            store::objects::set_secret(write.tx, write.tenant, &row.id, &digest).await?;
        }
        Ok(())
    }
}

/// A user a POST body describes, checked and completed with what the server sets.
struct NewUser {
    id: String,
    upn: String,
    data: Map<String, Value>,
    /// The password's digest (never the password).
    digest: String,
}

impl NewUser {
    /// Graph's checks of a create body: accountEnabled, displayName, mailNickname, a password
    /// of the required complexity, a userPrincipalName.
    fn checked(state: &AppState, mut body: Map<String, Value>) -> Result<Self> {
        let password = password_of(&mut body)?;
        crate::odata::catalog::check_body::<User>("microsoft.graph.user", &body)?;
        let mut user: User = typed(Value::Object(body), "User")?;
        required(user.account_enabled, "accountEnabled")?;
        required(
            user.display_name.clone().filter(|d| !d.trim().is_empty()),
            "displayName",
        )?;
        required(
            user.mail_nickname.as_ref().filter(|m| !m.trim().is_empty()),
            "mailNickname",
        )?;
        let password = required(
            password.and_then(|p| p.password).filter(|p| !p.is_empty()),
            "passwordProfile",
        )?;
        super::password::check_complexity(&password, user.password_policies.as_deref())?;
        let upn = required(user.user_principal_name.clone(), "userPrincipalName")?;
        upn_domain(&upn)?;
        user.created_date_time = Some(crate::clock::graph_timestamp(state.clock.now()));
        user.creation_type = None;
        user.user_type.get_or_insert_with(|| "Member".to_owned());
        Ok(Self {
            id: Uuid::new_v4().to_string(),
            upn,
            data: stored(&user)?,
            digest: crate::fixtures::password_digest(&password),
        })
    }

    /// Stores the user in `write`'s transaction; returns its id and stored JSON.
    async fn insert(self, write: &mut Write<'_>) -> Result<(String, Map<String, Value>)> {
        let domain = upn_domain(&self.upn)?;
        if resource::insert_user(write, &self.id, &self.data, &self.digest, domain).await? {
            return Ok((self.id, self.data));
        }
        // Refused by the insert's own checks: ask which one, for Graph's error.
        check_upn(write.tx, write.tenant, &self.upn, &self.id).await?;
        Err(GraphError::internal(anyhow::anyhow!(
            "the user insert was refused although its domain and userPrincipalName checks pass"
        )))
    }
}

/// The typed user as stored JSON (unknown properties dropped by the typed pass).
fn stored(user: &User) -> Result<Map<String, Value>> {
    match serde_json::to_value(user).map_err(GraphError::internal)? {
        Value::Object(map) => Ok(map),
        _ => Err(GraphError::internal(anyhow::anyhow!(
            "a user is a JSON object"
        ))),
    }
}

/// Takes `passwordProfile` out of a write body: never stored or returned as such.
fn password_of(body: &mut Map<String, Value>) -> Result<Option<PasswordProfile>> {
    match body.remove("passwordProfile") {
        Some(Value::Null) | None => Ok(None),
        Some(value) => Ok(Some(typed_property(value, "User", "passwordProfile")?)),
    }
}

/// GET /me — the signed-in user of a delegated token. Permissions: `permissions::ME_READ`.
async fn get_me(
    caller: Caller,
    State(state): State<AppState>,
    version: ApiVersion,
    origin: Origin,
    query: GraphQuery,
) -> Result<Response> {
    let me = me(&caller)?;
    caller.require(&permissions::ME_READ)?;
    resource::read::<Users>(&state, &caller.tenant, version, &origin, &query, me).await
}

/// PATCH /me — the signed-in user updates their own profile. Permissions: `permissions::ME_WRITE`.
async fn update_me(
    caller: Caller,
    State(state): State<AppState>,
    JsonObject(body): JsonObject,
) -> Result<Response> {
    let me = me(&caller)?.to_owned();
    caller.require(&permissions::ME_WRITE)?;
    resource::patch::<Users>(&state, &caller.tenant, &me, body).await
}

/// The signed-in user's id, or Graph's 400 for app-only tokens.
pub fn me(caller: &Caller) -> Result<&str> {
    caller.user_id().ok_or_else(|| {
        GraphError::bad_request("/me request is only valid with delegated authentication flow.")
    })
}

/// The domain of a userPrincipalName whose local part Entra accepts (letters, digits and
/// `'.-_!#^~`, at most 113 characters, no leading or trailing dot).
fn upn_domain(upn: &str) -> Result<&str> {
    let invalid = || {
        GraphError::request_bad_request(
            "Invalid value specified for property 'userPrincipalName' of resource 'User'.",
        )
    };
    let (local, domain) = upn.rsplit_once('@').ok_or_else(invalid)?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || "'.-_!#^~".contains(c);
    if local.is_empty()
        || local.len() > 113
        || !local.chars().all(allowed)
        || local.starts_with('.')
        || local.ends_with('.')
    {
        return Err(invalid());
    }
    Ok(domain)
}

/// A userPrincipalName being set on `id`: well formed, on a verified domain, unused by others.
async fn check_upn(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    upn: &str,
    id: &str,
) -> Result<()> {
    let domain = upn_domain(upn)?;
    let (verified, taken) =
        store::objects::upn_domain_and_taken(conn, tenant, domain, upn, id).await?;
    if !verified {
        return Err(GraphError::request_bad_request(
            "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.",
        ));
    }
    if taken {
        return Err(duplicate_upn());
    }
    Ok(())
}

fn required<T>(value: Option<T>, property: &str) -> Result<T> {
    value.ok_or_else(|| {
        GraphError::request_bad_request(format!(
            "Invalid value specified for property '{property}' of resource 'User'."
        ))
    })
}

fn duplicate_upn() -> GraphError {
    GraphError::request_bad_request(
        "Another object with the same value for property userPrincipalName already exists.",
    )
    .with_details(serde_json::json!([{"target": "userPrincipalName", "code": "ObjectConflict"}]))
}
