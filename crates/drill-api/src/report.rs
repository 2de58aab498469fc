//! A stored drill's after-action report: its scenario (as played) and its event log through
//! the pure evaluation, rendered as text or HTML.

use crate::records::Drill;
use chrono::{DateTime, Utc};
use yingji_drill::duration::Secs;
use yingji_drill::report::{self, ReportHeader};
use yingji_drill::{Evaluation, Scenario, ScenarioError};

/// The evaluation of a drill, from the scenario it played.
pub fn evaluation(drill: &Drill) -> Result<(Scenario, Evaluation), ScenarioError> {
    let scenario = Scenario::parse(&drill.scenario)?;
    let evacuations: Vec<_> = scenario.evacuations().collect();
    let evaluation = yingji_drill::evaluate(&drill.events, &scenario.targets, &evacuations);
    Ok((scenario, evaluation))
}

/// A UTC RFC 3339 time as shown to people: Asia/Shanghai, minutes.
pub fn local_time(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&Utc)
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_string())
}

fn header<'a>(drill: &'a Drill, scenario: &Scenario, started: &'a str) -> ReportHeader<'a> {
    ReportHeader {
        drill_id: &drill.id,
        title: &drill.title,
        speed: drill.speed,
        state: drill.state.tag(),
        started,
        duration: Secs(scenario.duration().0),
    }
}

pub fn html(drill: &Drill) -> Result<String, ScenarioError> {
    let (scenario, evaluation) = evaluation(drill)?;
    let started = local_time(&drill.started_at);
    let mut events = drill.events.clone();
    events.sort_by_key(|e| e.at);
    Ok(report::html(
        &header(drill, &scenario, &started),
        &evaluation,
        &events,
    ))
}

pub fn text(drill: &Drill) -> Result<String, ScenarioError> {
    let (scenario, evaluation) = evaluation(drill)?;
    let started = local_time(&drill.started_at);
    Ok(report::text(
        &header(drill, &scenario, &started),
        &evaluation,
    ))
}
