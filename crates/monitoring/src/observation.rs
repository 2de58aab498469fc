//! Observations as the engine accepts them: parsed once at the edge, trusted afterwards.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A SensorThings Datastream `@iot.id`. Numeric because the store issues integer ids and a
/// `u64` key keeps the per-observation index lookup cheap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DatastreamId(pub u64);

impl std::fmt::Display for DatastreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How far ahead of the server's clock a phenomenon time may lie (device clocks drift).
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);

/// The earliest phenomenon time accepted (1900-01-01T00:00Z): older ones are device-clock
/// garbage, and the bound keeps every time computation far from chrono's range limits.
pub const EARLIEST: DateTime<Utc> = match DateTime::from_timestamp(-2_208_988_800, 0) {
    Some(t) => t,
    None => DateTime::<Utc>::UNIX_EPOCH,
};

/// A validated numeric observation. Only [`Observation::new`] and
/// [`Observation::from_json_result`] build one, so the engine never sees NaN, infinities or
/// timestamps from the future.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Observation {
    datastream: DatastreamId,
    phenomenon_time: DateTime<Utc>,
    result: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ObservationError {
    #[error("datastream {datastream}: result must be a number, got {found}")]
    WrongType {
        datastream: DatastreamId,
        found: &'static str,
    },
    #[error("datastream {datastream}: result {result} is not a finite number")]
    NotFinite {
        datastream: DatastreamId,
        result: f64,
    },
    #[error("datastream {datastream}: phenomenonTime {phenomenon_time} is before 1900")]
    TooOld {
        datastream: DatastreamId,
        phenomenon_time: DateTime<Utc>,
    },
    #[error(
        "datastream {datastream}: phenomenonTime {phenomenon_time} is more than 5 minutes after the server time {now}"
    )]
    InTheFuture {
        datastream: DatastreamId,
        phenomenon_time: DateTime<Utc>,
        now: DateTime<Utc>,
    },
}

impl Observation {
    pub fn new(
        datastream: DatastreamId,
        phenomenon_time: DateTime<Utc>,
        result: f64,
        now: DateTime<Utc>,
    ) -> Result<Self, ObservationError> {
        if !result.is_finite() {
            return Err(ObservationError::NotFinite { datastream, result });
        }
        if phenomenon_time < EARLIEST {
            return Err(ObservationError::TooOld {
                datastream,
                phenomenon_time,
            });
        }
        if phenomenon_time > now + MAX_CLOCK_SKEW {
            return Err(ObservationError::InTheFuture {
                datastream,
                phenomenon_time,
                now,
            });
        }
        Ok(Observation {
            datastream,
            phenomenon_time,
            result,
        })
    }

    /// Accepts a SensorThings `result` as received: only a JSON number is a usable result.
    pub fn from_json_result(
        datastream: DatastreamId,
        phenomenon_time: DateTime<Utc>,
        result: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<Self, ObservationError> {
        use serde_json::Value;
        let found = match result {
            Value::Number(n) => {
                return match n.as_f64() {
                    Some(value) => Self::new(datastream, phenomenon_time, value, now),
                    None => Err(ObservationError::WrongType {
                        datastream,
                        found: "a number outside the f64 range",
                    }),
                }
            }
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        };
        Err(ObservationError::WrongType { datastream, found })
    }

    pub fn datastream(&self) -> DatastreamId {
        self.datastream
    }

    pub fn phenomenon_time(&self) -> DateTime<Utc> {
        self.phenomenon_time
    }

    pub fn result(&self) -> f64 {
        self.result
    }
}
