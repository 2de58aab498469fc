//! The audit log: every change, hash-chained so that an edited, inserted or deleted entry
//! is detected by walking the chain.
//!
//! Each entry's hash covers its predecessor's hash and all its own fields. `audit_head`
//! holds the last sequence number and hash, updated in the same transaction, so that a
//! deleted tail is caught too. (Someone who can rewrite the whole table *and* the head
//! can forge a consistent chain; anchoring the head outside the database — printing it
//! into shift handover reports — is what closes that gap.)

use crate::db::Db;
use crate::{Result, StoreError};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use yingji_domain::Principal;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// One place where the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditBreak {
    pub seq: i64,
    /// `edited`, `deleted`, `inserted` or `head_mismatch`.
    pub problem: &'static str,
    pub detail: String,
}

impl std::fmt::Display for AuditBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "entry {}: {} ({})", self.seq, self.problem, self.detail)
    }
}

/// A change to record, described by the caller inside its write transaction. Every
/// capability that writes calls [`append`] (or [`append_many`]) in the same transaction as
/// its change.
pub struct Change<'a> {
    pub actor: &'a Principal,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
    pub at: DateTime<Utc>,
}

/// Most rows per multi-row INSERT (a power of two, see [`Db::statement_chunks`]): 10
/// parameters each, so 5,120 parameters, below SQLite's limit (32,766) and PostgreSQL's
/// (65,535).
pub const ENTRIES_PER_INSERT: usize = 512;

/// Appends one entry to the chain, inside the caller's transaction.
pub async fn append(db: &Db, tx: &mut Transaction<'_, Any>, change: Change<'_>) -> Result<i64> {
    let seqs = append_many(db, tx, std::slice::from_ref(&change)).await?;
    seqs.last()
        .copied()
        .ok_or_else(|| StoreError::corrupt("no audit entry was appended"))
}

/// Appends the changes to the chain in order, inside the caller's transaction, and returns
/// their sequence numbers. The head is read once and written once, and the entries go in
/// multi-row INSERTs, so a batch of changes costs a few statements instead of three each;
/// the entries and their hashes are exactly those [`append`] would write one by one.
pub async fn append_many(
    db: &Db,
    tx: &mut Transaction<'_, Any>,
    changes: &[Change<'_>],
) -> Result<Vec<i64>> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let head_sql = format!(
        "SELECT seq, hash FROM audit_head WHERE id = 1{}",
        db.for_update()
    );
    let head = sqlx::query(&head_sql).fetch_one(&mut **tx).await?;
    let (mut prev_seq, mut prev_hash): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
    let mut entries = Vec::with_capacity(changes.len());
    for change in changes {
        let entry = chained(prev_seq, prev_hash, change);
        prev_seq = entry.seq;
        prev_hash = entry.hash.clone();
        entries.push(entry);
    }
    for chunk in Db::statement_chunks(&entries, ENTRIES_PER_INSERT) {
        let sql = format!(
            "INSERT INTO audit_log ({COLUMNS}) VALUES {}",
            db.placeholder_rows(COLUMN_COUNT, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for entry in chunk {
            query = query
                .bind(entry.seq)
                .bind(&entry.at)
                .bind(&entry.actor)
                .bind(&entry.action)
                .bind(&entry.entity)
                .bind(&entry.entity_id)
                .bind(&entry.before)
                .bind(&entry.after)
                .bind(&entry.prev_hash)
                .bind(&entry.hash);
        }
        query.execute(&mut **tx).await?;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(prev_seq)
        .bind(&prev_hash)
        .execute(&mut **tx)
        .await?;
    Ok(entries.iter().map(|e| e.seq).collect())
}

/// The entry recording `change` right after the entry `(prev_seq, prev_hash)`, hashed.
fn chained(prev_seq: i64, prev_hash: String, change: &Change<'_>) -> AuditEntry {
    let mut entry = AuditEntry {
        seq: prev_seq + 1,
        at: yingji_domain::time::rfc3339(change.at),
        actor: change.actor.username.clone(),
        action: change.action.to_string(),
        entity: change.entity.to_string(),
        entity_id: change.entity_id.to_string(),
        before: change.before.clone(),
        after: change.after.clone(),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry_hash(&entry);
    entry
}

/// `($1,…,$columns),($columns+1,…),…` for `rows` rows: the VALUES list of a multi-row
/// INSERT, in the `$n` placeholders both databases accept.
pub fn placeholder_rows(columns: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 6);
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("${}", row * columns + column + 1));
        }
        sql.push(')');
    }
    sql
}

/// SHA-256 over the predecessor's hash and every field, each length-prefixed so that no
/// two different entries can serialize to the same bytes.
fn entry_hash(e: &AuditEntry) -> String {
    let mut hasher = Sha256::new();
    let seq = e.seq.to_string();
    let fields: [Option<&str>; 9] = [
        Some(&e.prev_hash),
        Some(&seq),
        Some(&e.at),
        Some(&e.actor),
        Some(&e.action),
        Some(&e.entity),
        Some(&e.entity_id),
        e.before.as_deref(),
        e.after.as_deref(),
    ];
    for field in fields {
        match field {
            Some(text) => {
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text.as_bytes());
            }
            None => hasher.update(u64::MAX.to_be_bytes()),
        }
    }
    hex::encode(hasher.finalize())
}

const COLUMNS: &str =
    "seq, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash";
const COLUMN_COUNT: usize = 10;

fn from_row(row: &AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.try_get(0)?,
        at: row.try_get(1)?,
        actor: row.try_get(2)?,
        action: row.try_get(3)?,
        entity: row.try_get(4)?,
        entity_id: row.try_get(5)?,
        before: row.try_get(6)?,
        after: row.try_get(7)?,
        prev_hash: row.try_get(8)?,
        hash: row.try_get(9)?,
    })
}

pub(crate) async fn list(db: &Db, after_seq: i64, limit: i64) -> Result<Vec<AuditEntry>> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
    let rows = sqlx::query(&sql)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&db.reader)
        .await?;
    rows.iter().map(from_row).collect()
}

pub(crate) async fn verify(db: &Db) -> Result<Vec<AuditBreak>> {
    let mut breaks = Vec::new();
    let (mut expected_seq, mut prev_hash) = (1_i64, String::new());
    let mut after = 0;
    loop {
        let page = list(db, after, 5_000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for entry in &page {
            if entry.seq > expected_seq {
                breaks.push(AuditBreak {
                    seq: expected_seq,
                    problem: "deleted",
                    detail: format!("entries {expected_seq}..{} are missing", entry.seq - 1),
                });
            }
            if entry_hash(entry) != entry.hash {
                breaks.push(AuditBreak {
                    seq: entry.seq,
                    problem: "edited",
                    detail: format!(
                        "{} {} by {}: content does not match its hash",
                        entry.action, entry.entity_id, entry.actor
                    ),
                });
            } else if entry.prev_hash != prev_hash && entry.seq == expected_seq {
                breaks.push(AuditBreak {
                    seq: entry.seq,
                    problem: "inserted",
                    detail: "does not follow the entry before it in the chain".into(),
                });
            }
            expected_seq = entry.seq + 1;
            prev_hash = entry.hash.clone();
        }
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&db.reader)
        .await?;
    let (head_seq, head_hash): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
    if head_seq != expected_seq - 1 || head_hash != prev_hash {
        breaks.push(AuditBreak {
            seq: head_seq,
            problem: if head_seq > expected_seq - 1 {
                "deleted"
            } else {
                "head_mismatch"
            },
            detail: format!(
                "the chain ends at entry {} but the head records entry {head_seq}",
                expected_seq - 1
            ),
        });
    }
    Ok(breaks)
}

/// JSON for the audit trail of a value; a value that cannot serialize is a programming error
/// surfaced as corrupt data rather than a panic.
pub fn snapshot<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(StoreError::corrupt)
}
