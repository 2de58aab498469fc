//! yingji-routing: road-network travel times and the planning analyses built on them.
//!
//! * [`RoadGraph`] — loaded from OSM PBF ([`RoadGraph::from_osm_pbf`]) or the routrs node
//!   format ([`RoadGraph::from_routrs_json`]).
//! * [`Router`] — snapping, routes, travel-time tables, isochrones; prepared once (contraction
//!   hierarchy), cached on disk by [`load_or_prepare`]. Between nearby points it also offers a
//!   bounded straight cross-country leg (`cross_country.rs`).
//! * [`ClosureSet`] — closures and slow-downs honoured by every query at once.
//! * [`analysis`] — coverage, aerial reach, evacuation (min-cost flow), exposure.
//!
//! Pure library: no I/O besides the readers and cache file it is handed, no clock, no async.
//!
//! ```no_run
//! use yingji_routing::*;
//! # fn main() -> Result<()> {
//! let file = std::fs::File::open("data/jizhou/roads.routrs.json").map_err(|e| RoutingError::Io {
//!     path: "roads.routrs.json".into(),
//!     source: e,
//! })?;
//! let graph = RoadGraph::from_routrs_json(file, &RoutrsSpeedRule::default(), &RoutrsClip::everything())?;
//! let (router, _) = load_or_prepare(std::path::Path::new("cache"), graph, RouterConfig::default())?;
//!
//! let mut closures = ClosureSet::new();
//! let now = chrono::Utc::now(); // the caller's clock: the library reads none
//! let landslide = router.snap(LonLat::new(117.45, 40.15)?, "closure point")?.segment;
//! closures.add(router.graph(), landslide, 0.0, "landslide", now + chrono::Duration::hours(12))?;
//!
//! let overlay = closures.overlay_at(now);
//! let from = LonLat::new(117.407, 40.045)?;
//! let to = LonLat::new(117.6, 40.1)?;
//! match router.route(from, to, &overlay)? {
//!     RouteAnswer::Found(route) => println!("{:.0} s, {:.0} m", route.travel_time_s, route.distance_m),
//!     RouteAnswer::Unreachable => println!("unreachable"),
//! }
//! let table = router.travel_times(&[from], &[to], &overlay)?; // rows[origin][destination]
//! let area = router.isochrone(from, 30.0, &overlay)?.to_geojson();
//! # let _ = (table, area);
//! # Ok(())
//! # }
//! ```

mod access;
pub mod analysis;
mod cache;
mod ch;
mod closures;
mod cross_country;
mod dijkstra;
mod error;
mod geometry;
mod graph;
mod isochrone;
mod osm;
mod router;
mod routrs;
mod snap;
mod speed;

pub use cache::{load_or_prepare, CacheOutcome};
pub use ch::ContractionHierarchy;
pub use closures::{Closure, ClosureId, ClosureSet, CostOverlay};
pub use error::{Result, RoutingError};
pub use geometry::{haversine_m, BoundingBox, LonLat};
pub use graph::{
    Direction, Millis, NodeIndex, RoadGraph, RoadGraphBuilder, RoadNode, RoadSegment, SegmentId,
};
pub use isochrone::Isochrone;
pub use router::{Route, RouteAnswer, Router, RouterConfig, TravelTimeTable};
pub use routrs::RoutrsClip;
pub use snap::Snap;
pub use speed::{parse_maxspeed, OsmSpeedTable, RoutrsSpeedRule, SpeedBand};
