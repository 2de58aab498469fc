//! Drill rows: created when a drill starts, its clock and log saved as it plays, every change
//! of state written with its audit entry in one transaction.

use chrono::{DateTime, Utc};
use serde::Serialize;
use yingji_domain::time::rfc3339;
use yingji_domain::Principal;
use yingji_drill::duration::Secs;
use yingji_drill::DrillEvent;
use yingji_store::audit::{append, Change};
use yingji_store::sqlx_error::{self as sqlx, Row};
use yingji_store::{Db, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DrillState {
    Running,
    Paused,
    Stopped,
    Finished,
}

impl DrillState {
    pub fn tag(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Stopped => "stopped",
            Self::Finished => "finished",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        [Self::Running, Self::Paused, Self::Stopped, Self::Finished]
            .into_iter()
            .find(|s| s.tag() == raw)
    }

    pub fn is_over(self) -> bool {
        matches!(self, Self::Stopped | Self::Finished)
    }
}

/// A drill as stored and served.
#[derive(Debug, Clone, Serialize)]
pub struct Drill {
    pub id: String,
    pub scenario_id: String,
    pub title: String,
    /// The scenario file as played.
    #[serde(skip)]
    pub scenario: String,
    pub speed: f64,
    pub autorespond: bool,
    pub state: DrillState,
    /// The account the drill acts as; its reports, observations and closures carry it.
    pub account: String,
    /// Scenario seconds reached.
    pub clock_s: i64,
    #[serde(skip)]
    pub events: Vec<DrillEvent>,
    pub started_by: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub updated_at: String,
    /// Drill data is synthetic, always.
    pub synthetic: bool,
}

const COLUMNS: &str = "id, scenario_id, title, scenario, speed, autorespond, state, account, clock_s, events, started_by, started_at, ended_at, updated_at";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("drills: {what}"))
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<Drill, StoreError> {
    let state: String = row.try_get(6)?;
    let events: String = row.try_get(9)?;
    let autorespond: i64 = row.try_get(5)?;
    Ok(Drill {
        id: row.try_get(0)?,
        scenario_id: row.try_get(1)?,
        title: row.try_get(2)?,
        scenario: row.try_get(3)?,
        speed: row.try_get(4)?,
        autorespond: autorespond != 0,
        state: DrillState::parse(&state).ok_or_else(|| corrupt("unknown state"))?,
        account: row.try_get(7)?,
        clock_s: row.try_get(8)?,
        events: serde_json::from_str(&events).map_err(|_| corrupt("event log"))?,
        started_by: row.try_get(10)?,
        started_at: row.try_get(11)?,
        ended_at: row.try_get(12)?,
        updated_at: row.try_get(13)?,
        synthetic: true,
    })
}

fn summary(drill: &Drill) -> Option<String> {
    serde_json::to_string(drill).ok()
}

pub async fn insert(db: &Db, actor: &Principal, drill: &Drill) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    sqlx::query(&format!(
        "INSERT INTO drills ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(&drill.id)
    .bind(&drill.scenario_id)
    .bind(&drill.title)
    .bind(&drill.scenario)
    .bind(drill.speed)
    .bind(i64::from(drill.autorespond))
    .bind(drill.state.tag())
    .bind(&drill.account)
    .bind(drill.clock_s)
    .bind("[]")
    .bind(&drill.started_by)
    .bind(&drill.started_at)
    .bind(&drill.ended_at)
    .bind(&drill.updated_at)
    .execute(&mut *tx)
    .await?;
    append(
        db,
        &mut tx,
        Change {
            actor,
            action: "drill.start",
            entity: "drill",
            entity_id: &drill.id,
            before: None,
            after: summary(drill),
            at: Utc::now(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Saves the clock and the log as the drill plays (progress, not a change of state: not
/// audited; the state changes around it are).
pub async fn save_progress(
    db: &Db,
    id: &str,
    clock: Secs,
    events: &[DrillEvent],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let log = serde_json::to_string(events).map_err(|_| corrupt("event log"))?;
    sqlx::query("UPDATE drills SET clock_s = $1, events = $2, updated_at = $3 WHERE id = $4")
        .bind(clock.0)
        .bind(log)
        .bind(rfc3339(now))
        .bind(id)
        .execute(&db.writer)
        .await?;
    Ok(())
}

/// Moves a drill to a new state, with its audit entry. Refuses (returns the current state)
/// when the drill is already over.
pub async fn set_state(
    db: &Db,
    actor: &Principal,
    id: &str,
    state: DrillState,
    now: DateTime<Utc>,
) -> Result<Result<Drill, DrillState>, StoreError> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM drills WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            kind: "drill".into(),
            id: id.into(),
        })?;
    let before = from_row(&row)?;
    if before.state.is_over() {
        return Ok(Err(before.state));
    }
    let ended = state.is_over().then(|| rfc3339(now));
    sqlx::query("UPDATE drills SET state = $1, ended_at = $2, updated_at = $3 WHERE id = $4")
        .bind(state.tag())
        .bind(&ended)
        .bind(rfc3339(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let after = Drill {
        state,
        ended_at: ended,
        updated_at: rfc3339(now),
        ..before.clone()
    };
    append(
        db,
        &mut tx,
        Change {
            actor,
            action: &format!("drill.{}", state.tag()),
            entity: "drill",
            entity_id: id,
            before: summary(&before),
            after: summary(&after),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(after))
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Drill>, StoreError> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM drills WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.reader)
        .await?
        .map(|row| from_row(&row))
        .transpose()
}

pub async fn list(db: &Db) -> Result<Vec<Drill>, StoreError> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM drills ORDER BY started_at DESC LIMIT 200"
    ))
    .fetch_all(&db.reader)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Drills left running or paused by a process that ended: they cannot resume (their engine
/// is gone), so they are marked stopped at the next start.
pub async fn stop_orphans(db: &Db) -> Result<(), StoreError> {
    let system = Principal::system("drill");
    for drill in list(db).await?.into_iter().filter(|d| !d.state.is_over()) {
        // Already over (a concurrent stop) is as good as stopped.
        let _already_over =
            set_state(db, &system, &drill.id, DrillState::Stopped, Utc::now()).await?;
    }
    Ok(())
}
