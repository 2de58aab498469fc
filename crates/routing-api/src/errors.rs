//! Library refusals in the API's error shape: bad input is a 4xx naming the field.

use yingji_routing::RoutingError;
use yingji_server::error::ApiError;

/// Maps a routing error; `rename` turns the library's field names into the request's.
pub(crate) fn api_error(error: RoutingError, rename: &[(&str, &str)]) -> ApiError {
    let field = |f: String| {
        rename
            .iter()
            .find(|(from, _)| f == *from || f.starts_with(&format!("{from}[")))
            .map(|(from, to)| f.replacen(from, to, 1))
            .unwrap_or(f)
    };
    let message = error.to_string();
    match error {
        RoutingError::InvalidCoordinate { field: f, .. } => {
            ApiError::new("invalid_coordinate", message).field(field(f))
        }
        RoutingError::PointOffNetwork {
            field: f,
            lon,
            lat,
            distance_m,
            limit_m,
        } => {
            let f = field(f);
            ApiError::new(
                "outside_graph",
                format!("{f} ({lon}, {lat}) is {distance_m:.0} m from the nearest road of the graph; the limit is {limit_m:.0} m"),
            )
            .field(f)
        }
        RoutingError::InvalidParameter { field: f, .. } => {
            ApiError::new("invalid_value", message).field(field(f))
        }
        RoutingError::UnknownSegment(_) => ApiError::new("invalid_value", message).field("segment"),
        other => {
            tracing::error!(error = %other, "routing failure");
            ApiError::internal()
        }
    }
}
