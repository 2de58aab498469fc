//! yingji-dataset: reading a county's registries — the shipped default dataset or a
//! bureau's own GeoJSON and CSV files — into validated records.
//!
//! Every problem is reported per row (row number, field, reason), and a file with any
//! problem yields no records at all, so an import either applies whole or changes nothing.
//!
//! Architecture invariant: parsing only. No storage, no HTTP; the caller decides where
//! the records go.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod county;
mod files;
mod rows;

pub use county::county_from_geojson;
pub use files::{read_collection, Format, ImportError, RowError};
