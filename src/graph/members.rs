//! Group membership rules shared by the relationship engine (`relations`), `POST`/`PATCH
//! /groups` and the admin pages: what may be added (group-post-members), Graph's texts, the
//! `@odata.bind` URLs. The membership routes themselves are declarations in `relations`.

use serde_json::Value;

use crate::entities::group::Group;
use crate::error::{GraphError, Result};
use crate::store::{self, objects::Kind};

/// Graph's text when a member is added twice.
pub fn already_member() -> GraphError {
    GraphError::request_bad_request(
        "One or more added object references already exist for the following modified properties: 'members'.",
    )
}

/// The object ids named by `members@odata.bind`-style URLs (at most 20).
pub fn bind_targets(value: Option<Value>, property: &str) -> Result<Vec<String>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let invalid = || {
        GraphError::bad_request(format!(
            "Invalid value specified for property '{property}'."
        ))
    };
    let Value::Array(items) = value else {
        return Err(invalid());
    };
    if items.len() > 20 {
        return Err(GraphError::request_bad_request(format!(
            "The maximum number of entries in '{property}' is 20."
        )));
    }
    items
        .iter()
        .map(|item| item.as_str().and_then(object_id_of_url).ok_or_else(invalid))
        .collect()
}

/// `https://graph.microsoft.com/v1.0/directoryObjects/{id}` (or `/users/{id}`, relative, …) → id.
pub fn object_id_of_url(url: &str) -> Option<String> {
    let last = url.trim().trim_end_matches('/').rsplit('/').next()?;
    let last = last
        .strip_prefix("directoryObjects('")
        .and_then(|s| s.strip_suffix("')"))
        .unwrap_or(last);
    uuid::Uuid::parse_str(last).ok().map(|id| id.to_string())
}

/// Whether `member` may be added to `group` (`group_id`): it exists in the tenant, the group is
/// not dynamic, Microsoft 365 groups take no groups, and no nesting cycle results.
pub async fn check_can_add(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    group_id: &str,
    group: &Group,
    member: &str,
) -> Result<()> {
    let row = store::objects::get_object(conn, tenant, member)
        .await?
        .ok_or_else(|| GraphError::not_found(member))?;
    if group.is_dynamic() {
        // Graph answers a manual change to a dynamic group with its generic 403 (KelvinTegelaar/CIPP#468).
        return Err(GraphError::forbidden());
    }
    if row.kind() == Kind::Group {
        if group.is_unified() {
            // Divergence: Graph's exact text is not captured; Microsoft 365 groups hold no groups.
            return Err(GraphError::request_bad_request(
                "Microsoft 365 groups cannot contain groups as members.",
            ));
        }
        if row.id == group_id
            || store::members::is_transitive_member(conn, tenant, &row.id, group_id).await?
        {
            // Divergence: Entra refuses cycles; its text is not captured.
            return Err(GraphError::request_bad_request(
                "Adding this group would create a circular reference in group membership.",
            ));
        }
    }
    Ok(())
}
