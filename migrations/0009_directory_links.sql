-- Directed single-hop relationships between directory objects other than group membership:
-- `owner` (source = the owned group or service principal, target = its owner) and `manager`
-- (source = the user, target = the user's manager). Read in both directions: owners /
-- ownedObjects, manager / directReports.
create table directory_links (
    tenant_id  text not null,
    kind       text not null,
    source_id  text not null,
    target_id  text not null,
    seq        integer not null,
    primary key (tenant_id, kind, source_id, target_id),
    foreign key (tenant_id, source_id) references directory_objects(tenant_id, id) on delete cascade,
    foreign key (tenant_id, target_id) references directory_objects(tenant_id, id) on delete cascade
);

create index directory_links_by_target on directory_links(tenant_id, kind, target_id, source_id);
