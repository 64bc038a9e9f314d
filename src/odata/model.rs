//! Per-resource property whitelists: which properties exist, which `$filter` operators they
//! support by default or only as advanced queries, and which can be sorted, selected,
//! searched or expanded.
//!
//! The user table follows graph-docs `includes/filter-directory-objects.md` (the operator
//! matrix behind <https://learn.microsoft.com/graph/aad-advanced-queries>); other resources
//! follow graph-contract.md §5.5 and the resource pages.

use std::ops::BitOr;

/// The value type of a property, as far as `$filter` is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropKind {
    /// `Edm.String`.
    Str,
    /// `Edm.Boolean`.
    Bool,
    /// An object id (`Edm.String` holding a GUID).
    Guid,
    /// `Collection(Edm.String)`: filtered only through `any()`.
    StrCollection,
    /// `Edm.DateTimeOffset`.
    DateTime,
    /// A complex or otherwise unfilterable value (only selectable).
    Complex,
}

/// A small bitset of `$filter` capabilities.
///
/// For a collection property the bits describe the predicate inside `any()`
/// (`EQ` for `x eq 'v'`, `STARTS_WITH`, `ENDS_WITH`, `IN`); `ANY` must be present too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ops(pub u16);

impl Ops {
    /// No operator.
    pub const NONE: Ops = Ops(0);
    /// `eq`.
    pub const EQ: Ops = Ops(1);
    /// `ne`.
    pub const NE: Ops = Ops(1 << 1);
    /// `in (…)`.
    pub const IN: Ops = Ops(1 << 2);
    /// `startsWith(prop, '…')`.
    pub const STARTS_WITH: Ops = Ops(1 << 3);
    /// `endsWith(prop, '…')`.
    pub const ENDS_WITH: Ops = Ops(1 << 4);
    /// `ge`, `le` (and `gt`, `lt`).
    pub const GE_LE: Ops = Ops(1 << 5);
    /// `prop/any(x: …)` on a collection.
    pub const ANY: Ops = Ops(1 << 6);
    /// `eq null` / `ne null`.
    pub const NULL: Ops = Ops(1 << 7);

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Ops) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Ops {
    type Output = Ops;
    fn bitor(self, rhs: Ops) -> Ops {
        Ops(self.0 | rhs.0)
    }
}

/// `ops![EQ, IN]` builds an [`Ops`] in const context.
macro_rules! ops {
    () => { Ops::NONE };
    ($($op:ident),+ $(,)?) => { Ops(0 $(| Ops::$op.0)+) };
}

/// One property of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Property {
    /// Canonical Graph (camelCase) name.
    pub name: &'static str,
    /// Value type.
    pub kind: PropKind,
    /// Operators allowed without advanced query parameters.
    pub filter: Ops,
    /// Operators allowed only with `ConsistencyLevel: eventual` and `$count=true`.
    pub advanced: Ops,
    /// Allowed in `$orderby`.
    pub sortable: bool,
    /// `false` for write-only properties (`passwordProfile`): Graph accepts them in `$select`
    /// but always returns `null`, so the response writer must render them as `null`.
    pub selectable: bool,
}

impl Property {
    const fn new(name: &'static str, kind: PropKind, filter: Ops, advanced: Ops) -> Self {
        Self {
            name,
            kind,
            filter,
            advanced,
            sortable: false,
            selectable: true,
        }
    }
    /// A property that can only be selected.
    const fn select(name: &'static str) -> Self {
        Self::new(name, PropKind::Complex, Ops::NONE, Ops::NONE)
    }
    const fn sortable(mut self) -> Self {
        self.sortable = true;
        self
    }
    const fn write_only(mut self) -> Self {
        self.selectable = false;
        self
    }
}

/// The whitelist for one resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceModel {
    /// OData type name used in errors, e.g. `microsoft.graph.user`.
    pub type_name: &'static str,
    /// Resource name used in `Request_UnsupportedQuery` messages, e.g. `User`.
    pub resource_name: &'static str,
    /// All known properties.
    pub properties: &'static [Property],
    /// Largest allowed `$top`.
    pub max_top: u32,
    /// Navigation properties allowed in `$expand`.
    pub expandable: &'static [&'static str],
    /// Properties allowed in `$search="prop:term"`.
    pub searchable: &'static [&'static str],
}

impl ResourceModel {
    /// Finds a property by name, case-insensitively.
    pub fn property(&self, name: &str) -> Option<&'static Property> {
        self.properties
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

use PropKind::{Bool, DateTime, Guid, Str, StrCollection};

/// A string property whose operators are all advanced-only.
const fn adv_str(name: &'static str) -> Property {
    Property::new(
        name,
        Str,
        Ops::NONE,
        ops![EQ, NE, IN, STARTS_WITH, GE_LE, NULL],
    )
}

/// `microsoft.graph.user` (<https://learn.microsoft.com/graph/api/resources/user>).
pub const USER: ResourceModel = ResourceModel {
    type_name: "microsoft.graph.user",
    resource_name: "User",
    max_top: 999,
    expandable: &[
        "manager",
        "directReports",
        "memberOf",
        "transitiveMemberOf",
        "ownedObjects",
    ],
    searchable: &[
        "displayName",
        "mail",
        "userPrincipalName",
        "givenName",
        "surname",
        "jobTitle",
        "mailNickname",
        "department",
        "employeeId",
    ],
    properties: &[
        Property::new("id", Guid, ops![EQ, IN], ops![NE]),
        Property::new("accountEnabled", Bool, ops![EQ, IN], ops![NE]),
        Property::new("ageGroup", Str, ops![EQ, IN], ops![NE]),
        Property::new("businessPhones", StrCollection, ops![ANY, EQ], Ops::NONE),
        Property::new(
            "city",
            Str,
            ops![EQ, IN, STARTS_WITH, GE_LE],
            ops![NE, NULL],
        ),
        adv_str("companyName"),
        Property::new(
            "country",
            Str,
            ops![EQ, IN, STARTS_WITH, GE_LE],
            ops![NE, NULL],
        ),
        Property::new("createdDateTime", DateTime, ops![EQ, GE_LE], ops![NE, IN]),
        Property::new("creationType", Str, ops![EQ, IN], ops![NE]),
        Property::new(
            "department",
            Str,
            ops![EQ, IN, STARTS_WITH, GE_LE],
            ops![NE, NULL],
        ),
        Property::new(
            "displayName",
            Str,
            ops![EQ, IN, STARTS_WITH],
            ops![NE, NULL],
        )
        .sortable(),
        Property::new(
            "employeeId",
            Str,
            ops![EQ, STARTS_WITH],
            ops![NE, GE_LE, NULL],
        ),
        adv_str("employeeType"),
        Property::new(
            "givenName",
            Str,
            ops![EQ, IN, STARTS_WITH, GE_LE],
            ops![NE, NULL],
        ),
        Property::new("jobTitle", Str, ops![EQ, IN, GE_LE], ops![NE, NULL]),
        Property::new(
            "mail",
            Str,
            ops![EQ, IN, STARTS_WITH, GE_LE],
            ops![NE, ENDS_WITH],
        ),
        Property::new(
            "mailNickname",
            Str,
            ops![EQ, IN, STARTS_WITH, GE_LE],
            ops![NE, NULL],
        ),
        adv_str("mobilePhone"),
        adv_str("officeLocation"),
        Property::new("onPremisesSyncEnabled", Bool, ops![EQ, IN], ops![NE]),
        Property::new(
            "otherMails",
            StrCollection,
            ops![ANY, EQ, IN, STARTS_WITH],
            ops![ENDS_WITH],
        ),
        adv_str("postalCode"),
        adv_str("preferredLanguage"),
        Property::new(
            "proxyAddresses",
            StrCollection,
            ops![ANY, EQ, STARTS_WITH],
            ops![ENDS_WITH],
        ),
        Property::new("showInAddressList", Bool, Ops::NONE, ops![EQ, NE, IN]),
        Property::new(
            "state",
            Str,
            ops![EQ, IN, STARTS_WITH, GE_LE],
            ops![NE, NULL],
        ),
        adv_str("streetAddress"),
        Property::new(
            "surname",
            Str,
            ops![EQ, IN, STARTS_WITH, GE_LE],
            ops![NE, NULL],
        ),
        Property::new(
            "usageLocation",
            Str,
            ops![EQ, IN, STARTS_WITH, GE_LE],
            ops![NE],
        ),
        Property::new(
            "userPrincipalName",
            Str,
            ops![EQ, IN, STARTS_WITH, GE_LE],
            ops![NE, ENDS_WITH],
        )
        .sortable(),
        Property::new("userType", Str, ops![EQ, IN], ops![NE, NULL]),
        Property::select("externalUserState"),
        Property::select("externalUserStateChangeDateTime"),
        Property::select("faxNumber"),
        Property::select("identities"),
        Property::select("imAddresses"),
        Property::select("lastPasswordChangeDateTime"),
        Property::select("onPremisesImmutableId"),
        Property::select("onPremisesLastSyncDateTime"),
        Property::select("onPremisesSamAccountName"),
        Property::select("onPremisesUserPrincipalName"),
        Property::select("passwordPolicies"),
        Property::select("preferredDataLocation"),
        Property::select("securityIdentifier"),
        Property::select("passwordProfile").write_only(),
    ],
};

/// `microsoft.graph.group` (<https://learn.microsoft.com/graph/api/resources/group>).
pub const GROUP: ResourceModel = ResourceModel {
    type_name: "microsoft.graph.group",
    resource_name: "Group",
    max_top: 999,
    expandable: &["members", "owners", "memberOf", "transitiveMemberOf"],
    searchable: &["displayName", "description", "mail", "mailNickname"],
    properties: &[
        Property::new("id", Guid, ops![EQ, IN], ops![NE]),
        Property::new(
            "displayName",
            Str,
            ops![EQ, IN, STARTS_WITH],
            ops![NE, NULL],
        )
        .sortable(),
        Property::new("description", Str, ops![EQ, STARTS_WITH], ops![NE, NULL]),
        Property::new(
            "mail",
            Str,
            ops![EQ, IN, STARTS_WITH],
            ops![NE, ENDS_WITH, NULL],
        ),
        Property::new(
            "mailNickname",
            Str,
            ops![EQ, IN, STARTS_WITH],
            ops![NE, NULL],
        ),
        Property::new("mailEnabled", Bool, ops![EQ], ops![NE]),
        Property::new("securityEnabled", Bool, ops![EQ, IN], ops![NE]),
        Property::new("groupTypes", StrCollection, ops![ANY, EQ], Ops::NONE),
        Property::new(
            "proxyAddresses",
            StrCollection,
            ops![ANY, EQ, STARTS_WITH],
            ops![ENDS_WITH],
        ),
        Property::new("visibility", Str, ops![EQ], ops![NE]),
        Property::new("isAssignableToRole", Bool, ops![EQ], ops![NE]),
        Property::new("createdDateTime", DateTime, ops![EQ, GE_LE], ops![NE, IN]),
        Property::select("membershipRule"),
        Property::select("membershipRuleProcessingState"),
        Property::select("classification"),
        Property::select("renewedDateTime"),
        Property::select("expirationDateTime"),
        Property::select("onPremisesSyncEnabled"),
        Property::select("preferredDataLocation"),
        Property::select("securityIdentifier"),
        Property::select("resourceProvisioningOptions"),
        Property::select("resourceBehaviorOptions"),
        Property::select("theme"),
    ],
};

/// `microsoft.graph.servicePrincipal` (<https://learn.microsoft.com/graph/api/resources/serviceprincipal>).
pub const SERVICE_PRINCIPAL: ResourceModel = ResourceModel {
    type_name: "microsoft.graph.servicePrincipal",
    resource_name: "ServicePrincipal",
    max_top: 999,
    expandable: &[],
    searchable: &["displayName", "description", "appDisplayName"],
    properties: &[
        Property::new("id", Guid, ops![EQ, IN], ops![NE]),
        Property::new("appId", Guid, ops![EQ, IN], ops![NE]),
        Property::new(
            "displayName",
            Str,
            ops![EQ, IN, STARTS_WITH],
            ops![NE, NULL],
        )
        .sortable(),
        Property::new("servicePrincipalType", Str, ops![EQ], ops![NE]),
        Property::new("accountEnabled", Bool, ops![EQ], ops![NE]),
        Property::new("tags", StrCollection, ops![ANY, EQ], Ops::NONE),
        Property::new("appDisplayName", Str, ops![EQ], ops![NE]),
        Property::select("description"),
        Property::select("appRoles"),
        Property::select("oauth2PermissionScopes"),
        // servicePrincipal: "Supports $filter (eq, not, ge, le, startsWith)" on the collection's
        // items; Azure CLI resolves `az ad sp show --id <appId>` with
        // `servicePrincipalNames/any(c:c eq '<appId>')`.
        Property::new(
            "servicePrincipalNames",
            StrCollection,
            ops![ANY, EQ, STARTS_WITH],
            Ops::NONE,
        ),
        Property::select("appOwnerOrganizationId"),
        Property::select("replyUrls"),
        Property::select("publisherName"),
    ],
};

/// `microsoft.graph.application` (<https://learn.microsoft.com/graph/api/resources/application>).
pub const APPLICATION: ResourceModel = ResourceModel {
    type_name: "microsoft.graph.application",
    resource_name: "Application",
    max_top: 999,
    expandable: &[],
    searchable: &["displayName", "description"],
    properties: &[
        Property::new("id", Guid, ops![EQ, IN], ops![NE]),
        Property::new("appId", Guid, ops![EQ, IN], ops![NE]),
        Property::new(
            "displayName",
            Str,
            ops![EQ, IN, STARTS_WITH],
            ops![NE, NULL],
        )
        .sortable(),
        Property::new("identifierUris", StrCollection, ops![ANY, EQ], Ops::NONE),
        Property::new("tags", StrCollection, ops![ANY, EQ], Ops::NONE),
        Property::new("signInAudience", Str, ops![EQ], ops![NE]),
        Property::new("publisherDomain", Str, ops![EQ, IN], ops![NE]),
        Property::new("uniqueName", Str, ops![EQ], Ops::NONE),
        Property::new("createdDateTime", DateTime, ops![GE_LE], ops![EQ, NE]),
        Property::select("deletedDateTime"),
        Property::select("addIns"),
        Property::select("api"),
        Property::select("appRoles"),
        Property::select("applicationTemplateId"),
        Property::select("certification"),
        Property::select("defaultRedirectUri"),
        Property::select("description"),
        Property::select("disabledByMicrosoftStatus"),
        Property::select("groupMembershipClaims"),
        Property::select("info"),
        Property::select("isDeviceOnlyAuthSupported"),
        Property::select("isFallbackPublicClient"),
        Property::select("keyCredentials"),
        Property::select("nativeAuthenticationApisEnabled"),
        Property::select("notes"),
        Property::select("optionalClaims"),
        Property::select("parentalControlSettings"),
        Property::select("passwordCredentials"),
        Property::select("publicClient"),
        Property::select("requestSignatureVerification"),
        Property::select("requiredResourceAccess"),
        Property::select("samlMetadataUrl"),
        Property::select("serviceManagementReference"),
        Property::select("servicePrincipalLockConfiguration"),
        Property::select("spa"),
        Property::select("tokenEncryptionKeyId"),
        Property::select("verifiedPublisher"),
        Property::select("web"),
        Property::select("windows"),
    ],
};

/// `microsoft.graph.oAuth2PermissionGrant` (graph-contract.md §9.1).
pub const OAUTH2_PERMISSION_GRANT: ResourceModel = ResourceModel {
    type_name: "microsoft.graph.oAuth2PermissionGrant",
    resource_name: "OAuth2PermissionGrant",
    max_top: 999,
    expandable: &[],
    searchable: &[],
    properties: &[
        Property::new("id", Str, ops![EQ], Ops::NONE),
        Property::new("clientId", Guid, ops![EQ], Ops::NONE),
        Property::new("consentType", Str, ops![EQ], Ops::NONE),
        Property::new("principalId", Guid, ops![EQ], Ops::NONE),
        Property::new("resourceId", Guid, ops![EQ], Ops::NONE),
        Property::select("scope"),
    ],
};

/// `microsoft.graph.directoryObject` collections that mix users and groups (`members`,
/// `transitiveMembers`, `memberOf`): the properties both kinds can be filtered or selected on.
pub const DIRECTORY_OBJECT: ResourceModel = ResourceModel {
    type_name: "microsoft.graph.directoryObject",
    resource_name: "DirectoryObject",
    max_top: 999,
    expandable: &[],
    searchable: &[
        "displayName",
        "mail",
        "userPrincipalName",
        "description",
        "mailNickname",
    ],
    properties: &[
        Property::new("id", Guid, ops![EQ, IN], ops![NE]),
        Property::new(
            "displayName",
            Str,
            ops![EQ, IN, STARTS_WITH],
            ops![NE, NULL],
        )
        .sortable(),
        Property::new("mail", Str, ops![EQ, IN, STARTS_WITH], ops![NE, ENDS_WITH]),
        Property::new(
            "mailNickname",
            Str,
            ops![EQ, IN, STARTS_WITH],
            ops![NE, NULL],
        ),
        Property::new(
            "userPrincipalName",
            Str,
            ops![EQ, IN, STARTS_WITH],
            ops![NE, ENDS_WITH],
        ),
        Property::new("accountEnabled", Bool, ops![EQ], ops![NE]),
        Property::new("securityEnabled", Bool, ops![EQ], ops![NE]),
        Property::new("mailEnabled", Bool, ops![EQ], ops![NE]),
        Property::new("userType", Str, ops![EQ, IN], ops![NE]),
        Property::new("givenName", Str, ops![EQ, IN, STARTS_WITH], ops![NE, NULL]),
        Property::new("surname", Str, ops![EQ, IN, STARTS_WITH], ops![NE, NULL]),
        Property::new("groupTypes", StrCollection, ops![ANY, EQ], Ops::NONE),
        Property::new(
            "proxyAddresses",
            StrCollection,
            ops![ANY, EQ, STARTS_WITH],
            ops![ENDS_WITH],
        ),
        Property::select("description"),
        Property::select("jobTitle"),
        Property::select("businessPhones"),
        Property::select("mobilePhone"),
        Property::select("officeLocation"),
        Property::select("preferredLanguage"),
        Property::select("createdDateTime"),
        Property::select("membershipRule"),
        Property::select("visibility"),
    ],
};

/// `microsoft.graph.organization` (<https://learn.microsoft.com/graph/api/resources/organization>):
/// `$select` only; Graph's organization set is a collection of one and takes no `$filter`.
pub const ORGANIZATION: ResourceModel = ResourceModel {
    type_name: "microsoft.graph.organization",
    resource_name: "Organization",
    max_top: 999,
    expandable: &[],
    searchable: &[],
    properties: &[
        Property::new("id", Guid, Ops::NONE, Ops::NONE),
        Property::select("deletedDateTime"),
        Property::select("assignedPlans"),
        Property::select("businessPhones"),
        Property::select("city"),
        Property::select("country"),
        Property::select("countryLetterCode"),
        Property::select("createdDateTime"),
        Property::select("defaultUsageLocation"),
        Property::select("directorySizeQuota"),
        Property::select("displayName"),
        Property::select("isMultipleDataLocationsForServicesEnabled"),
        Property::select("marketingNotificationEmails"),
        Property::select("onPremisesLastSyncDateTime"),
        Property::select("onPremisesSyncEnabled"),
        Property::select("partnerTenantType"),
        Property::select("postalCode"),
        Property::select("preferredLanguage"),
        Property::select("privacyProfile"),
        Property::select("provisionedPlans"),
        Property::select("securityComplianceNotificationMails"),
        Property::select("securityComplianceNotificationPhones"),
        Property::select("state"),
        Property::select("street"),
        Property::select("technicalNotificationMails"),
        Property::select("tenantType"),
        Property::select("verifiedDomains"),
    ],
};

/// `microsoft.graph.directoryRole` (<https://learn.microsoft.com/graph/api/resources/directoryrole>):
/// Graph filters roles on `roleTemplateId` and `displayName` only.
pub const DIRECTORY_ROLE: ResourceModel = ResourceModel {
    type_name: "microsoft.graph.directoryRole",
    resource_name: "DirectoryRole",
    max_top: 999,
    expandable: &[],
    searchable: &[],
    properties: &[
        Property::new("id", Guid, ops![EQ], Ops::NONE),
        Property::new("displayName", Str, ops![EQ, STARTS_WITH], Ops::NONE),
        Property::new("roleTemplateId", Guid, ops![EQ], Ops::NONE),
        Property::select("description"),
        Property::select("deletedDateTime"),
    ],
};

/// `microsoft.graph.directoryRoleTemplate`
/// (<https://learn.microsoft.com/graph/api/resources/directoryroletemplate>).
pub const DIRECTORY_ROLE_TEMPLATE: ResourceModel = ResourceModel {
    type_name: "microsoft.graph.directoryRoleTemplate",
    resource_name: "DirectoryRoleTemplate",
    max_top: 999,
    expandable: &[],
    searchable: &[],
    properties: &[
        Property::new("id", Guid, Ops::NONE, Ops::NONE),
        Property::select("displayName"),
        Property::select("description"),
        Property::select("deletedDateTime"),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_lookup_is_case_insensitive_and_canonical() {
        let p = USER.property("DISPLAYNAME").expect("known");
        assert_eq!(p.name, "displayName");
        assert!(USER.property("nope").is_none());
    }

    #[test]
    fn ops_bits_combine() {
        let o = ops![EQ, IN];
        assert!(o.contains(Ops::EQ) && o.contains(Ops::IN) && !o.contains(Ops::NE));
        assert_eq!(Ops::EQ | Ops::IN, o);
        assert!(o.contains(Ops::NONE));
    }

    #[test]
    fn models_have_unique_names_and_valid_lists() {
        for m in [
            USER,
            GROUP,
            SERVICE_PRINCIPAL,
            OAUTH2_PERMISSION_GRANT,
            ORGANIZATION,
            DIRECTORY_ROLE,
            DIRECTORY_ROLE_TEMPLATE,
        ] {
            for (i, p) in m.properties.iter().enumerate() {
                let dup = m.properties[i + 1..]
                    .iter()
                    .any(|q| q.name.eq_ignore_ascii_case(p.name));
                assert!(!dup, "{} duplicated in {}", p.name, m.type_name);
                if p.kind == StrCollection && p.filter != Ops::NONE {
                    assert!(p.filter.contains(Ops::ANY), "{} needs ANY", p.name);
                }
            }
            for s in m.searchable {
                assert!(
                    m.property(s).is_some(),
                    "searchable {s} unknown in {}",
                    m.type_name
                );
            }
        }
    }

    #[test]
    fn sortable_properties_match_the_contract() {
        let sortable = |m: ResourceModel| -> Vec<&str> {
            m.properties
                .iter()
                .filter(|p| p.sortable)
                .map(|p| p.name)
                .collect()
        };
        assert_eq!(sortable(USER), ["displayName", "userPrincipalName"]);
        assert_eq!(sortable(GROUP), ["displayName"]);
        assert_eq!(sortable(SERVICE_PRINCIPAL), ["displayName"]);
        assert!(sortable(OAUTH2_PERMISSION_GRANT).is_empty());
    }
}
