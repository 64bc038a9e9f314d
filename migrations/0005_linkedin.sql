-- The LinkedIn side of the account-connections feature: people's LinkedIn profiles, the
-- LinkedIn network between them, and each user's own connection choices. Whether a user has
-- consented lives in oauth2_permission_grants (the user's grant to the LinkedIn app).
create table linkedin_profiles (
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

-- First-degree LinkedIn connections, stored once per pair with user_a < user_b.
create table linkedin_connections (
    tenant_id  text not null,
    user_a     text not null,
    user_b     text not null,
    primary key (tenant_id, user_a, user_b),
    foreign key (tenant_id, user_a) references directory_objects(tenant_id, id) on delete cascade,
    foreign key (tenant_id, user_b) references directory_objects(tenant_id, id) on delete cascade
);

-- A user's choices that are not a grant: opting out of LinkedIn features, and whether the
-- LinkedIn side of a connection has been accepted (pending = only the Microsoft side consented).
create table linkedin_user_state (
    tenant_id      text not null,
    user_id        text not null,
    opt_out        integer not null default 0,
    linkedin_side  text not null default 'accepted',   -- accepted | pending
    primary key (tenant_id, user_id),
    foreign key (tenant_id, user_id) references directory_objects(tenant_id, id) on delete cascade
);
