//! Loader for OpenStreetMap PBF extracts: routable `highway` ways become straight segments
//! between consecutive way nodes, timed by `maxspeed` or the class default, with `oneway`.

use std::collections::HashMap;
use std::io::Read;

use osmpbf::{Element, ElementReader};

use crate::error::{Result, RoutingError};
use crate::geometry::LonLat;
use crate::graph::{Direction, RoadGraph, RoadGraphBuilder};
use crate::speed::{parse_maxspeed, OsmSpeedTable};

struct RoutableWay {
    refs: Vec<i64>,
    class: String,
    speed_kmh: f64,
    direction: Direction,
}

/// Reads the tags of a way and decides whether and how it is driven.
fn classify_way<'a>(
    tags: impl Iterator<Item = (&'a str, &'a str)>,
    table: &OsmSpeedTable,
) -> Option<(String, f64, Direction)> {
    let tags: HashMap<&str, &str> = tags.collect();
    let class = *tags.get("highway")?;
    let default_speed = *table.speeds_kmh.get(class)?;
    let closed_to_cars = ["access", "motor_vehicle", "motorcar", "vehicle"]
        .iter()
        .any(|k| matches!(tags.get(k), Some(&"no") | Some(&"private")));
    if closed_to_cars || tags.get("area") == Some(&"yes") {
        return None;
    }
    let speed = tags
        .get("maxspeed")
        .and_then(|v| parse_maxspeed(v))
        .unwrap_or(default_speed);
    let implied_oneway = class == "motorway"
        || tags.get("junction") == Some(&"roundabout")
        || tags.get("junction") == Some(&"circular");
    let direction = match tags.get("oneway").copied() {
        Some("yes") | Some("1") | Some("true") => Direction::Forward,
        Some("-1") | Some("reverse") => Direction::Backward,
        Some("no") | Some("0") | Some("false") => Direction::Both,
        _ if implied_oneway => Direction::Forward,
        _ => Direction::Both,
    };
    Some((class.to_string(), speed, direction))
}

impl RoadGraph {
    /// Builds a graph from an OSM PBF stream. Ways whose `highway` class is not in `table`,
    /// or that are closed to motor vehicles, are skipped; way nodes missing from the extract
    /// cut the way there.
    pub fn from_osm_pbf<R: Read + Send>(reader: R, table: &OsmSpeedTable) -> Result<RoadGraph> {
        table.validate()?;
        let mut positions: HashMap<i64, (f64, f64)> = HashMap::new();
        let mut ways: Vec<RoutableWay> = Vec::new();
        ElementReader::new(reader)
            .for_each(|element| match element {
                Element::Node(n) => {
                    positions.insert(n.id(), (n.lon(), n.lat()));
                }
                Element::DenseNode(n) => {
                    positions.insert(n.id(), (n.lon(), n.lat()));
                }
                Element::Way(w) => {
                    if let Some((class, speed_kmh, direction)) = classify_way(w.tags(), table) {
                        ways.push(RoutableWay {
                            refs: w.refs().collect(),
                            class,
                            speed_kmh,
                            direction,
                        });
                    }
                }
                Element::Relation(_) => {}
            })
            .map_err(|e| RoutingError::OsmPbf(e.to_string()))?;

        let mut builder = RoadGraphBuilder::new();
        for way in &ways {
            for pair in way.refs.windows(2) {
                let (Some(&a), Some(&b)) = (positions.get(&pair[0]), positions.get(&pair[1]))
                else {
                    continue;
                };
                let pa = LonLat::checked(a.0, a.1, &format!("OSM node {}", pair[0]))?;
                let pb = LonLat::checked(b.0, b.1, &format!("OSM node {}", pair[1]))?;
                builder.add_node(pair[0], pa);
                builder.add_node(pair[1], pb);
                builder.add_segment(
                    pair[0],
                    pair[1],
                    way.speed_kmh,
                    1.0,
                    way.direction,
                    &way.class,
                )?;
            }
        }
        builder.build()
    }
}
