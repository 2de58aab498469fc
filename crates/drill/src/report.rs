//! The evaluation as text (the CLI) and as one self-contained HTML page with an inline SVG
//! timeline (the API, and `yingji drill report --html`).

use crate::duration::Secs;
use crate::evaluate::{DrillEvent, Evaluation, EventKind, Metric};
use std::fmt::Write;

/// What a report is about.
pub struct ReportHeader<'a> {
    pub drill_id: &'a str,
    pub title: &'a str,
    pub speed: f64,
    pub state: &'a str,
    /// When it started, already formatted in Asia/Shanghai by the caller.
    pub started: &'a str,
    pub duration: Secs,
}

/// Why figures at high speed need care: the rules judge the drill's readings on the
/// scenario's clock, but the platform's own processing time is wall-clock time, stretched
/// `speed` times on the scenario's.
fn speed_caveat(speed: f64) -> Option<String> {
    (speed > 1.0).then(|| {
        format!(
            "注意 Note: played at ×{speed}. Rules judged the drill's readings on the scenario's clock, but every second the platform took to process them counts as {speed} scenario seconds, so 越限至预警 (threshold → warning) reads long. Only a ×1 drill times the platform's own delay exactly."
        )
    })
}

fn shown(m: &Metric) -> String {
    match (m.value, m.unit) {
        (None, _) => "—".into(),
        (Some(v), "share") => format!("{:.1}%", v * 100.0),
        (Some(v), "min") => format!("{} ({v:.0} min)", Secs((v * 60.0) as i64)),
        (Some(v), _) => format!("{v:.0}"),
    }
}

fn target(m: &Metric) -> String {
    match (m.target, m.unit) {
        (None, _) => "—".into(),
        (Some(t), "share") => format!("≥ {:.0}%", t * 100.0),
        (Some(t), "min") => format!("≤ {}", Secs((t * 60.0) as i64)),
        (Some(t), _) => format!("{t}"),
    }
}

fn verdict(m: &Metric) -> &'static str {
    match m.met {
        Some(true) => "达标 met",
        Some(false) => "未达标 missed",
        None => "—",
    }
}

/// Plain text for a terminal.
pub fn text(header: &ReportHeader<'_>, evaluation: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "演练评估 After-action evaluation — {} ({})\n  {} · speed ×{} · {} · started {}\n",
        header.title, header.drill_id, header.duration, header.speed, header.state, header.started
    );
    if let Some(caveat) = speed_caveat(header.speed) {
        let _ = writeln!(out, "  {caveat}\n");
    }
    for m in &evaluation.metrics {
        let _ = writeln!(
            out,
            "  {:<58} {:>18}  target {:<10} {}",
            m.name,
            shown(m),
            target(m),
            verdict(m)
        );
        if !m.note.is_empty() {
            let _ = writeln!(out, "      {}", m.note);
        }
    }
    let _ = writeln!(
        out,
        "\n  {} warnings, {} incidents, {} teams",
        evaluation.warnings,
        evaluation.incidents,
        evaluation.teams_used.len()
    );
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const LANES: [EventKind; 10] = [
    EventKind::ThresholdCrossed,
    EventKind::WarningRaised,
    EventKind::WarningAcknowledged,
    EventKind::ReportFiled,
    EventKind::IncidentOpened,
    EventKind::TeamDispatched,
    EventKind::TeamOnScene,
    EventKind::RoadClosed,
    EventKind::TeamChanged,
    EventKind::SensorSilenced,
];

/// The drill's timeline: one lane per kind of event, scenario hours across.
pub fn timeline_svg(events: &[DrillEvent], duration: Secs) -> String {
    let (left, lane_h, width) = (190.0, 26.0, 900.0);
    let plot = width - left - 20.0;
    let height = 30.0 + lane_h * LANES.len() as f64;
    let x = |at: Secs| left + plot * (at.0.max(0) as f64 / duration.0.max(1) as f64).min(1.0);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" font-size="11" role="img" aria-label="drill timeline">"#
    );
    let hours = (duration.0 / 3600).max(1);
    let every = if hours > 24 {
        6
    } else if hours > 8 {
        2
    } else {
        1
    };
    for h in (0..=hours).step_by(every as usize) {
        let gx = x(Secs(h * 3600));
        let _ = write!(
            svg,
            r##"<line x1="{gx:.1}" y1="18" x2="{gx:.1}" y2="{height}" stroke="#ddd"/><text x="{gx:.1}" y="12" text-anchor="middle" fill="#555">{h}h</text>"##
        );
    }
    for (i, kind) in LANES.iter().enumerate() {
        let y = 30.0 + lane_h * i as f64;
        let _ = write!(
            svg,
            r##"<text x="4" y="{:.1}" fill="#222">{}</text><line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#eee"/>"##,
            y + 4.0,
            escape(kind.label()),
            left + plot
        );
        for e in events.iter().filter(|e| e.kind == *kind) {
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{y:.1}" r="4" fill="{}"><title>{} {} {}</title></circle>"##,
                x(e.at),
                colour(*kind),
                e.at,
                escape(&e.subject),
                escape(&e.detail)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn colour(kind: EventKind) -> &'static str {
    match kind {
        EventKind::ThresholdCrossed => "#8a8a8a",
        EventKind::WarningRaised => "#e8a317",
        EventKind::WarningAcknowledged => "#2b7bb9",
        EventKind::ReportFiled => "#6a3d9a",
        EventKind::IncidentOpened => "#c0392b",
        EventKind::TeamDispatched | EventKind::TeamOnScene => "#1e8449",
        _ => "#555",
    }
}

/// A printable, self-contained page.
pub fn html(header: &ReportHeader<'_>, evaluation: &Evaluation, events: &[DrillEvent]) -> String {
    let mut rows = String::new();
    for m in &evaluation.metrics {
        let class = match m.met {
            Some(true) => "met",
            Some(false) => "missed",
            None => "",
        };
        let _ = write!(
            rows,
            "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(m.name),
            escape(&shown(m)),
            escape(&target(m)),
            verdict(m),
            escape(&m.note)
        );
    }
    let mut log = String::new();
    for e in events {
        let _ = write!(
            log,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.at,
            escape(e.kind.label()),
            escape(&e.subject),
            escape(&e.detail)
        );
    }
    format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>演练评估 {id}</title>
<style>body{{font-family:sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}tr.met td:nth-child(4){{color:#1e8449}}tr.missed td:nth-child(4){{color:#c0392b;font-weight:bold}}.synthetic{{background:#fff3cd;padding:6px 10px;border:1px solid #e8c36a}}</style>
</head><body>
<h1>演练评估 After-action evaluation</h1>
<p class="synthetic">演练数据（合成）— drill data, synthetic; not a real event.</p>
<p><b>{title}</b><br>演练 drill <code>{id}</code> · 时长 {duration} · 倍速 ×{speed} · 状态 {state} · 开始 {started}（北京时间）</p>
{caveat}
<h2>指标 Figures against the plan's targets</h2>
<table><tr><th>指标 figure</th><th>结果 value</th><th>目标 target</th><th>评价</th><th>说明 note</th></tr>{rows}</table>
<h2>时间线 Timeline (scenario hours)</h2>
{svg}
<h2>事件记录 Event log</h2>
<table><tr><th>演练时刻 at</th><th>事件 event</th><th>对象 subject</th><th>说明 detail</th></tr>{log}</table>
</body></html>
"#,
        id = escape(header.drill_id),
        title = escape(header.title),
        duration = header.duration,
        speed = header.speed,
        state = escape(header.state),
        started = escape(header.started),
        svg = timeline_svg(events, header.duration),
        caveat = speed_caveat(header.speed)
            .map(|c| format!("<p class=\"synthetic\">{}</p>", escape(&c)))
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::evaluate;
    use crate::scenario::Targets;

    #[test]
    fn the_page_holds_the_figures_the_timeline_and_escapes_text() {
        let events = vec![DrillEvent {
            at: Secs(5400),
            kind: EventKind::WarningRaised,
            subject: "w<1>".into(),
            town_code: None,
            detail: "a & b".into(),
            related: None,
            value: None,
        }];
        let evaluation = evaluate(&events, &Targets::default(), &[]);
        let header = ReportHeader {
            drill_id: "drill-1",
            title: "七月暴雨",
            speed: 60.0,
            state: "finished",
            started: "2026-07-20 06:00",
            duration: Secs(3 * 3600),
        };
        let page = html(&header, &evaluation, &events);
        assert!(page.contains("<svg"));
        assert!(page.contains("w&lt;1&gt;"));
        assert!(page.contains("a &amp; b"));
        assert!(page.contains("预警覆盖率"));
        // 1.5 h of 3 h: the marker sits halfway along the plot.
        assert!(page.contains(r#"cx="535.0""#), "{page}");
        assert!(text(&header, &evaluation).contains("teams used"));
    }
}
