//! LinkedIn profiles, the LinkedIn network and users' connection choices.

use sqlx::{FromRow, SqliteConnection};

use super::batch::Batch;

#[derive(Debug, Clone, FromRow, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkedInProfileRow {
    pub user_id: String,
    pub vanity_name: String,
    pub headline: Option<String>,
    pub current_position: Option<String>,
    pub location: Option<String>,
    pub public_visibility: bool,
}

pub async fn profile(
    conn: &mut SqliteConnection,
    tenant: &str,
    user: &str,
) -> sqlx::Result<Option<LinkedInProfileRow>> {
    sqlx::query_as(
        "select user_id, vanity_name, headline, current_position, location, public_visibility
         from linkedin_profiles where tenant_id = ? and user_id = ?",
    )
    .bind(tenant)
    .bind(user)
    .fetch_optional(conn)
    .await
}

pub async fn profiles(
    conn: &mut SqliteConnection,
    tenant: &str,
) -> sqlx::Result<Vec<LinkedInProfileRow>> {
    sqlx::query_as(
        "select p.user_id, p.vanity_name, p.headline, p.current_position, p.location, p.public_visibility
         from linkedin_profiles p join directory_objects o on o.tenant_id = p.tenant_id and o.id = p.user_id
         where p.tenant_id = ? order by o.seq",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await
}

/// Every first-degree pair of the tenant's LinkedIn network.
pub async fn connections(
    conn: &mut SqliteConnection,
    tenant: &str,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("select user_a, user_b from linkedin_connections where tenant_id = ? order by user_a, user_b")
        .bind(tenant)
        .fetch_all(conn)
        .await
}

/// (opt_out, linkedin_side) of a user who recorded no choice.
pub const DEFAULT_USER_STATE: (bool, &str) = (false, "accepted");

/// (opt_out, linkedin_side) of a user; [`DEFAULT_USER_STATE`] when nothing was recorded.
pub async fn user_state(
    conn: &mut SqliteConnection,
    tenant: &str,
    user: &str,
) -> sqlx::Result<(bool, String)> {
    let row: Option<(bool, String)> =
        sqlx::query_as("select opt_out, linkedin_side from linkedin_user_state where tenant_id = ? and user_id = ?")
            .bind(tenant)
            .bind(user)
            .fetch_optional(conn)
            .await?;
    let (opt_out, side) = DEFAULT_USER_STATE;
    Ok(row.unwrap_or((opt_out, side.to_owned())))
}

pub async fn set_user_state(
    conn: &mut SqliteConnection,
    tenant: &str,
    user: &str,
    opt_out: bool,
    linkedin_side: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into linkedin_user_state (tenant_id, user_id, opt_out, linkedin_side) values (?, ?, ?, ?)
         on conflict (tenant_id, user_id) do update set opt_out = excluded.opt_out, linkedin_side = excluded.linkedin_side",
    )
    .bind(tenant)
    .bind(user)
    .bind(opt_out)
    .bind(linkedin_side)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets the state of many users at once (fixture loading): `(user, opt_out, linkedin_side)`;
/// of two states for one user the later wins.
pub async fn set_user_states(
    batch: &mut Batch<'_>,
    tenant: &str,
    mut states: Vec<(&str, bool, &str)>,
) -> sqlx::Result<()> {
    // In key order (stable, so the later of two states still wins), each row goes in at the
    // end of the table's B-tree.
    states.sort_by_key(|state| state.0);
    super::insert_json_rows(
        batch,
        "insert into linkedin_user_state (tenant_id, user_id, opt_out, linkedin_side)
         select ?1, value ->> 0, value ->> 1, value ->> 2 from jsonb_each(?3) where true
         on conflict (tenant_id, user_id) do update set opt_out = excluded.opt_out, linkedin_side = excluded.linkedin_side",
        None,
        tenant,
        &states,
    )
    .await?;
    Ok(())
}

/// Inserts many profiles at once (fixture loading).
pub async fn insert_profiles(
    batch: &mut Batch<'_>,
    tenant: &str,
    profiles: &[LinkedInProfileRow],
) -> sqlx::Result<()> {
    let mut rows: Vec<_> = profiles
        .iter()
        .map(|p| {
            (
                &p.user_id,
                &p.vanity_name,
                &p.headline,
                &p.current_position,
                &p.location,
                p.public_visibility,
            )
        })
        .collect();
    // In key order: each row goes in at the end of the table's B-tree.
    rows.sort_by_key(|row| row.0);
    super::insert_json_rows(
        batch,
        "insert into linkedin_profiles (tenant_id, user_id, vanity_name, headline, current_position, location, public_visibility)
         select ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 from jsonb_each(?3)",
        None,
        tenant,
        &rows,
    )
    .await?;
    Ok(())
}

/// Records many first-degree connections at once (fixture loading).
pub async fn connect_many(
    batch: &mut Batch<'_>,
    tenant: &str,
    pairs: &[(String, String)],
) -> sqlx::Result<()> {
    let mut rows: Vec<_> = pairs
        .iter()
        .map(|(a, b)| if a < b { (a, b) } else { (b, a) })
        .collect();
    // In key order each row goes in at the end of the table's B-tree, not at a random page.
    rows.sort_unstable();
    super::insert_json_rows(
        batch,
        "insert into linkedin_connections (tenant_id, user_a, user_b)
         select ?1, value ->> 0, value ->> 1 from jsonb_each(?3) where true
         on conflict do nothing",
        None,
        tenant,
        &rows,
    )
    .await?;
    Ok(())
}
