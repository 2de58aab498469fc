//! Plain Dijkstra on the array graph, honouring a closure overlay. Used when closures are in
//! force (the contraction hierarchy only knows free-flow costs), for isochrones, routes and the
//! planning analyses, and as the reference the hierarchy is tested against.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::closures::CostOverlay;
use crate::graph::{Millis, NodeIndex, RoadGraph, SegmentId, UNREACHED};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SearchDirection {
    /// From the seeds along edge directions (travel away from the seeds).
    Forward,
    /// Against edge directions (travel towards the seeds).
    Backward,
}

pub(crate) const NO_PARENT: NodeIndex = NodeIndex::MAX;

/// Distances from the seeds, and for each reached node the previous node and the segment used.
#[derive(Debug, Clone)]
pub(crate) struct ShortestPathTree {
    pub dist: Vec<Millis>,
    pub parent: Vec<(NodeIndex, SegmentId)>,
}

impl ShortestPathTree {
    pub fn reached(&self, node: NodeIndex) -> Option<Millis> {
        let d = self.dist[node as usize];
        (d != UNREACHED).then_some(d)
    }

    /// Nodes from a seed to `node`, with the segment that enters each (None for the seed).
    pub fn path_to(&self, node: NodeIndex) -> Vec<(NodeIndex, Option<SegmentId>)> {
        let mut path = vec![];
        let mut current = node;
        loop {
            let (previous, segment) = self.parent[current as usize];
            if previous == NO_PARENT {
                path.push((current, None));
                break;
            }
            path.push((current, Some(segment)));
            current = previous;
        }
        path.reverse();
        path
    }
}

/// Settles nodes in order of distance from the seeds, up to `limit` (inclusive), stopping
/// early once every node in `targets` is settled (when `targets` is not empty).
pub(crate) fn shortest_path_tree(
    graph: &RoadGraph,
    seeds: &[(NodeIndex, Millis)],
    direction: SearchDirection,
    overlay: &CostOverlay,
    limit: Millis,
    targets: &[NodeIndex],
) -> ShortestPathTree {
    let n = graph.node_count();
    let mut dist = vec![UNREACHED; n];
    let mut parent = vec![(NO_PARENT, 0); n];
    let mut settled = vec![false; n];
    let mut heap = BinaryHeap::new();
    for &(node, d) in seeds {
        if d <= limit && d < dist[node as usize] {
            dist[node as usize] = d;
            heap.push(Reverse((d, node)));
        }
    }
    let mut is_target = vec![false; if targets.is_empty() { 0 } else { n }];
    let mut targets_left = 0usize;
    for &t in targets {
        if !is_target[t as usize] {
            is_target[t as usize] = true;
            targets_left += 1;
        }
    }
    let adjacency = match direction {
        SearchDirection::Forward => &graph.outgoing,
        SearchDirection::Backward => &graph.incoming,
    };
    while let Some(Reverse((d, node))) = heap.pop() {
        if settled[node as usize] {
            continue;
        }
        settled[node as usize] = true;
        if !is_target.is_empty() && is_target[node as usize] {
            targets_left -= 1;
            if targets_left == 0 {
                break;
            }
        }
        for edge in adjacency.of(node) {
            let Some(cost) = overlay.cost(edge.segment, edge.time_ms) else {
                continue;
            };
            let next = d.saturating_add(cost);
            if next <= limit && next < dist[edge.other as usize] {
                dist[edge.other as usize] = next;
                parent[edge.other as usize] = (node, edge.segment);
                heap.push(Reverse((next, edge.other)));
            }
        }
    }
    ShortestPathTree { dist, parent }
}
