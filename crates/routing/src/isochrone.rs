//! Isochrones: the roads reachable within a time limit, drawn as a corridor polygon.

use geo::{
    BooleanOps, Buffer, Contains, Coord, LineString, MapCoords, MultiLineString, MultiPolygon,
    Point,
};
use serde::Serialize;

use crate::closures::CostOverlay;
use crate::dijkstra::{shortest_path_tree, SearchDirection};
use crate::error::{Result, RoutingError};
use crate::geometry::{LocalProjection, LonLat};
use crate::graph::{Millis, NodeIndex};
use crate::router::Router;

/// The area reachable from an origin within `minutes`.
#[derive(Debug, Clone, Serialize)]
pub struct Isochrone {
    pub minutes: f64,
    /// Graph nodes reachable in time, with their travel time in seconds.
    pub reachable_nodes: Vec<(NodeIndex, f64)>,
    /// The reachable road pieces widened by the configured corridor. Partly reachable
    /// segments stop one corridor-width short of their unreachable end, and a small hole is
    /// cut around any unreachable node that still falls inside, so the polygon contains a
    /// graph node exactly when that node is reachable.
    #[serde(skip)]
    pub area: MultiPolygon<f64>,
}

impl Isochrone {
    pub fn to_geojson(&self) -> geojson::Feature {
        let mut properties = serde_json::Map::new();
        properties.insert("minutes".into(), self.minutes.into());
        properties.insert("reachable_nodes".into(), self.reachable_nodes.len().into());
        geojson::Feature {
            geometry: Some(geojson::Geometry::new((&self.area).into())),
            properties: Some(properties),
            ..Default::default()
        }
    }
}

impl Router {
    /// Everything reachable from `origin` within `minutes` under the overlay.
    pub fn isochrone(
        &self,
        origin: LonLat,
        minutes: f64,
        overlay: &CostOverlay,
    ) -> Result<Isochrone> {
        if !(minutes.is_finite() && minutes > 0.0 && minutes <= 24.0 * 60.0) {
            return Err(RoutingError::invalid(
                "minutes",
                format!("must be in (0, 1440], got {minutes}"),
            ));
        }
        let limit = (minutes * 60_000.0).round() as Millis;
        let access = self.access(origin, "origin")?;
        let graph = &self.graph;
        let seeds = access.departures(graph, overlay);
        let tree = shortest_path_tree(graph, &seeds, SearchDirection::Forward, overlay, limit, &[]);

        let projection = LocalProjection::around(access.point);
        let corridor = self.config.isochrone_corridor_m;
        let xy = |p: LonLat| {
            let (x, y) = projection.project(p);
            Coord { x, y }
        };
        // A piece of road from `a` towards `b`, `reach` (0..1) of the way, kept one corridor
        // width short of `b` unless `b` itself is reached.
        let mut pieces: Vec<LineString<f64>> = Vec::new();
        let mut push_piece = |a: LonLat, b: LonLat, reach: f64, b_reached: bool| {
            let (ca, cb) = (xy(a), xy(b));
            let length = ((cb.x - ca.x).powi(2) + (cb.y - ca.y).powi(2)).sqrt();
            let mut share = reach.min(1.0);
            if !b_reached && length > 0.0 {
                share = share.min(1.0 - 1.01 * corridor / length);
            }
            if share <= 0.0 || length == 0.0 {
                return;
            }
            let end = Coord {
                x: ca.x + share * (cb.x - ca.x),
                y: ca.y + share * (cb.y - ca.y),
            };
            pieces.push(LineString::new(vec![ca, end]));
        };

        let reached = |node: NodeIndex| tree.reached(node).is_some();
        if access.offroad_ms <= limit {
            push_piece(access.point, access.snap.road_point, 1.0, true);
            for &(node, at) in &seeds {
                let spent = at - access.offroad_ms;
                let reach = if spent == 0 {
                    1.0
                } else {
                    (limit - access.offroad_ms) as f64 / spent as f64
                };
                push_piece(
                    access.snap.road_point,
                    graph.node(node).position,
                    reach,
                    reached(node),
                );
            }
        }
        for tail in 0..graph.node_count() as NodeIndex {
            let Some(d) = tree.reached(tail) else {
                continue;
            };
            for edge in graph.outgoing.of(tail) {
                let Some(cost) = overlay.cost(edge.segment, edge.time_ms) else {
                    continue;
                };
                let reach = (limit - d) as f64 / cost as f64;
                push_piece(
                    graph.node(tail).position,
                    graph.node(edge.other).position,
                    reach,
                    reached(edge.other),
                );
            }
        }

        let mut area = if pieces.is_empty() {
            MultiPolygon::new(vec![])
        } else {
            MultiLineString::new(pieces).buffer(corridor)
        };
        // Two graph nodes can lie closer than a corridor width (parallel roads, a junction
        // next to a bridge): cut a small hole around each unreachable node the corridor
        // swallowed, smaller than its distance to any reachable node.
        let reachable_xy: Vec<Coord<f64>> = (0..graph.node_count() as NodeIndex)
            .filter(|&n| reached(n))
            .map(|n| xy(graph.node(n).position))
            .collect();
        for n in (0..graph.node_count() as NodeIndex).filter(|&n| !reached(n)) {
            let c = xy(graph.node(n).position);
            if !area.contains(&c) {
                continue;
            }
            let nearest = reachable_xy
                .iter()
                .map(|r| ((r.x - c.x).powi(2) + (r.y - c.y).powi(2)).sqrt())
                .fold(f64::INFINITY, f64::min);
            let radius = corridor.min(0.45 * nearest);
            area = area.difference(&Point::from(c).buffer(radius));
        }
        let area = area.map_coords(|c| {
            let p = projection.unproject(c.x, c.y);
            Coord { x: p.lon, y: p.lat }
        });
        let reachable_nodes = (0..graph.node_count() as NodeIndex)
            .filter_map(|n| tree.reached(n).map(|d| (n, d as f64 / 1000.0)))
            .collect();
        Ok(Isochrone {
            minutes,
            reachable_nodes,
            area,
        })
    }
}
