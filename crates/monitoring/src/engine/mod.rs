//! The rule engine: rules indexed by datastream, per-rule state, signals out.
//!
//! Ordering policy: per datastream the engine remembers the newest phenomenon time. An
//! observation with exactly that time is a duplicate (a retried delivery) and is ignored. An
//! older one is *late*: it still joins rolling windows that cover its time (and proves a
//! sensor alive), but it never moves a level machine backwards in time, never toggles a fault,
//! and is not graded on arrival.
//!
//! Fault gating: on each datastream the fault rules run first (range, spike, silence); a value
//! that trips a range or spike rule is kept away from that datastream's hazard rules, so a
//! broken sensor raises a fault, not a hazard warning.

mod faults;
mod fire;
mod signal;
mod state;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use signal::{Event, FaultKind, Signal};

use crate::fwi::FwiIndices;
use crate::level::Level;
use crate::observation::{DatastreamId, Observation};
use crate::rule::{Condition, Rule, RuleError, RuleId};
use state::{Delivery, RuleState};

#[derive(Debug, Clone)]
struct Slot {
    rule: Rule,
    state: RuleState,
}

#[derive(Debug, Clone, Default)]
struct Stream {
    /// Slot indices: range, then spike, then silence, then hazard rules.
    rules: Vec<usize>,
    latest: Option<DateTime<Utc>>,
}

/// Rules plus everything they remember. Not thread-safe by itself: the server owns one engine
/// per partition of datastreams and feeds it from one task.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    slots: Vec<Slot>,
    by_id: HashMap<RuleId, usize>,
    streams: HashMap<DatastreamId, Stream>,
}

/// A serializable snapshot of an [`Engine`]: rules, their state and the per-datastream newest
/// times. Opaque on purpose; persist it as JSON and hand it back to [`Engine::restore`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineState {
    rules: Vec<Rule>,
    states: Vec<RuleState>,
    latest: Vec<(DatastreamId, DateTime<Utc>)>,
}

impl Engine {
    pub fn new() -> Self {
        Self::default()
    }

    /// An engine with `rules` installed (ids must be unique).
    pub fn with_rules(rules: impl IntoIterator<Item = Rule>) -> Result<Self, RuleError> {
        let mut engine = Engine::new();
        for rule in rules {
            rule.validate()?;
            if engine.by_id.contains_key(&rule.id) {
                return Err(duplicate(&rule));
            }
            engine.by_id.insert(rule.id.clone(), engine.slots.len());
            engine.slots.push(Slot {
                state: RuleState::new(&rule.condition),
                rule,
            });
        }
        engine.reindex();
        Ok(engine)
    }

    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.slots.iter().map(|s| &s.rule)
    }

    pub fn rule(&self, id: &RuleId) -> Option<&Rule> {
        self.by_id.get(id).map(|&i| &self.slots[i].rule)
    }

    /// The level of the rule's warning in force, if any.
    pub fn level(&self, id: &RuleId) -> Option<Level> {
        self.by_id
            .get(id)
            .and_then(|&i| self.slots[i].state.open().0)
    }

    /// The latest FWI System day of a fire-weather rule.
    pub fn fire_weather(&self, id: &RuleId) -> Option<FwiIndices> {
        match &self.slots[*self.by_id.get(id)?].state {
            RuleState::FireWeather(state) => state.indices(),
            _ => None,
        }
    }

    /// Adds a rule or replaces it by a newer version. A change of condition (or disabling)
    /// restarts the rule's state, and the signals returned close what it had open.
    pub fn upsert(&mut self, rule: Rule, now: DateTime<Utc>) -> Result<Vec<Signal>, RuleError> {
        rule.validate()?;
        let mut closing = Vec::new();
        match self.by_id.get(&rule.id) {
            Some(&i) => {
                let slot = &mut self.slots[i];
                if slot.rule == rule {
                    return Ok(closing);
                }
                if rule.version <= slot.rule.version {
                    return Err(RuleError::StaleVersion {
                        rule: rule.id,
                        stored: slot.rule.version,
                        offered: rule.version,
                    });
                }
                if rule.condition != slot.rule.condition || !rule.enabled {
                    close(slot, now, &mut closing);
                    slot.state = RuleState::new(&rule.condition);
                }
                slot.rule = rule;
            }
            None => {
                self.by_id.insert(rule.id.clone(), self.slots.len());
                self.slots.push(Slot {
                    state: RuleState::new(&rule.condition),
                    rule,
                });
            }
        }
        self.reindex();
        Ok(closing)
    }

    /// Removes a rule; the signals close what it had open.
    /// Signals that close everything the rules have open (a drill's rules when it ends).
    pub fn close_all(&self, now: DateTime<Utc>) -> Vec<Signal> {
        let mut closing = Vec::new();
        for slot in &self.slots {
            close(slot, now, &mut closing);
        }
        closing
    }

    pub fn remove(
        &mut self,
        id: &RuleId,
        now: DateTime<Utc>,
    ) -> Result<(Rule, Vec<Signal>), RuleError> {
        let i = *self
            .by_id
            .get(id)
            .ok_or_else(|| RuleError::NotFound(id.clone()))?;
        let slot = self.slots.swap_remove(i);
        let mut closing = Vec::new();
        close(&slot, now, &mut closing);
        self.by_id = self
            .slots
            .iter()
            .enumerate()
            .map(|(i, s)| (s.rule.id.clone(), i))
            .collect();
        self.reindex();
        Ok((slot.rule, closing))
    }

    /// Feeds one observation; returns the signals it causes.
    pub fn ingest(&mut self, obs: &Observation) -> Vec<Signal> {
        let mut out = Vec::new();
        self.ingest_into(obs, &mut out);
        out
    }

    /// [`Engine::ingest`] appending to a reused buffer: the hot path allocates nothing unless
    /// a signal is emitted.
    pub fn ingest_into(&mut self, obs: &Observation, out: &mut Vec<Signal>) {
        let Some(stream) = self.streams.get_mut(&obs.datastream()) else {
            return;
        };
        let at = obs.phenomenon_time();
        let late = match stream.latest {
            Some(latest) if at == latest => return,
            Some(latest) => at < latest,
            None => false,
        };
        if !late {
            stream.latest = Some(at);
        }
        let delivery = Delivery { obs, late };
        let mut quarantined = false;
        for &i in &stream.rules {
            let Slot { rule, state } = &mut self.slots[i];
            let mut emit = |at, event| out.push(signal(rule, at, event));
            if rule.is_fault_rule() {
                quarantined |= state.judge(&rule.condition, delivery, quarantined, &mut emit);
            } else if !quarantined {
                state.observe(&rule.condition, delivery, &mut emit);
            }
        }
    }

    /// The passing of time: silent sensors, emptying windows, daily fire weather. Call it
    /// periodically (every minute is plenty).
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Signal> {
        let mut out = Vec::new();
        for Slot { rule, state } in self.slots.iter_mut().filter(|s| s.rule.enabled) {
            let mut emit = |at, event| out.push(signal(rule, at, event));
            state.tick(&rule.condition, now, &mut emit);
        }
        out
    }

    pub fn snapshot(&self) -> EngineState {
        let mut latest: Vec<_> = self
            .streams
            .iter()
            .filter_map(|(id, s)| s.latest.map(|t| (*id, t)))
            .collect();
        // Sorted so equal engines give equal snapshots (HashMap order is random).
        latest.sort_unstable();
        EngineState {
            rules: self.slots.iter().map(|s| s.rule.clone()).collect(),
            states: self.slots.iter().map(|s| s.state.clone()).collect(),
            latest,
        }
    }

    /// Rebuilds an engine from a snapshot. Rules are validated again; a state that does not
    /// fit its rule (edited storage) is replaced by a fresh one rather than trusted.
    pub fn restore(snapshot: EngineState) -> Result<Self, RuleError> {
        let EngineState {
            rules,
            states,
            latest,
        } = snapshot;
        let mut engine = Engine::with_rules(rules)?;
        for (slot, state) in engine.slots.iter_mut().zip(states) {
            if state.fits(&slot.rule.condition) {
                slot.state = state;
            }
        }
        for (id, time) in latest {
            if let Some(stream) = engine.streams.get_mut(&id) {
                stream.latest = Some(time);
            }
        }
        Ok(engine)
    }

    fn reindex(&mut self) {
        let mut streams: HashMap<DatastreamId, Stream> = HashMap::new();
        for (i, slot) in self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.rule.enabled)
        {
            for id in slot.rule.datastreams() {
                streams.entry(id).or_default().rules.push(i);
            }
        }
        for (id, stream) in &mut streams {
            stream
                .rules
                .sort_by_key(|&i| evaluation_order(&self.slots[i].rule.condition));
            stream.latest = self.streams.get(id).and_then(|s| s.latest);
        }
        self.streams = streams;
    }
}

fn evaluation_order(condition: &Condition) -> u8 {
    match condition {
        Condition::Range { .. } => 0,
        Condition::Spike { .. } => 1,
        Condition::Silence { .. } => 2,
        _ => 3,
    }
}

fn signal(rule: &Rule, at: DateTime<Utc>, event: Event) -> Signal {
    Signal {
        rule: rule.id.clone(),
        version: rule.version,
        subject: rule.subject.clone(),
        at,
        event,
    }
}

fn close(slot: &Slot, now: DateTime<Utc>, out: &mut Vec<Signal>) {
    let (level, fault) = slot.state.open();
    if let Some(from) = level {
        out.push(signal(&slot.rule, now, Event::Lifted { from, value: None }));
    }
    if let Some(fault) = fault {
        out.push(signal(&slot.rule, now, Event::FaultCleared { fault }));
    }
}

fn duplicate(rule: &Rule) -> RuleError {
    RuleError::Invalid {
        rule: rule.id.clone(),
        field: "id",
        reason: "appears twice".to_owned(),
    }
}
