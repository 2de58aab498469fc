//! What the engine tells the server: warnings raised, changed or lifted, and sensor faults.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::level::Level;
use crate::rule::{RuleId, Subject};

/// One state change of one rule. Emitted only on changes, so the server can persist each
/// signal as a warning history step and broadcast it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub rule: RuleId,
    /// The rule version that produced the signal.
    pub version: u32,
    pub subject: Subject,
    pub at: DateTime<Utc>,
    pub event: Event,
}

/// `value` is the graded measure: the reading, the window sum (mm), the change per period,
/// the FWI, the intensity–duration ratio (1 = on the threshold), or 1/0 for a composite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Raised {
        level: Level,
        value: f64,
    },
    LevelChanged {
        from: Level,
        to: Level,
        value: f64,
    },
    /// `value` is `None` when the warning is closed because its rule changed or was removed.
    Lifted {
        from: Level,
        value: Option<f64>,
    },
    FaultRaised {
        fault: FaultKind,
        value: Option<f64>,
    },
    FaultCleared {
        fault: FaultKind,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// No observation for longer than the rule allows.
    Silence,
    /// A value outside the sensor's physical range.
    OutOfRange,
    /// An implausible jump between consecutive values.
    Spike,
    /// A fire-weather day could not be computed: a noon input was missing.
    IncompleteFireWeather,
}
