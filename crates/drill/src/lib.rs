//! yingji-drill: drills (演练) as data and their after-action evaluation.
//!
//! * [`scenario`]: a scenario file (TOML) read into a checked [`Scenario`]; a malformed
//!   file is refused with the line, column and reason.
//! * [`series`]: the parametric physics of a scenario — a storm cell's rain rate at a gauge,
//!   river stage answering upstream rain with a lag, reservoir level, a gas plume.
//! * [`plan`]: a scenario laid over the county's sensors as one time-ordered list of
//!   [`plan::Step`]s (observations, reports, closures, team changes) for an engine to play.
//! * [`evaluate`]: the drill's event log against the plan's targets.
//! * [`report`]: the evaluation as text and as an HTML page with an SVG timeline.
//!
//! Invariant: pure. No I/O, no clock, no HTTP; every time is seconds from the scenario start.

pub mod duration;
pub mod evaluate;
pub mod plan;
pub mod report;
pub mod scenario;
pub mod series;

pub use evaluate::{evaluate, DrillEvent, Evaluation, EventKind, Metric};
pub use plan::{plan, Site, SiteKind, Step, StepAction, Watch};
pub use scenario::{builtin, Scenario, ScenarioError, BUILTIN};
