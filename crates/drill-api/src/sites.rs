//! What a scenario is laid over: the county's sensors (from the registry) and the rules in
//! force on their datastreams (from the monitoring API), reduced to what the plan needs.

use std::collections::HashMap;
use yingji_domain::RecordKind;
use yingji_drill::duration::Secs;
use yingji_drill::{Site, SiteKind, Watch};
use yingji_monitoring::{Condition, Direction, Rule};
use yingji_store::{RecordFilter, Store, StoreError};

pub async fn sensors(store: &dyn Store) -> Result<Vec<Site>, StoreError> {
    let records = store
        .list_records(&RecordFilter::all(RecordKind::Sensor))
        .await?;
    Ok(records
        .iter()
        .filter_map(|r| {
            let p = &r.properties;
            let kind = match p.get("sensor_type")?.as_str()? {
                "rain_gauge" => SiteKind::RainGauge,
                "river_stage" => SiteKind::RiverStage,
                "reservoir_level" => SiteKind::ReservoirLevel,
                "gas_lel" | "toxic_gas" => SiteKind::Gas,
                _ => SiteKind::Other,
            };
            let datastream = p.get("datastreams")?.get(0)?.get("id")?.as_str()?;
            let at = r.anchor()?;
            Some(Site {
                id: r.id.to_string(),
                kind,
                position: [at.lon, at.lat],
                datastream: datastream.to_string(),
            })
        })
        .collect())
}

/// The lowest raise value of each value or rolling-sum rule, by datastream record id.
pub fn watches(rules: &[Rule], datastreams: &HashMap<String, i64>) -> Vec<Watch> {
    let record_of: HashMap<i64, &String> = datastreams.iter().map(|(r, id)| (*id, r)).collect();
    rules
        .iter()
        .filter(|r| r.enabled)
        .filter_map(|rule| {
            let (ds, window, grading) = match &rule.condition {
                Condition::Threshold {
                    datastream,
                    grading,
                } => (datastream, 0, grading),
                Condition::RollingSum {
                    datastream,
                    window_secs,
                    grading,
                } => (datastream, *window_secs, grading),
                _ => return None,
            };
            if grading.direction != Direction::Above {
                return None;
            }
            let raise = grading.bands.iter().map(|b| b.raise).reduce(f64::min)?;
            let record = record_of.get(&i64::try_from(ds.0).ok()?)?;
            Some(Watch {
                datastream: (*record).clone(),
                window: Secs(i64::from(window)),
                raise,
            })
        })
        .collect()
}
