//! Getting a published warning to people: channel adapters behind one trait, delivery
//! receipts, and retries with exponential backoff (coverage is computed from the receipts
//! in `coverage.rs`).
//!
//! Delivery runs in a background task after the publish transaction has committed; each
//! attempt's outcome is written in its own short transaction, never across a network call.

use async_trait::async_trait;
use chrono::Utc;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::Semaphore;
use yingji_cap::authoring::{WarningArea, NBS_GEOCODE};
use yingji_cap::model::Alert;

use crate::storage::store_to_sqlx;
use crate::CapState;

/// Whom a channel addresses: each village (SMS cell broadcast, loudspeakers), each town
/// (emergency broadcast), or nobody in particular (the web feed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Village,
    Town,
}

/// One addressee of a delivery.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryTarget {
    /// NBS code of the village or town.
    pub code: String,
    pub name: String,
    pub town_code: String,
    /// Residents reached if this delivery succeeds.
    pub people: u64,
}

/// What a channel sends.
#[derive(Debug, Clone, Serialize)]
pub struct OutgoingMessage {
    pub identifier: String,
    pub headline: String,
    pub text: String,
    pub cap_xml: String,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum DeliveryError {
    #[error("the channel answered HTTP {0}")]
    Status(u16),
    #[error("the channel could not be reached: {0}")]
    Transport(String),
}

/// A delivery channel. Implementations must be idempotent per (identifier, target): a
/// retry after a timeout may repeat a delivery that in fact went through.
#[async_trait]
pub trait Channel: Send + Sync {
    fn name(&self) -> &str;
    fn reach(&self) -> Reach;
    /// Delivers and returns the channel's receipt.
    async fn deliver(
        &self,
        message: &OutgoingMessage,
        target: &DeliveryTarget,
    ) -> Result<String, DeliveryError>;
}

/// A channel that is an HTTP endpoint taking one JSON POST per target: the SMS gateway
/// (`options.sms_gateway`), and emergency-broadcast or loudspeaker controllers.
pub struct HttpChannel {
    name: String,
    url: String,
    reach: Reach,
    client: reqwest::Client,
}

impl HttpChannel {
    pub fn new(name: &str, url: &str, reach: Reach, client: reqwest::Client) -> Self {
        HttpChannel {
            name: name.into(),
            url: url.into(),
            reach,
            client,
        }
    }
}

#[async_trait]
impl Channel for HttpChannel {
    fn name(&self) -> &str {
        &self.name
    }

    fn reach(&self) -> Reach {
        self.reach
    }

    async fn deliver(
        &self,
        message: &OutgoingMessage,
        target: &DeliveryTarget,
    ) -> Result<String, DeliveryError> {
        let body = serde_json::json!({
            "channel": self.name,
            "identifier": message.identifier,
            "target": target,
            "headline": message.headline,
            "text": message.text,
        });
        let response = self
            .client
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| DeliveryError::Transport(e.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(DeliveryError::Status(status.as_u16()));
        }
        let mut receipt = response
            .text()
            .await
            .map_err(|e| DeliveryError::Transport(e.to_string()))?;
        receipt.truncate(receipt.floor_char_boundary(1000));
        Ok(receipt)
    }
}

/// The library's areas back from a published alert (NBS geocodes and polygons).
fn areas_of(alert: &Alert) -> Vec<WarningArea> {
    alert
        .infos
        .iter()
        .take(1)
        .flat_map(|i| i.areas.iter())
        .map(|a| WarningArea {
            description: a.area_desc.clone(),
            nbs_codes: a
                .geocodes
                .iter()
                .filter(|g| g.value_name == NBS_GEOCODE)
                .map(|g| g.value.clone())
                .collect(),
            polygons: a.polygons.clone(),
        })
        .collect()
}

fn targets(state: &CapState, alert: &Alert, reach: Reach) -> Vec<DeliveryTarget> {
    let villages = state.gazetteer.villages_in(&areas_of(alert));
    match reach {
        Reach::Village => villages
            .into_iter()
            .map(|v| DeliveryTarget {
                code: v.code.clone(),
                name: v.name.clone(),
                town_code: v.town_code.clone(),
                people: v.population,
            })
            .collect(),
        Reach::Town => {
            let mut towns: BTreeMap<&str, u64> = BTreeMap::new();
            for v in villages {
                *towns.entry(&v.town_code).or_default() += v.population;
            }
            towns
                .into_iter()
                .map(|(code, people)| DeliveryTarget {
                    code: code.to_string(),
                    name: state
                        .gazetteer
                        .towns
                        .get(code)
                        .map(|t| t.name.clone())
                        .unwrap_or_default(),
                    town_code: code.to_string(),
                    people,
                })
                .collect()
        }
    }
}

fn outgoing(alert: &Alert, xml: &str) -> OutgoingMessage {
    let info = alert.infos.first();
    let text = |f: fn(&yingji_cap::model::Info) -> Option<&String>| {
        info.and_then(f).cloned().unwrap_or_default()
    };
    OutgoingMessage {
        identifier: alert.identifier.clone(),
        headline: text(|i| i.headline.as_ref()),
        text: format!(
            "{} {}",
            text(|i| i.description.as_ref()),
            text(|i| i.instruction.as_ref())
        )
        .trim()
        .to_string(),
        cap_xml: xml.to_string(),
    }
}

/// A delivery row to work on.
struct Job {
    id: String,
    channel: Arc<dyn Channel>,
    target: DeliveryTarget,
    attempts: u32,
    message: Arc<OutgoingMessage>,
}

/// Work queued by a publication, handed to [`spawn`] once the transaction has committed.
pub struct Deliveries(Vec<Job>);

/// Records the pending deliveries of a message inside the publishing transaction, so that
/// a published message always has its deliveries on record (and resumable after a crash).
pub async fn enqueue(
    state: &CapState,
    tx: &mut Transaction<'static, Any>,
    warning_id: &str,
    published: &yingji_cap::authoring::Published,
) -> Result<Deliveries, sqlx::Error> {
    let alert = &published.alert;
    let message = Arc::new(outgoing(alert, &published.xml));
    let now = yingji_domain::time::rfc3339(Utc::now());
    let mut jobs = Vec::new();
    let insert =
        "INSERT INTO cap_deliveries (id, warning_id, message_identifier, channel, target, \
         town_code, people, state, attempts, last_error, receipt, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,0,NULL,$9,$10)";
    // The web feed serves the message from the moment it is committed.
    sqlx::query(insert)
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(warning_id)
        .bind(&alert.identifier)
        .bind("web")
        .bind("feed")
        .bind(None::<String>)
        .bind(0_i64)
        .bind("delivered")
        .bind(Some(format!("/cap/alerts/{}.xml", alert.identifier)))
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    for channel in state.channels.iter() {
        for target in targets(state, alert, channel.reach()) {
            let id = uuid::Uuid::new_v4().to_string();
            sqlx::query(insert)
                .bind(&id)
                .bind(warning_id)
                .bind(&alert.identifier)
                .bind(channel.name())
                .bind(&target.code)
                .bind(Some(target.town_code.clone()))
                .bind(i64::try_from(target.people).unwrap_or(i64::MAX))
                .bind("pending")
                .bind(None::<String>)
                .bind(&now)
                .execute(&mut **tx)
                .await?;
            jobs.push(Job {
                id,
                channel: channel.clone(),
                target,
                attempts: 0,
                message: message.clone(),
            });
        }
    }
    Ok(Deliveries(jobs))
}

/// Works off committed deliveries in the background.
pub fn spawn(state: &CapState, deliveries: Deliveries) {
    tokio::spawn(run(state.clone(), deliveries.0));
}

/// Deliveries left pending by a previous process (killed mid-delivery) are resumed.
pub fn resume_pending(state: &CapState) {
    let state = state.clone();
    tokio::spawn(async move {
        match pending_jobs(&state).await {
            Ok(jobs) if !jobs.is_empty() => {
                tracing::info!(count = jobs.len(), "resuming pending deliveries");
                run(state, jobs).await;
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "cannot read pending deliveries"),
        }
    });
}

async fn pending_jobs(state: &CapState) -> Result<Vec<Job>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT d.id, d.channel, d.target, d.town_code, d.people, d.attempts, m.xml \
         FROM cap_deliveries d JOIN cap_messages m ON m.identifier = d.message_identifier \
         WHERE d.state = 'pending'",
    )
    .fetch_all(&state.app.store.db().reader)
    .await?;
    let mut messages: BTreeMap<String, Arc<OutgoingMessage>> = BTreeMap::new();
    let mut jobs = Vec::new();
    for row in rows {
        let channel_name: String = row.try_get(1)?;
        let Some(channel) = state.channels.iter().find(|c| c.name() == channel_name) else {
            continue;
        };
        let xml: String = row.try_get(6)?;
        let message = match messages.get(&xml) {
            Some(m) => m.clone(),
            None => {
                let report = yingji_cap::validate(xml.as_bytes(), &Default::default());
                let Some(alert) = report.valid_alerts().next() else {
                    continue;
                };
                let m = Arc::new(outgoing(alert, &xml));
                messages.insert(xml.clone(), m.clone());
                m
            }
        };
        let code: String = row.try_get(2)?;
        let people: i64 = row.try_get(4)?;
        let attempts: i64 = row.try_get(5)?;
        jobs.push(Job {
            id: row.try_get(0)?,
            channel: channel.clone(),
            target: DeliveryTarget {
                name: state
                    .gazetteer
                    .villages
                    .get(&code)
                    .map(|v| v.name.clone())
                    .unwrap_or_default(),
                code,
                town_code: row.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
                people: u64::try_from(people).unwrap_or(0),
            },
            attempts: u32::try_from(attempts).unwrap_or(0),
            message,
        });
    }
    Ok(jobs)
}

/// At most this many requests in flight per message, so a gateway is not flooded.
const PARALLEL_DELIVERIES: usize = 8;

async fn run(state: CapState, jobs: Vec<Job>) {
    let permits = Arc::new(Semaphore::new(PARALLEL_DELIVERIES));
    let mut tasks = tokio::task::JoinSet::new();
    for job in jobs {
        let (state, permits) = (state.clone(), permits.clone());
        tasks.spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return;
            };
            deliver_with_retries(&state, job).await;
        });
    }
    while tasks.join_next().await.is_some() {}
}

async fn deliver_with_retries(state: &CapState, mut job: Job) {
    let config = &state.config;
    let mut backoff = config.first_backoff;
    loop {
        job.attempts += 1;
        let outcome = job.channel.deliver(&job.message, &job.target).await;
        let (row_state, error, receipt) = match outcome {
            Ok(receipt) => ("delivered", None, Some(receipt)),
            Err(e) if job.attempts >= config.max_attempts => ("failed", Some(e.to_string()), None),
            Err(e) => ("pending", Some(e.to_string()), None),
        };
        if job.attempts > 1 {
            metrics::counter!("yingji_cap_delivery_retries_total", "channel" => job.channel.name().to_string())
                .increment(1);
        }
        if let Err(e) = record_attempt(state, &job, row_state, error.clone(), receipt).await {
            tracing::error!(error = %e, delivery = job.id, "cannot record a delivery attempt");
            return;
        }
        if row_state != "pending" {
            if let Some(error) = error {
                tracing::warn!(delivery = job.id, channel = job.channel.name(), target = job.target.code, %error, "delivery failed for good");
            }
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = backoff.saturating_mul(2);
    }
}

async fn record_attempt(
    state: &CapState,
    job: &Job,
    row_state: &str,
    error: Option<String>,
    receipt: Option<String>,
) -> Result<(), sqlx::Error> {
    let db = state.app.store.db();
    let mut tx = db.begin_write().await.map_err(store_to_sqlx)?;
    sqlx::query(
        "UPDATE cap_deliveries SET state = $1, attempts = $2, last_error = $3, \
         receipt = COALESCE($4, receipt), updated_at = $5 WHERE id = $6",
    )
    .bind(row_state)
    .bind(i64::from(job.attempts))
    .bind(error)
    .bind(receipt)
    .bind(yingji_domain::time::rfc3339(Utc::now()))
    .bind(&job.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
