//! Which town a point lies in: the town areas of the county dataset, by point-in-polygon.
// The monitoring module has the same lookup; it belongs in the server's `Registry` (to be
// proposed to the lead) rather than in each capability.

use geo::{Contains, MultiPolygon, Point};
use yingji_domain::{LonLat, RecordKind, TownCode};
use yingji_store::{RecordFilter, Store, StoreError};

#[derive(Default)]
pub struct Towns {
    areas: Vec<(TownCode, String, MultiPolygon<f64>)>,
}

impl Towns {
    pub async fn load(store: &dyn Store) -> Result<Self, StoreError> {
        let mut areas = Vec::new();
        for record in store
            .list_records(&RecordFilter::all(RecordKind::TownArea))
            .await?
        {
            let (Some(town), Some(geometry)) = (record.town_code.clone(), record.geometry.as_ref())
            else {
                continue;
            };
            let name = record
                .properties
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or(town.as_str())
                .to_string();
            match geo::Geometry::<f64>::try_from(geometry.value.clone()) {
                Ok(geo::Geometry::Polygon(p)) => areas.push((town, name, MultiPolygon(vec![p]))),
                Ok(geo::Geometry::MultiPolygon(m)) => areas.push((town, name, m)),
                _ => {}
            }
        }
        Ok(Towns { areas })
    }

    /// The town containing the point and its name.
    pub fn town_at(&self, at: LonLat) -> Option<(TownCode, &str)> {
        let point = Point::new(at.lon, at.lat);
        self.areas
            .iter()
            .find(|(_, _, area)| area.contains(&point))
            .map(|(town, name, _)| (town.clone(), name.as_str()))
    }
}

impl Towns {
    /// The town's name, or its code when the dataset has no area for it.
    pub fn name<'a>(&'a self, town: &'a yingji_domain::TownCode) -> &'a str {
        self.areas
            .iter()
            .find(|(code, ..)| code == town)
            .map_or(town.as_str(), |(_, name, _)| name.as_str())
    }
}
