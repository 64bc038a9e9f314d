//! A new tenant's smaller tables, gathered while a fixture loads and written with one
//! multi-row statement a table. A statement per row (a service principal, its application
//! row, each credential, each app-role assignment) was ~90 statements for the default
//! fixtures; SQLite prepares each statement of a multi-statement query on its own, so at
//! start-up, when nothing is prepared yet, their compilation (a directory object's insert
//! carries its `$search` triggers) cost more than running them.

use super::apps::{CredentialRow, GrantRow};
use super::batch::Batch;
use super::extensions::ExtensionRow;
use super::objects::{Kind, ObjectWrite};

/// A directory object as [`ObjectWrite`], owned.
struct NewObject {
    id: String,
    kind: Kind,
    display_name: Option<String>,
    app_id: Option<String>,
    data: String,
}

/// Rows queued in the order they were added; [`NewRows::write`] keeps that order in every
/// table, so sequence numbers and the change log come out as a row-by-row load made them.
#[derive(Default)]
pub struct NewRows {
    objects: Vec<NewObject>,
    /// `(appId, service principal id, public client, redirect URIs as JSON)`.
    applications: Vec<(String, String, bool, String)>,
    /// `(appId, credential)`: a secret (digest, keyId, …) or a certificate (PEM, thumbprints).
    credentials: Vec<(String, CredentialRow)>,
    extensions: Vec<ExtensionRow>,
    /// `(id, principal, resource, app role, created)`.
    assignments: Vec<(String, String, String, String, String)>,
    grants: Vec<GrantRow>,
}

impl NewRows {
    /// A directory object without a secret (service principals, applications, roles); a
    /// tracked kind gets its `created` entry in the change log.
    pub fn object(&mut self, write: &ObjectWrite<'_>) {
        self.objects.push(NewObject {
            id: write.id.to_owned(),
            kind: write.kind,
            display_name: write.display_name.map(str::to_owned),
            app_id: write.app_id.map(str::to_owned),
            data: write.data.to_owned(),
        });
    }

    pub fn application(
        &mut self,
        app_id: &str,
        service_principal_id: &str,
        public_client: bool,
        redirect_uris: &str,
    ) {
        self.applications.push((
            app_id.to_owned(),
            service_principal_id.to_owned(),
            public_client,
            redirect_uris.to_owned(),
        ));
    }

    pub fn credential(&mut self, app_id: &str, credential: CredentialRow) {
        self.credentials.push((app_id.to_owned(), credential));
    }

    pub fn extension(&mut self, row: ExtensionRow) {
        self.extensions.push(row);
    }

    pub fn app_role_assignment(
        &mut self,
        id: &str,
        principal: &str,
        resource: &str,
        app_role: &str,
        created: &str,
    ) {
        self.assignments.push((
            id.to_owned(),
            principal.to_owned(),
            resource.to_owned(),
            app_role.to_owned(),
            created.to_owned(),
        ));
    }

    /// A grant; one whose key another grant of the tenant holds is skipped.
    pub fn grant(&mut self, grant: GrantRow) {
        self.grants.push(grant);
    }

    /// Queues every table's rows on `batch`, objects first (the other rows name them).
    pub async fn write(self, batch: &mut Batch<'_>, tenant: &str) -> sqlx::Result<()> {
        let writes: Vec<ObjectWrite<'_>> = self
            .objects
            .iter()
            .map(|o| ObjectWrite {
                id: &o.id,
                kind: o.kind,
                display_name: o.display_name.as_deref(),
                user_principal_name: None,
                app_id: o.app_id.as_deref(),
                data: &o.data,
            })
            .collect();
        super::object_rows::insert_objects(batch, tenant, &writes, &[], true).await?;
        if !self.applications.is_empty() {
            super::insert_json_rows(
                batch,
                "insert into applications (tenant_id, app_id, service_principal_id, public_client, redirect_uris)
                 select ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3 from jsonb_each(?3)",
                None,
                tenant,
                &self.applications,
            )
            .await?;
        }
        if !self.credentials.is_empty() {
            let rows: Vec<_> = self
                .credentials
                .iter()
                .map(|(app_id, c)| {
                    (
                        app_id,
                        &c.kind,
                        &c.secret_digest,
                        &c.key_id,
                        &c.display_name,
                        &c.hint,
                        &c.start_date_time,
                        &c.end_date_time,
                        &c.certificate_pem,
                        &c.thumbprint_sha1,
                        &c.thumbprint_sha256,
                    )
                })
                .collect();
            super::insert_json_rows(
                batch,
                "insert into app_credentials
                    (tenant_id, app_id, kind, secret_digest, key_id, display_name, hint, start_date_time,
                     end_date_time, certificate_pem, thumbprint_sha1, thumbprint_sha256)
                 select ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
                    value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 10
                 from jsonb_each(?3)",
                None,
                tenant,
                &rows,
            )
            .await?;
        }
        if !self.extensions.is_empty() {
            let rows: Vec<_> = self
                .extensions
                .iter()
                .map(|e| (&e.id, &e.application_id, &e.name, &e.data))
                .collect();
            super::insert_json_rows(
                batch,
                "insert into extension_properties (tenant_id, id, application_id, name, data, seq)
                 select ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3,
                    coalesce(?2, (select coalesce(max(seq), 0) from extension_properties where tenant_id = ?1)) + key + 1
                 from jsonb_each(?3)",
                Some("select coalesce(max(seq), 0) from extension_properties where tenant_id = ?"),
                tenant,
                &rows,
            )
            .await?;
        }
        if !self.assignments.is_empty() {
            super::insert_json_rows(
                batch,
                "insert into app_role_assignments (tenant_id, id, principal_id, resource_id, app_role_id, created_date_time)
                 select ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 from jsonb_each(?3)",
                None,
                tenant,
                &self.assignments,
            )
            .await?;
        }
        if !self.grants.is_empty() {
            super::apps::insert_grants(batch, tenant, &self.grants).await?;
        }
        Ok(())
    }
}
