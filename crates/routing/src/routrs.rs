//! Loader for the node/edge JSON format of the `routrs_highways_dataset` crate:
//! `{"nodes":[{"id":0,"coordinates":[LAT, LON],"waypoints":[ids...]}, ...]}`.
//! Note the **lat, lon** order. Waypoints are neighbours; every edge is two-way and straight.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use serde::Deserialize;

use crate::error::{Result, RoutingError};
use crate::geometry::{BoundingBox, LonLat};
use crate::graph::{Direction, RoadGraph, RoadGraphBuilder};
use crate::speed::RoutrsSpeedRule;

#[derive(Deserialize)]
struct RoutrsFile {
    nodes: Vec<RoutrsNode>,
}

#[derive(Deserialize)]
struct RoutrsNode {
    id: i64,
    coordinates: [f64; 2],
    #[serde(default)]
    waypoints: Vec<i64>,
}

/// Which part of a routrs graph to keep.
#[derive(Debug, Clone, Default)]
pub struct RoutrsClip {
    /// Keep nodes inside any of these boxes; empty keeps everything.
    pub boxes: Vec<BoundingBox>,
    /// Also keep the direct neighbours of kept nodes, so that roads leaving the area are
    /// not cut at the border (the county extract is built this way).
    pub include_neighbours: bool,
}

impl RoutrsClip {
    pub fn everything() -> Self {
        Self::default()
    }

    pub fn boxes(boxes: Vec<BoundingBox>, include_neighbours: bool) -> Self {
        RoutrsClip {
            boxes,
            include_neighbours,
        }
    }

    fn keeps(&self, p: LonLat) -> bool {
        self.boxes.is_empty() || self.boxes.iter().any(|b| b.contains(p))
    }
}

impl RoadGraph {
    /// Reads a routrs-format JSON graph, keeps the clipped part, and times each edge with
    /// `rule`. Edges between two kept nodes are kept.
    pub fn from_routrs_json<R: Read>(
        mut reader: R,
        rule: &RoutrsSpeedRule,
        clip: &RoutrsClip,
    ) -> Result<RoadGraph> {
        let mut text = String::new();
        reader
            .read_to_string(&mut text)
            .map_err(|e| RoutingError::RoutrsJson(format!("cannot read input: {e}")))?;
        Self::from_routrs_str(&text, rule, clip)
    }

    /// Same as [`RoadGraph::from_routrs_json`] on text already in memory (the dataset crate
    /// exposes its graph as a `String`).
    pub fn from_routrs_str(
        text: &str,
        rule: &RoutrsSpeedRule,
        clip: &RoutrsClip,
    ) -> Result<RoadGraph> {
        rule.validate()?;
        let file: RoutrsFile =
            serde_json::from_str(text).map_err(|e| RoutingError::RoutrsJson(e.to_string()))?;
        let mut positions = HashMap::with_capacity(file.nodes.len());
        for (i, node) in file.nodes.iter().enumerate() {
            let [lat, lon] = node.coordinates;
            let p = LonLat::checked(lon, lat, &format!("nodes[{i}].coordinates (lat, lon)"))?;
            if positions.insert(node.id, p).is_some() {
                return Err(RoutingError::RoutrsJson(format!(
                    "nodes[{i}]: duplicate id {}",
                    node.id
                )));
            }
        }
        for (i, node) in file.nodes.iter().enumerate() {
            if let Some(bad) = node.waypoints.iter().find(|w| !positions.contains_key(w)) {
                return Err(RoutingError::RoutrsJson(format!(
                    "nodes[{i}] (id {}): waypoint {bad} is not a node",
                    node.id
                )));
            }
        }

        let mut kept: HashSet<i64> = file
            .nodes
            .iter()
            .filter(|n| clip.keeps(positions[&n.id]))
            .map(|n| n.id)
            .collect();
        if clip.include_neighbours && !clip.boxes.is_empty() {
            let inside = kept.clone();
            for node in &file.nodes {
                let touches_inside = node.waypoints.iter().any(|w| inside.contains(w));
                if inside.contains(&node.id) {
                    kept.extend(node.waypoints.iter().copied());
                } else if touches_inside {
                    kept.insert(node.id);
                }
            }
        }

        // Nodes enter the graph with their first road: a kept node whose roads were all cut
        // by the clip (or that only has a self-loop) is no place to route from.
        let mut builder = RoadGraphBuilder::new();
        let mut seen = HashSet::new();
        for node in file.nodes.iter().filter(|n| kept.contains(&n.id)) {
            for &other in node.waypoints.iter().filter(|w| kept.contains(w)) {
                let key = (node.id.min(other), node.id.max(other));
                if other == node.id || !seen.insert(key) {
                    continue;
                }
                builder.add_node(node.id, positions[&node.id]);
                builder.add_node(other, positions[&other]);
                let straight = crate::geometry::haversine_m(positions[&node.id], positions[&other]);
                let band = rule.band_for(straight);
                builder.add_segment(
                    node.id,
                    other,
                    band.speed_kmh,
                    rule.circuity,
                    Direction::Both,
                    &band.name,
                )?;
            }
        }
        builder.build()
    }
}
