//! The road graph: the OpenStreetMap-derived world highway graph of the crate
//! `routrs_highways_dataset` 0.1.0, clipped to a bounding box plus one hop, kept
//! in exactly the routrs input format (same ids, `[lat, lon]`, waypoint lists).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::{DatagenError, Result};
use crate::output::to_json;

/// A bounding box in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LonLatBox {
    pub min_lon: f64,
    pub max_lon: f64,
    pub min_lat: f64,
    pub max_lat: f64,
}

impl LonLatBox {
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        (self.min_lon..=self.max_lon).contains(&lon) && (self.min_lat..=self.max_lat).contains(&lat)
    }
}

/// Jizhou plus a buffer of 5-15 km (the same box as the shared coarse extract).
pub const JIZHOU_ROADS_BOX: LonLatBox = LonLatBox {
    min_lon: 117.0,
    max_lon: 117.95,
    min_lat: 39.65,
    max_lat: 40.35,
};

/// One node of a routrs geograph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    pub id: u64,
    /// `[lat, lon]`, as routrs stores it.
    pub coordinates: [f64; 2],
    pub waypoints: Vec<u64>,
}

/// A routrs geograph: `{"geograph": name, "nodes": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Geograph {
    pub geograph: String,
    pub nodes: Vec<GraphNode>,
}

impl Geograph {
    /// Parses a geograph JSON text (the world graph or a clipped one).
    pub fn parse(json: &str) -> Result<Self> {
        serde_json::from_str(json).map_err(|e| DatagenError::RoadGraph(e.to_string()))
    }

    /// The world highway graph shipped in `routrs_highways_dataset`.
    pub fn world_highways() -> Result<Self> {
        Self::parse(&routrs_highways_dataset::HIGHWAYS_JSON)
    }

    /// Nodes inside `bbox`, plus their one-hop neighbours; waypoints restricted to
    /// kept nodes; nodes sorted by id.
    pub fn clip(&self, bbox: &LonLatBox) -> Self {
        let inside: BTreeSet<u64> = self
            .nodes
            .iter()
            .filter(|n| bbox.contains(n.coordinates[1], n.coordinates[0]))
            .map(|n| n.id)
            .collect();
        let mut kept = inside.clone();
        for node in self.nodes.iter().filter(|n| inside.contains(&n.id)) {
            kept.extend(node.waypoints.iter().copied());
        }
        let mut nodes: Vec<GraphNode> = self
            .nodes
            .iter()
            .filter(|n| kept.contains(&n.id))
            .map(|n| GraphNode {
                id: n.id,
                coordinates: n.coordinates,
                waypoints: n
                    .waypoints
                    .iter()
                    .copied()
                    .filter(|w| kept.contains(w))
                    .collect(),
            })
            .collect();
        nodes.sort_by_key(|n| n.id);
        Self {
            geograph: self.geograph.clone(),
            nodes,
        }
    }

    /// Share of nodes in the largest connected component (edges taken undirected).
    pub fn largest_component_share(&self) -> f64 {
        if self.nodes.is_empty() {
            return 0.0;
        }
        let index: BTreeMap<u64, usize> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id, i))
            .collect();
        let mut parent: Vec<usize> = (0..self.nodes.len()).collect();
        fn root(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        for (i, node) in self.nodes.iter().enumerate() {
            for j in node.waypoints.iter().filter_map(|w| index.get(w)) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, *j));
                parent[a] = b;
            }
        }
        let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
        for i in 0..self.nodes.len() {
            *sizes.entry(root(&mut parent, i)).or_default() += 1;
        }
        let largest = sizes.values().copied().max().unwrap_or(0);
        largest as f64 / self.nodes.len() as f64
    }

    /// The routrs JSON text, one node per line.
    pub fn to_routrs_json(&self) -> Result<Vec<u8>> {
        let mut out = format!(
            "{{\"geograph\":{},\"nodes\":[\n",
            to_json("the road graph name", &self.geograph)?
        );
        for (i, node) in self.nodes.iter().enumerate() {
            if i > 0 {
                out.push_str(",\n");
            }
            out.push_str(&to_json("a road graph node", node)?);
        }
        out.push_str("\n]}\n");
        Ok(out.into_bytes())
    }
}
