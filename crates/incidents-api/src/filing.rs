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
use crate::incidents::{self, db_error, Incident};
use crate::reports::{report_summary, ReportInput};
use crate::rows::{insert_sql, ROWS_PER_STATEMENT};
use crate::timeline::{self, TimelineEntry};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use tokio::sync::{mpsc, oneshot};
use yingji_domain::incident::{IncidentStatus, TimelineKind};
use yingji_domain::Principal;
use yingji_incidents::{DrillId, Tally};
use yingji_server::error::{ApiError, ApiResult};
use yingji_store::audit::{self, Change};
use yingji_store::sqlx_error::{self as sqlx, Any, Row, Transaction};
use yingji_store::Db;

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
    pub answer: Value,
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
    /// Starts the writer task; it ends when every handle is dropped.
    pub fn start(db: Db, config: FilingConfig) -> Self {
        let (queue, receiver) = mpsc::channel(config.queue.max(1));
        tokio::spawn(writer(db, receiver, config.max_batch.max(1)));
        Filing { queue }
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

async fn writer(db: Db, mut receiver: mpsc::Receiver<Pending>, max_batch: usize) {
    let mut group = Vec::with_capacity(max_batch);
    while receiver.recv_many(&mut group, max_batch).await > 0 {
        let (submissions, replies): (Vec<Submission>, Vec<_>) = group
            .drain(..)
            .map(|pending| (pending.submission, pending.done))
            .unzip();
        let outcomes = file_group(&db, &submissions).await;
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            // A submitter that went away (dropped connection) still had its report stored;
            // its retry gets the stored answer.
            let _ = reply.send(outcome);
        }
    }
}

/// Files the group in one transaction or, if the database refuses it, one by one.
async fn file_group(db: &Db, submissions: &[Submission]) -> Vec<ApiResult<Filed>> {
    let now = Utc::now();
    match file_in_one_transaction(db, submissions, now).await {
        Ok(outcomes) => outcomes,
        Err(error) if submissions.len() == 1 => {
            vec![answer_after_failure(db, &submissions[0], error).await]
        }
        Err(error) => {
            tracing::warn!(error = %error.message, reports = submissions.len(),
                "report batch failed; filing its reports one per transaction");
            let mut outcomes = Vec::with_capacity(submissions.len());
            for submission in submissions {
                let one = std::slice::from_ref(submission);
                outcomes.push(match file_in_one_transaction(db, one, now).await {
                    Ok(mut single) => single.pop().unwrap_or_else(|| Err(ApiError::internal())),
                    Err(error) => answer_after_failure(db, submission, error).await,
                });
            }
            outcomes
        }
    }
}

/// A report whose own transaction failed: another server on the same PostgreSQL may have
/// filed the same key first (our insert then violates its primary key); its answer is ours.
async fn answer_after_failure(
    db: &Db,
    submission: &Submission,
    error: ApiError,
) -> ApiResult<Filed> {
    let stored = async {
        let mut tx = db.writer.begin().await?;
        stored_keys(&mut tx, std::slice::from_ref(submission)).await
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
    submissions: &[Submission],
    now: DateTime<Utc>,
) -> ApiResult<Vec<ApiResult<Filed>>> {
    let mut tx = db.begin_write().await?;
    let mut batch = Batch {
        db,
        keys: stored_keys(&mut tx, submissions).await.map_err(db_error)?,
        ..Batch::default_for(db, now)
    };
    let mut outcomes = Vec::with_capacity(submissions.len());
    for submission in submissions {
        match batch.file(&mut tx, submission, now).await {
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
    answer: Value,
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
            answer: self.answer.clone(),
            fresh: None,
        })
    }
}

type ActorKey = (String, String);

/// The stored answers for the keys of these submissions, read inside the transaction in
/// a few statements: each is an OR of (actor, idem_key) pairs, every term a lookup on the
/// primary key, instead of one query per submitter.
async fn stored_keys(
    tx: &mut Transaction<'static, Any>,
    submissions: &[Submission],
) -> Result<HashMap<ActorKey, FirstAnswer>, sqlx::Error> {
    let pairs: Vec<(&str, &str)> = submissions
        .iter()
        .map(|s| (s.principal.username.as_str(), s.key.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut found = HashMap::new();
    for chunk in pairs.chunks(ROWS_PER_STATEMENT) {
        let terms: Vec<String> = (0..chunk.len())
            .map(|i| format!("(actor = ${} AND idem_key = ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "SELECT actor, idem_key, content_hash, status, response FROM inc_idempotency WHERE {}",
            terms.join(" OR ")
        );
        let mut query = sqlx::query(&sql);
        for (actor, key) in chunk {
            query = query.bind(*actor).bind(*key);
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
                    answer: serde_json::from_str(&response).unwrap_or(Value::Null),
                },
            );
        }
    }
    Ok(found)
}

/// A report's audit entry, written with the batch's others in one chain append.
struct ReportAudit {
    actor: Principal,
    report_id: String,
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

/// The state of one transaction: incidents as changed so far, the next timeline number of
/// each, and the rows to insert at the end.
struct Batch<'a> {
    db: &'a Db,
    keys: HashMap<ActorKey, FirstAnswer>,
    incidents: HashMap<String, Incident>,
    changed: BTreeSet<String>,
    next_seq: HashMap<String, i64>,
    reports: Vec<ReportRow>,
    timeline: Vec<TimelineEntry>,
    key_rows: Vec<KeyRow>,
    audits: Vec<ReportAudit>,
    at: DateTime<Utc>,
}

impl<'a> Batch<'a> {
    fn default_for(db: &'a Db, at: DateTime<Utc>) -> Self {
        Batch {
            db,
            keys: HashMap::new(),
            incidents: HashMap::new(),
            changed: BTreeSet::new(),
            next_seq: HashMap::new(),
            reports: Vec::new(),
            timeline: Vec::new(),
            key_rows: Vec::new(),
            audits: Vec::new(),
            at,
        }
    }

    /// Files one report; every refusal happens before anything of it is written.
    async fn file(
        &mut self,
        tx: &mut Transaction<'static, Any>,
        submission: &Submission,
        now: DateTime<Utc>,
    ) -> ApiResult<Filed> {
        let principal = &submission.principal;
        let actor_key = (principal.username.clone(), submission.key.clone());
        if let Some(first) = self.keys.get(&actor_key) {
            return first.answer_for(&submission.hash);
        }
        let report = &submission.report;
        let report_id = crate::new_id("rep");
        let mut entries = Vec::new();
        let (incident, opened) = match (&report.incident_id, &report.new_incident) {
            (Some(id), _) => (self.attachable(tx, principal, id, report).await?, false),
            (None, Some(new)) => {
                // Figures on a new incident cannot decrease; checked first all the same.
                figures_after(&Tally::default(), &report_id, report, now)?;
                let (incident, entry) =
                    incidents::insert(self.db, tx, principal, new.clone(), now).await?;
                self.next_seq.insert(incident.id.clone(), entry.seq + 1);
                entries.push(entry);
                (incident, true)
            }
            (None, None) => return Err(ApiError::internal()),
        };
        let figures = figures_after(&incident.figures, &report_id, report, now)?;
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
            self.next_seq(tx, &incident.id).await.map_err(db_error)?,
            TimelineKind::Report,
            principal,
            report_summary(report),
            json!({"report_id": report_id}),
            now,
        );
        let body = stored_report.to_string();
        self.audits.push(ReportAudit {
            actor: principal.clone(),
            report_id: report_id.clone(),
            after: body.clone(),
        });
        let answer = json!({"report": stored_report, "incident": incident, "opened": opened});
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
            response: answer.to_string(),
            at: now_text,
        });
        self.keys.insert(
            actor_key,
            FirstAnswer {
                hash: submission.hash.clone(),
                status,
                answer: answer.clone(),
            },
        );
        self.timeline.push(entry.clone());
        entries.push(entry);
        self.changed.insert(incident.id.clone());
        self.incidents.insert(incident.id.clone(), incident.clone());
        Ok(Filed {
            status,
            answer,
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
    async fn attachable(
        &mut self,
        tx: &mut Transaction<'static, Any>,
        principal: &Principal,
        id: &str,
        report: &ReportInput,
    ) -> ApiResult<Incident> {
        let what = format!("incident {id}");
        let incident = match self.incidents.get(id) {
            Some(incident) => incident.clone(),
            None => {
                let incident = incidents::load_for_update(self.db, tx, id)
                    .await?
                    .ok_or_else(|| ApiError::not_found(&what).field("incident_id"))?;
                self.incidents.insert(id.to_string(), incident.clone());
                incident
            }
        };
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
        Ok(incident)
    }

    async fn next_seq(
        &mut self,
        tx: &mut Transaction<'static, Any>,
        incident_id: &str,
    ) -> Result<i64, sqlx::Error> {
        let seq = match self.next_seq.get(incident_id) {
            Some(seq) => *seq,
            None => timeline::last_seq(tx, incident_id).await? + 1,
        };
        self.next_seq.insert(incident_id.to_string(), seq + 1);
        Ok(seq)
    }

    /// Writes the batch's rows: reports, timeline entries and idempotency rows a few
    /// hundred per statement, the reports' audit entries in one chain append, and each
    /// changed incident's figures once.
    async fn flush(&mut self, tx: &mut Transaction<'static, Any>) -> ApiResult<()> {
        self.insert_rows(tx).await.map_err(db_error)?;
        let changes: Vec<Change<'_>> = self
            .audits
            .iter()
            .map(|a| Change {
                actor: &a.actor,
                action: "report.file",
                entity: "report",
                entity_id: &a.report_id,
                before: None,
                after: Some(a.after.clone()),
                at: self.at,
            })
            .collect();
        audit::append_many(self.db, tx, &changes).await?;
        Ok(())
    }

    async fn insert_rows(&mut self, tx: &mut Transaction<'static, Any>) -> Result<(), sqlx::Error> {
        for chunk in self.reports.chunks(ROWS_PER_STATEMENT) {
            let sql = insert_sql(
                "inc_reports (id, incident_id, town_code, author, body, received_at, drill)",
                7,
                chunk.len(),
            );
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query
                    .bind(&row.id)
                    .bind(&row.incident_id)
                    .bind(&row.town_code)
                    .bind(&row.author)
                    .bind(&row.body)
                    .bind(&row.received_at)
                    .bind(&row.drill);
            }
            query.execute(&mut **tx).await?;
        }
        timeline::insert_many(tx, &self.timeline).await?;
        for chunk in self.key_rows.chunks(ROWS_PER_STATEMENT) {
            let sql = insert_sql(
                "inc_idempotency (actor, idem_key, content_hash, status, response, at)",
                6,
                chunk.len(),
            );
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query
                    .bind(&row.actor)
                    .bind(&row.key)
                    .bind(&row.hash)
                    .bind(row.status)
                    .bind(&row.response)
                    .bind(&row.at);
            }
            query.execute(&mut **tx).await?;
        }
        for id in &self.changed {
            let Some(incident) = self.incidents.get(id) else {
                continue;
            };
            let figures = serde_json::to_string(&incident.figures)
                .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            sqlx::query("UPDATE inc_incidents SET figures = $1, updated_at = $2 WHERE id = $3")
                .bind(figures)
                .bind(&incident.updated_at)
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
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
