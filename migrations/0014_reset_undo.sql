-- Undo log for resets (issue 13): a reset puts back only the rows changed since the tenant
-- was loaded from its seed, instead of deleting and reloading the whole tenant (six seconds
-- at 100,000 users). While `tenants.undo` is 1, the first change to a row saves the row as
-- it was (`existed` = 1) and a row inserted since is noted by its rowid (`existed` = 0);
-- src/store/undo.rs puts them back. Loads keep `undo` at 0, so they write no log. The
-- triggers test for an earlier entry instead of `insert or ignore`: an upsert's conflict
-- handling overrides the conflict clause of the statements its triggers run. A row added
-- since the load and deleted again leaves no entry: nothing of it is left to undo, and a
-- long run of creates and deletes does not grow the log.
alter table tenants add column undo integer not null default 0;

create table undo_tenant_domains (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    name,
    is_initial,
    position,
    primary key (tenant_id, row_id)
) without rowid;

create trigger undo_tenant_domains_insert after insert on tenant_domains
    when (select undo from tenants where id = new.tenant_id) begin
    insert into undo_tenant_domains (row_id, existed, tenant_id) select new.rowid, 0, new.tenant_id
        where not exists (select 1 from undo_tenant_domains where tenant_id = new.tenant_id and row_id = new.rowid);
end;

create trigger undo_tenant_domains_update after update on tenant_domains
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_tenant_domains select old.rowid, 1, old.tenant_id, old.name, old.is_initial, old.position
        where not exists (select 1 from undo_tenant_domains where tenant_id = old.tenant_id and row_id = old.rowid);
end;

create trigger undo_tenant_domains_delete after delete on tenant_domains
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_tenant_domains select old.rowid, 1, old.tenant_id, old.name, old.is_initial, old.position
        where not exists (select 1 from undo_tenant_domains where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_tenant_domains where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end;

create table undo_directory_objects (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    id,
    kind,
    display_name,
    user_principal_name,
    app_id,
    data,
    secret,
    seq,
    primary key (tenant_id, row_id)
) without rowid;

create trigger undo_directory_objects_insert after insert on directory_objects
    when (select undo from tenants where id = new.tenant_id) begin
    insert into undo_directory_objects (row_id, existed, tenant_id) select new.rowid, 0, new.tenant_id
        where not exists (select 1 from undo_directory_objects where tenant_id = new.tenant_id and row_id = new.rowid);
end;

create trigger undo_directory_objects_update after update on directory_objects
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_directory_objects select old.rowid, 1, old.tenant_id, old.id, old.kind, old.display_name, old.user_principal_name, old.app_id, old.data, old.secret, old.seq
        where not exists (select 1 from undo_directory_objects where tenant_id = old.tenant_id and row_id = old.rowid);
end;

create trigger undo_directory_objects_delete after delete on directory_objects
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_directory_objects select old.rowid, 1, old.tenant_id, old.id, old.kind, old.display_name, old.user_principal_name, old.app_id, old.data, old.secret, old.seq
        where not exists (select 1 from undo_directory_objects where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_directory_objects where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end;

create table undo_memberships (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    group_id,
    member_id,
    seq,
    primary key (tenant_id, row_id)
) without rowid;

create trigger undo_memberships_insert after insert on memberships
    when (select undo from tenants where id = new.tenant_id) begin
    insert into undo_memberships (row_id, existed, tenant_id) select new.rowid, 0, new.tenant_id
        where not exists (select 1 from undo_memberships where tenant_id = new.tenant_id and row_id = new.rowid);
end;

create trigger undo_memberships_update after update on memberships
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_memberships select old.rowid, 1, old.tenant_id, old.group_id, old.member_id, old.seq
        where not exists (select 1 from undo_memberships where tenant_id = old.tenant_id and row_id = old.rowid);
end;

create trigger undo_memberships_delete after delete on memberships
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_memberships select old.rowid, 1, old.tenant_id, old.group_id, old.member_id, old.seq
        where not exists (select 1 from undo_memberships where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_memberships where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end;

create table undo_directory_role_members (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    role_template_id,
    member_id,
    primary key (tenant_id, row_id)
) without rowid;

create trigger undo_directory_role_members_insert after insert on directory_role_members
    when (select undo from tenants where id = new.tenant_id) begin
    insert into undo_directory_role_members (row_id, existed, tenant_id) select new.rowid, 0, new.tenant_id
        where not exists (select 1 from undo_directory_role_members where tenant_id = new.tenant_id and row_id = new.rowid);
end;

create trigger undo_directory_role_members_update after update on directory_role_members
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_directory_role_members select old.rowid, 1, old.tenant_id, old.role_template_id, old.member_id
        where not exists (select 1 from undo_directory_role_members where tenant_id = old.tenant_id and row_id = old.rowid);
end;

create trigger undo_directory_role_members_delete after delete on directory_role_members
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_directory_role_members select old.rowid, 1, old.tenant_id, old.role_template_id, old.member_id
        where not exists (select 1 from undo_directory_role_members where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_directory_role_members where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end;

create table undo_applications (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    app_id,
    service_principal_id,
    public_client,
    redirect_uris,
    primary key (tenant_id, row_id)
) without rowid;

create trigger undo_applications_insert after insert on applications
    when (select undo from tenants where id = new.tenant_id) begin
    insert into undo_applications (row_id, existed, tenant_id) select new.rowid, 0, new.tenant_id
        where not exists (select 1 from undo_applications where tenant_id = new.tenant_id and row_id = new.rowid);
end;

create trigger undo_applications_update after update on applications
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_applications select old.rowid, 1, old.tenant_id, old.app_id, old.service_principal_id, old.public_client, old.redirect_uris
        where not exists (select 1 from undo_applications where tenant_id = old.tenant_id and row_id = old.rowid);
end;

create trigger undo_applications_delete after delete on applications
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_applications select old.rowid, 1, old.tenant_id, old.app_id, old.service_principal_id, old.public_client, old.redirect_uris
        where not exists (select 1 from undo_applications where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_applications where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end;

create table undo_app_role_assignments (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    id,
    principal_id,
    resource_id,
    app_role_id,
    created_date_time,
    primary key (tenant_id, row_id)
) without rowid;

create trigger undo_app_role_assignments_insert after insert on app_role_assignments
    when (select undo from tenants where id = new.tenant_id) begin
    insert into undo_app_role_assignments (row_id, existed, tenant_id) select new.rowid, 0, new.tenant_id
        where not exists (select 1 from undo_app_role_assignments where tenant_id = new.tenant_id and row_id = new.rowid);
end;

create trigger undo_app_role_assignments_update after update on app_role_assignments
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_app_role_assignments select old.rowid, 1, old.tenant_id, old.id, old.principal_id, old.resource_id, old.app_role_id, old.created_date_time
        where not exists (select 1 from undo_app_role_assignments where tenant_id = old.tenant_id and row_id = old.rowid);
end;

create trigger undo_app_role_assignments_delete after delete on app_role_assignments
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_app_role_assignments select old.rowid, 1, old.tenant_id, old.id, old.principal_id, old.resource_id, old.app_role_id, old.created_date_time
        where not exists (select 1 from undo_app_role_assignments where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_app_role_assignments where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end;

create table undo_oauth2_permission_grants (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    id,
    client_id,
    consent_type,
    principal_id,
    resource_id,
    scope,
    seq,
    primary key (tenant_id, row_id)
) without rowid;

create trigger undo_oauth2_permission_grants_insert after insert on oauth2_permission_grants
    when (select undo from tenants where id = new.tenant_id) begin
    insert into undo_oauth2_permission_grants (row_id, existed, tenant_id) select new.rowid, 0, new.tenant_id
        where not exists (select 1 from undo_oauth2_permission_grants where tenant_id = new.tenant_id and row_id = new.rowid);
end;

create trigger undo_oauth2_permission_grants_update after update on oauth2_permission_grants
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_oauth2_permission_grants select old.rowid, 1, old.tenant_id, old.id, old.client_id, old.consent_type, old.principal_id, old.resource_id, old.scope, old.seq
        where not exists (select 1 from undo_oauth2_permission_grants where tenant_id = old.tenant_id and row_id = old.rowid);
end;

create trigger undo_oauth2_permission_grants_delete after delete on oauth2_permission_grants
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_oauth2_permission_grants select old.rowid, 1, old.tenant_id, old.id, old.client_id, old.consent_type, old.principal_id, old.resource_id, old.scope, old.seq
        where not exists (select 1 from undo_oauth2_permission_grants where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_oauth2_permission_grants where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end;

create table undo_linkedin_profiles (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    user_id,
    vanity_name,
    headline,
    current_position,
    location,
    public_visibility,
    primary key (tenant_id, row_id)
) without rowid;

create trigger undo_linkedin_profiles_insert after insert on linkedin_profiles
    when (select undo from tenants where id = new.tenant_id) begin
    insert into undo_linkedin_profiles (row_id, existed, tenant_id) select new.rowid, 0, new.tenant_id
        where not exists (select 1 from undo_linkedin_profiles where tenant_id = new.tenant_id and row_id = new.rowid);
end;

create trigger undo_linkedin_profiles_update after update on linkedin_profiles
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_linkedin_profiles select old.rowid, 1, old.tenant_id, old.user_id, old.vanity_name, old.headline, old.current_position, old.location, old.public_visibility
        where not exists (select 1 from undo_linkedin_profiles where tenant_id = old.tenant_id and row_id = old.rowid);
end;

create trigger undo_linkedin_profiles_delete after delete on linkedin_profiles
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_linkedin_profiles select old.rowid, 1, old.tenant_id, old.user_id, old.vanity_name, old.headline, old.current_position, old.location, old.public_visibility
        where not exists (select 1 from undo_linkedin_profiles where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_linkedin_profiles where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end;

create table undo_linkedin_connections (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    user_a,
    user_b,
    primary key (tenant_id, row_id)
) without rowid;

create trigger undo_linkedin_connections_insert after insert on linkedin_connections
    when (select undo from tenants where id = new.tenant_id) begin
    insert into undo_linkedin_connections (row_id, existed, tenant_id) select new.rowid, 0, new.tenant_id
        where not exists (select 1 from undo_linkedin_connections where tenant_id = new.tenant_id and row_id = new.rowid);
end;

create trigger undo_linkedin_connections_update after update on linkedin_connections
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_linkedin_connections select old.rowid, 1, old.tenant_id, old.user_a, old.user_b
        where not exists (select 1 from undo_linkedin_connections where tenant_id = old.tenant_id and row_id = old.rowid);
end;

create trigger undo_linkedin_connections_delete after delete on linkedin_connections
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_linkedin_connections select old.rowid, 1, old.tenant_id, old.user_a, old.user_b
        where not exists (select 1 from undo_linkedin_connections where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_linkedin_connections where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end;

create table undo_linkedin_user_state (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    user_id,
    opt_out,
    linkedin_side,
    primary key (tenant_id, row_id)
) without rowid;

create trigger undo_linkedin_user_state_insert after insert on linkedin_user_state
    when (select undo from tenants where id = new.tenant_id) begin
    insert into undo_linkedin_user_state (row_id, existed, tenant_id) select new.rowid, 0, new.tenant_id
        where not exists (select 1 from undo_linkedin_user_state where tenant_id = new.tenant_id and row_id = new.rowid);
end;

create trigger undo_linkedin_user_state_update after update on linkedin_user_state
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_linkedin_user_state select old.rowid, 1, old.tenant_id, old.user_id, old.opt_out, old.linkedin_side
        where not exists (select 1 from undo_linkedin_user_state where tenant_id = old.tenant_id and row_id = old.rowid);
end;

create trigger undo_linkedin_user_state_delete after delete on linkedin_user_state
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_linkedin_user_state select old.rowid, 1, old.tenant_id, old.user_id, old.opt_out, old.linkedin_side
        where not exists (select 1 from undo_linkedin_user_state where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_linkedin_user_state where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end;

create table undo_directory_links (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    kind,
    source_id,
    target_id,
    seq,
    primary key (tenant_id, row_id)
) without rowid;

create trigger undo_directory_links_insert after insert on directory_links
    when (select undo from tenants where id = new.tenant_id) begin
    insert into undo_directory_links (row_id, existed, tenant_id) select new.rowid, 0, new.tenant_id
        where not exists (select 1 from undo_directory_links where tenant_id = new.tenant_id and row_id = new.rowid);
end;

create trigger undo_directory_links_update after update on directory_links
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_directory_links select old.rowid, 1, old.tenant_id, old.kind, old.source_id, old.target_id, old.seq
        where not exists (select 1 from undo_directory_links where tenant_id = old.tenant_id and row_id = old.rowid);
end;

create trigger undo_directory_links_delete after delete on directory_links
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_directory_links select old.rowid, 1, old.tenant_id, old.kind, old.source_id, old.target_id, old.seq
        where not exists (select 1 from undo_directory_links where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_directory_links where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end;

create table undo_app_credentials (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    app_id,
    kind,
    secret_digest,
    certificate_pem,
    thumbprint_sha1,
    thumbprint_sha256,
    key_id,
    display_name,
    hint,
    start_date_time,
    end_date_time,
    primary key (tenant_id, row_id)
) without rowid;

create trigger undo_app_credentials_insert after insert on app_credentials
    when (select undo from tenants where id = new.tenant_id) begin
    insert into undo_app_credentials (row_id, existed, tenant_id) select new.rowid, 0, new.tenant_id
        where not exists (select 1 from undo_app_credentials where tenant_id = new.tenant_id and row_id = new.rowid);
end;

create trigger undo_app_credentials_update after update on app_credentials
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_app_credentials select old.rowid, 1, old.tenant_id, old.app_id, old.kind, old.secret_digest, old.certificate_pem, old.thumbprint_sha1, old.thumbprint_sha256, old.key_id, old.display_name, old.hint, old.start_date_time, old.end_date_time
        where not exists (select 1 from undo_app_credentials where tenant_id = old.tenant_id and row_id = old.rowid);
end;

create trigger undo_app_credentials_delete after delete on app_credentials
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_app_credentials select old.rowid, 1, old.tenant_id, old.app_id, old.kind, old.secret_digest, old.certificate_pem, old.thumbprint_sha1, old.thumbprint_sha256, old.key_id, old.display_name, old.hint, old.start_date_time, old.end_date_time
        where not exists (select 1 from undo_app_credentials where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_app_credentials where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end;

create table undo_extension_properties (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    id,
    application_id,
    name,
    data,
    seq,
    primary key (tenant_id, row_id)
) without rowid;

create trigger undo_extension_properties_insert after insert on extension_properties
    when (select undo from tenants where id = new.tenant_id) begin
    insert into undo_extension_properties (row_id, existed, tenant_id) select new.rowid, 0, new.tenant_id
        where not exists (select 1 from undo_extension_properties where tenant_id = new.tenant_id and row_id = new.rowid);
end;

create trigger undo_extension_properties_update after update on extension_properties
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_extension_properties select old.rowid, 1, old.tenant_id, old.id, old.application_id, old.name, old.data, old.seq
        where not exists (select 1 from undo_extension_properties where tenant_id = old.tenant_id and row_id = old.rowid);
end;

create trigger undo_extension_properties_delete after delete on extension_properties
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_extension_properties select old.rowid, 1, old.tenant_id, old.id, old.application_id, old.name, old.data, old.seq
        where not exists (select 1 from undo_extension_properties where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_extension_properties where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end;
