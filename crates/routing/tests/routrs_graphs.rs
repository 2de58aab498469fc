//! The three real graphs from `routrs_highways_dataset`: loading, clipping, and travel times
//! against an independent Dijkstra on random node pairs.

mod common;

use common::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use yingji_routing::{CostOverlay, LonLat, RoadGraph, Router, RouterConfig};

/// Travel times between random graph nodes: the hierarchy's table must equal the reference.
fn check_random_node_pairs(graph: RoadGraph, seed: u64, sources: usize, targets: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = graph.node_count() as u32;
    let src: Vec<u32> = (0..sources).map(|_| rng.random_range(0..n)).collect();
    let dst: Vec<u32> = (0..targets).map(|_| rng.random_range(0..n)).collect();
    let position = |i: u32| graph.node(i).position;
    let origins: Vec<LonLat> = src.iter().map(|&i| position(i)).collect();
    let destinations: Vec<LonLat> = dst.iter().map(|&i| position(i)).collect();
    let expected: Vec<Vec<Option<u64>>> = src
        .iter()
        .map(|&s| {
            let dist = reference_dijkstra(&graph, &[(s, 0)]);
            dst.iter().map(|&t| dist[t as usize]).collect()
        })
        .collect();
    let router = Router::new(graph, roads_only()).unwrap();
    let table = router
        .travel_times(&origins, &destinations, &CostOverlay::free_flow())
        .unwrap();
    let mut reachable = 0;
    for (i, row) in table.rows.iter().enumerate() {
        for (j, got) in row.iter().enumerate() {
            let want = expected[i][j].map(|ms| ms as f64 / 1000.0);
            assert_eq!(
                *got, want,
                "origin node {} -> destination node {}",
                src[i], dst[j]
            );
            reachable += usize::from(want.is_some());
        }
    }
    assert!(
        reachable > sources * targets / 2,
        "most random pairs should be connected"
    );
}

#[test]
fn county_graph_matches_the_shared_geojson_extract() {
    let graph = routrs_graph(&county_clip());
    assert_eq!(graph.node_count(), 336);
    let edges: serde_json::Value = serde_json::from_reader(
        std::fs::File::open(shared_data_dir().join("geo/jizhou_roads_coarse_osm_edges.geojson"))
            .unwrap(),
    )
    .unwrap();
    let features = edges["features"].as_array().unwrap();
    assert_eq!(features.len(), 502);
    for f in features {
        let (u, v) = (
            f["properties"]["u"].as_i64().unwrap(),
            f["properties"]["v"].as_i64().unwrap(),
        );
        let length = f["properties"]["length_m"].as_f64().unwrap();
        if u == v {
            continue; // the extract keeps the source's few self-loops; a graph has no use for them
        }
        let (a, b) = (
            graph.node_by_source_id(u).unwrap(),
            graph.node_by_source_id(v).unwrap(),
        );
        let segment = graph
            .segments()
            .iter()
            .find(|s| (s.from == a && s.to == b) || (s.from == b && s.to == a))
            .unwrap_or_else(|| panic!("edge {u}-{v} missing"));
        // Our road length is the straight line times the default circuity 1.2.
        assert!(
            (segment.length_m / 1.2 - length).abs() < 1.0,
            "edge {u}-{v}: {} vs {length}",
            segment.length_m
        );
    }
}

#[test]
fn county_travel_times_equal_reference_dijkstra() {
    check_random_node_pairs(routrs_graph(&county_clip()), 1, 30, 30);
}

#[test]
fn region_travel_times_equal_reference_dijkstra() {
    let graph = routrs_graph(&region_clip());
    assert!(
        (13_500..15_500).contains(&graph.node_count()),
        "{}",
        graph.node_count()
    );
    check_random_node_pairs(graph, 2, 10, 40);
}

#[test]
fn china_travel_times_equal_reference_dijkstra() {
    let graph = routrs_graph(&china_clip());
    assert!(
        (150_000..160_000).contains(&graph.node_count()),
        "{}",
        graph.node_count()
    );
    check_random_node_pairs(graph, 3, 4, 40);
}

#[test]
fn hierarchy_and_live_dijkstra_agree_on_random_off_road_points() {
    let graph = routrs_graph(&county_clip());
    let router = Router::new(graph, RouterConfig::default()).unwrap();
    // A slow-down by factor 1 changes no cost but forces the live-cost (Dijkstra) path.
    let mut closures = yingji_routing::ClosureSet::new();
    let far_future = chrono::DateTime::parse_from_rfc3339("2100-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    closures
        .add(router.graph(), 0, 1.0, "no-op", far_future)
        .unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-07-30T00:00:00Z")
        .unwrap()
        .to_utc();
    let overlay = closures.overlay_at(now);
    assert!(!overlay.is_free_flow());
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut point = || {
        LonLat::new(
            rng.random_range(117.1..117.8),
            rng.random_range(39.75..40.25),
        )
        .unwrap()
    };
    let origins: Vec<LonLat> = (0..20).map(|_| point()).collect();
    let destinations: Vec<LonLat> = (0..20).map(|_| point()).collect();
    let fast = router
        .travel_times(&origins, &destinations, &CostOverlay::free_flow())
        .unwrap();
    let live = router
        .travel_times(&origins, &destinations, &overlay)
        .unwrap();
    assert_eq!(fast, live);
    for (i, o) in origins.iter().enumerate() {
        for (j, d) in destinations.iter().enumerate() {
            let answer = router.route(*o, *d, &overlay).unwrap();
            match answer {
                yingji_routing::RouteAnswer::Found(route) => {
                    assert_eq!(Some(route.travel_time_s), fast.rows[i][j]);
                    assert_eq!(route.geometry.first(), Some(o));
                    assert_eq!(route.geometry.last(), Some(d));
                    assert!(route.distance_m >= yingji_routing::haversine_m(*o, *d) - 1.0);
                }
                yingji_routing::RouteAnswer::Unreachable => assert_eq!(fast.rows[i][j], None),
            }
        }
    }
}
