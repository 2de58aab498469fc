//! Observations from the wire (HTTP bodies, CreateObservations dataArrays, MQTT payloads) into
//! checked rows, and stored rows back to SensorThings JSON.

use super::model::Entities;
use crate::ingest::NewObservation;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use yingji_domain::time::rfc3339;
use yingji_monitoring::{DatastreamId, Observation, ObservationError};
use yingji_server::error::ApiError;

/// `{"Datastream": {"@iot.id": 1}}` → 1.
pub fn reference(value: Option<&Value>) -> Option<i64> {
    value?.get("@iot.id")?.as_i64()
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::new("invalid_value", message).field(field)
}

/// Names the field of an error: `field("result")` → `[3].dataArray[7].result`. A function,
/// so that the name is only built when something is wrong.
pub type FieldName<'a> = &'a dyn Fn(&str) -> String;

fn time(
    field: &str,
    value: Option<&Value>,
    name: FieldName<'_>,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => super::query::parse_time(text).map(Some).ok_or_else(|| {
            ApiError::new("invalid_time", format!("{text:?} is not an ISO 8601 time"))
                .field(name(field))
        }),
        Some(_) => Err(
            ApiError::new("invalid_time", "expected an ISO 8601 time string").field(name(field)),
        ),
    }
}

/// The parts of one observation as received, before checking.
pub struct Received<'a> {
    pub datastream: Option<i64>,
    pub phenomenon_time: Option<&'a Value>,
    pub result: Option<&'a Value>,
    pub result_time: Option<&'a Value>,
    pub feature_of_interest: Option<i64>,
}

/// Checks one observation; `field` names the fields of errors.
pub fn parse(
    entities: &Entities,
    received: Received<'_>,
    now: DateTime<Utc>,
    field: FieldName<'_>,
) -> Result<NewObservation, ApiError> {
    let Received {
        datastream,
        phenomenon_time,
        result,
        result_time,
        feature_of_interest,
    } = received;
    let datastream = datastream.ok_or_else(|| {
        ApiError::new(
            "required",
            "an Observation needs its Datastream: {\"@iot.id\": …}",
        )
        .field(field("Datastream"))
    })?;
    if entities.stream(datastream).is_none() {
        return Err(invalid(
            &field("Datastream"),
            format!("there is no Datastream({datastream})"),
        ));
    }
    if let Some(foi) = feature_of_interest {
        if entities
            .get(super::model::Kind::FeatureOfInterest, foi)
            .is_none()
        {
            return Err(invalid(
                &field("FeatureOfInterest"),
                format!("there is no FeatureOfInterest({foi})"),
            ));
        }
    }
    let result = result.ok_or_else(|| {
        ApiError::new("required", "an Observation needs a result").field(field("result"))
    })?;
    let phenomenon = time("phenomenonTime", phenomenon_time, field)?.unwrap_or(now);
    let result_time = time("resultTime", result_time, field)?;
    let id = DatastreamId(datastream as u64);
    let observation = Observation::from_json_result(id, phenomenon, result, now).map_err(|e| {
        let name = match e {
            ObservationError::WrongType { .. } | ObservationError::NotFinite { .. } => "result",
            _ => "phenomenonTime",
        };
        invalid(&field(name), e.to_string())
    })?;
    Ok(NewObservation {
        observation,
        result_time,
        feature_of_interest,
    })
}

/// One Observation entity as POSTed (or published over MQTT to a Datastream's topic).
pub fn from_entity(
    entities: &Entities,
    body: &Value,
    datastream: Option<i64>,
    now: DateTime<Utc>,
    field: &str,
) -> Result<NewObservation, ApiError> {
    if !body.is_object() {
        return Err(
            ApiError::new("invalid_json", "an Observation must be a JSON object")
                .field(field.trim_end_matches('.')),
        );
    }
    let datastream = datastream.or_else(|| reference(body.get("Datastream")));
    parse(
        entities,
        Received {
            datastream,
            phenomenon_time: body.get("phenomenonTime"),
            result: body.get("result"),
            result_time: body.get("resultTime"),
            feature_of_interest: reference(body.get("FeatureOfInterest")),
        },
        now,
        &|name| format!("{field}{name}"),
    )
}

/// A `CreateObservations` body (STA 1.1 dataArray extension) or a plain array of Observations.
pub fn from_batch(
    entities: &Entities,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<Vec<NewObservation>, ApiError> {
    let items = body
        .as_array()
        .ok_or_else(|| ApiError::new("invalid_json", "expected a JSON array"))?;
    let mut rows = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.get("dataArray") {
            Some(data) => data_array(entities, item, data, now, i, &mut rows)?,
            None => rows.push(from_entity(entities, item, None, now, &format!("[{i}]."))?),
        }
    }
    Ok(rows)
}

fn data_array(
    entities: &Entities,
    item: &Value,
    data: &Value,
    now: DateTime<Utc>,
    i: usize,
    rows: &mut Vec<NewObservation>,
) -> Result<(), ApiError> {
    let datastream = reference(item.get("Datastream"));
    let components: Vec<&str> = item
        .get("components")
        .and_then(Value::as_array)
        .map(|c| c.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let position = |name: &str| components.iter().position(|c| *c == name);
    let result_at = position("result").ok_or_else(|| {
        ApiError::new("required", "components must name `result`")
            .field(format!("[{i}].components"))
    })?;
    let (time_at, result_time_at) = (position("phenomenonTime"), position("resultTime"));
    let foi_at = position("FeatureOfInterest/id").or_else(|| position("FeatureOfInterest/@iot.id"));
    let data = data.as_array().ok_or_else(|| {
        ApiError::new("invalid_json", "dataArray must be an array of arrays")
            .field(format!("[{i}].dataArray"))
    })?;
    rows.reserve(data.len());
    for (j, row) in data.iter().enumerate() {
        let cells = row.as_array().ok_or_else(|| {
            ApiError::new("invalid_json", "each dataArray row must be an array")
                .field(format!("[{i}].dataArray[{j}]"))
        })?;
        let cell = |at: Option<usize>| at.and_then(|k| cells.get(k));
        let foi = cell(foi_at).and_then(Value::as_i64);
        rows.push(parse(
            entities,
            Received {
                datastream,
                phenomenon_time: cell(time_at),
                result: cell(Some(result_at)),
                result_time: cell(result_time_at),
                feature_of_interest: foi,
            },
            now,
            &|name| format!("[{i}].dataArray[{j}].{name}"),
        )?);
    }
    Ok(())
}

/// A time column as stored: milliseconds since the Unix epoch (UTC). Integers keep rows and
/// index keys small and cheap to bind; RFC 3339 text exists only at the API edge.
pub fn stored_time(ms: i64) -> Result<DateTime<Utc>, ApiError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(ApiError::internal)
}

/// A stored observation as SensorThings JSON.
pub fn render(
    base: &str,
    id: i64,
    phenomenon_time: DateTime<Utc>,
    result: f64,
    result_time: Option<DateTime<Utc>>,
) -> Value {
    let me = format!("{base}/Observations({id})");
    json!({
        "@iot.id": id,
        "@iot.selfLink": me,
        "phenomenonTime": rfc3339(phenomenon_time),
        "resultTime": result_time.map(rfc3339),
        "result": result,
        "Datastream@iot.navigationLink": format!("{me}/Datastream"),
        "FeatureOfInterest@iot.navigationLink": format!("{me}/FeatureOfInterest"),
    })
}
