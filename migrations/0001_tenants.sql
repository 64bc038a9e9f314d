-- Tenants and their verified domains. A tenant is addressed by its id (tid) or any domain.
create table tenants (
    id            text primary key not null,
    display_name  text not null,
    cloud         text not null default 'public',   -- public | usgov | china | germany
    country       text,                              -- provisioning country, ISO 3166 alpha-2
    settings      text not null default '{}',        -- JSON: LinkedIn setting, consent policy, …
    created_seq   integer not null
);

create table tenant_domains (
    tenant_id   text not null references tenants(id) on delete cascade,
    name        text not null collate nocase,
    is_initial  integer not null default 0,
    position    integer not null,
    primary key (tenant_id, name)
);

-- A verified domain belongs to exactly one tenant, so `{tenant}` path segments resolve uniquely.
create unique index tenant_domains_by_name on tenant_domains(name);
