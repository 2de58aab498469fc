//! A drafted public warning as sent over HTTP, checked field by field and resolved against
//! the registry into the library's [`WarningDraft`].

use serde::Deserialize;
use std::collections::BTreeSet;
use yingji_cap::authoring::{WarningArea, WarningDraft, WarningLevel, WarningTexts};
use yingji_cap::model::{Category, Certainty, NamedValue, ResponseType, Urgency};
use yingji_cap::{CapDateTime, Polygon};
use yingji_domain::{FieldError, FieldErrors};

use crate::areas::Gazetteer;

/// Body of `POST /api/v1/public-warnings` and `/{id}/update`. Every field is optional in
/// the JSON so that a missing one is reported by name (422) rather than as bad JSON.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct WarningInput {
    /// CAP category (`Met`, `Geo`, `Fire`, `Safety`, …); default `Other`.
    pub category: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub event_code: Option<NamedValue>,
    /// `blue`, `yellow`, `orange` or `red`; CAP severity follows (Minor … Extreme).
    pub level: Option<String>,
    /// CAP urgency (`Immediate`, `Expected`, `Future`, `Past`, `Unknown`).
    pub urgency: Option<String>,
    /// CAP certainty (`Observed`, `Likely`, `Possible`, `Unlikely`, `Unknown`).
    pub certainty: Option<String>,
    #[serde(default)]
    pub response_types: Vec<String>,
    pub zh: Option<TextsInput>,
    pub en: Option<TextsInput>,
    /// RFC 3339 or CAP date-time.
    pub effective: Option<String>,
    pub onset: Option<String>,
    pub expires: Option<String>,
    pub areas: Option<Vec<AreaInput>>,
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct TextsInput {
    pub event: Option<String>,
    pub headline: Option<String>,
    pub description: Option<String>,
    pub instruction: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct AreaInput {
    /// Defaults to the names of the towns and villages.
    pub description: Option<String>,
    /// 9-digit NBS town codes; each becomes the registry's town area polygon.
    #[serde(default)]
    pub towns: Vec<String>,
    /// 12-digit NBS village codes (geocodes; coverage counts their population).
    #[serde(default)]
    pub villages: Vec<String>,
    /// CAP polygons: "lat,lon lat,lon …", closed, at least four pairs.
    #[serde(default)]
    pub polygons: Vec<String>,
}

/// A checked draft and the towns it concerns (for jurisdiction checks and coverage).
pub struct ResolvedDraft {
    pub draft: WarningDraft,
    pub towns: BTreeSet<String>,
}

fn required(field: &str) -> FieldError {
    FieldError::new(field, "required", format!("{field} is required"))
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError::new(field, "invalid_value", message)
}

fn parse_enum<T>(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    default: Option<T>,
    parse: fn(&str) -> Option<T>,
    names: &[&str],
) -> Option<T> {
    match (value, default) {
        (None, Some(d)) => Some(d),
        (None, None) => {
            errors.push(required(field));
            None
        }
        (Some(v), _) => {
            let parsed = parse(v);
            if parsed.is_none() {
                errors.push(invalid(
                    field,
                    format!("{v:?} is not one of {}", names.join(", ")),
                ));
            }
            parsed
        }
    }
}

fn parse_level(errors: &mut FieldErrors, value: Option<&str>) -> Option<WarningLevel> {
    let level = match value? {
        "blue" => WarningLevel::Blue,
        "yellow" => WarningLevel::Yellow,
        "orange" => WarningLevel::Orange,
        "red" => WarningLevel::Red,
        other => {
            errors.push(invalid(
                "level",
                format!("{other:?} is not blue, yellow, orange or red"),
            ));
            return None;
        }
    };
    Some(level)
}

/// Accepts a CAP date-time or any RFC 3339 time (whose offset is kept).
pub fn parse_time(field: &str, raw: &str) -> Result<CapDateTime, FieldError> {
    if let Ok(t) = CapDateTime::parse(raw) {
        return Ok(t);
    }
    chrono::DateTime::parse_from_rfc3339(raw.trim())
        .map(CapDateTime::new)
        .map_err(|_| {
            FieldError::new(
                field,
                "invalid_time",
                format!("{raw:?} is not an RFC 3339 time"),
            )
        })
}

fn time(errors: &mut FieldErrors, field: &str, raw: Option<&str>) -> Option<CapDateTime> {
    match raw {
        None => {
            errors.push(required(field));
            None
        }
        Some(raw) => errors.take(parse_time(field, raw)),
    }
}

fn texts(errors: &mut FieldErrors, lang: &str, input: Option<&TextsInput>) -> Option<WarningTexts> {
    let Some(input) = input else {
        errors.push(required(lang));
        return None;
    };
    let mut one = |name: &str, value: &Option<String>| match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => v.to_string(),
        _ => {
            errors.push(required(&format!("{lang}.{name}")));
            String::new()
        }
    };
    Some(WarningTexts {
        event: one("event", &input.event),
        headline: one("headline", &input.headline),
        description: one("description", &input.description),
        instruction: one("instruction", &input.instruction),
    })
}

fn area(
    errors: &mut FieldErrors,
    gazetteer: &Gazetteer,
    index: usize,
    input: &AreaInput,
    towns: &mut BTreeSet<String>,
) -> WarningArea {
    let at = |rest: String| format!("areas[{index}].{rest}");
    let mut names = Vec::new();
    let mut codes = Vec::new();
    let mut polygons = Vec::new();
    for (i, code) in input.towns.iter().enumerate() {
        match gazetteer.towns.get(code.trim()) {
            Some(town) => {
                names.push(town.name.clone());
                codes.push(town.code.clone());
                polygons.extend(town.polygons.iter().cloned());
                towns.insert(town.code.clone());
            }
            None => errors.push(FieldError::new(
                at(format!("towns[{i}]")),
                "unknown_town",
                format!("{code:?} names no town of this county"),
            )),
        }
    }
    for (i, code) in input.villages.iter().enumerate() {
        match gazetteer.villages.get(code.trim()) {
            Some(village) => {
                names.push(village.name.clone());
                codes.push(village.code.clone());
                towns.insert(village.town_code.clone());
            }
            None => errors.push(invalid(
                at(format!("villages[{i}]")),
                format!("{code:?} names no village of this county"),
            )),
        }
    }
    for (i, text) in input.polygons.iter().enumerate() {
        match Polygon::parse(text) {
            Ok(polygon) => polygons.push(polygon),
            Err(e) => errors.push(invalid(
                at(format!("polygons[{i}]")),
                format!("{} ({})", e, e.code()),
            )),
        }
    }
    if input.towns.is_empty() && input.villages.is_empty() && input.polygons.is_empty() {
        errors.push(invalid(
            format!("areas[{index}]"),
            "name towns, villages or polygons",
        ));
    }
    let description = match input.description.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => d.to_string(),
        _ if names.is_empty() => gazetteer.county_name.clone(),
        _ => format!("{}{}", gazetteer.county_name, names.join("、")),
    };
    WarningArea {
        description,
        nbs_codes: codes,
        polygons,
    }
}

/// Checks every field, resolves towns and villages, and runs the library's own draft check.
pub fn resolve(input: &WarningInput, gazetteer: &Gazetteer) -> Result<ResolvedDraft, FieldErrors> {
    let mut errors = FieldErrors::default();
    let category = parse_enum(
        &mut errors,
        "category",
        input.category.as_deref(),
        Some(Category::Other),
        Category::parse,
        Category::NAMES,
    );
    let level = parse_level(&mut errors, input.level.as_deref());
    if input.level.is_none() {
        errors.push(required("level"));
    }
    let urgency = parse_enum(
        &mut errors,
        "urgency",
        input.urgency.as_deref(),
        None,
        Urgency::parse,
        Urgency::NAMES,
    );
    let certainty = parse_enum(
        &mut errors,
        "certainty",
        input.certainty.as_deref(),
        None,
        Certainty::parse,
        Certainty::NAMES,
    );
    let mut response_types = Vec::new();
    for (i, r) in input.response_types.iter().enumerate() {
        let field = format!("response_types[{i}]");
        if let Some(r) = parse_enum(
            &mut errors,
            &field,
            Some(r),
            None,
            ResponseType::parse,
            ResponseType::NAMES,
        ) {
            response_types.push(r);
        }
    }
    let zh = texts(&mut errors, "zh", input.zh.as_ref());
    let en = input
        .en
        .as_ref()
        .and_then(|en| texts(&mut errors, "en", Some(en)));
    let effective = time(&mut errors, "effective", input.effective.as_deref());
    let expires = time(&mut errors, "expires", input.expires.as_deref());
    let onset = input
        .onset
        .as_deref()
        .and_then(|raw| errors.take(parse_time("onset", raw)));
    if let (Some(effective), Some(expires)) = (effective, expires) {
        if expires <= effective {
            errors.push(invalid("expires", "must be after effective"));
        }
    }
    let mut towns = BTreeSet::new();
    let areas: Vec<WarningArea> = match &input.areas {
        None => {
            errors.push(required("areas"));
            Vec::new()
        }
        Some(list) if list.is_empty() => {
            errors.push(invalid("areas", "at least one area is required"));
            Vec::new()
        }
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(i, a)| area(&mut errors, gazetteer, i, a, &mut towns))
            .collect(),
    };
    let (
        Some(category),
        Some(level),
        Some(urgency),
        Some(certainty),
        Some(zh),
        Some(effective),
        Some(expires),
    ) = (category, level, urgency, certainty, zh, effective, expires)
    else {
        return Err(errors);
    };
    if !errors.0.is_empty() {
        return Err(errors);
    }
    let draft = WarningDraft {
        category,
        event_code: input.event_code.clone(),
        level,
        urgency,
        certainty,
        response_types,
        zh,
        en,
        effective,
        onset,
        expires,
        areas,
    };
    // The library's rules are the last word on what may be approved.
    for e in draft.check() {
        errors.push(invalid(e.field, e.reason));
    }
    for village in gazetteer.villages_in(&draft.areas) {
        towns.insert(village.town_code.clone());
    }
    errors.into_result(|| ResolvedDraft { draft, towns })
}
