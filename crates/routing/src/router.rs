//! The query façade: snapping, routes, travel-time tables. Isochrones are in `isochrone.rs`.

use serde::{Deserialize, Serialize};

use crate::access::Access;
use crate::ch::{ChQuery, ContractionHierarchy};
use crate::closures::CostOverlay;
use crate::cross_country::{CrossCountry, Leg};
use crate::dijkstra::{shortest_path_tree, SearchDirection};
use crate::error::{Result, RoutingError};
use crate::geometry::LonLat;
use crate::graph::{millis_for, Millis, NodeIndex, RoadGraph, SegmentId, UNREACHED};
use crate::snap::{Snap, SnapIndex};

/// Query settings that do not change the prepared graph. Omitted fields take their defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RouterConfig {
    /// Speed of the leg between a point and the road it snaps to (minor roads and tracks the
    /// graph does not hold). Default 20 km/h.
    pub offroad_speed_kmh: f64,
    /// Points farther than this from every road are refused. Default 20 km.
    pub max_snap_distance_m: f64,
    /// Half-width of the corridor drawn around reachable roads in an isochrone. Default 250 m.
    pub isochrone_corridor_m: f64,
    /// Points at most this far apart (straight line) may also be joined by a straight
    /// cross-country leg, taken when faster than the roads (see `cross_country.rs`).
    /// Default 1,500 m; 0 disables it (roads only).
    pub max_cross_country_m: f64,
    /// The cross-country leg's length is the straight distance times this (the way is never
    /// quite straight). Default 1.3; at least 1.
    pub cross_country_detour: f64,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            offroad_speed_kmh: 20.0,
            max_snap_distance_m: 20_000.0,
            isochrone_corridor_m: 250.0,
            max_cross_country_m: 1_500.0,
            cross_country_detour: 1.3,
        }
    }
}

impl RouterConfig {
    pub fn validate(&self) -> Result<()> {
        crate::speed::check_speed(self.offroad_speed_kmh, "offroad_speed_kmh")?;
        for (field, v) in [
            ("max_snap_distance_m", self.max_snap_distance_m),
            ("isochrone_corridor_m", self.isochrone_corridor_m),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(RoutingError::invalid(
                    field,
                    format!("must be positive, got {v}"),
                ));
            }
        }
        let max = self.max_cross_country_m;
        if !(max.is_finite() && max >= 0.0) {
            return Err(RoutingError::invalid(
                "max_cross_country_m",
                format!("must be 0 (off) or positive, got {max}"),
            ));
        }
        let detour = self.cross_country_detour;
        if !(detour.is_finite() && detour >= 1.0) {
            return Err(RoutingError::invalid(
                "cross_country_detour",
                format!("must be at least 1, got {detour}"),
            ));
        }
        Ok(())
    }
}

/// A found route. Times in seconds, distances in metres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub travel_time_s: f64,
    pub distance_m: f64,
    /// Off-road legs at both ends (included in the totals); all of `distance_m` for a
    /// cross-country route.
    pub offroad_m: f64,
    /// The segments driven, in order (a partly driven segment included).
    pub segments: Vec<SegmentId>,
    /// lon/lat from the origin to the destination.
    pub geometry: Vec<LonLat>,
    /// The route is one straight cross-country leg (no road; `geometry` is its two ends),
    /// because that was faster than the roads. Absent in older serialized routes.
    #[serde(default)]
    pub cross_country: bool,
}

impl Route {
    pub fn to_geojson(&self) -> geojson::Feature {
        let line: geo::LineString<f64> = self.geometry.iter().map(|p| (p.lon, p.lat)).collect();
        let mut properties = serde_json::Map::new();
        properties.insert("travel_time_s".into(), self.travel_time_s.into());
        properties.insert("distance_m".into(), self.distance_m.into());
        properties.insert("offroad_m".into(), self.offroad_m.into());
        properties.insert("cross_country".into(), self.cross_country.into());
        geojson::Feature {
            geometry: Some(geojson::Geometry::new((&line).into())),
            properties: Some(properties),
            ..Default::default()
        }
    }
}

/// The answer to a route query: a route, or an explicit "unreachable".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RouteAnswer {
    Found(Route),
    Unreachable,
}

/// Travel times in seconds, `rows[origin][destination]`; `None` means unreachable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TravelTimeTable {
    pub rows: Vec<Vec<Option<f64>>>,
}

pub(crate) fn seconds(ms: Millis) -> Option<f64> {
    (ms != UNREACHED).then(|| ms as f64 / 1000.0)
}

/// A road graph ready for queries: the graph, its snapping index and its contraction
/// hierarchy. Share one behind an `Arc`; all queries take `&self`.
#[derive(Debug)]
pub struct Router {
    pub(crate) graph: RoadGraph,
    pub(crate) config: RouterConfig,
    snap_index: SnapIndex,
    ch: ContractionHierarchy,
    ch_query: ChQuery,
}

impl Router {
    /// Prepares the graph (contraction) and the snapping index.
    pub fn new(graph: RoadGraph, config: RouterConfig) -> Result<Self> {
        let ch = ContractionHierarchy::prepare(&graph)?;
        Self::from_parts(graph, ch, config)
    }

    pub(crate) fn from_parts(
        graph: RoadGraph,
        ch: ContractionHierarchy,
        config: RouterConfig,
    ) -> Result<Self> {
        config.validate()?;
        if ch.node_count() != graph.node_count() {
            return Err(RoutingError::invalid(
                "hierarchy",
                "prepared for another graph",
            ));
        }
        Ok(Router {
            snap_index: SnapIndex::build(&graph),
            graph,
            config,
            ch,
            ch_query: ChQuery::new(),
        })
    }

    pub fn graph(&self) -> &RoadGraph {
        &self.graph
    }

    pub fn config(&self) -> &RouterConfig {
        &self.config
    }

    pub fn hierarchy(&self) -> &ContractionHierarchy {
        &self.ch
    }

    /// The nearest road to a point (within the snapping limit). `field` names the point in
    /// errors.
    pub fn snap(&self, point: LonLat, field: &str) -> Result<Snap> {
        let point = point.validate(field)?;
        let snap = self
            .snap_index
            .snap(&self.graph, point)
            .ok_or_else(|| RoutingError::EmptyGraph("no segment to snap to".into()))?;
        if snap.offroad_m > self.config.max_snap_distance_m {
            return Err(RoutingError::PointOffNetwork {
                field: field.to_string(),
                lon: point.lon,
                lat: point.lat,
                distance_m: snap.offroad_m,
                limit_m: self.config.max_snap_distance_m,
            });
        }
        Ok(snap)
    }

    pub(crate) fn access(&self, point: LonLat, field: &str) -> Result<Access> {
        let snap = self.snap(point, field)?;
        Ok(Access {
            point,
            snap,
            offroad_ms: millis_for(snap.offroad_m, self.config.offroad_speed_kmh),
        })
    }

    pub(crate) fn access_all(&self, points: &[LonLat], name: &str) -> Result<Vec<Access>> {
        points
            .iter()
            .enumerate()
            .map(|(i, &p)| self.access(p, &format!("{name}[{i}]")))
            .collect()
    }

    /// Places each point on the network, leaving out those too far from any road. Returns the
    /// placed points and, per input point, its position among them.
    pub(crate) fn locate_each(
        &self,
        points: impl Iterator<Item = LonLat>,
    ) -> (Vec<Access>, Vec<Option<usize>>) {
        let mut placed = Vec::new();
        let columns = points
            .map(|p| {
                self.access(p, "point").ok().map(|a| {
                    placed.push(a);
                    placed.len() - 1
                })
            })
            .collect();
        (placed, columns)
    }

    /// The fastest route between two points under the overlay (closures at some instant).
    pub fn route(&self, from: LonLat, to: LonLat, overlay: &CostOverlay) -> Result<RouteAnswer> {
        let origin = self.access(from, "from")?;
        let destination = self.access(to, "to")?;
        let seeds = origin.departures(&self.graph, overlay);
        let arrivals = destination.arrivals(&self.graph, overlay);
        let targets: Vec<NodeIndex> = arrivals.iter().map(|a| a.0).collect();
        let tree = if targets.is_empty() {
            None
        } else {
            Some(shortest_path_tree(
                &self.graph,
                &seeds,
                SearchDirection::Forward,
                overlay,
                UNREACHED - 1,
                &targets,
            ))
        };
        let via_graph = tree.as_ref().and_then(|tree| {
            arrivals
                .iter()
                .filter_map(|&(node, rest)| {
                    tree.reached(node).map(|d| (d.saturating_add(rest), node))
                })
                .min()
        });
        let direct = origin.direct_to(&destination, &self.graph, overlay);
        let by_road = via_graph.map(|(ms, _)| ms).into_iter().chain(direct).min();
        let leg = CrossCountry::new(&self.config, &self.graph, overlay)
            .leg(origin.point, destination.point);
        // Ties go to the road: a leg is only taken when it saves time.
        if let Some(leg) = leg.filter(|leg| by_road.is_none_or(|ms| leg.ms < ms)) {
            return Ok(RouteAnswer::Found(cross_country_route(
                &origin,
                &destination,
                leg,
            )));
        }
        let route = match (via_graph, direct) {
            (None, None) => return Ok(RouteAnswer::Unreachable),
            (Some((ms, _)), Some(direct_ms)) if direct_ms <= ms => {
                self.direct_route(&origin, &destination, direct_ms)
            }
            (None, Some(direct_ms)) => self.direct_route(&origin, &destination, direct_ms),
            (Some((ms, last)), _) => {
                let path = tree.map(|t| t.path_to(last)).unwrap_or_default();
                self.graph_route(&origin, &destination, &path, ms)
            }
        };
        Ok(RouteAnswer::Found(route))
    }

    fn direct_route(&self, origin: &Access, destination: &Access, ms: Millis) -> Route {
        let s = &self.graph.segments()[origin.snap.segment as usize];
        let along = (destination.snap.fraction - origin.snap.fraction).abs() * s.length_m;
        let offroad_m = origin.snap.offroad_m + destination.snap.offroad_m;
        Route {
            travel_time_s: ms as f64 / 1000.0,
            distance_m: along + offroad_m,
            offroad_m,
            segments: vec![origin.snap.segment],
            geometry: vec![
                origin.point,
                origin.snap.road_point,
                destination.snap.road_point,
                destination.point,
            ],
            cross_country: false,
        }
    }

    fn graph_route(
        &self,
        origin: &Access,
        destination: &Access,
        path: &[(NodeIndex, Option<SegmentId>)],
        ms: Millis,
    ) -> Route {
        let (Some(&(first, _)), Some(&(last, _))) = (path.first(), path.last()) else {
            return self.direct_route(origin, destination, ms);
        };
        let share_to = |snap: &Snap, node: NodeIndex| {
            let s = &self.graph.segments()[snap.segment as usize];
            let share = if node == s.from {
                snap.fraction
            } else {
                1.0 - snap.fraction
            };
            share * s.length_m
        };
        let mut segments = vec![origin.snap.segment];
        let mut distance_m = share_to(&origin.snap, first) + share_to(&destination.snap, last);
        let mut geometry = vec![origin.point, origin.snap.road_point];
        for &(node, segment) in path {
            if let Some(segment) = segment {
                segments.push(segment);
                distance_m += self.graph.segments()[segment as usize].length_m;
            }
            geometry.push(self.graph.node(node).position);
        }
        segments.push(destination.snap.segment);
        segments.dedup();
        geometry.push(destination.snap.road_point);
        geometry.push(destination.point);
        geometry.dedup();
        let offroad_m = origin.snap.offroad_m + destination.snap.offroad_m;
        Route {
            travel_time_s: ms as f64 / 1000.0,
            distance_m: distance_m + offroad_m,
            offroad_m,
            segments,
            geometry,
            cross_country: false,
        }
    }

    /// Travel times from every origin to every destination (one-to-many when there is one
    /// origin). Free flow uses the contraction hierarchy; with closures in force it runs
    /// exact Dijkstra searches on the live costs.
    pub fn travel_times(
        &self,
        origins: &[LonLat],
        destinations: &[LonLat],
        overlay: &CostOverlay,
    ) -> Result<TravelTimeTable> {
        let origins = self.access_all(origins, "origins")?;
        let destinations = self.access_all(destinations, "destinations")?;
        let ms = self.table_ms(&origins, &destinations, overlay);
        Ok(TravelTimeTable {
            rows: ms
                .into_iter()
                .map(|row| row.into_iter().map(seconds).collect())
                .collect(),
        })
    }

    /// Travel-time matrix in milliseconds between located points.
    pub(crate) fn table_ms(
        &self,
        origins: &[Access],
        destinations: &[Access],
        overlay: &CostOverlay,
    ) -> Vec<Vec<Millis>> {
        let mut table = if overlay.is_free_flow() {
            let sources: Vec<_> = origins
                .iter()
                .map(|o| o.departures(&self.graph, overlay))
                .collect();
            let targets: Vec<_> = destinations
                .iter()
                .map(|d| d.arrivals(&self.graph, overlay))
                .collect();
            self.ch_query.table(&self.ch, &sources, &targets)
        } else {
            self.dijkstra_table(origins, destinations, overlay)
        };
        // Both the hierarchy and the live-cost table end here, so both offer the same legs.
        let cross_country = CrossCountry::new(&self.config, &self.graph, overlay);
        for (i, o) in origins.iter().enumerate() {
            for (j, d) in destinations.iter().enumerate() {
                if let Some(direct) = o.direct_to(d, &self.graph, overlay) {
                    table[i][j] = table[i][j].min(direct);
                }
                if let Some(leg) = cross_country.leg(o.point, d.point) {
                    table[i][j] = table[i][j].min(leg.ms);
                }
            }
        }
        table
    }

    /// Exact table on live costs: one search per origin, or one backward search per
    /// destination when there are fewer destinations.
    fn dijkstra_table(
        &self,
        origins: &[Access],
        destinations: &[Access],
        overlay: &CostOverlay,
    ) -> Vec<Vec<Millis>> {
        let graph = &self.graph;
        if destinations.len() < origins.len() {
            let departures: Vec<_> = origins
                .iter()
                .map(|o| o.departures(graph, overlay))
                .collect();
            let targets: Vec<NodeIndex> = departures.iter().flatten().map(|a| a.0).collect();
            let mut table = vec![vec![UNREACHED; destinations.len()]; origins.len()];
            for (j, d) in destinations.iter().enumerate() {
                let seeds = d.arrivals(graph, overlay);
                let tree = shortest_path_tree(
                    graph,
                    &seeds,
                    SearchDirection::Backward,
                    overlay,
                    UNREACHED - 1,
                    &targets,
                );
                for (i, entries) in departures.iter().enumerate() {
                    table[i][j] = best_through(&tree, entries);
                }
            }
            return table;
        }
        let arrivals: Vec<_> = destinations
            .iter()
            .map(|d| d.arrivals(graph, overlay))
            .collect();
        let targets: Vec<NodeIndex> = arrivals.iter().flatten().map(|a| a.0).collect();
        origins
            .iter()
            .map(|o| {
                let seeds = o.departures(graph, overlay);
                let tree = shortest_path_tree(
                    graph,
                    &seeds,
                    SearchDirection::Forward,
                    overlay,
                    UNREACHED - 1,
                    &targets,
                );
                arrivals
                    .iter()
                    .map(|entries| best_through(&tree, entries))
                    .collect()
            })
            .collect()
    }
}

/// A route that is one straight cross-country leg: all of it off-road, no segment driven.
fn cross_country_route(origin: &Access, destination: &Access, leg: Leg) -> Route {
    Route {
        travel_time_s: leg.ms as f64 / 1000.0,
        distance_m: leg.distance_m,
        offroad_m: leg.distance_m,
        segments: Vec::new(),
        geometry: vec![origin.point, destination.point],
        cross_country: true,
    }
}

/// Shortest total over the entry points of a located point: tree distance plus access cost.
fn best_through(
    tree: &crate::dijkstra::ShortestPathTree,
    entries: &[(NodeIndex, Millis)],
) -> Millis {
    entries
        .iter()
        .filter_map(|&(node, rest)| tree.reached(node).map(|d| d.saturating_add(rest)))
        .min()
        .unwrap_or(UNREACHED)
}
