-- Indexes for the foreign keys no index led with. Deleting a directory object (a Graph DELETE,
-- a reset putting changed rows back) looks up every row that references it; without these,
-- each lookup scanned all of the tenant's LinkedIn connections (50,000 at 100,000 users),
-- links or role assignments.
create index linkedin_connections_by_b on linkedin_connections(tenant_id, user_b);
create index directory_role_members_by_member on directory_role_members(tenant_id, member_id);
create index directory_links_by_source on directory_links(tenant_id, source_id);
-- By target first, kind second: serves the foreign key and, by equality, the lookups by kind
-- and target it served before.
drop index directory_links_by_target;
create index directory_links_by_target on directory_links(tenant_id, target_id, kind, source_id);
-- Deleting a service principal removes the grants to it as a resource.
create index oauth2_permission_grants_by_resource on oauth2_permission_grants(tenant_id, resource_id);
