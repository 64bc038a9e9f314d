//! Tenants for test suites and labs: reset (to the fixtures or to empty), create from a
//! fixture or from another tenant as a template, list, delete, and snapshots (export a tenant
//! as a fixture document, import one back).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::seeds::KeptSeed;
use crate::error::{GraphError, Result};
use crate::fixtures::{self, FixtureSource, TenantSeed, export};
use crate::linkedin::LinkedInSettings;
use crate::protocol::request::{JsonObjectText, typed, typed_text};
use crate::protocol::wire::GraphJson;
use crate::state::AppState;
use crate::store::bulk::Readers;
use crate::store::{self, tenants::TenantRow};

pub use super::seeds::Seeds;

/// `import_limit`: the body limit of the routes that take a fixture document (whatever
/// tenantsim exports it takes back; other routes keep the global limit).
pub fn router(import_limit: usize) -> Router<AppState> {
    let import_body = DefaultBodyLimit::max(import_limit);
    Router::new()
        .route("/_tenantsim/reset", post(reset_all))
        .route(
            "/_tenantsim/tenants",
            get(list_tenants).merge(post(create_tenant).layer(import_body)),
        )
        .route(
            "/_tenantsim/tenants/{tenant}",
            get(get_tenant).delete(delete_tenant),
        )
        .route("/_tenantsim/tenants/{tenant}/reset", post(reset_tenant))
        .route("/_tenantsim/tenants/{tenant}/snapshot", get(export_one))
        .route(
            "/_tenantsim/snapshot",
            get(export_all).merge(post(import).layer(import_body)),
        )
}

/// A tenant by id, verified domain, or the first label of its `*.onmicrosoft.com` domain
/// (`contoso`). An id wins over a domain; a GUID never falls back to the short name (a tenant
/// could otherwise answer to a deleted or future tenant's id with `{id}.onmicrosoft.com`).
pub async fn resolve(conn: &mut sqlx::SqliteConnection, key: &str) -> Result<TenantRow> {
    if let Some(tenant) = store::tenants::resolve_tenant(conn, key).await? {
        return Ok(tenant);
    }
    if !key.contains('.') && uuid::Uuid::parse_str(key).is_err() {
        let initial = format!("{key}.onmicrosoft.com");
        if let Some(tenant) = store::tenants::resolve_tenant(conn, &initial).await? {
            return Ok(tenant);
        }
    }
    Err(GraphError::not_found(key))
}

/// The summary `GET /_tenantsim/tenants` lists, with sign-in credentials where the seed has
/// them in clear (fixture passwords are demo values).
pub async fn summary(
    conn: &mut sqlx::SqliteConnection,
    state: &AppState,
    tenant: &TenantRow,
) -> Result<Value> {
    let domains = store::tenants::tenant_domains(conn, &tenant.id).await?;
    let linked_in = LinkedInSettings::from_tenant(tenant);
    let credentials = state.seeds.get(&tenant.id).map_or_else(
        || json!({"globalAdministrators": [], "applications": []}),
        |seed| seed.credentials().clone(),
    );
    Ok(json!({
        "id": tenant.id,
        "displayName": tenant.display_name,
        "domains": domains,
        "cloud": tenant.cloud,
        "country": tenant.country,
        "linkedIn": {"enableLinkedInAppFamily": linked_in.effective(tenant), "selectedGroupId": linked_in.selected_group_id},
        "credentials": credentials,
    }))
}

/// GET /_tenantsim/tenants
async fn list_tenants(State(state): State<AppState>) -> Result<GraphJson> {
    let mut conn = state.db.pool.acquire().await?;
    let mut out = Vec::new();
    for tenant in store::tenants::list_tenants(&mut conn).await? {
        out.push(summary(&mut conn, &state, &tenant).await?);
    }
    Ok(GraphJson(StatusCode::OK, json!({ "value": out })))
}

/// GET /_tenantsim/tenants/{tenant}
async fn get_tenant(State(state): State<AppState>, Path(key): Path<String>) -> Result<GraphJson> {
    let mut conn = state.db.pool.acquire().await?;
    let tenant = resolve(&mut conn, &key).await?;
    Ok(GraphJson(
        StatusCode::OK,
        summary(&mut conn, &state, &tenant).await?,
    ))
}

/// Replaces (or creates) tenants from seeds inside the caller's write transaction. A seed
/// replaces the tenant with its id only: 409, and nothing changed once the caller rolls back, if
/// one of its domains or appIds is held by a tenant it does not replace.
///
/// `log`: the seeds are the tenants' own (not an emptied copy), so their undo logs start.
async fn replace_tenants(
    db: &store::Db,
    conn: &mut sqlx::SqliteConnection,
    seeds: &[impl Borrow<TenantSeed>],
    log: bool,
) -> Result<()> {
    // The replaced tenants go before any index is set aside. Foreign keys are on here, so each
    // deleted object looks up the rows that reference it through those indexes (memberships by
    // member, LinkedIn connections by their second user); without them every lookup scanned
    // the other tenants' rows: a 20,000-user tenant reloaded beside a 10,000-user one in a
    // `--db` file took 58 s.
    delete_replaced(conn, seeds).await?;
    let set_aside = fixtures::set_aside(db, Readers::Serving, conn, seeds).await?;
    insert_seeds(conn, seeds, log).await?;
    store::bulk::rebuild(conn, set_aside).await?;
    Ok(())
}

/// [`replace_tenants`] without the choice of indexes, for a caller that made it for a batch.
async fn put_tenants(
    conn: &mut sqlx::SqliteConnection,
    seeds: &[impl Borrow<TenantSeed>],
    log: bool,
) -> Result<()> {
    delete_replaced(conn, seeds).await?;
    insert_seeds(conn, seeds, log).await
}

/// Deletes the tenants `seeds` replace, every one before any is inserted, so domains may move
/// between the document's tenants.
async fn delete_replaced(
    conn: &mut sqlx::SqliteConnection,
    seeds: &[impl Borrow<TenantSeed>],
) -> Result<()> {
    for seed in seeds {
        store::tenants::delete_tenant(conn, &seed.borrow().id).await?;
    }
    Ok(())
}

/// Inserts `seeds`, once [`delete_replaced`] made room: 409 if a key of theirs is another
/// tenant's.
async fn insert_seeds(
    conn: &mut sqlx::SqliteConnection,
    seeds: &[impl Borrow<TenantSeed>],
    log: bool,
) -> Result<()> {
    check_keys_free(conn, seeds).await?;
    for seed in seeds {
        fixtures::insert_tenant(conn, seed.borrow(), log)
            .await
            .map_err(GraphError::internal)?;
    }
    Ok(())
}

/// 409 if a domain (compared case-insensitively) or an application appId of `seeds` is held by
/// a tenant in the database: either would let a key name two tenants (a `{tenant}` segment, a
/// `client_id` on `/common`). Checked inside the caller's write transaction, so no concurrent
/// creation can claim one between the check and the insert.
async fn check_keys_free(
    conn: &mut sqlx::SqliteConnection,
    seeds: &[impl Borrow<TenantSeed>],
) -> Result<()> {
    let taken = |what: String| {
        GraphError::new(
            crate::error::ErrorCode::RequestMultipleObjectsWithSameKeyValue,
            format!("The {what} belongs to another tenant."),
        )
    };
    for seed in seeds {
        let seed = seed.borrow();
        for domain in &seed.domains {
            if store::tenants::domain_owner(conn, domain).await?.is_some() {
                return Err(taken(format!("domain {domain}")));
            }
        }
        // Divergence: Entra gives a multi-tenant app service principals in many tenants; a
        // fixture's applications are registrations, so an appId belongs to one tenant.
        for app in &seed.applications {
            if store::apps::app_id_taken(conn, &app.app_id).await? {
                return Err(taken(format!("application appId {}", app.app_id)));
            }
        }
    }
    Ok(())
}

/// An empty copy of a seed: the tenant, its settings and domains, no objects.
fn emptied(seed: &KeptSeed) -> Arc<KeptSeed> {
    Arc::new(KeptSeed::parsed(super::seeds::head_of(seed.head())))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ResetRequest {
    /// `fixtures` (default) or `empty`.
    #[serde(default)]
    to: Option<String>,
    /// Keep the signing key (default) or replace it: tokens signed before stop verifying.
    #[serde(default = "keep")]
    keep_signing_keys: bool,
}

fn keep() -> bool {
    true
}

/// An optional JSON body: empty means the defaults.
/// What a reset body asks: (to empty, keep the signing key).
fn reset_target(body: &[u8]) -> Result<(bool, bool)> {
    let request: ResetRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ResetRequest {
            to: None,
            keep_signing_keys: true,
        }
    } else {
        let value: Value = serde_json::from_slice(body)
            .map_err(|_| GraphError::bad_request(crate::protocol::request::UNREADABLE_BODY))?;
        typed(value, "reset")?
    };
    match request.to.as_deref() {
        None | Some("fixtures") => Ok((false, request.keep_signing_keys)),
        Some("empty") => Ok((true, request.keep_signing_keys)),
        Some(other) => Err(GraphError::request_bad_request(format!(
            "'to' must be 'fixtures' or 'empty', not '{other}'."
        ))),
    }
}

/// Leaves exactly the tenants of `seeds`, each as its seed says, atomically (what a full
/// reset does): the others are deleted, and each seed's tenant is put back from its undo log
/// or else reloaded. `log`: the seeds are the tenants' own (not emptied copies), so the undo
/// logs may be used and start again. Returns how many tenants were reloaded.
pub async fn replace_all(
    state: &AppState,
    seeds: &[Arc<KeptSeed>],
    log: bool,
) -> anyhow::Result<usize> {
    let mut tx = state.db.begin_write().await?;
    // Deleted first, so domains may move to the seeds' tenants.
    for tenant in store::tenants::list_tenants(&mut tx).await? {
        if !seeds.iter().any(|s| s.id() == tenant.id) {
            store::tenants::delete_tenant(&mut tx, &tenant.id).await?;
            store::seeds::delete_seed(&mut tx, &tenant.id).await?;
        }
    }
    let mut reload = Vec::new();
    for seed in seeds {
        if !log
            || super::restore::from_log(&mut tx, seed.head())
                .await?
                .is_none()
        {
            reload.push(seed.seed()?);
        }
    }
    replace_tenants(&state.db, &mut tx, &reload, log).await?;
    tx.commit().await?;
    // The tenants created since start-up went out with the commit: their rows count as much
    // as the ones loaded, and their seeds are freed before the allocator is trimmed.
    let dropped = state.seeds.forget_all_but_startup();
    let objects =
        fixtures::object_count(&reload) + dropped.iter().map(|s| s.object_count()).sum::<usize>();
    let reloaded = reload.len();
    drop((reload, dropped));
    state.verified_tokens.clear();
    release_after_bulk(&state.db, objects).await;
    Ok(reloaded)
}

/// After a large tenant went in or out (`objects` directory objects): its parse and the
/// in-memory rollback journal leave hundreds of megabytes free inside the allocator (see
/// [`crate::memory`]). A small one's reset keeps its few milliseconds. Call it once the seeds
/// that went out are dropped, or their memory stays behind.
async fn release_after_bulk(db: &store::Db, objects: usize) {
    if objects >= store::bulk::MIN_OBJECTS {
        if let Err(error) = db.renew_writer().await {
            // The old writer stays: slower commits, nothing lost.
            tracing::warn!(%error, "the writer connection could not be renewed after a bulk load");
        }
        let started = Instant::now();
        crate::memory::release_freed_memory();
        tracing::debug!(elapsed = ?started.elapsed(), "freed memory returned");
    }
}

/// POST /_tenantsim/reset — every tenant back to its start-up state (tenants created since are
/// deleted), atomically. Body (optional): `{"to":"fixtures"|"empty"}`.
async fn reset_all(State(state): State<AppState>, body: axum::body::Bytes) -> Result<GraphJson> {
    let (empty, keep_keys) = reset_target(&body)?;
    if !keep_keys {
        // Divergence: the signing key is one for all tenants, so rotating it affects every
        // tenant; the new key lives in memory (a restart reads the data directory's again).
        state
            .rotate_keys(crate::auth::keys::SigningKeys::generate().map_err(GraphError::internal)?);
    }
    let started = Instant::now();
    let seeds: Vec<Arc<KeptSeed>> = state
        .seeds
        .startup_seeds()
        .into_iter()
        .map(|s| if empty { emptied(&s) } else { s })
        .collect();
    let reloaded = replace_all(&state, &seeds, !empty)
        .await
        .map_err(GraphError::internal)?;
    Ok(GraphJson(
        StatusCode::OK,
        json!({
            "tenants": seeds.len(),
            "reloaded": reloaded,
            "elapsedMs": started.elapsed().as_secs_f64() * 1000.0,
        }),
    ))
}

/// POST /_tenantsim/tenants/{tenant}/reset — one tenant back to its seed (or empty).
async fn reset_tenant(
    State(state): State<AppState>,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> Result<GraphJson> {
    let (empty, keep_keys) = reset_target(&body)?;
    let started = Instant::now();
    let (tenant, method) = reset_one(&state, &key, empty).await?;
    if !keep_keys {
        // Divergence: the signing key is one for all tenants, so rotating it affects every
        // tenant; the new key lives in memory (a restart reads the data directory's again).
        state
            .rotate_keys(crate::auth::keys::SigningKeys::generate().map_err(GraphError::internal)?);
    }
    let mut out = serde_json::Map::new();
    out.insert("tenant".into(), tenant.id.into());
    method.describe(&mut out);
    out.insert(
        "elapsedMs".into(),
        (started.elapsed().as_secs_f64() * 1000.0).into(),
    );
    Ok(GraphJson(StatusCode::OK, Value::Object(out)))
}

/// Puts one tenant back to its seed (or empties it): from its undo log when it has one, else
/// by reloading it. The tenant is looked up inside the write transaction: looked up before
/// it, a tenant deleted in between (the delete acknowledged) came back from its seed.
pub async fn reset_one(
    state: &AppState,
    key: &str,
    empty: bool,
) -> Result<(TenantRow, super::restore::ResetMethod)> {
    let mut tx = state.db.begin_write().await?;
    let tenant = resolve(&mut tx, key).await?;
    let seed = state.seeds.get(&tenant.id).ok_or_else(|| {
        GraphError::request_bad_request(format!("Tenant {} has no seed to reset to.", tenant.id))
    })?;
    if !empty
        && let Some(rows) = super::restore::from_log(&mut tx, seed.head())
            .await
            .map_err(GraphError::internal)?
    {
        tx.commit().await?;
        state.verified_tokens.clear();
        return Ok((tenant, super::restore::ResetMethod::Undo(rows)));
    }
    let seed = if empty {
        Arc::new(super::seeds::head_of(seed.head()))
    } else {
        seed.seed().map_err(GraphError::internal)?
    };
    replace_tenants(&state.db, &mut tx, std::slice::from_ref(&seed), !empty).await?;
    tx.commit().await?;
    state.verified_tokens.clear();
    release_after_bulk(
        &state.db,
        fixtures::object_count(std::slice::from_ref(&seed)),
    )
    .await;
    Ok((tenant, super::restore::ResetMethod::Reload))
}

/// DELETE /_tenantsim/tenants/{tenant}
async fn delete_tenant(State(state): State<AppState>, Path(key): Path<String>) -> Result<Response> {
    let mut tx = state.db.begin_write().await?;
    let tenant = resolve(&mut tx, &key).await?;
    store::tenants::delete_tenant(&mut tx, &tenant.id).await?;
    // A start-up tenant keeps its seed: a full reset brings it back.
    if !state.seeds.is_startup(&tenant.id) {
        store::seeds::delete_seed(&mut tx, &tenant.id).await?;
    }
    tx.commit().await?;
    // Counted before the seed is forgotten, trimmed after: a start-up tenant keeps its seed,
    // a run-time one's seed is freed here and its memory goes back with the rows'.
    let objects = state.seeds.get(&tenant.id).map_or(0, |s| s.object_count());
    state.seeds.forget(&tenant.id);
    // Tokens of the deleted tenant must stop working at once.
    state.verified_tokens.clear();
    release_after_bulk(&state.db, objects).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateTenant<'a> {
    /// A fixture document (`{"tenants":[…]}`) or one tenant object of that format, parsed
    /// from the request's own text.
    #[serde(borrow)]
    fixture: Option<&'a RawValue>,
    /// An existing tenant (id or domain) to copy.
    template: Option<String>,
    /// With `template`: a short name (`student01`) that names the domains of the copy.
    name: Option<String>,
    /// With `template`: the new tenant id (default: derived from template and name).
    id: Option<String>,
    display_name: Option<String>,
    /// With `template`: object ids to use instead of derived ones (`{"old": "new"}`).
    #[serde(default)]
    id_map: HashMap<String, String>,
}

/// A fixture document (or one tenant object) as seeds; 400 naming every error.
fn fixture_seeds(text: &str, name: &str) -> Result<Vec<TenantSeed>> {
    fixtures::parse_text(name, text, true).map_err(|errors| {
        GraphError::request_bad_request(format!(
            "The fixture is invalid: {}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })
}

/// Inserts new tenants; 409 if a tenant's id or one of its domains is taken. Runs in the
/// caller's write transaction: checked before it, two concurrent creations of one tenant both
/// passed and the second silently replaced the first (one domain claimed twice was a 500 from
/// the unique index).
async fn insert_new_tenants(
    db: &store::Db,
    conn: &mut sqlx::SqliteConnection,
    seeds: &[TenantSeed],
) -> Result<()> {
    for seed in seeds {
        if store::tenants::tenant_exists(conn, &seed.id).await? {
            return Err(GraphError::new(
                crate::error::ErrorCode::RequestMultipleObjectsWithSameKeyValue,
                format!("Tenant {} already exists.", seed.id),
            ));
        }
    }
    let set_aside = fixtures::set_aside(db, Readers::Serving, conn, seeds).await?;
    for seed in seeds {
        check_keys_free(conn, std::slice::from_ref(seed)).await?;
        fixtures::insert_tenant(conn, seed, true)
            .await
            .map_err(GraphError::internal)?;
    }
    store::bulk::rebuild(conn, set_aside).await?;
    Ok(())
}

/// POST /_tenantsim/tenants — `{"fixture": …}` or `{"template": "contoso.onmicrosoft.com",
/// "name": "student01", "id"?: …, "idMap"?: {…}}`. 201 with the tenant summary.
async fn create_tenant(State(state): State<AppState>, body: JsonObjectText) -> Result<Response> {
    let request: CreateTenant<'_> = typed_text(body.text(), "tenant")?;
    // One write transaction reads the template, checks the new ids and domains and inserts:
    // the copy comes from a consistent template even while it is being written (read outside
    // it, a membership could name a user the copy lacked: a spurious 400), and two concurrent
    // creations of one tenant cannot both pass the check.
    let mut tx = state.db.begin_write().await?;
    let (text, name) = match (request.fixture, request.template) {
        (Some(fixture), None) => (fixture.get().to_owned(), "request body".to_owned()),
        (None, Some(template)) => {
            let name = request.name.ok_or_else(|| {
                GraphError::request_bad_request("'name' is required with 'template'.")
            })?;
            let source = resolve(&mut tx, &template).await?;
            let mut exported = export::export_tenant(&mut tx, &source)
                .await
                .map_err(GraphError::internal)?;
            if let Some(seed) = state.seeds.get(&source.id) {
                let seed = seed.seed().map_err(GraphError::internal)?;
                restore_clear_secrets(&mut exported, &seed);
            }
            let copy = super::template::copy(
                &exported,
                &name,
                request.id.as_deref(),
                request.display_name.as_deref(),
                &request.id_map,
            )?;
            (copy.to_string(), format!("template {template}"))
        }
        _ => {
            return Err(GraphError::request_bad_request(
                "Give either 'fixture' or 'template'.",
            ));
        }
    };
    let seeds = fixture_seeds(&text, &name)?;
    insert_new_tenants(&state.db, &mut tx, &seeds).await?;
    for seed in &seeds {
        super::seeds::persist(&mut tx, &state.db, &seed.id)
            .await
            .map_err(GraphError::internal)?;
    }
    tx.commit().await?;
    state.verified_tokens.clear();
    // The parsed seeds of a large text are freed before the allocator is trimmed.
    let objects = fixtures::object_count(&seeds);
    let kept = super::seeds::keep_created(&name, text, seeds).await;
    release_after_bulk(&state.db, objects).await;
    let mut conn = state.db.pool.acquire().await?;
    let mut created = Vec::new();
    for seed in kept {
        let id = seed.id().to_owned();
        state.seeds.remember_kept(seed);
        let tenant = resolve(&mut conn, &id).await?;
        created.push(summary(&mut conn, &state, &tenant).await?);
    }
    let body = if created.len() == 1 {
        created.remove(0)
    } else {
        json!({ "value": created })
    };
    Ok(GraphJson(StatusCode::CREATED, body).into_response())
}

/// GET /_tenantsim/tenants/{tenant}/snapshot — the tenant as a fixture document.
async fn export_one(State(state): State<AppState>, Path(key): Path<String>) -> Result<GraphJson> {
    // One read transaction: read statement by statement, an export taken during writes could
    // list a member missing from its users, and would not import back.
    let mut tx = state.db.begin_read().await?;
    let tenant = resolve(&mut tx, &key).await?;
    let document = export::export(&mut tx, &[tenant])
        .await
        .map_err(GraphError::internal)?;
    tx.commit().await?;
    Ok(GraphJson(StatusCode::OK, document))
}

#[derive(Debug, Deserialize)]
struct SnapshotQuery {
    tenant: Option<String>,
}

/// GET /_tenantsim/snapshot[?tenant=] — every tenant (or one) as a fixture document.
async fn export_all(
    State(state): State<AppState>,
    Query(query): Query<SnapshotQuery>,
) -> Result<GraphJson> {
    // One read transaction for all of it (see `export_one`).
    let mut tx = state.db.begin_read().await?;
    let tenants = match query.tenant {
        Some(key) => vec![resolve(&mut tx, &key).await?],
        None => store::tenants::list_tenants(&mut tx).await?,
    };
    let document = export::export(&mut tx, &tenants)
        .await
        .map_err(GraphError::internal)?;
    tx.commit().await?;
    Ok(GraphJson(StatusCode::OK, document))
}

/// POST /_tenantsim/snapshot — imports a fixture document: each tenant in it replaces the
/// tenant with the same id (or is created), atomically; it also becomes that tenant's seed.
async fn import(State(state): State<AppState>, body: JsonObjectText) -> Result<GraphJson> {
    let imported = import_document(&state, body.text()).await?;
    Ok(GraphJson(StatusCode::OK, json!({ "imported": imported })))
}

/// Imports a fixture document (the snapshot import, also used by the lab page): each tenant
/// replaces the one with its id (or is created) and becomes its seed, kept in the same
/// transaction. Returns the tenant ids.
pub async fn import_document(state: &AppState, document: &str) -> Result<Vec<String>> {
    let seeds = fixture_seeds(document, "snapshot")?;
    let mut tx = state.db.begin_write().await?;
    replace_tenants(&state.db, &mut tx, &seeds, true).await?;
    for seed in &seeds {
        super::seeds::persist(&mut tx, &state.db, &seed.id)
            .await
            .map_err(GraphError::internal)?;
    }
    tx.commit().await?;
    state.verified_tokens.clear();
    let objects = fixtures::object_count(&seeds);
    let ids = seeds.iter().map(|s| s.id.clone()).collect();
    for seed in super::seeds::keep_created("snapshot", document.to_owned(), seeds).await {
        state.seeds.remember_kept(seed);
    }
    release_after_bulk(&state.db, objects).await;
    Ok(ids)
}

/// Loads fixture sources at start-up through the same path, for `serve` and test harnesses.
pub fn parse_sources(sources: &[FixtureSource]) -> anyhow::Result<Vec<TenantSeed>> {
    fixtures::parse_all(sources).map_err(|errors| {
        anyhow::anyhow!(
            "fixtures are invalid:\n{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// `serve --lab N --template T`: N student tenants `student01`…, copied from `template`, with
/// predictable ids and domains; they are part of the start-up state a full reset restores.
/// Existing student tenants (a file database) are kept, with the seed they were created with.
/// One write transaction: the template is read consistently, and each new tenant is written
/// with its persisted seed. Only for start-up, before the server listens (see the indexes).
pub async fn create_lab(
    state: &AppState,
    template: &str,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let mut tx = state.db.begin_write().await?;
    let source = resolve(&mut tx, template)
        .await
        .map_err(|e| anyhow::anyhow!("lab template '{template}': {}", e.message))?;
    let mut exported = export::export_tenant(&mut tx, &source).await?;
    if let Some(seed) = state.seeds.get(&source.id) {
        restore_clear_secrets(&mut exported, &*seed.seed()?);
    }
    // Students are created before the server listens (`serve --lab`), so nobody reads while
    // the indexes are set aside: one set-aside and one rebuild serve every student, where a
    // 100,000-user template's copy took ~7 s maintaining them row by row in memory. Chosen
    // when the first student is missing: students kept from an earlier start (a file
    // database) need no rebuild.
    let mut set_aside = None;
    let mut seeds = Vec::new();
    let mut objects = 0;
    for n in 1..=count {
        let name = format!("student{n:02}");
        let copy = super::template::copy(&exported, &name, None, None, &HashMap::new())
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
        let text = copy.to_string();
        let parsed = fixture_seeds(&text, &name).map_err(|e| anyhow::anyhow!("{}", e.message))?;
        let mut created = Vec::new();
        for seed in parsed {
            let student_objects = fixtures::object_count(std::slice::from_ref(&seed));
            objects += student_objects;
            if !store::tenants::tenant_exists(&mut tx, &seed.id).await? {
                if set_aside.is_none() {
                    // This student and those after it, each a copy of the same template.
                    let incoming = student_objects.saturating_mul(count - n + 1);
                    set_aside = Some(
                        store::bulk::set_aside(&state.db, Readers::None, &mut tx, incoming).await?,
                    );
                }
                put_tenants(&mut tx, std::slice::from_ref(&seed), true)
                    .await
                    // The whole error: an internal one's cause is the only useful part here.
                    .map_err(|e| anyhow::Error::new(e).context(format!("lab tenant {name}")))?;
                super::seeds::persist(&mut tx, &state.db, &seed.id).await?;
                created.push(seed);
            } else if let Some(persisted) = state.seeds.get(&seed.id) {
                // Kept from an earlier start, with the seed persisted then (read at start-up,
                // clear demo credentials restored where their digests match).
                seeds.push(persisted);
            } else {
                // Created before seeds were persisted: the copy is the best seed there is.
                seeds.push(Arc::new(KeptSeed::parsed(seed)));
            }
        }
        let kept = super::seeds::keep_created(&name, text, created).await;
        seeds.extend(kept.into_iter().map(Arc::new));
    }
    store::bulk::rebuild(&mut tx, set_aside.flatten()).await?;
    tx.commit().await?;
    state.verified_tokens.clear();
    release_after_bulk(&state.db, objects).await;
    let ids = seeds.iter().map(|s| s.id().to_owned()).collect();
    state.seeds.add_startup(seeds);
    Ok(ids)
}

/// A copy keeps the template's demo passwords and client secrets in clear where they are still
/// the seed's, so `GET /_tenantsim/tenants` can list a student tenant's credentials.
fn restore_clear_secrets(exported: &mut Value, seed: &TenantSeed) {
    // By id: a search of the seed's users per exported user was quadratic (a 100,000-user
    // template).
    let passwords: HashMap<&str, &String> = seed
        .users
        .iter()
        .filter_map(|u| Some((u.id.as_str(), u.password.as_ref()?)))
        .collect();
    for user in exported["users"].as_array_mut().into_iter().flatten() {
        let id = user["id"].as_str().unwrap_or_default();
        let clear = passwords.get(id).map(|p| (*p).clone());
        if let (Some(clear), Some(map)) = (clear, user.as_object_mut())
            && map.get("passwordSha256").and_then(Value::as_str)
                == Some(fixtures::password_digest(&clear).as_str())
        {
            map.remove("passwordSha256");
            map.insert("password".into(), json!(clear));
        }
    }
    for app in exported["applications"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        let id = app["appId"].as_str().unwrap_or_default().to_owned();
        let Some(seed_app) = seed
            .applications
            .iter()
            .find(|a| a.app_id.eq_ignore_ascii_case(&id))
        else {
            continue;
        };
        let digests: Vec<String> = app["secretSha256"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        let clear: Vec<&String> = seed_app
            .secrets
            .iter()
            .filter(|s| digests.contains(&fixtures::password_digest(s)))
            .collect();
        let kept: Vec<&String> = digests
            .iter()
            .filter(|d| {
                !seed_app
                    .secrets
                    .iter()
                    .any(|s| &fixtures::password_digest(s) == *d)
            })
            .collect();
        app["secrets"] = json!(clear);
        app["secretSha256"] = json!(kept);
    }
}
