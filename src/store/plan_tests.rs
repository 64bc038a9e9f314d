//! The plans of lookups in the tables without rowid (migrations 0018 and 0019): each lookup
//! by one id is a search on that id and the tenant. Among them are the statements SQLite runs
//! for the foreign keys' cascades when an object is deleted, which `EXPLAIN` cannot reach:
//! with keys led by the tenant, SQLite (no statistics) walked the tenant's rows by the key
//! instead, 62 ms a deleted object in memberships at 100,000 users.

const LOOKUPS: [(&str, &str); 10] = [
    (
        "delete from memberships where tenant_id = ?1 and member_id = ?2",
        "INDEX memberships_by_member (member_id=? AND tenant_id=?)",
    ),
    (
        "delete from memberships where tenant_id = ?1 and group_id = ?2",
        "SEARCH memberships USING PRIMARY KEY (group_id=? AND tenant_id=?)",
    ),
    (
        "select count(*) from memberships where tenant_id = ?1 and group_id = ?2",
        "SEARCH memberships USING PRIMARY KEY (group_id=? AND tenant_id=?)",
    ),
    (
        "select group_id from memberships where tenant_id = ?1 and member_id = ?2",
        "INDEX memberships_by_member (member_id=? AND tenant_id=?)",
    ),
    (
        "delete from linkedin_connections where tenant_id = ?1 and user_a = ?2",
        "SEARCH linkedin_connections USING PRIMARY KEY (user_a=? AND tenant_id=?)",
    ),
    (
        "delete from linkedin_connections where tenant_id = ?1 and user_b = ?2",
        "INDEX linkedin_connections_by_b (user_b=? AND tenant_id=?)",
    ),
    (
        "delete from linkedin_profiles where tenant_id = ?1 and user_id = ?2",
        "SEARCH linkedin_profiles USING PRIMARY KEY (user_id=? AND tenant_id=?)",
    ),
    (
        "select vanity_name from linkedin_profiles where tenant_id = ?1 and user_id = ?2",
        "SEARCH linkedin_profiles USING PRIMARY KEY (user_id=? AND tenant_id=?)",
    ),
    (
        "delete from linkedin_user_state where tenant_id = ?1 and user_id = ?2",
        "SEARCH linkedin_user_state USING PRIMARY KEY (user_id=? AND tenant_id=?)",
    ),
    (
        "select opt_out from linkedin_user_state where tenant_id = ?1 and user_id = ?2",
        "SEARCH linkedin_user_state USING PRIMARY KEY (user_id=? AND tenant_id=?)",
    ),
];

#[tokio::test]
async fn lookups_by_one_id_search_by_it_and_the_tenant() {
    let db = super::Db::open(None).await.unwrap();
    let mut conn = db.pool.acquire().await.unwrap();
    for (statement, expected) in LOOKUPS {
        let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "explain query plan {statement}"
        )))
        .bind("t")
        .bind("x")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        assert!(
            plan.iter().any(|row| row.3.contains(expected)),
            "{statement}: {plan:?}"
        );
    }
}
