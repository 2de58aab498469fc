//! Group commit for field reports. SQLite has one writer and each commit costs an fsync, so
//! one transaction per report caps a surge at the disk's fsync rate. Instead, requests put
//! their checked report on a bounded queue; one writer task takes whatever is queued (up to
//! `max_batch`), files all of it in ONE transaction — incidents, reports, figures, timeline,
//! idempotency rows and audit entries — commits, and only then answers each request. Nothing
//! is acknowledged before it is durable.
//!
//! * Idempotency holds inside a batch: a key seen earlier in the batch (or stored before)
//!   answers with the first result, or `idempotency_conflict` for other content.
//! * A refused report (unknown or closed incident, decreasing figure, …) is refused before
//!   it writes anything, and the others in the batch go on.
//! * A database error fails the whole transaction; the batch is then filed again one report
//!   per transaction, so the error is confined to the report that causes it.

use crate::access::{may_read, may_report};
use crate::incident_rows;
use crate::incidents::{self, db_error, Incident};
use crate::reports::{report_summary, ReportInput};
use crate::rows::{insert_all, ROWS_PER_STATEMENT};
use crate::timeline::{self, TimelineEntry};
use axum::body::Bytes;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use yingji_domain::incident::{IncidentStatus, TimelineKind};
use yingji_domain::Principal;
use yingji_incidents::{DrillId, Tally};
use yingji_server::error::{ApiError, ApiResult};
use yingji_store::audit::{self, Change};
use yingji_store::sqlx_error::pool::PoolConnection;
use yingji_store::sqlx_error::{self as sqlx, Acquire, Any, Row, Transaction};
use yingji_store::{Backend, Db};

/// How the writer groups reports.
#[derive(Debug, Clone, Copy)]
pub struct FilingConfig {
    /// Most reports per transaction; 1 is the plain one-transaction-per-report path.
    pub max_batch: usize,
    /// Reports waiting for the writer before submitters wait for room (back-pressure).
    pub queue: usize,
}

impl Default for FilingConfig {
    fn default() -> Self {
        // A batch this size commits in a few milliseconds on SQLite, which keeps the
        // latency of the reports queued behind it low.
        FilingConfig {
            max_batch: 256,
            queue: 4096,
        }
    }
}

/// One report to file, with who files it and under which key.
pub struct Submission {
    pub principal: Principal,
    pub key: String,
    /// Hash of the request body: a retry with the same key must carry the same content.
    pub hash: String,
    pub report: ReportInput,
}

/// The answer for a submission; `fresh` is set when it was filed now (not a retry), with
/// what to push live.
pub struct Filed {
    pub status: StatusCode,
    /// The JSON answer, serialized once: the same bytes are stored as the key's answer,
    /// sent to the client and, for a retry in the same batch, shared without a copy.
    pub body: Bytes,
    pub fresh: Option<Fresh>,
}

pub struct Fresh {
    pub incident: Incident,
    pub entries: Vec<TimelineEntry>,
    pub report: Value,
}

struct Pending {
    submission: Submission,
    done: oneshot::Sender<ApiResult<Filed>>,
}

/// The handle through which requests file reports.
#[derive(Clone)]
pub struct Filing {
    queue: mpsc::Sender<Pending>,
}

impl Filing {
    /// Starts the writer; it ends when every handle is dropped.
    ///
    /// On SQLite the writer gets a thread of its own. A batch awaits a dozen statements, and
    /// each answer from sqlx's SQLite worker thread wakes the writer from outside the
    /// runtime, which queues it behind every request task ready at that moment: under a
    /// surge, hundreds of HTTP connections. Those waits, not the work, then set the pace of
    /// the one serial path every report goes through. On its own single-threaded runtime the
    /// writer is polled as soon as its answer arrives. On PostgreSQL the writer stays a task:
    /// its connections' sockets belong to the server's runtime, and several servers may
    /// write at once anyway.
    pub fn start(db: Db, config: FilingConfig) -> std::io::Result<Self> {
        let (queue, receiver) = mpsc::channel(config.queue.max(1));
        let max_batch = config.max_batch.max(1);
        if db.backend == Backend::Postgres {
            tokio::spawn(writer(db, receiver, max_batch));
            return Ok(Filing { queue });
        }
        // Timers (the pool's acquire timeout) but no I/O driver: SQLite's answers arrive over
        // channels, and without an I/O driver an idle writer sleeps on a futex instead of in
        // epoll, so waking it is one system call instead of an eventfd write and an epoll
        // return.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()?;
        std::thread::Builder::new()
            .name("report-writer".into())
            .spawn(move || runtime.block_on(writer(db, receiver, max_batch)))?;
        Ok(Filing { queue })
    }

    /// Files the report and answers once it is committed.
    pub async fn file(&self, submission: Submission) -> ApiResult<Filed> {
        let (done, answer) = oneshot::channel();
        self.queue
            .send(Pending { submission, done })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> ApiError {
    ApiError::new("unavailable", "the report writer has stopped; try again")
}

fn unavailable() -> ApiError {
    ApiError::new("unavailable", "the database is unavailable; try again")
}

/// How long the writer keeps the write connection across back-to-back batches before it
/// lets another writer (an order, a status change) take its turn; it checks between
/// batches, so such a writer waits at most this plus one batch.
const HOLD_AT_MOST: Duration = Duration::from_millis(50);

async fn writer(db: Db, mut receiver: mpsc::Receiver<Pending>, max_batch: usize) {
    let mut group = Vec::with_capacity(max_batch);
    // The write connection, kept while reports keep arriving: returning it to the pool
    // after each batch costs a ping to its worker thread and taking it back an acquire,
    // both on the one serial path every report waits for. The pool is fair, so a writer
    // queued for it gets it as soon as it is returned.
    let mut held: Option<(PoolConnection<Any>, Instant)> = None;
    loop {
        if receiver.is_empty()
            || held
                .as_ref()
                .is_some_and(|(_, since)| since.elapsed() > HOLD_AT_MOST)
        {
            held = None;
        }
        if receiver.recv_many(&mut group, max_batch).await == 0 {
            break;
        }
        let (submissions, replies): (Vec<Submission>, Vec<_>) = group
            .drain(..)
            .map(|pending| (pending.submission, pending.done))
            .unzip();
        let outcomes = match &mut held {
            Some((connection, _)) => file_group(&db, connection, &submissions).await,
            None => match db.writer.acquire().await {
                Ok(connection) => {
                    let (connection, _) = held.insert((connection, Instant::now()));
                    file_group(&db, connection, &submissions).await
                }
                Err(error) => {
                    tracing::error!(%error, "the report writer cannot get the write connection");
                    submissions.iter().map(|_| Err(unavailable())).collect()
                }
            },
        };
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            // A submitter that went away (dropped connection) still had its report stored;
            // its retry gets the stored answer.
            let _ = reply.send(outcome);
        }
    }
}

/// Files the group in one transaction or, if the database refuses it, one by one.
async fn file_group(
    db: &Db,
    connection: &mut PoolConnection<Any>,
    submissions: &[Submission],
) -> Vec<ApiResult<Filed>> {
    let now = Utc::now();
    match file_in_one_transaction(db, connection, submissions, now).await {
        Ok(outcomes) => outcomes,
        Err(error) if submissions.len() == 1 => {
            vec![answer_after_failure(db, connection, &submissions[0], error).await]
        }
        Err(error) => {
            tracing::warn!(error = %error.message, reports = submissions.len(),
                "report batch failed; filing its reports one per transaction");
            let mut outcomes = Vec::with_capacity(submissions.len());
            for submission in submissions {
                let one = std::slice::from_ref(submission);
                outcomes.push(
                    match file_in_one_transaction(db, connection, one, now).await {
                        Ok(mut single) => single.pop().unwrap_or_else(|| Err(ApiError::internal())),
                        Err(error) => answer_after_failure(db, connection, submission, error).await,
                    },
                );
            }
            outcomes
        }
    }
}

/// A report whose own transaction failed: another server on the same PostgreSQL may have
/// filed the same key first (our insert then violates its primary key); its answer is ours.
async fn answer_after_failure(
    db: &Db,
    connection: &mut PoolConnection<Any>,
    submission: &Submission,
    error: ApiError,
) -> ApiResult<Filed> {
    let stored = async {
        let mut tx = connection.begin().await?;
        stored_keys(db, &mut tx, std::slice::from_ref(submission)).await
    };
    match stored.await {
        Ok(keys) => match keys.get(&(
            submission.principal.username.clone(),
            submission.key.clone(),
        )) {
            Some(first) => first.answer_for(&submission.hash),
            None => Err(error),
        },
        Err(_) => Err(error),
    }
}

/// Files the submissions in one transaction. A refused report is answered with its
/// refusal; a server-side failure (5xx) aborts the transaction.
async fn file_in_one_transaction(
    db: &Db,
    connection: &mut PoolConnection<Any>,
    submissions: &[Submission],
    now: DateTime<Utc>,
) -> ApiResult<Vec<ApiResult<Filed>>> {
    let mut tx = connection.begin().await.map_err(db_error)?;
    let keys = stored_keys(db, &mut tx, submissions)
        .await
        .map_err(db_error)?;
    let mut batch = Batch::load(db, &mut tx, keys, submissions, now).await?;
    let mut outcomes = Vec::with_capacity(submissions.len());
    for submission in submissions {
        match batch.file(submission) {
            Err(error) if error.status.is_server_error() => return Err(error),
            outcome => outcomes.push(outcome),
        }
    }
    batch.flush(&mut tx).await?;
    tx.commit().await.map_err(db_error)?;
    Ok(outcomes)
}

/// The first answer stored for an idempotency key.
struct FirstAnswer {
    hash: String,
    status: StatusCode,
    body: Bytes,
}

impl FirstAnswer {
    fn answer_for(&self, hash: &str) -> ApiResult<Filed> {
        if self.hash != hash {
            return Err(ApiError::new(
                "idempotency_conflict",
                "this Idempotency-Key was used for a different report; use a new key for new content",
            )
            .field("Idempotency-Key"));
        }
        Ok(Filed {
            status: self.status,
            body: self.body.clone(),
            fresh: None,
        })
    }
}

type ActorKey = (String, String);

/// The stored answers for the keys of these submissions, read inside the transaction in
/// a few statements: each is an OR of (actor, idem_key) pairs, every term a lookup on the
/// primary key, instead of one query per submitter.
async fn stored_keys(
    db: &Db,
    tx: &mut Transaction<'_, Any>,
    submissions: &[Submission],
) -> Result<HashMap<ActorKey, FirstAnswer>, sqlx::Error> {
    let pairs: Vec<(&str, &str)> = submissions
        .iter()
        .map(|s| (s.principal.username.as_str(), s.key.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut found = HashMap::new();
    for chunk in Db::padded_chunks(&pairs, ROWS_PER_STATEMENT) {
        let terms: Vec<String> = (0..chunk.len())
            .map(|i| {
                let (actor, key) = (db.placeholder(2 * i + 1), db.placeholder(2 * i + 2));
                format!("(actor = {actor} AND idem_key = {key})")
            })
            .collect();
        let sql = format!(
            "SELECT actor, idem_key, content_hash, status, response FROM inc_idempotency WHERE {}",
            terms.join(" OR ")
        );
        let mut query = sqlx::query(&sql);
        for (actor, key) in chunk {
            query = query.bind(actor).bind(key);
        }
        for row in query.fetch_all(&mut **tx).await? {
            let status: i64 = row.try_get(3)?;
            let response: String = row.try_get(4)?;
            found.insert(
                (row.try_get(0)?, row.try_get(1)?),
                FirstAnswer {
                    hash: row.try_get(2)?,
                    status: u16::try_from(status)
                        .ok()
                        .and_then(|s| StatusCode::from_u16(s).ok())
                        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                    body: Bytes::from(response),
                },
            );
        }
    }
    Ok(found)
}

/// An audit entry (an incident opened, a report filed), written with the batch's others
/// in one chain append, in the order they were filed.
struct PendingAudit {
    actor: Principal,
    action: &'static str,
    entity_id: String,
    after: String,
}

/// A report row waiting for the batch's multi-row INSERT.
struct ReportRow {
    id: String,
    incident_id: String,
    town_code: String,
    author: String,
    body: String,
    received_at: String,
    drill: Option<String>,
}

/// An idempotency row waiting for the batch's multi-row INSERT.
struct KeyRow {
    actor: String,
    key: String,
    hash: String,
    status: i64,
    response: String,
    at: String,
}

/// The state of one transaction: the incidents it touches as changed so far (read and
/// locked once, up front), the next timeline number of each, and the rows to write at the
/// end. Filing a report only updates this state; `flush` writes it in a few statements.
struct Batch<'a> {
    db: &'a Db,
    keys: HashMap<ActorKey, FirstAnswer>,
    incidents: HashMap<String, Incident>,
    /// Incidents opened in this batch, inserted whole (with their final figures) at flush.
    opened: Vec<String>,
    /// Incidents that existed before the batch and whose figures it changed.
    changed: BTreeSet<String>,
    next_seq: HashMap<String, i64>,
    reports: Vec<ReportRow>,
    timeline: Vec<TimelineEntry>,
    key_rows: Vec<KeyRow>,
    audits: Vec<PendingAudit>,
    at: DateTime<Utc>,
}

impl<'a> Batch<'a> {
    /// Reads, in one statement each, the incidents the submissions attach to (locking them
    /// on PostgreSQL) and, after the lock, their last timeline numbers.
    async fn load(
        db: &'a Db,
        tx: &mut Transaction<'_, Any>,
        keys: HashMap<ActorKey, FirstAnswer>,
        submissions: &[Submission],
        at: DateTime<Utc>,
    ) -> ApiResult<Batch<'a>> {
        let wanted: Vec<&str> = submissions
            .iter()
            .filter_map(|s| s.report.incident_id.as_deref())
            .collect();
        let incidents = incident_rows::load_many_for_update(db, tx, &wanted).await?;
        let ids: Vec<&str> = incidents.keys().map(String::as_str).collect();
        let next_seq = timeline::last_seqs(db, tx, &ids)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(|(id, last)| (id, last + 1))
            .collect();
        Ok(Batch {
            db,
            keys,
            incidents,
            opened: Vec::new(),
            changed: BTreeSet::new(),
            next_seq,
            reports: Vec::new(),
            timeline: Vec::new(),
            key_rows: Vec::new(),
            audits: Vec::new(),
            at,
        })
    }

    /// Files one report into the batch; every refusal happens before any of it is kept.
    fn file(&mut self, submission: &Submission) -> ApiResult<Filed> {
        let principal = &submission.principal;
        let actor_key = (principal.username.clone(), submission.key.clone());
        if let Some(first) = self.keys.get(&actor_key) {
            return first.answer_for(&submission.hash);
        }
        let now = self.at;
        let report = &submission.report;
        let report_id = crate::new_id("rep");
        let (incident, opening) = match (&report.incident_id, &report.new_incident) {
            (Some(id), _) => (self.attachable(principal, id, report)?, None),
            (None, Some(new)) => {
                let incident = Incident::opened(crate::new_id("inc"), new, principal, now);
                let entry = TimelineEntry::new(
                    &incident.id,
                    1,
                    TimelineKind::StatusChange,
                    principal,
                    incidents::opening_summary(new),
                    incidents::opening_data(),
                    now,
                );
                (incident, Some(entry))
            }
            (None, None) => return Err(ApiError::internal()),
        };
        let figures = figures_after(&incident.figures, &report_id, report, now)?;
        // Accepted: from here on the report is part of the batch.
        let opened = opening.is_some();
        let mut entries = Vec::new();
        if let Some(entry) = opening {
            self.audits.push(PendingAudit {
                actor: principal.clone(),
                action: "incident.open",
                entity_id: incident.id.clone(),
                after: serde_json::to_string(&incident).map_err(|_| ApiError::internal())?,
            });
            self.next_seq.insert(incident.id.clone(), entry.seq + 1);
            self.opened.push(incident.id.clone());
            self.timeline.push(entry.clone());
            entries.push(entry);
        } else {
            self.changed.insert(incident.id.clone());
        }
        let now_text = yingji_domain::time::rfc3339(now);
        let location = report
            .location
            .map_or(incident.location, |at| [at.lon, at.lat]);
        let photos: Vec<Value> = report
            .photos
            .iter()
            .enumerate()
            .map(|(n, photo)| photo.describe(&report_id, n))
            .collect();
        let stored_report = json!({
            "id": report_id,
            "incident_id": incident.id,
            "town_code": incident.town_code,
            "author": principal.username,
            "location": location,
            "occurred_at": report.occurred_at.map(yingji_domain::time::rfc3339),
            "figures": report.figures,
            "correction": report.correction,
            "text": report.text,
            "photos": photos,
            "drill": report.drill,
            "received_at": now_text,
        });
        let incident = Incident {
            figures,
            updated_at: now_text.clone(),
            ..incident
        };
        let entry = TimelineEntry::new(
            &incident.id,
            self.next_seq(&incident.id),
            TimelineKind::Report,
            principal,
            report_summary(report),
            json!({"report_id": report_id}),
            now,
        );
        let body = stored_report.to_string();
        self.audits.push(PendingAudit {
            actor: principal.clone(),
            action: "report.file",
            entity_id: report_id.clone(),
            after: body.clone(),
        });
        // Written as text around the two serialized parts: building it as a JSON value
        // would copy the whole report and incident into a new tree first.
        let incident_text = serde_json::to_string(&incident).map_err(|_| ApiError::internal())?;
        let response =
            format!(r#"{{"report":{body},"incident":{incident_text},"opened":{opened}}}"#);
        let answer = Bytes::from(response.clone());
        let status = StatusCode::CREATED;
        self.reports.push(ReportRow {
            id: report_id,
            incident_id: incident.id.clone(),
            town_code: incident.town_code.as_str().to_string(),
            author: principal.username.clone(),
            body,
            received_at: now_text.clone(),
            drill: report.drill.as_ref().map(|d| d.as_str().to_string()),
        });
        self.key_rows.push(KeyRow {
            actor: principal.username.clone(),
            key: submission.key.clone(),
            hash: submission.hash.clone(),
            status: i64::from(status.as_u16()),
            response,
            at: now_text,
        });
        self.keys.insert(
            actor_key,
            FirstAnswer {
                hash: submission.hash.clone(),
                status,
                body: answer.clone(),
            },
        );
        self.timeline.push(entry.clone());
        entries.push(entry);
        self.incidents.insert(incident.id.clone(), incident.clone());
        Ok(Filed {
            status,
            body: answer,
            fresh: Some(Fresh {
                incident,
                entries,
                report: stored_report,
            }),
        })
    }

    /// The incident a report attaches to, as changed so far in this batch, after the
    /// checks: it exists and the caller sees it, may report there, it is not closed, and
    /// it belongs to the same drill as the report (or both to none).
    fn attachable(
        &self,
        principal: &Principal,
        id: &str,
        report: &ReportInput,
    ) -> ApiResult<Incident> {
        let what = format!("incident {id}");
        let incident = self
            .incidents
            .get(id)
            .ok_or_else(|| ApiError::not_found(&what).field("incident_id"))?;
        may_read(principal, &incident.town_code, &what).map_err(|e| e.field("incident_id"))?;
        may_report(principal, &incident.town_code)?;
        if incident.status() == IncidentStatus::Closed {
            return Err(ApiError::new(
                "wrong_state",
                format!("incident {id} is closed; report a new incident"),
            )
            .field("incident_id"));
        }
        if incident.drill != report.drill {
            return Err(
                ApiError::new("invalid_value", drill_mismatch(id, &incident.drill)).field("drill"),
            );
        }
        Ok(incident.clone())
    }

    /// The next timeline number of an incident the batch holds (read at load, or 1 for one
    /// it opened), advanced for the following entry.
    fn next_seq(&mut self, incident_id: &str) -> i64 {
        let next = self.next_seq.entry(incident_id.to_string()).or_insert(1);
        let seq = *next;
        *next += 1;
        seq
    }

    /// Writes the batch: new incidents, reports, timeline entries and idempotency rows a
    /// few hundred per statement, the changed incidents' figures in one statement, and the
    /// audit entries in one chain append.
    async fn flush(&mut self, tx: &mut Transaction<'_, Any>) -> ApiResult<()> {
        self.insert_rows(tx).await.map_err(db_error)?;
        let at = self.at;
        // The batch is written once, so its audit texts move into the entries uncopied.
        let changes: Vec<Change<'_>> = self
            .audits
            .iter_mut()
            .map(|pending| {
                let PendingAudit {
                    actor,
                    action,
                    entity_id,
                    after,
                } = pending;
                Change {
                    actor,
                    action,
                    entity: incidents::audit_entity(action),
                    entity_id,
                    before: None,
                    after: Some(std::mem::take(after)),
                    at,
                }
            })
            .collect();
        audit::append_many(self.db, tx, &changes).await?;
        Ok(())
    }

    async fn insert_rows(&mut self, tx: &mut Transaction<'_, Any>) -> Result<(), sqlx::Error> {
        let opened: Vec<&Incident> = self
            .opened
            .iter()
            .filter_map(|id| self.incidents.get(id))
            .collect();
        incident_rows::insert_many(self.db, tx, &opened).await?;
        insert_all(
            self.db,
            tx,
            "inc_reports (id, incident_id, town_code, author, body, received_at, drill)",
            7,
            &self.reports,
            |query, row| {
                query
                    .bind(&row.id)
                    .bind(&row.incident_id)
                    .bind(&row.town_code)
                    .bind(&row.author)
                    .bind(&row.body)
                    .bind(&row.received_at)
                    .bind(&row.drill)
            },
        )
        .await?;
        timeline::insert_many(self.db, tx, &self.timeline).await?;
        insert_all(
            self.db,
            tx,
            "inc_idempotency (actor, idem_key, content_hash, status, response, at)",
            6,
            &self.key_rows,
            |query, row| {
                query
                    .bind(&row.actor)
                    .bind(&row.key)
                    .bind(&row.hash)
                    .bind(row.status)
                    .bind(&row.response)
                    .bind(&row.at)
            },
        )
        .await?;
        let changed: Vec<&Incident> = self
            .changed
            .iter()
            .filter_map(|id| self.incidents.get(id))
            .collect();
        incident_rows::update_figures(self.db, tx, &changed).await
    }
}

/// The incident's figures after this report, or the refusal naming the figure.
fn figures_after(
    tally: &Tally,
    report_id: &str,
    report: &ReportInput,
    now: DateTime<Utc>,
) -> ApiResult<Tally> {
    tally
        .apply(report_id, now, &report.figures, report.correction)
        .map_err(|e| ApiError::new("invalid_value", e.to_string()).field(e.field()))
}

fn drill_mismatch(id: &str, incident_drill: &Option<DrillId>) -> String {
    match incident_drill {
        Some(drill) => format!("incident {id} belongs to drill {drill}; a report on it carries \"drill\": \"{drill}\""),
        None => format!("incident {id} is a real incident, not part of a drill; report drills on drill incidents"),
    }
}

#[cfg(test)]
#[path = "filing_tests.rs"]
mod tests;
