//! The six index equations. Equation numbers refer to Van Wagner & Pickett (1985).

use super::daylength::{dc_day_length, dmc_day_length};
use super::{DayContext, NoonWeather};

/// FFMC ↔ fine-fuel moisture content factor, 250·59.5/101 (Wang, Anderson & Suddaby 2015).
const FFMC_FACTOR: f64 = 250.0 * 59.5 / 101.0;

/// Fine fuel moisture content (%) of an FFMC value (Eq. 1).
fn ffmc_to_moisture(ffmc: f64) -> f64 {
    FFMC_FACTOR * (101.0 - ffmc) / (59.5 + ffmc)
}

pub(super) fn fine_fuel_moisture_code(ffmc_yesterday: f64, w: &NoonWeather) -> f64 {
    let (t, h, wind, rain) = (
        w.temperature_c,
        w.relative_humidity,
        w.wind_kmh,
        w.rain_24h_mm,
    );
    let mut mo = ffmc_to_moisture(ffmc_yesterday);
    if rain > 0.5 {
        // Eq. 2: the first 0.5 mm is intercepted by the canopy.
        let rf = rain - 0.5;
        // Eq. 3a, plus the Eq. 3b correction for already wet fuel.
        let mut gain = 42.5 * rf * (-100.0 / (251.0 - mo)).exp() * (1.0 - (-6.93 / rf).exp());
        if mo > 150.0 {
            gain += 0.0015 * (mo - 150.0).powi(2) * rf.sqrt();
        }
        mo = (mo + gain).min(250.0);
    }
    let wetting = 0.18 * (21.1 - t) * (1.0 - (-0.115 * h).exp());
    let ed = 0.942 * h.powf(0.679) + 11.0 * ((h - 100.0) / 10.0).exp() + wetting; // Eq. 4
    let ew = 0.618 * h.powf(0.753) + 10.0 * ((h - 100.0) / 10.0).exp() + wetting; // Eq. 5
    let log_rate = |humidity_term: f64| {
        // Eqs. 6a/7a (rate at 21.1 °C) and 6b/7b (temperature effect).
        let k0 = 0.424 * (1.0 - humidity_term.powf(1.7))
            + 0.0694 * wind.sqrt() * (1.0 - humidity_term.powi(8));
        k0 * 0.581 * (0.0365 * t).exp()
    };
    let m = if mo > ed {
        ed + (mo - ed) / 10f64.powf(log_rate(h / 100.0)) // Eq. 8: drying
    } else if mo < ew {
        ew - (ew - mo) / 10f64.powf(log_rate((100.0 - h) / 100.0)) // Eq. 9: wetting
    } else {
        mo
    };
    (59.5 * (250.0 - m) / (FFMC_FACTOR + m)).clamp(0.0, 101.0) // Eq. 10
}

pub(super) fn duff_moisture_code(dmc_yesterday: f64, w: &NoonWeather, day: DayContext) -> f64 {
    let t = w.temperature_c.max(-1.1);
    // Eq. 16: log drying rate.
    let k = 1.894
        * (t + 1.1)
        * (100.0 - w.relative_humidity)
        * dmc_day_length(day.latitude, day.month)
        * 1e-4;
    let after_rain = if w.rain_24h_mm > 1.5 {
        let po = dmc_yesterday;
        let re = 0.92 * w.rain_24h_mm - 1.27; // Eq. 11
                                              // Eq. 12 in its exact form (cffdrs: 280 = e^5.6348, 0.023 ≈ 1/43.43).
        let mo = 20.0 + 280.0 / (0.023 * po).exp();
        let b = if po <= 33.0 {
            100.0 / (0.5 + 0.3 * po) // Eq. 13a
        } else if po <= 65.0 {
            14.0 - 1.3 * po.ln() // Eq. 13b
        } else {
            6.2 * po.ln() - 17.2 // Eq. 13c
        };
        let mr = mo + 1000.0 * re / (48.77 + b * re); // Eq. 14
        (43.43 * (5.6348 - (mr - 20.0).ln())).max(0.0) // Eq. 15
    } else {
        dmc_yesterday
    };
    (after_rain + k).max(0.0) // Eq. 16-17
}

pub(super) fn drought_code(dc_yesterday: f64, w: &NoonWeather, day: DayContext) -> f64 {
    let t = w.temperature_c.max(-2.8);
    // Eq. 22: potential evapotranspiration, never negative in winter.
    let v = ((0.36 * (t + 2.8) + dc_day_length(day.latitude, day.month)) / 2.0).max(0.0);
    let after_rain = if w.rain_24h_mm > 2.8 {
        let rd = 0.83 * w.rain_24h_mm - 1.27; // Eq. 18
        let qo = 800.0 * (-dc_yesterday / 400.0).exp(); // Eq. 19
        (dc_yesterday - 400.0 * (1.0 + 3.937 * rd / qo).ln()).max(0.0) // Eqs. 20-21
    } else {
        dc_yesterday
    };
    (after_rain + v).max(0.0) // Eq. 23
}

/// Initial Spread Index from today's FFMC and wind (Eqs. 24-26).
pub fn initial_spread_index(ffmc: f64, wind_kmh: f64) -> f64 {
    let m = ffmc_to_moisture(ffmc);
    let wind_function = (0.05039 * wind_kmh).exp();
    let fine_fuel_function = 91.9 * (-0.1386 * m).exp() * (1.0 + m.powf(5.31) / 4.93e7);
    0.208 * wind_function * fine_fuel_function
}

/// Build-up Index from today's DMC and DC (Eqs. 27a, 27b).
pub fn build_up_index(dmc: f64, dc: f64) -> f64 {
    if dmc == 0.0 && dc == 0.0 {
        return 0.0;
    }
    let bui = 0.8 * dc * dmc / (dmc + 0.4 * dc);
    if bui >= dmc {
        return bui;
    }
    let p = if dmc == 0.0 { 0.0 } else { (dmc - bui) / dmc };
    let cc = 0.92 + (0.0114 * dmc).powf(1.7);
    (dmc - cc * p).max(0.0)
}

/// Fire Weather Index from ISI and BUI (Eqs. 28-30).
pub fn fire_weather_index(isi: f64, bui: f64) -> f64 {
    let f_d = if bui > 80.0 {
        1000.0 / (25.0 + 108.64 / (0.023 * bui).exp()) // Eq. 28b
    } else {
        0.626 * bui.powf(0.809) + 2.0 // Eq. 28a
    };
    let b = 0.1 * isi * f_d; // Eq. 29
    if b > 1.0 {
        (2.72 * (0.434 * b.ln()).powf(0.647)).exp() // Eq. 30a
    } else {
        b // Eq. 30b
    }
}
