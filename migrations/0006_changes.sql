-- The directory change log behind delta queries (`GET /groups/delta`). Store functions that
-- create, update or delete groups and add or remove members append here in the same
-- transaction; a delta token is a position in this log. `seq` is global and never reused
-- (AUTOINCREMENT), so a position stays meaningful after rows are deleted. No foreign keys:
-- the log outlives the objects it names.
create table directory_changes (
    seq          integer primary key autoincrement,
    tenant_id    text not null,
    object_id    text not null,
    kind         text not null,   -- group | tenant
    change       text not null,   -- created | updated | deleted | member_added | member_removed | reset
    member_id    text,
    member_kind  text             -- user | group | servicePrincipal, for member changes
);

create index directory_changes_by_tenant on directory_changes(tenant_id, seq);
