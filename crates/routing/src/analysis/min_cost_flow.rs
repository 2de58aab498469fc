//! Exact min-cost transportation: successive shortest paths on a graph contracted to the
//! shelters.
//!
//! Written here because no maintained pure-Rust crate offers min-cost flow (the `mcmf` crate
//! wraps C++ LEMON; `pathfinding` has max-flow and the Hungarian algorithm but no costs with
//! capacities), and because a generic solver is slow on this shape: ~1,000 villages × ~100
//! shelters is ~100,000 arcs per shortest-path search.
//!
//! In the residual network every augmenting path is
//! `source → village v0 → shelter w1 → village v1 → shelter w2 → … → shelter wk → sink`,
//! where each step `wi → vi → wi+1` moves a village already sent to `wi` on to `wi+1`. So the
//! search runs on the shelters alone:
//! * entering shelter `w` costs the cheapest `cost[v][w]` over villages with people left
//!   (villages only ever run out, so a pointer into `w`'s cost-sorted village list suffices);
//! * moving from `w` to `w'` costs `min cost[v][w'] − cost[v][w]` over villages sent to `w`
//!   (recomputed only for shelters whose villages changed).
//!
//! Dijkstra with potentials (Johnson) keeps those costs non-negative, exactly as in the full
//! network; each augmentation is a shortest path, so the final flow is a maximum flow of
//! minimum cost.

use std::collections::HashMap;

const INF: i64 = i64::MAX / 4;

#[derive(Clone, Copy)]
enum Via {
    Unreached,
    /// Entered from the source through this village.
    Source(usize),
    /// Reached from this shelter by moving this village.
    Transfer(usize, usize),
}

pub(crate) struct Transport<'a> {
    cost: &'a [Vec<Option<i64>>],
    supply_left: Vec<i64>,
    capacity_left: Vec<i64>,
    /// Per shelter: village -> people sent there.
    sent: Vec<HashMap<usize, i64>>,
    /// Per shelter: villages that can reach it, cheapest first, and a cursor past spent ones.
    by_cost: Vec<Vec<usize>>,
    cursor: Vec<usize>,
    /// transfer[w][w'] = (cost, village) of the cheapest move from w to w'.
    transfer: Vec<Vec<(i64, usize)>>,
}

impl<'a> Transport<'a> {
    pub fn new(supply: &[i64], capacity: &[i64], cost: &'a [Vec<Option<i64>>]) -> Self {
        let m = capacity.len();
        let by_cost = (0..m)
            .map(|w| {
                let mut villages: Vec<usize> = (0..supply.len())
                    .filter(|&v| cost[v][w].is_some())
                    .collect();
                villages.sort_by_key(|&v| cost[v][w]);
                villages
            })
            .collect();
        Transport {
            cost,
            supply_left: supply.to_vec(),
            capacity_left: capacity.to_vec(),
            sent: vec![HashMap::new(); m],
            by_cost,
            cursor: vec![0; m],
            transfer: vec![vec![(INF, usize::MAX); m]; m],
        }
    }

    fn c(&self, v: usize, w: usize) -> Option<i64> {
        self.cost[v][w]
    }

    /// Cheapest village with people left that can reach `w`.
    fn entry(&mut self, w: usize) -> Option<(i64, usize)> {
        let list = &self.by_cost[w];
        while self.cursor[w] < list.len() && self.supply_left[list[self.cursor[w]]] == 0 {
            self.cursor[w] += 1;
        }
        let v = *list.get(self.cursor[w])?;
        Some((self.cost[v][w]?, v))
    }

    fn refresh_transfers(&mut self, w: usize) {
        let m = self.capacity_left.len();
        let mut row = vec![(INF, usize::MAX); m];
        for (&v, &people) in &self.sent[w] {
            if people <= 0 {
                continue;
            }
            let Some(here) = self.c(v, w) else { continue };
            for (w2, slot) in row.iter_mut().enumerate() {
                if w2 == w {
                    continue;
                }
                if let Some(there) = self.c(v, w2) {
                    if there - here < slot.0 {
                        *slot = (there - here, v);
                    }
                }
            }
        }
        self.transfer[w] = row;
    }

    /// Runs to completion; returns people sent per (village, shelter).
    pub fn solve(mut self) -> Vec<HashMap<usize, i64>> {
        let m = self.capacity_left.len();
        let mut potential = vec![0i64; m];
        loop {
            // Dijkstra over shelters on reduced costs (dense: m is small).
            let mut dist = vec![INF; m];
            let mut via = vec![Via::Unreached; m];
            let mut done = vec![false; m];
            for w in 0..m {
                if let Some((c, v)) = self.entry(w) {
                    dist[w] = c - potential[w];
                    via[w] = Via::Source(v);
                }
            }
            loop {
                let next = (0..m)
                    .filter(|&w| !done[w] && dist[w] < INF)
                    .min_by_key(|&w| dist[w]);
                let Some(w) = next else { break };
                done[w] = true;
                for w2 in 0..m {
                    let (t, v) = self.transfer[w][w2];
                    if done[w2] || t >= INF {
                        continue;
                    }
                    let d = dist[w] + t + potential[w] - potential[w2];
                    if d < dist[w2] {
                        dist[w2] = d;
                        via[w2] = Via::Transfer(w, v);
                    }
                }
            }
            // The sink is entered from the nearest shelter with room.
            let Some(last) = (0..m)
                .filter(|&w| self.capacity_left[w] > 0 && dist[w] < INF)
                .min_by_key(|&w| dist[w] + potential[w])
            else {
                break;
            };
            for w in 0..m {
                if dist[w] < INF {
                    potential[w] += dist[w];
                }
            }
            // Bottleneck along the path.
            let mut push = self.capacity_left[last];
            let mut w = last;
            let first_village = loop {
                match via[w] {
                    Via::Source(v) => break v,
                    Via::Transfer(prev, v) => {
                        push = push.min(self.sent[prev].get(&v).copied().unwrap_or(0));
                        w = prev;
                    }
                    Via::Unreached => unreachable!("a reached shelter has a predecessor"),
                }
            };
            push = push.min(self.supply_left[first_village]);
            debug_assert!(push > 0);
            // Augment.
            self.capacity_left[last] -= push;
            let mut changed = vec![last];
            let mut w = last;
            loop {
                match via[w] {
                    Via::Source(v) => {
                        self.supply_left[v] -= push;
                        *self.sent[w].entry(v).or_insert(0) += push;
                        break;
                    }
                    Via::Transfer(prev, v) => {
                        *self.sent[w].entry(v).or_insert(0) += push;
                        let left = self.sent[prev].get_mut(&v).map(|p| {
                            *p -= push;
                            *p
                        });
                        if left == Some(0) {
                            self.sent[prev].remove(&v);
                        }
                        changed.push(prev);
                        w = prev;
                    }
                    Via::Unreached => unreachable!("a reached shelter has a predecessor"),
                }
            }
            changed.sort_unstable();
            changed.dedup();
            for w in changed {
                self.refresh_transfers(w);
            }
        }
        self.sent
    }
}
