-- Memberships in one B-tree. As a rowid table with a text primary key, each membership was
-- stored twice (the table, and the key's index holding the three ids again), and a third time
-- in `memberships_by_seq`, kept only so an insert could read the tenant's last `seq`: at
-- 100,000 users 208,000 memberships took 90 MB of the in-memory database's 253 (`dbstat`).
-- Without rowid the key is the table; the last `seq` is a counter on the tenant row
-- (`membership_seq`), so the sequence index goes. `seq` still orders a group's members by
-- when they were added; nothing reads it across groups but an export's grouping.
--
-- Neither the key nor the index leads with the tenant. Without statistics SQLite takes an
-- equality on a leading column for ~10 rows; in a table without rowid the key is the row, so
-- it preferred walking the tenant by a key led by `tenant_id` over looking a member up by the
-- index, and each cascade from a deleted object scanned the tenant's memberships (62 ms a
-- delete at 100,000 users). Led by the group and the member, each lookup has one plan; only a
-- whole tenant's memberships (a tenant deleted, a snapshot) are read by scanning the table.

alter table tenants add column membership_seq integer not null default 0;
update tenants set membership_seq = coalesce(
    (select max(seq) from memberships where tenant_id = tenants.id), 0);

create table memberships_by_key (
    tenant_id  text not null,
    group_id   text not null,
    member_id  text not null,
    seq        integer not null,
    primary key (group_id, tenant_id, member_id),
    foreign key (tenant_id, group_id) references directory_objects(tenant_id, id) on delete cascade,
    foreign key (tenant_id, member_id) references directory_objects(tenant_id, id) on delete cascade
) without rowid;
insert into memberships_by_key (tenant_id, group_id, member_id, seq)
    select tenant_id, group_id, member_id, seq from memberships;
-- Drops the old table's indexes and undo triggers with it.
drop table memberships;
alter table memberships_by_key rename to memberships;
create index memberships_by_member on memberships(member_id, tenant_id, group_id);

-- The undo log (0014) noted a membership by its rowid; it now notes it by its key. A file
-- database's logs are forgotten whenever it is opened again (`store::undo::forget_all`), so
-- the old log table goes with its entries.
update tenants set undo = 0 where undo <> 0;
drop table undo_memberships;
create table undo_memberships (
    existed    integer not null,
    tenant_id  text not null,
    group_id   text not null,
    member_id  text not null,
    seq,
    primary key (tenant_id, group_id, member_id)
) without rowid;

create trigger undo_memberships_insert after insert on memberships
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_memberships where tenant_id = new.tenant_id
                        and group_id = new.group_id and member_id = new.member_id) begin
    insert into undo_memberships (existed, tenant_id, group_id, member_id)
        values (0, new.tenant_id, new.group_id, new.member_id);
end;

create trigger undo_memberships_update after update on memberships
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_memberships where tenant_id = old.tenant_id
                        and group_id = old.group_id and member_id = old.member_id) begin
    insert into undo_memberships values (1, old.tenant_id, old.group_id, old.member_id, old.seq);
end;

-- Two changes whose order matters, as 0014's delete triggers: save the row unless an entry
-- exists, then drop the entry if it only noted an insert since the load.
create trigger undo_memberships_delete after delete on memberships
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_memberships select 1, old.tenant_id, old.group_id, old.member_id, old.seq
        where not exists (select 1 from undo_memberships where tenant_id = old.tenant_id
                          and group_id = old.group_id and member_id = old.member_id);
    delete from undo_memberships where tenant_id = old.tenant_id and group_id = old.group_id
        and member_id = old.member_id and existed = 0;
end;
