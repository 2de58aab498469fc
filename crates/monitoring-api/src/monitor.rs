//! The rule engine inside the server: fed every committed observation, ticked in the
//! background, its signals turned into persisted warnings (with history and audit entries)
//! and live events for the town of the sensor.

use crate::drills::Drills;
use crate::ingest::Committed;
use crate::sta::model::Entities;
use crate::MonitoringState;
use crate::MountError;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;
use tokio::sync::mpsc;
use yingji_domain::{Principal, TownCode};
use yingji_monitoring::lifecycle::{Applied, Warning, WarningBook, WarningId};
use yingji_monitoring::{Engine, Event, Rule, RuleId, Signal, Subject};
use yingji_store::audit::{append, Change};
use yingji_store::sqlx_error as sqlx;
use yingji_store::sqlx_error::Row;
use yingji_store::StoreError;

/// How often the engine hears the clock (silence, windows, escalations) and is snapshotted.
pub const TICK: std::time::Duration = std::time::Duration::from_secs(30);
/// Unacknowledged warnings escalate after this, unless `YINGJI_WARNING_ACK_MINUTES` says otherwise.
pub const DEFAULT_ACK_MINUTES: i64 = 15;

/// Where a rule's subject lies: its town (None = district-wide), whether it is public, and
/// for a datastream the dataset record of its sensor (the map draws the warning there).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Place {
    pub town: Option<TownCode>,
    pub public: bool,
    pub sensor: Option<String>,
}

impl Place {
    /// The place of a stored warning: its stored town and visibility, its sensor from the
    /// subject (`datastream:<id>`).
    pub fn stored(
        town: Option<TownCode>,
        public: bool,
        subject: &Subject,
        entities: &Entities,
    ) -> Self {
        Place {
            town,
            public,
            sensor: subject_datastream(subject).and_then(|ds| entities.record_of(ds)),
        }
    }
}

fn subject_datastream(subject: &Subject) -> Option<i64> {
    subject.0.strip_prefix("datastream:")?.parse().ok()
}

#[derive(Default)]
pub struct Monitor {
    pub engine: Engine,
    pub book: WarningBook,
    pub ack_deadline: Duration,
    /// Rule id → where its warnings belong.
    places: HashMap<RuleId, Place>,
    /// Hazard points and stations by record id, for subjects that are not datastreams.
    record_towns: HashMap<String, Place>,
    /// The rules of running drills, each on its own clock.
    pub drills: Drills,
    /// A drill not heard from for this long is over (`crate::drills::IDLE`).
    pub drill_idle: std::time::Duration,
}

impl Monitor {
    pub async fn load(state: &MonitoringState) -> Result<Self, MountError> {
        let db = state.app.store.db();
        let mut rules = stored_rules(state).await?;
        if rules.is_empty() {
            rules = crate::seed::default_rules(state).await?;
            let system = Principal::system("monitoring");
            let mut tx = db.begin_write().await?;
            for rule in &rules {
                insert_rule(&mut tx, rule, &system.username).await?;
            }
            append(
                db,
                &mut tx,
                Change {
                    actor: &system,
                    action: "rules.defaults",
                    entity: "rule",
                    entity_id: "*",
                    before: None,
                    after: Some(json!({"rules": rules.len()}).to_string()),
                    at: Utc::now(),
                },
            )
            .await?;
            tx.commit().await?;
        }
        let snapshot = sqlx::query("SELECT body FROM mon_snapshot WHERE id = 1")
            .fetch_optional(&db.reader)
            .await?;
        let mut engine = match snapshot.map(|r| r.try_get::<String, _>(0)).transpose()? {
            Some(body) => match serde_json::from_str(&body).map(Engine::restore) {
                Ok(Ok(engine)) => engine,
                _ => {
                    tracing::warn!("stored engine snapshot unusable; starting from the rules");
                    Engine::with_rules(rules.clone())?
                }
            },
            None => Engine::with_rules(rules.clone())?,
        };
        for rule in &rules {
            if engine
                .rule(&rule.id)
                .is_none_or(|r| r.version < rule.version)
            {
                let _closing = engine.upsert(rule.clone(), Utc::now())?;
            }
        }
        let rows = sqlx::query("SELECT body FROM mon_warnings WHERE state <> 'lifted'")
            .fetch_all(&db.reader)
            .await?;
        let mut open = Vec::new();
        for row in rows {
            let body: String = row.try_get(0)?;
            open.push(
                serde_json::from_str::<Warning>(&body).map_err(|e| MountError::Corrupt {
                    what: "warning".into(),
                    reason: e.to_string(),
                })?,
            );
        }
        let next: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM mon_warnings")
            .fetch_one(&db.reader)
            .await?
            .try_get(0)?;
        let mut record_towns = HashMap::new();
        for kind in [
            yingji_domain::RecordKind::HazardPoint,
            yingji_domain::RecordKind::Sensor,
        ] {
            for r in state
                .app
                .store
                .list_records(&yingji_store::RecordFilter::all(kind))
                .await?
            {
                record_towns.insert(
                    r.id.to_string(),
                    Place {
                        town: r.town_code.clone(),
                        public: r.is_public(),
                        sensor: (kind == yingji_domain::RecordKind::Sensor)
                            .then(|| r.id.to_string()),
                    },
                );
            }
        }
        let minutes = std::env::var("YINGJI_WARNING_ACK_MINUTES")
            .ok()
            .and_then(|m| m.parse().ok())
            .unwrap_or(DEFAULT_ACK_MINUTES);
        let mut monitor = Monitor {
            engine,
            book: WarningBook::new(open, next as u64 + 1),
            ack_deadline: Duration::minutes(minutes),
            places: HashMap::new(),
            record_towns,
            drills: Drills::default(),
            drill_idle: crate::drills::IDLE,
        };
        monitor.place_rules(&state.entities_read());
        Ok(monitor)
    }

    pub fn place_rules(&mut self, entities: &Entities) {
        let rules: Vec<Rule> = self.engine.rules().cloned().collect();
        for rule in rules {
            let place = self.place_of(&rule, entities);
            self.places.insert(rule.id.clone(), place);
        }
    }

    fn place_of(&self, rule: &Rule, entities: &Entities) -> Place {
        let subject = &rule.subject.0;
        let from_record = subject
            .split_once(':')
            .and_then(|(_, id)| self.record_towns.get(id));
        if let Some(place) = from_record {
            return place.clone();
        }
        rule.datastreams()
            .first()
            .and_then(|ds| entities.stream(ds.0 as i64))
            .map(|s| Place {
                town: s.town,
                public: s.public,
                sensor: subject_datastream(&rule.subject).and_then(|ds| entities.record_of(ds)),
            })
            .unwrap_or_default()
    }

    /// Feeds a committed batch: county observations to the county's engine, a drill's to
    /// the drill's (restamped at `now`, see `crate::drills`).
    pub fn ingest(
        &mut self,
        batch: &[Committed],
        entities: &Entities,
        now: DateTime<Utc>,
        out: &mut Vec<Signal>,
    ) {
        let mut drill_signals = Vec::new();
        for c in batch {
            let observation = &c.row.observation;
            let Some(shadow) = entities.shadow(observation.datastream().0 as i64) else {
                self.engine.ingest_into(observation, out);
                continue;
            };
            let copies = self.drills.ingest(
                shadow,
                observation,
                &self.engine,
                entities,
                &mut drill_signals,
            );
            for copy in copies {
                let place = self.place_of(&copy, entities);
                self.places.insert(copy.id, place);
            }
        }
        self.drills.tick_fed(&mut drill_signals);
        out.extend(drill_signals.into_iter().map(|s| Signal { at: now, ..s }));
    }

    pub fn place(&self, rule: &RuleId) -> Place {
        self.places.get(rule).cloned().unwrap_or_default()
    }
}

async fn stored_rules(state: &MonitoringState) -> Result<Vec<Rule>, MountError> {
    let rows = sqlx::query("SELECT id, version, body FROM mon_rules ORDER BY id, version")
        .fetch_all(&state.app.store.db().reader)
        .await?;
    let mut latest: HashMap<String, Rule> = HashMap::new();
    for row in rows {
        let body: String = row.try_get(2)?;
        let rule: Rule = serde_json::from_str(&body).map_err(|e| MountError::Corrupt {
            what: "rule".into(),
            reason: e.to_string(),
        })?;
        latest.insert(rule.id.as_str().to_string(), rule);
    }
    let mut rules: Vec<Rule> = latest.into_values().collect();
    rules.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    Ok(rules)
}

pub async fn insert_rule(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    rule: &Rule,
    by: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO mon_rules (id, version, body, created_at, created_by) VALUES ($1, $2, $3, $4, $5)")
        .bind(rule.id.as_str())
        .bind(rule.version as i64)
        .bind(serde_json::to_string(rule).unwrap_or_default())
        .bind(yingji_domain::time::rfc3339(Utc::now()))
        .bind(by)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The engine task: every committed batch, in commit order.
pub async fn run(state: MonitoringState, mut committed: mpsc::Receiver<Vec<Committed>>) {
    let mut signals = Vec::new();
    while let Some(batch) = committed.recv().await {
        {
            let mut monitor = state.monitor.lock().await;
            monitor.ingest(&batch, &state.entities_read(), Utc::now(), &mut signals);
        }
        publish_observations(&state, &batch);
        if !signals.is_empty() {
            let taken = std::mem::take(&mut signals);
            if let Err(e) = apply_signals(&state, taken).await {
                tracing::error!(error = %e, "warnings not persisted");
            }
        }
    }
}

fn publish_observations(state: &MonitoringState, batch: &[Committed]) {
    // Building one event per row is most of a large batch's cost; skip it when no client
    // is listening.
    if !state.app.events.observations_watched() {
        return;
    }
    let entities = state.entities_read();
    for c in batch {
        let o = &c.row.observation;
        let Some(stream) = entities.stream(o.datastream().0 as i64) else {
            continue;
        };
        state.app.events.publish(
            "observation",
            stream.town,
            stream.public,
            json!({"id": c.id, "datastream": o.datastream().0, "phenomenonTime": yingji_domain::time::rfc3339(o.phenomenon_time()), "result": o.result()}),
        );
    }
}

/// Applies engine signals to the warning book, persists what changed and broadcasts it.
pub async fn apply_signals(
    state: &MonitoringState,
    signals: Vec<Signal>,
) -> Result<(), StoreError> {
    let system = Principal::system("monitoring");
    let mut monitor = state.monitor.lock().await;
    let db = state.app.store.db();
    let mut tx = db.begin_write().await?;
    let mut events = Vec::new();
    for signal in &signals {
        let place = monitor.place(&signal.rule);
        match monitor.book.apply(signal) {
            Ok(Applied::Open(id)) => {
                if let Some(w) = monitor.book.get(id).cloned() {
                    save_warning(db, &mut tx, &w, &place, &system, "warning.signal").await?;
                    events.push(("warning", place, warning_json(&w, &monitor.place(&w.rule))));
                }
            }
            Ok(Applied::Closed(w)) => {
                save_warning(db, &mut tx, &w, &place, &system, "warning.lifted").await?;
                events.push(("warning", place, warning_json(&w, &monitor.place(&w.rule))));
            }
            Ok(Applied::Fault) => {
                save_fault(&mut tx, signal, &place).await?;
                // `sensor_id` names the county sensor (a drill's shadow stands in for one)
                // and `drill` says whose fault it is, so a console can tell a drill's
                // silence from a real sensor going quiet.
                events.push((
                    "fault",
                    place.clone(),
                    json!({"rule": signal.rule, "subject": signal.subject,
                    "at": signal.at, "event": signal.event, "town_code": place.town,
                    "sensor_id": place.sensor, "drill": signal.rule.drill()}),
                ));
            }
            Err(e) => {
                tracing::warn!(error = %e, rule = %signal.rule.as_str(), "signal does not fit the warning book")
            }
        }
    }
    tx.commit().await?;
    drop(monitor);
    for (kind, place, data) in events {
        state
            .app
            .events
            .publish(kind, place.town, place.public, data);
    }
    Ok(())
}

pub fn warning_json(w: &Warning, place: &Place) -> Value {
    let mut v = serde_json::to_value(w).unwrap_or(Value::Null);
    v["town_code"] = json!(place.town);
    v["drill"] = json!(w.rule.drill());
    if let Some(sensor) = &place.sensor {
        v["sensor_id"] = json!(sensor);
    }
    v["public"] = json!(place.public);
    v
}

pub async fn save_warning(
    db: &yingji_store::Db,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    w: &Warning,
    place: &Place,
    actor: &Principal,
    action: &str,
) -> Result<(), StoreError> {
    let body = serde_json::to_string(w).unwrap_or_default();
    let state = serde_json::to_value(w.state)
        .ok()
        .and_then(|s| s.as_str().map(str::to_string))
        .unwrap_or_default();
    let level = serde_json::to_value(w.level)
        .ok()
        .and_then(|s| s.as_str().map(str::to_string))
        .unwrap_or_default();
    let before = sqlx::query("SELECT body FROM mon_warnings WHERE id = $1")
        .bind(w.id.0 as i64)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get::<String, _>(0))
        .transpose()?;
    let stored_steps: i64 =
        sqlx::query("SELECT COUNT(*) FROM mon_warning_steps WHERE warning_id = $1")
            .bind(w.id.0 as i64)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
    sqlx::query("DELETE FROM mon_warnings WHERE id = $1")
        .bind(w.id.0 as i64)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO mon_warnings (id, rule_id, subject, town_code, public, state, level, body, updated_at, drill) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)")
        .bind(w.id.0 as i64)
        .bind(w.rule.as_str())
        .bind(w.subject.0.as_str())
        .bind(place.town.as_ref().map(|t| t.to_string()))
        .bind(place.public as i64)
        .bind(state)
        .bind(level)
        .bind(body.clone())
        .bind(yingji_domain::time::rfc3339(Utc::now()))
        .bind(w.rule.drill())
        .execute(&mut **tx)
        .await?;
    for (seq, step) in w.history.iter().enumerate().skip(stored_steps as usize) {
        sqlx::query(
            "INSERT INTO mon_warning_steps (warning_id, seq, at, body) VALUES ($1, $2, $3, $4)",
        )
        .bind(w.id.0 as i64)
        .bind(seq as i64)
        .bind(yingji_domain::time::rfc3339(step.at))
        .bind(serde_json::to_string(step).unwrap_or_default())
        .execute(&mut **tx)
        .await?;
    }
    append(
        db,
        tx,
        Change {
            actor,
            action,
            entity: "warning",
            entity_id: &w.id.to_string(),
            before,
            after: Some(body),
            at: Utc::now(),
        },
    )
    .await?;
    Ok(())
}

async fn save_fault(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    signal: &Signal,
    place: &Place,
) -> Result<(), StoreError> {
    let at = yingji_domain::time::rfc3339(signal.at);
    match &signal.event {
        Event::FaultRaised { fault, value } => {
            sqlx::query("INSERT INTO mon_faults (rule_id, subject, fault, town_code, raised_at, value, drill) VALUES ($1,$2,$3,$4,$5,$6,$7)")
                .bind(signal.rule.as_str())
                .bind(signal.subject.0.as_str())
                .bind(serde_json::to_value(fault).ok().and_then(|f| f.as_str().map(str::to_string)).unwrap_or_default())
                .bind(place.town.as_ref().map(|t| t.to_string()))
                .bind(at)
                .bind(*value)
                .bind(signal.rule.drill())
                .execute(&mut **tx)
                .await?;
        }
        _ => {
            sqlx::query(
                "UPDATE mon_faults SET cleared_at = $1 WHERE rule_id = $2 AND cleared_at IS NULL",
            )
            .bind(at)
            .bind(signal.rule.as_str())
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// One pass of the clock: time-driven signals, overdue escalations, a snapshot.
pub async fn tick(state: &MonitoringState, now: DateTime<Utc>) -> Result<(), StoreError> {
    let signals = {
        let mut monitor = state.monitor.lock().await;
        let mut signals = monitor.engine.tick(now);
        let idle = monitor.drill_idle;
        signals.extend(monitor.drills.retire_idle(now, idle));
        signals
    };
    if !signals.is_empty() {
        apply_signals(state, signals).await?;
    }
    let system = Principal::system("monitoring");
    let db = state.app.store.db();
    let mut monitor = state.monitor.lock().await;
    let due: Vec<WarningId> = monitor.book.due_escalations(now, monitor.ack_deadline);
    let mut events = Vec::new();
    let snapshot = serde_json::to_string(&monitor.engine.snapshot()).unwrap_or_default();
    let mut tx = db.begin_write().await?;
    // Warnings of drills no longer running (retired above, or cut short by a restart, which
    // keeps no drill engine) close with them.
    let ended: Vec<WarningId> = monitor
        .book
        .open()
        .iter()
        .filter(|w| {
            w.rule
                .drill()
                .is_some_and(|d| !monitor.drills.is_running(d))
        })
        .map(|w| w.id)
        .collect();
    for id in ended {
        if let Ok(w) = monitor.book.lift(id, "drill", now) {
            let place = monitor.place(&w.rule);
            save_warning(db, &mut tx, &w, &place, &system, "warning.drill_ended").await?;
            events.push((place.clone(), warning_json(&w, &place)));
        }
    }
    for id in due {
        if monitor.book.escalate_overdue(id, now).is_ok() {
            if let Some(w) = monitor.book.get(id).cloned() {
                let place = monitor.place(&w.rule);
                save_warning(db, &mut tx, &w, &place, &system, "warning.overdue").await?;
                events.push((place.clone(), warning_json(&w, &place)));
            }
        }
    }
    sqlx::query("DELETE FROM mon_snapshot WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO mon_snapshot (id, body, saved_at) VALUES (1, $1, $2)")
        .bind(snapshot)
        .bind(yingji_domain::time::rfc3339(now))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    drop(monitor);
    for (place, data) in events {
        state
            .app
            .events
            .publish("warning", place.town, place.public, data);
    }
    Ok(())
}

pub async fn ticker(state: MonitoringState) {
    let mut interval = tokio::time::interval(TICK);
    interval.tick().await;
    loop {
        interval.tick().await;
        if let Err(e) = tick(&state, Utc::now()).await {
            tracing::error!(error = %e, "monitoring tick failed");
        }
    }
}
