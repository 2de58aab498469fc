//! yingji-routing: road-network travel times and the planning analyses built on them.
//!
//! * [`RoadGraph`] — loaded from OSM PBF ([`RoadGraph::from_osm_pbf`]) or the routrs node
//!   format ([`RoadGraph::from_routrs_json`]).
//! * [`Router`] — snapping, routes, travel-time tables, isochrones; prepared once (contraction
//!   hierarchy), cached on disk by [`load_or_prepare`].
//! * [`ClosureSet`] — closures and slow-downs honoured by every query at once.
//! * [`analysis`] — coverage, aerial reach, evacuation (min-cost flow), exposure.
//!
//! Pure library: no I/O besides the readers and cache file it is handed, no clock, no async.

pub mod analysis;
mod cache;
mod ch;
mod closures;
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
