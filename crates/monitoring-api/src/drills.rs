//! Drills inside the monitor. A drill plays its series into shadow datastreams of its own
//! (`Entities::shadow`); the first time one of them is heard, the county's rules are copied
//! onto the drill's shadows (`Rule::for_drill`) into an engine of the drill's own. That engine
//! runs on the drill's clock — the newest phenomenon time the drill has played — so rolling
//! sums, durations, releases and silences mean scenario time at any replay speed, while the
//! county's engine never sees drill data.
//!
//! The warnings a drill raises live in the one warning book (ids, acknowledgement and
//! escalation work as for real ones), stamped at the wall-clock time they were raised: that
//! is when a duty officer saw them, and what the drill's evaluation measures.

use crate::sta::model::{Entities, Shadow};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use yingji_monitoring::{DatastreamId, Engine, Observation, Rule, Signal};

/// A drill silent this long (stopped or finished) is retired: its open warnings are lifted
/// and its rules dropped. (A restart keeps no drill engine: its warnings close at once.)
pub const IDLE: Duration = Duration::from_secs(10 * 60);

struct DrillRules {
    engine: Engine,
    /// The shadow datastreams the copies were made for.
    shadows: HashSet<i64>,
    /// The drill's clock: the newest phenomenon time it has played.
    clock: Option<DateTime<Utc>>,
    heard: Instant,
}

/// The running drills' rule engines.
#[derive(Default)]
pub struct Drills {
    running: HashMap<String, DrillRules>,
    /// Drills fed since the last `tick_fed`.
    fed: HashSet<String>,
}

impl Drills {
    pub fn is_running(&self, drill: &str) -> bool {
        self.running.contains_key(drill)
    }

    /// Feeds one observation of a drill's shadow. Returns the rule copies made for shadows
    /// heard for the first time (the monitor places them in their towns).
    pub fn ingest(
        &mut self,
        shadow: Shadow<'_>,
        observation: &Observation,
        county: &Engine,
        entities: &Entities,
        out: &mut Vec<Signal>,
    ) -> Vec<Rule> {
        let datastream = observation.datastream().0 as i64;
        let run = self
            .running
            .entry(shadow.drill.to_string())
            .or_insert_with(|| DrillRules {
                engine: Engine::new(),
                shadows: HashSet::new(),
                clock: None,
                heard: Instant::now(),
            });
        let mut copies = Vec::new();
        if !run.shadows.contains(&datastream) {
            copies = run.learn(shadow.drill, county, entities);
        }
        run.engine.ingest_into(observation, out);
        run.clock = run.clock.max(Some(observation.phenomenon_time()));
        run.heard = Instant::now();
        if !self.fed.contains(shadow.drill) {
            self.fed.insert(shadow.drill.to_string());
        }
        copies
    }

    /// Moves the clock of every drill fed since the last call to its newest observation
    /// (windows close, silences show, releases complete).
    pub fn tick_fed(&mut self, out: &mut Vec<Signal>) {
        for drill in self.fed.drain() {
            if let Some(run) = self.running.get_mut(&drill) {
                if let Some(clock) = run.clock {
                    out.extend(run.engine.tick(clock));
                }
            }
        }
    }

    /// Drops drills not heard for `idle`; returns the signals that close what their rules
    /// had open.
    pub fn retire_idle(&mut self, now: DateTime<Utc>, idle: Duration) -> Vec<Signal> {
        let quiet: Vec<String> = self
            .running
            .iter()
            .filter(|(_, run)| run.heard.elapsed() >= idle)
            .map(|(drill, _)| drill.clone())
            .collect();
        let mut closing = Vec::new();
        for drill in &quiet {
            if let Some(run) = self.running.remove(drill) {
                closing.extend(run.engine.close_all(now));
            }
        }
        closing
    }
}

impl DrillRules {
    /// Copies every county rule whose inputs the drill shadows (all of them) that is not
    /// copied yet; returns the new copies.
    fn learn(&mut self, drill: &str, county: &Engine, entities: &Entities) -> Vec<Rule> {
        let pairs = entities.shadows_of(drill);
        self.shadows.extend(pairs.iter().map(|&(_, shadow)| shadow));
        let map: HashMap<DatastreamId, DatastreamId> = pairs
            .iter()
            .map(|&(of, shadow)| (DatastreamId(of as u64), DatastreamId(shadow as u64)))
            .collect();
        let mut copies = Vec::new();
        for rule in county.rules().filter(|r| r.enabled) {
            let Some(copy) = rule.for_drill(drill, &map) else {
                continue;
            };
            if self.engine.rule(&copy.id).is_some() {
                continue;
            }
            // The drill's clock has not started for a new copy: it begins from its first
            // observation, like a rule just installed.
            match self
                .engine
                .upsert(copy.clone(), self.clock.unwrap_or_else(Utc::now))
            {
                Ok(_) => copies.push(copy),
                Err(e) => tracing::warn!(drill, error = %e, "rule not copied into the drill"),
            }
        }
        copies
    }
}
