//! yingji-incidents: the incident-command domain, pure.
//!
//! * [`figures`]: casualty and damage figures (灾情数据) kept per field report, so an
//!   incident shows the latest cumulative value, the change since the previous report and
//!   the report each value came from; decreases need an explicit correction.
//! * [`orders`]: the dispatch-order lifecycle (proposed → … → completed / cancelled).
//! * [`plans`]: emergency plans (应急预案) as data, and their activation into tasks.
//! * [`drill`]: drill ids that mark exercise traffic apart from real emergencies.
//! * [`photo`]: accepted photo types (by signature) and size limits.
//! * [`report`]: situation reports (首报, 续报, 终报) rendered from figures and timeline,
//!   as one model of blocks that [`report::SituationReport::to_html`] and [`docx`] render.
//!
//! Architecture invariant: no I/O, storage, HTTP, async runtime or clock; every time
//! arrives as a parameter.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod docx;
pub mod drill;
pub mod figures;
pub mod orders;
pub mod photo;
pub mod plans;
pub mod report;

pub use drill::DrillId;
pub use figures::{Figure, FigureError, ReportedFigures, Tally, TallyEntry};
pub use orders::{OrderError, OrderStatus};
pub use photo::PhotoType;
pub use plans::{Plan, PlanAction, PlanError, PlanLevel, TaskDraft, TaskStatus};
