//! Shared test helpers: the three real graphs and an independent reference Dijkstra.
#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::PathBuf;

use yingji_routing::{BoundingBox, RoadGraph, RoutrsClip, RoutrsSpeedRule};

/// `<workspace root>/../shared/data`, or `$YINGJI_SHARED_DIR/data`.
pub fn shared_data_dir() -> PathBuf {
    let dir = match std::env::var("YINGJI_SHARED_DIR") {
        Ok(d) => PathBuf::from(d).join("data"),
        Err(_) => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
    };
    assert!(
        dir.is_dir(),
        "shared data directory {} is missing",
        dir.display()
    );
    dir
}

/// Jizhou: lon 117.0-117.95, lat 39.65-40.35, plus one-hop neighbours.
pub fn county_clip() -> RoutrsClip {
    RoutrsClip::boxes(
        vec![BoundingBox::new(117.0, 39.65, 117.95, 40.35).unwrap()],
        true,
    )
}

/// Beijing-Tianjin-Hebei: lon 113.4-119.9, lat 36.0-42.7 (about 14,350 nodes).
pub fn region_clip() -> RoutrsClip {
    RoutrsClip::boxes(
        vec![BoundingBox::new(113.4, 36.0, 119.9, 42.7).unwrap()],
        false,
    )
}

/// China: lon 73-135, lat 18-54 (about 154,800 nodes; the box also takes in border areas of
/// the neighbouring countries).
pub fn china_clip() -> RoutrsClip {
    RoutrsClip::boxes(
        vec![BoundingBox::new(73.0, 18.0, 135.0, 54.0).unwrap()],
        false,
    )
}

pub fn routrs_graph(clip: &RoutrsClip) -> RoadGraph {
    RoadGraph::from_routrs_str(
        &routrs_highways_dataset::HIGHWAYS_JSON,
        &RoutrsSpeedRule::default(),
        clip,
    )
    .unwrap()
}

/// Textbook Dijkstra over the graph's directed edge list, written independently of the
/// crate's searches. Returns milliseconds, `None` for unreachable.
pub fn reference_dijkstra(graph: &RoadGraph, seeds: &[(u32, u64)]) -> Vec<Option<u64>> {
    let n = graph.node_count();
    let mut adjacency: Vec<Vec<(u32, u64)>> = vec![vec![]; n];
    for (tail, head, ms, _) in graph.directed_edges() {
        adjacency[tail as usize].push((head, ms as u64));
    }
    let mut dist: Vec<Option<u64>> = vec![None; n];
    let mut heap = BinaryHeap::new();
    for &(s, d) in seeds {
        heap.push(Reverse((d, s)));
    }
    while let Some(Reverse((d, v))) = heap.pop() {
        if dist[v as usize].is_some() {
            continue;
        }
        dist[v as usize] = Some(d);
        for &(w, c) in &adjacency[v as usize] {
            if dist[w as usize].is_none() {
                heap.push(Reverse((d + c, w)));
            }
        }
    }
    dist
}

use yingji_routing::{Direction, LonLat, RoadGraphBuilder, RouterConfig};

/// The default settings without the cross-country leg: for checks against road-only ground
/// truth (a reference Dijkstra, a one-way street).
pub fn roads_only() -> RouterConfig {
    RouterConfig {
        max_cross_country_m: 0.0,
        ..RouterConfig::default()
    }
}

/// A straight east-west road along lat 40.0 with nodes every 0.1 deg from lon 117.0 to 117.5
/// (source ids 0..=5), driven at 60 km/h, plus a separate two-node road at lat 40.3
/// (ids 100, 101) that no other road joins.
pub fn line_graph() -> RoadGraph {
    let mut b = RoadGraphBuilder::new();
    for k in 0..=5 {
        b.add_node(k, line_node(k));
    }
    for k in 0..5 {
        b.add_segment(k, k + 1, 60.0, 1.0, Direction::Both, "test")
            .unwrap();
    }
    b.add_node(100, LonLat::new(117.0, 40.3).unwrap());
    b.add_node(101, LonLat::new(117.1, 40.3).unwrap());
    b.add_segment(100, 101, 60.0, 1.0, Direction::Both, "test")
        .unwrap();
    b.build().unwrap()
}

/// Position of node `k` of [`line_graph`].
pub fn line_node(k: i64) -> LonLat {
    LonLat::new(117.0 + 0.1 * k as f64, 40.0).unwrap()
}

/// Seconds to drive from node 0 to node `k` of [`line_graph`] at 60 km/h.
pub fn line_seconds(k: i64) -> f64 {
    yingji_routing::haversine_m(line_node(0), line_node(1)) / (60.0 / 3.6) * k as f64
}

pub fn instant(rfc3339: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .to_utc()
}
