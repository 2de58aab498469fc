//! SensorThings MQTT ingest (placeholder until the MQTT step).
use crate::MonitoringState;
pub fn start(_state: MonitoringState, _url: &str) -> Result<(), String> {
    Ok(())
}
