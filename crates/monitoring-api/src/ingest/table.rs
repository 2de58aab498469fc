//! The observation table written the fastest way each backend offers, one statement per
//! chunk of rows however many rows it holds: binding six parameters per row through the
//! `Any` driver was where a multi-row `VALUES` insert spent its time.
//!
//! * SQLite: through the store's single writer connection (so SQLite keeps one writer and
//!   nothing waits on "database is locked"), the chunk travels as one JSON text that
//!   `json_each` expands inside SQLite.
//! * PostgreSQL: through a native pool to the same database (the `Any` driver binds no
//!   arrays), the columns travel as six arrays that `UNNEST` zips back into rows.

use super::Committed;
use std::fmt::Write;
use yingji_store::sqlx_error as sqlx;
use yingji_store::sqlx_error::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use yingji_store::sqlx_error::AnyPool;
use yingji_store::{Backend, Db};

/// Rows per statement: bounds the size of one JSON text or array parameter (~1 MB).
const ROWS_PER_STATEMENT: usize = 20_000;

const SQLITE_INSERT: &str =
    "INSERT INTO sta_observations (id, datastream_id, phenomenon_ms, result, result_ms, foi_id) \
     SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5 FROM json_each($1)";

const POSTGRES_INSERT: &str = "INSERT INTO sta_observations (id, datastream_id, phenomenon_ms, result, result_ms, foi_id) \
     SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::int8[], $4::float8[], $5::int8[], $6::int8[])";

/// Where committed observations are written.
#[derive(Clone)]
pub enum ObservationTable {
    Sqlite(AnyPool),
    Postgres(PgPool),
}

impl ObservationTable {
    pub async fn open(db: &Db) -> Result<Self, sqlx::Error> {
        Ok(match db.backend {
            Backend::Sqlite => ObservationTable::Sqlite(db.writer.clone()),
            Backend::Postgres => {
                let url = db.writer.connect_options().database_url.clone();
                let options: PgConnectOptions = url.as_str().parse()?;
                // One writer task, one transaction at a time.
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await?;
                ObservationTable::Postgres(pool)
            }
        })
    }

    /// Inserts the rows in one transaction: all of them are stored or none.
    pub async fn insert(&self, rows: &[Committed]) -> Result<(), sqlx::Error> {
        match self {
            ObservationTable::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                    sqlx::query(SQLITE_INSERT)
                        .bind(json_rows(chunk))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await
            }
            ObservationTable::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                    let columns = Columns::of(chunk);
                    sqlx::query(POSTGRES_INSERT)
                        .bind(columns.id)
                        .bind(columns.datastream)
                        .bind(columns.phenomenon_ms)
                        .bind(columns.result)
                        .bind(columns.result_ms)
                        .bind(columns.foi)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await
            }
        }
    }
}

/// `[[id, datastream, phenomenon_ms, result, result_ms|null, foi|null], …]`. Results are
/// finite (checked at the edge), and `{}` prints an f64 so that it parses back exactly.
fn json_rows(rows: &[Committed]) -> String {
    let mut text = String::with_capacity(rows.len() * 56 + 2);
    text.push('[');
    for (i, c) in rows.iter().enumerate() {
        let o = &c.row.observation;
        if i > 0 {
            text.push(',');
        }
        let _ = write!(
            text,
            "[{},{},{},{},",
            c.id,
            o.datastream().0,
            o.phenomenon_time().timestamp_millis(),
            o.result()
        );
        match c.row.result_time {
            Some(t) => {
                let _ = write!(text, "{},", t.timestamp_millis());
            }
            None => text.push_str("null,"),
        }
        match c.row.feature_of_interest {
            Some(f) => {
                let _ = write!(text, "{f}]");
            }
            None => text.push_str("null]"),
        }
    }
    text.push(']');
    text
}

struct Columns {
    id: Vec<i64>,
    datastream: Vec<i64>,
    phenomenon_ms: Vec<i64>,
    result: Vec<f64>,
    result_ms: Vec<Option<i64>>,
    foi: Vec<Option<i64>>,
}

impl Columns {
    fn of(rows: &[Committed]) -> Self {
        let o = |c: &Committed| c.row.observation;
        Columns {
            id: rows.iter().map(|c| c.id).collect(),
            datastream: rows.iter().map(|c| o(c).datastream().0 as i64).collect(),
            phenomenon_ms: rows
                .iter()
                .map(|c| o(c).phenomenon_time().timestamp_millis())
                .collect(),
            result: rows.iter().map(|c| o(c).result()).collect(),
            result_ms: rows
                .iter()
                .map(|c| c.row.result_time.map(|t| t.timestamp_millis()))
                .collect(),
            foi: rows.iter().map(|c| c.row.feature_of_interest).collect(),
        }
    }
}
