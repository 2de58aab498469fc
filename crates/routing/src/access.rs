//! A point placed on the road network: where it enters and leaves the graph, and at what
//! cost (off-road leg plus the part of its segment), under a closure overlay.

use crate::closures::CostOverlay;
use crate::geometry::LonLat;
use crate::graph::{Millis, NodeIndex, RoadGraph, SegmentId};
use crate::snap::Snap;

/// A point placed on the network: its snap and the cost of the off-road leg.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Access {
    pub point: LonLat,
    pub snap: Snap,
    pub offroad_ms: Millis,
}

/// Cost of travelling `share` of a segment, under the overlay.
fn partial_cost(
    graph: &RoadGraph,
    overlay: &CostOverlay,
    segment: SegmentId,
    share: f64,
) -> Option<Millis> {
    let full = graph.segments()[segment as usize].travel_time_ms();
    let base = (full as f64 * share).round() as Millis;
    // A point at the very end of a closed segment is at the junction: it need not use the
    // closed road to leave.
    if base == 0 {
        return Some(0);
    }
    overlay.cost(segment, base)
}

impl Access {
    /// Graph nodes a traveller leaving this point can enter, with the cost so far.
    pub fn departures(&self, graph: &RoadGraph, overlay: &CostOverlay) -> Vec<(NodeIndex, Millis)> {
        let s = &graph.segments()[self.snap.segment as usize];
        let f = self.snap.fraction;
        let mut seeds = Vec::with_capacity(2);
        if s.allows_forward() {
            if let Some(c) = partial_cost(graph, overlay, self.snap.segment, 1.0 - f) {
                seeds.push((s.to, self.offroad_ms.saturating_add(c)));
            }
        }
        if s.allows_backward() {
            if let Some(c) = partial_cost(graph, overlay, self.snap.segment, f) {
                seeds.push((s.from, self.offroad_ms.saturating_add(c)));
            }
        }
        seeds
    }

    /// Graph nodes from which a traveller can reach this point, with the remaining cost.
    pub fn arrivals(&self, graph: &RoadGraph, overlay: &CostOverlay) -> Vec<(NodeIndex, Millis)> {
        let s = &graph.segments()[self.snap.segment as usize];
        let f = self.snap.fraction;
        let mut entries = Vec::with_capacity(2);
        if s.allows_forward() {
            if let Some(c) = partial_cost(graph, overlay, self.snap.segment, f) {
                entries.push((s.from, self.offroad_ms.saturating_add(c)));
            }
        }
        if s.allows_backward() {
            if let Some(c) = partial_cost(graph, overlay, self.snap.segment, 1.0 - f) {
                entries.push((s.to, self.offroad_ms.saturating_add(c)));
            }
        }
        entries
    }

    /// Travel without entering a node: both points on the same segment, in an allowed
    /// direction.
    pub fn direct_to(
        &self,
        other: &Access,
        graph: &RoadGraph,
        overlay: &CostOverlay,
    ) -> Option<Millis> {
        if self.snap.segment != other.snap.segment {
            return None;
        }
        let s = &graph.segments()[self.snap.segment as usize];
        let delta = other.snap.fraction - self.snap.fraction;
        let allowed = (delta >= 0.0 && s.allows_forward()) || (delta <= 0.0 && s.allows_backward());
        if !allowed {
            return None;
        }
        let along = partial_cost(graph, overlay, self.snap.segment, delta.abs())?;
        Some(
            self.offroad_ms
                .saturating_add(along)
                .saturating_add(other.offroad_ms),
        )
    }
}
