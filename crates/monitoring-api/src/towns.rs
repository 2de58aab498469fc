//! Which town a sensor stands in: the town areas of the county dataset, by point-in-polygon.

use geo::{Contains, MultiPolygon, Point};
use serde_json::Value;
use std::collections::HashSet;
use yingji_domain::{RecordKind, TownCode};
use yingji_store::{RecordFilter, Store, StoreError};

#[derive(Default)]
pub struct Towns {
    known: HashSet<TownCode>,
    areas: Vec<(TownCode, MultiPolygon<f64>)>,
}

impl Towns {
    pub async fn load(store: &dyn Store, known: HashSet<TownCode>) -> Result<Self, StoreError> {
        let mut areas = Vec::new();
        for record in store
            .list_records(&RecordFilter::all(RecordKind::TownArea))
            .await?
        {
            let (Some(town), Some(geometry)) = (record.town_code.clone(), record.geometry.as_ref())
            else {
                continue;
            };
            let shape: Result<geo::Geometry<f64>, _> = geometry.value.clone().try_into();
            match shape {
                Ok(geo::Geometry::Polygon(p)) => areas.push((town, MultiPolygon(vec![p]))),
                Ok(geo::Geometry::MultiPolygon(m)) => areas.push((town, m)),
                _ => {}
            }
        }
        Ok(Towns { known, areas })
    }

    pub fn knows(&self, town: &TownCode) -> bool {
        self.known.contains(town)
    }

    pub fn town_at(&self, (lon, lat): (f64, f64)) -> Option<TownCode> {
        let point = Point::new(lon, lat);
        self.areas
            .iter()
            .find(|(_, area)| area.contains(&point))
            .map(|(town, _)| town.clone())
    }

    /// The position of a GeoJSON Point geometry or Point Feature.
    pub fn point(&self, location: Option<&Value>) -> Option<(f64, f64)> {
        let location = location?;
        let geometry = location.get("geometry").unwrap_or(location);
        if geometry.get("type")?.as_str()? != "Point" {
            return None;
        }
        let c = geometry.get("coordinates")?.as_array()?;
        Some((c.first()?.as_f64()?, c.get(1)?.as_f64()?))
    }
}
