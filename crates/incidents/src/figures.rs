//! Casualty and damage figures (灾情数据), kept per report.
//!
//! Information officers report *cumulative* figures: each report states the count as now
//! known. A count that goes down is almost always a typo, so it is refused unless the
//! report says it is a correction (a missing person found, a double count removed).

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// One figure a field report may carry.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    Deaths,
    Injured,
    Missing,
    Affected,
    Relocated,
    HousesCollapsed,
    HousesDamaged,
    RoadsInterrupted,
    PowerInterrupted,
    CommunicationInterrupted,
}

impl Figure {
    pub const ALL: [Figure; 10] = [
        Self::Deaths,
        Self::Injured,
        Self::Missing,
        Self::Affected,
        Self::Relocated,
        Self::HousesCollapsed,
        Self::HousesDamaged,
        Self::RoadsInterrupted,
        Self::PowerInterrupted,
        Self::CommunicationInterrupted,
    ];

    pub fn tag(self) -> &'static str {
        match self {
            Self::Deaths => "deaths",
            Self::Injured => "injured",
            Self::Missing => "missing",
            Self::Affected => "affected",
            Self::Relocated => "relocated",
            Self::HousesCollapsed => "houses_collapsed",
            Self::HousesDamaged => "houses_damaged",
            Self::RoadsInterrupted => "roads_interrupted",
            Self::PowerInterrupted => "power_interrupted",
            Self::CommunicationInterrupted => "communication_interrupted",
        }
    }

    /// The name as a situation report prints it, with its unit.
    pub fn name_zh(self) -> (&'static str, &'static str) {
        match self {
            Self::Deaths => ("死亡", "人"),
            Self::Injured => ("受伤", "人"),
            Self::Missing => ("失踪", "人"),
            Self::Affected => ("受灾", "人"),
            Self::Relocated => ("紧急转移安置", "人"),
            Self::HousesCollapsed => ("倒塌房屋", "间"),
            Self::HousesDamaged => ("损坏房屋", "间"),
            Self::RoadsInterrupted => ("道路中断", "处"),
            Self::PowerInterrupted => ("电力中断", "处"),
            Self::CommunicationInterrupted => ("通信中断", "处"),
        }
    }

    pub fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.tag() == tag)
    }
}

/// Why a report's figures were refused; `figure` names the offending one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FigureError {
    #[error("unknown figure {tag:?}")]
    Unknown { tag: String },
    #[error("{} must be a whole number ≥ 0, got {value}", figure.tag())]
    Negative { figure: Figure, value: i64 },
    #[error("{} must be a whole number, got {raw}", figure.tag())]
    NotWholeNumber { figure: Figure, raw: String },
    #[error(
        "{} decreases from {previous} (report {report_id}) to {reported}; send \"correction\": true if this corrects an earlier figure",
        figure.tag()
    )]
    Decrease {
        figure: Figure,
        previous: i64,
        reported: i64,
        report_id: String,
    },
}

impl FigureError {
    /// The field a client should fix, e.g. `figures.deaths`.
    pub fn field(&self) -> String {
        match self {
            Self::Unknown { tag } => format!("figures.{tag}"),
            Self::Negative { figure, .. }
            | Self::NotWholeNumber { figure, .. }
            | Self::Decrease { figure, .. } => {
                format!("figures.{}", figure.tag())
            }
        }
    }
}

/// The figures one report states; a figure it does not mention is unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReportedFigures(pub BTreeMap<Figure, i64>);

impl ReportedFigures {
    /// Reads `{"deaths": 1, …}`: every key must be a known figure and every value ≥ 0.
    pub fn parse(raw: &serde_json::Map<String, serde_json::Value>) -> Result<Self, FigureError> {
        let mut figures = BTreeMap::new();
        for (tag, value) in raw {
            let figure =
                Figure::from_tag(tag).ok_or_else(|| FigureError::Unknown { tag: tag.clone() })?;
            let value = value.as_i64().ok_or_else(|| FigureError::NotWholeNumber {
                figure,
                raw: value.to_string(),
            })?;
            if value < 0 {
                return Err(FigureError::Negative { figure, value });
            }
            figures.insert(figure, value);
        }
        Ok(Self(figures))
    }
}

/// The current value of one figure and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TallyEntry {
    pub value: i64,
    /// Change against the value before the report that set it.
    pub change: i64,
    pub report_id: String,
    pub reported_at: DateTime<Utc>,
}

/// An incident's figures: the latest cumulative value of each, with provenance.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tally(pub BTreeMap<Figure, TallyEntry>);

impl Tally {
    /// The tally after one more report, or why the report's figures are refused (and then
    /// nothing changes). A figure equal to the current value keeps its provenance: the
    /// report confirms it rather than changes it.
    pub fn apply(
        &self,
        report_id: &str,
        reported_at: DateTime<Utc>,
        reported: &ReportedFigures,
        correction: bool,
    ) -> Result<Tally, FigureError> {
        let mut next = self.clone();
        for (&figure, &value) in &reported.0 {
            if value < 0 {
                return Err(FigureError::Negative { figure, value });
            }
            let previous = self.0.get(&figure);
            let before = previous.map_or(0, |e| e.value);
            if let Some(previous) = previous {
                if value < previous.value && !correction {
                    return Err(FigureError::Decrease {
                        figure,
                        previous: previous.value,
                        reported: value,
                        report_id: previous.report_id.clone(),
                    });
                }
                if value == previous.value {
                    continue;
                }
            }
            next.0.insert(
                figure,
                TallyEntry {
                    value,
                    change: value - before,
                    report_id: report_id.to_string(),
                    reported_at,
                },
            );
        }
        Ok(next)
    }

    /// Replays reports in the order they were filed.
    pub fn replay<'a>(
        reports: impl IntoIterator<Item = (&'a str, DateTime<Utc>, &'a ReportedFigures, bool)>,
    ) -> Result<Tally, FigureError> {
        reports
            .into_iter()
            .try_fold(Tally::default(), |tally, (id, at, figures, correction)| {
                tally.apply(id, at, figures, correction)
            })
    }

    pub fn value(&self, figure: Figure) -> i64 {
        self.0.get(&figure).map_or(0, |e| e.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2026-07-30T08:{minute:02}:00Z"))
            .unwrap()
            .with_timezone(&Utc)
    }

    fn figures(pairs: &[(Figure, i64)]) -> ReportedFigures {
        ReportedFigures(pairs.iter().copied().collect())
    }

    #[test]
    fn each_figure_names_the_report_it_came_from_and_its_change() {
        let first = Tally::default()
            .apply(
                "r1",
                at(0),
                &figures(&[(Figure::Injured, 2), (Figure::Missing, 3)]),
                false,
            )
            .unwrap();
        let second = first
            .apply(
                "r2",
                at(10),
                &figures(&[(Figure::Injured, 5), (Figure::Missing, 3)]),
                false,
            )
            .unwrap();
        let injured = &second.0[&Figure::Injured];
        assert_eq!(
            (injured.value, injured.change, injured.report_id.as_str()),
            (5, 3, "r2")
        );
        // Restating the same value confirms it; the figure still comes from the first report.
        let missing = &second.0[&Figure::Missing];
        assert_eq!(
            (missing.value, missing.change, missing.report_id.as_str()),
            (3, 3, "r1")
        );
        assert_eq!(second.value(Figure::Deaths), 0);
    }

    #[test]
    fn a_decrease_needs_a_correction_and_names_the_figure() {
        let tally = Tally::default()
            .apply("r1", at(0), &figures(&[(Figure::Missing, 4)]), false)
            .unwrap();
        let err = tally
            .apply("r2", at(5), &figures(&[(Figure::Missing, 1)]), false)
            .unwrap_err();
        assert_eq!(err.field(), "figures.missing");
        assert!(err.to_string().contains("r1"), "{err}");
        let corrected = tally
            .apply("r2", at(5), &figures(&[(Figure::Missing, 1)]), true)
            .unwrap();
        assert_eq!(corrected.0[&Figure::Missing].change, -3);
        assert_eq!(corrected.0[&Figure::Missing].report_id, "r2");
    }

    #[test]
    fn negative_and_unknown_figures_are_refused_by_name() {
        let mut raw = serde_json::Map::new();
        raw.insert("deaths".into(), serde_json::json!(-1));
        assert_eq!(
            ReportedFigures::parse(&raw).unwrap_err().field(),
            "figures.deaths"
        );
        let mut raw = serde_json::Map::new();
        raw.insert("cows".into(), serde_json::json!(3));
        assert_eq!(
            ReportedFigures::parse(&raw).unwrap_err().field(),
            "figures.cows"
        );
        let mut raw = serde_json::Map::new();
        raw.insert("injured".into(), serde_json::json!(1.5));
        assert!(ReportedFigures::parse(&raw).is_err());
    }

    #[test]
    fn replay_equals_applying_in_order() {
        let a = figures(&[(Figure::Affected, 100)]);
        let b = figures(&[(Figure::Affected, 250), (Figure::Relocated, 80)]);
        let replayed = Tally::replay([("r1", at(0), &a, false), ("r2", at(1), &b, false)]).unwrap();
        assert_eq!(replayed.value(Figure::Affected), 250);
        assert_eq!(replayed.0[&Figure::Affected].change, 150);
        assert_eq!(replayed.0[&Figure::Relocated].report_id, "r2");
    }
}
