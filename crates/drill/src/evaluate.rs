//! After-action evaluation (演练评估): the drill's event log, stamped in scenario time,
//! measured against the plan's targets.

use crate::duration::Secs;
use crate::scenario::{Evacuation, Targets};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// What happened in a drill, in the order the engine saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A scenario series reached a rule's raise value (from the plan).
    ThresholdCrossed,
    WarningRaised,
    WarningAcknowledged,
    ReportFiled,
    IncidentOpened,
    /// An order was sent to a team (the dispatch).
    TeamDispatched,
    TeamOnScene,
    RoadClosed,
    TeamChanged,
    SensorSilenced,
    /// The latest cumulative "relocated" figure of an incident the drill opened (`value`).
    Relocated,
}

impl EventKind {
    pub const ALL: [EventKind; 11] = [
        Self::ThresholdCrossed,
        Self::WarningRaised,
        Self::WarningAcknowledged,
        Self::ReportFiled,
        Self::IncidentOpened,
        Self::TeamDispatched,
        Self::TeamOnScene,
        Self::RoadClosed,
        Self::TeamChanged,
        Self::SensorSilenced,
        Self::Relocated,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::ThresholdCrossed => "越限 threshold crossed",
            Self::WarningRaised => "预警 warning",
            Self::WarningAcknowledged => "确认 acknowledged",
            Self::ReportFiled => "灾情直报 report",
            Self::IncidentOpened => "事件 incident",
            Self::TeamDispatched => "派遣 dispatch",
            Self::TeamOnScene => "到达 on scene",
            Self::RoadClosed => "道路中断 road cut",
            Self::TeamChanged => "队伍状态 team status",
            Self::SensorSilenced => "设备故障 sensor silent",
            Self::Relocated => "转移 relocated",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrillEvent {
    #[serde(with = "crate::duration::as_seconds")]
    pub at: Secs,
    pub kind: EventKind,
    /// The thing it is about: a datastream, warning, incident, order or team id.
    pub subject: String,
    #[serde(default)]
    pub town_code: Option<String>,
    #[serde(default)]
    pub detail: String,
    /// The incident of a report or an order; the datastream a warning is about.
    #[serde(default)]
    pub related: Option<String>,
    #[serde(default)]
    pub value: Option<f64>,
}

/// One measured figure and how it compares with its target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    pub key: &'static str,
    pub name: &'static str,
    /// Minutes for durations, a share (0–1) for coverage, a count for teams.
    pub value: Option<f64>,
    pub unit: &'static str,
    pub target: Option<f64>,
    /// Whether the value meets the target; `None` without a value or a target.
    pub met: Option<bool>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub metrics: Vec<Metric>,
    pub warnings: usize,
    pub incidents: usize,
    pub teams_used: Vec<String>,
}

impl Evaluation {
    pub fn metric(&self, key: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.key == key)
    }
}

/// Escalation deadline of the monitoring module's default (an unacknowledged warning
/// escalates after 15 minutes): the reference for acknowledgement.
pub const ACK_TARGET_MINUTES: f64 = 15.0;

/// Measures the log. `town_population` gives, per town, the affected people (the
/// evacuation villages' people); a town counts as warned once any warning there was raised.
pub fn evaluate(
    events: &[DrillEvent],
    targets: &Targets,
    evacuations: &[&Evacuation],
) -> Evaluation {
    let minutes = |from: Secs, to: Secs| (to.0 - from.0) as f64 / 60.0;
    let mut metrics = Vec::new();

    // The first crossing, to the first warning about the same datastream (warnings of other
    // kinds, such as a hazard point's rainfall threshold, may come earlier or later).
    let crossing_to_warning = events
        .iter()
        .filter(|e| e.kind == EventKind::ThresholdCrossed)
        .min_by_key(|e| e.at)
        .and_then(|crossing| {
            events
                .iter()
                .filter(|e| e.kind == EventKind::WarningRaised)
                .filter(|e| e.related.as_deref() == Some(crossing.subject.as_str()))
                .map(|e| e.at)
                .min()
                .map(|warned| minutes(crossing.at, warned))
        });
    metrics.push(metric(
        "threshold_to_warning",
        "越限至预警 first threshold crossing → its warning",
        crossing_to_warning,
        "min",
        None,
        "first series to reach a rule in force, to the warning raised on that series".into(),
    ));

    let raised: HashMap<&str, Secs> = events
        .iter()
        .filter(|e| e.kind == EventKind::WarningRaised)
        .map(|e| (e.subject.as_str(), e.at))
        .collect();
    let acks: Vec<f64> = events
        .iter()
        .filter(|e| e.kind == EventKind::WarningAcknowledged)
        .filter_map(|e| raised.get(e.subject.as_str()).map(|r| minutes(*r, e.at)))
        .collect();
    let worst_ack = acks.iter().copied().reduce(f64::max);
    metrics.push(metric(
        "warning_to_ack",
        "预警至确认 warning → acknowledgement (slowest)",
        worst_ack,
        "min",
        Some(ACK_TARGET_MINUTES),
        format!("{} of {} warnings acknowledged", acks.len(), raised.len()),
    ));

    let opened: HashMap<&str, Secs> = events
        .iter()
        .filter(|e| e.kind == EventKind::IncidentOpened)
        .map(|e| (e.subject.as_str(), e.at))
        .collect();
    let mut first_dispatch: HashMap<&str, Secs> = HashMap::new();
    let mut dispatched_at: HashMap<&str, Secs> = HashMap::new();
    for e in events
        .iter()
        .filter(|e| e.kind == EventKind::TeamDispatched)
    {
        dispatched_at.insert(e.subject.as_str(), e.at);
        if let Some(incident) = e.related.as_deref() {
            let slot = first_dispatch.entry(incident).or_insert(e.at);
            *slot = (*slot).min(e.at);
        }
    }
    let to_dispatch = opened
        .iter()
        .filter_map(|(id, at)| first_dispatch.get(id).map(|d| minutes(*at, *d)))
        .reduce(f64::max);
    metrics.push(metric(
        "incident_to_dispatch",
        "立案至派遣 incident opened → first dispatch (slowest incident)",
        to_dispatch,
        "min",
        None,
        format!(
            "{} of {} incidents got a team",
            first_dispatch.len(),
            opened.len()
        ),
    ));

    let on_scene: Vec<(&DrillEvent, f64)> = events
        .iter()
        .filter(|e| e.kind == EventKind::TeamOnScene)
        .filter_map(|e| {
            dispatched_at
                .get(e.subject.as_str())
                .map(|d| (e, minutes(*d, e.at)))
        })
        .collect();
    let travel = on_scene.iter().map(|(_, m)| *m).reduce(f64::max);
    metrics.push(metric(
        "dispatch_to_on_scene",
        "派遣至到达 dispatch → on scene (slowest team)",
        travel,
        "min",
        Some(targets.aerial_hours * 60.0),
        "against the plan's 2-hour reach (航空救援 2 小时到达), applied to road teams".into(),
    ));

    let relief = opened
        .iter()
        .filter_map(|(id, at)| {
            on_scene
                .iter()
                .filter(|(e, _)| e.related.as_deref() == Some(id))
                .map(|(e, _)| minutes(*at, e.at))
                .reduce(f64::min)
        })
        .reduce(f64::max);
    metrics.push(metric(
        "incident_to_relief",
        "立案至救援到位 incident opened → first team on scene (slowest incident)",
        relief,
        "min",
        Some(targets.relief_hours * 60.0),
        "the plan's relief within 10 hours (10 小时内救助到位)".into(),
    ));

    let mut affected: HashMap<&str, i64> = HashMap::new();
    for e in evacuations {
        *affected.entry(e.town_code()).or_default() += e.people;
    }
    let warned_towns: BTreeSet<&str> = events
        .iter()
        .filter(|e| e.kind == EventKind::WarningRaised)
        .filter_map(|e| e.town_code.as_deref())
        .collect();
    let total: i64 = affected.values().sum();
    let warned: i64 = affected
        .iter()
        .filter(|(town, _)| warned_towns.contains(*town))
        .map(|(_, n)| n)
        .sum();
    let coverage = (total > 0).then(|| warned as f64 / total as f64);
    metrics.push(metric(
        "warning_coverage",
        "预警覆盖率 share of the affected population warned",
        coverage,
        "share",
        Some(targets.warning_coverage),
        format!("{warned} of {total} people live in towns that got a warning"),
    ));

    let relocated: f64 = {
        let mut latest: HashMap<&str, f64> = HashMap::new();
        for e in events.iter().filter(|e| e.kind == EventKind::Relocated) {
            latest.insert(e.subject.as_str(), e.value.unwrap_or(0.0));
        }
        // Folded from +0.0: an empty f64 sum is -0.0, which would print as "-0.0%".
        latest.values().fold(0.0, |a, b| a + b)
    };
    let completeness = (total > 0).then(|| (relocated / total as f64).min(1.0));
    metrics.push(metric(
        "evacuation_completeness",
        "转移完成率 evacuation completeness",
        completeness,
        "share",
        Some(1.0),
        format!("{relocated:.0} relocated (reported) of {total} to move"),
    ));

    let teams_used: BTreeSet<String> = events
        .iter()
        .filter(|e| e.kind == EventKind::TeamDispatched)
        .filter_map(|e| e.detail.split_whitespace().next().map(str::to_string))
        .collect();
    metrics.push(metric(
        "teams_used",
        "出动队伍 teams used",
        Some(teams_used.len() as f64),
        "teams",
        None,
        teams_used.iter().cloned().collect::<Vec<_>>().join(", "),
    ));

    Evaluation {
        metrics,
        warnings: raised.len(),
        incidents: opened.len(),
        teams_used: teams_used.into_iter().collect(),
    }
}

fn metric(
    key: &'static str,
    name: &'static str,
    value: Option<f64>,
    unit: &'static str,
    target: Option<f64>,
    note: String,
) -> Metric {
    // Durations meet a target by staying under it; shares by reaching it.
    let met = value.zip(target).map(|(v, t)| match unit {
        "min" => v <= t,
        _ => v >= t - 1e-9,
    });
    Metric {
        key,
        name,
        value,
        unit,
        target,
        met,
        note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at_min: i64, kind: EventKind, subject: &str) -> DrillEvent {
        DrillEvent {
            at: Secs(at_min * 60),
            kind,
            subject: subject.into(),
            town_code: None,
            detail: String::new(),
            related: None,
            value: None,
        }
    }

    #[test]
    fn the_log_is_measured_against_the_targets() {
        let mut warning = event(40, EventKind::WarningRaised, "w1");
        warning.town_code = Some("120119104".into());
        warning.related = Some("ds".into());
        // Earlier, but about another subject: not the crossing's warning.
        let mut landslide = event(20, EventKind::WarningRaised, "w0");
        landslide.related = None;
        let mut dispatch = event(200, EventKind::TeamDispatched, "o1");
        dispatch.related = Some("i1".into());
        dispatch.detail = "team-029 地质灾害应急救援队".into();
        let mut on_scene = event(350, EventKind::TeamOnScene, "o1");
        on_scene.related = Some("i1".into());
        let mut relocated = event(400, EventKind::Relocated, "i1");
        relocated.value = Some(150.0);
        let events = vec![
            event(30, EventKind::ThresholdCrossed, "ds"),
            landslide,
            warning,
            event(50, EventKind::WarningAcknowledged, "w1"),
            event(180, EventKind::IncidentOpened, "i1"),
            dispatch,
            on_scene,
            relocated,
        ];
        let evacuations = [
            Evacuation {
                village: "120119104212".into(),
                people: 200,
                shelter: "s".into(),
                by: Secs(0),
            },
            Evacuation {
                village: "120119112219".into(),
                people: 50,
                shelter: "s".into(),
                by: Secs(0),
            },
        ];
        let refs: Vec<&Evacuation> = evacuations.iter().collect();
        let e = evaluate(&events, &Targets::default(), &refs);
        let value = |k: &str| e.metric(k).unwrap().value.unwrap();
        assert_eq!(value("threshold_to_warning"), 10.0);
        assert_eq!(value("warning_to_ack"), 10.0);
        assert_eq!(e.metric("warning_to_ack").unwrap().met, Some(true));
        assert_eq!(value("incident_to_dispatch"), 20.0);
        assert_eq!(value("dispatch_to_on_scene"), 150.0);
        assert_eq!(
            e.metric("dispatch_to_on_scene").unwrap().met,
            Some(false),
            "over two hours"
        );
        assert_eq!(value("incident_to_relief"), 170.0);
        assert_eq!(e.metric("incident_to_relief").unwrap().met, Some(true));
        assert_eq!(value("warning_coverage"), 0.8, "罗庄子镇 got no warning");
        assert_eq!(e.metric("warning_coverage").unwrap().met, Some(false));
        assert_eq!(value("evacuation_completeness"), 0.6);
        assert_eq!(e.teams_used, vec!["team-029".to_string()]);
    }

    #[test]
    fn a_stored_log_reads_back() {
        let e = event(90, EventKind::TeamOnScene, "o1");
        let text = serde_json::to_string(&[&e]).unwrap();
        assert!(text.contains(r#""at":5400"#), "{text}");
        let back: Vec<DrillEvent> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, vec![e]);
    }

    #[test]
    fn an_empty_log_has_no_values_and_meets_nothing() {
        let e = evaluate(&[], &Targets::default(), &[]);
        assert!(e
            .metrics
            .iter()
            .filter(|m| m.key != "teams_used")
            .all(|m| m.value.is_none() && m.met.is_none()));
    }
}
