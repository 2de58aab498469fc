//! Planar helpers: a local projection to kilometres, rounding to the dataset's
//! 6-decimal precision, and areas that synthetic points are sampled into.

use geo::{
    BoundingRect, Contains, Coord, Distance, Euclidean, LineString, MultiPolygon, Point, Rect,
};
use rand::Rng;
use rand_distr::StandardNormal;

/// Mean Earth radius in km (IUGG), giving 111.195 km per degree of latitude.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// How far (in degrees, ~90-110 m here) a sampled point must stay from the edge of
/// its area, so that rounding and neighbouring areas' rounding never flip containment.
pub const EDGE_MARGIN_DEG: f64 = 0.001;

/// Attempts before rejection sampling gives up on an area.
const MAX_SAMPLING_TRIES: usize = 20_000;

/// Rounds a coordinate value to the 6 decimals (~0.1 m) the dataset is written with.
pub fn round6(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

pub fn round_coord(c: Coord) -> Coord {
    Coord {
        x: round6(c.x),
        y: round6(c.y),
    }
}

/// Equirectangular projection around a county's centre. Over a county (< 100 km)
/// its distance error is far below the precision any synthetic placement needs.
#[derive(Debug, Clone, Copy)]
pub struct LocalProjection {
    origin: Coord,
    km_per_deg_lon: f64,
    km_per_deg_lat: f64,
}

impl LocalProjection {
    pub fn centred_on(origin: Coord) -> Self {
        let km_per_deg_lat = EARTH_RADIUS_KM * std::f64::consts::PI / 180.0;
        Self {
            origin,
            km_per_deg_lon: km_per_deg_lat * origin.y.to_radians().cos(),
            km_per_deg_lat,
        }
    }

    pub fn to_km(&self, c: Coord) -> Coord {
        Coord {
            x: (c.x - self.origin.x) * self.km_per_deg_lon,
            y: (c.y - self.origin.y) * self.km_per_deg_lat,
        }
    }

    pub fn to_lonlat(&self, c: Coord) -> Coord {
        Coord {
            x: self.origin.x + c.x / self.km_per_deg_lon,
            y: self.origin.y + c.y / self.km_per_deg_lat,
        }
    }

    pub fn distance_km(&self, a: Coord, b: Coord) -> f64 {
        let (pa, pb) = (self.to_km(a), self.to_km(b));
        (pa.x - pb.x).hypot(pa.y - pb.y)
    }

    /// The point `dx_km` east and `dy_km` north of `c`.
    pub fn offset(&self, c: Coord, dx_km: f64, dy_km: f64) -> Coord {
        let km = self.to_km(c);
        self.to_lonlat(Coord {
            x: km.x + dx_km,
            y: km.y + dy_km,
        })
    }
}

/// A (multi)polygon exactly as written to the dataset, with its bounding box.
#[derive(Debug, Clone)]
pub struct Area {
    pub shape: MultiPolygon<f64>,
    pub bbox: Rect<f64>,
}

impl Area {
    pub fn new(shape: MultiPolygon<f64>) -> Option<Self> {
        let bbox = shape.bounding_rect()?;
        Some(Self { shape, bbox })
    }

    pub fn contains(&self, c: Coord) -> bool {
        c.x >= self.bbox.min().x
            && c.x <= self.bbox.max().x
            && c.y >= self.bbox.min().y
            && c.y <= self.bbox.max().y
            && self.shape.contains(&Point::from(c))
    }

    /// True if `c` and its four neighbours [`EDGE_MARGIN_DEG`] away are all inside.
    pub fn contains_with_margin(&self, c: Coord) -> bool {
        let m = EDGE_MARGIN_DEG;
        [(0.0, 0.0), (m, 0.0), (-m, 0.0), (0.0, m), (0.0, -m)]
            .iter()
            .all(|(dx, dy)| {
                self.contains(Coord {
                    x: c.x + dx,
                    y: c.y + dy,
                })
            })
    }

    /// Distance in km from `c` to the nearest edge of the area.
    pub fn distance_to_edge_km(&self, projection: &LocalProjection, c: Coord) -> f64 {
        let p = Point::from(projection.to_km(c));
        self.shape
            .iter()
            .flat_map(|polygon| std::iter::once(polygon.exterior()).chain(polygon.interiors()))
            .map(|ring| {
                let ring_km: LineString<f64> =
                    ring.coords().map(|&v| projection.to_km(v)).collect();
                Euclidean.distance(&p, &ring_km)
            })
            .fold(f64::INFINITY, f64::min)
    }

    /// A uniformly random rounded point inside the area (with margin) that `accept`
    /// allows, or `None` if none was found in [`MAX_SAMPLING_TRIES`] attempts.
    pub fn sample<R: Rng>(&self, rng: &mut R, accept: impl Fn(Coord) -> bool) -> Option<Coord> {
        let (min, max) = (self.bbox.min(), self.bbox.max());
        (0..MAX_SAMPLING_TRIES).find_map(|_| {
            let c = round_coord(Coord {
                x: rng.random_range(min.x..=max.x),
                y: rng.random_range(min.y..=max.y),
            });
            (self.contains_with_margin(c) && accept(c)).then_some(c)
        })
    }

    /// Mitchell's best-candidate sampling: of `candidates` random points, the one
    /// farthest from every point in `existing`. Gives an even, natural-looking spread
    /// (villages, gauges) without a full Poisson-disk sampler.
    pub fn sample_spread<R: Rng>(
        &self,
        rng: &mut R,
        projection: &LocalProjection,
        existing: &[Coord],
        candidates: usize,
        accept: impl Fn(Coord) -> bool,
    ) -> Option<Coord> {
        let mut best: Option<(f64, Coord)> = None;
        for _ in 0..candidates.max(1) {
            let c = self.sample(rng, &accept)?;
            let nearest = existing
                .iter()
                .map(|&e| projection.distance_km(c, e))
                .fold(f64::INFINITY, f64::min);
            if best.is_none_or(|(d, _)| nearest > d) {
                best = Some((nearest, c));
            }
        }
        best.map(|(_, c)| c)
    }

    /// A rounded point near `centre`: normally distributed offsets with standard
    /// deviation `sigma_km`, inside the area (with margin) and allowed by `accept`.
    pub fn sample_near<R: Rng>(
        &self,
        rng: &mut R,
        projection: &LocalProjection,
        centre: Coord,
        sigma_km: f64,
        accept: impl Fn(Coord) -> bool,
    ) -> Option<Coord> {
        (0..MAX_SAMPLING_TRIES).find_map(|_| {
            let dx: f64 = rng.sample(StandardNormal);
            let dy: f64 = rng.sample(StandardNormal);
            let c = round_coord(projection.offset(centre, dx * sigma_km, dy * sigma_km));
            (self.contains_with_margin(c) && accept(c)).then_some(c)
        })
    }
}
