//! Authoring yingji's own public warnings: draft → approve → publish as CAP 1.2 following
//! GB/T 35965.1 as far as its public descriptions go (see docs/cap-gbt35965.md for the
//! mapping and every assumption). Updates and cancellations reference what they replace.
//! Whatever is published has passed this crate's own validation.

use serde::{Deserialize, Serialize};

use crate::geo::Polygon;
use crate::model::*;
use crate::violation::Violation;
use crate::{validate, write_alert, ReadOptions};

/// The four colour levels of Chinese public warnings and their CAP severities (the mapping
/// used by China's national early-warning release system: red = Extreme … blue = Minor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningLevel {
    Blue,
    Yellow,
    Orange,
    Red,
}

impl WarningLevel {
    pub fn severity(self) -> Severity {
        match self {
            WarningLevel::Red => Severity::Extreme,
            WarningLevel::Orange => Severity::Severe,
            WarningLevel::Yellow => Severity::Moderate,
            WarningLevel::Blue => Severity::Minor,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            WarningLevel::Blue => "蓝色",
            WarningLevel::Yellow => "黄色",
            WarningLevel::Orange => "橙色",
            WarningLevel::Red => "红色",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            WarningLevel::Blue => "Blue",
            WarningLevel::Yellow => "Yellow",
            WarningLevel::Orange => "Orange",
            WarningLevel::Red => "Red",
        }
    }
}

/// The public texts of a warning in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningTexts {
    pub event: String,
    pub headline: String,
    pub description: String,
    pub instruction: String,
}

/// An area of a warning: towns/villages by NBS statistical division code and/or polygons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningArea {
    /// Description in Chinese, e.g. "蓟州区下营镇".
    pub description: String,
    /// NBS codes (统计用区划代码): 9 digits for a town, 12 for a village (a 12-digit town
    /// code ending in 000 is accepted).
    pub nbs_codes: Vec<String>,
    pub polygons: Vec<Polygon>,
}

/// Who publishes: the sender identifier and name put on every message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issuer {
    /// `<sender>`: the issuing unit's code (see docs/cap-gbt35965.md), e.g. "12011900000000".
    pub sender: String,
    /// `<senderName>`, e.g. "天津市蓟州区应急管理局".
    pub sender_name: String,
    pub sender_name_en: Option<String>,
    pub contact: Option<String>,
    pub web: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningDraft {
    pub category: Category,
    /// Event type code (eventCode valueName/value), e.g. the national warning type code.
    pub event_code: Option<NamedValue>,
    pub level: WarningLevel,
    pub urgency: Urgency,
    pub certainty: Certainty,
    pub response_types: Vec<ResponseType>,
    pub zh: WarningTexts,
    pub en: Option<WarningTexts>,
    pub effective: CapDateTime,
    pub onset: Option<CapDateTime>,
    pub expires: CapDateTime,
    pub areas: Vec<WarningArea>,
}

/// A problem with a draft, named by field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct DraftError {
    pub field: String,
    pub reason: String,
}

fn draft_error(field: impl Into<String>, reason: impl Into<String>) -> DraftError {
    DraftError {
        field: field.into(),
        reason: reason.into(),
    }
}

impl WarningDraft {
    /// Every reason this draft cannot be approved.
    pub fn check(&self) -> Vec<DraftError> {
        let mut errors = Vec::new();
        let mut texts = vec![("zh", &self.zh)];
        if let Some(en) = &self.en {
            texts.push(("en", en));
        }
        for (lang, t) in texts {
            for (name, value) in [
                ("event", &t.event),
                ("headline", &t.headline),
                ("description", &t.description),
                ("instruction", &t.instruction),
            ] {
                if value.trim().is_empty() {
                    errors.push(draft_error(format!("{lang}.{name}"), "must not be empty"));
                }
            }
        }
        if self.expires <= self.effective {
            errors.push(draft_error("expires", "must be after effective"));
        }
        if self.areas.is_empty() {
            errors.push(draft_error("areas", "at least one area is required"));
        }
        for (i, area) in self.areas.iter().enumerate() {
            if area.description.trim().is_empty() {
                errors.push(draft_error(
                    format!("areas[{i}].description"),
                    "must not be empty",
                ));
            }
            if area.nbs_codes.is_empty() && area.polygons.is_empty() {
                errors.push(draft_error(
                    format!("areas[{i}]"),
                    "needs NBS codes or polygons",
                ));
            }
            for code in &area.nbs_codes {
                if normalize_nbs_code(code).is_none() {
                    errors.push(draft_error(
                        format!("areas[{i}].nbs_codes"),
                        format!("{code:?} is not a 9- or 12-digit NBS code"),
                    ));
                }
            }
        }
        errors
    }

    /// Approves the draft (the second person's decision), or lists why it cannot be.
    pub fn approve(
        self,
        approved_by: impl Into<String>,
        approved_at: CapDateTime,
    ) -> Result<ApprovedWarning, Vec<DraftError>> {
        let approved_by = approved_by.into();
        let mut errors = self.check();
        if approved_by.trim().is_empty() {
            errors.push(draft_error("approved_by", "an approver is required"));
        }
        if errors.is_empty() {
            Ok(ApprovedWarning {
                draft: self,
                approved_by,
                approved_at,
            })
        } else {
            Err(errors)
        }
    }
}

/// NBS codes are 12 digits; a 9-digit town code is padded with "000".
fn normalize_nbs_code(code: &str) -> Option<String> {
    let code = code.trim();
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match code.len() {
        9 => Some(format!("{code}000")),
        12 => Some(code.to_string()),
        _ => None,
    }
}

/// Geocode valueName for NBS statistical division codes (assumption, see the docs).
pub const NBS_GEOCODE: &str = "NBS";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovedWarning {
    pub draft: WarningDraft,
    pub approved_by: String,
    pub approved_at: CapDateTime,
}

/// What a published message does.
#[derive(Debug, Clone, PartialEq)]
pub enum Publication {
    /// A new warning.
    Alert,
    /// Replaces the earlier message(s): changed level, texts, times or areas.
    Update { replaces: Vec<MessageRef> },
}

/// A message ready for the channels: the typed alert and its XML.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub alert: Alert,
    pub xml: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PublishError {
    #[error("an update must reference at least one earlier message")]
    NothingReplaced,
    #[error("the message would not be valid CAP: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Violation>),
}

/// Message identifier per the assumed GB/T 35965.1 pattern: sender code, sending time
/// (YYYYMMDDhhmmss, local time as sent) and a sequence number within that second.
pub fn message_identifier(issuer: &Issuer, sent: CapDateTime, sequence: u32) -> String {
    format!(
        "{}_{}{:04}",
        issuer.sender,
        sent.as_datetime().format("%Y%m%d%H%M%S"),
        sequence % 10_000
    )
}

impl ApprovedWarning {
    /// Publishes the approved warning as a new Alert or an Update.
    pub fn publish(
        &self,
        issuer: &Issuer,
        publication: Publication,
        status: Status,
        sent: CapDateTime,
        sequence: u32,
    ) -> Result<Published, PublishError> {
        let (msg_type, references) = match publication {
            Publication::Alert => (MsgType::Alert, Vec::new()),
            Publication::Update { replaces } if replaces.is_empty() => {
                return Err(PublishError::NothingReplaced)
            }
            Publication::Update { replaces } => (MsgType::Update, replaces),
        };
        let d = &self.draft;
        let mut infos = vec![self.info("zh-CN", &d.zh, &issuer.sender_name, d.level.zh())];
        if let Some(en) = &d.en {
            let name = issuer
                .sender_name_en
                .as_deref()
                .unwrap_or(&issuer.sender_name);
            infos.push(self.info("en-US", en, name, d.level.en()));
        }
        for info in &mut infos {
            info.contact = issuer.contact.clone();
            info.web = issuer.web.clone();
        }
        let alert = Alert {
            identifier: message_identifier(issuer, sent, sequence),
            sender: issuer.sender.clone(),
            sent,
            status,
            msg_type,
            source: Some(format!("approved by {}", self.approved_by)),
            scope: Scope::Public,
            restriction: None,
            addresses: None,
            codes: vec![GBT_35965_CODE.to_string()],
            note: None,
            references,
            incidents: None,
            infos,
        };
        finish(alert)
    }

    fn info(&self, language: &str, texts: &WarningTexts, sender_name: &str, level: &str) -> Info {
        let d = &self.draft;
        Info {
            language: language.into(),
            categories: vec![d.category],
            event: texts.event.clone(),
            response_types: d.response_types.clone(),
            urgency: d.urgency,
            severity: d.level.severity(),
            certainty: d.certainty,
            audience: None,
            event_codes: d.event_code.iter().cloned().collect(),
            effective: Some(d.effective),
            onset: d.onset,
            expires: Some(d.expires),
            sender_name: Some(sender_name.into()),
            headline: Some(texts.headline.clone()),
            description: Some(texts.description.clone()),
            instruction: Some(texts.instruction.clone()),
            web: None,
            contact: None,
            parameters: vec![NamedValue::new("warningLevel", level)],
            resources: Vec::new(),
            areas: d.areas.iter().map(to_cap_area).collect(),
        }
    }
}

/// `<code>` naming the profile the messages follow.
pub const GBT_35965_CODE: &str = "GB/T35965.1-2018";

fn to_cap_area(area: &WarningArea) -> Area {
    Area {
        area_desc: area.description.clone(),
        polygons: area.polygons.clone(),
        circles: Vec::new(),
        geocodes: area
            .nbs_codes
            .iter()
            .filter_map(|c| normalize_nbs_code(c))
            .map(|c| NamedValue::new(NBS_GEOCODE, c))
            .collect(),
        altitude: None,
        ceiling: None,
    }
}

/// Cancels earlier message(s): a Cancel naming them, with the reason in `<note>`.
pub fn cancel(
    issuer: &Issuer,
    replaces: Vec<MessageRef>,
    reason: &str,
    status: Status,
    sent: CapDateTime,
    sequence: u32,
) -> Result<Published, PublishError> {
    if replaces.is_empty() {
        return Err(PublishError::NothingReplaced);
    }
    let alert = Alert {
        identifier: message_identifier(issuer, sent, sequence),
        sender: issuer.sender.clone(),
        sent,
        status,
        msg_type: MsgType::Cancel,
        source: None,
        scope: Scope::Public,
        restriction: None,
        addresses: None,
        codes: vec![GBT_35965_CODE.to_string()],
        note: Some(reason.to_string()),
        references: replaces,
        incidents: None,
        infos: Vec::new(),
    };
    finish(alert)
}

/// Writes the alert and refuses to hand it out unless it reads back valid and identical.
fn finish(alert: Alert) -> Result<Published, PublishError> {
    let xml = write_alert(&alert);
    let report = validate(xml.as_bytes(), &ReadOptions::default());
    let violations: Vec<Violation> = report.violations().cloned().collect();
    if !violations.is_empty() || report.outcome.is_err() {
        return Err(PublishError::Invalid(violations));
    }
    Ok(Published { alert, xml })
}
