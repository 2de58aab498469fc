//! Situation reports (灾情报告): 首报 (first), 续报 (follow-up), 终报 (final), built from an
//! incident's figures and timeline and rendered as printable zh-CN HTML.

use crate::figures::{Figure, Tally};
use chrono::{DateTime, Utc};
use yingji_domain::time::shanghai;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    First,
    FollowUp,
    Final,
}

impl ReportKind {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "first" => Some(Self::First),
            "follow_up" => Some(Self::FollowUp),
            "final" => Some(Self::Final),
            _ => None,
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::First => "首报",
            Self::FollowUp => "续报",
            Self::Final => "终报",
        }
    }
}

/// One line of the timeline as a report prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportEntry {
    pub at: DateTime<Utc>,
    pub who: String,
    pub text: String,
}

/// Everything a situation report says, gathered by the caller.
#[derive(Debug, Clone)]
pub struct SituationReport {
    pub kind: ReportKind,
    /// Sequence number among reports of this incident (续报 are numbered).
    pub number: u32,
    pub incident_id: String,
    pub title: String,
    pub type_zh: String,
    pub severity_zh: String,
    pub response_level_zh: String,
    pub status_zh: String,
    pub place: String,
    pub occurred_at: DateTime<Utc>,
    pub issued_at: DateTime<Utc>,
    pub issuer: String,
    pub figures: Tally,
    pub timeline: Vec<ReportEntry>,
}

impl SituationReport {
    /// The heading, e.g. `关于渔阳镇洪涝灾害的续报（第2期）`.
    pub fn heading(&self) -> String {
        match self.kind {
            ReportKind::FollowUp => format!("关于{}的续报（第{}期）", self.title, self.number),
            kind => format!("关于{}的{}", self.title, kind.name_zh()),
        }
    }

    /// The summary paragraph: what, where, when, how severe.
    pub fn summary(&self) -> String {
        format!(
            "{}，{}发生{}（{}，{}），当前状态：{}。",
            shanghai(self.occurred_at),
            self.place,
            self.type_zh,
            self.severity_zh,
            self.response_level_zh,
            self.status_zh
        )
    }

    /// One sentence per reported figure: value, change and source report.
    pub fn figure_lines(&self) -> Vec<String> {
        Figure::ALL
            .iter()
            .filter_map(|figure| {
                let entry = self.figures.0.get(figure)?;
                let (name, unit) = figure.name_zh();
                let change = match entry.change {
                    0 => String::new(),
                    c if c > 0 => format!("（较上报增加{c}{unit}）"),
                    c => format!("（核减{}{unit}）", -c),
                };
                Some(format!(
                    "{name}{}{unit}{change}，来源：报告 {}（{}）",
                    entry.value,
                    entry.report_id,
                    shanghai(entry.reported_at)
                ))
            })
            .collect()
    }

    pub fn to_html(&self) -> String {
        let mut html = String::from(
            "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
             <style>body{font-family:\"SimSun\",serif;max-width:42em;margin:2em auto;line-height:1.8}\
             h1{text-align:center;font-size:1.6em}table{border-collapse:collapse;width:100%}\
             td,th{border:1px solid #000;padding:.2em .5em}@media print{body{margin:0}}</style>",
        );
        html.push_str(&format!(
            "<title>{}</title></head><body>\n",
            escape(&self.heading())
        ));
        html.push_str(&format!("<h1>{}</h1>\n", escape(&self.heading())));
        html.push_str(&format!(
            "<p>报送单位：{}　报送时间：{}　事件编号：{}</p>\n",
            escape(&self.issuer),
            shanghai(self.issued_at),
            escape(&self.incident_id)
        ));
        html.push_str(&format!(
            "<h2>一、基本情况</h2>\n<p>{}</p>\n",
            escape(&self.summary())
        ));
        html.push_str("<h2>二、灾情数据</h2>\n");
        let lines = self.figure_lines();
        if lines.is_empty() {
            html.push_str("<p>暂无人员伤亡及损失报告。</p>\n");
        }
        for line in lines {
            html.push_str(&format!("<p>{}</p>\n", escape(&line)));
        }
        html.push_str(
            "<h2>三、处置情况</h2>\n<table><tr><th>时间</th><th>人员</th><th>事项</th></tr>\n",
        );
        for entry in &self.timeline {
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                shanghai(entry.at),
                escape(&entry.who),
                escape(&entry.text)
            ));
        }
        html.push_str("</table>\n</body></html>\n");
        html
    }
}

/// Escapes text for HTML and XML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::ReportedFigures;

    fn at(hour: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2026-07-30T{hour:02}:00:00Z"))
            .unwrap()
            .with_timezone(&Utc)
    }

    fn report(kind: ReportKind) -> SituationReport {
        let figures = Tally::default()
            .apply(
                "rep-1",
                at(1),
                &ReportedFigures([(Figure::Injured, 2)].into()),
                false,
            )
            .unwrap()
            .apply(
                "rep-2",
                at(2),
                &ReportedFigures([(Figure::Injured, 5), (Figure::Relocated, 120)].into()),
                false,
            )
            .unwrap();
        SituationReport {
            kind,
            number: 2,
            incident_id: "inc-1".into(),
            title: "渔阳镇洪涝灾害".into(),
            type_zh: "洪涝灾害".into(),
            severity_zh: "较大".into(),
            response_level_zh: "三级响应".into(),
            status_zh: "响应中".into(),
            place: "渔阳镇".into(),
            occurred_at: at(0),
            issued_at: at(3),
            issuer: "蓟州区应急管理局".into(),
            figures,
            timeline: vec![ReportEntry {
                at: at(2),
                who: "duty".into(),
                text: "派出<救援队>".into(),
            }],
        }
    }

    #[test]
    fn the_report_states_each_figure_with_change_and_source() {
        let lines = report(ReportKind::FollowUp).figure_lines();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[0].starts_with("受伤5人（较上报增加3人），来源：报告 rep-2"),
            "{}",
            lines[0]
        );
        assert!(lines[1].starts_with("紧急转移安置120人"), "{}", lines[1]);
    }

    #[test]
    fn headings_name_the_kind_and_follow_ups_are_numbered() {
        assert_eq!(
            report(ReportKind::First).heading(),
            "关于渔阳镇洪涝灾害的首报"
        );
        assert_eq!(
            report(ReportKind::FollowUp).heading(),
            "关于渔阳镇洪涝灾害的续报（第2期）"
        );
        assert_eq!(
            report(ReportKind::Final).heading(),
            "关于渔阳镇洪涝灾害的终报"
        );
    }

    #[test]
    fn html_is_escaped_and_in_beijing_time() {
        let html = report(ReportKind::Final).to_html();
        assert!(html.contains("派出&lt;救援队&gt;"));
        assert!(!html.contains("<救援队>"));
        // 00:00 UTC is 08:00 in Beijing.
        assert!(
            html.contains("2026-07-30 08:00:00，渔阳镇发生洪涝灾害"),
            "{html}"
        );
        assert!(html.contains("lang=\"zh-CN\""));
    }
}
