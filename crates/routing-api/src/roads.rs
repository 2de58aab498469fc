//! The roads layer for the map: every graph segment as a GeoJSON LineString.

use serde_json::{json, Value};
use yingji_routing::Router;

pub const ATTRIBUTION: &str = "© OpenStreetMap contributors";

/// Built once at mount: the graph does not change while the process runs.
pub(crate) fn layer(router: &Router) -> Value {
    let graph = router.graph();
    let features: Vec<Value> = graph
        .segments()
        .iter()
        .enumerate()
        .map(|(id, s)| {
            let (a, b) = (graph.node(s.from).position, graph.node(s.to).position);
            json!({
                "type": "Feature",
                "id": id,
                "geometry": {"type": "LineString", "coordinates": [[a.lon, a.lat], [b.lon, b.lat]]},
                "properties": {
                    "segment": id,
                    "class": s.class,
                    "speed_kmh": s.speed_kmh,
                    "length_m": s.length_m,
                    "direction": s.direction,
                },
            })
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "attribution": ATTRIBUTION,
        "license": "ODbL 1.0",
        "features": features,
    })
}
