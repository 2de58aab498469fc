//! Multi-row INSERT text: one statement for many rows, so a batch costs a few round trips
//! to the database instead of one per row.

/// Rows per statement: at most 7 columns × 200 rows = 1,400 parameters, far below the
/// limits of SQLite (32,766) and PostgreSQL (65,535).
pub const ROWS_PER_STATEMENT: usize = 200;

/// `INSERT INTO <target> VALUES ($1, …), (…)` for `rows` rows of `columns` parameters.
pub fn insert_sql(target: &str, columns: usize, rows: usize) -> String {
    let values = yingji_store::audit::placeholder_rows(columns, rows);
    format!("INSERT INTO {target} VALUES {values}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_across_rows() {
        assert_eq!(
            super::insert_sql("t (a, b)", 2, 2),
            "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)"
        );
    }
}
