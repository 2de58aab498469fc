//! The administrative layer: the real boundary, the 27 real town points (moved
//! inside the boundary where the source point is flagged), synthetic town areas
//! (Voronoi cells clipped to the boundary), and the 983 villages with synthetic
//! positions and populations.

use geo::{BooleanOps, Coord, InteriorPoint, MultiPoint, MultiPolygon, Point, Voronoi};

use crate::error::{DatagenError, Result};
use crate::geometry::{round_coord, Area, LocalProjection};
use crate::sources::{SharedGeo, TownshipRow};

/// Town points outside the district boundary or flagged in the source (they sit on
/// a boundary vertex) are moved to the nearest point this far inside.
const TOWN_SEAT_MIN_INSET_KM: f64 = 1.5;
/// Radius step of the search for that point.
const TOWN_SEAT_STEP_KM: f64 = 0.1;

/// NBS township code of the Jizhou Economic Development Zone: a statistical unit
/// with one "virtual community" and no territory or coordinate of its own.
pub const DEVELOPMENT_ZONE_CODE: &str = "120119401";
/// The town whose area hosts the development zone's virtual community (an
/// assumption of this generator: the zone adjoins the urban district).
pub const DEVELOPMENT_ZONE_HOST_TOWN: &str = "120119001";

/// A real town (or subdistrict / ethnic township).
#[derive(Debug, Clone)]
pub struct Town {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// "town" or "subdistrict" (ethnic townships count as towns).
    pub kind: &'static str,
    /// The NBS kind as in the source (town, subdistrict, ethnic_township).
    pub nbs_kind: String,
    pub village_units: u32,
    pub quality_flag: String,
    /// The town seat: the source point, or its moved position.
    pub seat: Coord,
    pub position_note: Option<String>,
}

/// The county's real boundary and towns with their synthetic areas.
#[derive(Debug, Clone)]
pub struct County {
    pub boundary: Area,
    pub boundary_source: String,
    pub projection: LocalProjection,
    pub towns: Vec<Town>,
    /// Aligned with `towns`.
    pub town_areas: Vec<Area>,
}

impl County {
    pub fn build(shared: &SharedGeo) -> Result<Self> {
        let boundary = rounded_area(&shared.boundary.shape)
            .ok_or_else(|| placement("the district boundary", "it is empty"))?;
        let centre = shared
            .boundary
            .shape
            .interior_point()
            .ok_or_else(|| placement("the district boundary", "it has no interior point"))?
            .0;
        let projection = LocalProjection::centred_on(centre);
        let mut towns = shared
            .townships
            .iter()
            .filter(|row| row.code != DEVELOPMENT_ZONE_CODE)
            .map(|row| town_from_row(row, &boundary, &projection))
            .collect::<Result<Vec<_>>>()?;
        towns.sort_by(|a, b| a.code.cmp(&b.code));
        let town_areas = voronoi_town_areas(&towns, &boundary, &projection)?;
        Ok(Self {
            boundary,
            boundary_source: shared.boundary.source.clone(),
            projection,
            towns,
            town_areas,
        })
    }

    pub fn town_index(&self, code: &str) -> Option<usize> {
        self.towns.iter().position(|t| t.code == code)
    }

    pub fn town_index_or_err(&self, code: &str) -> Result<usize> {
        self.town_index(code)
            .ok_or_else(|| placement(&format!("town {code}"), "no such town"))
    }

    /// The town whose area contains `c`, if any.
    pub fn town_at(&self, c: Coord) -> Option<usize> {
        self.town_areas.iter().position(|area| area.contains(c))
    }

    /// The district centre: the seat of the (first) subdistrict, else of the first town.
    pub fn centre_town(&self) -> usize {
        self.towns
            .iter()
            .position(|t| t.kind == "subdistrict")
            .unwrap_or(0)
    }
}

pub(crate) fn placement(what: &str, reason: &str) -> DatagenError {
    DatagenError::Placement {
        what: what.to_string(),
        reason: reason.to_string(),
    }
}

/// Rounds a (multi)polygon to the written precision and drops repeated vertices.
fn rounded_area(shape: &MultiPolygon<f64>) -> Option<Area> {
    use geo::{MapCoords, RemoveRepeatedPoints};
    Area::new(shape.map_coords(round_coord).remove_repeated_points())
}

fn town_from_row(row: &TownshipRow, boundary: &Area, projection: &LocalProjection) -> Result<Town> {
    let what = format!("town {} {}", row.code, row.name);
    let (Some(lon), Some(lat)) = (row.lon_wgs84, row.lat_wgs84) else {
        return Err(placement(&what, "the source has no coordinate"));
    };
    let source_point = Coord { x: lon, y: lat };
    let needs_move = !row.quality_flag.is_empty() || !boundary.contains(source_point);
    let (seat, position_note) = if needs_move {
        let seat = nearest_inset_point(source_point, boundary, projection)
            .ok_or_else(|| placement(&what, "no point nearby is far enough inside"))?;
        let note = format!(
            "source point ({lon:.6}, {lat:.6}){} lies {} the district boundary; moved {:.1} km to the nearest point {TOWN_SEAT_MIN_INSET_KM} km inside it",
            if row.quality_flag.is_empty() { String::new() } else { format!(" flagged '{}'", row.quality_flag) },
            if boundary.contains(source_point) { "on" } else { "on or just outside" },
            projection.distance_km(source_point, seat),
        );
        (seat, Some(note))
    } else {
        (source_point, None)
    };
    let kind = if row.kind == "subdistrict" {
        "subdistrict"
    } else {
        "town"
    };
    Ok(Town {
        code: row.code.clone(),
        name: row.name.clone(),
        name_en: english_name(&row.code, &row.name),
        kind,
        nbs_kind: row.kind.clone(),
        village_units: row.village_units,
        quality_flag: row.quality_flag.clone(),
        seat: round_coord(seat),
        position_note,
    })
}

/// The nearest point to `start` that is [`TOWN_SEAT_MIN_INSET_KM`] inside the
/// boundary: candidates on rings of growing radius ([`TOWN_SEAT_STEP_KM`] apart),
/// 72 bearings each, the first ring with a fit wins, ties going to the lower bearing.
fn nearest_inset_point(
    start: Coord,
    boundary: &Area,
    projection: &LocalProjection,
) -> Option<Coord> {
    const BEARINGS: usize = 72;
    const MAX_RINGS: usize = 200;
    (1..=MAX_RINGS).find_map(|ring| {
        let radius = ring as f64 * TOWN_SEAT_STEP_KM;
        (0..BEARINGS)
            .map(|b| {
                let angle = b as f64 * std::f64::consts::TAU / BEARINGS as f64;
                round_coord(projection.offset(start, radius * angle.sin(), radius * angle.cos()))
            })
            .filter(|&c| boundary.contains(c))
            .map(|c| (boundary.distance_to_edge_km(projection, c), c))
            .filter(|(inset, _)| *inset >= TOWN_SEAT_MIN_INSET_KM)
            .map(|(_, c)| c)
            .next()
    })
}

/// Synthetic town areas: the Voronoi cells of the town seats (computed in km so
/// that cells are not stretched by the degree aspect ratio) with `geo`'s Voronoi,
/// clipped to the district boundary with `geo`'s boolean operations.
fn voronoi_town_areas(
    towns: &[Town],
    boundary: &Area,
    projection: &LocalProjection,
) -> Result<Vec<Area>> {
    let sites: MultiPoint<f64> = towns
        .iter()
        .map(|t| Point::from(projection.to_km(t.seat)))
        .collect();
    let cells = sites
        .voronoi_cells()
        .map_err(|e| placement("the town areas", &format!("Voronoi failed: {e:?}")))?;
    if cells.len() != towns.len() {
        return Err(placement(
            "the town areas",
            &format!("{} Voronoi cells for {} towns", cells.len(), towns.len()),
        ));
    }
    use geo::MapCoords;
    cells
        .iter()
        .zip(towns)
        .map(|(cell, town)| {
            let cell_lonlat = MultiPolygon::new(vec![cell.map_coords(|c| projection.to_lonlat(c))]);
            let clipped = cell_lonlat.intersection(&boundary.shape);
            let area = rounded_area(&clipped)
                .ok_or_else(|| placement(&format!("the area of {}", town.name), "it is empty"))?;
            if !area.contains(town.seat) {
                return Err(placement(
                    &format!("the area of {}", town.name),
                    "it does not contain the town seat",
                ));
            }
            Ok(area)
        })
        .collect()
}

/// Pinyin names of the 27 Jizhou towns; other codes fall back to the Chinese name.
fn english_name(code: &str, name: &str) -> String {
    let known = match code {
        "120119001" => "Wenchang Subdistrict",
        "120119100" => "Yuyang Town",
        "120119101" => "Yinliu Town",
        "120119102" => "Guanzhuang Town",
        "120119103" => "Mashenqiao Town",
        "120119104" => "Xiaying Town",
        "120119105" => "Bangjun Town",
        "120119106" => "Bieshan Town",
        "120119108" => "Youguzhuang Town",
        "120119109" => "Shangcang Town",
        "120119111" => "Xiacang Town",
        "120119112" => "Luozhuangzi Town",
        "120119113" => "Baijian Town",
        "120119115" => "Houjiaying Town",
        "120119116" => "Sangzi Town",
        "120119117" => "Dongshigu Town",
        "120119118" => "Xiawotou Town",
        "120119119" => "Yangjinzhuang Town",
        "120119120" => "Chutouling Town",
        "120119121" => "Xilonghuyu Town",
        "120119122" => "Chuanfangyu Town",
        "120119123" => "Dong'erying Town",
        "120119124" => "Xujiatai Town",
        "120119125" => "Limingzhuang Town",
        "120119126" => "Dongzhaogezhuang Town",
        "120119127" => "Zhouhewan Town",
        "120119203" => "Sungezhuang Manchu Ethnic Township",
        _ => "",
    };
    if known.is_empty() {
        name.to_string()
    } else {
        known.to_string()
    }
}
