//! yingji-domain: the vocabulary every other crate speaks.
//!
//! Validated newtypes (parse, don't validate), the registry record model with its per-kind
//! property rules, roles and jurisdiction, and the one error shape for invalid input.
//!
//! Architecture invariant: this crate knows nothing about storage, HTTP or any runtime.
//! It does I/O only through the callers' hands (values in, values out).

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod access;
pub mod codes;
pub mod error;
pub mod geometry;
pub mod ids;
pub mod incident;
pub mod kinds;
pub mod record;
pub mod time;

pub use access::{Jurisdiction, Principal, ReadScope, Role};
pub use codes::{TownCode, VillageCode};
pub use error::{FieldError, FieldErrors};
pub use geometry::{County, LonLat};
pub use ids::RecordId;
pub use kinds::RecordKind;
pub use record::{Record, RecordDraft};
