//! The warning lifecycle: raised → acknowledged → escalated → lifted, every step recorded.
//!
//! Pure state machine; storing warnings, auditing and broadcasting are the server's job.
//! [`WarningBook`] turns engine [`Signal`]s into warnings and enforces one open warning per
//! rule and subject.
use crate::engine::{Event, Signal};
use crate::level::Level;
use crate::rule::{RuleId, Subject};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WarningId(pub u64);
impl std::fmt::Display for WarningId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningState {
    /// New, waiting for a duty officer.
    Raised,
    Acknowledged,
    /// Level rose, or nobody acknowledged in time; waiting for (renewed) acknowledgement.
    Escalated,
    Lifted,
}
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Raised,
    Acknowledged {
        by: String,
    },
    /// The level rose from `from` to the step's level.
    LevelRose {
        from: Level,
    },
    /// Nobody acknowledged within the deadline.
    Overdue,
    /// The level fell from `from` to the step's level.
    LevelFell {
        from: Level,
    },
    /// `by` is `None` when the rule lifted it, a person when lifted by hand.
    Lifted {
        by: Option<String>,
    },
}
/// One history entry: what happened, when, and the level after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub at: DateTime<Utc>,
    pub level: Level,
    #[serde(flatten)]
    pub action: Action,
}
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    pub id: WarningId,
    pub rule: RuleId,
    pub subject: Subject,
    pub level: Level,
    pub state: WarningState,
    pub history: Vec<Step>,
    /// Since when an acknowledgement has been owed (raise or last level rise); `None` once
    /// acknowledged or lifted.
    awaiting_since: Option<DateTime<Utc>>,
    /// Escalated for lack of acknowledgement since `awaiting_since`.
    overdue: bool,
}
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LifecycleError {
    #[error("warning {0} is already lifted")]
    Lifted(WarningId),
    #[error("warning {0} is already acknowledged")]
    AlreadyAcknowledged(WarningId),
    #[error("warning {id}: new level {to:?} must differ from {from:?}")]
    SameLevel {
        id: WarningId,
        from: Level,
        to: Level,
    },
    #[error("warning {0} is not overdue: it was acknowledged or already escalated")]
    NotOverdue(WarningId),
    #[error("warning {id}: step at {at} is earlier than the last recorded step")]
    OutOfOrder { id: WarningId, at: DateTime<Utc> },
    #[error("acknowledging needs the name of a person")]
    Anonymous,
    #[error("rule {rule} already has an open warning on {subject}", subject = .subject.0)]
    AlreadyOpen { rule: RuleId, subject: Subject },
    #[error("rule {rule} has no open warning on {subject}", subject = .subject.0)]
    NoOpenWarning { rule: RuleId, subject: Subject },
    #[error("warning {0} is not open")]
    UnknownWarning(WarningId),
}
impl Warning {
    pub fn raise(
        id: WarningId,
        rule: RuleId,
        subject: Subject,
        level: Level,
        at: DateTime<Utc>,
    ) -> Self {
        Warning {
            id,
            rule,
            subject,
            level,
            state: WarningState::Raised,
            history: vec![Step {
                at,
                level,
                action: Action::Raised,
            }],
            awaiting_since: Some(at),
            overdue: false,
        }
    }
    pub fn is_open(&self) -> bool {
        self.state != WarningState::Lifted
    }
    pub fn acknowledge(&mut self, by: &str, at: DateTime<Utc>) -> Result<(), LifecycleError> {
        if by.trim().is_empty() {
            return Err(LifecycleError::Anonymous);
        }
        self.check(at)?;
        if self.state == WarningState::Acknowledged {
            return Err(LifecycleError::AlreadyAcknowledged(self.id));
        }
        self.state = WarningState::Acknowledged;
        self.awaiting_since = None;
        self.overdue = false;
        self.record(
            at,
            Action::Acknowledged {
                by: by.trim().to_owned(),
            },
        );
        Ok(())
    }
    /// A new level from the rule: a rise escalates (and needs a new acknowledgement), a fall
    /// is recorded and keeps the state.
    pub fn change_level(&mut self, to: Level, at: DateTime<Utc>) -> Result<(), LifecycleError> {
        self.check(at)?;
        let from = self.level;
        if to == from {
            return Err(LifecycleError::SameLevel {
                id: self.id,
                from,
                to,
            });
        }
        self.level = to;
        if to > from {
            self.state = WarningState::Escalated;
            self.awaiting_since = Some(at);
            self.overdue = false;
            self.record(at, Action::LevelRose { from });
        } else {
            self.record(at, Action::LevelFell { from });
        }
        Ok(())
    }
    /// Whether nobody has acknowledged within `deadline` and it was not yet escalated for it.
    pub fn is_overdue(&self, now: DateTime<Utc>, deadline: Duration) -> bool {
        self.is_open() && !self.overdue && self.awaiting_since.is_some_and(|s| now - s >= deadline)
    }
    /// Escalates for lack of acknowledgement (the server notifies the next person up).
    pub fn escalate_overdue(&mut self, at: DateTime<Utc>) -> Result<(), LifecycleError> {
        self.check(at)?;
        if self.overdue || self.awaiting_since.is_none() {
            return Err(LifecycleError::NotOverdue(self.id));
        }
        self.state = WarningState::Escalated;
        self.overdue = true;
        self.record(at, Action::Overdue);
        Ok(())
    }
    pub fn lift(&mut self, by: Option<&str>, at: DateTime<Utc>) -> Result<(), LifecycleError> {
        self.check(at)?;
        self.state = WarningState::Lifted;
        self.awaiting_since = None;
        self.record(
            at,
            Action::Lifted {
                by: by.map(str::to_owned),
            },
        );
        Ok(())
    }
    /// A rule's signal carries its observation's time, but a person may have acted on the
    /// warning after that observation was taken and before it was processed (an
    /// acknowledgement landing mid-batch). The rule's step is then recorded at the person's
    /// time, so the history stays in order and the rule's state and the book never part.
    fn no_earlier_than_history(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        self.history.last().map_or(at, |last| at.max(last.at))
    }
    fn check(&self, at: DateTime<Utc>) -> Result<(), LifecycleError> {
        if !self.is_open() {
            return Err(LifecycleError::Lifted(self.id));
        }
        if self.history.last().is_some_and(|last| at < last.at) {
            return Err(LifecycleError::OutOfOrder { id: self.id, at });
        }
        Ok(())
    }
    fn record(&mut self, at: DateTime<Utc>, action: Action) {
        self.history.push(Step {
            at,
            level: self.level,
            action,
        });
    }
}
/// What applying a signal did.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// A warning was raised or changed; it stays open.
    Open(WarningId),
    /// The warning was lifted and left the book; store it as closed.
    Closed(Box<Warning>),
    /// A fault signal: faults are not warnings and are left to the caller.
    Fault,
}
/// The open warnings, at most one per (rule, subject).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WarningBook {
    open: Vec<Warning>,
    next_id: u64,
}
impl WarningBook {
    /// A book continuing from stored open warnings; new ids start at `next_id`.
    pub fn new(open: Vec<Warning>, next_id: u64) -> Self {
        WarningBook { open, next_id }
    }
    pub fn open(&self) -> &[Warning] {
        &self.open
    }
    pub fn get(&self, id: WarningId) -> Option<&Warning> {
        self.open.iter().find(|w| w.id == id)
    }
    fn position(&self, rule: &RuleId, subject: &Subject) -> Option<usize> {
        self.open
            .iter()
            .position(|w| &w.rule == rule && &w.subject == subject)
    }
    fn by_id(&mut self, id: WarningId) -> Result<&mut Warning, LifecycleError> {
        self.open
            .iter_mut()
            .find(|w| w.id == id)
            .ok_or(LifecycleError::UnknownWarning(id))
    }
    pub fn apply(&mut self, signal: &Signal) -> Result<Applied, LifecycleError> {
        let found = self.position(&signal.rule, &signal.subject);
        let missing = || LifecycleError::NoOpenWarning {
            rule: signal.rule.clone(),
            subject: signal.subject.clone(),
        };
        match (&signal.event, found) {
            (Event::Raised { .. }, Some(_)) => Err(LifecycleError::AlreadyOpen {
                rule: signal.rule.clone(),
                subject: signal.subject.clone(),
            }),
            (Event::Raised { level, .. }, None) => {
                let id = WarningId(self.next_id);
                self.next_id += 1;
                self.open.push(Warning::raise(
                    id,
                    signal.rule.clone(),
                    signal.subject.clone(),
                    *level,
                    signal.at,
                ));
                Ok(Applied::Open(id))
            }
            (Event::LevelChanged { to, .. }, Some(i)) => {
                let at = self.open[i].no_earlier_than_history(signal.at);
                self.open[i].change_level(*to, at)?;
                Ok(Applied::Open(self.open[i].id))
            }
            (Event::Lifted { .. }, Some(i)) => {
                let at = self.open[i].no_earlier_than_history(signal.at);
                self.open[i].lift(None, at)?;
                Ok(Applied::Closed(Box::new(self.open.swap_remove(i))))
            }
            (Event::LevelChanged { .. } | Event::Lifted { .. }, None) => Err(missing()),
            (Event::FaultRaised { .. } | Event::FaultCleared { .. }, _) => Ok(Applied::Fault),
        }
    }
    pub fn acknowledge(
        &mut self,
        id: WarningId,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), LifecycleError> {
        self.by_id(id)?.acknowledge(by, at)
    }
    /// Lifts a warning by hand (the rule may raise it again if the condition persists).
    pub fn lift(
        &mut self,
        id: WarningId,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Warning, LifecycleError> {
        let warning = self.by_id(id)?;
        warning.lift(Some(by), at)?;
        let i = self
            .open
            .iter()
            .position(|w| w.id == id)
            .ok_or(LifecycleError::UnknownWarning(id))?;
        Ok(self.open.swap_remove(i))
    }
    /// Warnings nobody acknowledged within `deadline`, not yet escalated for it.
    pub fn due_escalations(&self, now: DateTime<Utc>, deadline: Duration) -> Vec<WarningId> {
        self.open
            .iter()
            .filter(|w| w.is_overdue(now, deadline))
            .map(|w| w.id)
            .collect()
    }
    pub fn escalate_overdue(
        &mut self,
        id: WarningId,
        at: DateTime<Utc>,
    ) -> Result<(), LifecycleError> {
        self.by_id(id)?.escalate_overdue(at)
    }
}
