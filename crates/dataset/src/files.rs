//! One reader for every registry file, GeoJSON or CSV.

use crate::rows::{csv_rows, geojson_rows};
use std::collections::HashSet;
use yingji_domain::record::RegistryContext;
use yingji_domain::{RecordDraft, RecordKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Csv,
}

impl Format {
    /// By file name: `.geojson`/`.json` or `.csv`.
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        match path.extension()?.to_str()? {
            "geojson" | "json" => Some(Self::GeoJson),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }
}

/// One problem in one row. Rows count from 1: the n-th feature, or the n-th data line of
/// a CSV file (the header is line 1, so the first data row is row 1 at line 2).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}: {}: {}", self.row, self.field, self.reason)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file as a whole cannot be read (not UTF-8, not GeoJSON, no CSV header).
    #[error("{0}")]
    Malformed(String),
    /// Some rows are invalid; none of the file's records are applied.
    #[error("{} rows have errors; nothing was imported. First: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Rows(Vec<RowError>),
}

/// Reads every record of one kind from a file, or every problem in it.
pub fn read_collection(
    kind: RecordKind,
    format: Format,
    bytes: &[u8],
    ctx: &RegistryContext<'_>,
) -> Result<Vec<RecordDraft>, ImportError> {
    let rows = match format {
        Format::GeoJson => geojson_rows(bytes)?,
        Format::Csv => csv_rows(kind, bytes)?,
    };
    let mut drafts = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (index, row) in rows.iter().enumerate() {
        let row_number = index + 1;
        match RecordDraft::from_feature(kind, row, ctx) {
            Ok(draft) if !seen.insert(draft.id.clone()) => errors.push(RowError {
                row: row_number,
                field: "id".into(),
                reason: format!(
                    "duplicate id {} (already used earlier in this file)",
                    draft.id
                ),
            }),
            Ok(draft) => drafts.push(draft),
            Err(problems) => errors.extend(problems.0.into_iter().map(|p| RowError {
                row: row_number,
                field: p.field,
                reason: p.message,
            })),
        }
    }
    if errors.is_empty() {
        Ok(drafts)
    } else {
        Err(ImportError::Rows(errors))
    }
}
