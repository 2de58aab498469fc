//! The routrs node format on small hand-written inputs: lat/lon order, clipping, bad input.

use yingji_routing::{BoundingBox, RoadGraph, RoutingError, RoutrsClip, RoutrsSpeedRule};

const SMALL: &str = r#"{"geograph":"highways","nodes":[
  {"id":10,"coordinates":[40.0,117.0],"waypoints":[11]},
  {"id":11,"coordinates":[40.0,117.1],"waypoints":[10,12]},
  {"id":12,"coordinates":[40.0,118.0],"waypoints":[11]},
  {"id":13,"coordinates":[45.0,118.0],"waypoints":[]}
]}"#;

fn load(text: &str, clip: &RoutrsClip) -> Result<RoadGraph, RoutingError> {
    RoadGraph::from_routrs_json(text.as_bytes(), &RoutrsSpeedRule::default(), clip)
}

#[test]
fn coordinates_are_read_as_lat_lon_and_speed_follows_the_length_rule() {
    let graph = load(SMALL, &RoutrsClip::everything()).unwrap();
    // Node 13 has no road and is left out.
    assert_eq!(graph.node_count(), 3);
    let first = graph.node(graph.node_by_source_id(11).unwrap()).position;
    assert_eq!((first.lon, first.lat), (117.1, 40.0));
    let rule = RoutrsSpeedRule::default();
    for s in graph.segments() {
        let straight = s.length_m / rule.circuity;
        assert_eq!(s.speed_kmh, rule.band_for(straight).speed_kmh);
    }
    let speeds: Vec<f64> = graph.segments().iter().map(|s| s.speed_kmh).collect();
    // 0.1 deg of longitude at 40 N is 8.5 km (regional band), 0.9 deg is 77 km (trunk band).
    assert_eq!(speeds, vec![60.0, 80.0]);
}

#[test]
fn clipping_keeps_the_box_and_optionally_its_neighbours() {
    let bbox = BoundingBox::new(116.9, 39.9, 117.05, 40.1).unwrap();
    let alone = load(SMALL, &RoutrsClip::boxes(vec![bbox], false));
    assert!(
        matches!(alone, Err(RoutingError::EmptyGraph(_))),
        "one node has no road"
    );
    let with_neighbours = load(SMALL, &RoutrsClip::boxes(vec![bbox], true)).unwrap();
    assert_eq!(with_neighbours.node_count(), 2);
    assert_eq!(with_neighbours.segment_count(), 1);
}

#[test]
fn malformed_input_names_the_problem() {
    let err = load("{\"nodes\": [", &RoutrsClip::everything()).unwrap_err();
    assert!(matches!(err, RoutingError::RoutrsJson(_)), "{err}");
    let dangling = r#"{"nodes":[{"id":1,"coordinates":[40,117],"waypoints":[2]}]}"#;
    let err = load(dangling, &RoutrsClip::everything()).unwrap_err();
    assert!(err.to_string().contains("waypoint 2"), "{err}");
    let swapped = r#"{"nodes":[{"id":1,"coordinates":[117,40],"waypoints":[]}]}"#;
    let err = load(swapped, &RoutrsClip::everything()).unwrap_err();
    assert!(err.to_string().contains("nodes[0].coordinates"), "{err}");
    let duplicate =
        r#"{"nodes":[{"id":1,"coordinates":[40,117]},{"id":1,"coordinates":[40,118]}]}"#;
    assert!(load(duplicate, &RoutrsClip::everything())
        .unwrap_err()
        .to_string()
        .contains("duplicate id 1"));
}
