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
