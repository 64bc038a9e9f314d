-- Direct group membership. Members are users or groups (nesting); transitive views are
-- computed with recursive queries over this table.
create table memberships (
    tenant_id  text not null,
    group_id   text not null,
    member_id  text not null,
    seq        integer not null,
    primary key (tenant_id, group_id, member_id),
    foreign key (tenant_id, group_id) references directory_objects(tenant_id, id) on delete cascade,
    foreign key (tenant_id, member_id) references directory_objects(tenant_id, id) on delete cascade
);

create index memberships_by_member on memberships(tenant_id, member_id, group_id);

-- Directory role assignments (the `wids` claim), by role template id.
create table directory_role_members (
    tenant_id         text not null,
    role_template_id  text not null,
    member_id         text not null,
    primary key (tenant_id, role_template_id, member_id),
    foreign key (tenant_id, member_id) references directory_objects(tenant_id, id) on delete cascade
);
