//! Canadian Forest Fire Weather Index (FWI) System, daily version.
//!
//! Written from the published equations: Van Wagner & Pickett (1985), *Equations and FORTRAN
//! program for the Canadian Forest Fire Weather Index System* (For. Tech. Rep. 33) and Van
//! Wagner (1987, For. Tech. Rep. 35), with two later refinements that the reference
//! implementation (the cffdrs R package) uses and that our acceptance data therefore assumes:
//!
//! * the FFMC ↔ moisture conversion factor `250·59.5/101 = 147.27723` of Wang, Anderson &
//!   Suddaby (2015) instead of the rounded `147.2` of 1985;
//! * latitude-dependent day-length factors for DMC and DC (Lawson & Armitage 2008), see
//!   [`daylength`].
//!
//! The moisture codes (FFMC, DMC, DC) carry over from one day to the next: [`FwiCodes`] is that
//! carried state, [`daily`] advances it by one noon observation.

pub mod csv;
pub mod daylength;
mod indices;

pub use indices::{build_up_index, fire_weather_index, initial_spread_index};

use serde::{Deserialize, Serialize};

/// Why a value cannot enter the FWI calculation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FwiError {
    #[error("{field} = {value} is out of range (expected {expected})")]
    OutOfRange {
        field: &'static str,
        value: f64,
        expected: &'static str,
    },
}

fn check(
    field: &'static str,
    value: f64,
    ok: bool,
    expected: &'static str,
) -> Result<f64, FwiError> {
    if value.is_finite() && ok {
        Ok(value)
    } else {
        Err(FwiError::OutOfRange {
            field,
            value,
            expected,
        })
    }
}

/// The three moisture codes carried from one day to the next.
///
/// Constructed only through [`FwiCodes::new`], which refuses values outside the codes' domain
/// (FFMC 0–101, DMC and DC ≥ 0). cffdrs accepts e.g. FFMC = 200 and produces NaN warnings
/// (`expected_fwi_06_out_of_range_init.csv`); we reject it instead.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FwiCodes {
    pub ffmc: f64,
    pub dmc: f64,
    pub dc: f64,
}

impl FwiCodes {
    /// The standard start-up values (FFMC 85, DMC 6, DC 15) used after snowmelt / at the start
    /// of a fire season.
    pub const STARTUP: FwiCodes = FwiCodes {
        ffmc: 85.0,
        dmc: 6.0,
        dc: 15.0,
    };

    pub fn new(ffmc: f64, dmc: f64, dc: f64) -> Result<Self, FwiError> {
        Ok(FwiCodes {
            ffmc: check("ffmc", ffmc, (0.0..=101.0).contains(&ffmc), "0 to 101")?,
            dmc: check("dmc", dmc, dmc >= 0.0, ">= 0")?,
            dc: check("dc", dc, dc >= 0.0, ">= 0")?,
        })
    }
}

impl Default for FwiCodes {
    fn default() -> Self {
        Self::STARTUP
    }
}

/// One station's noon (local standard time) observation, validated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NoonWeather {
    /// Air temperature, °C.
    pub temperature_c: f64,
    /// Relative humidity, %.
    pub relative_humidity: f64,
    /// 10 m open wind speed, km/h.
    pub wind_kmh: f64,
    /// Rain in the 24 hours ending at noon, mm.
    pub rain_24h_mm: f64,
}

impl NoonWeather {
    pub fn new(
        temperature_c: f64,
        relative_humidity: f64,
        wind_kmh: f64,
        rain_24h_mm: f64,
    ) -> Result<Self, FwiError> {
        Ok(NoonWeather {
            temperature_c: check(
                "temp",
                temperature_c,
                (-90.0..=60.0).contains(&temperature_c),
                "-90 to 60 °C",
            )?,
            relative_humidity: check(
                "rh",
                relative_humidity,
                (0.0..=100.0).contains(&relative_humidity),
                "0 to 100 %",
            )?,
            wind_kmh: check(
                "ws",
                wind_kmh,
                (0.0..=400.0).contains(&wind_kmh),
                "0 to 400 km/h",
            )?,
            rain_24h_mm: check(
                "prec",
                rain_24h_mm,
                (0.0..=2000.0).contains(&rain_24h_mm),
                "0 to 2000 mm",
            )?,
        })
    }
}

/// Where and when: the inputs of the day-length tables.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DayContext {
    /// Decimal degrees, north positive.
    pub latitude: f64,
    /// 1 = January … 12 = December.
    pub month: u8,
}

impl DayContext {
    pub fn new(latitude: f64, month: u8) -> Result<Self, FwiError> {
        check(
            "lat",
            latitude,
            (-90.0..=90.0).contains(&latitude),
            "-90 to 90",
        )?;
        check(
            "mon",
            f64::from(month),
            (1..=12).contains(&month),
            "1 to 12",
        )?;
        Ok(DayContext { latitude, month })
    }
}

/// All six FWI System outputs of one day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FwiIndices {
    pub ffmc: f64,
    pub dmc: f64,
    pub dc: f64,
    pub isi: f64,
    pub bui: f64,
    pub fwi: f64,
}

impl FwiIndices {
    /// The codes to carry into the next day.
    pub fn codes(&self) -> FwiCodes {
        FwiCodes {
            ffmc: self.ffmc,
            dmc: self.dmc,
            dc: self.dc,
        }
    }

    /// Daily Severity Rating (Van Wagner 1987, Eq. 41).
    pub fn dsr(&self) -> f64 {
        0.0272 * self.fwi.powf(1.77)
    }
}

/// Advances the moisture codes by one day and derives the three fire-behaviour indices.
pub fn daily(yesterday: FwiCodes, weather: &NoonWeather, day: DayContext) -> FwiIndices {
    // The equilibrium-moisture equations diverge at exactly 100 % RH; cffdrs uses 99.9999.
    let weather = NoonWeather {
        relative_humidity: weather.relative_humidity.min(99.9999),
        ..*weather
    };
    let ffmc = indices::fine_fuel_moisture_code(yesterday.ffmc, &weather);
    let dmc = indices::duff_moisture_code(yesterday.dmc, &weather, day);
    let dc = indices::drought_code(yesterday.dc, &weather, day);
    let isi = initial_spread_index(ffmc, weather.wind_kmh);
    let bui = build_up_index(dmc, dc);
    FwiIndices {
        ffmc,
        dmc,
        dc,
        isi,
        bui,
        fwi: fire_weather_index(isi, bui),
    }
}
