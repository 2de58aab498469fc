//! yingji-drill-api: drills (演练) on the server.
//!
//! * [`engine`]: replays a scenario (yingji-drill) into this very server over its own HTTP
//!   API — SensorThings observations, field reports, road closures, team status — in
//!   accelerated time, signed in as an account made for the drill, and logs what the
//!   platform does in response.
//! * [`records`]: the `drills` table (state, scenario clock, event log), audited.
//! * [`http`]: `/api/v1/drills` — start, list, pause, resume, stop — and the after-action
//!   report page.
//!
//! * [`shadows`]: the drill's own sensors, stand-ins for the county datastreams it plays.
//!
//! Drill data is marked and kept apart: observations go to the drill's shadow datastreams
//! (never the county's), where copies of the rules in force judge them on the scenario's
//! clock, and the warnings and faults they raise carry the drill's id; field reports carry
//! `"drill": <id>` (their incidents inherit it); every request is made by the drill's own
//! account (named after the drill); closures and report texts say 演练.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod client;
pub mod clock;
pub mod engine;
mod http;
pub mod records;
pub mod report;
mod schema;
pub mod shadows;
mod sites;

use engine::{Control, Engine, Progress};
use records::{Drill, DrillState};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::watch;
use yingji_domain::{Jurisdiction, Principal, Role};
use yingji_drill::{Scenario, StepAction};
use yingji_server::error::ApiError;
use yingji_server::{AppState, Module};
use yingji_store::NewUser;

#[derive(Debug, thiserror::Error)]
pub enum MountError {
    #[error("store: {0}")]
    Store(#[from] yingji_store::StoreError),
}

/// Fastest replay accepted: one scenario day in under nine seconds.
pub const MAX_SPEED: f64 = 10_000.0;

struct Running {
    control: watch::Sender<Control>,
    progress: watch::Receiver<Progress>,
}

/// The drills of this server: a handle for the HTTP layer and for the CLI (`yingji demo`).
#[derive(Clone)]
pub struct Drills {
    app: AppState,
    running: Arc<Mutex<HashMap<String, Running>>>,
    self_url: Arc<OnceLock<String>>,
}

impl axum::extract::FromRef<Drills> for AppState {
    fn from_ref(drills: &Drills) -> AppState {
        drills.app.clone()
    }
}

/// Creates or upgrades the drills table (the CLI reads drills without mounting the module).
pub async fn migrate(db: &yingji_store::Db) -> Result<(), yingji_store::StoreError> {
    yingji_store::migrations::apply(db, schema::MIGRATIONS).await
}

/// Builds the module and its handle. Drills left running by an earlier process are marked
/// stopped: their engine went with that process.
pub async fn mount(app: &AppState) -> Result<(Module, Drills), MountError> {
    migrate(app.store.db()).await?;
    records::stop_orphans(app.store.db()).await?;
    let drills = Drills {
        app: app.clone(),
        running: Arc::new(Mutex::new(HashMap::new())),
        self_url: Arc::new(OnceLock::new()),
    };
    let module = Module {
        routes: http::router().with_state(drills.clone()),
        openapi: http::openapi(),
    };
    Ok((module, drills))
}

impl Drills {
    /// Where the engine reaches this server (`http://127.0.0.1:8080`); known once it listens.
    pub fn set_self_url(&self, url: &str) {
        let _ = self.self_url.set(url.trim_end_matches('/').to_string());
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<String, Running>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The live progress of a drill this process is playing.
    pub fn progress(&self, id: &str) -> Option<watch::Receiver<Progress>> {
        self.running().get(id).map(|r| r.progress.clone())
    }

    /// Starts a drill: checks the scenario, makes the drill's account, lays the scenario over
    /// the county's sensors and the rules in force, records the drill and sets it playing.
    pub async fn start(
        &self,
        actor: &Principal,
        scenario_text: &str,
        speed: f64,
        autorespond: bool,
    ) -> Result<Drill, ApiError> {
        let scenario = Scenario::parse(scenario_text).map_err(|e| {
            ApiError::new("invalid_value", format!("scenario: {e}")).field("scenario")
        })?;
        if !(speed.is_finite() && speed > 0.0 && speed <= MAX_SPEED) {
            return Err(ApiError::new(
                "invalid_value",
                format!("speed must be above 0 and at most {MAX_SPEED}"),
            )
            .field("speed"));
        }
        let base = self.self_url.get().cloned().ok_or_else(|| {
            ApiError::new(
                "unavailable",
                "the server does not know its own address yet",
            )
        })?;
        let id = format!("drill-{:016x}", rand::random::<u64>());
        let password = format!("{:032x}", rand::random::<u128>());
        self.create_account(&id, &password).await?;
        let target = client::Target::sign_in(&base, &id, &password)
            .await
            .map_err(|e| engine_error("sign in", e))?;
        let datastreams = target
            .datastreams()
            .await
            .map_err(|e| engine_error("datastreams", e))?;
        let rules = target.rules().await.map_err(|e| engine_error("rules", e))?;
        let sites = sites::sensors(self.app.store.as_ref()).await?;
        let watches = sites::watches(&rules, &datastreams);
        let plan = yingji_drill::plan(&scenario, &sites, &watches).map_err(|e| {
            ApiError::new("invalid_value", format!("scenario: {e}")).field("scenario")
        })?;
        let played: BTreeSet<i64> = plan
            .steps
            .iter()
            .filter_map(|step| match &step.action {
                StepAction::Observe { datastream, .. } => datastreams.get(datastream).copied(),
                _ => None,
            })
            .collect();
        let shadows = shadows::create(&target, &id, &played)
            .await
            .map_err(|e| engine_error("drill sensors", e))?;
        let feeds: HashMap<String, i64> = datastreams
            .iter()
            .filter_map(|(record, county)| Some((record.clone(), *shadows.get(county)?)))
            .collect();
        let now = chrono::Utc::now();
        let stamp = yingji_domain::time::rfc3339(now);
        let drill = Drill {
            id: id.clone(),
            scenario_id: scenario.scenario.id.clone(),
            title: scenario.scenario.title.clone(),
            scenario: scenario_text.to_string(),
            speed,
            autorespond,
            state: DrillState::Running,
            account: id.clone(),
            clock_s: 0,
            events: Vec::new(),
            started_by: actor.username.clone(),
            started_at: stamp.clone(),
            ended_at: None,
            updated_at: stamp,
            synthetic: true,
        };
        let db = self.app.store.db().clone();
        records::insert(&db, actor, &drill).await?;
        let engine = Engine::new(
            id.clone(),
            target,
            scenario,
            plan,
            feeds,
            speed,
            autorespond,
            db,
            now,
        );
        let (control, control_rx) = watch::channel(Control::Run);
        let (progress_tx, progress) = watch::channel(Progress::default());
        self.running().insert(id, Running { control, progress });
        tokio::spawn(engine.run(control_rx, progress_tx));
        Ok(drill)
    }

    /// The drill's own account: it feeds sensors, files reports and acts as duty officer
    /// (closures, team status, the simulated responders), district-wide.
    async fn create_account(&self, id: &str, password: &str) -> Result<(), ApiError> {
        let password = password.to_string();
        let hash =
            tokio::task::spawn_blocking(move || yingji_server::auth::hash_password(&password))
                .await
                .map_err(|_| ApiError::internal())?
                .map_err(|_| ApiError::internal())?;
        let user = NewUser {
            id: format!("user-{id}"),
            username: id.to_string(),
            display_name: format!("演练账户 drill account {id}"),
            password_hash: hash,
            roles: vec![Role::SensorFeeder, Role::InfoOfficer, Role::DutyOfficer],
            jurisdiction: Jurisdiction::District,
        };
        self.app
            .store
            .create_user(&Principal::system("drill"), user, chrono::Utc::now())
            .await?;
        Ok(())
    }

    /// Pauses, resumes or stops a drill, recording the change (audited) first.
    pub async fn control(
        &self,
        actor: &Principal,
        id: &str,
        wanted: Control,
    ) -> Result<Drill, ApiError> {
        let state = match wanted {
            Control::Run => DrillState::Running,
            Control::Pause => DrillState::Paused,
            Control::Stop => DrillState::Stopped,
        };
        let db = self.app.store.db();
        let drill = records::get(db, id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("drill {id}")))?;
        let allowed = matches!(
            (drill.state, wanted),
            (DrillState::Running, Control::Pause | Control::Stop)
                | (DrillState::Paused, Control::Run | Control::Stop)
        );
        if !allowed {
            return Err(ApiError::new(
                "wrong_state",
                format!(
                    "drill {id} is {}; it cannot go to {}",
                    drill.state.tag(),
                    state.tag()
                ),
            ));
        }
        let changed = records::set_state(db, actor, id, state, chrono::Utc::now())
            .await?
            .map_err(|now| {
                ApiError::new(
                    "wrong_state",
                    format!("drill {id} is already {}", now.tag()),
                )
            })?;
        let mut running = self.running();
        if let Some(r) = running.get(id) {
            r.control.send_replace(wanted);
        }
        if wanted == Control::Stop {
            running.remove(id);
        }
        Ok(changed)
    }
}

fn engine_error(what: &str, e: client::ClientError) -> ApiError {
    tracing::error!(error = %e, "drill engine cannot reach the server: {what}");
    ApiError::new(
        "unavailable",
        format!("the drill engine cannot reach the server ({what})"),
    )
}
