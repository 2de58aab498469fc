//! Routes, travel-time tables and isochrones under the closures in force.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use yingji_routing::{LonLat, Route, RouteAnswer};
use yingji_server::error::ApiError;

use crate::errors::api_error;
use crate::RoutingService;

/// More cells than this in one table is refused (a planning run uses the analyses).
pub const MAX_TABLE_CELLS: usize = 250_000;

/// A found route as served (`status` is `found`); the unreachable answer is
/// `{"status": "unreachable", "message"}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FoundRoute {
    /// Always `found`.
    pub status: String,
    pub travel_time_s: f64,
    pub travel_time_min: f64,
    pub distance_m: f64,
    /// Metres travelled off the roads (included in `distance_m`): the legs to and from the
    /// nearest roads, or all of it for a cross-country route.
    pub offroad_m: f64,
    /// `true` when the route is one straight cross-country leg between nearby points (no
    /// road; two-point line), taken because it is faster than the roads. Added later than the
    /// other fields: clients that do not know it still read a valid route.
    pub cross_country: bool,
    /// Road segment ids driven, in order (empty for a cross-country route).
    pub segments: Vec<u32>,
    /// GeoJSON Feature: the LineString, with `travel_time_s`, `distance_m`, `offroad_m` and
    /// `cross_country` as properties.
    #[schema(value_type = Object)]
    pub feature: geojson::Feature,
}

impl From<Route> for FoundRoute {
    fn from(route: Route) -> Self {
        FoundRoute {
            status: "found".into(),
            travel_time_s: route.travel_time_s,
            travel_time_min: route.travel_time_s / 60.0,
            distance_m: route.distance_m,
            offroad_m: route.offroad_m,
            cross_country: route.cross_country,
            feature: route.to_geojson(),
            segments: route.segments,
        }
    }
}

/// A travel-time table in minutes; `None` is an explicit "unreachable".
#[derive(Debug, Clone, Serialize)]
pub struct MinutesTable {
    pub minutes: Vec<Vec<Option<f64>>>,
    /// How many (origin, destination) pairs no road connects under the closures in force.
    pub unreachable_pairs: usize,
}

impl RoutingService {
    /// The fastest route: a [`FoundRoute`] or `{"status": "unreachable"}`.
    pub async fn route(
        &self,
        from: LonLat,
        to: LonLat,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        let overlay = self.overlay_at(now).await?;
        let answer = self
            .router
            .route(from, to, &overlay)
            .map_err(|e| api_error(e, &[]))?;
        Ok(match answer {
            RouteAnswer::Found(route) => json!(FoundRoute::from(route)),
            RouteAnswer::Unreachable => json!({
                "status": "unreachable",
                "message": "no road connects these points under the closures in force",
            }),
        })
    }

    /// Travel times from every origin to every destination (one-to-many or many-to-many).
    pub async fn table(
        &self,
        from: &[LonLat],
        to: &[LonLat],
        now: DateTime<Utc>,
    ) -> Result<MinutesTable, ApiError> {
        for (field, list) in [("from", from), ("to", to)] {
            if list.is_empty() {
                return Err(
                    ApiError::new("required", format!("{field} needs at least one point"))
                        .field(field),
                );
            }
        }
        if from.len() * to.len() > MAX_TABLE_CELLS {
            return Err(ApiError::new(
                "too_large",
                format!(
                    "{} x {} pairs exceed the limit of {MAX_TABLE_CELLS}",
                    from.len(),
                    to.len()
                ),
            )
            .field("to"));
        }
        let overlay = self.overlay_at(now).await?;
        let table = self
            .router
            .travel_times(from, to, &overlay)
            .map_err(|e| api_error(e, &[("origins", "from"), ("destinations", "to")]))?;
        let minutes: Vec<Vec<Option<f64>>> = table
            .rows
            .iter()
            .map(|row| row.iter().map(|s| s.map(|s| s / 60.0)).collect())
            .collect();
        let unreachable_pairs = minutes.iter().flatten().filter(|m| m.is_none()).count();
        Ok(MinutesTable {
            minutes,
            unreachable_pairs,
        })
    }

    /// The area reachable from `at` within `minutes`, as a GeoJSON Feature.
    pub async fn isochrone(
        &self,
        at: LonLat,
        minutes: f64,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        let overlay = self.overlay_at(now).await?;
        let router = self.router.clone();
        let area = tokio::task::spawn_blocking(move || router.isochrone(at, minutes, &overlay))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "isochrone task failed");
                ApiError::internal()
            })?
            .map_err(|e| api_error(e, &[("origin", "at")]))?;
        serde_json::to_value(area.to_geojson()).map_err(|e| {
            tracing::error!(error = %e, "isochrone serialization");
            ApiError::internal()
        })
    }
}
