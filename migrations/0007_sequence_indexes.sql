-- Every insert numbers its row with max(seq) + 1 within the tenant; without these indexes each
-- insert scanned the tenant's rows, so loading a 10,000-user tenant was quadratic.
create index directory_objects_by_seq on directory_objects(tenant_id, seq);
create index memberships_by_seq on memberships(tenant_id, seq);
create index oauth2_permission_grants_by_seq on oauth2_permission_grants(tenant_id, seq);
create index tenants_by_created_seq on tenants(created_seq);
