//! The smallest Word (.docx, OOXML WordprocessingML) package that Word, WPS and LibreOffice
//! open: content types, the package relationship and `word/document.xml`, zipped. Written
//! from [`Block`]s so that the HTML and Word renderings of a report share one model.

use crate::report::{escape, Block};
use std::io::Write;
use zip::write::SimpleFileOptions;

#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("write: {0}")]
    Io(#[from] std::io::Error),
}

pub const MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

const PACKAGE_RELATIONSHIPS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

/// A4 with 2.5 cm margins; the text width in twentieths of a point.
const TEXT_WIDTH_TWIPS: usize = 9_638;

/// The .docx file of these blocks.
pub fn render(blocks: &[Block]) -> Result<Vec<u8>, DocxError> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", PACKAGE_RELATIONSHIPS.to_string()),
        ("word/document.xml", document_xml(blocks)),
    ] {
        zip.start_file(name, options)?;
        zip.write_all(content.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

/// `word/document.xml`: one paragraph per block, the timeline as a bordered table.
pub fn document_xml(blocks: &[Block]) -> String {
    let mut body = String::new();
    for block in blocks {
        match block {
            Block::Title(text) => {
                body.push_str(&paragraph(text, Some("center"), "SimHei", 36, true))
            }
            Block::Meta(text) => {
                body.push_str(&paragraph(text, Some("center"), "SimSun", 24, false))
            }
            Block::Section(text) => body.push_str(&paragraph(text, None, "SimHei", 32, true)),
            Block::Paragraph(text) => body.push_str(&paragraph(text, None, "SimSun", 28, false)),
            Block::Table { header, rows } => body.push_str(&table(header, rows)),
        }
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1417" w:right="1134" w:bottom="1417" w:left="1134" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr></w:body></w:document>"#
    )
}

/// A paragraph of one run; `half_points` is the font size in half points (28 = 14 pt, 四号).
fn paragraph(text: &str, align: Option<&str>, font: &str, half_points: u32, bold: bool) -> String {
    let justification = align
        .map(|a| format!(r#"<w:pPr><w:jc w:val="{a}"/></w:pPr>"#))
        .unwrap_or_default();
    format!(
        r#"<w:p>{justification}<w:r><w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}"/>{}<w:sz w:val="{half_points}"/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        if bold { "<w:b/>" } else { "" },
        escape(text)
    )
}

fn table(header: &[String], rows: &[Vec<String>]) -> String {
    let columns = header.len().max(1);
    let width = TEXT_WIDTH_TWIPS / columns;
    let border =
        |side: &str| format!(r#"<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>"#);
    let borders: String = ["top", "left", "bottom", "right", "insideH", "insideV"]
        .iter()
        .map(|side| border(side))
        .collect();
    let mut xml = format!(
        r#"<w:tbl><w:tblPr><w:tblW w:w="{TEXT_WIDTH_TWIPS}" w:type="dxa"/><w:tblBorders>{borders}</w:tblBorders></w:tblPr><w:tblGrid>{}</w:tblGrid>"#,
        format!(r#"<w:gridCol w:w="{width}"/>"#).repeat(columns)
    );
    let row = |cells: &[String], bold: bool| {
        let cells: String = cells
            .iter()
            .map(|cell| {
                format!(
                    r#"<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>{}</w:tc>"#,
                    paragraph(cell, None, "SimSun", 24, bold)
                )
            })
            .collect();
        format!("<w:tr>{cells}</w:tr>")
    };
    xml.push_str(&row(header, true));
    for cells in rows {
        xml.push_str(&row(cells, false));
    }
    xml.push_str("</w:tbl>");
    xml
}
