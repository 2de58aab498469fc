//! SQLite commits never checkpoint (`wal_autocheckpoint=0`); the store's checkpointer copies
//! the WAL into the database file beside the writer. Without it the database file would
//! stay at its freshly migrated size however much is written.

use std::time::Duration;
use yingji_store::testing::sqlite;

#[tokio::test]
async fn committed_pages_reach_the_database_file_without_a_commit_checkpointing() {
    let store = sqlite().await;
    let db = store.store.db();
    let file = store.url.trim_start_matches("sqlite://").to_string();
    let size = || std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    // Let the checkpointer catch up with the migrations, then measure from there.
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let before = size();

    let mut tx = db.begin_write().await.unwrap();
    let filler = "x".repeat(4_000);
    for n in 0..500 {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
            .bind(format!("filler-{n}"))
            .bind(&filler)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    assert!(
        size() < before + 1_000_000,
        "the commit itself copied pages into the database file"
    );

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while size() < before + 1_000_000 {
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint within 10 s: the database file stayed at {} bytes",
            size()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
