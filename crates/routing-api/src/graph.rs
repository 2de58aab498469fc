//! The county's default road graph, embedded in the binary and prepared once per data
//! directory.

use std::path::Path;

use yingji_routing::{
    load_or_prepare, CacheOutcome, RoadGraph, Router, RouterConfig, RoutingError, RoutrsClip,
    RoutrsSpeedRule,
};

/// `data/jizhou/roads.routrs.json` (routrs node format), already clipped to the county.
pub const COUNTY_GRAPH: &[u8] = include_bytes!("../../../data/jizhou/roads.routrs.json");

/// The county router, read from the prepared-graph cache in `cache_dir` when it holds this
/// exact graph, else prepared and written there.
pub fn load_county_router(cache_dir: &Path) -> Result<(Router, CacheOutcome), RoutingError> {
    let graph = RoadGraph::from_routrs_json(
        COUNTY_GRAPH,
        &RoutrsSpeedRule::default(),
        &RoutrsClip::everything(),
    )?;
    load_or_prepare(cache_dir, graph, RouterConfig::default())
}
