-- Client applications registered in a tenant (each backed by a servicePrincipal row in
-- directory_objects), their credentials, app-role assignments and delegated grants.
create table applications (
    tenant_id              text not null,
    app_id                 text not null collate nocase,
    service_principal_id   text not null,
    public_client          integer not null default 0,
    redirect_uris          text not null default '[]',   -- JSON array
    primary key (tenant_id, app_id),
    foreign key (tenant_id, service_principal_id) references directory_objects(tenant_id, id) on delete cascade
);

create table app_credentials (
    tenant_id          text not null,
    app_id             text not null collate nocase,
    kind               text not null,      -- secret | certificate
    secret_digest      text,               -- SHA-256 hex of a client secret
    certificate_pem    text,               -- public certificate of a key credential
    thumbprint_sha1    text,               -- base64url, no padding
    thumbprint_sha256  text,
    foreign key (tenant_id, app_id) references applications(tenant_id, app_id) on delete cascade
);
create index app_credentials_by_app on app_credentials(tenant_id, app_id);

-- appRoleAssignments: application permissions granted to a client service principal.
create table app_role_assignments (
    tenant_id            text not null,
    id                   text not null,
    principal_id         text not null,     -- the client service principal
    resource_id          text not null,     -- the resource service principal (Microsoft Graph)
    app_role_id          text not null,
    created_date_time    text not null,
    primary key (tenant_id, id),
    foreign key (tenant_id, principal_id) references directory_objects(tenant_id, id) on delete cascade
);
create index app_role_assignments_by_principal on app_role_assignments(tenant_id, principal_id);

-- oauth2PermissionGrants: delegated permissions (user or admin consent).
create table oauth2_permission_grants (
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
create unique index oauth2_permission_grants_key
    on oauth2_permission_grants(tenant_id, client_id, resource_id, coalesce(principal_id, ''));
create index oauth2_permission_grants_by_principal on oauth2_permission_grants(tenant_id, principal_id);
