-- The undo log's insert and update triggers (0014) test for an earlier entry in their `when`
-- clause and insert with `values`. As `insert … select … where not exists (select … from`
-- the log`)`, each statement read the table it inserted into, so SQLite first copied its
-- result into a temporary table (a B-tree with its own page cache, built and torn down):
-- about 6 % of a user create's time (`perf`, create-then-read pairs). The delete triggers keep
-- their form: they make two changes whose order matters, in one trigger. Still no `insert or
-- ignore`, for the reason 0014 gives.

drop trigger undo_tenant_domains_insert;
create trigger undo_tenant_domains_insert after insert on tenant_domains
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_tenant_domains where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_tenant_domains (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end;

drop trigger undo_tenant_domains_update;
create trigger undo_tenant_domains_update after update on tenant_domains
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_tenant_domains where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_tenant_domains values (old.rowid, 1, old.tenant_id, old.name, old.is_initial, old.position);
end;

drop trigger undo_directory_objects_insert;
create trigger undo_directory_objects_insert after insert on directory_objects
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_directory_objects where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_directory_objects (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end;

drop trigger undo_directory_objects_update;
create trigger undo_directory_objects_update after update on directory_objects
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_directory_objects where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_directory_objects values (old.rowid, 1, old.tenant_id, old.id, old.kind, old.display_name, old.user_principal_name, old.app_id, old.data, old.secret, old.seq);
end;

drop trigger undo_memberships_insert;
create trigger undo_memberships_insert after insert on memberships
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_memberships where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_memberships (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end;

drop trigger undo_memberships_update;
create trigger undo_memberships_update after update on memberships
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_memberships where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_memberships values (old.rowid, 1, old.tenant_id, old.group_id, old.member_id, old.seq);
end;

drop trigger undo_directory_role_members_insert;
create trigger undo_directory_role_members_insert after insert on directory_role_members
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_directory_role_members where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_directory_role_members (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end;

drop trigger undo_directory_role_members_update;
create trigger undo_directory_role_members_update after update on directory_role_members
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_directory_role_members where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_directory_role_members values (old.rowid, 1, old.tenant_id, old.role_template_id, old.member_id);
end;

drop trigger undo_applications_insert;
create trigger undo_applications_insert after insert on applications
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_applications where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_applications (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end;

drop trigger undo_applications_update;
create trigger undo_applications_update after update on applications
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_applications where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_applications values (old.rowid, 1, old.tenant_id, old.app_id, old.service_principal_id, old.public_client, old.redirect_uris);
end;

drop trigger undo_app_role_assignments_insert;
create trigger undo_app_role_assignments_insert after insert on app_role_assignments
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_app_role_assignments where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_app_role_assignments (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end;

drop trigger undo_app_role_assignments_update;
create trigger undo_app_role_assignments_update after update on app_role_assignments
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_app_role_assignments where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_app_role_assignments values (old.rowid, 1, old.tenant_id, old.id, old.principal_id, old.resource_id, old.app_role_id, old.created_date_time);
end;

drop trigger undo_oauth2_permission_grants_insert;
create trigger undo_oauth2_permission_grants_insert after insert on oauth2_permission_grants
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_oauth2_permission_grants where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_oauth2_permission_grants (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end;

drop trigger undo_oauth2_permission_grants_update;
create trigger undo_oauth2_permission_grants_update after update on oauth2_permission_grants
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_oauth2_permission_grants where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_oauth2_permission_grants values (old.rowid, 1, old.tenant_id, old.id, old.client_id, old.consent_type, old.principal_id, old.resource_id, old.scope, old.seq);
end;

drop trigger undo_linkedin_profiles_insert;
create trigger undo_linkedin_profiles_insert after insert on linkedin_profiles
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_linkedin_profiles where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_linkedin_profiles (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end;

drop trigger undo_linkedin_profiles_update;
create trigger undo_linkedin_profiles_update after update on linkedin_profiles
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_linkedin_profiles where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_linkedin_profiles values (old.rowid, 1, old.tenant_id, old.user_id, old.vanity_name, old.headline, old.current_position, old.location, old.public_visibility);
end;

drop trigger undo_linkedin_connections_insert;
create trigger undo_linkedin_connections_insert after insert on linkedin_connections
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_linkedin_connections where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_linkedin_connections (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end;

drop trigger undo_linkedin_connections_update;
create trigger undo_linkedin_connections_update after update on linkedin_connections
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_linkedin_connections where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_linkedin_connections values (old.rowid, 1, old.tenant_id, old.user_a, old.user_b);
end;

drop trigger undo_linkedin_user_state_insert;
create trigger undo_linkedin_user_state_insert after insert on linkedin_user_state
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_linkedin_user_state where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_linkedin_user_state (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end;

drop trigger undo_linkedin_user_state_update;
create trigger undo_linkedin_user_state_update after update on linkedin_user_state
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_linkedin_user_state where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_linkedin_user_state values (old.rowid, 1, old.tenant_id, old.user_id, old.opt_out, old.linkedin_side);
end;

drop trigger undo_directory_links_insert;
create trigger undo_directory_links_insert after insert on directory_links
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_directory_links where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_directory_links (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end;

drop trigger undo_directory_links_update;
create trigger undo_directory_links_update after update on directory_links
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_directory_links where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_directory_links values (old.rowid, 1, old.tenant_id, old.kind, old.source_id, old.target_id, old.seq);
end;

drop trigger undo_app_credentials_insert;
create trigger undo_app_credentials_insert after insert on app_credentials
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_app_credentials where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_app_credentials (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end;

drop trigger undo_app_credentials_update;
create trigger undo_app_credentials_update after update on app_credentials
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_app_credentials where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_app_credentials values (old.rowid, 1, old.tenant_id, old.app_id, old.kind, old.secret_digest, old.certificate_pem, old.thumbprint_sha1, old.thumbprint_sha256, old.key_id, old.display_name, old.hint, old.start_date_time, old.end_date_time);
end;

drop trigger undo_extension_properties_insert;
create trigger undo_extension_properties_insert after insert on extension_properties
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_extension_properties where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_extension_properties (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end;

drop trigger undo_extension_properties_update;
create trigger undo_extension_properties_update after update on extension_properties
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_extension_properties where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_extension_properties values (old.rowid, 1, old.tenant_id, old.id, old.application_id, old.name, old.data, old.seq);
end;
