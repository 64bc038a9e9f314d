-- The LinkedIn tables without rowid, as memberships in 0018: each was a rowid table beside its
-- text primary key's index, which held the ids again (at 100,000 users 12 MB of the in-memory
-- database, `dbstat`). The keys lead with the user, not the tenant, for the reason 0018 gives:
-- a key led by the tenant is what SQLite, without statistics, walked for each cascade from a
-- deleted user. The undo log notes their rows by key (`store::undo::KEYED`); a file
-- database's logs are forgotten at every reopen, so the old log tables go with their entries.

update tenants set undo = 0 where undo <> 0;

create table linkedin_profiles_by_key (
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
insert into linkedin_profiles_by_key (tenant_id, user_id, vanity_name, headline, current_position, location, public_visibility) select tenant_id, user_id, vanity_name, headline, current_position, location, public_visibility from linkedin_profiles;
drop table linkedin_profiles;
alter table linkedin_profiles_by_key rename to linkedin_profiles;

drop table undo_linkedin_profiles;
create table undo_linkedin_profiles (
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

create trigger undo_linkedin_profiles_insert after insert on linkedin_profiles
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_linkedin_profiles where tenant_id = new.tenant_id and user_id = new.user_id) begin
    insert into undo_linkedin_profiles (existed, tenant_id, user_id)
        values (0, new.tenant_id, new.user_id);
end;

create trigger undo_linkedin_profiles_update after update on linkedin_profiles
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_linkedin_profiles where tenant_id = old.tenant_id and user_id = old.user_id) begin
    insert into undo_linkedin_profiles values (1, old.tenant_id, old.user_id, old.vanity_name, old.headline, old.current_position, old.location, old.public_visibility);
end;

create trigger undo_linkedin_profiles_delete after delete on linkedin_profiles
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_linkedin_profiles select 1, old.tenant_id, old.user_id, old.vanity_name, old.headline, old.current_position, old.location, old.public_visibility
        where not exists (select 1 from undo_linkedin_profiles where tenant_id = old.tenant_id and user_id = old.user_id);
    delete from undo_linkedin_profiles where tenant_id = old.tenant_id and user_id = old.user_id and existed = 0;
end;

create table linkedin_connections_by_key (
    tenant_id  text not null,
    user_a     text not null,
    user_b     text not null,
    primary key (user_a, tenant_id, user_b),
    foreign key (tenant_id, user_a) references directory_objects(tenant_id, id) on delete cascade,
    foreign key (tenant_id, user_b) references directory_objects(tenant_id, id) on delete cascade
) without rowid;
insert into linkedin_connections_by_key (tenant_id, user_a, user_b) select tenant_id, user_a, user_b from linkedin_connections;
drop table linkedin_connections;
alter table linkedin_connections_by_key rename to linkedin_connections;

create index linkedin_connections_by_b on linkedin_connections(user_b, tenant_id, user_a);

drop table undo_linkedin_connections;
create table undo_linkedin_connections (
    existed    integer not null,
    tenant_id  text not null,
    user_a text not null,
    user_b text not null,
    primary key (tenant_id, user_a, user_b)
) without rowid;

create trigger undo_linkedin_connections_insert after insert on linkedin_connections
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_linkedin_connections where tenant_id = new.tenant_id and user_a = new.user_a and user_b = new.user_b) begin
    insert into undo_linkedin_connections (existed, tenant_id, user_a, user_b)
        values (0, new.tenant_id, new.user_a, new.user_b);
end;

create trigger undo_linkedin_connections_update after update on linkedin_connections
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_linkedin_connections where tenant_id = old.tenant_id and user_a = old.user_a and user_b = old.user_b) begin
    insert into undo_linkedin_connections values (1, old.tenant_id, old.user_a, old.user_b);
end;

create trigger undo_linkedin_connections_delete after delete on linkedin_connections
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_linkedin_connections select 1, old.tenant_id, old.user_a, old.user_b
        where not exists (select 1 from undo_linkedin_connections where tenant_id = old.tenant_id and user_a = old.user_a and user_b = old.user_b);
    delete from undo_linkedin_connections where tenant_id = old.tenant_id and user_a = old.user_a and user_b = old.user_b and existed = 0;
end;

create table linkedin_user_state_by_key (
    tenant_id      text not null,
    user_id        text not null,
    opt_out        integer not null default 0,
    linkedin_side  text not null default 'accepted',   -- accepted | pending
    primary key (user_id, tenant_id),
    foreign key (tenant_id, user_id) references directory_objects(tenant_id, id) on delete cascade
) without rowid;
insert into linkedin_user_state_by_key (tenant_id, user_id, opt_out, linkedin_side) select tenant_id, user_id, opt_out, linkedin_side from linkedin_user_state;
drop table linkedin_user_state;
alter table linkedin_user_state_by_key rename to linkedin_user_state;

drop table undo_linkedin_user_state;
create table undo_linkedin_user_state (
    existed    integer not null,
    tenant_id  text not null,
    user_id text not null,
    opt_out,
    linkedin_side,
    primary key (tenant_id, user_id)
) without rowid;

create trigger undo_linkedin_user_state_insert after insert on linkedin_user_state
    when (select undo from tenants where id = new.tenant_id)
        and not exists (select 1 from undo_linkedin_user_state where tenant_id = new.tenant_id and user_id = new.user_id) begin
    insert into undo_linkedin_user_state (existed, tenant_id, user_id)
        values (0, new.tenant_id, new.user_id);
end;

create trigger undo_linkedin_user_state_update after update on linkedin_user_state
    when (select undo from tenants where id = old.tenant_id)
        and not exists (select 1 from undo_linkedin_user_state where tenant_id = old.tenant_id and user_id = old.user_id) begin
    insert into undo_linkedin_user_state values (1, old.tenant_id, old.user_id, old.opt_out, old.linkedin_side);
end;

create trigger undo_linkedin_user_state_delete after delete on linkedin_user_state
    when (select undo from tenants where id = old.tenant_id) begin
    insert into undo_linkedin_user_state select 1, old.tenant_id, old.user_id, old.opt_out, old.linkedin_side
        where not exists (select 1 from undo_linkedin_user_state where tenant_id = old.tenant_id and user_id = old.user_id);
    delete from undo_linkedin_user_state where tenant_id = old.tenant_id and user_id = old.user_id and existed = 0;
end;
