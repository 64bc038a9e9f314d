//! The profile-card decision: what a viewer's profile card shows about a person, and the
//! ordered chain of checks that decided the LinkedIn section. One function, used by
//! `/_tenantsim/…/profileCard` and by the web pages, reading the same state Graph and the
//! portal API write.

use std::collections::{HashMap, HashSet, VecDeque};

use serde::Serialize;
use serde_json::{Map, Value, json};
use sqlx::SqliteConnection;

use super::{ConnectionState, LinkedInSettings, settings};
use crate::store::{self, linkedin::LinkedInProfileRow, objects::ObjectRow, tenants::TenantRow};

/// What the LinkedIn section of the card shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Shown {
    None,
    Public,
    Connected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    Pass,
    Fail,
    /// Recorded for the explanation; does not decide anything.
    Info,
    /// Not reached: an earlier check decided.
    NotEvaluated,
}

/// One step of the explanation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reason {
    pub check: &'static str,
    pub outcome: Outcome,
    pub detail: String,
    /// The step that decided `shown`.
    pub decisive: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// The card for one viewer and one person.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileCard {
    pub tenant_id: String,
    pub viewer: Value,
    pub person: Value,
    pub profile_card_properties: Vec<Value>,
    /// The profile card's organization section: the manager chain up to the top (nearest
    /// first) and the person's direct reports.
    pub organization: Organization,
    pub linked_in: LinkedInSection,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub manager: Vec<Value>,
    pub direct_reports: Vec<Value>,
}

/// Who a card's person reports to, up to the top, and who reports to them (user-list-manager,
/// user-list-directreports).
async fn organization(
    conn: &mut SqliteConnection,
    tenant: &str,
    person: &str,
) -> sqlx::Result<Organization> {
    let chain = store::links::manager_chain(conn, tenant, person, 64).await?;
    let reports =
        store::links::sources(conn, tenant, store::links::LinkKind::Manager, person).await?;
    let rows =
        store::objects::get_many(conn, tenant, &[chain.clone(), reports.clone()].concat()).await?;
    let brief = |id: &String| {
        rows.iter().find(|r| &r.id == id).map(|row| {
            let data: Map<String, Value> = serde_json::from_str(&row.data).unwrap_or_default();
            json!({
                "id": row.id,
                "displayName": row.display_name,
                "jobTitle": data.get("jobTitle").cloned().unwrap_or(Value::Null),
                "userPrincipalName": row.user_principal_name,
            })
        })
    };
    Ok(Organization {
        manager: chain.iter().filter_map(brief).collect(),
        direct_reports: reports.iter().filter_map(brief).collect(),
    })
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkedInSection {
    pub shown: Shown,
    pub data: Option<Value>,
    pub reasons: Vec<Reason>,
}

/// Why a card could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("no user '{0}' in this tenant")]
    UnknownUser(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

const BASIC_FIELDS: &[&str] = &[
    "displayName",
    "jobTitle",
    "department",
    "companyName",
    "officeLocation",
    "city",
    "mail",
    "businessPhones",
    "mobilePhone",
    "userPrincipalName",
];

fn basic(row: &ObjectRow) -> Value {
    let data: Map<String, Value> = serde_json::from_str(&row.data).unwrap_or_default();
    let mut out = Map::new();
    out.insert("id".into(), json!(row.id));
    for field in BASIC_FIELDS {
        out.insert(
            (*field).to_owned(),
            data.get(*field).cloned().unwrap_or(Value::Null),
        );
    }
    Value::Object(out)
}

/// The profile-card properties an admin configured (`/admin/people/profileCardProperties`),
/// with the person's values.
fn card_properties(tenant: &TenantRow, person: &ObjectRow) -> Vec<Value> {
    let settings: Value = serde_json::from_str(&tenant.settings).unwrap_or(Value::Null);
    let data: Map<String, Value> = serde_json::from_str(&person.data).unwrap_or_default();
    let configured = settings
        .get("profileCardProperties")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    configured
        .iter()
        .filter_map(|property| {
            let name = property.get("directoryPropertyName")?.as_str()?;
            let value = match name.to_ascii_lowercase().as_str() {
                "userprincipalname" => data.get("userPrincipalName").cloned(),
                "fax" => data.get("faxNumber").cloned(),
                "streetaddress" => data.get("streetAddress").cloned(),
                "postalcode" => data.get("postalCode").cloned(),
                "stateorprovince" => data.get("state").cloned(),
                "alias" => data.get("mailNickname").cloned(),
                other => other.strip_prefix("customattribute").and_then(|n| {
                    data.get("onPremisesExtensionAttributes")?.get(format!("extensionAttribute{n}"))?.clone().into()
                }),
            };
            let label = property
                .pointer("/annotations/0/displayName")
                .and_then(Value::as_str)
                .unwrap_or(name);
            Some(json!({"directoryPropertyName": name, "displayName": label, "value": value.unwrap_or(Value::Null)}))
        })
        .collect()
}

/// Degree of connection (1, 2, 3; `None` beyond) and the mutual connections of two people.
fn network_distance(pairs: &[(String, String)], from: &str, to: &str) -> (Option<u8>, Vec<String>) {
    let mut neighbours: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (a, b) in pairs {
        neighbours.entry(a).or_default().insert(b);
        neighbours.entry(b).or_default().insert(a);
    }
    let empty = HashSet::new();
    let mutual: Vec<String> = neighbours
        .get(from)
        .unwrap_or(&empty)
        .intersection(neighbours.get(to).unwrap_or(&empty))
        .map(|s| (*s).to_owned())
        .collect();
    let mut seen = HashSet::from([from]);
    let mut queue = VecDeque::from([(from, 0u8)]);
    while let Some((at, depth)) = queue.pop_front() {
        if at == to {
            return (Some(depth), mutual);
        }
        if depth == 3 {
            continue;
        }
        for next in neighbours.get(at).unwrap_or(&empty) {
            if seen.insert(next) {
                queue.push_back((next, depth + 1));
            }
        }
    }
    (None, mutual)
}

fn public_view(profile: &LinkedInProfileRow) -> Value {
    json!({
        "profileUrl": format!("https://www.linkedin.com/in/{}", profile.vanity_name),
        "vanityName": profile.vanity_name,
        "headline": profile.headline,
        "currentPosition": profile.current_position,
        "location": profile.location,
    })
}

struct Chain {
    reasons: Vec<Reason>,
    decided: bool,
}

impl Chain {
    fn push(
        &mut self,
        check: &'static str,
        outcome: Outcome,
        detail: impl Into<String>,
        data: Option<Value>,
    ) {
        let (outcome, decisive) = match (self.decided, outcome) {
            (true, _) => (Outcome::NotEvaluated, false),
            (false, Outcome::Fail) => (Outcome::Fail, true),
            (false, other) => (other, false),
        };
        if decisive {
            self.decided = true;
        }
        self.reasons.push(Reason {
            check,
            outcome,
            detail: detail.into(),
            decisive,
            data,
        });
    }
}

async fn group_name(conn: &mut SqliteConnection, tenant: &str, id: &str) -> sqlx::Result<Value> {
    let row = store::objects::get_object(conn, tenant, id).await?;
    Ok(json!({"id": id, "displayName": row.and_then(|r| r.display_name)}))
}

/// Computes the card `viewer` sees for `person` (ids or userPrincipalNames) in `tenant`.
pub async fn profile_card(
    conn: &mut SqliteConnection,
    tenant: &TenantRow,
    viewer: &str,
    person: &str,
) -> Result<ProfileCard, CardError> {
    let viewer_row = store::objects::get_user(conn, &tenant.id, viewer)
        .await?
        .ok_or_else(|| CardError::UnknownUser(viewer.to_owned()))?;
    let person_row = store::objects::get_user(conn, &tenant.id, person)
        .await?
        .ok_or_else(|| CardError::UnknownUser(person.to_owned()))?;
    let settings = LinkedInSettings::from_tenant(tenant);
    let mut chain = Chain {
        reasons: Vec::new(),
        decided: false,
    };

    // 1. Cloud: no LinkedIn integration in US Government, China (21Vianet) or Germany.
    if settings::provisioned(&tenant.cloud) {
        chain.push(
            "cloud",
            Outcome::Pass,
            format!(
                "LinkedIn integration is available in the {} cloud.",
                tenant.cloud
            ),
            None,
        );
    } else {
        chain.push(
            "cloud",
            Outcome::Fail,
            format!(
                "LinkedIn integration is not available in the {} cloud.",
                tenant.cloud
            ),
            None,
        );
    }

    // 2. The tenant setting, and 3. for Selected group, the viewer's membership.
    let value = settings.effective(tenant);
    let from_default = settings.enable_linked_in_app_family.is_none();
    let origin = if from_default {
        " (the default for this tenant)"
    } else {
        ""
    };
    match value {
        Some(settings::ENABLED) => chain.push("tenantSetting", Outcome::Pass, format!("LinkedIn account connections: Yes{origin}."), Some(json!({"enableLinkedInAppFamily": 0}))),
        Some(settings::DISABLED) => chain.push("tenantSetting", Outcome::Fail, format!("LinkedIn account connections: No{origin}."), Some(json!({"enableLinkedInAppFamily": 1}))),
        Some(settings::SELECTED_GROUP) => chain.push("tenantSetting", Outcome::Pass, "LinkedIn account connections: Selected group.", Some(json!({"enableLinkedInAppFamily": 4, "selectedGroupId": settings.selected_group_id}))),
        Some(other) => chain.push("tenantSetting", Outcome::Fail, format!("Unknown setting value {other}."), None),
        None => chain.push("tenantSetting", Outcome::NotEvaluated, "No LinkedIn setting in this cloud.", None),
    }
    if value == Some(settings::SELECTED_GROUP) {
        let group_id = settings.selected_group_id.clone().unwrap_or_default();
        let group =
            store::objects::get_by_kind(conn, &tenant.id, store::objects::Kind::Group, &group_id)
                .await?;
        match group {
            // Divergence: what Entra does when the selected group is deleted is not public;
            // tenantsim treats a missing group as one with no members (nobody can connect).
            None => chain.push(
                "selectedGroup",
                Outcome::Fail,
                format!("The selected group {group_id} no longer exists, so no viewer is in it."),
                None,
            ),
            Some(group) => {
                let name = group.display_name.clone().unwrap_or_default();
                let path =
                    store::members::membership_path(conn, &tenant.id, &group.id, &viewer_row.id)
                        .await?;
                match path {
                    Some(path) if path.len() == 1 => chain.push("selectedGroup", Outcome::Pass, format!("The viewer is a direct member of '{name}'."), Some(json!({"path": [group_name(conn, &tenant.id, &group.id).await?]}))),
                    Some(path) if settings.nested_group_membership => {
                        let mut named = Vec::new();
                        for id in &path {
                            named.push(group_name(conn, &tenant.id, id).await?);
                        }
                        chain.push("selectedGroup", Outcome::Pass, format!("The viewer is in '{name}' through nested groups (nested membership counts in this tenant)."), Some(json!({"path": named})));
                    }
                    Some(path) => {
                        let mut named = Vec::new();
                        for id in &path {
                            named.push(group_name(conn, &tenant.id, id).await?);
                        }
                        chain.push("selectedGroup", Outcome::Fail, format!("The viewer is in '{name}' only through nested groups, and this tenant counts direct members only."), Some(json!({"path": named})));
                    }
                    None => chain.push("selectedGroup", Outcome::Fail, format!("The viewer is not a member of the selected group '{name}'. (The person viewed need not be.)"), None),
                }
            }
        }
    }

    // 4. The viewer's connection: consent state, and whether they could consent now.
    let (state, grant) = super::connection(conn, &tenant.id, &settings, &viewer_row.id).await?;
    let may_consent = crate::consent::users_may_consent(
        &serde_json::from_str(&tenant.settings).unwrap_or(Value::Null),
    );
    let policy_detail = if may_consent {
        "Users may consent to apps accessing company data on their behalf."
    } else {
        "Users may not consent to apps: a viewer who has not connected cannot connect."
    };
    chain.push(
        "consentPolicy",
        Outcome::Info,
        policy_detail,
        Some(json!({"usersMayConsent": may_consent})),
    );
    let connection_data =
        Some(json!({"state": state, "grantId": grant.as_ref().map(|g| g.id.clone())}));
    let connected = match state {
        ConnectionState::Bound => {
            chain.push(
                "viewerConnection",
                Outcome::Pass,
                "The viewer has connected their LinkedIn account (Bound).",
                connection_data,
            );
            true
        }
        ConnectionState::OptOut => {
            chain.push(
                "viewerConnection",
                Outcome::Fail,
                "The viewer switched LinkedIn features off (OptOut).",
                connection_data,
            );
            false
        }
        ConnectionState::Unbound | ConnectionState::MicrosoftBound
            if !settings.show_public_profiles =>
        {
            chain.push("viewerConnection", Outcome::Fail, "The viewer has not connected LinkedIn, and this tenant shows no public LinkedIn profiles to unconnected viewers.", connection_data);
            false
        }
        ConnectionState::MicrosoftBound => {
            chain.push("viewerConnection", Outcome::Info, "The viewer consented, but the LinkedIn side has not accepted yet (MicrosoftBound): public profile only.", connection_data);
            false
        }
        ConnectionState::Unbound => {
            chain.push(
                "viewerConnection",
                Outcome::Info,
                "The viewer has not connected LinkedIn (Unbound): public profile only.",
                connection_data,
            );
            false
        }
    };

    // 5. The person's LinkedIn profile and its visibility in Microsoft apps.
    let profile = store::linkedin::profile(conn, &tenant.id, &person_row.id).await?;
    match &profile {
        None => chain.push(
            "personProfile",
            Outcome::Fail,
            "No LinkedIn profile matches the person.",
            None,
        ),
        Some(p) => chain.push(
            "personProfile",
            Outcome::Pass,
            format!("The person's LinkedIn profile is {}.", p.vanity_name),
            None,
        ),
    }
    match &profile {
        Some(p) if !p.public_visibility => chain.push(
            "personVisibility",
            Outcome::Fail,
            "The person does not let their LinkedIn profile appear in Microsoft apps.",
            None,
        ),
        Some(_) => chain.push(
            "personVisibility",
            Outcome::Pass,
            "The person's LinkedIn profile may appear in Microsoft apps.",
            None,
        ),
        None => chain.push(
            "personVisibility",
            Outcome::NotEvaluated,
            "No profile to check.",
            None,
        ),
    }

    let (shown, data) = match (&profile, chain.decided, connected) {
        (Some(p), false, true) => {
            let pairs = store::linkedin::connections(conn, &tenant.id).await?;
            let (degree, mutual_ids) = network_distance(&pairs, &viewer_row.id, &person_row.id);
            let mut mutual = Vec::new();
            for id in mutual_ids {
                if let Some(row) = store::objects::get_user(conn, &tenant.id, &id).await? {
                    mutual.push(json!({"id": row.id, "displayName": row.display_name}));
                }
            }
            let mut view = public_view(p);
            view["connectionDegree"] = json!(degree);
            view["mutualConnections"] = json!(mutual);
            (Shown::Connected, Some(view))
        }
        (Some(p), false, false) => (Shown::Public, Some(public_view(p))),
        _ => (Shown::None, None),
    };
    Ok(ProfileCard {
        tenant_id: tenant.id.clone(),
        viewer: basic(&viewer_row),
        person: basic(&person_row),
        profile_card_properties: card_properties(tenant, &person_row),
        organization: organization(conn, &tenant.id, &person_row.id).await?,
        linked_in: LinkedInSection {
            shown,
            data,
            reasons: chain.reasons,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::network_distance;

    #[test]
    fn degrees_and_mutual_connections() {
        let pairs: Vec<(String, String)> = [
            ("a", "b"),
            ("b", "c"),
            ("a", "d"),
            ("d", "c"),
            ("c", "e"),
            ("e", "f"),
        ]
        .iter()
        .map(|(x, y)| ((*x).into(), (*y).into()))
        .collect();
        assert_eq!(network_distance(&pairs, "a", "b").0, Some(1));
        let (degree, mut mutual) = network_distance(&pairs, "a", "c");
        mutual.sort();
        assert_eq!(
            (degree, mutual),
            (Some(2), vec!["b".to_owned(), "d".to_owned()])
        );
        assert_eq!(network_distance(&pairs, "a", "e").0, Some(3));
        assert_eq!(network_distance(&pairs, "a", "f").0, None);
    }
}
