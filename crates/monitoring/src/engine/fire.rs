//! The fire-weather rule: one FWI System day per station, computed at local noon.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::signal::{Event, FaultKind};
use super::state::{transition_event, Delivery, Events};
use crate::fwi::{daily, DayContext, FwiCodes, FwiIndices, NoonWeather};
use crate::level::{Level, Tracker};
use crate::rule::Condition;
use crate::window::RollingSum;

/// A noon input counts if observed within this long of local noon.
const NOON_TOLERANCE: Duration = Duration::hours(1);
const RAIN_WINDOW_SECS: u32 = 24 * 3600;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FireWeatherState {
    tracker: Tracker,
    codes: FwiCodes,
    last_day: Option<NaiveDate>,
    /// Latest temperature, humidity, wind: (time, value).
    latest: [Option<(DateTime<Utc>, f64)>; 3],
    rain: RollingSum,
    indices: Option<FwiIndices>,
    incomplete: bool,
}

impl FireWeatherState {
    pub fn new(start: FwiCodes) -> Self {
        FireWeatherState {
            tracker: Tracker::default(),
            codes: start,
            last_day: None,
            latest: [None; 3],
            rain: RollingSum::new(RAIN_WINDOW_SECS),
            indices: None,
            incomplete: false,
        }
    }

    pub fn same_shape(&self, other: &Self) -> bool {
        self.rain.same_shape(&other.rain)
    }

    pub fn indices(&self) -> Option<FwiIndices> {
        self.indices
    }

    pub fn open(&self) -> (Option<Level>, Option<FaultKind>) {
        (
            self.tracker.level(),
            self.incomplete.then_some(FaultKind::IncompleteFireWeather),
        )
    }

    pub fn observe(&mut self, condition: &Condition, input: Delivery) {
        let Condition::FireWeather {
            temperature,
            humidity,
            wind,
            rain,
            ..
        } = condition
        else {
            return;
        };
        let obs = input.obs;
        let (at, value) = (obs.phenomenon_time(), obs.result());
        for (slot, stream) in self.latest.iter_mut().zip([temperature, humidity, wind]) {
            if *stream == obs.datastream() && slot.is_none_or(|(seen, _)| at > seen) {
                *slot = Some((at, value));
            }
        }
        if *rain == obs.datastream() {
            self.rain.add(at, value);
        }
    }

    pub fn tick(&mut self, condition: &Condition, now: DateTime<Utc>, emit: Events) {
        let Condition::FireWeather {
            latitude,
            utc_offset_minutes,
            grading,
            ..
        } = condition
        else {
            return;
        };
        let offset = Duration::minutes(i64::from(*utc_offset_minutes));
        let local = (now + offset).naive_utc();
        let today = local.date();
        if local.time() < NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default()
            || self.last_day.is_some_and(|done| done >= today)
        {
            return;
        }
        self.last_day = Some(today);
        let noon = today
            .and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default())
            .and_utc()
            - offset;
        let near_noon = |slot: Option<(DateTime<Utc>, f64)>| {
            slot.filter(|(t, _)| (*t - noon).abs() <= NOON_TOLERANCE)
                .map(|(_, v)| v)
        };
        self.rain.advance(now);
        let inputs = match (
            near_noon(self.latest[0]),
            near_noon(self.latest[1]),
            near_noon(self.latest[2]),
        ) {
            (Some(t), Some(h), Some(w)) => {
                NoonWeather::new(t, h, w, self.rain.total().max(0.0)).ok()
            }
            _ => None,
        };
        let day = DayContext::new(*latitude, today.month() as u8).ok();
        let (Some(weather), Some(day)) = (inputs, day) else {
            // The codes carry over unchanged; the gap is reported as a fault.
            if !self.incomplete {
                self.incomplete = true;
                emit(
                    now,
                    Event::FaultRaised {
                        fault: FaultKind::IncompleteFireWeather,
                        value: None,
                    },
                );
            }
            return;
        };
        if self.incomplete {
            self.incomplete = false;
            emit(
                now,
                Event::FaultCleared {
                    fault: FaultKind::IncompleteFireWeather,
                },
            );
        }
        let indices = daily(self.codes, &weather, day);
        self.codes = indices.codes();
        self.indices = Some(indices);
        if let Some(event) = self
            .tracker
            .update(grading, indices.fwi, now)
            .and_then(|t| transition_event(t, indices.fwi))
        {
            emit(now, event);
        }
    }
}
