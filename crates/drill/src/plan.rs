//! A scenario laid over the county's sensors: one time-ordered list of steps for an engine
//! to play, and the moments the generated series first cross the rules in force (the
//! reference for "threshold crossed → warning").

use crate::duration::Secs;
use crate::scenario::{Closure, FieldReport, Scenario, TeamChange};
use crate::series;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Rain gauges whose scenario total stays under this report nothing: the storm never
/// reached them.
const DRY_TOTAL_MM: f64 = 0.1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    RainGauge,
    RiverStage,
    ReservoirLevel,
    Gas,
    Other,
}

/// A sensor of the county as the scenario sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// The sensor's record id (`thing-rain-001`).
    pub id: String,
    pub kind: SiteKind,
    pub position: [f64; 2],
    /// The record id of the datastream the scenario feeds.
    pub datastream: String,
}

/// A rule in force on one datastream, reduced to when it first raises: the value itself
/// (`window` zero) or its sum over `window` reaching `raise`.
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    pub datastream: String,
    pub window: Secs,
    pub raise: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepAction {
    Observe { datastream: String, value: f64 },
    Report(FieldReport),
    Team(TeamChange),
    Close(Closure),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub at: Secs,
    pub action: StepAction,
}

/// A series first reaching a rule's raise value.
#[derive(Debug, Clone, PartialEq)]
pub struct Crossing {
    pub at: Secs,
    pub datastream: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub crossings: Vec<Crossing>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("{what}: there is no sensor {sensor:?} of the right type in the county dataset")]
    UnknownSensor { what: &'static str, sensor: String },
}

/// Lays the scenario over the sites. Deterministic: the same scenario and sites give the
/// same plan.
pub fn plan(scenario: &Scenario, sites: &[Site], watches: &[Watch]) -> Result<Plan, PlanError> {
    let step = scenario.scenario.report_every;
    let times: Vec<Secs> = (1..=scenario.duration().0 / step.0)
        .map(|i| Secs(i * step.0))
        .collect();
    let find = |what: &'static str, id: &str, kind: SiteKind| {
        sites
            .iter()
            .find(|s| s.id == id && s.kind == kind)
            .ok_or_else(|| PlanError::UnknownSensor {
                what,
                sensor: id.to_string(),
            })
    };
    let storms: Vec<_> = scenario.storm.iter().map(|s| s.get_ref()).collect();
    let mut series: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut rain_of: HashMap<&str, Vec<f64>> = HashMap::new();
    for gauge in sites.iter().filter(|s| s.kind == SiteKind::RainGauge) {
        let rain: Vec<f64> = times
            .iter()
            .map(|t| round(series::rain_increment(&storms, gauge.position, *t, step), 1))
            .collect();
        if rain.iter().sum::<f64>() >= DRY_TOTAL_MM {
            series.insert(gauge.datastream.clone(), rain.clone());
        }
        rain_of.insert(gauge.id.as_str(), rain);
    }
    let mean_rain = |what: &'static str, upstream: &[String]| -> Result<Vec<f64>, PlanError> {
        let mut mean = vec![0.0; times.len()];
        for id in upstream {
            find(what, id, SiteKind::RainGauge)?;
            let rain = rain_of.get(id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
            for (m, r) in mean.iter_mut().zip(rain) {
                *m += r / upstream.len() as f64;
            }
        }
        Ok(mean)
    };
    for river in scenario.river.iter().map(|r| r.get_ref()) {
        let site = find("river.sensor", &river.sensor, SiteKind::RiverStage)?;
        let inflow = series::lagged(
            &mean_rain("river.upstream", &river.upstream)?,
            step,
            river.lag,
        );
        let storage = series::linear_reservoir(&inflow, step, river.recession);
        let stage = storage
            .iter()
            .map(|s| round(river.base_m + river.gain_m_per_mm * s, 2))
            .collect();
        series.insert(site.datastream.clone(), stage);
    }
    for res in scenario.reservoir.iter().map(|r| r.get_ref()) {
        let site = find("reservoir.sensor", &res.sensor, SiteKind::ReservoirLevel)?;
        let inflow = series::lagged(
            &mean_rain("reservoir.upstream", &res.upstream)?,
            step,
            res.lag,
        );
        let mut level = res.start_m;
        let release = res.release_m_per_h * step.hours();
        let levels = inflow
            .iter()
            .map(|mm| {
                level = (level + res.rise_m_per_mm * mm - release).max(0.0);
                round(level, 2)
            })
            .collect();
        series.insert(site.datastream.clone(), levels);
    }
    for gas in scenario.gas.iter().map(|g| g.get_ref()) {
        let site = find("gas.sensor", &gas.sensor, SiteKind::Gas)?;
        let readings = times
            .iter()
            .map(|t| round(series::gas_reading(gas, *t), 1))
            .collect();
        series.insert(site.datastream.clone(), readings);
    }
    let mut silent: HashMap<&str, Vec<(Secs, Secs)>> = HashMap::new();
    for fault in scenario.fault.iter().map(|f| f.get_ref()) {
        let site = sites.iter().find(|s| s.id == fault.sensor).ok_or_else(|| {
            PlanError::UnknownSensor {
                what: "fault.sensor",
                sensor: fault.sensor.clone(),
            }
        })?;
        let until = fault.silent_until.unwrap_or(Secs(i64::MAX));
        silent
            .entry(site.datastream.as_str())
            .or_default()
            .push((fault.silent_from, until));
    }
    let mut steps = Vec::new();
    let mut crossings = Vec::new();
    for (datastream, values) in &series {
        let quiet = silent
            .get(datastream.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for (t, value) in times.iter().zip(values) {
            if quiet.iter().any(|(from, until)| t >= from && t < until) {
                continue;
            }
            steps.push(Step {
                at: *t,
                action: StepAction::Observe {
                    datastream: datastream.clone(),
                    value: *value,
                },
            });
        }
        let first = watches
            .iter()
            .filter(|w| &w.datastream == datastream)
            .filter_map(|w| first_crossing(&times, values, step, w))
            .min();
        if let Some(at) = first {
            crossings.push(Crossing {
                at,
                datastream: datastream.clone(),
            });
        }
    }
    let mut known_teams = HashSet::new();
    for r in scenario.reports() {
        steps.push(Step {
            at: r.at,
            action: StepAction::Report(r.clone()),
        });
    }
    for c in scenario.team.iter().map(|c| c.get_ref()) {
        known_teams.insert(c.team.as_str());
        steps.push(Step {
            at: c.at,
            action: StepAction::Team(c.clone()),
        });
    }
    for c in scenario.closure.iter().map(|c| c.get_ref()) {
        steps.push(Step {
            at: c.at,
            action: StepAction::Close(c.clone()),
        });
    }
    // Stable: at equal times observations come first (they were pushed first), so a report
    // about flooding follows the readings that show it.
    steps.sort_by_key(|s| s.at);
    crossings.sort_by(|a, b| a.at.cmp(&b.at).then(a.datastream.cmp(&b.datastream)));
    Ok(Plan { steps, crossings })
}

/// When a series first reaches a watch: its value, or its sum over the watch's window.
fn first_crossing(times: &[Secs], values: &[f64], step: Secs, watch: &Watch) -> Option<Secs> {
    let span = (watch.window.0 / step.0).max(1) as usize;
    (0..values.len())
        .find(|&i| {
            let measure = if watch.window.0 == 0 {
                values[i]
            } else {
                values[i.saturating_sub(span - 1)..=i].iter().sum()
            };
            measure >= watch.raise
        })
        .map(|i| times[i])
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{builtin, Scenario};

    fn sites() -> Vec<Site> {
        let gauge = |id: &str, at: [f64; 2]| Site {
            id: id.into(),
            kind: SiteKind::RainGauge,
            position: at,
            datastream: format!("{id}-precipitation"),
        };
        vec![
            gauge("g1", [117.45, 40.15]),
            gauge("g2", [117.0, 39.5]),
            Site {
                id: "s1".into(),
                kind: SiteKind::RiverStage,
                position: [117.42, 40.01],
                datastream: "s1-stage".into(),
            },
        ]
    }

    const SCENARIO: &str = r#"
[scenario]
id = "t"
title = "t"
title_en = "t"
duration = "6h"
report_every = "10m"
synthetic = true

[[storm]]
name = "cell"
start = "0"
end = "4h"
from = [117.40, 40.15]
to = [117.50, 40.15]
radius_km = 8.0
peak_mm_per_h = 60.0

[[river]]
sensor = "s1"
base_m = 6.0
gain_m_per_mm = 0.05
lag = "1h"
recession = "3h"
upstream = ["g1"]

[[fault]]
sensor = "g1"
silent_from = "3h"
silent_until = "4h"

[[report]]
id = "r"
at = "2h"
type = "flood"
location = [117.45, 40.15]
text = "水漫路面"
"#;

    #[test]
    fn the_plan_feeds_wet_gauges_lags_the_river_and_keeps_silent_gauges_quiet() {
        let scenario = Scenario::parse(SCENARIO).unwrap();
        let watches = [
            Watch {
                datastream: "g1-precipitation".into(),
                window: Secs(3600),
                raise: 20.0,
            },
            Watch {
                datastream: "s1-stage".into(),
                window: Secs(0),
                raise: 7.0,
            },
        ];
        let plan = plan(&scenario, &sites(), &watches).unwrap();
        let of = |ds: &str| -> Vec<(Secs, f64)> {
            plan.steps
                .iter()
                .filter_map(|s| match &s.action {
                    StepAction::Observe { datastream, value } if datastream == ds => {
                        Some((s.at, *value))
                    }
                    _ => None,
                })
                .collect()
        };
        assert!(
            of("g2-precipitation").is_empty(),
            "the storm never reached g2"
        );
        let g1 = of("g1-precipitation");
        assert_eq!(
            g1.len(),
            36 - 6,
            "six ten-minute reports fall in the silent hour"
        );
        assert!(g1
            .iter()
            .all(|(t, _)| *t < Secs(3 * 3600) || *t >= Secs(4 * 3600)));
        let river = of("s1-stage");
        assert_eq!(river.len(), 36);
        assert_eq!(river[4].1, 6.0, "nothing reaches the river within its lag");
        let peak = river.iter().map(|r| r.1).fold(0.0, f64::max);
        assert!(peak > 7.0, "{peak}");
        let first_rain = plan
            .crossings
            .iter()
            .find(|c| c.datastream == "g1-precipitation")
            .unwrap();
        let first_stage = plan
            .crossings
            .iter()
            .find(|c| c.datastream == "s1-stage")
            .unwrap();
        assert!(first_rain.at < first_stage.at);
        assert!(plan.steps.windows(2).all(|w| w[0].at <= w[1].at));
        assert!(plan
            .steps
            .iter()
            .any(|s| matches!(&s.action, StepAction::Report(r) if r.id == "r")));
    }

    #[test]
    fn an_unknown_sensor_is_named() {
        let text = SCENARIO.replace("upstream = [\"g1\"]", "upstream = [\"g9\"]");
        let scenario = Scenario::parse(&text).unwrap();
        let e = plan(&scenario, &sites(), &[]).unwrap_err();
        assert!(e.to_string().contains("\"g9\""), "{e}");
    }

    #[test]
    fn the_shipped_scenarios_plan_deterministically_over_their_sensors() {
        let scenario = Scenario::parse(builtin("july-rainstorm").unwrap()).unwrap();
        // Plans against no sites fail by naming the first missing sensor, never panic.
        assert!(plan(&scenario, &[], &[]).is_err());
    }
}
