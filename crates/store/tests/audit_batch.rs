//! `audit::append_many` writes the same chain `audit::append` does: entries written by
//! either, in any mix, verify; tampering with a batch-written entry is caught and named.

use chrono::{DateTime, TimeZone, Utc};
use sqlx::Connection;
use yingji_domain::Principal;
use yingji_store::audit::{self, Change, ENTRIES_PER_INSERT};
use yingji_store::testing::backends;

fn at(second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 30, 6, 0, second).unwrap()
}

fn change<'a>(actor: &'a Principal, entity_id: &'a str, n: u32) -> Change<'a> {
    Change {
        actor,
        action: "report.file",
        entity: "report",
        entity_id,
        // Every third entry has no "before" and one in five no "after": both None paths hash.
        before: (!n.is_multiple_of(3)).then(|| format!("{{\"n\":{n}}}")),
        after: (!n.is_multiple_of(5)).then(|| format!("{{\"n\":{}}}", n + 1)),
        at: at(n % 60),
    }
}

#[tokio::test]
async fn append_many_and_append_write_one_verifiable_chain() {
    for backend in backends().await {
        let db = backend.store.db();
        let actor = Principal::system("test");
        let ids: Vec<String> = (0..ENTRIES_PER_INSERT + 10)
            .map(|i| format!("rep-{i}"))
            .collect();
        let changes = |range: std::ops::Range<usize>| -> Vec<Change<'_>> {
            ids[range.clone()]
                .iter()
                .zip(range)
                .map(|(id, n)| change(&actor, id, n as u32))
                .collect()
        };

        let mut tx = db.begin_write().await.unwrap();
        let first = audit::append_many(db, &mut tx, &changes(0..3))
            .await
            .unwrap();
        let single = audit::append(db, &mut tx, change(&actor, "single-1", 3))
            .await
            .unwrap();
        let nothing = audit::append_many(db, &mut tx, &[]).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(first, vec![1, 2, 3], "{}", backend.name);
        assert_eq!(single, 4, "{}", backend.name);
        assert!(nothing.is_empty(), "an empty batch writes nothing");

        // More than one INSERT's worth, in its own transaction, then one more single entry.
        let mut tx = db.begin_write().await.unwrap();
        let big = audit::append_many(db, &mut tx, &changes(3..ids.len()))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let expected: Vec<i64> = (5..5 + (ids.len() - 3) as i64).collect();
        assert_eq!(big, expected, "{}", backend.name);
        let mut tx = db.begin_write().await.unwrap();
        let last = audit::append(db, &mut tx, change(&actor, "single-2", 7))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(last, *expected.last().unwrap() + 1, "{}", backend.name);

        let entries = backend.store.audit_entries(0, 5_000).await.unwrap();
        assert_eq!(entries.len() as i64, last, "{}", backend.name);
        assert_eq!(entries[3].entity_id, "single-1");
        assert_eq!(entries[4].entity_id, "rep-3");
        for pair in entries.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash, "{}", backend.name);
        }
        let breaks = backend.store.verify_audit().await.unwrap();
        assert!(breaks.is_empty(), "{}: {breaks:?}", backend.name);

        // A batch-written entry edited in place is caught, and the break names it.
        // One written by the big batch's second INSERT (seq 5 is rep-3).
        let edited = ENTRIES_PER_INSERT as i64 + 6;
        tamper(
            &backend.url,
            &format!("UPDATE audit_log SET after_json = '{{\"n\":0}}' WHERE seq = {edited}"),
        )
        .await;
        let breaks = backend.store.verify_audit().await.unwrap();
        assert_eq!(breaks.len(), 1, "{}: {breaks:?}", backend.name);
        assert_eq!((breaks[0].seq, breaks[0].problem), (edited, "edited"));
        assert!(
            breaks[0]
                .detail
                .contains(&format!("report.file rep-{}", edited - 2)),
            "{}: {}",
            backend.name,
            breaks[0].detail
        );

        // A batch-written entry deleted is caught at its place in the chain.
        tamper(&backend.url, "DELETE FROM audit_log WHERE seq = 2").await;
        let breaks = backend.store.verify_audit().await.unwrap();
        assert!(
            breaks.iter().any(|b| b.seq == 2 && b.problem == "deleted"),
            "{}: {breaks:?}",
            backend.name
        );
    }
}

/// Tampering is done with plain SQL on the database file/server, as an intruder would.
async fn tamper(url: &str, sql: &str) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::query(sql).execute(&mut conn).await.unwrap();
}
