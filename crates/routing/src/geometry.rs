//! Coordinates and distances. Everything is WGS84 lon/lat (GeoJSON order).

use serde::{Deserialize, Serialize};

use crate::error::{Result, RoutingError};

/// Mean Earth radius used by every great-circle distance in the crate.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A WGS84 position, longitude first. `LonLat::new` refuses non-finite or out-of-range values,
/// so every later computation can trust it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl LonLat {
    pub fn new(lon: f64, lat: f64) -> Result<Self> {
        Self::checked(lon, lat, "point")
    }

    /// Validates an input coordinate; `field` names it in the error.
    pub fn checked(lon: f64, lat: f64, field: &str) -> Result<Self> {
        let valid = lon.is_finite()
            && lat.is_finite()
            && (-180.0..=180.0).contains(&lon)
            && (-90.0..=90.0).contains(&lat);
        if valid {
            Ok(LonLat { lon, lat })
        } else {
            Err(RoutingError::InvalidCoordinate {
                field: field.to_string(),
                lon,
                lat,
            })
        }
    }

    /// Re-validates a value that came from outside (serde), naming the field on failure.
    pub fn validate(self, field: &str) -> Result<Self> {
        Self::checked(self.lon, self.lat, field)
    }

    pub fn to_point(self) -> geo::Point<f64> {
        geo::Point::new(self.lon, self.lat)
    }
}

/// Great-circle distance in metres.
pub fn haversine_m(a: LonLat, b: LonLat) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// A local equirectangular projection to metres around a reference latitude. Accurate to well
/// under 1% over a county or a region, which is all that snapping and buffering need.
#[derive(Debug, Clone, Copy)]
pub struct LocalProjection {
    origin: LonLat,
    metres_per_deg_lon: f64,
    metres_per_deg_lat: f64,
}

impl LocalProjection {
    pub fn around(origin: LonLat) -> Self {
        let metres_per_deg_lat = EARTH_RADIUS_M.to_radians();
        LocalProjection {
            origin,
            metres_per_deg_lon: metres_per_deg_lat * origin.lat.to_radians().cos(),
            metres_per_deg_lat,
        }
    }

    pub fn project(&self, p: LonLat) -> (f64, f64) {
        (
            (p.lon - self.origin.lon) * self.metres_per_deg_lon,
            (p.lat - self.origin.lat) * self.metres_per_deg_lat,
        )
    }

    pub fn unproject(&self, x: f64, y: f64) -> LonLat {
        LonLat {
            lon: self.origin.lon + x / self.metres_per_deg_lon,
            lat: self.origin.lat + y / self.metres_per_deg_lat,
        }
    }
}

/// An axis-aligned lon/lat box, used to clip a large graph to a county or region.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoundingBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BoundingBox {
    pub fn new(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> Result<Self> {
        LonLat::checked(min_lon, min_lat, "bbox min corner")?;
        LonLat::checked(max_lon, max_lat, "bbox max corner")?;
        if min_lon > max_lon || min_lat > max_lat {
            return Err(RoutingError::invalid(
                "bbox",
                "min corner must be south-west of max corner",
            ));
        }
        Ok(BoundingBox {
            min_lon,
            min_lat,
            max_lon,
            max_lat,
        })
    }

    pub fn contains(&self, p: LonLat) -> bool {
        (self.min_lon..=self.max_lon).contains(&p.lon)
            && (self.min_lat..=self.max_lat).contains(&p.lat)
    }
}
