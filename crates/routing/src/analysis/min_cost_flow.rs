//! Min-cost max-flow by successive shortest paths with Johnson potentials.
//!
//! Written here because no maintained pure-Rust crate offers min-cost flow (the `mcmf` crate
//! wraps C++ LEMON; `pathfinding` has max-flow and the Hungarian algorithm but no costs with
//! capacities). Costs are non-negative integers, so potentials start at zero and every
//! Dijkstra runs on non-negative reduced costs; the result is an exact optimum.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Debug, Clone, Copy)]
struct Arc {
    to: usize,
    /// Index of the reverse arc in `arcs`.
    rev: usize,
    residual: i64,
    cost: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct FlowNetwork {
    arcs: Vec<Arc>,
    adjacency: Vec<Vec<usize>>,
}

impl FlowNetwork {
    pub fn new(nodes: usize) -> Self {
        FlowNetwork {
            arcs: Vec::new(),
            adjacency: vec![Vec::new(); nodes],
        }
    }

    /// Adds an arc and returns its id (to read its flow later).
    pub fn add_arc(&mut self, from: usize, to: usize, capacity: i64, cost: i64) -> usize {
        let id = self.arcs.len();
        self.arcs.push(Arc {
            to,
            rev: id + 1,
            residual: capacity,
            cost,
        });
        self.arcs.push(Arc {
            to: from,
            rev: id,
            residual: 0,
            cost: -cost,
        });
        self.adjacency[from].push(id);
        self.adjacency[to].push(id + 1);
        id
    }

    /// Flow on an arc added by `add_arc`.
    pub fn flow(&self, arc: usize) -> i64 {
        self.arcs[arc + 1].residual
    }

    /// Sends as much flow as possible from `source` to `sink` at minimum total cost.
    /// Returns (flow, cost).
    pub fn min_cost_max_flow(&mut self, source: usize, sink: usize) -> (i64, i64) {
        let n = self.adjacency.len();
        let mut potential = vec![0i64; n];
        let mut dist = vec![i64::MAX; n];
        let mut via = vec![usize::MAX; n];
        let mut done = vec![false; n];
        let (mut flow, mut cost) = (0i64, 0i64);
        loop {
            dist.iter_mut().for_each(|d| *d = i64::MAX);
            done.iter_mut().for_each(|d| *d = false);
            dist[source] = 0;
            let mut heap = BinaryHeap::from([Reverse((0i64, source))]);
            while let Some(Reverse((d, v))) = heap.pop() {
                if done[v] {
                    continue;
                }
                done[v] = true;
                if v == sink {
                    break; // nodes not settled yet are at least as far: see the potential update
                }
                for &a in &self.adjacency[v] {
                    let arc = self.arcs[a];
                    if arc.residual <= 0 || done[arc.to] {
                        continue;
                    }
                    let next = d + arc.cost + potential[v] - potential[arc.to];
                    if next < dist[arc.to] {
                        dist[arc.to] = next;
                        via[arc.to] = a;
                        heap.push(Reverse((next, arc.to)));
                    }
                }
            }
            if !done[sink] {
                return (flow, cost);
            }
            // Unsettled nodes get the sink's distance, which keeps every reduced cost
            // non-negative (they are at least that far).
            let sink_dist = dist[sink];
            for v in 0..n {
                potential[v] += if done[v] { dist[v] } else { sink_dist };
            }
            let mut push = i64::MAX;
            let mut v = sink;
            while v != source {
                let a = via[v];
                push = push.min(self.arcs[a].residual);
                v = self.arcs[self.arcs[a].rev].to;
            }
            let mut v = sink;
            while v != source {
                let a = via[v];
                self.arcs[a].residual -= push;
                let rev = self.arcs[a].rev;
                self.arcs[rev].residual += push;
                cost += push * self.arcs[a].cost;
                v = self.arcs[rev].to;
            }
            flow += push;
        }
    }
}
