//! Incremental rolling sums over a time window, in fixed-width buckets.
//!
//! Written by hand because the job is tiny and specific: O(1) amortised per added value, no
//! allocation after construction, memory fixed by the window (never by the data rate), and
//! late values accepted into whichever bucket they belong to while it is still in the window.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// At most this many buckets per window: 1 h → 1-minute buckets, 24 h → 12-minute buckets.
const MAX_BUCKETS: i64 = 120;
/// Buckets are never finer than the typical reporting interval of a gauge.
const MIN_BUCKET_SECS: i64 = 60;

/// Sum of the values whose timestamps fall in the last `window` (bucket resolution: a value
/// leaves the sum between `window` and `window + bucket width` after its timestamp).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollingSum {
    bucket_secs: i64,
    slots: Vec<f64>,
    /// Bucket number (epoch seconds / bucket width) of the newest bucket.
    head: Option<i64>,
    total: f64,
}

impl RollingSum {
    /// `window_secs` must be positive (rule validation guarantees it).
    pub fn new(window_secs: u32) -> Self {
        let window = i64::from(window_secs.max(1));
        let bucket_secs = (window + MAX_BUCKETS - 1) / MAX_BUCKETS;
        let bucket_secs = bucket_secs.max(MIN_BUCKET_SECS).min(window);
        let buckets = (window + bucket_secs - 1) / bucket_secs;
        RollingSum {
            bucket_secs,
            slots: vec![0.0; buckets as usize],
            head: None,
            total: 0.0,
        }
    }

    /// Same bucket width and count (a restored ring must match its rule's window).
    pub fn same_shape(&self, other: &Self) -> bool {
        self.bucket_secs == other.bucket_secs && self.slots.len() == other.slots.len()
    }

    pub fn total(&self) -> f64 {
        self.total
    }

    fn bucket_of(&self, at: DateTime<Utc>) -> i64 {
        at.timestamp().div_euclid(self.bucket_secs)
    }

    fn slot(&self, bucket: i64) -> usize {
        bucket.rem_euclid(self.slots.len() as i64) as usize
    }

    /// Whether a value at `at` would still count (late values older than the window do not).
    pub fn covers(&self, at: DateTime<Utc>) -> bool {
        let bucket = self.bucket_of(at);
        self.head
            .is_none_or(|head| bucket > head - self.slots.len() as i64)
    }

    /// Moves the window's end forward to `at`, dropping buckets that fall out.
    pub fn advance(&mut self, at: DateTime<Utc>) {
        let bucket = self.bucket_of(at);
        let Some(head) = self.head else {
            self.head = Some(bucket);
            return;
        };
        if bucket <= head {
            return;
        }
        let steps = bucket - head;
        if steps >= self.slots.len() as i64 {
            self.slots.fill(0.0);
            self.total = 0.0;
        } else {
            for b in head + 1..=bucket {
                let slot = self.slot(b);
                self.total -= std::mem::take(&mut self.slots[slot]);
            }
            // Re-add from scratch once per full turn so rounding never accumulates.
            if bucket.div_euclid(self.slots.len() as i64)
                != head.div_euclid(self.slots.len() as i64)
            {
                self.total = self.slots.iter().sum();
            }
        }
        self.head = Some(bucket);
    }

    /// Adds `value` observed at `at`; returns false (and changes nothing) when `at` is older
    /// than the window.
    pub fn add(&mut self, at: DateTime<Utc>, value: f64) -> bool {
        if !self.covers(at) {
            return false;
        }
        self.advance(at);
        let slot = self.slot(self.bucket_of(at));
        self.slots[slot] += value;
        self.total += value;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2023, 7, 30, 0, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
    }

    #[test]
    fn sums_values_inside_the_window_and_drops_them_after_it() {
        let mut hour = RollingSum::new(3600);
        for m in 0..60 {
            assert!(hour.add(t(m), 1.0));
        }
        assert_eq!(hour.total(), 60.0);
        hour.add(t(60), 0.5);
        assert_eq!(hour.total(), 59.5, "minute 0 left, minute 60 entered");
        hour.advance(t(60 + 180));
        assert_eq!(hour.total(), 0.0);
    }

    #[test]
    fn late_values_count_only_while_their_bucket_is_in_the_window() {
        let mut hour = RollingSum::new(3600);
        hour.add(t(100), 2.0);
        assert!(hour.add(t(70), 3.0), "30 minutes late: still inside");
        assert_eq!(hour.total(), 5.0);
        assert!(!hour.add(t(20), 7.0), "80 minutes late: outside");
        assert_eq!(hour.total(), 5.0);
    }

    #[test]
    fn memory_is_fixed_by_the_window_not_by_the_data() {
        assert_eq!(RollingSum::new(3600).slots.len(), 60);
        assert_eq!(RollingSum::new(24 * 3600).slots.len(), 120);
        let mut day = RollingSum::new(24 * 3600);
        for m in 0..7 * 24 * 60 {
            day.add(t(m), 0.1);
        }
        assert_eq!(day.slots.len(), 120);
        assert!((day.total() - 144.0).abs() < 1e-6, "{}", day.total());
    }
}
