//! The engine: plays a planned scenario into a running yingji in accelerated time, through
//! the same HTTP paths sensors, officers and teams use, and keeps the drill's event log by
//! watching what the platform does (warnings, incidents, orders).
//!
//! With `autorespond`, simulated responders stand in for people — they acknowledge
//! warnings, dispatch the best-ranked team of each needed type and report arrival after the
//! routed travel time — so a headless or demo run shows the whole chain. In a real drill
//! people do that, and the log measures them.

use crate::client::{ClientError, Target};
use crate::clock::Clock;
use crate::records::{self, DrillState};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;
use tokio::sync::watch;
use yingji_domain::Principal;
use yingji_drill::duration::Secs;
use yingji_drill::plan::Plan;
use yingji_drill::scenario::{Closure, FieldReport, Responder, TeamChange};
use yingji_drill::{DrillEvent, EventKind, Scenario, StepAction};
use yingji_store::Db;

/// How often the engine wakes: to send what fell due and to look at the platform.
const TICK: Duration = Duration::from_millis(200);
/// How often progress is written to the drills table.
const SAVE_EVERY: Duration = Duration::from_secs(1);
/// A round of work longer than this stalls the drill clock: the scenario waits for the
/// engine (a slow first route, a busy store) instead of running ahead of what was played.
const STALL: chrono::Duration = chrono::Duration::milliseconds(500);

/// What the controller asks of a running engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Run,
    Pause,
    Stop,
}

/// What a running drill shows (the CLI progress line, `GET /api/v1/drills/{id}`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Progress {
    pub clock_s: i64,
    pub duration_s: i64,
    pub steps_done: usize,
    pub steps_total: usize,
    pub warnings: usize,
    pub incidents: usize,
    pub orders: usize,
    /// Rounds in which the clock waited for the engine (see `STALL`).
    pub stalls: usize,
    /// Requests the platform refused, most recent last (at most 20).
    pub problems: Vec<String>,
    pub state: Option<DrillState>,
}

struct OrderSeen {
    status: String,
    incident: String,
    dispatched: Secs,
    travel: Secs,
}

pub struct Engine {
    pub id: String,
    pub target: Target,
    pub scenario: Scenario,
    pub plan: Plan,
    /// The drill's shadow datastream of each county datastream (by record id) it plays.
    pub feeds: HashMap<String, i64>,
    pub autorespond: bool,
    pub db: Db,
    speed: f64,
    clock: Clock,
    started: DateTime<Utc>,
    next_step: usize,
    next_crossing: usize,
    last_observation: DateTime<Utc>,
    events: Vec<DrillEvent>,
    warnings: HashMap<u64, bool>,
    /// Incident id → when it opened (scenario time), whether responders were sent.
    incidents: BTreeMap<String, (Secs, bool)>,
    /// Scenario report id → the incident it opened or joined.
    report_incidents: HashMap<String, String>,
    orders: HashMap<String, OrderSeen>,
    ordered_teams: HashSet<String>,
    progress: Progress,
}

impl Engine {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: String,
        target: Target,
        scenario: Scenario,
        plan: Plan,
        feeds: HashMap<String, i64>,
        speed: f64,
        autorespond: bool,
        db: Db,
        now: DateTime<Utc>,
    ) -> Self {
        let duration = scenario.duration();
        Self {
            progress: Progress {
                duration_s: duration.0,
                steps_total: plan.steps.len(),
                state: Some(DrillState::Running),
                ..Progress::default()
            },
            id,
            target,
            clock: Clock::start(speed, duration, now),
            speed,
            scenario,
            plan,
            feeds,
            autorespond,
            db,
            started: now,
            next_step: 0,
            next_crossing: 0,
            last_observation: DateTime::<Utc>::MIN_UTC,
            events: Vec::new(),
            warnings: HashMap::new(),
            incidents: BTreeMap::new(),
            report_incidents: HashMap::new(),
            orders: HashMap::new(),
            ordered_teams: HashSet::new(),
        }
    }

    /// Plays the drill to its end or until stopped; its state changes are the controller's
    /// (pause, resume, stop), except finishing, which is the engine's.
    pub async fn run(
        mut self,
        mut control: watch::Receiver<Control>,
        progress: watch::Sender<Progress>,
    ) {
        let mut last_save = std::time::Instant::now();
        loop {
            let now = Utc::now();
            let wanted = *control.borrow_and_update();
            match wanted {
                Control::Stop => {
                    self.clock.pause(now);
                    self.record_relocated(self.clock.at(now)).await;
                    self.close(&progress, DrillState::Stopped).await;
                    return;
                }
                Control::Pause if self.clock.running() => {
                    self.clock.pause(now);
                    self.progress.state = Some(DrillState::Paused);
                    self.save(now).await;
                }
                Control::Run if !self.clock.running() => {
                    self.clock.resume(now);
                    self.progress.state = Some(DrillState::Running);
                }
                _ => {}
            }
            if self.clock.running() {
                let reached = self.clock.at(now);
                self.play_until(reached).await;
                self.watch_platform().await;
                if self.autorespond {
                    self.respond(reached).await;
                }
                self.progress.clock_s = reached.0;
                let after = Utc::now();
                if after - now > STALL {
                    // What happened during the slow round happened, in scenario time, at its start.
                    self.clock.pause(now);
                    self.clock.resume(after);
                    self.progress.stalls += 1;
                }
                if reached >= self.scenario.duration() && self.next_step >= self.plan.steps.len() {
                    self.watch_platform().await;
                    self.record_relocated(reached).await;
                    self.close(&progress, DrillState::Finished).await;
                    return;
                }
            }
            if last_save.elapsed() >= SAVE_EVERY {
                self.save(now).await;
                last_save = std::time::Instant::now();
            }
            progress.send_replace(self.progress.clone());
            // Wake at the tick, or at once when the controller speaks.
            let _ = tokio::time::timeout(TICK, control.changed()).await;
        }
    }

    async fn close(&mut self, progress: &watch::Sender<Progress>, state: DrillState) {
        let now = Utc::now();
        self.save(now).await;
        if state == DrillState::Finished {
            let system = Principal::system("drill");
            if let Err(e) = records::set_state(&self.db, &system, &self.id, state, now).await {
                tracing::error!(drill = %self.id, error = %e, "cannot record the end of the drill");
            }
        }
        self.progress.state = Some(state);
        progress.send_replace(self.progress.clone());
    }

    async fn save(&self, now: DateTime<Utc>) {
        let mut events = self.events.clone();
        events.sort_by_key(|e| e.at);
        if let Err(e) = records::save_progress(
            &self.db,
            &self.id,
            Secs(self.progress.clock_s),
            &events,
            now,
        )
        .await
        {
            tracing::warn!(drill = %self.id, error = %e, "cannot save drill progress");
        }
    }

    fn record(
        &mut self,
        at: Secs,
        kind: EventKind,
        subject: impl Into<String>,
        detail: impl Into<String>,
    ) -> &mut DrillEvent {
        self.events.push(DrillEvent {
            at,
            kind,
            subject: subject.into(),
            town_code: None,
            detail: detail.into(),
            related: None,
            value: None,
        });
        let last = self.events.len() - 1;
        &mut self.events[last]
    }

    fn problem(&mut self, what: String) {
        tracing::warn!(drill = %self.id, "{what}");
        self.progress.problems.push(what);
        if self.progress.problems.len() > 20 {
            self.progress.problems.remove(0);
        }
    }

    /// Sends every step due by `reached`, in order; observations of one moment go together
    /// in one SensorThings batch.
    async fn play_until(&mut self, reached: Secs) {
        while let Some(crossing) = self
            .plan
            .crossings
            .get(self.next_crossing)
            .filter(|c| c.at <= reached)
            .cloned()
        {
            self.record(
                crossing.at,
                EventKind::ThresholdCrossed,
                crossing.datastream,
                "series reached a rule in force",
            );
            self.next_crossing += 1;
        }
        for fault in self.scenario.fault.clone().iter().map(|f| f.get_ref()) {
            let due = fault.silent_from <= reached;
            let recorded = self.events.iter().any(|e| {
                e.kind == EventKind::SensorSilenced
                    && e.subject == fault.sensor
                    && e.at == fault.silent_from
            });
            if due && !recorded {
                let until = fault
                    .silent_until
                    .map_or("the end".to_string(), |u| u.to_string());
                self.record(
                    fault.silent_from,
                    EventKind::SensorSilenced,
                    fault.sensor.clone(),
                    format!("silent until {until}"),
                );
            }
        }
        while self.next_step < self.plan.steps.len()
            && self.plan.steps[self.next_step].at <= reached
        {
            let at = self.plan.steps[self.next_step].at;
            let mut readings = Vec::new();
            while let Some(step) = self.plan.steps.get(self.next_step).filter(|s| s.at == at) {
                match &step.action {
                    StepAction::Observe { datastream, value } => {
                        if let Some(id) = self.feeds.get(datastream) {
                            readings.push((*id, *value));
                        }
                    }
                    StepAction::Report(report) => {
                        let report = report.clone();
                        self.file_report(at, &report).await;
                    }
                    StepAction::Team(change) => {
                        let change = change.clone();
                        self.change_team(at, &change).await;
                    }
                    StepAction::Close(closure) => {
                        let closure = closure.clone();
                        self.close_road(at, &closure).await;
                    }
                }
                self.next_step += 1;
            }
            if !readings.is_empty() {
                let when = self.scenario_time(at);
                self.last_observation = when;
                if let Err(e) = self.target.observe(&readings, when).await {
                    self.problem(format!("observations at {at}: {e}"));
                }
            }
            self.progress.steps_done = self.next_step;
        }
    }

    /// When a reading taken at scenario time `at` was taken: on the scenario's own clock, laid
    /// so that the scenario ends at the moment the drill began. The rules of the drill's
    /// shadows run on these times (rolling sums, durations and silences are scenario time at
    /// any speed), and they are never in the future, which ingest would refuse. Strictly
    /// increasing, so batches stay ordered.
    fn scenario_time(&self, at: Secs) -> DateTime<Utc> {
        let when = self.started - chrono::Duration::seconds(self.scenario.duration().0)
            + chrono::Duration::seconds(at.0);
        when.max(self.last_observation + chrono::Duration::milliseconds(1))
    }

    async fn file_report(&mut self, at: Secs, report: &FieldReport) {
        let mut body = json!({
            "location": report.location,
            "text": format!("【演练 DRILL】{}", report.text),
            "figures": report.figures,
            "drill": self.id,
        });
        match &report.incident_of {
            Some(first) => match self.report_incidents.get(first) {
                Some(incident) => body["incident_id"] = json!(incident),
                None => {
                    self.problem(format!(
                        "report {}: the incident of {first} was never opened",
                        report.id
                    ));
                    return;
                }
            },
            None => {
                body["type"] = json!(report.r#type);
                if let Some(severity) = &report.severity {
                    body["severity"] = json!(severity);
                }
                if let Some(title) = &report.title {
                    body["title"] = json!(format!("【演练】{title}"));
                }
            }
        }
        let key = format!("{}-{}", self.id, report.id);
        match self.target.report(&key, body).await {
            Ok(answer) => {
                let incident = answer["incident"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let town = answer["incident"]["town_code"].as_str().map(str::to_string);
                self.record(
                    at,
                    EventKind::ReportFiled,
                    answer["report"]["id"].as_str().unwrap_or_default(),
                    report.text.clone(),
                )
                .related = Some(incident.clone());
                if answer["opened"].as_bool() == Some(true) {
                    let opened = answer["incident"]["opened_at"]
                        .as_str()
                        .and_then(parse_time)
                        .map_or(at, |t| self.clock.at(t));
                    let title = answer["incident"]["title"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    self.record(opened, EventKind::IncidentOpened, incident.clone(), title)
                        .town_code = town;
                    self.incidents.insert(incident.clone(), (opened, false));
                    self.progress.incidents = self.incidents.len();
                }
                self.report_incidents.insert(report.id.clone(), incident);
            }
            Err(e) => self.problem(format!("report {}: {e}", report.id)),
        }
    }

    async fn change_team(&mut self, at: Secs, change: &TeamChange) {
        let body = json!({"location": change.location, "status": change.status});
        match self.target.team_status(&change.team, body).await {
            Ok(_) => {
                self.record(
                    at,
                    EventKind::TeamChanged,
                    change.team.clone(),
                    change.status.clone(),
                );
            }
            Err(e) => self.problem(format!("team {}: {e}", change.team)),
        }
    }

    async fn close_road(&mut self, at: Secs, closure: &Closure) {
        // Routing has no drill clock: the closure lasts its length in real time, scaled.
        let lasts_ms = (closure.lasts.0 as f64 * 1000.0 / self.speed).max(60_000.0) as i64;
        let expires = Utc::now() + chrono::Duration::milliseconds(lasts_ms);
        let body = json!({
            "at": closure.location,
            "closed": true,
            "reason": format!("【演练 {}】{}", self.id, closure.reason),
            "expires_at": yingji_domain::time::rfc3339(expires),
        });
        match self.target.close_road(body).await {
            Ok(answer) => {
                let id = answer["id"].as_str().unwrap_or_default().to_string();
                self.record(at, EventKind::RoadClosed, id, closure.reason.clone());
            }
            Err(e) => self.problem(format!("closure at {at}: {e}")),
        }
    }

    /// Looks at what the platform did: warnings raised and acknowledged since the drill
    /// began, orders on the drill's incidents.
    async fn watch_platform(&mut self) {
        match self.target.warnings(&self.id).await {
            Ok(warnings) => {
                for w in warnings {
                    self.see_warning(&w);
                }
            }
            Err(e) => self.problem(format!("warnings: {e}")),
        }
        let incidents: Vec<String> = self.incidents.keys().cloned().collect();
        for incident in incidents {
            match self.target.orders(&incident).await {
                Ok(orders) => {
                    for order in orders {
                        self.see_order(&incident, &order);
                    }
                }
                Err(e) => self.problem(format!("orders of {incident}: {e}")),
            }
        }
    }

    fn see_warning(&mut self, w: &Value) {
        let Some(id) = w["id"].as_u64() else { return };
        let history = w["history"].as_array().cloned().unwrap_or_default();
        let Some(raised) = history
            .first()
            .and_then(|s| s["at"].as_str())
            .and_then(parse_time)
        else {
            return;
        };
        // Only what the drill's time saw; older warnings are not the drill's.
        if raised < self.started {
            return;
        }
        if !self.warnings.contains_key(&id) {
            // The drill's copy of a rule is named `<drill>:<rule>`; the log names the rule.
            let rule = w["rule"].as_str().unwrap_or_default();
            let rule = rule
                .strip_prefix(self.id.as_str())
                .and_then(|r| r.strip_prefix(':'))
                .unwrap_or(rule);
            let detail = format!("{rule} {}", w["level"].as_str().unwrap_or_default());
            let at = self.clock.at(raised);
            let datastream = w["subject"]
                .as_str()
                .and_then(|s| s.strip_prefix("datastream:"))
                .and_then(|shadow| shadow.parse::<i64>().ok())
                .and_then(|shadow| self.feeds.iter().find(|(_, id)| **id == shadow))
                .map(|(record, _)| record.clone());
            let event = self.record(at, EventKind::WarningRaised, id.to_string(), detail);
            event.town_code = w["town_code"].as_str().map(str::to_string);
            event.related = datastream;
            self.warnings.insert(id, false);
            self.progress.warnings = self.warnings.len();
        }
        let acknowledged = history.iter().find(|s| s["action"] == "acknowledged");
        if let Some(step) = acknowledged {
            if self.warnings.get(&id) == Some(&false) {
                let at = step["at"]
                    .as_str()
                    .and_then(parse_time)
                    .map_or(Secs(0), |t| self.clock.at(t));
                let by = step["by"].as_str().unwrap_or_default().to_string();
                self.record(at, EventKind::WarningAcknowledged, id.to_string(), by);
                self.warnings.insert(id, true);
            }
        }
    }

    fn see_order(&mut self, incident: &str, order: &Value) {
        let Some(id) = order["id"].as_str() else {
            return;
        };
        let status = order["status"].as_str().unwrap_or_default().to_string();
        if status == "proposed" || status == "cancelled" {
            return;
        }
        let time = |key: &str| order[key].as_str().and_then(parse_time);
        if !self.orders.contains_key(id) {
            let at = time("created_at").map_or(Secs(0), |t| self.clock.at(t));
            let team = order["team_id"].as_str().unwrap_or_default().to_string();
            let travel = Secs(order["travel_time_s"].as_f64().unwrap_or(0.0) as i64);
            self.record(
                at,
                EventKind::TeamDispatched,
                id,
                format!("{team} travel {travel}"),
            )
            .related = Some(incident.to_string());
            self.ordered_teams.insert(team);
            self.orders.insert(
                id.to_string(),
                OrderSeen {
                    status: "sent".into(),
                    incident: incident.to_string(),
                    dispatched: at,
                    travel,
                },
            );
            self.progress.orders = self.orders.len();
        }
        let arrived = matches!(status.as_str(), "on_scene" | "completed");
        let Some(seen) = self.orders.get_mut(id) else {
            return;
        };
        let was_there = matches!(seen.status.as_str(), "on_scene" | "completed");
        seen.status = status.clone();
        if arrived && !was_there {
            let at = time("updated_at").map_or(Secs(0), |t| self.clock.at(t));
            let incident = seen.incident.clone();
            self.record(at, EventKind::TeamOnScene, id, status).related = Some(incident);
        }
    }

    /// The simulated duty officer and teams.
    async fn respond(&mut self, reached: Secs) {
        let responder: Responder = self.scenario.responder.clone();
        let raised: Vec<(u64, Secs)> = self
            .events
            .iter()
            .filter(|e| e.kind == EventKind::WarningRaised)
            .filter_map(|e| Some((e.subject.parse().ok()?, e.at)))
            .collect();
        for (id, at) in raised {
            if self.warnings.get(&id) == Some(&false)
                && reached.0 >= at.0 + responder.acknowledge_after.0
            {
                match self.target.acknowledge(id).await {
                    Ok(w) => self.see_warning(&w),
                    // Lifted or acknowledged meanwhile (someone else did): nothing to do.
                    Err(ClientError::Refused { status, .. })
                        if status.as_u16() == 409 || status.as_u16() == 404 =>
                    {
                        self.warnings.insert(id, true);
                    }
                    Err(e) => self.problem(format!("acknowledge {id}: {e}")),
                }
            }
        }
        let due: Vec<String> = self
            .incidents
            .iter()
            .filter(|(_, (opened, sent))| {
                !sent && reached.0 >= opened.0 + responder.dispatch_after.0
            })
            .map(|(id, _)| id.clone())
            .collect();
        for incident in due {
            for team_type in &responder.team_types {
                self.dispatch(&incident, team_type).await;
            }
            if let Some(entry) = self.incidents.get_mut(&incident) {
                entry.1 = true;
            }
        }
        let moving: Vec<(String, String, Secs)> = self
            .orders
            .iter()
            .filter(|(_, o)| matches!(o.status.as_str(), "sent" | "accepted" | "en_route"))
            .map(|(id, o)| {
                (
                    id.clone(),
                    o.status.clone(),
                    Secs(o.dispatched.0 + o.travel.0),
                )
            })
            .collect();
        for (order, status, arrives) in moving {
            let mut steps: Vec<&str> = match status.as_str() {
                "sent" => vec!["accepted", "en_route"],
                "accepted" => vec!["en_route"],
                _ => vec![],
            };
            if reached >= arrives {
                steps.push("on_scene");
            }
            for step in steps {
                match self.target.step_order(&order, step).await {
                    Ok(answer) => {
                        let incident = self
                            .orders
                            .get(&order)
                            .map(|o| o.incident.clone())
                            .unwrap_or_default();
                        self.see_order(&incident, &answer);
                    }
                    Err(e) => {
                        self.problem(format!("order {order} → {step}: {e}"));
                        break;
                    }
                }
            }
        }
    }

    /// Sends the best-ranked available team of a type (the platform's recommendation).
    async fn dispatch(&mut self, incident: &str, team_type: &str) {
        let candidates = match self.target.candidates(incident, team_type).await {
            Ok(c) => c,
            Err(e) => return self.problem(format!("dispatch candidates for {incident}: {e}")),
        };
        let Some(best) = candidates.iter().find(|c| {
            c["team"]["id"]
                .as_str()
                .is_some_and(|t| !self.ordered_teams.contains(t))
        }) else {
            return self.problem(format!("no available {team_type} team for {incident}"));
        };
        let team = best["team"]["id"].as_str().unwrap_or_default().to_string();
        let body = json!({
            "team_id": team,
            "team_type": team_type,
            "travel_time_s": best["travel_time_s"],
            "send": true,
        });
        match self.target.send_order(incident, body).await {
            Ok(order) => self.see_order(incident, &order),
            Err(e) => self.problem(format!("order {team} to {incident}: {e}")),
        }
    }

    /// The latest "relocated" figure of each incident the drill opened.
    async fn record_relocated(&mut self, reached: Secs) {
        let incidents: Vec<String> = self.incidents.keys().cloned().collect();
        for id in incidents {
            match self.target.incident(&id).await {
                Ok(incident) => {
                    let relocated = incident["figures"]["relocated"]["value"]
                        .as_f64()
                        .unwrap_or(0.0);
                    let town = incident["town_code"].as_str().map(str::to_string);
                    let event =
                        self.record(reached, EventKind::Relocated, id, format!("{relocated:.0}"));
                    event.value = Some(relocated);
                    event.town_code = town;
                }
                Err(e) => self.problem(format!("incident {id}: {e}")),
            }
        }
    }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
