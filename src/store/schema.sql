-- Generated from migrations/ by `TENANTSIM_BLESS_SCHEMA=1 cargo test --lib schema`; do not
-- edit (see src/store/schema.rs). The in-memory database's whole schema.
begin;

CREATE TABLE tenants (
    id            text primary key not null,
    display_name  text not null,
    cloud         text not null default 'public',   -- public | usgov | china | germany
    country       text,                              -- provisioning country, ISO 3166 alpha-2
    settings      text not null default '{}',        -- JSON: LinkedIn setting, consent policy, …
    created_seq   integer not null
, undo integer not null default 0, membership_seq integer not null default 0);

CREATE TABLE tenant_domains (
    tenant_id   text not null references tenants(id) on delete cascade,
    name        text not null collate nocase,
    is_initial  integer not null default 0,
    position    integer not null,
    primary key (tenant_id, name)
);

CREATE UNIQUE INDEX tenant_domains_by_name on tenant_domains(name);

CREATE TABLE directory_objects (
    tenant_id            text not null references tenants(id) on delete cascade,
    id                   text not null,
    kind                 text not null,              -- user | group | servicePrincipal
    display_name         text collate nocase,
    user_principal_name  text collate nocase,
    app_id               text collate nocase,
    data                 text not null,
    secret               text,                       -- password digest; never rendered
    seq                  integer not null,           -- creation order: default list order and cursor
    primary key (tenant_id, id)
);

CREATE UNIQUE INDEX directory_objects_upn
    on directory_objects(tenant_id, user_principal_name) where user_principal_name is not null;

CREATE INDEX directory_objects_by_kind_seq on directory_objects(tenant_id, kind, seq);

CREATE INDEX directory_objects_by_kind_name on directory_objects(tenant_id, kind, display_name, id);

CREATE INDEX directory_objects_by_app_id on directory_objects(tenant_id, app_id) where app_id is not null;

CREATE TABLE directory_role_members (
    tenant_id         text not null,
    role_template_id  text not null,
    member_id         text not null,
    primary key (tenant_id, role_template_id, member_id),
    foreign key (tenant_id, member_id) references directory_objects(tenant_id, id) on delete cascade
);

CREATE TABLE applications (
    tenant_id              text not null,
    app_id                 text not null collate nocase,
    service_principal_id   text not null,
    public_client          integer not null default 0,
    redirect_uris          text not null default '[]',   -- JSON array
    primary key (tenant_id, app_id),
    foreign key (tenant_id, service_principal_id) references directory_objects(tenant_id, id) on delete cascade
);

CREATE TABLE app_role_assignments (
    tenant_id            text not null,
    id                   text not null,
    principal_id         text not null,     -- the client service principal
    resource_id          text not null,     -- the resource service principal (Microsoft Graph)
    app_role_id          text not null,
    created_date_time    text not null,
    primary key (tenant_id, id),
    foreign key (tenant_id, principal_id) references directory_objects(tenant_id, id) on delete cascade
);

CREATE INDEX app_role_assignments_by_principal on app_role_assignments(tenant_id, principal_id);

CREATE TABLE oauth2_permission_grants (
    tenant_id      text not null,
    id             text not null,
    client_id      text not null,            -- client service principal object id
    consent_type   text not null,            -- AllPrincipals | Principal
    principal_id   text,                     -- the user, for Principal grants
    resource_id    text not null,            -- resource service principal object id
    scope          text not null,
    seq            integer not null,
    primary key (tenant_id, id)
);

CREATE UNIQUE INDEX oauth2_permission_grants_key
    on oauth2_permission_grants(tenant_id, client_id, resource_id, coalesce(principal_id, ''));

CREATE INDEX oauth2_permission_grants_by_principal on oauth2_permission_grants(tenant_id, principal_id);

CREATE TABLE directory_changes (
    seq          integer primary key autoincrement,
    tenant_id    text not null,
    object_id    text not null,
    kind         text not null,   -- group | tenant
    change       text not null,   -- created | updated | deleted | member_added | member_removed | reset
    member_id    text,
    member_kind  text             -- user | group | servicePrincipal, for member changes
);

CREATE INDEX directory_changes_by_tenant on directory_changes(tenant_id, seq);

CREATE INDEX directory_objects_by_seq on directory_objects(tenant_id, seq);

CREATE INDEX oauth2_permission_grants_by_seq on oauth2_permission_grants(tenant_id, seq);

CREATE INDEX tenants_by_created_seq on tenants(created_seq);

CREATE TABLE tenant_seeds (
    tenant_id  text primary key not null,
    document   text not null
);

CREATE TABLE directory_links (
    tenant_id  text not null,
    kind       text not null,
    source_id  text not null,
    target_id  text not null,
    seq        integer not null,
    primary key (tenant_id, kind, source_id, target_id),
    foreign key (tenant_id, source_id) references directory_objects(tenant_id, id) on delete cascade,
    foreign key (tenant_id, target_id) references directory_objects(tenant_id, id) on delete cascade
);

CREATE TABLE "app_credentials" (
    tenant_id          text not null,
    app_id             text not null collate nocase,
    kind               text not null,      -- secret | certificate
    secret_digest      text,               -- SHA-256 hex of a client secret
    certificate_pem    text,               -- public certificate of a key credential
    thumbprint_sha1    text,               -- base64url, no padding
    thumbprint_sha256  text,
    key_id             text,               -- passwordCredential.keyId (GUID)
    display_name       text,
    hint               text,               -- the secret's first three characters (Graph's hint)
    start_date_time    text,               -- ISO 8601 UTC; null = valid since always
    end_date_time      text                -- ISO 8601 UTC; null = never expires
);

CREATE INDEX app_credentials_by_app on app_credentials(tenant_id, app_id);

CREATE INDEX directory_objects_by_any_app_id on directory_objects(app_id, kind) where app_id is not null;

CREATE TABLE extension_properties (
    tenant_id      text not null,
    id             text not null,
    application_id text not null,
    name           text not null collate nocase,
    data           text not null,
    seq            integer not null,
    primary key (tenant_id, id),
    unique (tenant_id, name),
    foreign key (tenant_id, application_id) references directory_objects(tenant_id, id) on delete cascade
);

CREATE INDEX extension_properties_by_application on extension_properties(tenant_id, application_id, seq);

CREATE VIRTUAL TABLE directory_search using fts5(
    display_name, mail, user_principal_name, given_name, surname, job_title, mail_nickname,
    department, employee_id, description, app_display_name,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TABLE undo_tenant_domains (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    name,
    is_initial,
    position,
    primary key (tenant_id, row_id)
) without rowid;

CREATE TABLE undo_directory_objects (
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

CREATE TABLE undo_directory_role_members (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    role_template_id,
    member_id,
    primary key (tenant_id, row_id)
) without rowid;

CREATE TABLE undo_applications (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    app_id,
    service_principal_id,
    public_client,
    redirect_uris,
    primary key (tenant_id, row_id)
) without rowid;

CREATE TABLE undo_app_role_assignments (
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

CREATE TABLE undo_oauth2_permission_grants (
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

CREATE TABLE undo_directory_links (
    row_id   integer not null,
    existed  integer not null,
    tenant_id,
    kind,
    source_id,
    target_id,
    seq,
    primary key (tenant_id, row_id)
) without rowid;

CREATE TABLE undo_app_credentials (
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

CREATE TABLE undo_extension_properties (
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

CREATE INDEX directory_role_members_by_member on directory_role_members(tenant_id, member_id);

CREATE INDEX directory_links_by_source on directory_links(tenant_id, source_id);

CREATE INDEX directory_links_by_target on directory_links(tenant_id, target_id, kind, source_id);

CREATE INDEX oauth2_permission_grants_by_resource on oauth2_permission_grants(tenant_id, resource_id);

CREATE TABLE search_index_pending (
    object_rowid  integer primary key
);

CREATE TABLE "memberships" (
    tenant_id  text not null,
    group_id   text not null,
    member_id  text not null,
    seq        integer not null,
    primary key (group_id, tenant_id, member_id),
    foreign key (tenant_id, group_id) references directory_objects(tenant_id, id) on delete cascade,
    foreign key (tenant_id, member_id) references directory_objects(tenant_id, id) on delete cascade
) without rowid;

CREATE INDEX memberships_by_member on memberships(member_id, tenant_id, group_id);

CREATE TABLE undo_memberships (
    existed    integer not null,
    tenant_id  text not null,
    group_id   text not null,
    member_id  text not null,
    seq,
    primary key (tenant_id, group_id, member_id)
) without rowid;

CREATE TABLE "linkedin_profiles" (
    tenant_id          text not null,
    user_id            text not null,
    vanity_name        text not null,
    headline           text,
    current_position   text,
    location           text,
    public_visibility  integer not null default 1,   -- 0: the person hides their profile from Microsoft apps
    primary key (user_id, tenant_id),
    foreign key (tenant_id, user_id) references directory_objects(tenant_id, id) on delete cascade
) without rowid;

CREATE TABLE undo_linkedin_profiles (
    existed    integer not null,
    tenant_id  text not null,
    user_id text not null,
    vanity_name,
    headline,
    current_position,
    location,
    public_visibility,
    primary key (tenant_id, user_id)
) without rowid;

CREATE TABLE "linkedin_connections" (
    tenant_id  text not null,
    user_a     text not null,
    user_b     text not null,
    primary key (user_a, tenant_id, user_b),
    foreign key (tenant_id, user_a) references directory_objects(tenant_id, id) on delete cascade,
    foreign key (tenant_id, user_b) references directory_objects(tenant_id, id) on delete cascade
) without rowid;

CREATE INDEX linkedin_connections_by_b on linkedin_connections(user_b, tenant_id, user_a);

CREATE TABLE undo_linkedin_connections (
    existed    integer not null,
    tenant_id  text not null,
    user_a text not null,
    user_b text not null,
    primary key (tenant_id, user_a, user_b)
) without rowid;

CREATE TABLE "linkedin_user_state" (
    tenant_id      text not null,
    user_id        text not null,
    opt_out        integer not null default 0,
    linkedin_side  text not null default 'accepted',   -- accepted | pending
    primary key (user_id, tenant_id),
    foreign key (tenant_id, user_id) references directory_objects(tenant_id, id) on delete cascade
) without rowid;

CREATE TABLE undo_linkedin_user_state (
    existed    integer not null,
    tenant_id  text not null,
    user_id text not null,
    opt_out,
    linkedin_side,
    primary key (tenant_id, user_id)
) without rowid;

-- The triggers, as the rows `create trigger` would write (see src/store/schema.rs).
pragma writable_schema = on;

insert into sqlite_schema (type, name, tbl_name, rootpage, sql) values
('trigger', 'undo_tenant_domains_delete', 'tenant_domains', 0, 'CREATE TRIGGER undo_tenant_domains_delete after delete on tenant_domains
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_tenant_domains select old.rowid, 1, old.tenant_id, old.name, old.is_initial, old.position
        where not exists (select 1 from undo_tenant_domains where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_tenant_domains where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end'),

('trigger', 'undo_directory_objects_delete', 'directory_objects', 0, 'CREATE TRIGGER undo_directory_objects_delete after delete on directory_objects
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_directory_objects select old.rowid, 1, old.tenant_id, old.id, old.kind, old.display_name, old.user_principal_name, old.app_id, old.data, old.secret, old.seq
        where not exists (select 1 from undo_directory_objects where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_directory_objects where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end'),

('trigger', 'undo_directory_role_members_delete', 'directory_role_members', 0, 'CREATE TRIGGER undo_directory_role_members_delete after delete on directory_role_members
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_directory_role_members select old.rowid, 1, old.tenant_id, old.role_template_id, old.member_id
        where not exists (select 1 from undo_directory_role_members where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_directory_role_members where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end'),

('trigger', 'undo_applications_delete', 'applications', 0, 'CREATE TRIGGER undo_applications_delete after delete on applications
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_applications select old.rowid, 1, old.tenant_id, old.app_id, old.service_principal_id, old.public_client, old.redirect_uris
        where not exists (select 1 from undo_applications where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_applications where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end'),

('trigger', 'undo_app_role_assignments_delete', 'app_role_assignments', 0, 'CREATE TRIGGER undo_app_role_assignments_delete after delete on app_role_assignments
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_app_role_assignments select old.rowid, 1, old.tenant_id, old.id, old.principal_id, old.resource_id, old.app_role_id, old.created_date_time
        where not exists (select 1 from undo_app_role_assignments where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_app_role_assignments where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end'),

('trigger', 'undo_oauth2_permission_grants_delete', 'oauth2_permission_grants', 0, 'CREATE TRIGGER undo_oauth2_permission_grants_delete after delete on oauth2_permission_grants
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_oauth2_permission_grants select old.rowid, 1, old.tenant_id, old.id, old.client_id, old.consent_type, old.principal_id, old.resource_id, old.scope, old.seq
        where not exists (select 1 from undo_oauth2_permission_grants where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_oauth2_permission_grants where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end'),

('trigger', 'undo_directory_links_delete', 'directory_links', 0, 'CREATE TRIGGER undo_directory_links_delete after delete on directory_links
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_directory_links select old.rowid, 1, old.tenant_id, old.kind, old.source_id, old.target_id, old.seq
        where not exists (select 1 from undo_directory_links where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_directory_links where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end'),

('trigger', 'undo_app_credentials_delete', 'app_credentials', 0, 'CREATE TRIGGER undo_app_credentials_delete after delete on app_credentials
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_app_credentials select old.rowid, 1, old.tenant_id, old.app_id, old.kind, old.secret_digest, old.certificate_pem, old.thumbprint_sha1, old.thumbprint_sha256, old.key_id, old.display_name, old.hint, old.start_date_time, old.end_date_time
        where not exists (select 1 from undo_app_credentials where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_app_credentials where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end'),

('trigger', 'undo_extension_properties_delete', 'extension_properties', 0, 'CREATE TRIGGER undo_extension_properties_delete after delete on extension_properties
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_extension_properties select old.rowid, 1, old.tenant_id, old.id, old.application_id, old.name, old.data, old.seq
        where not exists (select 1 from undo_extension_properties where tenant_id = old.tenant_id and row_id = old.rowid);
    delete from undo_extension_properties where tenant_id = old.tenant_id and row_id = old.rowid and existed = 0;
end'),

('trigger', 'directory_search_insert', 'directory_objects', 0, 'CREATE TRIGGER directory_search_insert after insert on directory_objects begin
    insert into search_index_pending (object_rowid) values (new.rowid);
end'),

('trigger', 'directory_search_update', 'directory_objects', 0, 'CREATE TRIGGER directory_search_update
    after update of display_name, user_principal_name, data on directory_objects begin
    delete from directory_search where rowid = old.rowid;
end'),

('trigger', 'search_index_note_update', 'directory_objects', 0, 'CREATE TRIGGER search_index_note_update
    after update of display_name, user_principal_name, data on directory_objects
    when not exists (select 1 from search_index_pending where object_rowid = new.rowid) begin
    insert into search_index_pending (object_rowid) values (new.rowid);
end'),

('trigger', 'directory_search_delete', 'directory_objects', 0, 'CREATE TRIGGER directory_search_delete after delete on directory_objects begin
    delete from directory_search where rowid = old.rowid;
    delete from search_index_pending where object_rowid = old.rowid;
end'),

('trigger', 'undo_tenant_domains_insert', 'tenant_domains', 0, 'CREATE TRIGGER undo_tenant_domains_insert after insert on tenant_domains
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_tenant_domains where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_tenant_domains (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end'),

('trigger', 'undo_tenant_domains_update', 'tenant_domains', 0, 'CREATE TRIGGER undo_tenant_domains_update after update on tenant_domains
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_tenant_domains where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_tenant_domains values (old.rowid, 1, old.tenant_id, old.name, old.is_initial, old.position);
end'),

('trigger', 'undo_directory_objects_insert', 'directory_objects', 0, 'CREATE TRIGGER undo_directory_objects_insert after insert on directory_objects
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_directory_objects where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_directory_objects (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end'),

('trigger', 'undo_directory_objects_update', 'directory_objects', 0, 'CREATE TRIGGER undo_directory_objects_update after update on directory_objects
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_directory_objects where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_directory_objects values (old.rowid, 1, old.tenant_id, old.id, old.kind, old.display_name, old.user_principal_name, old.app_id, old.data, old.secret, old.seq);
end'),

('trigger', 'undo_directory_role_members_insert', 'directory_role_members', 0, 'CREATE TRIGGER undo_directory_role_members_insert after insert on directory_role_members
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_directory_role_members where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_directory_role_members (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end'),

('trigger', 'undo_directory_role_members_update', 'directory_role_members', 0, 'CREATE TRIGGER undo_directory_role_members_update after update on directory_role_members
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_directory_role_members where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_directory_role_members values (old.rowid, 1, old.tenant_id, old.role_template_id, old.member_id);
end'),

('trigger', 'undo_applications_insert', 'applications', 0, 'CREATE TRIGGER undo_applications_insert after insert on applications
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_applications where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_applications (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end'),

('trigger', 'undo_applications_update', 'applications', 0, 'CREATE TRIGGER undo_applications_update after update on applications
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_applications where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_applications values (old.rowid, 1, old.tenant_id, old.app_id, old.service_principal_id, old.public_client, old.redirect_uris);
end'),

('trigger', 'undo_app_role_assignments_insert', 'app_role_assignments', 0, 'CREATE TRIGGER undo_app_role_assignments_insert after insert on app_role_assignments
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_app_role_assignments where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_app_role_assignments (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end'),

('trigger', 'undo_app_role_assignments_update', 'app_role_assignments', 0, 'CREATE TRIGGER undo_app_role_assignments_update after update on app_role_assignments
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_app_role_assignments where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_app_role_assignments values (old.rowid, 1, old.tenant_id, old.id, old.principal_id, old.resource_id, old.app_role_id, old.created_date_time);
end'),

('trigger', 'undo_oauth2_permission_grants_insert', 'oauth2_permission_grants', 0, 'CREATE TRIGGER undo_oauth2_permission_grants_insert after insert on oauth2_permission_grants
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_oauth2_permission_grants where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_oauth2_permission_grants (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end'),

('trigger', 'undo_oauth2_permission_grants_update', 'oauth2_permission_grants', 0, 'CREATE TRIGGER undo_oauth2_permission_grants_update after update on oauth2_permission_grants
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_oauth2_permission_grants where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_oauth2_permission_grants values (old.rowid, 1, old.tenant_id, old.id, old.client_id, old.consent_type, old.principal_id, old.resource_id, old.scope, old.seq);
end'),

('trigger', 'undo_directory_links_insert', 'directory_links', 0, 'CREATE TRIGGER undo_directory_links_insert after insert on directory_links
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_directory_links where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_directory_links (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end'),

('trigger', 'undo_directory_links_update', 'directory_links', 0, 'CREATE TRIGGER undo_directory_links_update after update on directory_links
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_directory_links where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_directory_links values (old.rowid, 1, old.tenant_id, old.kind, old.source_id, old.target_id, old.seq);
end'),

('trigger', 'undo_app_credentials_insert', 'app_credentials', 0, 'CREATE TRIGGER undo_app_credentials_insert after insert on app_credentials
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_app_credentials where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_app_credentials (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end'),

('trigger', 'undo_app_credentials_update', 'app_credentials', 0, 'CREATE TRIGGER undo_app_credentials_update after update on app_credentials
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_app_credentials where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_app_credentials values (old.rowid, 1, old.tenant_id, old.app_id, old.kind, old.secret_digest, old.certificate_pem, old.thumbprint_sha1, old.thumbprint_sha256, old.key_id, old.display_name, old.hint, old.start_date_time, old.end_date_time);
end'),

('trigger', 'undo_extension_properties_insert', 'extension_properties', 0, 'CREATE TRIGGER undo_extension_properties_insert after insert on extension_properties
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_extension_properties where tenant_id = new.tenant_id and row_id = new.rowid) begin
    insert into undo_extension_properties (row_id, existed, tenant_id) values (new.rowid, 0, new.tenant_id);
end'),

('trigger', 'undo_extension_properties_update', 'extension_properties', 0, 'CREATE TRIGGER undo_extension_properties_update after update on extension_properties
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_extension_properties where tenant_id = old.tenant_id and row_id = old.rowid) begin
    insert into undo_extension_properties values (old.rowid, 1, old.tenant_id, old.id, old.application_id, old.name, old.data, old.seq);
end'),

('trigger', 'undo_memberships_insert', 'memberships', 0, 'CREATE TRIGGER undo_memberships_insert after insert on memberships
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_memberships where tenant_id = new.tenant_id
                        and group_id = new.group_id and member_id = new.member_id) begin
    insert into undo_memberships (existed, tenant_id, group_id, member_id)
        values (0, new.tenant_id, new.group_id, new.member_id);
end'),

('trigger', 'undo_memberships_update', 'memberships', 0, 'CREATE TRIGGER undo_memberships_update after update on memberships
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_memberships where tenant_id = old.tenant_id
                        and group_id = old.group_id and member_id = old.member_id) begin
    insert into undo_memberships values (1, old.tenant_id, old.group_id, old.member_id, old.seq);
end'),

('trigger', 'undo_memberships_delete', 'memberships', 0, 'CREATE TRIGGER undo_memberships_delete after delete on memberships
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_memberships select 1, old.tenant_id, old.group_id, old.member_id, old.seq
        where not exists (select 1 from undo_memberships where tenant_id = old.tenant_id
                          and group_id = old.group_id and member_id = old.member_id);
    delete from undo_memberships where tenant_id = old.tenant_id and group_id = old.group_id
        and member_id = old.member_id and existed = 0;
end'),

('trigger', 'undo_linkedin_profiles_insert', 'linkedin_profiles', 0, 'CREATE TRIGGER undo_linkedin_profiles_insert after insert on linkedin_profiles
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_linkedin_profiles where tenant_id = new.tenant_id and user_id = new.user_id) begin
    insert into undo_linkedin_profiles (existed, tenant_id, user_id)
        values (0, new.tenant_id, new.user_id);
end'),

('trigger', 'undo_linkedin_profiles_update', 'linkedin_profiles', 0, 'CREATE TRIGGER undo_linkedin_profiles_update after update on linkedin_profiles
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_linkedin_profiles where tenant_id = old.tenant_id and user_id = old.user_id) begin
    insert into undo_linkedin_profiles values (1, old.tenant_id, old.user_id, old.vanity_name, old.headline, old.current_position, old.location, old.public_visibility);
end'),

('trigger', 'undo_linkedin_profiles_delete', 'linkedin_profiles', 0, 'CREATE TRIGGER undo_linkedin_profiles_delete after delete on linkedin_profiles
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_linkedin_profiles select 1, old.tenant_id, old.user_id, old.vanity_name, old.headline, old.current_position, old.location, old.public_visibility
        where not exists (select 1 from undo_linkedin_profiles where tenant_id = old.tenant_id and user_id = old.user_id);
    delete from undo_linkedin_profiles where tenant_id = old.tenant_id and user_id = old.user_id and existed = 0;
end'),

('trigger', 'undo_linkedin_connections_insert', 'linkedin_connections', 0, 'CREATE TRIGGER undo_linkedin_connections_insert after insert on linkedin_connections
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_linkedin_connections where tenant_id = new.tenant_id and user_a = new.user_a and user_b = new.user_b) begin
    insert into undo_linkedin_connections (existed, tenant_id, user_a, user_b)
        values (0, new.tenant_id, new.user_a, new.user_b);
end'),

('trigger', 'undo_linkedin_connections_update', 'linkedin_connections', 0, 'CREATE TRIGGER undo_linkedin_connections_update after update on linkedin_connections
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_linkedin_connections where tenant_id = old.tenant_id and user_a = old.user_a and user_b = old.user_b) begin
    insert into undo_linkedin_connections values (1, old.tenant_id, old.user_a, old.user_b);
end'),

('trigger', 'undo_linkedin_connections_delete', 'linkedin_connections', 0, 'CREATE TRIGGER undo_linkedin_connections_delete after delete on linkedin_connections
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_linkedin_connections select 1, old.tenant_id, old.user_a, old.user_b
        where not exists (select 1 from undo_linkedin_connections where tenant_id = old.tenant_id and user_a = old.user_a and user_b = old.user_b);
    delete from undo_linkedin_connections where tenant_id = old.tenant_id and user_a = old.user_a and user_b = old.user_b and existed = 0;
end'),

('trigger', 'undo_linkedin_user_state_insert', 'linkedin_user_state', 0, 'CREATE TRIGGER undo_linkedin_user_state_insert after insert on linkedin_user_state
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_linkedin_user_state where tenant_id = new.tenant_id and user_id = new.user_id) begin
    insert into undo_linkedin_user_state (existed, tenant_id, user_id)
        values (0, new.tenant_id, new.user_id);
end'),

('trigger', 'undo_linkedin_user_state_update', 'linkedin_user_state', 0, 'CREATE TRIGGER undo_linkedin_user_state_update after update on linkedin_user_state
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_linkedin_user_state where tenant_id = old.tenant_id and user_id = old.user_id) begin
    insert into undo_linkedin_user_state values (1, old.tenant_id, old.user_id, old.opt_out, old.linkedin_side);
end'),

('trigger', 'undo_linkedin_user_state_delete', 'linkedin_user_state', 0, 'CREATE TRIGGER undo_linkedin_user_state_delete after delete on linkedin_user_state
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_linkedin_user_state select 1, old.tenant_id, old.user_id, old.opt_out, old.linkedin_side
        where not exists (select 1 from undo_linkedin_user_state where tenant_id = old.tenant_id and user_id = old.user_id);
    delete from undo_linkedin_user_state where tenant_id = old.tenant_id and user_id = old.user_id and existed = 0;
end');

pragma writable_schema = reset;

commit;
