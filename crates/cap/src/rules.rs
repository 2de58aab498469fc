//! CAP 1.2 section 3 rules that the XSD cannot express, checked on the element tree so that
//! they are reported even when the schema check also fails.

use crate::datetime::CapDateTime;
use crate::geo::{Circle, Polygon};
use crate::model::{MsgType, Scope, CAP_NAMESPACE};
use crate::violation::{RuleKind, Violations};
use crate::xml::Element;

/// `(1-based index, element)` of the CAP children of `parent` named `local`.
fn children<'a>(
    parent: &'a Element,
    local: &'a str,
) -> impl Iterator<Item = (usize, &'a Element)> + 'a {
    parent
        .child_elements()
        .filter(move |e| e.is(CAP_NAMESPACE, local))
        .enumerate()
        .map(|(i, e)| (i + 1, e))
}

fn child_text(parent: &Element, local: &str) -> Option<String> {
    parent.child(CAP_NAMESPACE, local).map(Element::text)
}

pub(crate) fn check_alert(alert: &Element, out: &mut Violations) {
    for field in ["identifier", "sender"] {
        if let Some(value) = child_text(alert, field) {
            check_restricted_token(&value, field, &format!("/alert/{field}"), out);
        }
    }
    let msg_type = child_text(alert, "msgType").and_then(|t| MsgType::parse(&t));
    let references = child_text(alert, "references");
    check_references(msg_type, references.as_deref(), out);

    match child_text(alert, "scope").and_then(|t| Scope::parse(&t)) {
        Some(Scope::Restricted) if is_blank(child_text(alert, "restriction")) => {
            out.push(
                "/alert/restriction",
                RuleKind::Semantic,
                "restriction_required",
                "scope Restricted requires a non-empty <restriction> (§3.2.1)",
            );
        }
        Some(Scope::Private) if is_blank(child_text(alert, "addresses")) => {
            out.push(
                "/alert/addresses",
                RuleKind::Semantic,
                "addresses_required",
                "scope Private requires a non-empty <addresses> (§3.2.1)",
            );
        }
        _ => {}
    }

    for (i, info) in children(alert, "info") {
        for (j, area) in children(info, "area") {
            check_area(area, &format!("/alert/info[{i}]/area[{j}]"), out);
        }
    }
}

fn is_blank(text: Option<String>) -> bool {
    text.is_none_or(|t| t.trim().is_empty())
}

/// identifier and sender "MUST NOT include spaces, commas or restricted characters (< and &)".
fn check_restricted_token(value: &str, field: &str, path: &str, out: &mut Violations) {
    if value.is_empty() {
        out.push(
            path,
            RuleKind::Semantic,
            "empty_value",
            format!("<{field}> must not be empty"),
        );
    } else if let Some(bad) = value
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, ',' | '<' | '&'))
    {
        out.push(path, RuleKind::Semantic, "restricted_character", format!("<{field}> {value:?} contains {bad:?}; spaces, commas, < and & are not allowed (§3.2.1)"));
    }
}

fn check_references(msg_type: Option<MsgType>, references: Option<&str>, out: &mut Violations) {
    let path = "/alert/references";
    let text = references.unwrap_or("");
    if text.trim().is_empty() {
        if let Some(kind) = msg_type.filter(|m| m.requires_references()) {
            out.push(
                path,
                RuleKind::Semantic,
                "references_required",
                format!(
                    "msgType {kind} must name the message(s) it refers to in <references> (§3.2.1)"
                ),
            );
        }
        return;
    }
    for triplet in text.split_ascii_whitespace() {
        if let Err(why) = parse_reference(triplet) {
            out.push(
                path,
                RuleKind::Semantic,
                "reference_syntax",
                format!("{triplet:?} is not sender,identifier,sent: {why}"),
            );
        }
    }
}

/// Parses one `sender,identifier,sent` triplet of `<references>`.
pub(crate) fn parse_reference(triplet: &str) -> Result<crate::model::MessageRef, String> {
    let parts: Vec<&str> = triplet.split(',').collect();
    let [sender, identifier, sent] = parts.as_slice() else {
        return Err(format!(
            "has {} comma-separated parts instead of 3",
            parts.len()
        ));
    };
    if sender.is_empty() || identifier.is_empty() {
        return Err("sender and identifier must not be empty".into());
    }
    let sent = CapDateTime::parse(sent).map_err(|e| e.to_string())?;
    Ok(crate::model::MessageRef {
        sender: sender.to_string(),
        identifier: identifier.to_string(),
        sent,
    })
}

fn check_area(area: &Element, path: &str, out: &mut Violations) {
    for (k, polygon) in children(area, "polygon") {
        if let Err(e) = Polygon::parse(&polygon.text_ref()) {
            out.push(
                &format!("{path}/polygon[{k}]"),
                RuleKind::Semantic,
                e.code(),
                e.to_string(),
            );
        }
    }
    for (k, circle) in children(area, "circle") {
        if let Err(e) = Circle::parse(&circle.text_ref()) {
            out.push(
                &format!("{path}/circle[{k}]"),
                RuleKind::Semantic,
                e.code(),
                e.to_string(),
            );
        }
    }
    if area.child(CAP_NAMESPACE, "ceiling").is_some()
        && area.child(CAP_NAMESPACE, "altitude").is_none()
    {
        out.push(
            &format!("{path}/ceiling"),
            RuleKind::Semantic,
            "ceiling_without_altitude",
            "<ceiling> must not be used without <altitude> (§3.2.4)",
        );
    }
}
