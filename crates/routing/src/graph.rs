//! The road graph: nodes, straight road segments between them, and a compact array (CSR)
//! adjacency of directed edges in both directions for Dijkstra.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Result, RoutingError};
use crate::geometry::{haversine_m, LonLat};

/// Index of a node in a [`RoadGraph`] (dense, 0-based).
pub type NodeIndex = u32;
/// Index of a road segment in a [`RoadGraph`] (dense, 0-based). Closures refer to segments.
pub type SegmentId = u32;

/// Travel times inside the graph are integer milliseconds: exact to add and compare, and far
/// finer than any road speed is known.
pub type Millis = u32;
pub(crate) const UNREACHED: Millis = Millis::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RoadNode {
    /// The node id of the source data (OSM node id, routrs node id).
    pub source_id: i64,
    pub position: LonLat,
}

/// Which ways a segment may be driven, relative to `from -> to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    Both,
    Forward,
    Backward,
}

/// A straight piece of road between two nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoadSegment {
    pub from: NodeIndex,
    pub to: NodeIndex,
    pub length_m: f64,
    pub speed_kmh: f64,
    pub direction: Direction,
    /// Road class (OSM `highway` value, or the rule's band name for tag-less data).
    pub class: String,
}

impl RoadSegment {
    /// Free-flow travel time of the whole segment.
    /// At least 1 ms, so that no edge is free.
    pub fn travel_time_ms(&self) -> Millis {
        millis_for(self.length_m, self.speed_kmh).max(1)
    }

    pub fn allows_forward(&self) -> bool {
        matches!(self.direction, Direction::Both | Direction::Forward)
    }

    pub fn allows_backward(&self) -> bool {
        matches!(self.direction, Direction::Both | Direction::Backward)
    }
}

/// Milliseconds to cover `length_m` at `speed_kmh`, rounded.
pub(crate) fn millis_for(length_m: f64, speed_kmh: f64) -> Millis {
    let ms = (length_m / (speed_kmh / 3.6) * 1000.0).round();
    ms.clamp(0.0, (UNREACHED - 1) as f64) as Millis
}

/// One directed edge in a CSR list: `other` is the head in the out-lists and the tail in the
/// in-lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DirectedEdge {
    pub other: NodeIndex,
    pub time_ms: Millis,
    pub segment: SegmentId,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Adjacency {
    first: Vec<u32>,
    edges: Vec<DirectedEdge>,
}

impl Adjacency {
    fn build(node_count: usize, mut pairs: Vec<(NodeIndex, DirectedEdge)>) -> Self {
        pairs.sort_by_key(|(node, e)| (*node, e.other, e.segment));
        let mut first = vec![0u32; node_count + 1];
        for (node, _) in &pairs {
            first[*node as usize + 1] += 1;
        }
        for i in 0..node_count {
            first[i + 1] += first[i];
        }
        Adjacency {
            first,
            edges: pairs.into_iter().map(|(_, e)| e).collect(),
        }
    }

    pub fn of(&self, node: NodeIndex) -> &[DirectedEdge] {
        let n = node as usize;
        &self.edges[self.first[n] as usize..self.first[n + 1] as usize]
    }
}

/// A routable road network. Build it with [`RoadGraphBuilder`], [`RoadGraph::from_routrs_json`]
/// or [`RoadGraph::from_osm_pbf`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoadGraph {
    nodes: Vec<RoadNode>,
    segments: Vec<RoadSegment>,
    pub(crate) outgoing: Adjacency,
    pub(crate) incoming: Adjacency,
}

impl RoadGraph {
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    pub fn nodes(&self) -> &[RoadNode] {
        &self.nodes
    }

    pub fn node(&self, index: NodeIndex) -> &RoadNode {
        &self.nodes[index as usize]
    }

    pub fn segments(&self) -> &[RoadSegment] {
        &self.segments
    }

    pub fn segment(&self, id: SegmentId) -> Result<&RoadSegment> {
        self.segments
            .get(id as usize)
            .ok_or(RoutingError::UnknownSegment(id))
    }

    /// Index of the node with this source id, if present.
    pub fn node_by_source_id(&self, source_id: i64) -> Option<NodeIndex> {
        self.nodes
            .iter()
            .position(|n| n.source_id == source_id)
            .map(|i| i as NodeIndex)
    }

    /// Directed edges as (tail, head, free-flow ms, segment), the exact costs every query uses
    /// (also what the pgRouting comparison loads).
    pub fn directed_edges(
        &self,
    ) -> impl Iterator<Item = (NodeIndex, NodeIndex, Millis, SegmentId)> + '_ {
        (0..self.nodes.len() as NodeIndex).flat_map(move |tail| {
            self.outgoing
                .of(tail)
                .iter()
                .map(move |e| (tail, e.other, e.time_ms, e.segment))
        })
    }

    /// Approximate heap memory held by the graph, in bytes.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let adjacency =
            |a: &Adjacency| a.first.len() * 4 + a.edges.len() * size_of::<DirectedEdge>();
        self.nodes.len() * size_of::<RoadNode>()
            + self
                .segments
                .iter()
                .map(|s| size_of::<RoadSegment>() + s.class.len())
                .sum::<usize>()
            + adjacency(&self.outgoing)
            + adjacency(&self.incoming)
    }

    /// A digest of everything that affects routing results; keys the on-disk cache.
    pub fn content_hash(&self) -> String {
        let mut hasher = Sha256::new();
        for node in &self.nodes {
            hasher.update(node.source_id.to_le_bytes());
            hasher.update(node.position.lon.to_le_bytes());
            hasher.update(node.position.lat.to_le_bytes());
        }
        for (tail, head, ms, segment) in self.directed_edges() {
            for v in [tail, head, ms, segment] {
                hasher.update(v.to_le_bytes());
            }
        }
        hex::encode(hasher.finalize())
    }
}

/// Collects nodes and segments, then freezes them into a [`RoadGraph`].
#[derive(Debug, Default)]
pub struct RoadGraphBuilder {
    nodes: Vec<RoadNode>,
    index_of: HashMap<i64, NodeIndex>,
    segments: Vec<RoadSegment>,
}

impl RoadGraphBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node (or returns the existing one with the same source id).
    pub fn add_node(&mut self, source_id: i64, position: LonLat) -> NodeIndex {
        if let Some(&index) = self.index_of.get(&source_id) {
            return index;
        }
        let index = self.nodes.len() as NodeIndex;
        self.nodes.push(RoadNode {
            source_id,
            position,
        });
        self.index_of.insert(source_id, index);
        index
    }

    pub fn has_node(&self, source_id: i64) -> bool {
        self.index_of.contains_key(&source_id)
    }

    /// Adds a straight segment between two known nodes; its length is the great-circle distance
    /// times `circuity` (>= 1, how much longer the real road is than the straight line).
    /// Self-loops are ignored. Returns the new segment's id.
    pub fn add_segment(
        &mut self,
        from_source_id: i64,
        to_source_id: i64,
        speed_kmh: f64,
        circuity: f64,
        direction: Direction,
        class: &str,
    ) -> Result<Option<SegmentId>> {
        if !(speed_kmh.is_finite() && speed_kmh > 0.0) {
            return Err(RoutingError::invalid(
                "speed_kmh",
                format!("must be positive, got {speed_kmh}"),
            ));
        }
        let lookup = |id: i64| {
            self.index_of.get(&id).copied().ok_or_else(|| {
                RoutingError::invalid("segment", format!("refers to unknown node {id}"))
            })
        };
        let (from, to) = (lookup(from_source_id)?, lookup(to_source_id)?);
        if from == to {
            return Ok(None);
        }
        let length_m = haversine_m(
            self.nodes[from as usize].position,
            self.nodes[to as usize].position,
        ) * circuity;
        let id = self.segments.len() as SegmentId;
        self.segments.push(RoadSegment {
            from,
            to,
            length_m,
            speed_kmh,
            direction,
            class: class.to_string(),
        });
        Ok(Some(id))
    }

    pub fn build(self) -> Result<RoadGraph> {
        if self.segments.is_empty() {
            return Err(RoutingError::EmptyGraph(format!(
                "{} nodes and no road segment",
                self.nodes.len()
            )));
        }
        let mut out_pairs = Vec::with_capacity(self.segments.len() * 2);
        let mut in_pairs = Vec::with_capacity(self.segments.len() * 2);
        for (id, s) in self.segments.iter().enumerate() {
            let time_ms = s.travel_time_ms();
            let segment = id as SegmentId;
            let mut push = |tail: NodeIndex, head: NodeIndex| {
                out_pairs.push((
                    tail,
                    DirectedEdge {
                        other: head,
                        time_ms,
                        segment,
                    },
                ));
                in_pairs.push((
                    head,
                    DirectedEdge {
                        other: tail,
                        time_ms,
                        segment,
                    },
                ));
            };
            if s.allows_forward() {
                push(s.from, s.to);
            }
            if s.allows_backward() {
                push(s.to, s.from);
            }
        }
        let n = self.nodes.len();
        Ok(RoadGraph {
            outgoing: Adjacency::build(n, out_pairs),
            incoming: Adjacency::build(n, in_pairs),
            nodes: self.nodes,
            segments: self.segments,
        })
    }
}
