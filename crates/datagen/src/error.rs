//! Errors of the generator: every variant names the file, row or record at fault.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DatagenError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    BadInput { path: PathBuf, reason: String },
    #[error("{path}, row {row}: {source}")]
    Csv {
        path: PathBuf,
        row: u64,
        source: csv::Error,
    },
    #[error("the world road graph (routrs_highways_dataset) is not valid: {0}")]
    RoadGraph(String),
    #[error("could not place {what}: {reason}")]
    Placement { what: String, reason: String },
    #[error("cannot serialise {what}: {reason}")]
    Serialise { what: String, reason: String },
}

pub type Result<T> = std::result::Result<T, DatagenError>;
