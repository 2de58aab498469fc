//! The bounded straight "cross-country" leg between two nearby points.
//!
//! The graph is coarse: two points a few hundred metres apart can snap to roads that meet only
//! kilometres away, and the road answer becomes a long out-and-back (which ranked a team next
//! door below one 5 km away by road). So for points at most
//! [`RouterConfig::max_cross_country_m`] apart in a straight line, the router also offers
//! going straight across — `cross_country_detour` × the straight distance, travelled at
//! `offroad_speed_kmh`, the speed of every other off-road leg — and answers with whichever of
//! that and the road route is faster.
//!
//! **Closures.** The leg is not offered when its straight line meets (crosses or touches)
//! the line of any segment *closed* in the overlay (factor 0): a closed road is a barrier
//! that a short cut must not step over. Slow-downs (factor > 1) do not block it, because
//! they slow travel *along* a road, not across it. The test is exact in lon/lat; the local
//! metric projection the crate uses for segments elsewhere is affine, so it would give the
//! same answer.
//!
//! The leg knows nothing of terrain, water or buildings: that is why it is bounded, padded
//! by the detour factor and slow.

use geo::{Intersects, Line};

use crate::closures::CostOverlay;
use crate::geometry::{haversine_m, LonLat};
use crate::graph::{millis_for, Millis, RoadGraph};
use crate::router::RouterConfig;

/// A straight leg the router may offer: its travelled length (detour included) and time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Leg {
    pub distance_m: f64,
    pub ms: Millis,
}

/// The cross-country rule for one query: the limits and the closed roads in force.
#[derive(Debug)]
pub(crate) struct CrossCountry {
    max_m: f64,
    detour: f64,
    speed_kmh: f64,
    /// Lines of the segments closed in the overlay.
    barriers: Vec<Line<f64>>,
}

impl CrossCountry {
    /// The rule under `overlay`. With `max_cross_country_m` 0 it offers nothing.
    pub fn new(config: &RouterConfig, graph: &RoadGraph, overlay: &CostOverlay) -> Self {
        let barriers = if config.max_cross_country_m > 0.0 {
            overlay
                .closed_segments()
                .filter_map(|id| graph.segment(id).ok())
                .map(|s| {
                    Line::new(
                        graph.node(s.from).position.to_point().0,
                        graph.node(s.to).position.to_point().0,
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        CrossCountry {
            max_m: config.max_cross_country_m,
            detour: config.cross_country_detour,
            speed_kmh: config.offroad_speed_kmh,
            barriers,
        }
    }

    /// The straight leg from `from` to `to`, if they are close enough and no closed road
    /// lies across it.
    pub fn leg(&self, from: LonLat, to: LonLat) -> Option<Leg> {
        if self.max_m <= 0.0 {
            return None;
        }
        let straight_m = haversine_m(from, to);
        if straight_m > self.max_m {
            return None;
        }
        let line = Line::new(from.to_point().0, to.to_point().0);
        if self.barriers.iter().any(|b| b.intersects(&line)) {
            return None;
        }
        let distance_m = straight_m * self.detour;
        Some(Leg {
            distance_m,
            ms: millis_for(distance_m, self.speed_kmh),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::closures::ClosureSet;
    use crate::graph::{Direction, RoadGraphBuilder};

    fn p(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat).unwrap()
    }

    /// One north-south road at lon 117.0 from lat 39.99 to 40.01.
    fn wall() -> RoadGraph {
        let mut b = RoadGraphBuilder::new();
        b.add_node(1, p(117.0, 39.99));
        b.add_node(2, p(117.0, 40.01));
        b.add_segment(1, 2, 40.0, 1.0, Direction::Both, "test")
            .unwrap();
        b.build().unwrap()
    }

    fn rule(graph: &RoadGraph, factor: Option<f64>, config: &RouterConfig) -> CrossCountry {
        let mut closures = ClosureSet::new();
        let now = chrono::DateTime::UNIX_EPOCH;
        if let Some(factor) = factor {
            closures
                .add(graph, 0, factor, "test", now + chrono::Duration::hours(1))
                .unwrap();
        }
        CrossCountry::new(config, graph, &closures.overlay_at(now))
    }

    #[test]
    fn leg_is_the_padded_straight_line_at_offroad_speed() {
        let graph = wall();
        let config = RouterConfig::default();
        let (a, b) = (p(116.995, 40.0), p(117.005, 40.0));
        let leg = rule(&graph, None, &config).leg(a, b).unwrap();
        let want_m = haversine_m(a, b) * 1.3;
        assert!((leg.distance_m - want_m).abs() < 1e-9);
        assert_eq!(leg.ms, millis_for(want_m, 20.0));
    }

    #[test]
    fn leg_is_bounded_by_the_straight_distance() {
        let graph = wall();
        let config = RouterConfig::default();
        let rule = rule(&graph, None, &config);
        // 0.0175 deg of longitude at lat 40 is about 1,490 m; 0.0177 about 1,507 m.
        assert!(rule.leg(p(117.0, 40.02), p(117.0175, 40.02)).is_some());
        assert!(rule.leg(p(117.0, 40.02), p(117.0177, 40.02)).is_none());
        let off = RouterConfig {
            max_cross_country_m: 0.0,
            ..RouterConfig::default()
        };
        assert!(CrossCountry::new(&off, &graph, &CostOverlay::free_flow())
            .leg(p(117.0, 40.02), p(117.001, 40.02))
            .is_none());
    }

    #[test]
    fn a_closed_road_across_the_line_blocks_it_and_a_slowed_one_does_not() {
        let graph = wall();
        let config = RouterConfig::default();
        let (west, east) = (p(116.995, 40.0), p(117.005, 40.0));
        assert!(rule(&graph, Some(0.0), &config).leg(west, east).is_none());
        assert!(rule(&graph, Some(3.0), &config).leg(west, east).is_some());
        // Beside the closed road, not across it.
        let (south_west, north_west) = (p(116.995, 40.0), p(116.995, 40.005));
        assert!(rule(&graph, Some(0.0), &config)
            .leg(south_west, north_west)
            .is_some());
        // Past its end: the closure is a line, not an area.
        assert!(rule(&graph, Some(0.0), &config)
            .leg(p(116.995, 40.012), p(117.005, 40.012))
            .is_some());
        // Ending on the closed road counts as meeting it.
        assert!(rule(&graph, Some(0.0), &config)
            .leg(west, p(117.0, 40.0))
            .is_none());
    }
}
