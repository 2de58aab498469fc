//! WGS84 coordinates and the county they must fall in.

use crate::error::FieldError;
use geo::{BoundingRect, Contains, MultiPolygon, Point, Rect};

/// A WGS84 position in GeoJSON order (longitude, latitude), finite and in range.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl LonLat {
    pub fn parse(field: &str, lon: f64, lat: f64) -> Result<Self, FieldError> {
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(FieldError::new(
                field,
                "invalid_coordinate",
                format!("longitude must be a number from -180 to 180, got {lon}"),
            ));
        }
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(FieldError::new(
                field,
                "invalid_coordinate",
                format!("latitude must be a number from -90 to 90, got {lat}"),
            ));
        }
        Ok(Self { lon, lat })
    }

    pub fn point(self) -> Point<f64> {
        Point::new(self.lon, self.lat)
    }
}

/// The county's boundary: the test every incoming coordinate must pass.
#[derive(Debug, Clone)]
pub struct County {
    pub code: String,
    pub name: String,
    boundary: MultiPolygon<f64>,
    bbox: Rect<f64>,
}

impl County {
    pub fn new(code: &str, name: &str, boundary: MultiPolygon<f64>) -> Option<Self> {
        let bbox = boundary.bounding_rect()?;
        Some(Self {
            code: code.to_string(),
            name: name.to_string(),
            boundary,
            bbox,
        })
    }

    pub fn boundary(&self) -> &MultiPolygon<f64> {
        &self.boundary
    }

    pub fn bbox(&self) -> Rect<f64> {
        self.bbox
    }

    pub fn contains(&self, at: LonLat) -> bool {
        let point = at.point();
        self.bbox.contains(&point) && self.boundary.contains(&point)
    }

    /// Accepts the coordinate only if it lies inside the county.
    pub fn locate(&self, field: &str, at: LonLat) -> Result<LonLat, FieldError> {
        if self.contains(at) {
            Ok(at)
        } else {
            Err(FieldError::new(
                field,
                "outside_county",
                format!(
                    "({:.6}, {:.6}) lies outside {} ({})",
                    at.lon, at.lat, self.name, self.code
                ),
            ))
        }
    }
}

/// Every position of a GeoJSON geometry, for range and containment checks.
pub fn positions(geometry: &geojson::Value) -> Vec<&geojson::Position> {
    use geojson::Value as V;
    match geometry {
        V::Point(p) => vec![p],
        V::MultiPoint(ps) | V::LineString(ps) => ps.iter().collect(),
        V::MultiLineString(lines) | V::Polygon(lines) => lines.iter().flatten().collect(),
        V::MultiPolygon(polys) => polys.iter().flatten().flatten().collect(),
        V::GeometryCollection(gs) => gs.iter().flat_map(|g| positions(&g.value)).collect(),
    }
}

/// The representative point of a geometry: the point itself, or its bounding-box centre.
pub fn anchor(geometry: &geojson::Value) -> Option<LonLat> {
    if let geojson::Value::Point(p) = geometry {
        return Some(LonLat {
            lon: *p.first()?,
            lat: *p.get(1)?,
        });
    }
    let all = positions(geometry);
    let lons = all.iter().filter_map(|p| p.first().copied());
    let lats = all.iter().filter_map(|p| p.get(1).copied());
    let (min_lon, max_lon) = lons.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
    let (min_lat, max_lat) = lats.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
    (min_lon <= max_lon && min_lat <= max_lat).then(|| LonLat {
        lon: (min_lon + max_lon) / 2.0,
        lat: (min_lat + max_lat) / 2.0,
    })
}

/// Bounding box (min_lon, min_lat, max_lon, max_lat) of a geometry.
pub fn bbox(geometry: &geojson::Value) -> Option<[f64; 4]> {
    let mut out = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for p in positions(geometry) {
        let (lon, lat) = (*p.first()?, *p.get(1)?);
        out = [
            out[0].min(lon),
            out[1].min(lat),
            out[2].max(lon),
            out[3].max(lat),
        ];
    }
    (out[0] <= out[2]).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn square_county() -> County {
        let square = polygon![(x: 117.0, y: 40.0), (x: 117.5, y: 40.0), (x: 117.5, y: 40.5), (x: 117.0, y: 40.5)];
        County::new("120119", "测试县", MultiPolygon(vec![square])).unwrap()
    }

    #[test]
    fn coordinates_must_be_finite_and_in_range() {
        assert!(LonLat::parse("geometry", 117.4, 40.0).is_ok());
        assert_eq!(
            LonLat::parse("geometry", 181.0, 40.0).unwrap_err().code,
            "invalid_coordinate"
        );
        assert!(LonLat::parse("geometry", 117.0, f64::NAN).is_err());
    }

    #[test]
    fn county_refuses_points_outside_its_boundary() {
        let county = square_county();
        assert!(county
            .locate(
                "geometry",
                LonLat {
                    lon: 117.2,
                    lat: 40.2
                }
            )
            .is_ok());
        let err = county
            .locate(
                "geometry",
                LonLat {
                    lon: 116.0,
                    lat: 40.2,
                },
            )
            .unwrap_err();
        assert_eq!(err.code, "outside_county");
        assert!(err.message.contains("测试县"));
    }

    #[test]
    fn anchor_and_bbox_of_a_line() {
        let line = geojson::Value::LineString(vec![vec![117.0, 40.0], vec![117.2, 40.4]]);
        let a = anchor(&line).unwrap();
        assert!((a.lon - 117.1).abs() < 1e-9 && (a.lat - 40.2).abs() < 1e-9);
        assert_eq!(bbox(&line).unwrap(), [117.0, 40.0, 117.2, 40.4]);
    }
}
