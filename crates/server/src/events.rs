//! Live events to browsers: one in-process bus, fanned out over Server-Sent Events at
//! `/api/v1/events`, each client seeing only what its jurisdiction may read.
//!
//! A client that falls behind the bus (its buffer overflowed) gets a `resync` event and
//! should reload its state; nothing else is dropped silently. Several nodes share events
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
    sender: broadcast::Sender<Arc<Event>>,
    seq: Arc<AtomicU64>,
}

/// How many events a slow client may lag before it is told to resync.
const BUFFER: usize = 8_192;

impl Default for EventBus {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(BUFFER);
        Self {
            sender,
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
        // No receivers is normal (no browser open); nothing to do then.
        let _ = self.sender.send(Arc::new(event));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }
}

/// The live event stream for the caller, filtered by jurisdiction.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    responses((status = 200, description = "text/event-stream of events the caller may read; `resync` when it fell behind")))]
pub async fn stream(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let events =
        BroadcastStream::new(state.events.subscribe()).filter_map(move |item| match item {
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
                .data(format!("{{\"missed\":{missed}}}")))),
        });
    Sse::new(events).keep_alive(KeepAlive::default())
}
