//! Building the typed model from an `<alert>` element that passed validation.
//! Every failure here would have been a violation already; the error only guards against
//! the two disagreeing.

use crate::datetime::CapDateTime;
use crate::geo::{Circle, Polygon};
use crate::model::*;
use crate::rules::parse_reference;
use crate::xml::Element;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("<{element}>: {reason}")]
pub struct DecodeError {
    pub element: String,
    pub reason: String,
}

fn fail(element: &str, reason: impl Into<String>) -> DecodeError {
    DecodeError {
        element: element.to_string(),
        reason: reason.into(),
    }
}

struct Fields<'a>(&'a Element);

impl<'a> Fields<'a> {
    fn all(&self, local: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.0
            .child_elements()
            .filter(move |e| e.is(CAP_NAMESPACE, local))
    }
    fn opt(&self, local: &str) -> Option<String> {
        self.0.child(CAP_NAMESPACE, local).map(Element::text)
    }
    fn req(&self, local: &str) -> Result<String, DecodeError> {
        self.opt(local).ok_or_else(|| fail(local, "missing"))
    }
    fn texts(&self, local: &'a str) -> Vec<String> {
        self.all(local).map(Element::text).collect()
    }
    fn time(&self, local: &str) -> Result<Option<CapDateTime>, DecodeError> {
        self.opt(local)
            .map(|t| CapDateTime::parse(&t).map_err(|e| fail(local, e.to_string())))
            .transpose()
    }
    fn named_values(&self, local: &'a str) -> Result<Vec<NamedValue>, DecodeError> {
        self.all(local)
            .map(|e| {
                let f = Fields(e);
                Ok(NamedValue::new(f.req("valueName")?, f.req("value")?))
            })
            .collect()
    }
}

fn enumeration<T>(local: &str, text: &str, parse: fn(&str) -> Option<T>) -> Result<T, DecodeError> {
    parse(text).ok_or_else(|| fail(local, format!("{text:?} is not allowed")))
}

pub fn decode_alert(alert: &Element) -> Result<Alert, DecodeError> {
    let f = Fields(alert);
    let sent = f.time("sent")?.ok_or_else(|| fail("sent", "missing"))?;
    let references = f
        .opt("references")
        .unwrap_or_default()
        .split_ascii_whitespace()
        .map(|t| parse_reference(t).map_err(|e| fail("references", e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Alert {
        identifier: f.req("identifier")?,
        sender: f.req("sender")?,
        sent,
        status: enumeration("status", &f.req("status")?, Status::parse)?,
        msg_type: enumeration("msgType", &f.req("msgType")?, MsgType::parse)?,
        source: f.opt("source"),
        scope: enumeration("scope", &f.req("scope")?, Scope::parse)?,
        restriction: f.opt("restriction"),
        addresses: f.opt("addresses"),
        codes: f.texts("code"),
        note: f.opt("note"),
        references,
        incidents: f.opt("incidents"),
        infos: f.all("info").map(decode_info).collect::<Result<_, _>>()?,
    })
}

fn decode_info(info: &Element) -> Result<Info, DecodeError> {
    let f = Fields(info);
    Ok(Info {
        language: f
            .opt("language")
            .map(|l| l.trim().to_string())
            .unwrap_or_else(|| "en-US".into()),
        categories: f
            .texts("category")
            .iter()
            .map(|t| enumeration("category", t, Category::parse))
            .collect::<Result<_, _>>()?,
        event: f.req("event")?,
        response_types: f
            .texts("responseType")
            .iter()
            .map(|t| enumeration("responseType", t, ResponseType::parse))
            .collect::<Result<_, _>>()?,
        urgency: enumeration("urgency", &f.req("urgency")?, Urgency::parse)?,
        severity: enumeration("severity", &f.req("severity")?, Severity::parse)?,
        certainty: enumeration("certainty", &f.req("certainty")?, Certainty::parse)?,
        audience: f.opt("audience"),
        event_codes: f.named_values("eventCode")?,
        effective: f.time("effective")?,
        onset: f.time("onset")?,
        expires: f.time("expires")?,
        sender_name: f.opt("senderName"),
        headline: f.opt("headline"),
        description: f.opt("description"),
        instruction: f.opt("instruction"),
        web: f.opt("web").map(|w| w.trim().to_string()),
        contact: f.opt("contact"),
        parameters: f.named_values("parameter")?,
        resources: f
            .all("resource")
            .map(decode_resource)
            .collect::<Result<_, _>>()?,
        areas: f.all("area").map(decode_area).collect::<Result<_, _>>()?,
    })
}

fn decode_resource(resource: &Element) -> Result<Resource, DecodeError> {
    let f = Fields(resource);
    let size = f
        .opt("size")
        .map(|s| {
            s.trim()
                .trim_start_matches('+')
                .parse::<u64>()
                .map_err(|e| fail("size", e.to_string()))
        })
        .transpose()?;
    Ok(Resource {
        resource_desc: f.req("resourceDesc")?,
        mime_type: f.req("mimeType")?,
        size,
        uri: f.opt("uri").map(|u| u.trim().to_string()),
        deref_uri: f.opt("derefUri"),
        digest: f.opt("digest"),
    })
}

fn decode_area(area: &Element) -> Result<Area, DecodeError> {
    let f = Fields(area);
    Ok(Area {
        area_desc: f.req("areaDesc")?,
        polygons: f
            .texts("polygon")
            .iter()
            .map(|t| Polygon::parse(t).map_err(|e| fail("polygon", e.to_string())))
            .collect::<Result<_, _>>()?,
        circles: f
            .texts("circle")
            .iter()
            .map(|t| Circle::parse(t).map_err(|e| fail("circle", e.to_string())))
            .collect::<Result<_, _>>()?,
        geocodes: f.named_values("geocode")?,
        altitude: f.opt("altitude").map(|a| a.trim().to_string()),
        ceiling: f.opt("ceiling").map(|c| c.trim().to_string()),
    })
}
