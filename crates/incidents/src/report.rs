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

    /// The report's content in order, for every renderer: title, issuer line, the three
    /// sections (基本情况, 灾情数据, 处置情况).
    pub fn blocks(&self) -> Vec<Block> {
        let mut blocks = vec![
            Block::Title(self.heading()),
            Block::Meta(format!(
                "报送单位：{}　报送时间：{}　事件编号：{}",
                self.issuer,
                shanghai(self.issued_at),
                self.incident_id
            )),
            Block::Section("一、基本情况".into()),
            Block::Paragraph(self.summary()),
            Block::Section("二、灾情数据".into()),
        ];
        let lines = self.figure_lines();
        if lines.is_empty() {
            blocks.push(Block::Paragraph("暂无人员伤亡及损失报告。".into()));
        }
        blocks.extend(lines.into_iter().map(Block::Paragraph));
        blocks.push(Block::Section("三、处置情况".into()));
        blocks.push(Block::Table {
            header: vec!["时间".into(), "人员".into(), "事项".into()],
            rows: self
                .timeline
                .iter()
                .map(|e| vec![shanghai(e.at), e.who.clone(), e.text.clone()])
                .collect(),
        });
        blocks
    }

    /// A printable HTML page.
    pub fn to_html(&self) -> String {
        render_html(&self.heading(), &self.blocks())
    }

    /// A Word document (.docx).
    pub fn to_docx(&self) -> Result<Vec<u8>, crate::docx::DocxError> {
        crate::docx::render(&self.blocks())
    }
}

/// One piece of a rendered document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// The document's heading, centred.
    Title(String),
    /// The line under the title: who reports, when, which incident.
    Meta(String),
    /// A numbered section heading.
    Section(String),
    Paragraph(String),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

fn render_html(title: &str, blocks: &[Block]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <style>body{font-family:\"SimSun\",serif;max-width:42em;margin:2em auto;line-height:1.8}\
         h1{text-align:center;font-size:1.6em}table{border-collapse:collapse;width:100%}\
         td,th{border:1px solid #000;padding:.2em .5em}@media print{body{margin:0}}</style>",
    );
    html.push_str(&format!("<title>{}</title></head><body>\n", escape(title)));
    for block in blocks {
        match block {
            Block::Title(text) => html.push_str(&format!("<h1>{}</h1>\n", escape(text))),
            Block::Meta(text) | Block::Paragraph(text) => {
                html.push_str(&format!("<p>{}</p>\n", escape(text)))
            }
            Block::Section(text) => html.push_str(&format!("<h2>{}</h2>\n", escape(text))),
            Block::Table { header, rows } => {
                html.push_str("<table><tr>");
                for cell in header {
                    html.push_str(&format!("<th>{}</th>", escape(cell)));
                }
                html.push_str("</tr>\n");
                for row in rows {
                    html.push_str("<tr>");
                    for cell in row {
                        html.push_str(&format!("<td>{}</td>", escape(cell)));
                    }
                    html.push_str("</tr>\n");
                }
                html.push_str("</table>\n");
            }
        }
    }
    html.push_str("</body></html>\n");
    html
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

    /// Reads a zip entry of the .docx as text.
    fn entry(docx: &[u8], name: &str) -> Option<String> {
        use std::io::Read;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
        let mut file = archive.by_name(name).ok()?;
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        Some(text)
    }

    /// The text of every `w:t` element, after checking the whole part is well-formed XML.
    fn word_text(xml: &str) -> String {
        let mut reader = quick_xml::Reader::from_str(xml);
        let (mut text, mut inside) = (String::new(), false);
        loop {
            match reader.read_event().expect("well-formed XML") {
                quick_xml::events::Event::Start(e) => inside = e.name().as_ref() == "w:t",
                quick_xml::events::Event::Text(t) if inside => {
                    text.push_str(&t.into_inner());
                }
                quick_xml::events::Event::GeneralRef(r) if inside => {
                    let name = r.into_inner().to_string();
                    text.push_str(match name.as_str() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        _ => "'",
                    });
                }
                quick_xml::events::Event::End(_) => inside = false,
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        text
    }

    #[test]
    fn the_docx_is_a_word_package_with_the_figures_and_the_timeline() {
        let report = report(ReportKind::FollowUp);
        let docx = report.to_docx().unwrap();
        assert_eq!(&docx[..4], b"PK\x03\x04", "a zip file");
        let types = entry(&docx, "[Content_Types].xml").expect("[Content_Types].xml");
        assert!(types.contains("/word/document.xml"), "{types}");
        assert!(entry(&docx, "_rels/.rels")
            .unwrap()
            .contains("word/document.xml"));
        let document = entry(&docx, "word/document.xml").expect("word/document.xml");
        let text = word_text(&document);
        assert!(text.contains("关于渔阳镇洪涝灾害的续报（第2期）"), "{text}");
        for line in report.figure_lines() {
            assert!(text.contains(&line), "{line} in {text}");
        }
        assert!(text.contains("受伤5人"), "{text}");
        assert!(
            text.contains("派出<救援队>"),
            "escaped in XML, read back whole: {text}"
        );
        assert!(
            text.contains("2026-07-30 10:00:00"),
            "timeline in Beijing time: {text}"
        );
    }

    #[test]
    fn html_and_docx_render_the_same_blocks() {
        let report = report(ReportKind::First);
        let html = report.to_html();
        let document = crate::docx::document_xml(&report.blocks());
        for block in report.blocks() {
            let texts = match block {
                Block::Title(t) | Block::Meta(t) | Block::Section(t) | Block::Paragraph(t) => {
                    vec![t]
                }
                Block::Table { header, rows } => header
                    .into_iter()
                    .chain(rows.into_iter().flatten())
                    .collect(),
            };
            for text in texts {
                assert!(html.contains(&escape(&text)), "{text} in HTML");
                assert!(document.contains(&escape(&text)), "{text} in docx");
            }
        }
    }
}
