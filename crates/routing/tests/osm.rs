//! OSM PBF loading: one-way handling, maxspeed, skipped ways, malformed input.

mod common;

use yingji_routing::{CostOverlay, OsmSpeedTable, RoadGraph, RouteAnswer, Router, RoutingError};

fn fixture() -> RoadGraph {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/oneway.osm.pbf");
    RoadGraph::from_osm_pbf(
        std::fs::File::open(path).unwrap(),
        &OsmSpeedTable::default(),
    )
    .unwrap()
}

fn seconds_between(router: &Router, a: i64, b: i64) -> f64 {
    let position = |id| {
        router
            .graph()
            .node(router.graph().node_by_source_id(id).unwrap())
            .position
    };
    match router
        .route(position(a), position(b), &CostOverlay::free_flow())
        .unwrap()
    {
        RouteAnswer::Found(route) => route.travel_time_s,
        RouteAnswer::Unreachable => panic!("{a} -> {b} unreachable"),
    }
}

fn segment_seconds(graph: &RoadGraph, a: i64, b: i64) -> f64 {
    let (ia, ib) = (
        graph.node_by_source_id(a).unwrap(),
        graph.node_by_source_id(b).unwrap(),
    );
    let s = graph
        .segments()
        .iter()
        .find(|s| (s.from, s.to) == (ia, ib) || (s.from, s.to) == (ib, ia))
        .unwrap();
    s.travel_time_ms() as f64 / 1000.0
}

#[test]
fn unroutable_ways_are_skipped() {
    let graph = fixture();
    // Nodes 6 (footway), 7 (proposed road) and 8 (private road) are on no routable way.
    let ids: Vec<i64> = graph.nodes().iter().map(|n| n.source_id).collect();
    assert_eq!(graph.node_count(), 5, "{ids:?}");
    for skipped in [6, 7, 8] {
        assert!(
            graph.node_by_source_id(skipped).is_none(),
            "node {skipped} should be skipped"
        );
    }
    assert_eq!(graph.segment_count(), 5);
}

#[test]
fn maxspeed_replaces_the_class_default() {
    let graph = fixture();
    let spur = graph
        .segments()
        .iter()
        .find(|s| s.class == "primary")
        .unwrap();
    assert_eq!(spur.speed_kmh, 30.0);
    let side = graph
        .segments()
        .iter()
        .find(|s| s.class == "residential")
        .unwrap();
    assert_eq!(
        side.speed_kmh,
        OsmSpeedTable::default().speeds_kmh["residential"]
    );
}

#[test]
fn one_way_street_is_driven_only_forwards() {
    let graph = fixture();
    let direct = segment_seconds(&graph, 1, 2);
    let around = segment_seconds(&graph, 2, 3)
        + segment_seconds(&graph, 3, 4)
        + segment_seconds(&graph, 4, 1);
    // Roads only: on foot, 1 and 2 are 850 m apart across the square.
    let router = Router::new(graph, common::roads_only()).unwrap();
    assert_eq!(seconds_between(&router, 1, 2), direct);
    // Against the one-way, the only way is round the square.
    assert!((seconds_between(&router, 2, 1) - around).abs() < 0.002);
    assert!(around > 2.0 * direct);
}

#[test]
fn malformed_pbf_is_a_clear_error() {
    let garbage = b"\x00\x00\x00\x0dthis is not an OSM PBF file at all".to_vec();
    let err = RoadGraph::from_osm_pbf(&garbage[..], &OsmSpeedTable::default()).unwrap_err();
    assert!(matches!(err, RoutingError::OsmPbf(_)), "{err}");
    let truncated = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/oneway.osm.pbf"
    ))
    .unwrap();
    let err = RoadGraph::from_osm_pbf(&truncated[..truncated.len() / 2], &OsmSpeedTable::default())
        .unwrap_err();
    assert!(matches!(err, RoutingError::OsmPbf(_)), "{err}");
}

#[test]
fn a_pbf_without_roads_is_refused() {
    let mut table = OsmSpeedTable::default();
    table.speeds_kmh.clear();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/oneway.osm.pbf");
    let err = RoadGraph::from_osm_pbf(std::fs::File::open(path).unwrap(), &table).unwrap_err();
    assert!(matches!(err, RoutingError::EmptyGraph(_)), "{err}");
}
