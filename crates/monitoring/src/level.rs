//! Warning levels and the hysteresis state machine shared by every graded rule kind.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The four warning colours of Chinese early-warning practice, in rising severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Blue,
    Yellow,
    Orange,
    Red,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Blue, Level::Yellow, Level::Orange, Level::Red];

    pub fn zh(self) -> &'static str {
        match self {
            Level::Blue => "蓝色",
            Level::Yellow => "黄色",
            Level::Orange => "橙色",
            Level::Red => "红色",
        }
    }
}

/// Which side of a threshold is dangerous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Danger when the measure rises to or above the threshold (rain, stage, gas).
    Above,
    /// Danger when the measure falls to or below the threshold (e.g. a falling level).
    Below,
}

impl Direction {
    /// `value` is at or beyond `threshold` on the dangerous side.
    pub fn reaches(self, value: f64, threshold: f64) -> bool {
        match self {
            Direction::Above => value >= threshold,
            Direction::Below => value <= threshold,
        }
    }

    /// `value` is strictly back on the safe side of `threshold`.
    pub fn clear_of(self, value: f64, threshold: f64) -> bool {
        !self.reaches(value, threshold)
    }
}

/// One level: raised when the measure reaches `raise`, released once it is clear of `release`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub level: Level,
    pub raise: f64,
    pub release: f64,
}

/// How a measure is graded into levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grading {
    pub direction: Direction,
    /// Ordered by rising level; levels may be skipped (e.g. only yellow and red).
    pub bands: Vec<Band>,
    /// A level is entered only after the measure has reached it continuously this long.
    #[serde(default)]
    pub min_duration_secs: u32,
    /// A level is left only after the measure has stayed clear of its release value this long.
    #[serde(default)]
    pub release_after_secs: u32,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GradingError {
    #[error("at least one band is required")]
    NoBands,
    #[error("band {index}: raise and release must be finite numbers")]
    NotFinite { index: usize },
    #[error("band {index}: levels must strictly rise from one band to the next")]
    LevelOrder { index: usize },
    #[error("band {index}: raise thresholds must grow in the dangerous direction")]
    ThresholdOrder { index: usize },
    #[error("band {index}: release must lie on the safe side of (or equal to) raise")]
    ReleaseSide { index: usize },
}

impl Grading {
    pub fn validate(&self) -> Result<(), GradingError> {
        if self.bands.is_empty() {
            return Err(GradingError::NoBands);
        }
        for (index, band) in self.bands.iter().enumerate() {
            if !band.raise.is_finite() || !band.release.is_finite() {
                return Err(GradingError::NotFinite { index });
            }
            if self.direction.clear_of(band.raise, band.release) {
                return Err(GradingError::ReleaseSide { index });
            }
            if index > 0 {
                let below = &self.bands[index - 1];
                if band.level <= below.level {
                    return Err(GradingError::LevelOrder { index });
                }
                if !self.direction.clear_of(below.raise, band.raise) {
                    return Err(GradingError::ThresholdOrder { index });
                }
            }
        }
        Ok(())
    }
}

/// A change of the graded level; `None` means "no warning".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: Option<Level>,
    pub to: Option<Level>,
}

/// Per-rule hysteresis state. Four slots, one per [`Level`], so no allocation per update.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tracker {
    level: Option<Level>,
    /// Since when the measure has continuously reached each level's raise threshold.
    reached_since: [Option<DateTime<Utc>>; 4],
    /// Since when the measure has been continuously clear of the current level's release.
    clear_since: Option<DateTime<Utc>>,
    /// Time of the last update: a tracker never moves backwards in time, even when a rule
    /// over several datastreams gets a value that is new for its datastream but older than
    /// what the rule has already graded.
    last_at: Option<DateTime<Utc>>,
}

impl Tracker {
    pub fn level(&self) -> Option<Level> {
        self.level
    }

    /// Feeds the measure observed at `at`; returns the level change it causes, if any.
    pub fn update(
        &mut self,
        grading: &Grading,
        measure: f64,
        at: DateTime<Utc>,
    ) -> Option<Transition> {
        self.update_with(
            grading.direction,
            &grading.bands,
            grading.min_duration_secs,
            grading.release_after_secs,
            measure,
            at,
        )
    }

    /// [`Tracker::update`] on borrowed parts, for rule kinds that build their bands on the
    /// stack (a composite is one band over a 0/1 measure).
    pub fn update_with(
        &mut self,
        direction: Direction,
        bands: &[Band],
        min_duration_secs: u32,
        release_after_secs: u32,
        measure: f64,
        at: DateTime<Utc>,
    ) -> Option<Transition> {
        if self.last_at.is_some_and(|last| at < last) {
            return None;
        }
        self.last_at = Some(at);
        let min_duration = Duration::seconds(i64::from(min_duration_secs));
        let mut eligible = None;
        for band in bands {
            let since = &mut self.reached_since[band.level as usize];
            if direction.reaches(measure, band.raise) {
                let since = *since.get_or_insert(at);
                if at - since >= min_duration {
                    eligible = Some(band.level);
                }
            } else {
                *since = None;
            }
        }
        let from = self.level;
        if eligible > from {
            return self.move_to(eligible, from);
        }
        let current = bands.iter().find(|b| Some(b.level) == from)?;
        if !direction.clear_of(measure, current.release) {
            self.clear_since = None;
            return None;
        }
        let since = *self.clear_since.get_or_insert(at);
        if at - since < Duration::seconds(i64::from(release_after_secs)) {
            return None;
        }
        // Step down to the highest lower level the measure still holds (not clear of its
        // release), or lift the warning entirely.
        let held = bands
            .iter()
            .rev()
            .filter(|b| b.level < current.level)
            .find(|b| !direction.clear_of(measure, b.release))
            .map(|b| b.level);
        self.move_to(held, from)
    }

    fn move_to(&mut self, to: Option<Level>, from: Option<Level>) -> Option<Transition> {
        self.level = to;
        self.clear_since = None;
        Some(Transition { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grading(bands: &[(Level, f64, f64)]) -> Grading {
        Grading {
            direction: Direction::Above,
            bands: bands
                .iter()
                .map(|&(level, raise, release)| Band {
                    level,
                    raise,
                    release,
                })
                .collect(),
            min_duration_secs: 0,
            release_after_secs: 0,
        }
    }

    #[test]
    fn validation_names_the_offending_band() {
        use Level::*;
        assert_eq!(grading(&[]).validate(), Err(GradingError::NoBands));
        assert_eq!(
            grading(&[(Yellow, 2.0, 1.5), (Blue, 3.0, 2.5)]).validate(),
            Err(GradingError::LevelOrder { index: 1 })
        );
        assert_eq!(
            grading(&[(Blue, 2.0, 1.5), (Red, 1.0, 0.5)]).validate(),
            Err(GradingError::ThresholdOrder { index: 1 })
        );
        assert_eq!(
            grading(&[(Blue, 2.0, 2.5)]).validate(),
            Err(GradingError::ReleaseSide { index: 0 })
        );
        assert_eq!(
            grading(&[(Blue, f64::NAN, 2.5)]).validate(),
            Err(GradingError::NotFinite { index: 0 })
        );
        assert_eq!(
            grading(&[(Blue, 2.0, 1.5), (Red, 3.0, 3.0)]).validate(),
            Ok(())
        );
    }
}
