//! The drill clock: scenario time runs at `speed` times real time while the drill runs and
//! stands still while it is paused. Server timestamps (a warning's raise, an order's update)
//! map back onto it, so the evaluation measures the response in scenario time.

use chrono::{DateTime, Utc};
use yingji_drill::duration::Secs;

#[derive(Debug, Clone)]
struct Segment {
    real_from: DateTime<Utc>,
    real_to: Option<DateTime<Utc>>,
    scenario_from: Secs,
}

#[derive(Debug, Clone)]
pub struct Clock {
    speed: f64,
    end: Secs,
    segments: Vec<Segment>,
}

impl Clock {
    pub fn start(speed: f64, end: Secs, now: DateTime<Utc>) -> Self {
        Self {
            speed,
            end,
            segments: vec![Segment {
                real_from: now,
                real_to: None,
                scenario_from: Secs(0),
            }],
        }
    }

    pub fn running(&self) -> bool {
        self.segments.last().is_some_and(|s| s.real_to.is_none())
    }

    pub fn pause(&mut self, now: DateTime<Utc>) {
        if let Some(last) = self.segments.last_mut().filter(|s| s.real_to.is_none()) {
            last.real_to = Some(now);
        }
    }

    pub fn resume(&mut self, now: DateTime<Utc>) {
        if !self.running() {
            let reached = self.at(now);
            self.segments.push(Segment {
                real_from: now,
                real_to: None,
                scenario_from: reached,
            });
        }
    }

    /// The scenario time at a real time (clamped to the scenario).
    pub fn at(&self, real: DateTime<Utc>) -> Secs {
        let Some(segment) = self.segments.iter().rev().find(|s| s.real_from <= real) else {
            return Secs(0);
        };
        let until = segment.real_to.map_or(real, |end| end.min(real));
        let elapsed_ms = (until - segment.real_from).num_milliseconds() as f64;
        let scenario = segment.scenario_from.0 as f64 + elapsed_ms / 1000.0 * self.speed;
        Secs((scenario as i64).clamp(0, self.end.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn the_clock_runs_at_speed_and_stands_still_while_paused() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut clock = Clock::start(60.0, Secs(12 * 3600), t0);
        assert_eq!(clock.at(t0 + Duration::seconds(10)), Secs(600));
        clock.pause(t0 + Duration::seconds(10));
        assert_eq!(clock.at(t0 + Duration::seconds(100)), Secs(600));
        clock.resume(t0 + Duration::seconds(100));
        assert_eq!(clock.at(t0 + Duration::seconds(101)), Secs(660));
        assert_eq!(
            clock.at(t0 + Duration::seconds(5)),
            Secs(300),
            "earlier times map back"
        );
        assert_eq!(
            clock.at(t0 + Duration::days(1)),
            Secs(12 * 3600),
            "clamped at the end"
        );
    }
}
