//! The one error type of the crate: every refusal names the input and the reason.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum RoutingError {
    #[error("invalid coordinate {field}: lon {lon}, lat {lat} (must be finite WGS84 lon/lat)")]
    InvalidCoordinate { field: String, lon: f64, lat: f64 },
    #[error("point {field} at ({lon}, {lat}) is {distance_m:.0} m from the nearest road, beyond the snapping limit of {limit_m:.0} m")]
    PointOffNetwork {
        field: String,
        lon: f64,
        lat: f64,
        distance_m: f64,
        limit_m: f64,
    },
    #[error("the road graph is empty: {0}")]
    EmptyGraph(String),
    #[error("invalid routrs graph JSON: {0}")]
    RoutrsJson(String),
    #[error("invalid OpenStreetMap PBF: {0}")]
    OsmPbf(String),
    #[error("invalid parameter {field}: {reason}")]
    InvalidParameter { field: String, reason: String },
    #[error("unknown road segment {0}")]
    UnknownSegment(u32),
    #[error("road-graph cache {path}: {reason}")]
    Cache { path: String, reason: String },
    #[error("I/O error on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl RoutingError {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        RoutingError::InvalidParameter {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

pub type Result<T, E = RoutingError> = std::result::Result<T, E>;
