//! The county's towns and villages as public warnings need them: town areas become CAP
//! polygons, villages carry the populations that coverage is counted against.

use geo::{Contains, Coord, LineString, MultiPolygon, Point as GeoPoint, Polygon as GeoPolygon};
use std::collections::BTreeMap;
use yingji_cap::{Point, Polygon};
use yingji_domain::RecordKind;
use yingji_store::RecordFilter;
use yingji_store::Store;

#[derive(Debug, Clone)]
pub struct Town {
    pub code: String,
    pub name: String,
    /// Outer rings of the town area, as CAP polygons.
    pub polygons: Vec<Polygon>,
}

#[derive(Debug, Clone)]
pub struct Village {
    pub code: String,
    pub name: String,
    pub town_code: String,
    pub lon: f64,
    pub lat: f64,
    pub population: u64,
}

/// Towns and villages by NBS code, read from the registry when the module mounts.
#[derive(Debug, Default)]
pub struct Gazetteer {
    pub county_name: String,
    pub towns: BTreeMap<String, Town>,
    pub villages: BTreeMap<String, Village>,
}

impl Gazetteer {
    pub async fn load(store: &dyn Store) -> Result<Gazetteer, String> {
        let list = |kind| async move {
            store
                .list_records(&RecordFilter {
                    limit: i64::MAX,
                    ..RecordFilter::all(kind)
                })
                .await
                .map_err(|e| e.to_string())
        };
        let mut gazetteer = Gazetteer::default();
        let names: BTreeMap<String, String> = list(RecordKind::Town)
            .await?
            .into_iter()
            .map(|r| (r.id.to_string(), text(&r.properties, "name")))
            .collect();
        for area in list(RecordKind::TownArea).await? {
            let code = area.id.to_string();
            let polygons = area
                .geometry
                .as_ref()
                .map(|g| outer_rings(&g.value))
                .unwrap_or_default();
            let name = names.get(&code).cloned().unwrap_or_else(|| code.clone());
            gazetteer.towns.insert(
                code.clone(),
                Town {
                    code,
                    name,
                    polygons,
                },
            );
        }
        for village in list(RecordKind::Village).await? {
            let Some(geojson::Value::Point(p)) = village.geometry.as_ref().map(|g| &g.value) else {
                continue;
            };
            let (Some(&lon), Some(&lat)) = (p.first(), p.get(1)) else {
                continue;
            };
            let code = village.id.to_string();
            gazetteer.villages.insert(
                code.clone(),
                Village {
                    code,
                    name: text(&village.properties, "name"),
                    town_code: village
                        .town_code
                        .as_ref()
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                    lon,
                    lat,
                    population: village
                        .properties
                        .get("population")
                        .and_then(|v| v.as_u64())
                        .unwrap_or(0),
                },
            );
        }
        Ok(gazetteer)
    }

    /// The villages inside a warning's areas: every village of a named town, each named
    /// village, and every village whose point lies inside a polygon.
    pub fn villages_in(&self, areas: &[yingji_cap::authoring::WarningArea]) -> Vec<&Village> {
        let polygons: Vec<GeoPolygon> = areas
            .iter()
            .flat_map(|a| a.polygons.iter())
            .map(to_geo)
            .collect();
        let polygons = MultiPolygon(polygons);
        let codes: Vec<&str> = areas
            .iter()
            .flat_map(|a| a.nbs_codes.iter())
            .map(String::as_str)
            .collect();
        self.villages
            .values()
            .filter(|v| {
                codes.iter().any(|c| {
                    *c == v.code || *c == v.town_code || *c == format!("{}000", v.town_code)
                }) || polygons.contains(&GeoPoint::new(v.lon, v.lat))
            })
            .collect()
    }
}

fn text(properties: &serde_json::Map<String, serde_json::Value>, key: &str) -> String {
    properties
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

fn outer_rings(value: &geojson::Value) -> Vec<Polygon> {
    let rings: Vec<&Vec<Vec<f64>>> = match value {
        geojson::Value::Polygon(rings) => rings.first().into_iter().collect(),
        geojson::Value::MultiPolygon(polygons) => {
            polygons.iter().filter_map(|rings| rings.first()).collect()
        }
        _ => Vec::new(),
    };
    rings
        .into_iter()
        .filter_map(|ring| {
            let points = ring
                .iter()
                .filter_map(|p| Point::new(*p.get(1)?, *p.first()?).ok())
                .collect();
            Polygon::closing(points).ok()
        })
        .collect()
}

/// A CAP polygon (lat,lon) as a geo polygon (x = lon, y = lat).
pub fn to_geo(polygon: &Polygon) -> GeoPolygon {
    let ring: Vec<Coord> = polygon
        .points()
        .iter()
        .map(|p| Coord { x: p.lon, y: p.lat })
        .collect();
    GeoPolygon::new(LineString(ring), Vec::new())
}
