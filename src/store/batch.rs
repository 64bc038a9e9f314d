//! Writes sent to SQLite together. Each query sqlx runs is a round trip to the connection's
//! worker thread (a thread hand-off each way, 40–65 µs on the 2-core machine) while SQLite's
//! own work for a fixture row is a few µs: a load or reset of the default fixtures was ~90
//! round trips. A [`Batch`] queues [`Statement`]s and runs them as one multi-statement query.
//!
//! Statements keep their own SQL (with `?N` or `?` placeholders, as written for a single run);
//! queuing rewrites each placeholder to a plain `?` and lays the values out in the order they
//! appear, so sqlx binds every statement of the batch from its own slice of the values.

use sqlx::sqlite::SqliteQueryResult;
use sqlx::{Arguments, SqliteConnection};

/// A value bound to a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    /// Bytes, such as a JSONB value ([`super::jsonb`]).
    Blob(Vec<u8>),
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&String> for Value {
    fn from(text: &String) -> Self {
        Self::Text(text.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

impl From<i64> for Value {
    fn from(int: i64) -> Self {
        Self::Int(int)
    }
}

impl From<bool> for Value {
    fn from(flag: bool) -> Self {
        Self::Int(i64::from(flag))
    }
}

/// One statement (or a few, `;`-separated) and its values, by placeholder number.
#[derive(Debug, Clone)]
#[must_use]
pub struct Statement {
    sql: &'static str,
    values: Vec<Value>,
}

impl Statement {
    pub fn new(sql: &'static str) -> Self {
        Self {
            sql,
            values: Vec::new(),
        }
    }

    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.values.push(value.into());
        self
    }

    /// Runs it alone (its SQL is prepared once and kept, like any `sqlx::query`).
    pub async fn execute(self, conn: &mut SqliteConnection) -> sqlx::Result<SqliteQueryResult> {
        sqlx::query_with(self.sql, arguments(self.values)?)
            .execute(conn)
            .await
    }
}

fn arguments(values: Vec<Value>) -> sqlx::Result<sqlx::sqlite::SqliteArguments> {
    let mut arguments = sqlx::sqlite::SqliteArguments::default();
    for value in values {
        match value {
            Value::Null => arguments.add(None::<String>),
            Value::Int(int) => arguments.add(int),
            Value::Text(text) => arguments.add(text),
            Value::Blob(bytes) => arguments.add(bytes),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(arguments)
}

/// Statements queued on one connection (inside the caller's transaction) and run together.
/// Reads must go through [`Batch::conn`], which runs the queue first, so they see every
/// write queued before them. Dropping a batch drops what it has not run: call
/// [`Batch::finish`].
pub struct Batch<'c> {
    conn: &'c mut SqliteConnection,
    sql: String,
    values: Vec<Value>,
    statements: usize,
    /// Text queued: the SQL and the text values (a bulk load's chunks are megabytes each).
    bytes: usize,
}

/// A queue this large runs before taking more: sqlx keeps a prepared statement per query
/// text, and a bulk load should not hold all its chunks at once.
const MAX_STATEMENTS: usize = 256;
const MAX_BYTES: usize = 1024 * 1024;

impl<'c> Batch<'c> {
    pub fn new(conn: &'c mut SqliteConnection) -> Self {
        Self {
            conn,
            sql: String::new(),
            values: Vec::new(),
            statements: 0,
            bytes: 0,
        }
    }

    /// Queues `statement`; runs the queue first when it is full.
    pub async fn push(&mut self, statement: Statement) -> sqlx::Result<()> {
        if self.statements >= MAX_STATEMENTS || self.bytes >= MAX_BYTES {
            self.flush().await?;
        }
        self.bytes += statement.sql.len()
            + statement
                .values
                .iter()
                .map(|v| match v {
                    Value::Text(text) => text.len(),
                    Value::Blob(bytes) => bytes.len(),
                    _ => 8,
                })
                .sum::<usize>();
        rewrite(statement, &mut self.sql, &mut self.values);
        self.statements += 1;
        Ok(())
    }

    /// Runs the queued statements, in order, as one query.
    pub async fn flush(&mut self) -> sqlx::Result<()> {
        if self.statements == 0 {
            return Ok(());
        }
        let sql = std::mem::take(&mut self.sql);
        let values = std::mem::take(&mut self.values);
        self.statements = 0;
        self.bytes = 0;
        // The same fixture queues the same text on every reset: keep its prepared statements.
        sqlx::query_with(sqlx::AssertSqlSafe(sql), arguments(values)?)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    /// The connection, for a read or a statement whose result matters, after the queue ran.
    pub async fn conn(&mut self) -> sqlx::Result<&mut SqliteConnection> {
        self.flush().await?;
        Ok(self.conn)
    }

    pub async fn finish(mut self) -> sqlx::Result<()> {
        self.flush().await
    }
}

/// Appends `statement` to `sql` with every placeholder a plain `?`, and its values to `values`
/// in placeholder order. Numbering follows SQLite: `?N` is value N, a bare `?` is one more
/// than the largest number seen so far; a number past the values binds NULL, as SQLite leaves
/// an unbound parameter. Quoted text and identifiers and `--` comments are copied as they are.
fn rewrite(statement: Statement, sql: &mut String, values: &mut Vec<Value>) {
    let text = statement.sql;
    // Each value moves to its first placeholder, and a later one copies it from there: a bulk
    // load's chunk is megabytes bound once.
    let mut unplaced: Vec<Option<Value>> = statement.values.into_iter().map(Some).collect();
    let mut placed: Vec<usize> = vec![usize::MAX; unplaced.len()];
    let mut largest = 0usize;
    let mut chars = text.char_indices().peekable();
    let mut quote: Option<char> = None;
    while let Some((_, c)) = chars.next() {
        match (quote, c) {
            (Some(open), c) => {
                sql.push(c);
                if c == open {
                    quote = None;
                }
            }
            (None, '\'' | '"') => {
                sql.push(c);
                quote = Some(c);
            }
            // A comment runs to the end of its line: a quote or `?` in it is not SQL.
            (None, '-') if chars.peek().is_some_and(|&(_, next)| next == '-') => {
                sql.push(c);
                for (_, c) in chars.by_ref() {
                    sql.push(c);
                    if c == '\n' {
                        break;
                    }
                }
            }
            (None, '?') => {
                let mut number = String::new();
                while let Some(&(_, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
                    number.push(d);
                    chars.next();
                }
                let n = number.parse().unwrap_or(largest + 1);
                largest = largest.max(n);
                let value = match n.checked_sub(1).filter(|&i| i < unplaced.len()) {
                    Some(i) => match unplaced[i].take() {
                        Some(value) => {
                            placed[i] = values.len();
                            value
                        }
                        None => values.get(placed[i]).cloned().unwrap_or(Value::Null),
                    },
                    None => Value::Null,
                };
                values.push(value);
                sql.push('?');
            }
            (None, c) => sql.push(c),
        }
    }
    sql.push_str(";\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A private in-memory database with one table.
    async fn connection_with(create: &'static str) -> SqliteConnection {
        use sqlx::Connection;
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::query(create).execute(&mut conn).await.unwrap();
        conn
    }

    fn rewritten(statement: Statement) -> (String, Vec<Value>) {
        let (mut sql, mut values) = (String::new(), Vec::new());
        rewrite(statement, &mut sql, &mut values);
        (sql, values)
    }

    #[test]
    fn numbered_placeholders_become_plain_ones_with_their_values_repeated_in_order() {
        let (sql, values) = rewritten(
            Statement::new(
                "insert into t (a, b, c) values (?1, ?2, (select max(x) from t where a = ?1))",
            )
            .bind("tenant")
            .bind(7_i64),
        );
        assert_eq!(
            sql,
            "insert into t (a, b, c) values (?, ?, (select max(x) from t where a = ?));\n"
        );
        assert_eq!(
            values,
            [Value::from("tenant"), Value::Int(7), Value::from("tenant")]
        );
    }

    #[test]
    fn bare_placeholders_count_on_from_the_largest_number_and_quotes_are_left_alone() {
        let (sql, values) = rewritten(
            Statement::new(
                "select '?1', \"a?\" -- isn't ?1\n from t where a = ?2 and b = ? and c = ?9",
            )
            .bind("one")
            .bind("two")
            .bind(None::<&str>)
            .bind(true),
        );
        assert_eq!(
            sql,
            "select '?1', \"a?\" -- isn't ?1\n from t where a = ? and b = ? and c = ?;\n"
        );
        // ?2, then the bare ? is ?3, then ?9 is past the values: NULL, as SQLite would bind.
        assert_eq!(values, [Value::from("two"), Value::Null, Value::Null]);
    }

    #[tokio::test]
    async fn a_batch_runs_its_statements_in_order_and_reads_see_what_was_queued() {
        let mut conn = connection_with("create table t (a text, n integer)").await;
        let mut batch = Batch::new(&mut conn);
        for n in 0..600_i64 {
            let insert =
                "insert into t (a, n) values (?1, (select count(*) from t where a = ?1) + ?2)";
            batch
                .push(Statement::new(insert).bind("x").bind(n))
                .await
                .unwrap();
        }
        // 600 statements are more than one queue holds: the reads see all of them anyway.
        let read = batch.conn().await.unwrap();
        let rows: Vec<i64> = sqlx::query_scalar("select n from t order by rowid")
            .fetch_all(read)
            .await
            .unwrap();
        assert_eq!(rows.len(), 600);
        assert!(rows.iter().enumerate().all(|(i, n)| *n == 2 * i as i64));
        batch
            .push(
                Statement::new("insert into t (a, n) values (?, ?)")
                    .bind("y")
                    .bind(None::<i64>),
            )
            .await
            .unwrap();
        batch.finish().await.unwrap();
        let nulls: i64 = sqlx::query_scalar("select count(*) from t where a = 'y' and n is null")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(nulls, 1);
    }

    #[tokio::test]
    async fn json_rows_number_on_from_the_tables_last_seq_across_chunks_and_batches() {
        let mut conn =
            connection_with("create table t (tenant_id text, v text, seq integer)").await;
        const INSERT: &str = "insert into t (tenant_id, v, seq)
             select ?1, value ->> 0,
                coalesce(?2, (select coalesce(max(seq), 0) from t where tenant_id = ?1)) + key + 1
             from jsonb_each(?3)";
        const LAST: &str = "select coalesce(max(seq), 0) from t where tenant_id = ?";
        let rows = |n: usize, tag: &str| -> Vec<(String,)> {
            (0..n).map(|i| (format!("{tag}{i}"),)).collect()
        };
        let mut batch = Batch::new(&mut conn);
        // Another tenant's rows never move this tenant's numbers.
        super::super::insert_json_rows(&mut batch, INSERT, Some(LAST), "b", &rows(3, "b"))
            .await
            .unwrap();
        // One chunk (the SQL reads the last seq), then more than a chunk (read once, before).
        super::super::insert_json_rows(&mut batch, INSERT, Some(LAST), "a", &rows(2, "x"))
            .await
            .unwrap();
        let many = super::super::JSON_ROWS_CHUNK * 2 + 1;
        super::super::insert_json_rows(&mut batch, INSERT, Some(LAST), "a", &rows(many, "y"))
            .await
            .unwrap();
        super::super::insert_json_rows(&mut batch, INSERT, Some(LAST), "a", &rows(1, "z"))
            .await
            .unwrap();
        batch.finish().await.unwrap();
        let seqs: Vec<(String, i64)> =
            sqlx::query_as("select v, seq from t where tenant_id = 'a' order by rowid")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(seqs.len(), many + 3);
        for (i, (_, seq)) in seqs.iter().enumerate() {
            assert_eq!(*seq, i as i64 + 1, "row {i} of tenant a");
        }
        assert_eq!(seqs.last().map(|(v, _)| v.as_str()), Some("z0"));
    }
}
