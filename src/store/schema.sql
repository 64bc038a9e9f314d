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
);

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

CREATE TABLE memberships (
    tenant_id  text not null,
    group_id   text not null,
    member_id  text not null,
    seq        integer not null,
    primary key (tenant_id, group_id, member_id),
    foreign key (tenant_id, group_id) references directory_objects(tenant_id, id) on delete cascade,
    foreign key (tenant_id, member_id) references directory_objects(tenant_id, id) on delete cascade
);

CREATE INDEX memberships_by_member on memberships(tenant_id, member_id, group_id);

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

CREATE TABLE linkedin_profiles (
    tenant_id          text not null,
    user_id            text not null,
    vanity_name        text not null,
    headline           text,
    current_position   text,
    location           text,
    public_visibility  integer not null default 1,   -- 0: the person hides their profile from Microsoft apps
    primary key (tenant_id, user_id),
    foreign key (tenant_id, user_id) references directory_objects(tenant_id, id) on delete cascade
);

CREATE TABLE linkedin_connections (
    tenant_id  text not null,
    user_a     text not null,
    user_b     text not null,
    primary key (tenant_id, user_a, user_b),
    foreign key (tenant_id, user_a) references directory_objects(tenant_id, id) on delete cascade,
    foreign key (tenant_id, user_b) references directory_objects(tenant_id, id) on delete cascade
);

CREATE TABLE linkedin_user_state (
    tenant_id      text not null,
    user_id        text not null,
    opt_out        integer not null default 0,
    linkedin_side  text not null default 'accepted',   -- accepted | pending
    primary key (tenant_id, user_id),
    foreign key (tenant_id, user_id) references directory_objects(tenant_id, id) on delete cascade
);

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

CREATE INDEX memberships_by_seq on memberships(tenant_id, seq);

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

CREATE INDEX directory_links_by_target on directory_links(tenant_id, kind, target_id, source_id);

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

CREATE TRIGGER directory_search_insert after insert on directory_objects begin
    insert into directory_search (rowid, display_name, mail, user_principal_name, given_name,
        surname, job_title, mail_nickname, department, employee_id, description, app_display_name)
    values (new.rowid, new.display_name, new.data ->> '$.mail', new.user_principal_name,
        new.data ->> '$.givenName', new.data ->> '$.surname', new.data ->> '$.jobTitle',
        new.data ->> '$.mailNickname', new.data ->> '$.department', new.data ->> '$.employeeId',
        new.data ->> '$.description', new.data ->> '$.appDisplayName');
end;

CREATE TRIGGER directory_search_delete after delete on directory_objects begin
    delete from directory_search where rowid = old.rowid;
end;

CREATE TRIGGER directory_search_update
    after update of display_name, user_principal_name, data on directory_objects begin
    delete from directory_search where rowid = old.rowid;
    insert into directory_search (rowid, display_name, mail, user_principal_name, given_name,
        surname, job_title, mail_nickname, department, employee_id, description, app_display_name)
    values (new.rowid, new.display_name, new.data ->> '$.mail', new.user_principal_name,
        new.data ->> '$.givenName', new.data ->> '$.surname', new.data ->> '$.jobTitle',
        new.data ->> '$.mailNickname', new.data ->> '$.department', new.data ->> '$.employeeId',
        new.data ->> '$.description', new.data ->> '$.appDisplayName');
end;

commit;
