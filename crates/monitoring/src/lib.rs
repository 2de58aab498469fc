//! yingji-monitoring: turns sensor observations into graded warnings and sensor faults.
//!
//! A pure library: no clock (time always arrives as a parameter), no I/O except the reader and
//! writer handed to [`fwi::csv::convert`], no async runtime, no storage.
//!
//! * [`rule`]: rules as JSON data (threshold, rate of change, rolling sum, composite,
//!   intensity–duration, fire weather; silence, range and spike faults), versioned.
//! * [`engine`]: rules indexed by datastream, per-rule state, [`Signal`]s out; serializable
//!   state for persistence.
//! * [`lifecycle`]: warnings raised → acknowledged → escalated → lifted, with history.
//! * [`fwi`]: the Canadian Forest Fire Weather Index System and its CSV converter.
//! * [`defaults`]: default rules per sensor type.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use yingji_monitoring::defaults::{default_rules_for, SensorProfile};
//! use yingji_monitoring::lifecycle::WarningBook;
//! use yingji_monitoring::{DatastreamId, Engine, Level, Observation};
//!
//! let gauge = DatastreamId(17);
//! let rules = default_rules_for(&SensorProfile::RainGauge { datastream: gauge }).unwrap();
//! let mut engine = Engine::with_rules(rules).unwrap();
//! let mut book = WarningBook::default();
//!
//! let now = Utc.with_ymd_and_hms(2023, 7, 30, 8, 0, 0).unwrap();
//! // A SensorThings result as received; parse refuses NaN, strings, far-future times.
//! let obs = Observation::from_json_result(gauge, now, &serde_json::json!(21.5), now).unwrap();
//! for signal in engine.ingest(&obs) {
//!     book.apply(&signal).unwrap(); // the server also stores and broadcasts the signal
//! }
//! assert_eq!(book.open()[0].level, Level::Blue); // ≥ 20 mm within 1 h
//! let _faults = engine.tick(now + chrono::Duration::minutes(1)); // periodically
//! let saved = serde_json::to_string(&engine.snapshot()).unwrap();
//! let _engine = Engine::restore(serde_json::from_str(&saved).unwrap()).unwrap();
//! ```

pub mod defaults;
pub mod drill;
pub mod engine;
pub mod fwi;
pub mod level;
pub mod lifecycle;
pub mod observation;
pub mod rule;
mod window;

pub use engine::{Engine, EngineState, Event, FaultKind, Signal};
pub use level::{Band, Direction, Grading, Level};
pub use observation::{DatastreamId, Observation, ObservationError};
pub use rule::{Clause, Combine, Condition, Name, Rule, RuleError, RuleId, Subject};
