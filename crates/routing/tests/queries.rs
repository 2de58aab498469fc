//! Snapping, routes, unreachable answers, closures and isochrones.

mod common;

use common::*;
use geo::Contains;
use yingji_routing::{
    load_or_prepare, CacheOutcome, ClosureSet, CostOverlay, LonLat, RouteAnswer, Router,
    RouterConfig, RoutingError,
};

fn line_router() -> Router {
    Router::new(line_graph(), RouterConfig::default()).unwrap()
}

fn seconds(router: &Router, from: LonLat, to: LonLat, overlay: &CostOverlay) -> Option<f64> {
    match router.route(from, to, overlay).unwrap() {
        RouteAnswer::Found(r) => Some(r.travel_time_s),
        RouteAnswer::Unreachable => None,
    }
}

#[test]
fn a_point_snaps_to_the_nearest_point_of_the_nearest_road() {
    let router = line_router();
    // 0.01 deg north of the road, a quarter of the way along segment 117.1-117.2.
    let point = LonLat::new(117.125, 40.01).unwrap();
    let snap = router.snap(point, "p").unwrap();
    let expected_offroad = yingji_routing::haversine_m(point, LonLat::new(117.125, 40.0).unwrap());
    assert!(
        (snap.offroad_m - expected_offroad).abs() < 1.0,
        "{} vs {expected_offroad}",
        snap.offroad_m
    );
    assert!(
        (snap.road_point.lon - 117.125).abs() < 1e-9 && (snap.road_point.lat - 40.0).abs() < 1e-9
    );
    let s = &router.graph().segments()[snap.segment as usize];
    let (from, to) = (
        router.graph().node(s.from).position,
        router.graph().node(s.to).position,
    );
    assert_eq!((from.lon.min(to.lon), from.lon.max(to.lon)), (117.1, 117.2));
    let along_from = (snap.road_point.lon - from.lon).abs() / 0.1;
    assert!((snap.fraction - along_from).abs() < 1e-9);
}

#[test]
fn off_road_leg_is_timed_at_the_configured_speed() {
    let router = line_router();
    let on_road = line_node(1);
    let off_road = LonLat::new(117.1, 40.01).unwrap();
    let offroad_m = yingji_routing::haversine_m(on_road, off_road);
    let base = seconds(&router, line_node(0), on_road, &CostOverlay::free_flow()).unwrap();
    let with_leg = seconds(&router, line_node(0), off_road, &CostOverlay::free_flow()).unwrap();
    let leg = offroad_m / (RouterConfig::default().offroad_speed_kmh / 3.6);
    assert!(
        (with_leg - base - leg).abs() < 0.002,
        "{with_leg} - {base} vs {leg}"
    );
}

#[test]
fn points_far_from_roads_and_invalid_points_are_refused() {
    let router = line_router();
    let far = LonLat::new(120.0, 45.0).unwrap();
    let err = router
        .route(far, line_node(1), &CostOverlay::free_flow())
        .unwrap_err();
    assert!(
        matches!(err, RoutingError::PointOffNetwork { ref field, .. } if field == "from"),
        "{err}"
    );
    let bad = LonLat {
        lon: f64::NAN,
        lat: 40.0,
    };
    let err = router
        .travel_times(
            &[line_node(0)],
            &[line_node(1), bad],
            &CostOverlay::free_flow(),
        )
        .unwrap_err();
    assert!(
        matches!(err, RoutingError::InvalidCoordinate { ref field, .. } if field == "destinations[1]"),
        "{err}"
    );
    assert!(LonLat::new(200.0, 0.0).is_err());
}

#[test]
fn unreachable_destination_is_explicit() {
    let router = line_router();
    let island = LonLat::new(117.05, 40.3).unwrap();
    assert_eq!(
        router
            .route(line_node(0), island, &CostOverlay::free_flow())
            .unwrap(),
        RouteAnswer::Unreachable
    );
    let table = router
        .travel_times(
            &[line_node(0)],
            &[island, line_node(2)],
            &CostOverlay::free_flow(),
        )
        .unwrap();
    assert_eq!(table.rows[0][0], None);
    assert!((table.rows[0][1].unwrap() - line_seconds(2)).abs() < 0.002);
}

#[test]
fn route_reports_time_distance_and_geometry() {
    let router = line_router();
    let RouteAnswer::Found(route) = router
        .route(line_node(0), line_node(3), &CostOverlay::free_flow())
        .unwrap()
    else {
        panic!("unreachable");
    };
    assert!((route.travel_time_s - line_seconds(3)).abs() < 0.002);
    let straight = yingji_routing::haversine_m(line_node(0), line_node(3));
    assert!(
        (route.distance_m - straight).abs() < 1.0,
        "{} vs {straight}",
        route.distance_m
    );
    assert_eq!(route.geometry.first(), Some(&line_node(0)));
    assert_eq!(route.geometry.last(), Some(&line_node(3)));
    let feature = route.to_geojson();
    assert_eq!(feature.geometry.unwrap().value.type_name(), "LineString");
}

#[test]
fn closures_count_at_once_and_expire() {
    let router = line_router();
    let graph = router.graph();
    let middle = graph.segments().iter().position(|s| {
        let lons = [
            graph.node(s.from).position.lon,
            graph.node(s.to).position.lon,
        ];
        lons.contains(&117.2) && lons.contains(&117.3)
    });
    let middle = middle.unwrap() as u32;
    let now = instant("2026-07-30T08:00:00Z");
    let mut closures = ClosureSet::new();
    let slow = closures
        .add(
            graph,
            middle,
            2.0,
            "flooded underpass",
            instant("2026-07-30T12:00:00Z"),
        )
        .unwrap();
    let free = seconds(
        &router,
        line_node(0),
        line_node(5),
        &CostOverlay::free_flow(),
    )
    .unwrap();
    let slowed = seconds(
        &router,
        line_node(0),
        line_node(5),
        &closures.overlay_at(now),
    )
    .unwrap();
    assert!(
        (slowed - free - line_seconds(1)).abs() < 0.01,
        "slowed {slowed}, free {free}"
    );
    let table = router
        .travel_times(&[line_node(0)], &[line_node(5)], &closures.overlay_at(now))
        .unwrap();
    assert_eq!(table.rows[0][0], Some(slowed));

    closures
        .add(
            graph,
            middle,
            0.0,
            "landslide",
            instant("2026-07-30T10:00:00Z"),
        )
        .unwrap();
    assert_eq!(
        seconds(
            &router,
            line_node(0),
            line_node(5),
            &closures.overlay_at(now)
        ),
        None
    );
    // After the landslide closure expires, only the slow-down is left.
    let later = instant("2026-07-30T11:00:00Z");
    assert_eq!(
        seconds(
            &router,
            line_node(0),
            line_node(5),
            &closures.overlay_at(later)
        ),
        Some(slowed)
    );
    let map = closures.to_geojson(graph, later);
    assert_eq!(map.features.len(), 1);
    assert_eq!(
        map.features[0].properties.as_ref().unwrap()["reason"],
        "flooded underpass"
    );
    assert!(closures.remove(slow));
    assert_eq!(
        seconds(
            &router,
            line_node(0),
            line_node(5),
            &closures.overlay_at(later)
        ),
        Some(free)
    );

    // A closure placed by a point lands on the nearest segment.
    let near = LonLat::new(117.25, 40.002).unwrap();
    let (_, segment) = closures
        .add_near(&router, near, 0.0, "flood", instant("2026-07-31T00:00:00Z"))
        .unwrap();
    assert_eq!(segment, middle);
    assert_eq!(
        seconds(
            &router,
            line_node(0),
            line_node(5),
            &closures.overlay_at(later)
        ),
        None
    );

    assert!(closures.add(graph, middle, 0.5, "faster?", later).is_err());
    assert!(closures
        .add(graph, 9_999, 0.0, "no such road", later)
        .is_err());
}

#[test]
fn isochrone_contains_exactly_the_reachable_nodes_of_the_county() {
    let graph = routrs_graph(&county_clip());
    let router = Router::new(graph, RouterConfig::default()).unwrap();
    let origin = LonLat::new(117.407, 40.045).unwrap(); // Jizhou town centre
    for minutes in [10.0, 20.0, 35.0] {
        let iso = router
            .isochrone(origin, minutes, &CostOverlay::free_flow())
            .unwrap();
        // Independent reference: Dijkstra from the origin's entry points.
        let snap = router.snap(origin, "origin").unwrap();
        let s = &router.graph().segments()[snap.segment as usize];
        let offroad = snap.offroad_m / (router.config().offroad_speed_kmh / 3.6) * 1000.0;
        let t = s.travel_time_ms() as f64;
        let seeds = [
            (
                s.to,
                (offroad.round() + (t * (1.0 - snap.fraction)).round()) as u64,
            ),
            (
                s.from,
                (offroad.round() + (t * snap.fraction).round()) as u64,
            ),
        ];
        let dist = reference_dijkstra(router.graph(), &seeds);
        let limit = (minutes * 60_000.0) as u64;
        let expected: Vec<u32> = (0..router.graph().node_count() as u32)
            .filter(|&n| dist[n as usize].is_some_and(|d| d <= limit))
            .collect();
        let got: Vec<u32> = iso.reachable_nodes.iter().map(|r| r.0).collect();
        assert_eq!(got, expected, "{minutes} min");
        assert!(!expected.is_empty());
        for (n, node) in router.graph().nodes().iter().enumerate() {
            let inside = iso.area.contains(&node.position.to_point());
            let reachable = expected.contains(&(n as u32));
            if inside != reachable {
                let nearest = expected
                    .iter()
                    .map(|&m| {
                        (
                            yingji_routing::haversine_m(
                                node.position,
                                router.graph().node(m).position,
                            ) as i64,
                            m,
                        )
                    })
                    .min();
                eprintln!(
                    "node {n} {:?} dist {:?} limit {limit} nearest reachable {nearest:?}",
                    node.position, dist[n]
                );
            }
            assert_eq!(
                inside, reachable,
                "{minutes} min: node {n} inside={inside} reachable={reachable}"
            );
        }
    }
}

#[test]
fn prepared_graph_is_cached_on_disk() {
    let dir =
        std::env::temp_dir().join(format!("yingji-routing-cache-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (first, outcome) = load_or_prepare(&dir, line_graph(), RouterConfig::default()).unwrap();
    assert!(matches!(outcome, CacheOutcome::Prepared(_)));
    let (second, outcome) = load_or_prepare(&dir, line_graph(), RouterConfig::default()).unwrap();
    let CacheOutcome::Loaded(path) = outcome else {
        panic!("expected a cache hit")
    };
    let points = [line_node(0), line_node(4)];
    let a = first
        .travel_times(&points, &points, &CostOverlay::free_flow())
        .unwrap();
    let b = second
        .travel_times(&points, &points, &CostOverlay::free_flow())
        .unwrap();
    assert_eq!(a, b);
    // A corrupt cache file is replaced, not trusted.
    std::fs::write(&path, b"garbage").unwrap();
    let (_, outcome) = load_or_prepare(&dir, line_graph(), RouterConfig::default()).unwrap();
    assert!(matches!(outcome, CacheOutcome::Prepared(_)));
    std::fs::remove_dir_all(&dir).unwrap();
}
