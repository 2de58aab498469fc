//! yingji-monitoring: turns sensor observations into graded warnings and faults.
//!
//! A pure library: no I/O except the reader/writer handed to [`fwi::csv::convert`], no clock
//! (time always arrives as a parameter), no async runtime, no storage.

pub mod engine;
pub mod fwi;
pub mod level;
pub mod observation;
pub mod rule;
mod window;

pub use engine::{Engine, EngineState, Event, FaultKind, Signal};
pub use level::{Band, Direction, Grading, Level};
pub use observation::{DatastreamId, Observation, ObservationError};
pub use rule::{Clause, Combine, Condition, Name, Rule, RuleError, RuleId, Subject};
pub mod defaults;
pub mod lifecycle;
