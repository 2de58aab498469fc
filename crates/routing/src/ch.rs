//! Contraction hierarchy for free-flow one-to-many and many-to-many queries.
//!
//! The contraction itself (node ordering, witness searches, shortcuts) is done by the
//! `fast_paths` crate. Its query API answers one pair at a time, so the bucket many-to-many
//! algorithm (Knopp et al. 2007) is implemented here on the hierarchy's upward edges. The
//! crate keeps those edges private but serializes them; we read them back through a mirror of
//! its serde layout (pinned to fast_paths 1.0.0, guarded by a test comparing both query
//! results).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{Result, RoutingError};
use crate::graph::{Millis, NodeIndex, RoadGraph, UNREACHED};

#[derive(Deserialize)]
struct FastPathsGraph {
    num_nodes: usize,
    ranks: Vec<usize>,
    edges_fwd: Vec<FastPathsEdge>,
    first_edge_ids_fwd: Vec<usize>,
    edges_bwd: Vec<FastPathsEdge>,
    first_edge_ids_bwd: Vec<usize>,
}

#[derive(Deserialize)]
struct FastPathsEdge {
    #[allow(dead_code)]
    base_node: usize,
    adj_node: usize,
    weight: usize,
    #[allow(dead_code)]
    replaced_in_edge: usize,
    #[allow(dead_code)]
    replaced_out_edge: usize,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct UpEdge {
    other: NodeIndex,
    time_ms: Millis,
}

/// Upward edges in both directions, as compact arrays.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct UpwardGraph {
    first: Vec<u32>,
    edges: Vec<UpEdge>,
}

impl UpwardGraph {
    /// fast_paths stores each node's edges at the position of its rank; we renumber every
    /// node by its rank too (better memory locality: searches move upwards through ranks).
    fn from_fast_paths(
        first_by_rank: &[usize],
        edges: &[FastPathsEdge],
        rank_of: &[u32],
    ) -> Result<Self> {
        let node_count = rank_of.len();
        let mut first = Vec::with_capacity(node_count + 1);
        let mut out = Vec::with_capacity(edges.len());
        first.push(0u32);
        for rank in 0..node_count {
            if rank + 1 < first_by_rank.len() {
                for e in &edges[first_by_rank[rank]..first_by_rank[rank + 1]] {
                    let other = *rank_of.get(e.adj_node).ok_or_else(|| {
                        RoutingError::invalid(
                            "contraction",
                            format!("edge to unknown node {}", e.adj_node),
                        )
                    })?;
                    let time_ms = Millis::try_from(e.weight)
                        .map_err(|_| RoutingError::invalid("contraction", "weight exceeds u32"))?;
                    out.push(UpEdge { other, time_ms });
                }
            }
            first.push(out.len() as u32);
        }
        Ok(UpwardGraph { first, edges: out })
    }

    #[inline]
    fn of(&self, node: NodeIndex) -> &[UpEdge] {
        let n = node as usize;
        &self.edges[self.first[n] as usize..self.first[n + 1] as usize]
    }
}

/// The prepared form of a graph: what the disk cache stores.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContractionHierarchy {
    node_count: usize,
    /// Graph node index -> rank; inside the hierarchy nodes are numbered by rank.
    rank_of: Vec<u32>,
    /// Edges towards higher-ranked nodes, in travel direction.
    up_forward: UpwardGraph,
    /// Edges from higher-ranked nodes into a node (searched against travel direction).
    up_backward: UpwardGraph,
}

impl ContractionHierarchy {
    /// Contracts the graph with its free-flow costs.
    pub fn prepare(graph: &RoadGraph) -> Result<Self> {
        let mut input = fast_paths::InputGraph::new();
        for (tail, head, ms, _) in graph.directed_edges() {
            input.add_edge(tail as usize, head as usize, ms as usize);
        }
        input.freeze();
        let prepared = fast_paths::prepare(&input);
        let bytes = postcard::to_stdvec(&prepared)
            .map_err(|e| RoutingError::invalid("contraction", e.to_string()))?;
        let mirror: FastPathsGraph = postcard::from_bytes(&bytes).map_err(|e| {
            RoutingError::invalid("contraction", format!("unexpected fast_paths layout: {e}"))
        })?;
        // fast_paths sizes its graph by the largest node id that has an edge: nodes beyond
        // (isolated ones) get the ranks after.
        if mirror.num_nodes > graph.node_count() || mirror.ranks.len() != mirror.num_nodes {
            return Err(RoutingError::invalid(
                "contraction",
                "unexpected fast_paths node count",
            ));
        }
        let rank_of: Vec<u32> = mirror
            .ranks
            .iter()
            .map(|&r| r as u32)
            .chain(mirror.num_nodes as u32..graph.node_count() as u32)
            .collect();
        let up_forward =
            UpwardGraph::from_fast_paths(&mirror.first_edge_ids_fwd, &mirror.edges_fwd, &rank_of)?;
        let up_backward =
            UpwardGraph::from_fast_paths(&mirror.first_edge_ids_bwd, &mirror.edges_bwd, &rank_of)?;
        Ok(ContractionHierarchy {
            node_count: graph.node_count(),
            rank_of,
            up_forward,
            up_backward,
        })
    }

    pub fn node_count(&self) -> usize {
        self.node_count
    }

    /// Approximate heap memory held by the hierarchy, in bytes.
    pub fn heap_bytes(&self) -> usize {
        let upward =
            |g: &UpwardGraph| g.first.len() * 4 + g.edges.len() * std::mem::size_of::<UpEdge>();
        self.rank_of.len() * 4 + upward(&self.up_forward) + upward(&self.up_backward)
    }

    /// Number of upward edges (original edges and shortcuts) in both directions.
    pub fn upward_edge_count(&self) -> usize {
        self.up_forward.edges.len() + self.up_backward.edges.len()
    }
}

/// Reusable search state (distances stamped by a generation counter, so clearing is O(1)).
#[derive(Debug)]
struct Workspace {
    dist: Vec<Millis>,
    stamp: Vec<u32>,
    generation: u32,
    heap: BinaryHeap<Reverse<(Millis, NodeIndex)>>,
    settled: Vec<(NodeIndex, Millis)>,
    /// Distances of the last PHAST sweep, by rank.
    sweep: Vec<Millis>,
}

impl Workspace {
    fn new(n: usize) -> Self {
        Workspace {
            dist: vec![UNREACHED; n],
            stamp: vec![0; n],
            generation: 0,
            heap: BinaryHeap::new(),
            settled: Vec::new(),
            sweep: vec![UNREACHED; n],
        }
    }

    #[inline]
    fn get(&self, node: NodeIndex) -> Millis {
        if self.stamp[node as usize] == self.generation {
            self.dist[node as usize]
        } else {
            UNREACHED
        }
    }

    #[inline]
    fn set(&mut self, node: NodeIndex, d: Millis) {
        self.stamp[node as usize] = self.generation;
        self.dist[node as usize] = d;
    }

    /// Upward search from the seeds with stall-on-demand; fills `settled` with the
    /// non-stalled search space.
    fn upward(&mut self, seeds: &[(NodeIndex, Millis)], search: &UpwardGraph, stall: &UpwardGraph) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
        self.heap.clear();
        self.settled.clear();
        for &(node, d) in seeds {
            if d < self.get(node) {
                self.set(node, d);
                self.heap.push(Reverse((d, node)));
            }
        }
        while let Some(Reverse((d, node))) = self.heap.pop() {
            if d > self.get(node) {
                continue;
            }
            // Stall: a higher node reaches this one more cheaply, so `d` is not a shortest
            // distance and nothing found through it can be.
            let stalled = stall.of(node).iter().any(|e| {
                let other = self.get(e.other);
                other != UNREACHED && other.saturating_add(e.time_ms) < d
            });
            if stalled {
                continue;
            }
            self.settled.push((node, d));
            for e in search.of(node) {
                let next = d.saturating_add(e.time_ms);
                if next < self.get(e.other) {
                    self.set(e.other, next);
                    self.heap.push(Reverse((next, e.other)));
                }
            }
        }
    }
}

impl Workspace {
    /// PHAST (Delling et al. 2011): an upward search from the seeds, then one sweep over all
    /// nodes from the highest rank down, relaxing the edges that come down into each node.
    /// Leaves exact distances to every node in `sweep`, in O(nodes + edges) with sequential
    /// memory access: cheaper than many backward searches when there are many targets.
    fn phast(&mut self, ch: &ContractionHierarchy, seeds: &[(NodeIndex, Millis)]) {
        self.upward(seeds, &ch.up_forward, &ch.up_backward);
        self.sweep.iter_mut().for_each(|d| *d = UNREACHED);
        for &(node, d) in &self.settled {
            self.sweep[node as usize] = d;
        }
        for v in (0..ch.node_count).rev() {
            let mut best = self.sweep[v];
            for e in ch.up_backward.of(v as NodeIndex) {
                let via = self.sweep[e.other as usize].saturating_add(e.time_ms);
                if via < best {
                    best = via;
                }
            }
            self.sweep[v] = best;
        }
    }
}

/// Buckets of the targets' backward search spaces: for each node, (target index, distance).
struct Buckets {
    first: Vec<u32>,
    entries: Vec<(u32, Millis)>,
}

/// Runs bucket many-to-many queries on a hierarchy; thread-safe (workspaces are pooled).
#[derive(Debug)]
pub(crate) struct ChQuery {
    pool: Mutex<Vec<Workspace>>,
}

impl ChQuery {
    pub fn new() -> Self {
        ChQuery {
            pool: Mutex::new(Vec::new()),
        }
    }

    fn with_workspace<T>(
        &self,
        ch: &ContractionHierarchy,
        f: impl FnOnce(&mut Workspace) -> T,
    ) -> T {
        let taken = self.pool.lock().ok().and_then(|mut p| p.pop());
        let mut ws = taken.unwrap_or_else(|| Workspace::new(ch.node_count));
        let out = f(&mut ws);
        if let Ok(mut p) = self.pool.lock() {
            p.push(ws);
        }
        out
    }

    /// Free-flow times from every source to every target. Each source and target is a set
    /// of (node, initial cost) seeds (a snapped point enters the graph at both ends of its
    /// segment). Unreachable pairs are `UNREACHED`.
    pub fn table(
        &self,
        ch: &ContractionHierarchy,
        sources: &[Vec<(NodeIndex, Millis)>],
        targets: &[Vec<(NodeIndex, Millis)>],
    ) -> Vec<Vec<Millis>> {
        let to_ranks = |seeds: &[(NodeIndex, Millis)]| -> Vec<(NodeIndex, Millis)> {
            seeds
                .iter()
                .map(|&(n, d)| (ch.rank_of[n as usize], d))
                .collect()
        };
        let sources: Vec<_> = sources.iter().map(|s| to_ranks(s)).collect();
        let targets: Vec<_> = targets.iter().map(|t| to_ranks(t)).collect();
        // Measured on the routrs graphs: a PHAST sweep costs about as much as one upward
        // search per 7,000 nodes; buckets cost one search per source and per target.
        let phast_cost = sources.len() * (ch.node_count / 7_000 + 1);
        if phast_cost < sources.len() + targets.len() {
            return self.with_workspace(ch, |ws| {
                sources
                    .iter()
                    .map(|seeds| {
                        ws.phast(ch, seeds);
                        targets
                            .iter()
                            .map(|entries| {
                                entries
                                    .iter()
                                    .map(|&(node, rest)| {
                                        ws.sweep[node as usize].saturating_add(rest)
                                    })
                                    .min()
                                    .unwrap_or(UNREACHED)
                            })
                            .collect()
                    })
                    .collect()
            });
        }
        self.with_workspace(ch, |ws| {
            let buckets = build_buckets(ch, ws, &targets);
            sources
                .iter()
                .map(|seeds| {
                    let mut row = vec![UNREACHED; targets.len()];
                    ws.upward(seeds, &ch.up_forward, &ch.up_backward);
                    for &(node, d) in &ws.settled {
                        let n = node as usize;
                        let range = buckets.first[n] as usize..buckets.first[n + 1] as usize;
                        for &(t, d2) in &buckets.entries[range] {
                            let total = d.saturating_add(d2);
                            if total < row[t as usize] {
                                row[t as usize] = total;
                            }
                        }
                    }
                    row
                })
                .collect()
        })
    }
}

fn build_buckets(
    ch: &ContractionHierarchy,
    ws: &mut Workspace,
    targets: &[Vec<(NodeIndex, Millis)>],
) -> Buckets {
    let mut triples: Vec<(NodeIndex, u32, Millis)> = Vec::new();
    for (t, seeds) in targets.iter().enumerate() {
        ws.upward(seeds, &ch.up_backward, &ch.up_forward);
        triples.extend(ws.settled.iter().map(|&(node, d)| (node, t as u32, d)));
    }
    triples.sort_unstable_by_key(|&(node, _, _)| node);
    let mut first = vec![0u32; ch.node_count + 1];
    for &(node, _, _) in &triples {
        first[node as usize + 1] += 1;
    }
    for i in 0..ch.node_count {
        first[i + 1] += first[i];
    }
    Buckets {
        first,
        entries: triples.into_iter().map(|(_, t, d)| (t, d)).collect(),
    }
}
