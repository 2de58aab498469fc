//! Live events to browsers: one in-process bus, fanned out over Server-Sent Events at
//! `/api/v1/events`, each client seeing only what its jurisdiction may read.
//!
//! Observations travel on their own lane, apart from everything else (warnings, faults,
//! reports, incidents, orders …): a burst of tens of thousands of observations from one
//! group commit can overflow a slow client's observation buffer, but never pushes a warning
//! out of it. A client that falls behind a lane gets a `resync` event naming the lane and
//! should reload that state; nothing is dropped silently. Several nodes share events
//! by forwarding their bus through a message broker (not wired yet).

use crate::auth::Caller;
use crate::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream::Stream;
use serde::Serialize;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::broadcast;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::StreamExt;
use yingji_domain::TownCode;

/// One thing that happened, as clients receive it.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub seq: u64,
    /// `observation`, `warning`, `fault`, `report`, `incident`, `order`, `record`, …
    pub kind: String,
    /// The town it concerns; `None` for county-wide events (district readers only, unless public).
    pub town_code: Option<TownCode>,
    pub public: bool,
    pub data: serde_json::Value,
}

#[derive(Clone)]
pub struct EventBus {
    observations: broadcast::Sender<Arc<Event>>,
    changes: broadcast::Sender<Arc<Event>>,
    seq: Arc<AtomicU64>,
}

/// The high-volume kind that gets its own lane.
const OBSERVATION: &str = "observation";
/// How many events a slow client may lag on each lane before it is told to resync.
const OBSERVATION_BUFFER: usize = 8_192;
const CHANGE_BUFFER: usize = 8_192;

impl Default for EventBus {
    fn default() -> Self {
        Self {
            observations: broadcast::channel(OBSERVATION_BUFFER).0,
            changes: broadcast::channel(CHANGE_BUFFER).0,
            seq: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl EventBus {
    pub fn publish(
        &self,
        kind: &str,
        town_code: Option<TownCode>,
        public: bool,
        data: serde_json::Value,
    ) {
        let event = Event {
            seq: self.seq.fetch_add(1, Ordering::Relaxed) + 1,
            kind: kind.to_string(),
            town_code,
            public,
            data,
        };
        let lane = if kind == OBSERVATION {
            &self.observations
        } else {
            &self.changes
        };
        // No receivers is normal (no browser open); nothing to do then.
        let _ = lane.send(Arc::new(event));
    }

    /// Whether any client listens to observations: publishers of per-observation events
    /// may skip building them when nobody would receive them.
    pub fn observations_watched(&self) -> bool {
        self.observations.receiver_count() > 0
    }

    /// Whether any client listens to the changes lane (everything but observations):
    /// publishers may skip serializing an event nobody would receive.
    pub fn changes_watched(&self) -> bool {
        self.changes.receiver_count() > 0
    }

    /// Both lanes: (observations, everything else).
    pub fn subscribe(
        &self,
    ) -> (
        broadcast::Receiver<Arc<Event>>,
        broadcast::Receiver<Arc<Event>>,
    ) {
        (self.observations.subscribe(), self.changes.subscribe())
    }
}

/// The live event stream for the caller, filtered by jurisdiction.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    responses((status = 200, description = "text/event-stream of events the caller may read; `resync` when it fell behind")))]
pub async fn stream(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let (observations, changes) = state.events.subscribe();
    let lane = move |receiver: broadcast::Receiver<Arc<Event>>, name: &'static str| {
        let caller = caller.clone();
        BroadcastStream::new(receiver).filter_map(move |item| match item {
            Ok(event) if caller.can_read(event.public, event.town_code.as_ref()) => {
                let data = serde_json::to_string(event.as_ref()).unwrap_or_default();
                Some(Ok(SseEvent::default()
                    .event(event.kind.clone())
                    .id(event.seq.to_string())
                    .data(data)))
            }
            Ok(_) => None,
            Err(BroadcastStreamRecvError::Lagged(missed)) => Some(Ok(SseEvent::default()
                .event("resync")
                .data(format!("{{\"missed\":{missed},\"lane\":\"{name}\"}}")))),
        })
    };
    let events = lane(changes, "changes").merge(lane(observations, "observations"));
    Sse::new(events).keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_observations_never_pushes_a_warning_out() {
        let bus = EventBus::default();
        let (mut observations, mut changes) = bus.subscribe();
        assert!(bus.observations_watched());
        for i in 0..(OBSERVATION_BUFFER * 2) {
            bus.publish(OBSERVATION, None, false, serde_json::json!({ "i": i }));
        }
        bus.publish(
            "warning",
            None,
            false,
            serde_json::json!({ "level": "red" }),
        );
        let warning = changes.try_recv().unwrap();
        assert_eq!(warning.kind, "warning");
        assert_eq!(warning.seq, OBSERVATION_BUFFER as u64 * 2 + 1);
        assert!(matches!(
            observations.try_recv(),
            Err(broadcast::error::TryRecvError::Lagged(_))
        ));
    }

    #[test]
    fn nobody_watching_observations_is_visible() {
        let bus = EventBus::default();
        assert!(!bus.observations_watched());
        let subscription = bus.subscribe();
        assert!(bus.observations_watched());
        drop(subscription);
        assert!(!bus.observations_watched());
    }
}
