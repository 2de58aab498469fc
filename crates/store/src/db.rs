//! The two connection pools and the few dialect switches the shared SQL needs.

use crate::Result;
use sqlx::AnyPool;
use sqlx::{Any, Row, Transaction};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Pools of one database. SQLite gets a writer pool of exactly one connection: writes
/// queue in the pool instead of failing with "database is locked", while readers use
/// their own connections against WAL snapshots. PostgreSQL uses one pool for both.
#[derive(Debug, Clone)]
pub struct Db {
    pub backend: Backend,
    pub reader: AnyPool,
    pub writer: AnyPool,
}

impl Db {
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        Ok(self.writer.begin().await?)
    }

    /// Row lock for read-modify-write inside a transaction. SQLite needs none: its single
    /// writer connection already serializes every write transaction.
    pub fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// The `n`th bind parameter of a statement, numbered 1, 2, 3… left to right in the text:
    /// `$n` on PostgreSQL, a plain `?` on SQLite (which binds `?` in text order). SQLite
    /// treats `$n` as a *name*: parsing a statement searches the names seen so far for each
    /// one, and sqlx looks each name up again to bind it, both linear searches, so a
    /// multi-row statement with thousands of `$n` costs time quadratic in its parameters.
    pub fn placeholder(&self, n: usize) -> String {
        match self.backend {
            Backend::Sqlite => "?".to_string(),
            Backend::Postgres => format!("${n}"),
        }
    }

    /// `(…),(…)`: the VALUES list of a multi-row INSERT of `rows` rows of `columns`
    /// parameters, in this backend's placeholders (see [`Db::placeholder`]).
    pub fn placeholder_rows(&self, columns: usize, rows: usize) -> String {
        match self.backend {
            Backend::Sqlite => {
                let row = format!("({})", vec!["?"; columns].join(","));
                vec![row; rows].join(",")
            }
            Backend::Postgres => crate::audit::placeholder_rows(columns, rows),
        }
    }

    /// `items` cut into runs for multi-row statements: full runs of `most` (a power of two),
    /// then the rest as descending powers of two (200 rows with `most` 128: 128, 64, 8).
    /// Each run length gives another statement text, and the drivers keep prepared
    /// statements by text: with a handful of lengths they are parsed once per connection
    /// instead of once per batch size seen.
    pub fn statement_chunks<T>(items: &[T], most: usize) -> Vec<&[T]> {
        debug_assert!(most.is_power_of_two());
        let mut runs = Vec::new();
        let mut rest = items;
        while !rest.is_empty() {
            let run = if rest.len() >= most {
                most
            } else {
                1 << rest.len().ilog2()
            };
            let (head, tail) = rest.split_at(run);
            runs.push(head);
            rest = tail;
        }
        runs
    }

    /// `items` cut into runs of `most` (a power of two) for statements where naming an
    /// item twice changes nothing (`WHERE id IN (…)`, an `OR` of keys, `CASE id WHEN …`):
    /// the last run is padded to the next power of two by repeating its last item, so any
    /// number of items up to `most` is one statement, of one of a handful of texts.
    pub fn padded_chunks<T: Copy>(items: &[T], most: usize) -> Vec<Vec<T>> {
        debug_assert!(most.is_power_of_two());
        items
            .chunks(most)
            .map(|chunk| {
                let mut run = chunk.to_vec();
                if let Some(&last) = chunk.last() {
                    run.resize(chunk.len().next_power_of_two(), last);
                }
                run
            })
            .collect()
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    pub async fn get_meta(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(|r| r.try_get::<String, _>(0)).transpose()?)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM meta WHERE key = $1")
            .bind(key)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Db;

    #[test]
    fn statement_chunks_are_few_lengths_covering_every_item() {
        let items: Vec<usize> = (0..200).collect();
        let runs = Db::statement_chunks(&items, 128);
        let lengths: Vec<usize> = runs.iter().map(|r| r.len()).collect();
        assert_eq!(lengths, [128, 64, 8]);
        assert_eq!(runs.concat(), items);
        assert!(Db::statement_chunks(&items[..0], 128).is_empty());
        let lengths: Vec<usize> = Db::statement_chunks(&items[..7], 4)
            .iter()
            .map(|r| r.len())
            .collect();
        assert_eq!(lengths, [4, 2, 1]);
    }

    #[test]
    fn padded_chunks_repeat_the_last_item_up_to_a_power_of_two() {
        let items: Vec<usize> = (0..200).collect();
        let runs = Db::padded_chunks(&items, 128);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0], (0..128).collect::<Vec<_>>());
        assert_eq!(runs[1].len(), 128);
        assert_eq!(runs[1][..72], items[128..]);
        assert!(runs[1][72..].iter().all(|&i| i == 199));
        assert_eq!(
            Db::padded_chunks(&items[..5], 128),
            [vec![0, 1, 2, 3, 4, 4, 4, 4]]
        );
        assert!(Db::padded_chunks(&items[..0], 128).is_empty());
    }
}
