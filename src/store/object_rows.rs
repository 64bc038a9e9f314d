//! Many directory objects at once: the multi-row insert of fixture loads, resets and imports
//! ([`insert_objects`]), and the same rows encoded ahead of their insert ([`encode_objects`]),
//! which the start-up uses to insert a large tenant's users as they are checked. A row here is
//! what `directory_objects` holds (<https://learn.microsoft.com/graph/api/resources/directoryobject>).

use sqlx::SqliteConnection;

use super::batch::{Batch, Statement};
use super::changes::Change;
use super::objects::ObjectWrite;

/// The insert of [`insert_objects`]; with the log, the same rows give the change-log rows.
macro_rules! insert_objects_sql {
    () => {
        "insert into directory_objects (tenant_id, id, kind, display_name, user_principal_name, app_id, data, secret, seq)
         select ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6,
            coalesce(?2, (select coalesce(max(seq), 0) from directory_objects where tenant_id = ?1)) + key + 1
         from jsonb_each(?3)"
    };
}

const INSERT_OBJECTS: &str = insert_objects_sql!();
const LAST_OBJECT_SEQ: &str =
    "select coalesce(max(seq), 0) from directory_objects where tenant_id = ?";

/// Queues many objects in a few multi-row statements (fixture loading), numbering them after
/// the tenant's current last object. `secrets[i]` belongs to `objects[i]`. With
/// `log_changes`, each object of a tracked kind gets its `created` entry in the change log,
/// in the same order (what [`super::objects::insert_object`] writes for one).
pub async fn insert_objects(
    batch: &mut Batch<'_>,
    tenant: &str,
    objects: &[ObjectWrite<'_>],
    secrets: &[Option<&str>],
    log_changes: bool,
) -> sqlx::Result<()> {
    const INSERT_AND_LOG: &str = concat!(
        insert_objects_sql!(),
        ";
         insert into directory_changes (tenant_id, object_id, kind, change)
         select ?1, value ->> 0, value ->> 1, 'created' from jsonb_each(?3) where value ->> 7 order by key"
    );
    // The log's `created` is written literally above: the JSON is the only value bound.
    const _: () = assert!(matches!(Change::Created.as_str().as_bytes(), b"created"));
    let rows = object_rows(objects, secrets, log_changes);
    if rows.is_empty() {
        return Ok(());
    }
    super::insert_json_rows(
        batch,
        if log_changes {
            INSERT_AND_LOG
        } else {
            INSERT_OBJECTS
        },
        Some(LAST_OBJECT_SEQ),
        tenant,
        &rows,
    )
    .await
}

type ObjectJsonRow<'a> = (
    &'a str,
    &'static str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    &'a str,
    Option<&'a str>,
    bool,
);

/// The rows [`insert_objects`] binds: `secrets[i]` belongs to `objects[i]`.
fn object_rows<'a>(
    objects: &[ObjectWrite<'a>],
    secrets: &[Option<&'a str>],
    log_changes: bool,
) -> Vec<ObjectJsonRow<'a>> {
    objects
        .iter()
        .zip(secrets.iter().copied().chain(std::iter::repeat(None)))
        .map(|(o, secret)| {
            (
                o.id,
                o.kind.as_str(),
                o.display_name,
                o.user_principal_name,
                o.app_id,
                o.data,
                secret,
                log_changes && o.kind.tracked(),
            )
        })
        .collect()
}

/// Objects encoded for [`insert_encoded_objects`], not logged: [`insert_objects`]'s rows
/// made ahead of their insert (the start-up encodes a large tenant's users on the thread that
/// reads them).
pub fn encode_objects(
    objects: &[ObjectWrite<'_>],
    secrets: &[Option<&str>],
) -> sqlx::Result<Vec<u8>> {
    super::jsonb::to_vec(&object_rows(objects, secrets, false))
        .map_err(|e| sqlx::Error::Encode(e.into()))
}

/// The tenant's last object `seq` (0 with none): [`insert_encoded_objects`] numbers from it.
pub async fn last_object_seq(conn: &mut SqliteConnection, tenant: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(LAST_OBJECT_SEQ)
        .bind(tenant)
        .fetch_one(conn)
        .await
}

/// Inserts objects [`encode_objects`] encoded, numbered after `before`: what
/// [`insert_objects`] inserts for them, without the log.
pub async fn insert_encoded_objects(
    conn: &mut SqliteConnection,
    tenant: &str,
    before: i64,
    rows: Vec<u8>,
) -> sqlx::Result<()> {
    Statement::new(INSERT_OBJECTS)
        .bind(tenant)
        .bind(before)
        .bind(super::batch::Value::Blob(rows))
        .execute(conn)
        .await?;
    Ok(())
}
