-- Users, groups and (later) service principals share Graph's directoryObject id space.
-- `data` holds the Graph JSON of the object (without `id`); the columns beside it exist for
-- lookups, ordering and keyset paging.
create table directory_objects (
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

create unique index directory_objects_upn
    on directory_objects(tenant_id, user_principal_name) where user_principal_name is not null;
create index directory_objects_by_kind_seq on directory_objects(tenant_id, kind, seq);
create index directory_objects_by_kind_name on directory_objects(tenant_id, kind, display_name, id);
create index directory_objects_by_app_id on directory_objects(tenant_id, app_id) where app_id is not null;
