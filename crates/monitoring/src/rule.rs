//! Rules as data: JSON-stable, versioned, validated before the engine accepts them.

use serde::{Deserialize, Serialize};

use crate::fwi::{FwiCodes, FwiError};
use crate::level::{Direction, Grading, GradingError, Level};
use crate::observation::DatastreamId;

/// A rule's stable identifier (e.g. `rain-1h:ds-17`): 1–80 characters of ASCII letters,
/// digits and `-_.:`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RuleId(String);

impl RuleId {
    pub fn parse(text: impl Into<String>) -> Result<Self, RuleError> {
        let text = text.into();
        let valid = (1..=80).contains(&text.len())
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
        if valid {
            Ok(RuleId(text))
        } else {
            Err(RuleError::InvalidId(text))
        }
    }

    /// For ids the crate builds from fixed prefixes and numbers (default rules).
    pub(crate) fn generated(text: String) -> Self {
        debug_assert!(RuleId::parse(text.clone()).is_ok(), "{text}");
        RuleId(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RuleId {
    type Error = RuleError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        RuleId::parse(text)
    }
}

impl From<RuleId> for String {
    fn from(id: RuleId) -> String {
        id.0
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a warning is about: a datastream, a station, a hazard point (`hazard-point:HP-032`).
/// Opaque to the engine; the server resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Subject(pub String);

/// A name in the working language and in English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Name {
    pub zh: String,
    pub en: String,
}

/// One warning or fault rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: RuleId,
    /// Grows with every edit; the engine refuses to replace a rule by an older version.
    pub version: u32,
    pub name: Name,
    pub subject: Subject,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    pub condition: Condition,
}

fn enabled_by_default() -> bool {
    true
}

/// Composite clauses combine with…
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    All,
    Any,
}

/// One clause of a composite: the latest value of `datastream` reaches `value`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    pub datastream: DatastreamId,
    pub direction: Direction,
    pub value: f64,
}

/// What a rule watches. Hazard kinds produce warnings; `silence`, `range` and `spike` produce
/// faults, and an observation that trips `range` or `spike` is kept away from hazard rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The observed value itself, graded.
    Threshold {
        datastream: DatastreamId,
        grading: Grading,
    },
    /// Change of the value over the last `per_secs` (newest minus oldest sample in that span).
    RateOfChange {
        datastream: DatastreamId,
        per_secs: u32,
        grading: Grading,
    },
    /// Sum of the results over the last `window_secs` (results are increments, e.g. mm of
    /// rain since the previous report).
    RollingSum {
        datastream: DatastreamId,
        window_secs: u32,
        grading: Grading,
    },
    /// The latest values of several datastreams, combined; values older than `max_age_secs`
    /// count as unknown (false).
    Composite {
        combine: Combine,
        clauses: Vec<Clause>,
        level: Level,
        max_age_secs: u32,
        #[serde(default)]
        min_duration_secs: u32,
        #[serde(default)]
        release_after_secs: u32,
    },
    /// Rainfall intensity–duration threshold I = a·D^-b (I in mm/h, D in h) over the gauges
    /// near a hazard point. The graded measure is the largest ratio of the observed mean
    /// intensity to the threshold, over gauges and `durations_secs`.
    IntensityDuration {
        gauges: Vec<DatastreamId>,
        a: f64,
        b: f64,
        durations_secs: Vec<u32>,
        grading: Grading,
    },
    /// Daily Fire Weather Index from a weather station's noon observations; FWI is graded.
    FireWeather {
        temperature: DatastreamId,
        humidity: DatastreamId,
        wind: DatastreamId,
        /// Rain increments (mm); the 24 h sum ending at noon is used.
        rain: DatastreamId,
        latitude: f64,
        /// Offset of local standard time from UTC; China Standard Time is +480.
        #[serde(default = "china_standard_time")]
        utc_offset_minutes: i32,
        #[serde(default)]
        start: FwiCodes,
        grading: Grading,
    },
    /// Fault: no observation for `after_secs`.
    Silence {
        datastream: DatastreamId,
        after_secs: u32,
    },
    /// Fault: a value outside the sensor's physical range.
    Range {
        datastream: DatastreamId,
        min: f64,
        max: f64,
    },
    /// Fault: a jump of more than `max_jump` from the last good value. After
    /// `confirm_after` consecutive jumps to a new level the new level is accepted as real.
    Spike {
        datastream: DatastreamId,
        max_jump: f64,
        #[serde(default = "spike_confirmations")]
        confirm_after: u8,
    },
}

impl Condition {
    /// The datastream ids this condition reads, in place (duplicates included): the one
    /// list of a condition's inputs, for reading them and for re-pointing a copy.
    pub fn datastreams_mut(&mut self) -> Vec<&mut DatastreamId> {
        match self {
            Condition::Threshold { datastream, .. }
            | Condition::RateOfChange { datastream, .. }
            | Condition::RollingSum { datastream, .. }
            | Condition::Silence { datastream, .. }
            | Condition::Range { datastream, .. }
            | Condition::Spike { datastream, .. } => vec![datastream],
            Condition::Composite { clauses, .. } => {
                clauses.iter_mut().map(|c| &mut c.datastream).collect()
            }
            Condition::IntensityDuration { gauges, .. } => gauges.iter_mut().collect(),
            Condition::FireWeather {
                temperature,
                humidity,
                wind,
                rain,
                ..
            } => vec![temperature, humidity, wind, rain],
        }
    }
}

fn china_standard_time() -> i32 {
    480
}

fn spike_confirmations() -> u8 {
    3
}

/// Caine (1980) global landslide threshold, I = 14.82·D^-0.39.
pub const CAINE_1980: (f64, f64) = (14.82, 0.39);

/// Longest window a rule may keep, so engine memory stays bounded (7 days).
pub const MAX_WINDOW_SECS: u32 = 7 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleError {
    #[error("rule id `{0}` must be 1-80 characters of letters, digits and -_.:")]
    InvalidId(String),
    #[error("rule {rule}: {field} {reason}")]
    Invalid {
        rule: RuleId,
        field: &'static str,
        reason: String,
    },
    #[error("rule {rule}: grading: {source}")]
    Grading { rule: RuleId, source: GradingError },
    #[error("rule {rule}: version {offered} does not replace the stored version {stored}")]
    StaleVersion {
        rule: RuleId,
        stored: u32,
        offered: u32,
    },
    #[error("sensor parameter {parameter}: {reason}")]
    Parameter {
        parameter: &'static str,
        reason: &'static str,
    },
    #[error("rule {0} does not exist")]
    NotFound(RuleId),
}

impl Rule {
    /// Checks everything the engine relies on; the server calls this before storing an edit.
    pub fn validate(&self) -> Result<(), RuleError> {
        let invalid = |field: &'static str, reason: &str| RuleError::Invalid {
            rule: self.id.clone(),
            field,
            reason: reason.to_owned(),
        };
        let grading = |g: &Grading| {
            g.validate().map_err(|source| RuleError::Grading {
                rule: self.id.clone(),
                source,
            })
        };
        let window = |field, secs: u32| {
            if secs == 0 || secs > MAX_WINDOW_SECS {
                Err(invalid(field, "must be between 1 second and 7 days"))
            } else {
                Ok(())
            }
        };
        if self.subject.0.trim().is_empty() {
            return Err(invalid("subject", "must not be empty"));
        }
        if self.name.zh.trim().is_empty() && self.name.en.trim().is_empty() {
            return Err(invalid("name", "needs a zh or en text"));
        }
        match &self.condition {
            Condition::Threshold { grading: g, .. } => grading(g),
            Condition::RateOfChange {
                per_secs,
                grading: g,
                ..
            } => window("per_secs", *per_secs).and_then(|()| grading(g)),
            Condition::RollingSum {
                window_secs,
                grading: g,
                ..
            } => window("window_secs", *window_secs).and_then(|()| grading(g)),
            Condition::Composite {
                clauses,
                max_age_secs,
                ..
            } => {
                if clauses.is_empty() {
                    return Err(invalid("clauses", "must not be empty"));
                }
                if clauses.iter().any(|c| !c.value.is_finite()) {
                    return Err(invalid("clauses", "values must be finite"));
                }
                window("max_age_secs", *max_age_secs)
            }
            Condition::IntensityDuration {
                gauges,
                a,
                b,
                durations_secs,
                grading: g,
            } => {
                if gauges.is_empty() {
                    return Err(invalid("gauges", "must not be empty"));
                }
                if !(a.is_finite() && *a > 0.0) {
                    return Err(invalid("a", "must be a positive number"));
                }
                if !(b.is_finite() && (0.0..2.0).contains(b)) {
                    return Err(invalid("b", "must be in [0, 2)"));
                }
                if durations_secs.is_empty() {
                    return Err(invalid("durations_secs", "must not be empty"));
                }
                for d in durations_secs {
                    window("durations_secs", *d)?;
                }
                grading(g)
            }
            Condition::FireWeather {
                latitude,
                utc_offset_minutes,
                start,
                grading: g,
                ..
            } => {
                if !(-90.0..=90.0).contains(latitude) {
                    return Err(invalid("latitude", "must be between -90 and 90"));
                }
                if utc_offset_minutes.abs() > 14 * 60 {
                    return Err(invalid("utc_offset_minutes", "must be within ±14 h"));
                }
                FwiCodes::new(start.ffmc, start.dmc, start.dc)
                    .map_err(|e: FwiError| invalid("start", &e.to_string()))?;
                grading(g)
            }
            Condition::Silence { after_secs, .. } => window("after_secs", *after_secs),
            Condition::Range { min, max, .. } => {
                if min.is_finite() && max.is_finite() && min < max {
                    Ok(())
                } else {
                    Err(invalid("min", "min and max must be finite with min < max"))
                }
            }
            Condition::Spike {
                max_jump,
                confirm_after,
                ..
            } => {
                if !(max_jump.is_finite() && *max_jump > 0.0) {
                    return Err(invalid("max_jump", "must be a positive number"));
                }
                if *confirm_after == 0 {
                    return Err(invalid("confirm_after", "must be at least 1"));
                }
                Ok(())
            }
        }
    }

    /// Every datastream whose observations this rule reads, without duplicates.
    pub fn datastreams(&self) -> Vec<DatastreamId> {
        let mut ids: Vec<DatastreamId> = self
            .condition
            .clone()
            .datastreams_mut()
            .into_iter()
            .map(|id| *id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Fault rules judge the sensor, not the hazard.
    pub fn is_fault_rule(&self) -> bool {
        matches!(
            self.condition,
            Condition::Silence { .. } | Condition::Range { .. } | Condition::Spike { .. }
        )
    }
}
