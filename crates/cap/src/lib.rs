//! yingji-cap: the Common Alerting Protocol (CAP) 1.2 for yingji.
//!
//! - [`validate`] reads a document (a CAP alert or an EDXL-DE container, any declared
//!   encoding, DTDs refused, size and depth bounded) and reports every violation of the
//!   XSD and of CAP 1.2 section 3 with its path, plus XML-DSig signature problems.
//! - [`model`] is the typed message; [`write_alert`] serializes it.
//! - [`authoring`] drafts, approves and publishes yingji's own warnings (GB/T 35965.1).
//! - [`validate_file`] is what `yingji cap validate FILE…` prints.
//!
//! ```
//! use yingji_cap::{validate, ReadOptions};
//!
//! let xml = r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
//!   <identifier>X-1</identifier><sender>a@example.org</sender>
//!   <sent>2026-04-02T07:45:00+08:00</sent><status>Actual</status>
//!   <msgType>Update</msgType><scope>Public</scope></alert>"#;
//! let report = validate(xml.as_bytes(), &ReadOptions::default());
//! assert!(!report.is_valid());
//! assert_eq!(
//!     report.to_string(),
//!     "INVALID: 1 violation(s)\n    /alert/references [references_required] \
//!      msgType Update must name the message(s) it refers to in <references> (§3.2.1)"
//! );
//! ```
//!
//! Architecture invariant: pure library — no I/O except [`validate_file`] reading the file
//! it is given, no network, no async, no database.

pub mod authoring;
mod datetime;
mod decode;
pub mod dsig;
mod geo;
pub mod model;
mod rules;
mod schema;
mod validate;
mod violation;
mod write;
pub mod xml;

pub use datetime::{CapDateTime, DateTimeError};
pub use decode::DecodeError;
pub use geo::{Circle, GeometryError, Point, Polygon};
pub use validate::{
    validate, validate_file, AlertReport, FileReport, ReadError, ReadOptions, Report,
    SignatureStatus, EDXL_DE_NAMESPACE,
};
pub use violation::{RuleKind, Violation};
pub use write::write_alert;
