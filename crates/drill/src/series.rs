//! The parametric physics of a scenario. Simple on purpose — a drill needs plausible,
//! reproducible curves, not a hydrological model — and every parameter is in the file.

use crate::duration::Secs;
use crate::scenario::{GasRelease, Storm};

/// Kilometres between two `[lon, lat]` points (equirectangular; fine at county scale).
pub fn distance_km(a: [f64; 2], b: [f64; 2]) -> f64 {
    let lat = ((a[1] + b[1]) / 2.0).to_radians();
    let dx = (a[0] - b[0]) * 111.32 * lat.cos();
    let dy = (a[1] - b[1]) * 110.57;
    (dx * dx + dy * dy).sqrt()
}

/// Rain rate (mm/h) a storm gives at a place at a time: the cell's centre moves from `from`
/// to `to`, its strength rises and falls as sin(π·progress), and falls off as a Gaussian of
/// the distance from the centre.
pub fn storm_rate(storm: &Storm, at: [f64; 2], t: Secs) -> f64 {
    if t < storm.start || t > storm.end {
        return 0.0;
    }
    let progress = (t.0 - storm.start.0) as f64 / (storm.end.0 - storm.start.0) as f64;
    let centre = [
        storm.from[0] + (storm.to[0] - storm.from[0]) * progress,
        storm.from[1] + (storm.to[1] - storm.from[1]) * progress,
    ];
    let d = distance_km(centre, at);
    let strength = (std::f64::consts::PI * progress).sin().max(0.0);
    storm.peak_mm_per_h * strength * (-(d * d) / (2.0 * storm.radius_km * storm.radius_km)).exp()
}

/// Rain (mm) fallen at a place during `(t - step, t]`, all storms together, integrated by
/// the midpoint rule over one-minute slices.
pub fn rain_increment(storms: &[&Storm], at: [f64; 2], t: Secs, step: Secs) -> f64 {
    let slices = (step.0 / 60).max(1);
    let slice = step.0 as f64 / slices as f64;
    let mut mm = 0.0;
    for i in 0..slices {
        let mid = Secs(t.0 - step.0 + ((i as f64 + 0.5) * slice) as i64);
        let rate: f64 = storms.iter().map(|s| storm_rate(s, at, mid)).sum();
        mm += rate * slice / 3600.0;
    }
    mm
}

/// A linear reservoir fed by `inflow` (mm per step, already lagged): storage after each step,
/// draining with time constant `recession`.
pub fn linear_reservoir(inflow: &[f64], step: Secs, recession: Secs) -> Vec<f64> {
    let keep = (-(step.0 as f64) / recession.0 as f64).exp();
    let mut storage = 0.0;
    inflow
        .iter()
        .map(|mm| {
            storage = storage * keep + mm;
            storage
        })
        .collect()
}

/// A series delayed by `lag` (whole steps, rounded), zero-filled at its start.
pub fn lagged(series: &[f64], step: Secs, lag: Secs) -> Vec<f64> {
    let shift = ((lag.0 as f64) / step.0 as f64).round() as usize;
    (0..series.len())
        .map(|i| i.checked_sub(shift).map_or(0.0, |j| series[j]))
        .collect()
}

/// A gas detector's reading at a time: background, linear rise to the peak, linear decay.
pub fn gas_reading(g: &GasRelease, t: Secs) -> f64 {
    let excess = if t <= g.start || t >= g.end {
        0.0
    } else if t <= g.peak_at {
        let span = (g.peak_at.0 - g.start.0).max(1) as f64;
        g.peak * (t.0 - g.start.0) as f64 / span
    } else {
        g.peak * (g.end.0 - t.0) as f64 / (g.end.0 - g.peak_at.0) as f64
    };
    g.background + excess
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell() -> Storm {
        Storm {
            name: "c".into(),
            start: Secs(0),
            end: Secs(4 * 3600),
            from: [117.3, 40.2],
            to: [117.7, 40.2],
            radius_km: 10.0,
            peak_mm_per_h: 60.0,
        }
    }

    #[test]
    fn rain_peaks_under_the_passing_centre() {
        let s = cell();
        let middle = [117.5, 40.2];
        let at_peak = storm_rate(&s, middle, Secs(2 * 3600));
        assert!((at_peak - 60.0).abs() < 1e-9, "{at_peak}");
        assert!(storm_rate(&s, middle, Secs(3600)) < at_peak);
        assert!(
            storm_rate(&s, [117.5, 40.5], Secs(2 * 3600)) < 0.5,
            "33 km away"
        );
        assert_eq!(storm_rate(&s, middle, Secs(5 * 3600)), 0.0);
        let hour = rain_increment(&[&s], middle, Secs(2 * 3600 + 1800), Secs(3600));
        assert!(hour > 50.0 && hour < 60.0, "{hour}");
    }

    #[test]
    fn a_river_answers_rain_after_its_lag_and_recedes() {
        let step = Secs(600);
        let mut rain = vec![0.0; 60];
        rain[5] = 10.0;
        let delayed = lagged(&rain, step, Secs(3600));
        assert_eq!(delayed[11], 10.0);
        assert_eq!(delayed[5], 0.0);
        let storage = linear_reservoir(&delayed, step, Secs(3 * 3600));
        assert_eq!(storage[10], 0.0);
        assert_eq!(storage[11], 10.0);
        assert!(
            storage[29] < 10.0 * 0.5,
            "halves within three hours: {}",
            storage[29]
        );
    }

    #[test]
    fn gas_rises_and_falls() {
        let g = GasRelease {
            sensor: "s".into(),
            start: Secs(600),
            peak_at: Secs(1200),
            end: Secs(2400),
            peak: 60.0,
            background: 1.0,
        };
        assert_eq!(gas_reading(&g, Secs(0)), 1.0);
        assert_eq!(gas_reading(&g, Secs(900)), 31.0);
        assert_eq!(gas_reading(&g, Secs(1200)), 61.0);
        assert_eq!(gas_reading(&g, Secs(1800)), 31.0);
        assert_eq!(gas_reading(&g, Secs(2400)), 1.0);
    }
}
