-- What each tenant created at run time (template copy, fixture body, snapshot import, lab)
-- resets to, so a reset answers the same after a restart. A fixture document as a snapshot
-- exports it: passwords and client secrets only as their SHA-256 digests. Not tied to
-- `tenants` by a foreign key: a reset deletes and re-inserts the tenant but keeps its seed.
create table tenant_seeds (
    tenant_id  text primary key not null,
    document   text not null
);
