//! Fault rules: they judge the sensor, not the hazard, and can keep a bad value away from the
//! hazard rules of its datastream.

use chrono::{DateTime, Utc};

use super::signal::{Event, FaultKind};
use super::state::{Delivery, Events, RuleState};
use crate::rule::Condition;

impl RuleState {
    /// Fault rules: judges the observation's sensor. Returns true when the value must be kept
    /// away from hazard rules. `quarantined` says an earlier fault rule already refused it.
    pub fn judge(
        &mut self,
        condition: &Condition,
        input: Delivery,
        quarantined: bool,
        emit: Events,
    ) -> bool {
        let (at, value) = (input.obs.phenomenon_time(), input.obs.result());
        match (self, condition) {
            (RuleState::Range { raised }, Condition::Range { min, max, .. }) => {
                let bad = value < *min || value > *max;
                if !input.late {
                    toggle_fault(raised, bad, FaultKind::OutOfRange, at, value, emit);
                }
                bad
            }
            (
                RuleState::Spike {
                    reference,
                    streak,
                    raised,
                },
                Condition::Spike {
                    max_jump,
                    confirm_after,
                    ..
                },
            ) => {
                if input.late || quarantined {
                    return false;
                }
                let jumped = reference.is_some_and(|r| (value - r).abs() > *max_jump);
                let bad = if jumped {
                    *streak += 1;
                    if *streak >= *confirm_after {
                        // The value stayed at the new level: it is real, not a spike.
                        *streak = 0;
                        *reference = Some(value);
                        false
                    } else {
                        true
                    }
                } else {
                    *streak = 0;
                    *reference = Some(value);
                    false
                };
                toggle_fault(raised, bad, FaultKind::Spike, at, value, emit);
                bad
            }
            (
                RuleState::Silence {
                    last_seen,
                    raised_at,
                    ..
                },
                Condition::Silence { .. },
            ) => {
                if last_seen.is_none_or(|seen| at > seen) {
                    *last_seen = Some(at);
                }
                // A late value (older than the newest) says nothing about the sensor now.
                if let Some(raised) = raised_at.take_if(|_| !input.late) {
                    // A delayed report may carry a time before the fault was raised; the
                    // clearing step never precedes the raising one.
                    emit(
                        at.max(raised),
                        Event::FaultCleared {
                            fault: FaultKind::Silence,
                        },
                    );
                }
                false
            }
            _ => false,
        }
    }
}

fn toggle_fault(
    raised: &mut bool,
    bad: bool,
    fault: FaultKind,
    at: DateTime<Utc>,
    value: f64,
    emit: Events,
) {
    if bad && !*raised {
        *raised = true;
        emit(
            at,
            Event::FaultRaised {
                fault,
                value: Some(value),
            },
        );
    } else if !bad && *raised {
        *raised = false;
        emit(at, Event::FaultCleared { fault });
    }
}
