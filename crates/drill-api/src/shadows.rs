//! The drill's own sensors. For every county datastream the scenario plays, the drill creates
//! a *shadow* through SensorThings, as any gateway registers its sensors: a Thing at the same
//! place in the same town, marked as the drill's (`properties.drill`, synthetic, not public),
//! with a Datastream that names the datastream it stands in for (`properties.shadow_of`).
//! The drill's observations go to the shadows, so they never enter the county's series; the
//! monitor runs copies of the rules in force on them (`yingji_monitoring::drill`).

use crate::client::{ClientError, Target};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Creates the shadows of `played` (county datastream ids); answers county id → shadow id.
pub async fn create(
    target: &Target,
    drill: &str,
    played: &BTreeSet<i64>,
) -> Result<HashMap<i64, i64>, ClientError> {
    // One shadow Thing per county Thing, holding the shadows of its played datastreams.
    let mut things: BTreeMap<i64, (Value, Vec<Value>)> = BTreeMap::new();
    for &id in played {
        let datastream = target
            .get(&format!(
                "/sta/v1.1/Datastreams({id})?$expand=Thing($expand=Locations),Sensor,ObservedProperty"
            ))
            .await?;
        let thing = datastream["Thing"].clone();
        let Some(thing_id) = thing["@iot.id"].as_i64() else {
            continue;
        };
        things
            .entry(thing_id)
            .or_insert_with(|| (thing, Vec::new()))
            .1
            .push(shadow_datastream(drill, id, &datastream));
    }
    let mut shadows = HashMap::new();
    for (thing_id, (thing, datastreams)) in things {
        let created = target
            .post(
                "/sta/v1.1/Things",
                shadow_thing(drill, thing_id, &thing, datastreams),
            )
            .await?;
        let Some(id) = created["@iot.id"].as_i64() else {
            continue;
        };
        let made = target
            .get(&format!("/sta/v1.1/Things({id})/Datastreams?$top=1000"))
            .await?;
        for d in made["value"].as_array().into_iter().flatten() {
            if let (Some(of), Some(shadow)) =
                (d["properties"]["shadow_of"].as_i64(), d["@iot.id"].as_i64())
            {
                shadows.insert(of, shadow);
            }
        }
    }
    Ok(shadows)
}

fn drill_name(name: &Value) -> String {
    format!("【演练 drill】{}", name.as_str().unwrap_or_default())
}

fn shadow_thing(drill: &str, thing_id: i64, thing: &Value, datastreams: Vec<Value>) -> Value {
    let mut properties: Map<String, Value> =
        thing["properties"].as_object().cloned().unwrap_or_default();
    // The dataset's record id names the county's sensor, which this is not.
    let record = properties.remove("record_id");
    properties.insert("drill".into(), json!(drill));
    properties.insert("shadow_of".into(), json!(thing_id));
    properties.insert("shadow_of_record".into(), record.unwrap_or(Value::Null));
    properties.insert("synthetic".into(), json!(true));
    properties.insert("public".into(), json!(false));
    let locations: Vec<Value> = thing["Locations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            json!({"name": drill_name(&l["name"]), "description": l["description"],
                   "encodingType": l["encodingType"], "location": l["location"]})
        })
        .collect();
    json!({
        "name": drill_name(&thing["name"]),
        "description": format!("{drill}: {}", thing["description"].as_str().unwrap_or_default()),
        "properties": properties,
        "Locations": locations,
        "Datastreams": datastreams,
    })
}

fn shadow_datastream(drill: &str, county_id: i64, datastream: &Value) -> Value {
    json!({
        "name": drill_name(&datastream["name"]),
        "description": format!("{drill}: {}", datastream["description"].as_str().unwrap_or_default()),
        "observationType": datastream["observationType"],
        "unitOfMeasurement": datastream["unitOfMeasurement"],
        "properties": {
            "drill": drill,
            "shadow_of": county_id,
            "shadow_of_record": datastream["properties"]["record_id"],
        },
        "Sensor": {"@iot.id": datastream["Sensor"]["@iot.id"]},
        "ObservedProperty": {"@iot.id": datastream["ObservedProperty"]["@iot.id"]},
    })
}
