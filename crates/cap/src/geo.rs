//! CAP geometry strings: `<polygon>` ("lat,lon lat,lon ...", WGS 84, closed, at least four
//! pairs) and `<circle>` ("lat,lon radius", radius in kilometres), CAP 1.2 §3.2.4.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

/// A closed ring of at least four points whose first and last points are equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polygon(Vec<Point>);

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Circle {
    pub center: Point,
    pub radius_km: f64,
}

/// Why a geometry string is refused; `code()` is the stable violation code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    #[error("{0:?} is not a \"lat,lon\" coordinate pair")]
    BadPair(String),
    #[error("latitude {0} is outside -90..90")]
    LatitudeRange(f64),
    #[error("longitude {0} is outside -180..180")]
    LongitudeRange(f64),
    #[error("a polygon needs at least 4 coordinate pairs, found {0}")]
    TooFewPoints(usize),
    #[error("polygon is not closed: first point {0} differs from last point {1}")]
    NotClosed(String, String),
    #[error("{0:?} is not \"lat,lon radius\"")]
    BadCircle(String),
    #[error("radius {0:?} is not a non-negative number of kilometres")]
    BadRadius(String),
}

impl GeometryError {
    pub fn code(&self) -> &'static str {
        match self {
            GeometryError::BadPair(_) => "coordinate_syntax",
            GeometryError::LatitudeRange(_) => "latitude_out_of_range",
            GeometryError::LongitudeRange(_) => "longitude_out_of_range",
            GeometryError::TooFewPoints(_) => "polygon_too_few_points",
            GeometryError::NotClosed(..) => "polygon_not_closed",
            GeometryError::BadCircle(_) => "circle_syntax",
            GeometryError::BadRadius(_) => "circle_radius",
        }
    }
}

impl Point {
    pub fn new(lat: f64, lon: f64) -> Result<Point, GeometryError> {
        if !(-90.0..=90.0).contains(&lat) {
            return Err(GeometryError::LatitudeRange(lat));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(GeometryError::LongitudeRange(lon));
        }
        Ok(Point { lat, lon })
    }

    /// Parses "lat,lon".
    pub fn parse(pair: &str) -> Result<Point, GeometryError> {
        let bad = || GeometryError::BadPair(pair.to_string());
        let (lat, lon) = pair.split_once(',').ok_or_else(bad)?;
        Point::new(
            parse_number(lat).ok_or_else(bad)?,
            parse_number(lon).ok_or_else(bad)?,
        )
    }
}

impl std::fmt::Display for Point {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{},{}", self.lat, self.lon)
    }
}

/// A plain decimal number; refuses "NaN", "inf" and exponents that `f64::from_str` accepts.
fn parse_number(text: &str) -> Option<f64> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let valid = !digits.is_empty()
        && digits.bytes().all(|c| c.is_ascii_digit() || c == b'.')
        && digits.bytes().filter(|&c| c == b'.').count() <= 1
        && digits.bytes().any(|c| c.is_ascii_digit());
    if valid {
        text.parse().ok()
    } else {
        None
    }
}

impl Polygon {
    pub fn new(points: Vec<Point>) -> Result<Polygon, GeometryError> {
        if points.len() < 4 {
            return Err(GeometryError::TooFewPoints(points.len()));
        }
        let (first, last) = (points[0], points[points.len() - 1]);
        if first != last {
            return Err(GeometryError::NotClosed(
                first.to_string(),
                last.to_string(),
            ));
        }
        Ok(Polygon(points))
    }

    /// Builds a polygon from an open ring, repeating the first point at the end.
    pub fn closing(mut ring: Vec<Point>) -> Result<Polygon, GeometryError> {
        if let (Some(&first), Some(&last)) = (ring.first(), ring.last()) {
            if first != last {
                ring.push(first);
            }
        }
        Polygon::new(ring)
    }

    pub fn parse(text: &str) -> Result<Polygon, GeometryError> {
        let points = text
            .split_ascii_whitespace()
            .map(Point::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Polygon::new(points)
    }

    pub fn points(&self) -> &[Point] {
        &self.0
    }
}

impl std::fmt::Display for Polygon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl Circle {
    pub fn new(center: Point, radius_km: f64) -> Result<Circle, GeometryError> {
        if !(radius_km.is_finite() && radius_km >= 0.0) {
            return Err(GeometryError::BadRadius(radius_km.to_string()));
        }
        Ok(Circle { center, radius_km })
    }

    pub fn parse(text: &str) -> Result<Circle, GeometryError> {
        let mut parts = text.split_ascii_whitespace();
        let (Some(center), Some(radius), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(GeometryError::BadCircle(text.to_string()));
        };
        let center = Point::parse(center)?;
        let radius_km =
            parse_number(radius).ok_or_else(|| GeometryError::BadRadius(radius.to_string()))?;
        Circle::new(center, radius_km)
    }
}

impl std::fmt::Display for Circle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.center, self.radius_km)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_polygons_parse_and_print_back() {
        let text = "38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14";
        let polygon = Polygon::parse(text).unwrap();
        assert_eq!(polygon.points().len(), 5);
        assert_eq!(polygon.to_string(), text);
    }

    #[test]
    fn polygon_faults_are_named() {
        assert_eq!(
            Polygon::parse("1,1 2,2 1,1").unwrap_err().code(),
            "polygon_too_few_points"
        );
        assert_eq!(
            Polygon::parse("1,1 2,2 3,3 4,4").unwrap_err().code(),
            "polygon_not_closed"
        );
        assert_eq!(
            Polygon::parse("91,1 2,2 3,3 91,1").unwrap_err().code(),
            "latitude_out_of_range"
        );
        assert_eq!(
            Polygon::parse("1,181 2,2 3,3 1,181").unwrap_err().code(),
            "longitude_out_of_range"
        );
        assert_eq!(
            Polygon::parse("None,1.23").unwrap_err().code(),
            "coordinate_syntax"
        );
        assert_eq!(
            Polygon::parse("NaN,1 2,2 3,3 NaN,1").unwrap_err().code(),
            "coordinate_syntax"
        );
    }

    #[test]
    fn circles_need_a_centre_and_a_radius() {
        let circle = Circle::parse("32.9525,-115.5527 0").unwrap();
        assert_eq!(circle.radius_km, 0.0);
        assert_eq!(
            Circle::parse("1.234,5.67 None").unwrap_err().code(),
            "circle_radius"
        );
        assert_eq!(
            Circle::parse("1.234,5.67").unwrap_err().code(),
            "circle_syntax"
        );
        assert_eq!(Circle::parse("1,2 -3").unwrap_err().code(), "circle_radius");
    }
}
