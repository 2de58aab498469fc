//! The constraints of CAP-v1.2.xsd, checked by hand.
//!
//! There is no maintained pure-Rust XSD validator, and the CAP schema is small and fixed:
//! one sequence per complex type, a few enumerations and datatypes. So the schema is
//! transcribed below as data (`ALERT`, `INFO`, ...) and one generic sequence checker
//! reports order, cardinality, unknown elements and datatype faults with their paths.
//! `tests/xsd_conformance.rs` cross-checks this table against xmllint on the corpus.

use crate::datetime::CapDateTime;
use crate::model::{
    Category, Certainty, MsgType, ResponseType, Scope, Severity, Status, Urgency, CAP_NAMESPACE,
};
use crate::violation::{RuleKind, Violations};
use crate::xml::Element;

/// Namespace whose elements the XSD admits at the end of `<alert>` (`xs:any`, lax).
pub const DSIG_NAMESPACE: &str = "http://www.w3.org/2000/09/xmldsig#";
const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";

#[derive(Debug, Clone, Copy)]
enum SimpleType {
    String,
    DateTime,
    Enumeration(&'static [&'static str]),
    Language,
    AnyUri,
    Integer,
    Decimal,
}

#[derive(Debug, Clone, Copy)]
enum Content {
    Simple(SimpleType),
    Sequence(&'static [Particle]),
}

#[derive(Debug, Clone, Copy)]
struct Particle {
    name: &'static str,
    min: u32,
    /// `None` = unbounded.
    max: Option<u32>,
    content: Content,
}

const fn one(name: &'static str, t: SimpleType) -> Particle {
    Particle {
        name,
        min: 1,
        max: Some(1),
        content: Content::Simple(t),
    }
}
const fn opt(name: &'static str, t: SimpleType) -> Particle {
    Particle {
        name,
        min: 0,
        max: Some(1),
        content: Content::Simple(t),
    }
}
const fn many(name: &'static str, min: u32, content: Content) -> Particle {
    Particle {
        name,
        min,
        max: None,
        content,
    }
}

use SimpleType::{AnyUri, DateTime, Decimal, Enumeration, Integer, Language, String as Text};

const NAMED_VALUE: &[Particle] = &[one("valueName", Text), one("value", Text)];

const RESOURCE: &[Particle] = &[
    one("resourceDesc", Text),
    one("mimeType", Text),
    opt("size", Integer),
    opt("uri", AnyUri),
    opt("derefUri", Text),
    opt("digest", Text),
];

const AREA: &[Particle] = &[
    one("areaDesc", Text),
    many("polygon", 0, Content::Simple(Text)),
    many("circle", 0, Content::Simple(Text)),
    many("geocode", 0, Content::Sequence(NAMED_VALUE)),
    opt("altitude", Decimal),
    opt("ceiling", Decimal),
];

const INFO: &[Particle] = &[
    opt("language", Language),
    many("category", 1, Content::Simple(Enumeration(Category::NAMES))),
    one("event", Text),
    many(
        "responseType",
        0,
        Content::Simple(Enumeration(ResponseType::NAMES)),
    ),
    one("urgency", Enumeration(Urgency::NAMES)),
    one("severity", Enumeration(Severity::NAMES)),
    one("certainty", Enumeration(Certainty::NAMES)),
    opt("audience", Text),
    many("eventCode", 0, Content::Sequence(NAMED_VALUE)),
    opt("effective", DateTime),
    opt("onset", DateTime),
    opt("expires", DateTime),
    opt("senderName", Text),
    opt("headline", Text),
    opt("description", Text),
    opt("instruction", Text),
    opt("web", AnyUri),
    opt("contact", Text),
    many("parameter", 0, Content::Sequence(NAMED_VALUE)),
    many("resource", 0, Content::Sequence(RESOURCE)),
    many("area", 0, Content::Sequence(AREA)),
];

const ALERT: &[Particle] = &[
    one("identifier", Text),
    one("sender", Text),
    one("sent", DateTime),
    one("status", Enumeration(Status::NAMES)),
    one("msgType", Enumeration(MsgType::NAMES)),
    opt("source", Text),
    one("scope", Enumeration(Scope::NAMES)),
    opt("restriction", Text),
    opt("addresses", Text),
    many("code", 0, Content::Simple(Text)),
    opt("note", Text),
    opt("references", Text),
    opt("incidents", Text),
    many("info", 0, Content::Sequence(INFO)),
];

/// Checks `alert` (a CAP 1.2 `<alert>` element) against the XSD; paths start at `/alert`.
pub(crate) fn check_alert(alert: &Element, out: &mut Violations) {
    check_attributes(alert, "/alert", out);
    check_sequence(alert, "/alert", ALERT, true, out);
}

fn check_attributes(element: &Element, path: &str, out: &mut Violations) {
    for attr in &element.attributes {
        // xsi:* attributes (schemaLocation, type, nil) are admitted by every schema processor.
        if attr.namespace.as_deref() != Some(XSI_NAMESPACE) {
            out.push(
                path,
                RuleKind::Schema,
                "unexpected_attribute",
                format!(
                    "attribute {:?} is not allowed on <{}>",
                    attr.local, element.local
                ),
            );
        }
    }
}

fn particle_path(parent: &str, particle: &Particle, index: usize) -> String {
    if particle.max == Some(1) {
        format!("{parent}/{}", particle.name)
    } else {
        format!("{parent}/{}[{index}]", particle.name)
    }
}

fn check_sequence(
    parent: &Element,
    path: &str,
    particles: &'static [Particle],
    allow_dsig_tail: bool,
    out: &mut Violations,
) {
    if parent.has_non_whitespace_text() {
        out.push(
            path,
            RuleKind::Schema,
            "unexpected_text",
            format!("<{}> holds elements only, not text", parent.local),
        );
    }
    // Cursor over the particles: which one we are in and how often it matched so far.
    let mut position = 0usize;
    let mut count = 0u32;
    let mut in_dsig_tail = false;
    let mut seen: Vec<u32> = vec![0; particles.len()];
    let present: Vec<&str> = parent
        .child_elements()
        .filter(|e| e.namespace.as_deref() == Some(CAP_NAMESPACE))
        .map(|e| e.local.as_str())
        .collect();
    for child in parent.child_elements() {
        let child_ns = child.namespace.as_deref();
        if allow_dsig_tail && child_ns == Some(DSIG_NAMESPACE) {
            if !in_dsig_tail {
                report_missing(
                    particles,
                    position,
                    count,
                    particles.len(),
                    &present,
                    path,
                    out,
                );
                in_dsig_tail = true;
            }
            continue;
        }
        let found = if child_ns == Some(CAP_NAMESPACE) {
            particles.iter().position(|p| p.name == child.local)
        } else {
            None
        };
        let Some(index) = found else {
            let name = child.qualified_name();
            let ns = child_ns.unwrap_or("no namespace");
            out.push(
                &format!("{path}/{name}"),
                RuleKind::Schema,
                "unexpected_element",
                format!("<{name}> ({ns}) is not allowed in <{}>", parent.local),
            );
            continue;
        };
        let particle = &particles[index];
        seen[index] += 1;
        let child_path = particle_path(path, particle, seen[index] as usize);
        if in_dsig_tail {
            out.push(
                &child_path,
                RuleKind::Schema,
                "element_out_of_order",
                format!("<{}> must come before the signature", child.local),
            );
        } else if index == position && count > 0 {
            count += 1;
            if particle.max.is_some_and(|max| count > max) {
                out.push(
                    &child_path,
                    RuleKind::Schema,
                    "too_many_elements",
                    format!(
                        "<{}> may occur at most {} time(s) here",
                        child.local,
                        particle.max.unwrap_or(1)
                    ),
                );
            }
        } else if index >= position {
            report_missing(particles, position, count, index, &present, path, out);
            position = index;
            count = 1;
        } else {
            out.push(
                &child_path,
                RuleKind::Schema,
                "element_out_of_order",
                format!(
                    "<{}> must come before <{}>",
                    child.local, particles[position].name
                ),
            );
        }
        check_content(child, &child_path, particle, out);
    }
    if !in_dsig_tail {
        report_missing(
            particles,
            position,
            count,
            particles.len(),
            &present,
            path,
            out,
        );
    }
}

/// Reports required particles in `from..to` that did not occur: the cursor leaves `from`
/// (matched `count_at_from` times) for `to` (or the end of the sequence).
/// Particles that occur elsewhere among the siblings (`present`) are not reported: their
/// occurrence is reported as out of order instead.
fn report_missing(
    particles: &[Particle],
    from: usize,
    count_at_from: u32,
    to: usize,
    present: &[&str],
    path: &str,
    out: &mut Violations,
) {
    for (k, particle) in particles.iter().enumerate().take(to).skip(from) {
        let count = if k == from { count_at_from } else { 0 };
        if count < particle.min && !present.contains(&particle.name) {
            out.push(
                &format!("{path}/{}", particle.name),
                RuleKind::Schema,
                "missing_element",
                format!("required <{}> is missing", particle.name),
            );
        }
    }
}

fn check_content(element: &Element, path: &str, particle: &Particle, out: &mut Violations) {
    check_attributes(element, path, out);
    match particle.content {
        Content::Sequence(inner) => check_sequence(element, path, inner, false, out),
        Content::Simple(simple) => {
            if let Some(child) = element.child_elements().next() {
                out.push(
                    path,
                    RuleKind::Schema,
                    "unexpected_element",
                    format!(
                        "<{}> holds text only, found <{}>",
                        element.local,
                        child.qualified_name()
                    ),
                );
                return;
            }
            check_simple(&element.text_ref(), simple, element, path, out);
        }
    }
}

fn collapse(text: &str) -> String {
    text.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_simple(
    text: &str,
    simple: SimpleType,
    element: &Element,
    path: &str,
    out: &mut Violations,
) {
    let name = &element.local;
    match simple {
        Text | AnyUri => {}
        DateTime => {
            if let Err(e) = CapDateTime::parse(text) {
                out.push(
                    path,
                    RuleKind::Schema,
                    "invalid_datetime",
                    format!("<{name}>: {e}"),
                );
            }
        }
        Enumeration(names) => {
            if !names.contains(&text) {
                out.push(
                    path,
                    RuleKind::Schema,
                    "invalid_enumeration",
                    format!("<{name}> is {text:?}; allowed: {}", names.join(", ")),
                );
            }
        }
        Language => {
            let value = collapse(text);
            let ok = !value.is_empty()
                && value.split('-').enumerate().all(|(i, part)| {
                    (1..=8).contains(&part.len())
                        && part.bytes().all(|c| {
                            if i == 0 {
                                c.is_ascii_alphabetic()
                            } else {
                                c.is_ascii_alphanumeric()
                            }
                        })
                });
            if !ok {
                out.push(
                    path,
                    RuleKind::Schema,
                    "invalid_language",
                    format!("<{name}> {text:?} is not an RFC 3066 language tag"),
                );
            }
        }
        Integer => {
            let value = collapse(text);
            let digits = value.strip_prefix(['+', '-']).unwrap_or(&value);
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                out.push(
                    path,
                    RuleKind::Schema,
                    "invalid_integer",
                    format!("<{name}> {text:?} is not an integer"),
                );
            }
        }
        Decimal => {
            let value = collapse(text);
            let digits = value.strip_prefix(['+', '-']).unwrap_or(&value);
            let ok = digits.bytes().all(|c| c.is_ascii_digit() || c == b'.')
                && digits.bytes().filter(|&c| c == b'.').count() <= 1
                && digits.bytes().any(|c| c.is_ascii_digit());
            if !ok {
                out.push(
                    path,
                    RuleKind::Schema,
                    "invalid_decimal",
                    format!("<{name}> {text:?} is not a decimal number"),
                );
            }
        }
    }
}
