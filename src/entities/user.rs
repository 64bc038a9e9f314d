//! The Graph `user` as stored. See <https://learn.microsoft.com/graph/api/resources/user>.

use serde::{Deserialize, Serialize};

/// The stored Graph `user` (without `id`): the properties tenantsim keeps. Unknown properties
/// in a body are dropped, as Graph ignores properties it does not bind.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_group: Option<String>,
    #[serde(default)]
    pub business_phones: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_hire_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_user_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_user_state_change_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fax_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_nickname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_sync_enabled: Option<bool>,
    #[serde(default)]
    pub other_mails: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_policies: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    #[serde(default)]
    pub proxy_addresses: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_in_address_list: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
}

/// `passwordProfile` of a create or update body; never stored or returned as such.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordProfile {
    pub password: Option<String>,
    #[serde(default)]
    pub force_change_password_next_sign_in: bool,
}
