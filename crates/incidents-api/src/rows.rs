//! Multi-row INSERTs: one statement for many rows, so a batch costs a few round trips to
//! the database instead of one per row.

use yingji_store::sqlx_error::any::AnyArguments;
use yingji_store::sqlx_error::query::Query;
use yingji_store::sqlx_error::{self as sqlx, Any, Transaction};
use yingji_store::Db;

/// Most rows per statement (a power of two, see [`Db::statement_chunks`]): at most 15
/// columns × 128 rows = 1,920 parameters, far below the limits of SQLite (32,766) and
/// PostgreSQL (65,535).
pub const ROWS_PER_STATEMENT: usize = 128;

pub type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

/// `INSERT INTO <target> VALUES (…), (…)` for `rows` rows of `columns` parameters, in the
/// backend's placeholders.
pub fn insert_sql(db: &Db, target: &str, columns: usize, rows: usize) -> String {
    let values = db.placeholder_rows(columns, rows);
    format!("INSERT INTO {target} VALUES {values}")
}

/// Inserts `rows` into `target` (`table (column, …)`) a few hundred per statement, inside
/// the caller's transaction; `bind` binds one row's `columns` values in column order.
pub async fn insert_all<T>(
    db: &Db,
    tx: &mut Transaction<'_, Any>,
    target: &str,
    columns: usize,
    rows: &[T],
    bind: impl for<'q> Fn(AnyQuery<'q>, &'q T) -> AnyQuery<'q>,
) -> Result<(), sqlx::Error> {
    for chunk in Db::statement_chunks(rows, ROWS_PER_STATEMENT) {
        let sql = insert_sql(db, target, columns, chunk.len());
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = bind(query, row);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use yingji_store::Backend;

    #[tokio::test]
    async fn placeholders_follow_the_backend() {
        for store in yingji_store::testing::backends().await {
            let db = store.store.db();
            let expected = match db.backend {
                Backend::Sqlite => "INSERT INTO t (a, b) VALUES (?,?),(?,?)",
                Backend::Postgres => "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)",
            };
            assert_eq!(super::insert_sql(db, "t (a, b)", 2, 2), expected);
        }
    }
}
