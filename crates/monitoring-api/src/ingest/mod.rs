//! Durable observation ingest: one writer task takes batches from a channel, groups whatever
//! is queued into one transaction (group commit: SQLite has one writer, and one fsync per
//! group instead of per observation is what reaches high rates), commits, and only then
//! answers each submitter and hands the observations to the rule engine.

mod table;

pub use table::ObservationTable;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};
use yingji_monitoring::{DatastreamId, Observation};
use yingji_store::sqlx_error as sqlx;
use yingji_store::Db;

/// Rows per transaction: large enough to amortise the commit, small enough for latency.
const ROWS_PER_COMMIT: usize = 20_000;

/// An observation checked at the edge, waiting to be stored.
#[derive(Debug, Clone, Copy)]
pub struct NewObservation {
    pub observation: Observation,
    pub result_time: Option<DateTime<Utc>>,
    pub feature_of_interest: Option<i64>,
}

/// A stored observation with its id.
#[derive(Debug, Clone, Copy)]
pub struct Committed {
    pub id: i64,
    pub row: NewObservation,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("the store refused the batch: {0}")]
    Store(#[from] sqlx::Error),
    #[error("the batch was not stored: {0}")]
    NotStored(String),
    #[error("the ingest writer has stopped")]
    Stopped,
}

struct Pending {
    rows: Vec<NewObservation>,
    done: oneshot::Sender<Result<Vec<i64>, String>>,
}

/// The handle through which HTTP and MQTT submit observations.
#[derive(Clone)]
pub struct Ingest {
    queue: mpsc::Sender<Pending>,
}

impl Ingest {
    /// Starts the writer. Committed observations go to `committed` in commit order.
    pub async fn start(
        db: Db,
        committed: mpsc::Sender<Vec<Committed>>,
    ) -> Result<Self, IngestError> {
        let row = sqlx::query_as::<_, (i64,)>("SELECT COALESCE(MAX(id), 0) FROM sta_observations")
            .fetch_one(&db.reader)
            .await?;
        let table = ObservationTable::open(&db).await?;
        let (queue, receiver) = mpsc::channel(4096);
        tokio::spawn(writer(table, receiver, row.0 + 1, committed));
        Ok(Ingest { queue })
    }

    /// Stores the rows; returns their ids once committed.
    pub async fn submit(&self, rows: Vec<NewObservation>) -> Result<Vec<i64>, IngestError> {
        self.enqueue(rows).await?.committed().await
    }

    /// Queues the rows for the writer and returns at once with a receipt for their commit,
    /// so that a caller can queue the next rows while these are being written (MQTT does:
    /// its messages arrive one by one and must be acknowledged in order).
    pub async fn enqueue(&self, rows: Vec<NewObservation>) -> Result<Receipt, IngestError> {
        if rows.is_empty() {
            return Ok(Receipt(None));
        }
        let (done, answer) = oneshot::channel();
        self.queue
            .send(Pending { rows, done })
            .await
            .map_err(|_| IngestError::Stopped)?;
        Ok(Receipt(Some(answer)))
    }
}

/// The promise of one queued batch's commit (see [`Ingest::enqueue`]).
pub struct Receipt(Option<oneshot::Receiver<Result<Vec<i64>, String>>>);

impl Receipt {
    /// Waits for the commit; the ids of the rows, in the order they were queued.
    pub async fn committed(self) -> Result<Vec<i64>, IngestError> {
        let Some(answer) = self.0 else {
            return Ok(Vec::new());
        };
        match answer.await {
            Ok(Ok(ids)) => Ok(ids),
            Ok(Err(message)) => {
                tracing::error!(%message, "observation batch not stored");
                Err(IngestError::NotStored(message))
            }
            Err(_) => Err(IngestError::Stopped),
        }
    }
}

async fn writer(
    table: ObservationTable,
    mut receiver: mpsc::Receiver<Pending>,
    mut next_id: i64,
    committed: mpsc::Sender<Vec<Committed>>,
) {
    while let Some(first) = receiver.recv().await {
        let mut group = vec![first];
        let mut rows: usize = group[0].rows.len();
        while rows < ROWS_PER_COMMIT {
            match receiver.try_recv() {
                Ok(more) => {
                    rows += more.rows.len();
                    group.push(more);
                }
                Err(_) => break,
            }
        }
        let start_id = next_id;
        next_id += rows as i64;
        let all: Vec<Committed> = group
            .iter()
            .flat_map(|p| p.rows.iter())
            .enumerate()
            .map(|(i, row)| Committed {
                id: start_id + i as i64,
                row: *row,
            })
            .collect();
        let outcome = table.insert(&all).await;
        metrics::counter!("yingji_observations_committed_total").increment(rows as u64);
        let mut offset = 0;
        for pending in group {
            let n = pending.rows.len();
            let answer = match &outcome {
                Ok(()) => Ok((0..n).map(|i| start_id + (offset + i) as i64).collect()),
                Err(e) => Err(e.to_string()),
            };
            offset += n;
            // A submitter that went away (client disconnected) still had its rows stored.
            let _ = pending.done.send(answer);
        }
        if outcome.is_ok() && committed.send(all).await.is_err() {
            tracing::warn!("rule engine stopped; observations are stored but not evaluated");
        }
    }
}

/// The engine's view of a stored observation.
pub fn datastream_of(c: &Committed) -> DatastreamId {
    c.row.observation.datastream()
}
