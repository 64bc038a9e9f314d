-- Application objects (`kind = 'application'` in directory_objects) own their credentials, as
-- in Entra: an app registered through Graph may have secrets before (or without) a service
-- principal, and deleting the service principal keeps them. So app_credentials no longer
-- hangs off `applications` (the token endpoint's registration, one per service principal):
-- the table is rebuilt without that foreign key, with the passwordCredential metadata Graph
-- returns (`keyId`, `displayName`, `hint`, validity). The secret itself stays a digest.
create table app_credentials_v2 (
    tenant_id          text not null,
    app_id             text not null collate nocase,
    kind               text not null,      -- secret | certificate
    secret_digest      text,               -- SHA-256 hex of a client secret
    certificate_pem    text,               -- public certificate of a key credential
    thumbprint_sha1    text,               -- base64url, no padding
    thumbprint_sha256  text,
    key_id             text,               -- passwordCredential.keyId (GUID)
    display_name       text,
    hint               text,               -- the secret's first three characters (Graph's hint)
    start_date_time    text,               -- ISO 8601 UTC; null = valid since always
    end_date_time      text                -- ISO 8601 UTC; null = never expires
);
insert into app_credentials_v2
    (rowid, tenant_id, app_id, kind, secret_digest, certificate_pem, thumbprint_sha1, thumbprint_sha256)
    select rowid, tenant_id, app_id, kind, secret_digest, certificate_pem, thumbprint_sha1, thumbprint_sha256
    from app_credentials;
drop table app_credentials;
alter table app_credentials_v2 rename to app_credentials;
create index app_credentials_by_app on app_credentials(tenant_id, app_id);

-- "An appId belongs to one tenant": POST /applications checks every tenant's application objects.
create index directory_objects_by_any_app_id on directory_objects(app_id, kind) where app_id is not null;
