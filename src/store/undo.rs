//! Resets by undo log: a tenant goes back to its seed by putting back only the rows changed
//! since it was loaded. Reloading a 100,000-user tenant took six seconds (deleting its rows
//! 2.5 s, inserting them again with every index maintained 3.5 s); a test that changed ten
//! rows now waits for ten rows. The log is kept by triggers (`migrations/0014_reset_undo.sql`):
//! while a tenant's `undo` flag is set, the first change to a row saves the row as it was, and
//! a row inserted since is noted by its rowid (by its key in a table without rowids, see
//! [`Logged::key`]).
//!
//! The flag means "the rows at the last load were this tenant's seed": only a load of the
//! tenant's own seed sets it ([`start`]), and deleting the tenant clears it (and its log).
//! A reset finding it unset reloads the tenant from the seed, as before. A bulk load, which
//! inserts only rows of tenants whose flag is unset, sets the insert triggers aside
//! (`store::bulk`).

use sqlx::SqliteConnection;

use super::batch::Statement;

/// A table the log covers.
struct Logged {
    table: &'static str,
    columns: &'static str,
    /// For a table without rowid (migrations 0018 and 0019), the columns besides `tenant_id`
    /// that name a row in it and in its log: the log has no `row_id` column, and its saved
    /// rows go back in key order. `None`: rows are named by rowid.
    key: Option<&'static str>,
}

/// The tables the log covers, parents first (the order rows are put back in: a membership
/// needs its group and member back first). A unit test holds these to the schema.
const TABLES: [Logged; 13] = [
    Logged {
        table: "tenant_domains",
        columns: "tenant_id, name, is_initial, position",
        key: None,
    },
    Logged {
        table: "directory_objects",
        columns: "tenant_id, id, kind, display_name, user_principal_name, app_id, data, secret, seq",
        key: None,
    },
    Logged {
        table: "memberships",
        columns: "tenant_id, group_id, member_id, seq",
        key: Some("group_id, member_id"),
    },
    Logged {
        table: "directory_role_members",
        columns: "tenant_id, role_template_id, member_id",
        key: None,
    },
    Logged {
        table: "applications",
        columns: "tenant_id, app_id, service_principal_id, public_client, redirect_uris",
        key: None,
    },
    Logged {
        table: "app_role_assignments",
        columns: "tenant_id, id, principal_id, resource_id, app_role_id, created_date_time",
        key: None,
    },
    Logged {
        table: "oauth2_permission_grants",
        columns: "tenant_id, id, client_id, consent_type, principal_id, resource_id, scope, seq",
        key: None,
    },
    Logged {
        table: "linkedin_profiles",
        columns: "tenant_id, user_id, vanity_name, headline, current_position, location, public_visibility",
        key: Some("user_id"),
    },
    Logged {
        table: "linkedin_connections",
        columns: "tenant_id, user_a, user_b",
        key: Some("user_a, user_b"),
    },
    Logged {
        table: "linkedin_user_state",
        columns: "tenant_id, user_id, opt_out, linkedin_side",
        key: Some("user_id"),
    },
    Logged {
        table: "directory_links",
        columns: "tenant_id, kind, source_id, target_id, seq",
        key: None,
    },
    Logged {
        table: "app_credentials",
        columns: "tenant_id, app_id, kind, secret_digest, certificate_pem, thumbprint_sha1, thumbprint_sha256, key_id, display_name, hint, start_date_time, end_date_time",
        key: None,
    },
    Logged {
        table: "extension_properties",
        columns: "tenant_id, id, application_id, name, data, seq",
        key: None,
    },
];

/// Starts the log of a tenant whose rows were just loaded from its seed (the log is empty:
/// nothing was logged while the flag was unset).
pub fn start(tenant: &str) -> Statement {
    Statement::new("update tenants set undo = 1 where id = ?").bind(tenant)
}

/// Whether the tenant's rows can be put back from its log.
pub async fn is_logged(conn: &mut SqliteConnection, tenant: &str) -> sqlx::Result<bool> {
    let undo: Option<i64> = sqlx::query_scalar("select undo from tenants where id = ?")
        .bind(tenant)
        .fetch_optional(conn)
        .await?;
    Ok(undo == Some(1))
}

/// Stops every tenant's log and empties it. A file database opened again may hold tenants
/// loaded from fixtures that have changed since; their first reset reloads them.
pub async fn forget_all(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    let mut script = String::from("update tenants set undo = 0 where undo <> 0;");
    for Logged { table, .. } in TABLES {
        script.push_str(&format!("delete from undo_{table};"));
    }
    // Table names from the constant above, no values: nothing to bind.
    sqlx::raw_sql(sqlx::AssertSqlSafe(script))
        .execute(conn)
        .await?;
    Ok(())
}

/// Statements that stop and empty the log of tenant `?1` (run before its rows are deleted,
/// so the deletion is not logged).
pub fn forget_statements() -> String {
    let mut script = String::from("update tenants set undo = 0 where id = ?1;");
    for Logged { table, .. } in TABLES {
        script.push_str(&format!("delete from undo_{table} where tenant_id = ?1;"));
    }
    script
}

/// The statements that put tenant `?1`'s rows back, built once.
fn restore_script() -> &'static str {
    static SCRIPT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SCRIPT.get_or_init(|| {
        let mut script = String::new();
        // Children first, the log still running: a directory object's deletion cascades to its
        // memberships, links and LinkedIn rows, and those the seed had are logged as they go,
        // to be put back with the rest.
        for Logged { table, key, .. } in TABLES.iter().rev() {
            script.push_str(&match key {
                // By the whole key, so each logged row is one lookup of the table's key.
                Some(key) => format!(
                    "delete from {table} where tenant_id = ?1
                       and ({key}) in (select {key} from undo_{table} where tenant_id = ?1);"
                ),
                // `+tenant_id`: not a search key, or SQLite walks the whole tenant by an index
                // that leads with it (a scan of 100,000 rows for each table) instead of looking
                // the logged rowids up.
                None => format!(
                    "delete from {table} where +tenant_id = ?1
                       and rowid in (select row_id from undo_{table} where tenant_id = ?1);"
                ),
            });
        }
        // Then the log stops while the saved rows go back in, parents first.
        script.push_str("update tenants set undo = 0 where id = ?1;");
        for Logged {
            table,
            columns,
            key,
        } in TABLES
        {
            let order = key.unwrap_or("row_id");
            script.push_str(&format!(
                "insert into {table} ({columns})
                 select {columns} from undo_{table}
                 where tenant_id = ?1 and existed = 1 order by {order};"
            ));
        }
        for Logged { table, .. } in TABLES {
            script.push_str(&format!("delete from undo_{table} where tenant_id = ?1;"));
        }
        script.push_str("update tenants set undo = 1 where id = ?1;");
        script
    })
}

/// Whether putting the tenant's rows back would give another tenant's key to this one: a
/// domain or an application appId the tenant gave up since its load and another tenant has
/// taken. A reload from the seed then answers 409, as it always did.
pub async fn keys_taken(conn: &mut SqliteConnection, tenant: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists (select 1 from undo_tenant_domains u join tenant_domains d on d.name = u.name
                        where u.tenant_id = ?1 and u.existed = 1 and d.tenant_id <> ?1)
             or exists (select 1 from undo_directory_objects u join directory_objects o on o.app_id = u.app_id
                        where u.tenant_id = ?1 and u.existed = 1 and u.app_id is not null
                          and o.tenant_id <> ?1)
             or exists (select 1 from undo_applications u join applications a on a.app_id = u.app_id
                        where u.tenant_id = ?1 and u.existed = 1 and a.tenant_id <> ?1)",
    )
    .bind(tenant)
    .fetch_one(conn)
    .await
}

/// How many rows the tenant's log holds.
pub async fn logged_rows(conn: &mut SqliteConnection, tenant: &str) -> sqlx::Result<u64> {
    static QUERY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let query = QUERY.get_or_init(|| {
        let counts: Vec<String> = TABLES
            .iter()
            .map(|Logged { table, .. }| {
                format!("(select count(*) from undo_{table} where tenant_id = ?1)")
            })
            .collect();
        format!("select {}", counts.join(" + "))
    });
    let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(query.as_str()))
        .bind(tenant)
        .fetch_one(conn)
        .await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Puts the tenant's rows back as its log says, inside the caller's write transaction;
/// returns how many rows the log held (each put back or removed). The log is left empty and
/// running. The tenant row itself (name, settings) is the caller's to restore.
pub async fn restore(conn: &mut SqliteConnection, tenant: &str) -> sqlx::Result<u64> {
    let logged = logged_rows(&mut *conn, tenant).await?;
    if logged > 0 {
        // Table and column names from the constant above; the tenant is bound.
        sqlx::query(sqlx::AssertSqlSafe(restore_script()))
            .bind(tenant)
            .execute(conn)
            .await?;
    }
    Ok(logged)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn columns(conn: &mut SqliteConnection, table: &str) -> Vec<String> {
        sqlx::query_scalar("select name from pragma_table_info(?) order by cid")
            .bind(table)
            .fetch_all(conn)
            .await
            .unwrap()
    }

    /// The restore looks each logged row up by rowid (by key in a table without rowids):
    /// walking the tenant by an index that leads with its id made a reset of a 100,000-user
    /// tenant take 180 ms for 50 rows.
    #[tokio::test]
    async fn the_restore_looks_rows_up_by_rowid_or_key() {
        let db = crate::store::Db::open(None).await.unwrap();
        let mut conn = db.pool.acquire().await.unwrap();
        let deletes = restore_script()
            .split(';')
            .filter(|s| s.trim_start().starts_with("delete from") && s.contains(" in (select"))
            .collect::<Vec<_>>();
        assert_eq!(deletes.len(), TABLES.len());
        for delete in deletes {
            let plan: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("explain query plan {delete}")))
                    .bind("t")
                    .fetch_all(&mut *conn)
                    .await
                    .unwrap();
            let first = &plan[0].3;
            let table = delete.split_whitespace().nth(2).unwrap_or_default();
            let logged = TABLES
                .iter()
                .find(|t| t.table == table)
                .expect("a logged table");
            match logged.key {
                None => assert!(
                    first.contains("INTEGER PRIMARY KEY (rowid=?)"),
                    "{delete}: {plan:?}"
                ),
                // The whole key, every column an equality.
                Some(key) => {
                    assert!(first.contains("USING PRIMARY KEY ("), "{delete}: {plan:?}");
                    for column in key.split(", ").chain(["tenant_id"]) {
                        assert!(first.contains(&format!("{column}=?")), "{delete}: {plan:?}");
                    }
                }
            }
        }
    }

    /// Every log table mirrors its table's columns, and `TABLES` names them all: a column
    /// added to a table and not to its log would come back empty after a reset.
    #[tokio::test]
    async fn each_log_table_has_its_tables_columns() {
        let db = crate::store::Db::open(None).await.unwrap();
        let mut conn = db.pool.acquire().await.unwrap();
        for Logged {
            table,
            columns: listed,
            key,
        } in TABLES
        {
            let actual = columns(&mut conn, table).await;
            assert_eq!(actual.join(", "), listed, "{table}");
            let mut expected = vec!["row_id".to_owned(), "existed".to_owned()];
            if key.is_some() {
                expected.remove(0);
            }
            expected.extend(actual);
            assert_eq!(
                columns(&mut conn, &format!("undo_{table}")).await,
                expected,
                "undo_{table}"
            );
        }
        // And no other table with a tenant column is left out of the log.
        let tenant_tables: Vec<String> = sqlx::query_scalar(
            "select m.name from sqlite_schema m, pragma_table_info(m.name) c
             where m.type = 'table' and c.name = 'tenant_id' and m.name not like 'undo\\_%' escape '\\'
             order by m.name",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        let mut covered: Vec<String> = TABLES.iter().map(|t| t.table.to_owned()).collect();
        covered.extend(["directory_changes".to_owned(), "tenant_seeds".to_owned()]);
        covered.sort();
        assert_eq!(tenant_tables, covered);
    }
}
