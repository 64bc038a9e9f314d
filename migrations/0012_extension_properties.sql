-- Directory extensions registered on application objects (application-post-extensionproperty):
-- one row per extensionProperty, named `extension_{appId without dashes}_{name}`, unique in the
-- tenant (case-insensitive, as Graph's property names are). `data` holds Graph's properties
-- except `id` and `appDisplayName` (read from the application). Deleting the application
-- deletes its extensions.
create table extension_properties (
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

create index extension_properties_by_application on extension_properties(tenant_id, application_id, seq);
