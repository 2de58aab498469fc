//! Approximate positions of real Jizhou features named in the emergency plan
//! (reservoir, rivers, scenic mountains). They are rough WGS84 positions from
//! general geographic knowledge, NOT surveyed: good enough to put synthetic
//! gauges and helipads in the right part of the county, nothing more.

use geo::Coord;

pub const fn lonlat(x: f64, y: f64) -> Coord {
    Coord { x, y }
}

/// Latitude north of which Jizhou is hilly/mountainous (the Yanshan foothills).
pub const MOUNTAIN_LATITUDE: f64 = 40.05;

pub const PANSHAN: Coord = lonlat(117.27, 40.09); // 盘山 scenic area
pub const BAXIANSHAN: Coord = lonlat(117.55, 40.19); // 八仙山 nature reserve
pub const HUANGYAGUAN: Coord = lonlat(117.44, 40.235); // 黄崖关长城
/// 于桥水库: west end near the dam, the middle of the lake, and the south bank
/// (where the plan sites the forest-fire aviation rescue base, at the old
/// 九百户 middle school).
pub const YUQIAO_DAM: Coord = lonlat(117.43, 40.03);
pub const YUQIAO_MIDDLE: Coord = lonlat(117.52, 40.045);
pub const YUQIAO_SOUTH_BANK: Coord = lonlat(117.50, 40.015);
pub const YUQIAO_NORTH_BANK: Coord = lonlat(117.52, 40.07);

/// Rough extent of Yuqiao Reservoir's water: an ellipse (centre, semi-axes in km
/// east-west and north-south). Villages are kept out of it.
pub const YUQIAO_WATER_CENTRE: Coord = lonlat(117.51, 40.04);
pub const YUQIAO_WATER_SEMI_AXES_KM: (f64, f64) = (7.0, 1.8);

/// A real river, as a rough polyline (upstream to downstream).
pub struct River {
    pub name: &'static str,
    pub name_en: &'static str,
    pub course: &'static [Coord],
    /// Stage gauges to put along it.
    pub gauges: usize,
}

pub const RIVERS: [River; 4] = [
    River {
        name: "州河",
        name_en: "Zhou River",
        course: &[
            lonlat(117.43, 40.03),
            lonlat(117.41, 40.00),
            lonlat(117.40, 39.95),
            lonlat(117.41, 39.88),
            lonlat(117.42, 39.82),
            lonlat(117.43, 39.78),
        ],
        gauges: 5,
    },
    River {
        name: "泃河",
        name_en: "Ju River",
        course: &[
            lonlat(117.15, 39.95),
            lonlat(117.20, 39.89),
            lonlat(117.28, 39.84),
            lonlat(117.36, 39.80),
            lonlat(117.43, 39.78),
        ],
        gauges: 4,
    },
    River {
        name: "蓟运河",
        name_en: "Jiyun River",
        // Only its first kilometres, down to the district's southern edge, are in Jizhou.
        course: &[lonlat(117.43, 39.78), lonlat(117.44, 39.765)],
        gauges: 1,
    },
    River {
        name: "沙河",
        name_en: "Sha River",
        course: &[
            lonlat(117.75, 40.08),
            lonlat(117.68, 40.06),
            lonlat(117.60, 40.05),
        ],
        gauges: 3,
    },
];

/// The point at `fraction` (0..=1) of the polyline's length (in degrees, which
/// is adequate for spacing gauges).
pub fn along(course: &[Coord], fraction: f64) -> Coord {
    let lengths: Vec<f64> = course
        .windows(2)
        .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
        .collect();
    let mut remaining = fraction.clamp(0.0, 1.0) * lengths.iter().sum::<f64>();
    for (segment, length) in course.windows(2).zip(&lengths) {
        if remaining <= *length && *length > 0.0 {
            let t = remaining / length;
            return lonlat(
                segment[0].x + (segment[1].x - segment[0].x) * t,
                segment[0].y + (segment[1].y - segment[0].y) * t,
            );
        }
        remaining -= length;
    }
    course.last().copied().unwrap_or(lonlat(0.0, 0.0))
}
