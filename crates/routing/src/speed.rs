//! How fast a road segment is driven, for data with tags (OSM) and without (routrs).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Result, RoutingError};

/// Speed rule for the tag-less `routrs_highways_dataset` graph.
///
/// That graph is a simplified OSM highway network whose edges are straight lines between
/// junctions: long edges are the long, fast links (expressways, national roads), short edges
/// are the local connectors in and around towns. So the rule is:
/// * the straight-line length of an edge picks a speed band (the longest band whose
///   `min_length_m` the edge reaches);
/// * the road length is the straight-line length times `circuity`, because a real road winds
///   (1.2 is a common detour index for rural road networks).
///
/// Defaults: under 2 km 40 km/h (`local`), 2-10 km 60 km/h (`regional`), 10 km and more
/// 80 km/h (`trunk`), circuity 1.2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutrsSpeedRule {
    /// Bands sorted by `min_length_m`, the first starting at 0.
    pub bands: Vec<SpeedBand>,
    pub circuity: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedBand {
    pub name: String,
    pub min_length_m: f64,
    pub speed_kmh: f64,
}

impl Default for RoutrsSpeedRule {
    fn default() -> Self {
        let band = |name: &str, min_length_m, speed_kmh| SpeedBand {
            name: name.to_string(),
            min_length_m,
            speed_kmh,
        };
        RoutrsSpeedRule {
            bands: vec![
                band("local", 0.0, 40.0),
                band("regional", 2_000.0, 60.0),
                band("trunk", 10_000.0, 80.0),
            ],
            circuity: 1.2,
        }
    }
}

impl RoutrsSpeedRule {
    pub fn validate(&self) -> Result<()> {
        if self.bands.is_empty() {
            return Err(RoutingError::invalid(
                "bands",
                "at least one speed band is needed",
            ));
        }
        if self.bands[0].min_length_m != 0.0 {
            return Err(RoutingError::invalid("bands[0].min_length_m", "must be 0"));
        }
        for (i, pair) in self.bands.windows(2).enumerate() {
            if pair[1].min_length_m <= pair[0].min_length_m {
                return Err(RoutingError::invalid(
                    format!("bands[{}].min_length_m", i + 1),
                    "bands must be sorted by increasing min_length_m",
                ));
            }
        }
        for (i, band) in self.bands.iter().enumerate() {
            check_speed(band.speed_kmh, &format!("bands[{i}].speed_kmh"))?;
        }
        if !(self.circuity.is_finite() && self.circuity >= 1.0) {
            return Err(RoutingError::invalid("circuity", "must be >= 1"));
        }
        Ok(())
    }

    /// The band for a straight-line length.
    pub fn band_for(&self, straight_length_m: f64) -> &SpeedBand {
        self.bands
            .iter()
            .rev()
            .find(|b| straight_length_m >= b.min_length_m)
            .unwrap_or(&self.bands[0])
    }
}

pub(crate) fn check_speed(speed_kmh: f64, field: &str) -> Result<()> {
    if speed_kmh.is_finite() && speed_kmh > 0.0 && speed_kmh <= 400.0 {
        Ok(())
    } else {
        Err(RoutingError::invalid(
            field,
            format!("speed must be in (0, 400] km/h, got {speed_kmh}"),
        ))
    }
}

/// Default speed by OSM `highway` class. Classes not in the table are not routable (footways,
/// paths, construction, ...). A parsable `maxspeed` tag replaces the default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsmSpeedTable {
    pub speeds_kmh: HashMap<String, f64>,
}

impl Default for OsmSpeedTable {
    /// Free-flow speeds for Chinese rural and county roads (the design speeds of JTG B01 road
    /// grades, lowered for mixed traffic).
    fn default() -> Self {
        let pairs = [
            ("motorway", 100.0),
            ("motorway_link", 60.0),
            ("trunk", 80.0),
            ("trunk_link", 50.0),
            ("primary", 60.0),
            ("primary_link", 40.0),
            ("secondary", 50.0),
            ("secondary_link", 35.0),
            ("tertiary", 40.0),
            ("tertiary_link", 30.0),
            ("unclassified", 30.0),
            ("residential", 25.0),
            ("living_street", 10.0),
            ("service", 15.0),
            ("track", 15.0),
            ("road", 25.0),
        ];
        OsmSpeedTable {
            speeds_kmh: pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }
}

impl OsmSpeedTable {
    pub fn validate(&self) -> Result<()> {
        for (class, speed) in &self.speeds_kmh {
            check_speed(*speed, &format!("speeds_kmh.{class}"))?;
        }
        Ok(())
    }
}

/// Parses an OSM `maxspeed` value: "60", "60 km/h", "60kmh", "30 mph". Symbolic values
/// ("CN:urban", "none", "signals") give `None`, so the class default applies.
pub fn parse_maxspeed(value: &str) -> Option<f64> {
    let v = value.trim().to_ascii_lowercase();
    let (number, factor) = if let Some(n) = v.strip_suffix("mph") {
        (n.trim(), 1.609_344)
    } else if let Some(n) = v.strip_suffix("km/h").or_else(|| v.strip_suffix("kmh")) {
        (n.trim(), 1.0)
    } else {
        (v.as_str(), 1.0)
    };
    let speed = number.parse::<f64>().ok()? * factor;
    (speed.is_finite() && speed > 0.0 && speed <= 400.0).then_some(speed)
}
