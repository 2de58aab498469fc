//! First start: the county's sensors become SensorThings Things with Locations and
//! Datastreams, and get their default rules (yingji_monitoring::defaults), plus the
//! intensity–duration rules of geological hazard points over their nearest rain gauges.

use crate::sta::create::Plan;
use crate::sta::model::Kind;
use crate::{datastreams_by_record, MonitoringState, MountError};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use yingji_domain::{Principal, Record, RecordKind};
use yingji_monitoring::defaults::{default_rules_for, hazard_point_rule, SensorProfile};
use yingji_monitoring::{DatastreamId, Rule};
use yingji_store::RecordFilter;

/// Rain gauges nearer than this to a hazard point drive its rainfall threshold.
const GAUGE_RADIUS_KM: f64 = 10.0;
const GAUGES_PER_POINT: usize = 3;

pub async fn things(state: &MonitoringState) -> Result<(), MountError> {
    let sensors = state
        .app
        .store
        .list_records(&RecordFilter::all(RecordKind::Sensor))
        .await?;
    let system = Principal::system("monitoring");
    let new = {
        let mut entities = state.entities_write();
        let mut plan = Plan {
            entities: &mut entities,
            towns: &state.towns,
            new: Vec::new(),
        };
        let mut sensor_ids: HashMap<String, i64> = HashMap::new();
        let mut property_ids: HashMap<String, i64> = HashMap::new();
        for record in &sensors {
            let body = thing_body(record, &mut plan, &mut sensor_ids, &mut property_ids)
                .map_err(|e| MountError::Seed(format!("{}: {}", record.id, e.message)))?;
            plan.entity(Kind::Thing, &body, "Thing", None)
                .map_err(|e| MountError::Seed(format!("{}: {}", record.id, e.message)))?;
        }
        plan.new
    };
    crate::sta::store_entities(state, &system, Kind::Thing, 0, &new)
        .await
        .map_err(|e| MountError::Seed(e.message))?;
    let mut entities = state.entities_write();
    for e in new {
        entities.insert(e);
    }
    tracing::info!(
        sensors = sensors.len(),
        "seeded SensorThings entities from the dataset"
    );
    Ok(())
}

fn thing_body(
    record: &Record,
    plan: &mut Plan<'_>,
    sensors: &mut HashMap<String, i64>,
    properties: &mut HashMap<String, i64>,
) -> Result<Value, yingji_server::error::ApiError> {
    let p = &record.properties;
    let text = |k: &str| {
        p.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let sensor_type = text("sensor_type");
    let sensor = match sensors.get(&sensor_type) {
        Some(id) => *id,
        None => {
            let id = plan.entity(
                Kind::Sensor,
                &json!({"name": sensor_type, "description": sensor_type,
                "encodingType": "text/plain", "metadata": sensor_type}),
                "Sensor",
                None,
            )?;
            sensors.insert(sensor_type.clone(), id);
            id
        }
    };
    let mut datastreams = Vec::new();
    for ds in p
        .get("datastreams")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let get = |k: &str| {
            ds.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let observed = get("observed_property");
        let property = match properties.get(&observed) {
            Some(id) => *id,
            None => {
                let id = plan.entity(
                    Kind::ObservedProperty,
                    &json!({"name": observed, "definition": observed,
                    "description": observed}),
                    "ObservedProperty",
                    None,
                )?;
                properties.insert(observed.clone(), id);
                id
            }
        };
        datastreams.push(json!({
            "name": get("name"),
            "description": get("name"),
            "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
            "unitOfMeasurement": {"name": get("unit_name"), "symbol": get("unit_symbol"), "definition": ""},
            "properties": {"record_id": get("id")},
            "Sensor": {"@iot.id": sensor},
            "ObservedProperty": {"@iot.id": property},
        }));
    }
    let mut thing_properties = Map::new();
    thing_properties.insert("record_id".into(), json!(record.id.to_string()));
    thing_properties.insert("sensor_type".into(), json!(sensor_type));
    if let Some(town) = &record.town_code {
        thing_properties.insert("town_code".into(), json!(town.to_string()));
    }
    thing_properties.insert("public".into(), json!(record.is_public()));
    thing_properties.insert("synthetic".into(), json!(record.synthetic));
    if let Some(params) = p.get("params") {
        thing_properties.insert("params".into(), params.clone());
    }
    let mut body = json!({
        "name": text("name"),
        "description": text("name"),
        "properties": thing_properties,
        "Datastreams": datastreams,
    });
    if let Some(geometry) = &record.geometry {
        body["Locations"] = json!([{"name": text("name"), "description": "", "encodingType": "application/geo+json",
            "location": serde_json::to_value(geometry).unwrap_or(Value::Null)}]);
    }
    Ok(body)
}

/// Default rules for every sensor of the dataset and every hazard point.
pub async fn default_rules(state: &MonitoringState) -> Result<Vec<Rule>, MountError> {
    let store = &state.app.store;
    let sensors = store
        .list_records(&RecordFilter::all(RecordKind::Sensor))
        .await?;
    let points = store
        .list_records(&RecordFilter::all(RecordKind::HazardPoint))
        .await?;
    let by_record = datastreams_by_record(&state.entities_read());
    let mut rules = Vec::new();
    let mut gauges: Vec<(DatastreamId, (f64, f64))> = Vec::new();
    for record in &sensors {
        let Some(profile) = profile(record, &by_record) else {
            continue;
        };
        if let (SensorProfile::RainGauge { datastream }, Some(at)) = (&profile, record.anchor()) {
            gauges.push((*datastream, (at.lon, at.lat)));
        }
        match default_rules_for(&profile) {
            Ok(mut r) => rules.append(&mut r),
            Err(e) => {
                tracing::warn!(sensor = %record.id, error = %e, "no default rules for this sensor")
            }
        }
    }
    for point in &points {
        let Some(at) = point.anchor() else { continue };
        let mut near: Vec<(f64, DatastreamId)> = gauges
            .iter()
            .map(|(ds, g)| (distance_km((at.lon, at.lat), *g), *ds))
            .filter(|(d, _)| *d <= GAUGE_RADIUS_KM)
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        let near: Vec<DatastreamId> = near
            .into_iter()
            .take(GAUGES_PER_POINT)
            .map(|(_, ds)| ds)
            .collect();
        if near.is_empty() {
            continue;
        }
        let threshold = point
            .properties
            .get("id_threshold")
            .and_then(|t| Some((t.get("a")?.as_f64()?, t.get("b")?.as_f64()?)));
        match hazard_point_rule(point.id.as_str(), near, threshold) {
            Ok(rule) => rules.push(rule),
            Err(e) => tracing::warn!(point = %point.id, error = %e, "no rainfall threshold rule"),
        }
    }
    Ok(rules)
}

fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let lat = ((a.1 + b.1) / 2.0).to_radians();
    let dx = (a.0 - b.0) * 111.32 * lat.cos();
    let dy = (a.1 - b.1) * 110.57;
    (dx * dx + dy * dy).sqrt()
}

fn profile(record: &Record, by_record: &HashMap<String, i64>) -> Option<SensorProfile> {
    let p = &record.properties;
    let params = p.get("params").cloned().unwrap_or(Value::Null);
    let num = |k: &str| params.get(k).and_then(Value::as_f64);
    let streams: Vec<(String, DatastreamId)> = p
        .get("datastreams")?
        .as_array()?
        .iter()
        .filter_map(|d| {
            let id = d.get("id")?.as_str()?;
            let property = d.get("observed_property")?.as_str()?.to_string();
            Some((property, DatastreamId(*by_record.get(id)? as u64)))
        })
        .collect();
    let stream = |property: &str| streams.iter().find(|(p, _)| p == property).map(|(_, d)| *d);
    let first = streams.first().map(|(_, d)| *d)?;
    Some(match p.get("sensor_type")?.as_str()? {
        "rain_gauge" => SensorProfile::RainGauge { datastream: first },
        "river_stage" => SensorProfile::RiverStage {
            datastream: first,
            warning_stage_m: num("warning_stage_m")?,
            guaranteed_stage_m: num("guaranteed_stage_m")?,
        },
        "reservoir_level" => SensorProfile::ReservoirLevel {
            datastream: first,
            flood_limit_m: num("flood_limit_level_m")?,
            design_flood_m: num("design_flood_level_m")?,
        },
        "gas_lel" => SensorProfile::CombustibleGas { datastream: first },
        "toxic_gas" => {
            // GB/T 50493-2019 sets the 1st-level alarm at ≤ 100 % of the exposure limit, so the
            // dataset's low alarm is taken as that limit when none is given.
            let limit = num("exposure_limit_ppm").or_else(|| num("low_alarm_ppm"))?;
            SensorProfile::ToxicGas {
                datastream: first,
                gas: params
                    .get("gas")
                    .and_then(Value::as_str)
                    .unwrap_or("gas")
                    .to_string(),
                exposure_limit_ppm: limit,
                full_scale_ppm: num("full_scale_ppm").unwrap_or(limit * 20.0),
            }
        }
        "weather_station" => SensorProfile::WeatherStation {
            station: record.id.to_string(),
            temperature: stream("air_temperature")?,
            humidity: stream("relative_humidity")?,
            wind: stream("wind_speed")?,
            rain: stream("precipitation")?,
            latitude: record.anchor()?.lat,
        },
        _ => return None,
    })
}
