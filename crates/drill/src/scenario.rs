//! A drill scenario as written in its TOML file, checked as a whole: a file with any problem
//! is refused with the line, the column and the reason, and nothing of it is played.

use crate::duration::Secs;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use toml::Spanned;

/// The scenarios shipped with yingji (data/scenarios), by id.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "july-rainstorm",
        include_str!("../../../data/scenarios/july-rainstorm.toml"),
    ),
    (
        "gas-leak",
        include_str!("../../../data/scenarios/gas-leak.toml"),
    ),
];

/// The text of a shipped scenario.
pub fn builtin(id: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(name, _)| *name == id)
        .map(|(_, t)| *t)
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}, column {column}: {reason}")]
pub struct ScenarioError {
    pub line: usize,
    pub column: usize,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub scenario: Header,
    #[serde(default)]
    pub targets: Targets,
    #[serde(default)]
    pub responder: Responder,
    #[serde(default)]
    pub storm: Vec<Spanned<Storm>>,
    #[serde(default)]
    pub river: Vec<Spanned<River>>,
    #[serde(default)]
    pub reservoir: Vec<Spanned<Reservoir>>,
    #[serde(default)]
    pub gas: Vec<Spanned<GasRelease>>,
    #[serde(default)]
    pub report: Vec<Spanned<FieldReport>>,
    #[serde(default)]
    pub team: Vec<Spanned<TeamChange>>,
    #[serde(default)]
    pub fault: Vec<Spanned<Fault>>,
    #[serde(default)]
    pub closure: Vec<Spanned<Closure>>,
    #[serde(default)]
    pub evacuation: Vec<Spanned<Evacuation>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Short name, `[a-z0-9-]`.
    pub id: String,
    pub title: String,
    pub title_en: String,
    #[serde(default)]
    pub description: String,
    /// The scenario's nominal start as shown in reports (local time), e.g. `2026-07-20 06:00`.
    #[serde(default)]
    pub nominal_start: String,
    pub duration: Secs,
    /// How often each sensor of the scenario reports.
    pub report_every: Secs,
    /// Scenarios are synthetic by definition; the flag must say so.
    pub synthetic: bool,
}

/// The plan's targets the response is judged against (蓟州区应急体系规划 2021–2025).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// Relief reaches the affected within this many hours (救助 10 小时内到位).
    pub relief_hours: f64,
    /// Aerial rescue reaches any point within this many hours (航空救援 2 小时到达).
    pub aerial_hours: f64,
    /// Share of the affected population a warning reaches (预警信息覆盖率 95%).
    pub warning_coverage: f64,
}

impl Default for Targets {
    fn default() -> Self {
        Self {
            relief_hours: 10.0,
            aerial_hours: 2.0,
            warning_coverage: 0.95,
        }
    }
}

/// The simulated responders a headless or demo run uses in place of people: they
/// acknowledge warnings, dispatch the best-ranked teams and report arrival.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Responder {
    pub acknowledge_after: Secs,
    pub dispatch_after: Secs,
    /// One team of each type is dispatched to each incident.
    pub team_types: Vec<String>,
}

impl Default for Responder {
    fn default() -> Self {
        Self {
            acknowledge_after: Secs(15 * 60),
            dispatch_after: Secs(20 * 60),
            team_types: vec!["professional".into()],
        }
    }
}

/// A rain cell moving in a straight line; the rate falls off with distance from its centre
/// as a Gaussian of `radius_km`, and rises and falls over its life.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Storm {
    pub name: String,
    pub start: Secs,
    pub end: Secs,
    /// Where the centre is at `start` and at `end`, `[lon, lat]`.
    pub from: [f64; 2],
    pub to: [f64; 2],
    pub radius_km: f64,
    pub peak_mm_per_h: f64,
}

/// A river stage gauge answering the mean rain of its upstream gauges after a lag, as a
/// linear reservoir draining over `recession`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct River {
    pub sensor: String,
    pub base_m: f64,
    /// Metres of stage per mm of mean upstream rain held in the channel.
    pub gain_m_per_mm: f64,
    pub lag: Secs,
    pub recession: Secs,
    pub upstream: Vec<String>,
}

/// A reservoir level: inflow from upstream rain after a lag, minus a steady release.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Reservoir {
    pub sensor: String,
    pub start_m: f64,
    pub rise_m_per_mm: f64,
    pub lag: Secs,
    pub release_m_per_h: f64,
    pub upstream: Vec<String>,
}

/// A gas detector's reading: background, rising linearly to `peak` at `peak_at`, then
/// decaying back by `end`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GasRelease {
    pub sensor: String,
    pub start: Secs,
    pub peak_at: Secs,
    pub end: Secs,
    pub peak: f64,
    #[serde(default)]
    pub background: f64,
}

/// A field report (灾情直报) from an information officer.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FieldReport {
    /// Name inside the scenario, so later reports can join its incident.
    pub id: String,
    pub at: Secs,
    /// Incident type (flood, geological_hazard, hazardous_chemicals, …) when it opens one.
    #[serde(default)]
    pub r#type: Option<String>,
    #[serde(default)]
    pub severity: Option<String>,
    pub location: [f64; 2],
    #[serde(default)]
    pub title: Option<String>,
    pub text: String,
    #[serde(default)]
    pub figures: BTreeMap<String, i64>,
    /// Joins the incident the named earlier report opened, instead of opening one.
    #[serde(default)]
    pub incident_of: Option<String>,
}

/// A team's availability changes (it is called away, comes back).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TeamChange {
    pub at: Secs,
    pub team: String,
    /// available, busy or off_duty.
    pub status: String,
    pub location: [f64; 2],
}

/// An injected sensor fault: the sensor stops reporting.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    pub sensor: String,
    pub silent_from: Secs,
    #[serde(default)]
    pub silent_until: Option<Secs>,
}

/// A road cut at a place: the nearest road segment is closed through the routing API.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    pub at: Secs,
    pub location: [f64; 2],
    pub reason: String,
    /// How long the closure stands (real time: routing has no drill clock).
    pub lasts: Secs,
}

/// A village to move to a shelter; completeness is judged by the relocated figures reported.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Evacuation {
    /// 12-digit NBS village code; its first nine digits are its town.
    pub village: String,
    pub people: i64,
    pub shelter: String,
    /// By when (scenario time) the move should be complete.
    pub by: Secs,
}

impl Evacuation {
    pub fn town_code(&self) -> &str {
        self.village.get(..9).unwrap_or_default()
    }
}

const TEAM_STATUSES: [&str; 3] = ["available", "busy", "off_duty"];

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn parse(text: &str) -> Result<Self, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            at_offset(text, at, e.message().to_string())
        })?;
        scenario
            .check()
            .map_err(|(offset, reason)| at_offset(text, offset, reason))?;
        Ok(scenario)
    }

    pub fn duration(&self) -> Secs {
        self.scenario.duration
    }

    pub fn reports(&self) -> impl Iterator<Item = &FieldReport> {
        self.report.iter().map(|r| r.get_ref())
    }

    pub fn evacuations(&self) -> impl Iterator<Item = &Evacuation> {
        self.evacuation.iter().map(|e| e.get_ref())
    }

    /// Cross-field rules serde cannot express; each error carries the byte offset of the
    /// entry it is about.
    fn check(&self) -> Result<(), (usize, String)> {
        let h = &self.scenario;
        let whole = 0;
        if h.id.is_empty()
            || !h
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err((whole, format!("scenario.id {:?}: use a-z, 0-9 and -", h.id)));
        }
        if !h.synthetic {
            return Err((
                whole,
                "scenario.synthetic must be true: drill data is synthetic".into(),
            ));
        }
        if h.duration.0 <= 0 || h.duration.0 > 7 * 24 * 3600 {
            return Err((
                whole,
                "scenario.duration must be between 1s and 7 days".into(),
            ));
        }
        if h.report_every.0 <= 0 {
            return Err((whole, "scenario.report_every must be positive".into()));
        }
        let t = &self.targets;
        if !(t.relief_hours > 0.0
            && t.aerial_hours > 0.0
            && (0.0..=1.0).contains(&t.warning_coverage))
        {
            return Err((
                whole,
                "targets: hours must be positive and warning_coverage within 0..1".into(),
            ));
        }
        let within = |what: &str, at: Secs, span: usize| {
            if at.0 < 0 || at > h.duration {
                Err((
                    span,
                    format!(
                        "{what} {at} lies outside the scenario (0 to {})",
                        h.duration
                    ),
                ))
            } else {
                Ok(())
            }
        };
        for s in &self.storm {
            let (span, storm) = (s.span().start, s.get_ref());
            within("storm.start", storm.start, span)?;
            within("storm.end", storm.end, span)?;
            if storm.end <= storm.start {
                return Err((span, "storm.end must come after storm.start".into()));
            }
            positive("storm.radius_km", storm.radius_km, span)?;
            positive("storm.peak_mm_per_h", storm.peak_mm_per_h, span)?;
            coordinate("storm.from", storm.from, span)?;
            coordinate("storm.to", storm.to, span)?;
        }
        for r in &self.river {
            let (span, river) = (r.span().start, r.get_ref());
            positive("river.recession", river.recession.0 as f64, span)?;
            non_empty("river.upstream", &river.upstream, span)?;
        }
        for r in &self.reservoir {
            let (span, res) = (r.span().start, r.get_ref());
            non_empty("reservoir.upstream", &res.upstream, span)?;
        }
        for g in &self.gas {
            let (span, gas) = (g.span().start, g.get_ref());
            within("gas.end", gas.end, span)?;
            if !(gas.start <= gas.peak_at && gas.peak_at < gas.end) {
                return Err((span, "gas: start <= peak_at < end is required".into()));
            }
        }
        let mut ids = HashSet::new();
        for r in &self.report {
            let (span, report) = (r.span().start, r.get_ref());
            within("report.at", report.at, span)?;
            coordinate("report.location", report.location, span)?;
            if !ids.insert(report.id.as_str()) {
                return Err((span, format!("report id {:?} is used twice", report.id)));
            }
            match (&report.incident_of, &report.r#type) {
                (Some(other), _) => {
                    let earlier = self.reports().find(|e| &e.id == other);
                    if !earlier.is_some_and(|e| e.at <= report.at && e.incident_of.is_none()) {
                        return Err((span, format!("report {:?}: incident_of {other:?} must name an earlier report that opened an incident", report.id)));
                    }
                }
                (None, None) => {
                    return Err((
                        span,
                        format!(
                            "report {:?} opens an incident, so it needs a type",
                            report.id
                        ),
                    ))
                }
                (None, Some(_)) => {}
            }
            if let Some((k, v)) = report.figures.iter().find(|(_, v)| **v < 0) {
                return Err((
                    span,
                    format!("report {:?}: figure {k} = {v} is negative", report.id),
                ));
            }
        }
        for c in &self.team {
            let (span, change) = (c.span().start, c.get_ref());
            within("team.at", change.at, span)?;
            coordinate("team.location", change.location, span)?;
            if !TEAM_STATUSES.contains(&change.status.as_str()) {
                return Err((
                    span,
                    format!(
                        "team.status {:?}: one of {}",
                        change.status,
                        TEAM_STATUSES.join(", ")
                    ),
                ));
            }
        }
        for f in &self.fault {
            let (span, fault) = (f.span().start, f.get_ref());
            within("fault.silent_from", fault.silent_from, span)?;
            if fault.silent_until.is_some_and(|u| u <= fault.silent_from) {
                return Err((
                    span,
                    "fault.silent_until must come after silent_from".into(),
                ));
            }
        }
        for c in &self.closure {
            let (span, closure) = (c.span().start, c.get_ref());
            within("closure.at", closure.at, span)?;
            coordinate("closure.location", closure.location, span)?;
            positive("closure.lasts", closure.lasts.0 as f64, span)?;
        }
        for e in &self.evacuation {
            let (span, evacuation) = (e.span().start, e.get_ref());
            within("evacuation.by", evacuation.by, span)?;
            if evacuation.village.len() != 12
                || !evacuation.village.chars().all(|c| c.is_ascii_digit())
            {
                return Err((
                    span,
                    format!(
                        "evacuation.village {:?} is not a 12-digit village code",
                        evacuation.village
                    ),
                ));
            }
            positive("evacuation.people", evacuation.people as f64, span)?;
        }
        Ok(())
    }
}

fn positive(what: &str, value: f64, span: usize) -> Result<(), (usize, String)> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err((span, format!("{what} must be positive, got {value}")))
    }
}

fn non_empty(what: &str, list: &[String], span: usize) -> Result<(), (usize, String)> {
    if list.is_empty() {
        Err((span, format!("{what} needs at least one sensor")))
    } else {
        Ok(())
    }
}

/// A rough county-scale sanity check; the server checks the real boundary.
fn coordinate(what: &str, [lon, lat]: [f64; 2], span: usize) -> Result<(), (usize, String)> {
    if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) {
        Ok(())
    } else {
        Err((
            span,
            format!("{what} [{lon}, {lat}] is not a [lon, lat] pair"),
        ))
    }
}

/// The 1-based line and column of a byte offset.
fn at_offset(text: &str, offset: usize, reason: String) -> ScenarioError {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    ScenarioError {
        line,
        column,
        reason: reason.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_scenarios_are_valid() {
        for (id, text) in BUILTIN {
            let s = Scenario::parse(text).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(&s.scenario.id, id);
        }
    }

    const HEADER: &str = "[scenario]\nid = \"t\"\ntitle = \"t\"\ntitle_en = \"t\"\nduration = \"2h\"\nreport_every = \"10m\"\nsynthetic = true\n";

    #[test]
    fn a_bad_duration_is_refused_with_its_line_and_reason() {
        let text = HEADER.replace("\"2h\"", "\"2 hours\"");
        let e = Scenario::parse(&text).unwrap_err();
        assert_eq!(e.line, 5, "{e}");
        assert!(e.reason.contains("unknown unit"), "{e}");
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let text = format!("{HEADER}\n[[storm]]\nname = \"cell\nstart = \"0h\"\n");
        let e = Scenario::parse(&text).unwrap_err();
        assert_eq!(e.line, 10, "{e}");
    }

    #[test]
    fn an_unknown_key_is_refused() {
        let text = format!("{HEADER}\n[[fault]]\nsensor = \"g\"\nsilent_form = \"1h\"\n");
        let e = Scenario::parse(&text).unwrap_err();
        assert!(e.reason.contains("unknown field `silent_form`"), "{e}");
        assert_eq!(e.line, 11, "{e}");
    }

    #[test]
    fn an_event_after_the_end_is_refused_at_its_entry() {
        let text = format!(
            "{HEADER}\n[[closure]]\nat = \"1h\"\nlocation = [117.4, 40.1]\nreason = \"x\"\nlasts = \"1h\"\n\n[[closure]]\nat = \"3h\"\nlocation = [117.4, 40.1]\nreason = \"x\"\nlasts = \"1h\"\n"
        );
        let e = Scenario::parse(&text).unwrap_err();
        assert!(e.reason.contains("closure.at 3h00m lies outside"), "{e}");
        assert_eq!(e.line, 15, "the second [[closure]]: {e}");
    }

    #[test]
    fn a_report_joining_an_unknown_incident_is_refused() {
        let text = format!(
            "{HEADER}\n[[report]]\nid = \"b\"\nat = \"1h\"\nlocation = [117.4, 40.1]\ntext = \"x\"\nincident_of = \"a\"\n"
        );
        let e = Scenario::parse(&text).unwrap_err();
        assert!(e.reason.contains("incident_of \"a\""), "{e}");
        assert_eq!(e.line, 9, "{e}");
    }
}
