//! Microsoft Graph's permissions: application roles (`appRoles`) and delegated scopes
//! (`oauth2PermissionScopes`) of the Microsoft Graph service principal, with their real ids.
//! Source: merill/microsoft-info `_info/GraphAppRoles.csv` (commit
//! 095d837ed18e57c20d15cd6054057ebf8e3def7c) and `_info/GraphDelegateRoles.csv` (commit
//! d330dcc7ab1beeb768c1cd19a93351c2ac971232); the delegated consent type ("Admin"/"User") from
//! `_info/GraphDelegateRoles.json` (commit 35d873dcfc9fb41de1dc2e97139d04bb853e9491).
//!
//! A curated subset, not the whole list. Display names and descriptions are copied as the
//! service principal publishes them, including the odd trailing or doubled space.
//! Application permissions always need admin consent.

/// One permission of Microsoft Graph.
#[derive(Debug, Clone, Copy)]
pub struct GraphPermission {
    /// The claim value, e.g. "User.Read.All".
    pub value: &'static str,
    /// The permission's id (lower-case GUID).
    pub id: &'static str,
    /// Admin consent display name (`displayName` of an app role).
    pub display_name: &'static str,
    /// Admin consent description (`description` of an app role), one line.
    pub description: &'static str,
    /// Delegated: the scope's `type` is "Admin". Application: always true.
    pub admin_consent_required: bool,
}

#[rustfmt::skip]
const fn app(value: &'static str, id: &'static str, display_name: &'static str, description: &'static str) -> GraphPermission {
    GraphPermission { value, id, display_name, description, admin_consent_required: true }
}

#[rustfmt::skip]
const fn del(value: &'static str, id: &'static str, display_name: &'static str, description: &'static str, admin_consent_required: bool) -> GraphPermission {
    GraphPermission { value, id, display_name, description, admin_consent_required }
}

/// Consent type of a delegated scope.
const ADMIN: bool = true;
const USER: bool = false;

/// Application permissions (`appRoles`).
#[rustfmt::skip]
pub const APPLICATION: &[GraphPermission] = &[
    app("AdministrativeUnit.Read.All", "134fd756-38ce-4afd-ba33-e9623dbe66c2", "Read all administrative units", "Allows the app to read administrative units and administrative unit membership without a signed-in user."),
    app("AdministrativeUnit.ReadWrite.All", "5eb59dd3-1da2-4329-8733-9dabdc435916", "Read and write all administrative units", "Allows the app to create, read, update, and delete administrative units and manage administrative unit membership without a signed-in user."),
    app("Application.Read.All", "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", "Read all applications", "Allows the app to read all applications and service principals without a signed-in user."),
    app("Application.ReadWrite.All", "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Read and write all applications", "Allows the app to create, read, update and delete applications and service principals without a signed-in user.  Does not allow management of consent grants."),
    app("Application.ReadWrite.OwnedBy", "18a4783c-866b-4cc7-a460-3d5e5662c884", "Manage apps that this app creates or owns", "Allows the app to create other applications, and fully manage those applications (read, update, update application secrets and delete), without a signed-in user.  It cannot update any apps that it is not an owner of."),
    app("AppRoleAssignment.ReadWrite.All", "06b708a9-e830-4db3-a914-8e69da51d44f", "Manage app permission grants and app role assignments", "Allows the app to manage permission grants for application permissions to any API (including Microsoft Graph) and application assignments for any app, without a signed-in user."),
    app("AuditLog.Read.All", "b0afded3-3588-46d8-8b3d-9842eff778da", "Read all audit log data", "Allows the app to read and query your audit log activities, without a signed-in user."),
    app("Calendars.Read", "798ee544-9d2d-430c-a058-570e29e34338", "Read calendars in all mailboxes", "Allows the app to read events of all calendars without a signed-in user."),
    app("Calendars.ReadWrite", "ef54d2bf-783f-4e0f-bca1-3210c0444d99", "Read and write calendars in all mailboxes", "Allows the app to create, read, update, and delete events of all calendars without a signed-in user."),
    app("Contacts.Read", "089fe4d0-434a-44c5-8827-41ba8a0b17f5", "Read contacts in all mailboxes", "Allows the app to read all contacts in all mailboxes without a signed-in user."),
    app("DelegatedPermissionGrant.Read.All", "81b4724a-58aa-41c1-8a55-84ef97466587", "Read all delegated permission grants", "Allows the app to read all delegated permission grants, without a signed-in user."),
    app("DelegatedPermissionGrant.ReadWrite.All", "8e8e4742-1d95-4f68-9d56-6ee75648c72a", "Manage all delegated permission grants", "Allows the app to manage permission grants for delegated permissions exposed by any API (including Microsoft Graph), without a signed-in user."),
    app("Device.Read.All", "7438b122-aefc-4978-80ed-43db9fcc7715", "Read all devices", "Allows the app to read your organization's devices' configuration information without a signed-in user."),
    app("Device.ReadWrite.All", "1138cb37-bd11-4084-a2b7-9f71582aeddb", "Read and write devices", "Allows the app to read and write all device properties without a signed in user.  Does not allow device creation, device deletion or update of device alternative security identifiers."),
    app("Directory.Read.All", "7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Read directory data", "Allows the app to read data in your organization's directory, such as users, groups and apps, without a signed-in user."),
    app("Directory.ReadWrite.All", "19dbc75e-c2e2-444c-a770-ec69d8559fc7", "Read and write directory data", "Allows the app to read and write data in your organization's directory, such as users, and groups, without a signed-in user.  Does not allow user or group deletion."),
    app("Domain.Read.All", "dbb9058a-0e50-45d7-ae91-66909b5d4664", "Read domains", "Allows the app to read all domain properties without a signed-in user."),
    app("Domain.ReadWrite.All", "7e05723c-0bb0-42da-be95-ae9f08a6e53c", "Read and write domains", "Allows the app to read and write all domain properties without a signed in user.  Also allows the app to add,  verify and remove domains."),
    app("Files.Read.All", "01d4889c-1287-42c6-ac1f-5d1e02578ef6", "Read files in all site collections", "Allows the app to read all files in all site collections without a signed in user."),
    app("Files.ReadWrite.All", "75359482-378d-4052-8f01-80520e7db3cd", "Read and write files in all site collections", "Allows the app to read, create, update and delete all files in all site collections without a signed in user."),
    app("Group.Create", "bf7b1a76-6e77-406b-b258-bf5c7720e98f", "Create groups", "Allows the app to create groups without a signed-in user."),
    app("Group.Read.All", "5b567255-7703-4780-807c-7be8301ae99b", "Read all groups", "Allows the app to read group properties and memberships, and read conversations for all groups, without a signed-in user."),
    app("Group.ReadWrite.All", "62a82d76-70ea-41e2-9197-370581804d09", "Read and write all groups", "Allows the app to create groups, read all group properties and memberships, update group properties and memberships, and delete groups. Also allows the app to read and write conversations. All of these operations can be performed by the app without a signed-in user."),
    app("GroupMember.Read.All", "98830695-27a2-44f7-8c18-0c3ebc9698f6", "Read all group memberships", "Allows the app to read memberships and basic group properties for all groups without a signed-in user."),
    app("GroupMember.ReadWrite.All", "dbaae8cf-10b5-4b86-a4a1-f871c94c6695", "Read and write all group memberships", "Allows the app to list groups, read basic properties, read and update the membership of the groups this app has access to without a signed-in user. Group properties and owners cannot be updated and groups cannot be deleted."),
    app("GroupSettings.Read.All", "f3c4f514-c65a-43f5-bfce-1735872258dd", "Read all group settings", "Allows the app to read a list of tenant-level or group-specific group settings objects, without a signed-in user."),
    app("Mail.Read", "810c84a8-4a9e-49e6-bf7d-12d183f40d01", "Read mail in all mailboxes", "Allows the app to read mail in all mailboxes without a signed-in user."),
    app("Mail.ReadWrite", "e2a3a72e-5f79-4c64-b1b1-878b674786c9", "Read and write mail in all mailboxes", "Allows the app to create, read, update, and delete mail in all mailboxes without a signed-in user. Does not include permission to send mail."),
    app("Mail.Send", "b633e1c5-b582-4048-a93e-9f11b44c7e96", "Send mail as any user", "Allows the app to send mail as any user without a signed-in user."),
    app("MailboxSettings.Read", "40f97065-369a-49f4-947c-6a255697ae91", "Read all user mailbox settings", "Allows the app to read user's mailbox settings without a signed-in user. Does not include permission to send mail."),
    app("Member.Read.Hidden", "658aa5d8-239f-45c4-aa12-864f4fc7e490", "Read all hidden memberships", "Allows the app to read the memberships of hidden groups and administrative units without a signed-in user."),
    app("Organization.Read.All", "498476ce-e0fe-48b0-b801-37ba7e2685c6", "Read organization information", "Allows the app to read the organization and related resources, without a signed-in user. Related resources include things like subscribed skus and tenant branding information."),
    app("Organization.ReadWrite.All", "292d869f-3427-49a8-9dab-8c70152b74e9", "Read and write organization information", "Allows the app to read and write the organization and related resources, without a signed-in user. Related resources include things like subscribed skus and tenant branding information."),
    app("OrgContact.Read.All", "e1a88a34-94c4-4418-be12-c87b00e26bea", "Read organizational contacts", "Allows the app to read all organizational contacts without a signed-in user.  These contacts are managed by the organization and are different from a user's personal contacts."),
    app("People.Read.All", "b528084d-ad10-4598-8b93-929746b4d7d6", "Read all users' relevant people lists", "Allows the app to read any user's scored list of relevant people, without a signed-in user. The list can include local contacts, contacts from social networking, your organization's directory, and people from recent communications (such as email and Skype)."),
    app("PeopleSettings.Read.All", "ef02f2e7-e22d-4c77-8614-8f765683b86e", "Read all tenant-wide people settings", "Allows the application to read tenant-wide people settings without a signed-in user."),
    app("PeopleSettings.ReadWrite.All", "b6890674-9dd5-4e42-bb15-5af07f541ae1", "Read and write all tenant-wide people settings", "Allows the application to read and write tenant-wide people settings without a signed-in user."),
    app("Policy.Read.All", "246dd0d5-5bd0-4def-940b-0421030a5b68", "Read your organization's policies", "Allows the app to read all your organization's policies without a signed in user."),
    app("Policy.Read.ConditionalAccess", "37730810-e9ba-4e46-b07e-8ca78d182097", "Read your organization's conditional access policies", "Allows the app to read your organization's conditional access policies, without a signed-in user."),
    app("Policy.Read.PermissionGrant", "9e640839-a198-48fb-8b9a-013fd6f6cbcd", "Read consent and permission grant policies", "Allows the app to read policies related to consent and permission grants for applications, without a signed-in user."),
    app("Policy.ReadWrite.ApplicationConfiguration", "be74164b-cff1-491c-8741-e671cb536e13", "Read and write your organization's application configuration policies", "Allows the app to read and write your organization's application configuration policies, without a signed-in user.  This includes policies such as activityBasedTimeoutPolicy, claimsMappingPolicy, homeRealmDiscoveryPolicy, tokenIssuancePolicy  and tokenLifetimePolicy."),
    app("Policy.ReadWrite.Authorization", "fb221be6-99f2-473f-bd32-01c6a0e9ca3b", "Read and write your organization's authorization policy", "Allows the app to read and write your organization's authorization policy without a signed in user. For example, authorization policies can control some of the permissions that the out-of-the-box user role has by default."),
    app("Policy.ReadWrite.ConditionalAccess", "01c0a623-fc9b-48e9-b794-0756f8e8f067", "Read and write your organization's conditional access policies", "Allows the app to read and write your organization's conditional access policies, without a signed-in user."),
    app("Policy.ReadWrite.PermissionGrant", "a402ca1c-2696-4531-972d-6e5ee4aa11ea", "Manage consent and permission grant policies", "Allows the app to manage policies related to consent and permission grants for applications, without a signed-in user."),
    app("Reports.Read.All", "230c1aed-a721-4c5d-9cb4-a90514e508ef", "Read all usage reports", "Allows an app to read all service usage reports without a signed-in user.  Services that provide usage reports include Office 365 and Azure Active Directory."),
    app("RoleManagement.Read.All", "c7fbd983-d9aa-4fa7-84b8-17382c103bc4", "Read role management data for all RBAC providers", "Allows the app to read role-based access control (RBAC) settings for all RBAC providers without a signed-in user. This includes reading role definitions and role assignments."),
    app("RoleManagement.Read.Directory", "483bed4a-2ad3-4361-a73b-c83ccdbdc53c", "Read all directory RBAC settings", "Allows the app to read the role-based access control (RBAC) settings for your company's directory, without a signed-in user.  This includes reading directory role templates, directory roles and memberships."),
    app("RoleManagement.ReadWrite.Directory", "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8", "Read and write all directory RBAC settings", "Allows the app to read and manage the role-based access control (RBAC) settings for your company's directory, without a signed-in user. This includes instantiating directory roles and managing directory role membership, and reading directory role templates, directory roles and memberships."),
    app("Sites.FullControl.All", "a82116e5-55eb-4c41-a434-62fe8a61c773", "Have full control of all site collections", "Allows the app to have full control of all site collections without a signed in user."),
    app("Sites.Read.All", "332a536c-c7ef-4017-ab91-336970924f0d", "Read items in all site collections ", "Allows the app to read documents and list items in all site collections without a signed in user."),
    app("Sites.ReadWrite.All", "9492366f-7969-46a4-8d15-ed1a20078fff", "Read and write items in all site collections", "Allows the app to create, read, update, and delete documents and list items in all site collections without a signed in user."),
    app("Sites.Selected", "883ea226-0bf2-4a8f-9f9d-92c9162a727d", "Access selected site collections", "Allow the application to access a subset of site collections without a signed in user.  The specific site collections and the permissions granted will be configured in SharePoint Online."),
    app("Team.ReadBasic.All", "2280dda6-0bfd-44ee-a2f4-cb867cfc4c1e", "Get a list of all teams", "Get a list of all teams, without a signed-in user."),
    app("User-PasswordProfile.ReadWrite.All", "cc117bb9-00cf-4eb8-b580-ea2a878fe8f7", "Read and write all password profiles and reset user passwords", "Allows the app to read and write password profiles and reset passwords for all users, without a signed-in user."),
    app("User.DeleteRestore.All", "eccc023d-eccf-4e7b-9683-8813ab36cecc", "Delete and restore all users", "Allows the app to delete and restore all users, without a signed-in user."),
    app("User.EnableDisableAccount.All", "3011c876-62b7-4ada-afa2-506cbbecc68c", "Enable and disable user accounts", "Allows the app to enable and disable users' accounts, without a signed-in user."),
    app("User.Invite.All", "09850681-111b-4a89-9bed-3f2cae46d706", "Invite guest users to the organization", "Allows the app to invite guest users to the organization, without a signed-in user."),
    app("User.ManageIdentities.All", "c529cfca-c91b-489c-af2b-d92990b66ce6", "Manage all users' identities", "Allows the app to read, update and delete identities that are associated with a user's account, without a signed in user. This controls the identities users can sign-in with."),
    app("User.Read.All", "df021288-bdef-4463-88db-98f22de89214", "Read all users' full profiles", "Allows the app to read user profiles without a signed in user."),
    app("User.ReadBasic.All", "97235f07-e226-4f63-ace3-39588e11d3a1", "Read all users' basic profiles", "Allows the app to read a basic set of profile properties of other users in your organization without a signed-in user. Includes display name, first and last name, email address, open extensions, and photo."),
    app("User.ReadWrite.All", "741f803b-c850-494e-b5df-cde7c675a1ca", "Read and write all users' full profiles", "Allows the app to read and update user profiles without a signed in user."),
    app("User.RevokeSessions.All", "77f3a031-c388-4f99-b373-dc68676a979e", "Revoke all sign in sessions for a user", "Allow the app to revoke all sign in sessions for a user, without a signed-in user."),
    app("UserAuthenticationMethod.Read.All", "38d9df27-64da-44fd-b7c5-a6fbac20248f", "Read all users' authentication methods", "Allows the app to read authentication methods of all users in your organization, without a signed-in user. Authentication methods include things like a user’s phone numbers and Authenticator app settings. This does not allow the app to see secret information like passwords, or to sign-in or otherwise use the authentication methods."),
];

/// Delegated permissions (`oauth2PermissionScopes`).
#[rustfmt::skip]
pub const DELEGATED: &[GraphPermission] = &[
    del("AdministrativeUnit.Read.All", "3361d15d-be43-4de6-b441-3c746d05163d", "Read administrative units", "Allows the app to read administrative units and administrative unit membership on behalf of the signed-in user.", ADMIN),
    del("AdministrativeUnit.ReadWrite.All", "7b8a2d34-6b3f-4542-a343-54651608ad81", "Read and write administrative units", "Allows the app to create, read, update, and delete administrative units and manage administrative unit membership on behalf of the signed-in user.", ADMIN),
    del("Application.Read.All", "c79f8feb-a9db-4090-85f9-90d820caa0eb", "Read applications", "Allows the app to read applications and service principals on behalf of the signed-in user.", ADMIN),
    del("Application.ReadWrite.All", "bdfbf15f-ee85-4955-8675-146e8e5296b5", "Read and write all applications", "Allows the app to create, read, update and delete applications and service principals on behalf of the signed-in user. Does not allow management of consent grants.", ADMIN),
    del("AppRoleAssignment.ReadWrite.All", "84bccea3-f856-4a8a-967b-dbe0a3d53a64", "Manage app permission grants and app role assignments", "Allows the app to manage permission grants for application permissions to any API (including Microsoft Graph) and application assignments for any app, on behalf of the signed-in user.", ADMIN),
    del("AuditLog.Read.All", "e4c9e354-4dc5-45b8-9e7c-e1393b0b1a20", "Read audit log data", "Allows the app to read and query your audit log activities, on behalf of the signed-in user.", ADMIN),
    del("Calendars.Read", "465a38f9-76ea-45b9-9f34-9e8b0d4b0b42", "Read user calendars ", "Allows the app to read events in user calendars.", USER),
    del("Calendars.ReadWrite", "1ec239c2-d7c9-4623-a91a-a9775856bb36", "Have full access to user calendars ", "Allows the app to create, read, update, and delete events in user calendars.", USER),
    del("Chat.Read", "f501c180-9344-439a-bca0-6cbf209fd270", "Read user chat messages", "Allows an app to read 1 on 1 or group chats threads, on behalf of the signed-in user.", USER),
    del("Contacts.Read", "ff74d97f-43af-4b68-9f2a-b77ee6968c5d", "Read user contacts ", "Allows the app to read user contacts.  ", USER),
    del("DelegatedPermissionGrant.Read.All", "a197cdc4-a8e8-4d49-9d35-4ca7c83887b4", "Read delegated permission grants", "Allows the app to read delegated permission grants, on behalf of the signed in user.", ADMIN),
    del("DelegatedPermissionGrant.ReadWrite.All", "41ce6ca6-6826-4807-84f1-1c82854f7ee5", "Manage all delegated permission grants", "Allows the app to manage permission grants for delegated permissions exposed by any API (including Microsoft Graph), on behalf of the signed in user.", ADMIN),
    del("Device.Read", "11d4cd79-5ba5-460f-803f-e22c8ab85ccd", "Read user devices", "Allows the app to read a user's list of devices on behalf of the signed-in user.", USER),
    del("Device.Read.All", "951183d1-1a61-466f-a6d1-1fde911bfd95", "Read all devices", "Allows the app to read your organization's devices' configuration information on behalf of the signed-in user.", ADMIN),
    del("Directory.AccessAsUser.All", "0e263e50-5827-48a4-b97c-d940288653c7", "Access directory as the signed in user", "Allows the app to have the same access to information in the directory as the signed-in user.", ADMIN),
    del("Directory.Read.All", "06da0dbc-49e2-44d2-8312-53f166ab848a", "Read directory data", "Allows the app to read data in your organization's directory, such as users, groups and apps.", ADMIN),
    del("Directory.ReadWrite.All", "c5366453-9fb0-48a5-a156-24f0c49a4b84", "Read and write directory data", "Allows the app to read and write data in your organization's directory, such as users, and groups.  It does not allow the app to delete users or groups, or reset user passwords.", ADMIN),
    del("Domain.Read.All", "2f9ee017-59c1-4f1d-9472-bd5529a7b311", "Read domains.", "Allows the app to read all domain properties on behalf of the signed-in user.", ADMIN),
    del("email", "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", "View users' email address", "Allows the app to read your users' primary email address", USER),
    del("Files.Read", "10465720-29dd-4523-a11a-6a75c743c9d9", "Read user files", "Allows the app to read the signed-in user's files.", USER),
    del("Files.Read.All", "df85f4d6-205c-4ac5-a5ea-6bf408dba283", "Read all files that user can access", "Allows the app to read all files the signed-in user can access.", USER),
    del("Files.ReadWrite", "5c28f0bf-8a70-41f1-8ab2-9032436ddb65", "Have full access to user files", "Allows the app to read, create, update and delete the signed-in user's files.", USER),
    del("Files.ReadWrite.All", "863451e7-0667-486c-a5d6-d135439485f0", "Have full access to all files user can access", "Allows the app to read, create, update and delete all files the signed-in user can access.", USER),
    del("Group.Read.All", "5f8c59db-677d-491f-a6b8-5f174b11ec1d", "Read all groups", "Allows the app to list groups, and to read their properties and all group memberships on behalf of the signed-in user.  Also allows the app to read calendar, conversations, files, and other group content for all groups the signed-in user can access.", ADMIN),
    del("Group.ReadWrite.All", "4e46008b-f24c-477d-8fff-7bb4ec7aafe0", "Read and write all groups", "Allows the app to create groups and read all group properties and memberships on behalf of the signed-in user.  Additionally allows group owners to manage their groups and allows group members to update group content.", ADMIN),
    del("GroupMember.Read.All", "bc024368-1153-4739-b217-4326f2e966d0", "Read group memberships", "Allows the app to list groups, read basic group properties and read membership of all groups the signed-in user has access to.", ADMIN),
    del("GroupMember.ReadWrite.All", "f81125ac-d3b7-4573-a3b2-7099cc39df9e", "Read and write group memberships", "Allows the app to list groups, read basic properties, read and update the membership of the groups the signed-in user has access to. Group properties and owners cannot be updated and groups cannot be deleted.", ADMIN),
    del("Mail.Read", "570282fd-fa5c-430d-a7fd-fc8dc98a9dca", "Read user mail ", "Allows the app to read the signed-in user's mailbox.", USER),
    del("Mail.ReadWrite", "024d486e-b451-40bb-833d-3e66d98c5c73", "Read and write access to user mail ", "Allows the app to create, read, update, and delete email in user mailboxes. Does not include permission to send mail.", USER),
    del("Mail.Send", "e383f46e-2787-4529-855e-0e479a3ffac0", "Send mail as a user ", "Allows the app to send mail as users in the organization.", USER),
    del("MailboxSettings.Read", "87f447af-9fa4-4c32-9dfa-4a57a73d18ce", "Read user mailbox settings", "Allows the app to the read user's mailbox settings. Does not include permission to send mail.", USER),
    del("Member.Read.Hidden", "f6a3db3e-f7e8-4ed2-a414-557c8c9830be", "Read hidden memberships", "Allows the app to read the memberships of hidden groups and administrative units on behalf of the signed-in user, for those hidden groups and administrative units that the signed-in user has access to.", ADMIN),
    del("Notes.Read", "371361e4-b9e2-4a3f-8315-2a301a3b0a3d", "Read user OneNote notebooks", "Allows the app to read OneNote notebooks on behalf of the signed-in user.", USER),
    del("offline_access", "7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "Maintain access to data you have given it access to", "Allows the app to see and update the data you gave it access to, even when users are not currently using the app. This does not give the app any additional permissions.", USER),
    del("OnlineMeetings.ReadWrite", "a65f2972-a4f8-4f5e-afd7-69ccb046d5dc", "Read and create user's online meetings", "Allows the app to read and create online meetings on behalf of the signed-in user.", USER),
    del("openid", "37f7f235-527c-4136-accd-4a02d197296e", "Sign users in", "Allows users to sign in to the app with their work or school accounts and allows the app to see basic user profile information.", USER),
    del("Organization.Read.All", "4908d5b9-3fb2-4b1e-9336-1888b7937185", "Read organization information", "Allows the app to read the organization and related resources, on behalf of the signed-in user. Related resources include things like subscribed skus and tenant branding information.", ADMIN),
    del("Organization.ReadWrite.All", "46ca0847-7e6b-426e-9775-ea810a948356", "Read and write organization information", "Allows the app to read and write the organization and related resources, on behalf of the signed-in user. Related resources include things like subscribed skus and tenant branding information.", ADMIN),
    del("OrgContact.Read.All", "08432d1b-5911-483c-86df-7980af5cdee0", "Read organizational contacts", "Allows the app to read all organizational contacts on behalf of the signed-in user.  These contacts are managed by the organization and are different from a user's personal contacts.", ADMIN),
    del("People.Read", "ba47897c-39ec-4d83-8086-ee8256fa737d", "Read users' relevant people lists", "Allows the app to read a ranked list of relevant people of the signed-in user. The list includes local contacts, contacts from social networking, your organization's directory, and people from recent communications (such as email and Skype).", USER),
    del("People.Read.All", "b89f9189-71a5-4e70-b041-9887f0bc7e4a", "Read all users' relevant people lists", "Allows the app to read a scored list of relevant people of the signed-in user or other users in the signed-in user's organization. The list can include local contacts, contacts from social networking, your organization's directory, and people from recent communications (such as email and Skype).", ADMIN),
    del("PeopleSettings.Read.All", "ec762c5f-388b-4b16-8693-ac1efbc611bc", "Read tenant-wide people settings", "Allows the application to read tenant-wide people settings on behalf of the signed-in user.", ADMIN),
    del("PeopleSettings.ReadWrite.All", "e67e6727-c080-415e-b521-e3f35d5248e9", "Read and write tenant-wide people settings", "Allows the application to read and write tenant-wide people settings on behalf of the signed-in user.", ADMIN),
    del("Policy.Read.All", "572fea84-0151-49b2-9301-11cb16974376", "Read your organization's policies", "Allows the app to read your organization's policies on behalf of the signed-in user.", ADMIN),
    del("Policy.Read.ConditionalAccess", "633e0fce-8c58-4cfb-9495-12bbd5a24f7c", "Read your organization's conditional access policies", "Allows the app to read your organization's conditional access policies on behalf of the signed-in user.", USER),
    del("Policy.Read.PermissionGrant", "414de6ea-2d92-462f-b120-6e2a809a6d01", "Read consent and permission grant policies", "Allows the app to read policies related to consent and permission grants for applications, on behalf of the signed-in user.", ADMIN),
    del("Policy.ReadWrite.ApplicationConfiguration", "b27add92-efb2-4f16-84f5-8108ba77985c", "Read and write your organization's application configuration policies", "Allows the app to read and write your organization's application configuration policies on behalf of the signed-in user.  This includes policies such as activityBasedTimeoutPolicy, claimsMappingPolicy, homeRealmDiscoveryPolicy,  tokenIssuancePolicy and tokenLifetimePolicy.", ADMIN),
    del("Policy.ReadWrite.Authorization", "edd3c878-b384-41fd-95ad-e7407dd775be", "Read and write your organization's authorization policy", "Allows the app to read and write your organization's authorization policy on behalf of the signed-in user.  For example, authorization policies can control some of the permissions that the out-of-the-box user role has by default.", ADMIN),
    del("Policy.ReadWrite.ConditionalAccess", "ad902697-1014-4ef5-81ef-2b4301988e8c", "Read and write your organization's conditional access policies", "Allows the app to read and write your organization's conditional access policies on behalf of the signed-in user.", ADMIN),
    del("Policy.ReadWrite.PermissionGrant", "2672f8bb-fd5e-42e0-85e1-ec764dd2614e", "Manage consent and permission grant policies", "Allows the app to manage policies related to consent and permission grants for applications, on behalf of the signed-in user.", ADMIN),
    del("Presence.Read", "76bc735e-aecd-4a1d-8b4c-2b915deabb79", "Read user's presence information", "Allows the app to read presence information on behalf of the signed-in user. Presence information includes activity, availability, status note, calendar out-of-office message, timezone and location.", USER),
    del("profile", "14dad69e-099b-42c9-810b-d002981feec1", "View users' basic profile", "Allows the app to see your users' basic profile (e.g., name, picture, user name, email address)", USER),
    del("Reports.Read.All", "02e97553-ed7b-43d0-ab3c-f8bace0d040c", "Read all usage reports", "Allows an app to read all service usage reports on behalf of the signed-in user.  Services that provide usage reports include Office 365 and Azure Active Directory.", ADMIN),
    del("RoleManagement.Read.All", "48fec646-b2ba-4019-8681-8eb31435aded", "Read role management data for all RBAC providers", "Allows the app to read the role-based access control (RBAC) settings for all RBAC providers, on behalf of the signed-in user.  This includes reading role definitions and role assignments.", ADMIN),
    del("RoleManagement.Read.Directory", "741c54c3-0c1e-44a1-818b-3f97ab4e8c83", "Read directory RBAC settings", "Allows the app to read the role-based access control (RBAC) settings for your company's directory, on behalf of the signed-in user.  This includes reading directory role templates, directory roles and memberships.", ADMIN),
    del("RoleManagement.ReadWrite.Directory", "d01b97e9-cbc0-49fe-810a-750afd5527a3", "Read and write directory RBAC settings", "Allows the app to read and manage the role-based access control (RBAC) settings for your company's directory, on behalf of the signed-in user. This includes instantiating directory roles and managing directory role membership, and reading directory role templates, directory roles and memberships.", ADMIN),
    del("Sites.Read.All", "205e70e5-aba6-4c52-a976-6d2d46c48043", "Read items in all site collections", "Allows the application to read documents and list  items in all site collections on behalf of the signed-in user", USER),
    del("Sites.ReadWrite.All", "89fe6a52-be36-487e-b7d8-d061c450a026", "Edit or delete items in all site collections", "Allows the application to edit or delete documents and list items in all site collections on behalf of the signed-in user.", USER),
    del("Tasks.ReadWrite", "2219042f-cab5-40cc-b0d2-16b1540b4c5f", "Create, read, update, and delete user’s tasks and task lists", "Allows the app to create, read, update, and delete the signed-in user's tasks and task lists, including any shared with the user.", USER),
    del("Team.ReadBasic.All", "485be79e-c497-4b35-9400-0e3fa7f2a5d4", "Read the names and descriptions of teams", "Read the names and  descriptions of teams, on behalf of the signed-in user.", USER),
    del("User.DeleteRestore.All", "4bb440cd-2cf2-4f90-8004-aa2acd2537c5", "Delete and restore users", "Allows the app to delete and restore all users, on behalf of the signed-in user.", ADMIN),
    del("User.EnableDisableAccount.All", "f92e74e7-2563-467f-9dd0-902688cb5863", "Enable and disable user accounts", "Allows the app to enable and disable users' accounts, on behalf of the signed-in user.", ADMIN),
    del("User.Invite.All", "63dd7cd9-b489-4adf-a28c-ac38b9a0f962", "Invite guest users to the organization", "Allows the app to invite guest users to the organization, on behalf of the signed-in user.", ADMIN),
    del("User.ManageIdentities.All", "637d7bec-b31e-4deb-acc9-24275642a2c9", "Manage  user identities", "Allows the app to read, update and delete identities that are associated with a user's account that the signed-in user has access to. This controls the identities users can sign-in with.", ADMIN),
    del("User.Read", "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "Sign in and read user profile", "Allows users to sign-in to the app, and allows the app to read the profile of signed-in users. It also allows the app to read basic company information of signed-in users.", USER),
    del("User.Read.All", "a154be20-db9c-4678-8ab7-66f6cc099a59", "Read all users' full profiles", "Allows the app to read the full set of profile properties, reports, and managers of other users in your organization, on behalf of the signed-in user.", ADMIN),
    del("User.ReadBasic.All", "b340eb25-3456-403f-be2f-af7a0d370277", "Read all users' basic profiles", "Allows the app to read a basic set of profile properties of other users in your organization on behalf of the signed-in user. This includes display name, first and last name, email address and photo.", USER),
    del("User.ReadWrite", "b4e74841-8e56-480b-be8b-910348b18b4c", "Read and write access to user profile", "Allows the app to read your profile. It also allows the app to update your profile information on your behalf.", USER),
    del("User.ReadWrite.All", "204e0828-b5ca-4ad8-b9f3-f32a958e7cc4", "Read and write all users' full profiles", "Allows the app to read and write the full set of profile properties, reports, and managers of other users in your organization, on behalf of the signed-in user.", ADMIN),
    del("User.RevokeSessions.All", "fc30e98b-8810-4501-81f5-c20a3196387b", "Revoke all sign in sessions for a user", "Allow the app to revoke all sign in sessions for a user, on behalf of a signed-in user.", ADMIN),
    del("UserAuthenticationMethod.Read", "1f6b61c5-2f65-4135-9c9f-31c0f8d32b52", "Read user authentication methods.", "Allows the app to read the signed-in user's authentication methods, including phone numbers and Authenticator app settings. This does not allow the app to see secret information like the signed-in user's passwords, or to sign-in  or otherwise use the signed-in user's authentication methods.", ADMIN),
];

/// The application permission (app role) with this value, ignoring case.
pub fn application(value: &str) -> Option<&'static GraphPermission> {
    APPLICATION
        .iter()
        .find(|p| p.value.eq_ignore_ascii_case(value))
}

/// The delegated permission (scope) with this value, ignoring case.
pub fn delegated(value: &str) -> Option<&'static GraphPermission> {
    DELEGATED
        .iter()
        .find(|p| p.value.eq_ignore_ascii_case(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 8-4-4-4-12 lower-case hex digits.
    fn is_lower_guid(s: &str) -> bool {
        let groups: Vec<&str> = s.split('-').collect();
        groups.len() == 5
            && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| {
                g.len() == n
                    && g.bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            })
    }

    #[test]
    fn lookups_ignore_case_and_cover_the_permissions_tenantsim_uses() {
        assert_eq!(
            application("user.read.all").unwrap().id,
            "df021288-bdef-4463-88db-98f22de89214"
        );
        assert_eq!(application("USER.READ.ALL").unwrap().value, "User.Read.All");
        assert_eq!(
            delegated("user.read.all").unwrap().id,
            "a154be20-db9c-4678-8ab7-66f6cc099a59"
        );
        assert_eq!(delegated("OPENID").unwrap().value, "openid");
        assert_eq!(delegated("Offline_Access").unwrap().value, "offline_access");
        assert!(
            application("User.Read").is_none(),
            "User.Read is delegated only"
        );
        assert!(application("openid").is_none());
        assert!(delegated("No.Such.Permission").is_none());
        let both = [
            "User.ReadBasic.All",
            "User.Read.All",
            "User.ReadWrite.All",
            "Group.Read.All",
            "Group.ReadWrite.All",
            "GroupMember.Read.All",
            "GroupMember.ReadWrite.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
            "Application.Read.All",
            "Application.ReadWrite.All",
            "AppRoleAssignment.ReadWrite.All",
            "DelegatedPermissionGrant.Read.All",
            "DelegatedPermissionGrant.ReadWrite.All",
            "Policy.Read.All",
            "Policy.ReadWrite.Authorization",
            "Policy.ReadWrite.PermissionGrant",
            "PeopleSettings.Read.All",
            "PeopleSettings.ReadWrite.All",
            "RoleManagement.Read.Directory",
            "RoleManagement.ReadWrite.Directory",
            "People.Read.All",
            "Organization.Read.All",
            "Mail.Read",
            "Calendars.Read",
            "Files.Read.All",
            "Sites.Read.All",
        ];
        for value in both {
            assert!(application(value).is_some(), "application {value}");
            assert!(delegated(value).is_some(), "delegated {value}");
            assert_ne!(
                application(value).unwrap().id,
                delegated(value).unwrap().id,
                "{value}"
            );
        }
        for value in ["Group.Create", "Application.ReadWrite.OwnedBy"] {
            assert!(application(value).is_some(), "application {value}");
        }
        for value in [
            "User.Read",
            "User.ReadWrite",
            "Directory.AccessAsUser.All",
            "People.Read",
            "offline_access",
            "openid",
            "profile",
            "email",
        ] {
            assert!(delegated(value).is_some(), "delegated {value}");
        }
        assert!(!delegated("User.Read").unwrap().admin_consent_required);
        assert!(
            delegated("Directory.AccessAsUser.All")
                .unwrap()
                .admin_consent_required
        );
        assert!(APPLICATION.iter().all(|p| p.admin_consent_required));
    }

    #[test]
    fn ids_are_lower_case_guids_and_values_are_unique() {
        for (kind, table) in [("application", APPLICATION), ("delegated", DELEGATED)] {
            for (i, p) in table.iter().enumerate() {
                assert!(is_lower_guid(p.id), "{kind} {}: bad id {}", p.value, p.id);
                assert!(
                    !p.display_name.is_empty() && !p.description.is_empty(),
                    "{kind} {}",
                    p.value
                );
                assert!(!p.description.contains('\n'), "{kind} {}", p.value);
                for q in &table[i + 1..] {
                    assert!(
                        !p.value.eq_ignore_ascii_case(q.value),
                        "{kind}: duplicate value {}",
                        p.value
                    );
                    assert_ne!(
                        p.id, q.id,
                        "{kind}: duplicate id ({} and {})",
                        p.value, q.value
                    );
                }
            }
        }
        assert!(!is_lower_guid("DF021288-bdef-4463-88db-98f22de89214"));
        assert!(!is_lower_guid("df021288-bdef-4463-88db-98f22de8921"));
    }
}
