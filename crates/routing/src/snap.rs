//! Snapping a point to the nearest road segment (an R-tree of segments).

use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;
use serde::{Deserialize, Serialize};

use crate::geometry::{LocalProjection, LonLat};
use crate::graph::{RoadGraph, SegmentId};

/// Where a point meets the road network.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Snap {
    pub segment: SegmentId,
    /// Position along the segment: 0 at its `from` node, 1 at its `to` node.
    pub fraction: f64,
    pub road_point: LonLat,
    /// Straight-line distance from the point to `road_point` (the off-road leg).
    pub offroad_m: f64,
}

type IndexedSegment = GeomWithData<Line<[f64; 2]>, SegmentId>;

/// R-tree over the segments. Coordinates are stored as (lon * cos(mean lat), lat) so that the
/// tree's nearest-neighbour order is close to metric order; the final choice among the few
/// nearest candidates is made with an exact local projection.
#[derive(Debug, Clone)]
pub struct SnapIndex {
    tree: RTree<IndexedSegment>,
    lon_scale: f64,
    /// How much the tree's metric can over- or under-state true distances across the
    /// graph's latitude range (max ratio / min ratio): the search radius for candidates.
    distortion: f64,
}

impl SnapIndex {
    pub fn build(graph: &RoadGraph) -> Self {
        let mean_lat = graph.nodes().iter().map(|n| n.position.lat).sum::<f64>()
            / graph.node_count().max(1) as f64;
        let lon_scale = mean_lat.to_radians().cos();
        let (min_lat, max_lat) = graph
            .nodes()
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), n| {
                (lo.min(n.position.lat), hi.max(n.position.lat))
            });
        // True/tree ratio for east-west offsets is cos(lat)/lon_scale; north-south is 1.
        let ratios = [
            1.0,
            min_lat.to_radians().cos() / lon_scale,
            max_lat.to_radians().cos() / lon_scale,
        ];
        let (lo, hi) = ratios.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &r| {
            (lo.min(r), hi.max(r))
        });
        let distortion = if lo > 0.0 && lo.is_finite() {
            hi / lo
        } else {
            2.0
        };
        let key = |p: LonLat| [p.lon * lon_scale, p.lat];
        let items = graph
            .segments()
            .iter()
            .enumerate()
            .map(|(id, s)| {
                let a = graph.node(s.from).position;
                let b = graph.node(s.to).position;
                GeomWithData::new(Line::new(key(a), key(b)), id as SegmentId)
            })
            .collect();
        SnapIndex {
            tree: RTree::bulk_load(items),
            lon_scale,
            distortion: distortion * 1.01,
        }
    }

    /// The nearest point on any road segment; `None` only for an empty graph.
    pub fn snap(&self, graph: &RoadGraph, point: LonLat) -> Option<Snap> {
        use rstar::PointDistance;
        let query = [point.lon * self.lon_scale, point.lat];
        let nearest = self.tree.nearest_neighbor(&query)?;
        // Any segment truly closer than the tree's nearest is within this tree distance.
        let radius_2 = nearest.distance_2(&query) * self.distortion * self.distortion;
        let first = project_onto_segment(graph, nearest.data, point);
        if radius_2 == 0.0 {
            return Some(first);
        }
        let closest = self
            .tree
            .locate_within_distance(query, radius_2)
            .map(|item| project_onto_segment(graph, item.data, point))
            .fold(first, |best, s| {
                if s.offroad_m < best.offroad_m {
                    s
                } else {
                    best
                }
            });
        Some(closest)
    }
}

/// Closest point of a straight segment to `point`, in a projection centred on the point.
pub(crate) fn project_onto_segment(graph: &RoadGraph, segment: SegmentId, point: LonLat) -> Snap {
    let s = &graph.segments()[segment as usize];
    let projection = LocalProjection::around(point);
    let (ax, ay) = projection.project(graph.node(s.from).position);
    let (bx, by) = projection.project(graph.node(s.to).position);
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let fraction = if len2 > 0.0 {
        ((-ax * dx - ay * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (px, py) = (ax + fraction * dx, ay + fraction * dy);
    Snap {
        segment,
        fraction,
        road_point: projection.unproject(px, py),
        offroad_m: (px * px + py * py).sqrt(),
    }
}
