//! The bounded straight cross-country leg: offered between nearby points when faster than
//! the roads, never across a closed road, and the same in routes and tables.

mod common;

use common::*;
use yingji_routing::{
    haversine_m, ClosureSet, CostOverlay, Direction, LonLat, RoadGraph, RoadGraphBuilder, Route,
    RouteAnswer, Router, RouterConfig, RoutingError, SegmentId,
};

fn p(lon: f64, lat: f64) -> LonLat {
    LonLat::new(lon, lat).unwrap()
}

/// A "U" of 40 km/h roads: two legs 2.2 km long running north from lat 40.0, `gap_deg` of
/// longitude apart, joined only at their northern ends, with a dead-end spur hanging south
/// from the middle of the top road, crossing lat 40.0 between the legs' feet.
struct U {
    gap_deg: f64,
}

/// Segment ids, in the order [`U::graph`] adds them.
const TOP_EAST: SegmentId = 2;
const SPUR: SegmentId = 4;

impl U {
    fn west_foot(&self) -> LonLat {
        p(117.0, 40.0)
    }

    fn east_foot(&self) -> LonLat {
        p(117.0 + self.gap_deg, 40.0)
    }

    fn graph(&self) -> RoadGraph {
        let (w, e, mid) = (117.0, 117.0 + self.gap_deg, 117.0 + self.gap_deg / 2.0);
        let mut b = RoadGraphBuilder::new();
        for (id, lon, lat) in [
            (1, w, 40.0),
            (2, w, 40.02),
            (3, mid, 40.02),
            (4, e, 40.02),
            (5, e, 40.0),
            (6, mid, 39.995),
        ] {
            b.add_node(id, p(lon, lat));
        }
        for (a, z) in [(1, 2), (2, 3), (3, 4), (4, 5), (3, 6)] {
            b.add_segment(a, z, 40.0, 1.0, Direction::Both, "test")
                .unwrap();
        }
        b.build().unwrap()
    }

    fn router(&self, config: RouterConfig) -> Router {
        Router::new(self.graph(), config).unwrap()
    }
}

fn found(router: &Router, from: LonLat, to: LonLat, overlay: &CostOverlay) -> Route {
    match router.route(from, to, overlay).unwrap() {
        RouteAnswer::Found(route) => route,
        RouteAnswer::Unreachable => panic!("{from:?} -> {to:?} unreachable"),
    }
}

/// An overlay with one closure (factor 0) or slow-down of `segment`.
fn overlay_with(router: &Router, segment: SegmentId, factor: f64) -> CostOverlay {
    let now = instant("2026-07-30T08:00:00Z");
    let mut closures = ClosureSet::new();
    closures
        .add(
            router.graph(),
            segment,
            factor,
            "landslide",
            instant("2026-07-30T12:00:00Z"),
        )
        .unwrap();
    closures.overlay_at(now)
}

fn leg_seconds(from: LonLat, to: LonLat) -> f64 {
    let config = RouterConfig::default();
    haversine_m(from, to) * config.cross_country_detour / (config.offroad_speed_kmh / 3.6)
}

#[test]
fn points_600_m_apart_on_roads_that_meet_far_away_get_the_straight_leg() {
    let u = U { gap_deg: 0.007 }; // about 596 m at lat 40
    let (west, east) = (u.west_foot(), u.east_foot());
    let straight = haversine_m(west, east);
    assert!((590.0..610.0).contains(&straight), "{straight}");
    let free = CostOverlay::free_flow();

    let by_road = found(&u.router(roads_only()), west, east, &free);
    assert!(!by_road.cross_country);
    assert!(by_road.distance_m > 4_900.0, "{}", by_road.distance_m);

    let route = found(&u.router(RouterConfig::default()), west, east, &free);
    assert!(route.cross_country);
    assert_eq!(route.geometry, vec![west, east]);
    assert!(route.segments.is_empty());
    assert!((route.distance_m - straight * 1.3).abs() < 1e-6);
    assert_eq!(route.offroad_m, route.distance_m);
    assert!((route.travel_time_s - leg_seconds(west, east)).abs() < 0.001);
    assert!(
        route.travel_time_s * 3.0 < by_road.travel_time_s,
        "leg {} s, out-and-back {} s",
        route.travel_time_s,
        by_road.travel_time_s
    );
    let properties = route.to_geojson().properties.unwrap();
    assert_eq!(properties["cross_country"], true);
    assert_eq!(properties["offroad_m"], properties["distance_m"]);
    let properties = by_road.to_geojson().properties.unwrap();
    assert_eq!(properties["cross_country"], false);
}

#[test]
fn points_2_km_apart_keep_the_road_even_when_the_leg_would_be_faster() {
    let u = U { gap_deg: 0.0235 }; // about 2,000 m at lat 40
    let (west, east) = (u.west_foot(), u.east_foot());
    assert!(haversine_m(west, east) > 1_990.0);
    let free = CostOverlay::free_flow();
    let route = found(&u.router(RouterConfig::default()), west, east, &free);
    assert!(!route.cross_country);
    assert_eq!(route, found(&u.router(roads_only()), west, east, &free));
    // The bound is what keeps it on the road: the leg would have been faster.
    assert!(leg_seconds(west, east) < route.travel_time_s);
}

#[test]
fn a_closed_road_across_the_line_removes_the_leg() {
    let u = U { gap_deg: 0.007 };
    let (west, east) = (u.west_foot(), u.east_foot());
    let router = u.router(RouterConfig::default());
    let by_road = found(
        &u.router(roads_only()),
        west,
        east,
        &CostOverlay::free_flow(),
    );

    // The spur is a dead end the road route never uses, so closing it changes nothing for
    // the roads; it only stops the short cut across it.
    let spur_closed = overlay_with(&router, SPUR, 0.0);
    let route = found(&router, west, east, &spur_closed);
    assert!(!route.cross_country);
    assert_eq!(route.travel_time_s, by_road.travel_time_s);
    let table = router.travel_times(&[west], &[east], &spur_closed).unwrap();
    assert_eq!(table.rows[0][0], Some(by_road.travel_time_s));

    // A slowed road is crossed, not driven along: the leg stays.
    let spur_slowed = overlay_with(&router, SPUR, 3.0);
    assert!(found(&router, west, east, &spur_slowed).cross_country);

    // A closure that the line does not cross leaves the leg, even when it cuts the roads.
    let top_closed = overlay_with(&router, TOP_EAST, 0.0);
    let roads = u.router(roads_only());
    assert_eq!(
        roads.route(west, east, &top_closed).unwrap(),
        RouteAnswer::Unreachable
    );
    let route = found(&router, west, east, &top_closed);
    assert!(route.cross_country);
    let table = router.travel_times(&[west], &[east], &top_closed).unwrap();
    assert_eq!(table.rows[0][0], Some(route.travel_time_s));
}

#[test]
fn tables_agree_with_routes_with_and_without_closures() {
    let u = U { gap_deg: 0.007 };
    let router = u.router(RouterConfig::default());
    // Feet, points beside the legs and the spur, one far up a leg (beyond the bound from the
    // other foot), one off the network's side.
    let points = [
        u.west_foot(),
        u.east_foot(),
        p(117.0008, 40.004),
        p(117.0062, 40.001),
        p(117.0035, 39.998),
        p(117.007, 40.018),
        p(116.99, 40.01),
    ];
    let overlays = [
        ("free flow", CostOverlay::free_flow()),
        ("spur closed", overlay_with(&router, SPUR, 0.0)),
        ("spur slowed", overlay_with(&router, SPUR, 2.0)),
        ("top closed", overlay_with(&router, TOP_EAST, 0.0)),
    ];
    let mut legs = 0;
    for (name, overlay) in &overlays {
        // Both shapes: one search per origin, and one backward search per destination.
        for (origins, destinations) in [(&points[..], &points[..2]), (&points[..2], &points[..])] {
            let table = router.travel_times(origins, destinations, overlay).unwrap();
            for (i, &from) in origins.iter().enumerate() {
                for (j, &to) in destinations.iter().enumerate() {
                    let cell = table.rows[i][j];
                    match router.route(from, to, overlay).unwrap() {
                        RouteAnswer::Found(route) => {
                            assert_eq!(Some(route.travel_time_s), cell, "{name}: {i} -> {j}");
                            legs += usize::from(route.cross_country);
                        }
                        RouteAnswer::Unreachable => assert_eq!(cell, None, "{name}: {i} -> {j}"),
                    }
                }
            }
        }
    }
    assert!(
        legs > 0,
        "no pair used the leg: the check would prove nothing"
    );
}

#[test]
fn bad_settings_are_refused_naming_the_field() {
    for (config, field) in [
        (
            RouterConfig {
                max_cross_country_m: -1.0,
                ..RouterConfig::default()
            },
            "max_cross_country_m",
        ),
        (
            RouterConfig {
                max_cross_country_m: f64::INFINITY,
                ..RouterConfig::default()
            },
            "max_cross_country_m",
        ),
        (
            RouterConfig {
                cross_country_detour: 0.9,
                ..RouterConfig::default()
            },
            "cross_country_detour",
        ),
        (
            RouterConfig {
                cross_country_detour: f64::NAN,
                ..RouterConfig::default()
            },
            "cross_country_detour",
        ),
    ] {
        let err = Router::new(line_graph(), config).unwrap_err();
        assert!(
            matches!(err, RoutingError::InvalidParameter { field: ref f, .. } if f == field),
            "{err}"
        );
    }
}

#[test]
fn older_serialized_settings_and_routes_read_with_the_defaults() {
    let config: RouterConfig = serde_json::from_str(
        r#"{"offroad_speed_kmh": 15.0, "max_snap_distance_m": 5000.0, "isochrone_corridor_m": 100.0}"#,
    )
    .unwrap();
    assert_eq!(config.max_cross_country_m, 1_500.0);
    assert_eq!(config.cross_country_detour, 1.3);
    assert_eq!(config.offroad_speed_kmh, 15.0);
    let route: Route = serde_json::from_str(
        r#"{"travel_time_s": 1.0, "distance_m": 2.0, "offroad_m": 0.0, "segments": [0],
            "geometry": [{"lon": 117.0, "lat": 40.0}, {"lon": 117.1, "lat": 40.0}]}"#,
    )
    .unwrap();
    assert!(!route.cross_country);
}
