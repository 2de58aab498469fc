//! Per-rule state and how each rule kind reacts to an observation or to the passing of time.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::fire::FireWeatherState;
use super::signal::{Event, FaultKind};
use crate::level::{Band, Direction, Level, Tracker, Transition};
use crate::observation::Observation;
use crate::rule::{Combine, Condition};
use crate::window::RollingSum;

/// Samples kept for a rate-of-change rule at most; beyond it (a sensor reporting far more
/// often than the period needs) the oldest samples go and the rate spans a shorter time.
const MAX_RATE_SAMPLES: usize = 1024;

/// Whatever a rule remembers between observations. Bounded by the rule's windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum RuleState {
    Threshold {
        tracker: Tracker,
    },
    RateOfChange {
        tracker: Tracker,
        samples: VecDeque<(DateTime<Utc>, f64)>,
    },
    RollingSum {
        tracker: Tracker,
        sum: RollingSum,
    },
    Composite {
        tracker: Tracker,
        latest: Vec<Option<(DateTime<Utc>, f64)>>,
    },
    IntensityDuration {
        tracker: Tracker,
        /// Gauge-major: `sums[g * durations + d]`.
        sums: Vec<RollingSum>,
    },
    FireWeather(Box<FireWeatherState>),
    Silence {
        last_seen: Option<DateTime<Utc>>,
        watching_since: Option<DateTime<Utc>>,
        /// When the fault was raised, while it is open.
        raised_at: Option<DateTime<Utc>>,
    },
    Range {
        raised: bool,
    },
    Spike {
        reference: Option<f64>,
        streak: u8,
        raised: bool,
    },
}

/// How an observation reaches a rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Delivery<'a> {
    pub obs: &'a Observation,
    /// Older than the newest observation already seen on its datastream.
    pub late: bool,
}

/// Events for the rule being evaluated; the engine wraps them into signals.
pub(crate) type Events<'a> = &'a mut dyn FnMut(DateTime<Utc>, Event);

pub(crate) fn transition_event(t: Transition, value: f64) -> Option<Event> {
    match (t.from, t.to) {
        (None, Some(level)) => Some(Event::Raised { level, value }),
        (Some(from), Some(to)) => Some(Event::LevelChanged { from, to, value }),
        (Some(from), None) => Some(Event::Lifted {
            from,
            value: Some(value),
        }),
        (None, None) => None,
    }
}

fn graded(
    tracker: &mut Tracker,
    grading: &crate::level::Grading,
    measure: f64,
    at: DateTime<Utc>,
    emit: Events,
) {
    if let Some(event) = tracker
        .update(grading, measure, at)
        .and_then(|t| transition_event(t, measure))
    {
        emit(at, event);
    }
}

impl RuleState {
    pub fn new(condition: &Condition) -> Self {
        match condition {
            Condition::Threshold { .. } => RuleState::Threshold {
                tracker: Tracker::default(),
            },
            Condition::RateOfChange { .. } => RuleState::RateOfChange {
                tracker: Tracker::default(),
                samples: VecDeque::new(),
            },
            Condition::RollingSum { window_secs, .. } => RuleState::RollingSum {
                tracker: Tracker::default(),
                sum: RollingSum::new(*window_secs),
            },
            Condition::Composite { clauses, .. } => RuleState::Composite {
                tracker: Tracker::default(),
                latest: vec![None; clauses.len()],
            },
            Condition::IntensityDuration {
                gauges,
                durations_secs,
                ..
            } => RuleState::IntensityDuration {
                tracker: Tracker::default(),
                sums: gauges
                    .iter()
                    .flat_map(|_| durations_secs.iter().map(|d| RollingSum::new(*d)))
                    .collect(),
            },
            Condition::FireWeather { start, .. } => {
                RuleState::FireWeather(Box::new(FireWeatherState::new(*start)))
            }
            Condition::Silence { .. } => RuleState::Silence {
                last_seen: None,
                watching_since: None,
                raised_at: None,
            },
            Condition::Range { .. } => RuleState::Range { raised: false },
            Condition::Spike { .. } => RuleState::Spike {
                reference: None,
                streak: 0,
                raised: false,
            },
        }
    }

    /// Whether this state was made for `condition` (used when restoring a snapshot): same
    /// kind and the same window shapes, so a tampered or stale snapshot can never make a ring
    /// index out of bounds or divide by a zero bucket width.
    pub fn fits(&self, condition: &Condition) -> bool {
        let fresh = RuleState::new(condition);
        let same_rings = |a: &[RollingSum], b: &[RollingSum]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_shape(y))
        };
        match (self, &fresh) {
            (RuleState::Composite { latest: a, .. }, RuleState::Composite { latest: b, .. }) => {
                a.len() == b.len()
            }
            (
                RuleState::IntensityDuration { sums: a, .. },
                RuleState::IntensityDuration { sums: b, .. },
            ) => same_rings(a, b),
            (RuleState::RollingSum { sum: a, .. }, RuleState::RollingSum { sum: b, .. }) => {
                a.same_shape(b)
            }
            (RuleState::FireWeather(a), RuleState::FireWeather(b)) => a.same_shape(b),
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }

    /// The open warning level and open fault, to close them when the rule goes away.
    pub fn open(&self) -> (Option<Level>, Option<FaultKind>) {
        match self {
            RuleState::Threshold { tracker }
            | RuleState::RateOfChange { tracker, .. }
            | RuleState::RollingSum { tracker, .. }
            | RuleState::Composite { tracker, .. }
            | RuleState::IntensityDuration { tracker, .. } => (tracker.level(), None),
            RuleState::FireWeather(state) => state.open(),
            RuleState::Silence { raised_at, .. } => (None, raised_at.map(|_| FaultKind::Silence)),
            RuleState::Range { raised } => (None, raised.then_some(FaultKind::OutOfRange)),
            RuleState::Spike { raised, .. } => (None, raised.then_some(FaultKind::Spike)),
        }
    }

    /// Hazard rules: evaluates one observation that passed the fault rules.
    pub fn observe(&mut self, condition: &Condition, input: Delivery, emit: Events) {
        let obs = input.obs;
        let (at, value) = (obs.phenomenon_time(), obs.result());
        match (self, condition) {
            (RuleState::Threshold { tracker }, Condition::Threshold { grading, .. })
                if !input.late =>
            {
                graded(tracker, grading, value, at, emit);
            }
            (
                RuleState::RateOfChange { tracker, samples },
                Condition::RateOfChange {
                    per_secs, grading, ..
                },
            ) => {
                if input.late {
                    return;
                }
                let horizon = at - Duration::seconds(i64::from(*per_secs));
                while samples.front().is_some_and(|(t, _)| *t < horizon)
                    || samples.len() >= MAX_RATE_SAMPLES
                {
                    samples.pop_front();
                }
                samples.push_back((at, value));
                let oldest = samples.front().map_or(value, |(_, v)| *v);
                graded(tracker, grading, value - oldest, at, emit);
            }
            (RuleState::RollingSum { tracker, sum }, Condition::RollingSum { grading, .. }) => {
                // Late values join the window if it still covers them, without re-grading the
                // past; on-time values move the window and are graded.
                let accepted = sum.add(at, value);
                if accepted && !input.late {
                    graded(tracker, grading, sum.total(), at, emit);
                }
            }
            (
                RuleState::Composite { tracker, latest },
                Condition::Composite {
                    combine,
                    clauses,
                    level,
                    max_age_secs,
                    min_duration_secs,
                    release_after_secs,
                },
            ) => {
                for (clause, slot) in clauses.iter().zip(latest.iter_mut()) {
                    if clause.datastream == obs.datastream()
                        && slot.is_none_or(|(seen, _)| at > seen)
                    {
                        *slot = Some((at, value));
                    }
                }
                if input.late {
                    return;
                }
                let max_age = Duration::seconds(i64::from(*max_age_secs));
                let holds =
                    |(clause, slot): (&crate::rule::Clause, &Option<(DateTime<Utc>, f64)>)| {
                        slot.is_some_and(|(seen, v)| {
                            at - seen <= max_age && clause.direction.reaches(v, clause.value)
                        })
                    };
                let mut pairs = clauses.iter().zip(latest.iter());
                let met = match combine {
                    Combine::All => pairs.all(holds),
                    Combine::Any => pairs.any(holds),
                };
                let band = [Band {
                    level: *level,
                    raise: 1.0,
                    release: 0.5,
                }];
                let measure = if met { 1.0 } else { 0.0 };
                if let Some(event) = tracker
                    .update_with(
                        Direction::Above,
                        &band,
                        *min_duration_secs,
                        *release_after_secs,
                        measure,
                        at,
                    )
                    .and_then(|t| transition_event(t, measure))
                {
                    emit(at, event);
                }
            }
            (
                RuleState::IntensityDuration { tracker, sums },
                Condition::IntensityDuration {
                    gauges,
                    durations_secs,
                    ..
                },
            ) => {
                let n = durations_secs.len();
                let mut accepted = false;
                for (g, gauge) in gauges.iter().enumerate() {
                    if *gauge == obs.datastream() {
                        for sum in &mut sums[g * n..(g + 1) * n] {
                            accepted |= sum.add(at, value);
                        }
                    }
                }
                if accepted && !input.late {
                    let ratio = id_ratio(condition, sums);
                    if let Condition::IntensityDuration { grading, .. } = condition {
                        graded(tracker, grading, ratio, at, emit);
                    }
                }
            }
            (RuleState::FireWeather(state), condition) => state.observe(condition, input),
            _ => {}
        }
    }

    /// The passing of time: silence, windows emptying, the daily fire-weather computation.
    pub fn tick(&mut self, condition: &Condition, now: DateTime<Utc>, emit: Events) {
        match (self, condition) {
            (
                RuleState::Silence {
                    last_seen,
                    watching_since,
                    raised_at,
                },
                Condition::Silence { after_secs, .. },
            ) => {
                let since = last_seen.unwrap_or(*watching_since.get_or_insert(now));
                if raised_at.is_none() && now - since > Duration::seconds(i64::from(*after_secs)) {
                    *raised_at = Some(now);
                    emit(
                        now,
                        Event::FaultRaised {
                            fault: FaultKind::Silence,
                            value: None,
                        },
                    );
                }
            }
            // Only a warning in force needs re-grading as rain leaves the window.
            (RuleState::RollingSum { tracker, sum }, Condition::RollingSum { grading, .. })
                if tracker.level().is_some() =>
            {
                sum.advance(now);
                graded(tracker, grading, sum.total(), now, emit);
            }
            (
                RuleState::IntensityDuration { tracker, sums },
                Condition::IntensityDuration { grading, .. },
            ) if tracker.level().is_some() => {
                for sum in sums.iter_mut() {
                    sum.advance(now);
                }
                let ratio = id_ratio(condition, sums);
                graded(tracker, grading, ratio, now, emit);
            }
            (RuleState::FireWeather(state), condition) => state.tick(condition, now, emit),
            _ => {}
        }
    }
}

/// Largest ratio of observed rain to the threshold amount a·D^(1-b) (mm) over gauges and
/// durations: I ≥ a·D^-b ⇔ rain(D) ≥ a·D^(1-b).
fn id_ratio(condition: &Condition, sums: &[RollingSum]) -> f64 {
    let Condition::IntensityDuration {
        a,
        b,
        durations_secs,
        ..
    } = condition
    else {
        return 0.0;
    };
    sums.iter()
        .zip(durations_secs.iter().cycle())
        .map(|(sum, d)| {
            let hours = f64::from(*d) / 3600.0;
            sum.total() / (a * hours.powf(1.0 - b))
        })
        .fold(0.0, f64::max)
}
