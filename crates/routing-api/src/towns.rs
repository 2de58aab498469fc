//! Which town a point lies in, from the town-area records, to decide whose jurisdiction a
//! closure is in.

use geo::{Contains, MultiPolygon};
use yingji_domain::{RecordKind, TownCode};
use yingji_routing::{haversine_m, LonLat};
use yingji_store::{RecordFilter, Store, StoreError};

pub(crate) struct TownAreas {
    areas: Vec<(TownCode, MultiPolygon<f64>)>,
    /// Town seats, for points just outside every area (a road on the county line).
    seats: Vec<(TownCode, LonLat)>,
}

impl TownAreas {
    pub async fn load(store: &dyn Store) -> Result<Self, StoreError> {
        let mut areas = Vec::new();
        for record in store
            .list_records(&RecordFilter::all(RecordKind::TownArea))
            .await?
        {
            let (Some(town), Some(geometry)) = (record.town_code.clone(), record.geometry) else {
                continue;
            };
            match geo::Geometry::<f64>::try_from(geometry) {
                Ok(geo::Geometry::MultiPolygon(m)) => areas.push((town, m)),
                Ok(geo::Geometry::Polygon(p)) => areas.push((town, MultiPolygon(vec![p]))),
                _ => tracing::warn!(id = %record.id.as_str(), "town area without a polygon"),
            }
        }
        let mut seats = Vec::new();
        for record in store
            .list_records(&RecordFilter::all(RecordKind::Town))
            .await?
        {
            let anchor = record
                .geometry
                .as_ref()
                .and_then(|g| yingji_domain::geometry::anchor(&g.value));
            if let (Some(town), Some(at)) = (record.town_code.clone(), anchor) {
                if let Ok(p) = LonLat::new(at.lon, at.lat) {
                    seats.push((town, p));
                }
            }
        }
        Ok(TownAreas { areas, seats })
    }

    /// The town whose area holds the point, else the town with the nearest seat.
    pub fn town_of(&self, p: LonLat) -> Option<TownCode> {
        let point = geo::Point::new(p.lon, p.lat);
        if let Some((town, _)) = self.areas.iter().find(|(_, area)| area.contains(&point)) {
            return Some(town.clone());
        }
        self.seats
            .iter()
            .min_by(|a, b| haversine_m(a.1, p).total_cmp(&haversine_m(b.1, p)))
            .map(|(town, _)| town.clone())
    }
}

impl TownAreas {
    pub fn knows(&self, town: &TownCode) -> bool {
        self.areas.iter().any(|(t, _)| t == town) || self.seats.iter().any(|(t, _)| t == town)
    }
}
