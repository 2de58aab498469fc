//! Authoring: draft → approve → publish, updates and cancels; every message is valid by
//! this crate and by the official XSD through xmllint (libxml2-utils must be installed).

mod common;

use yingji_cap::authoring::*;
use yingji_cap::model::*;
use yingji_cap::{validate, CapDateTime, Point, Polygon, ReadOptions};

fn at(text: &str) -> CapDateTime {
    CapDateTime::parse(text).unwrap()
}

fn issuer() -> Issuer {
    Issuer {
        sender: "12011900000000".into(),
        sender_name: "天津市蓟州区应急管理局".into(),
        sender_name_en: Some("Jizhou District Emergency Management Bureau".into()),
        contact: Some("022-29142222".into()),
        web: None,
    }
}

fn panshan_polygon() -> Polygon {
    let ring = [
        (40.08, 117.25),
        (40.12, 117.30),
        (40.07, 117.35),
        (40.03, 117.28),
    ];
    Polygon::closing(
        ring.iter()
            .map(|&(lat, lon)| Point::new(lat, lon).unwrap())
            .collect(),
    )
    .unwrap()
}

fn draft(level: WarningLevel, with_english: bool) -> WarningDraft {
    WarningDraft {
        category: Category::Fire,
        event_code: Some(NamedValue::new("yingji", "forest_fire")),
        level,
        urgency: Urgency::Expected,
        certainty: Certainty::Likely,
        response_types: vec![ResponseType::Prepare, ResponseType::Avoid],
        zh: WarningTexts {
            event: "森林火险".into(),
            headline: format!("蓟州区发布森林火险{}预警", level.zh()),
            description: "盘山、八仙山一带森林火险等级高 <气象条件> & 大风".into(),
            instruction: "严禁野外用火，进山人员注意防火。".into(),
        },
        en: with_english.then(|| WarningTexts {
            event: "Forest fire danger".into(),
            headline: "Forest fire danger warning for Jizhou".into(),
            description: "High forest fire danger around Panshan and Baxianshan.".into(),
            instruction: "No open fire outdoors.".into(),
        }),
        effective: at("2026-04-02T08:00:00+08:00"),
        onset: None,
        expires: at("2026-04-03T08:00:00+08:00"),
        areas: vec![
            WarningArea {
                description: "蓟州区官庄镇".into(),
                nbs_codes: vec!["120119104".into(), "120119104201".into()],
                polygons: vec![],
            },
            WarningArea {
                description: "盘山风景区".into(),
                nbs_codes: vec![],
                polygons: vec![panshan_polygon()],
            },
        ],
    }
}

fn approved(level: WarningLevel, with_english: bool) -> ApprovedWarning {
    draft(level, with_english)
        .approve("值班领导 张三", at("2026-04-02T07:40:00+08:00"))
        .unwrap()
}

/// Validates `xml` against the official XSD with xmllint; panics with its output on failure.
fn assert_xsd_valid(xml: &str, name: &str) {
    let xsd = common::cap_data_dir().join("schema/CAP-v1.2.xsd");
    let path = std::env::temp_dir().join(format!("yingji-cap-{}-{name}.xml", std::process::id()));
    std::fs::write(&path, xml).unwrap();
    let output = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&path)
        .output()
        .expect("xmllint is required for this test (Debian: apt-get install -y libxml2-utils)");
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "xmllint rejects {name}:\n{}\n{xml}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_published_warning_is_valid_by_the_library_and_the_xsd() {
    for (level, english) in [(WarningLevel::Red, true), (WarningLevel::Blue, false)] {
        let published = approved(level, english)
            .publish(
                &issuer(),
                Publication::Alert,
                Status::Actual,
                at("2026-04-02T07:45:00+08:00"),
                1,
            )
            .unwrap();
        assert_xsd_valid(&published.xml, "alert");
        let report = validate(published.xml.as_bytes(), &ReadOptions::default());
        assert!(report.is_valid(), "{report}");
        let read_back = report.valid_alerts().next().unwrap();
        assert_eq!(read_back, &published.alert);
        assert_eq!(read_back.infos.len(), if english { 2 } else { 1 });
        assert_eq!(read_back.infos[0].language, "zh-CN");
        assert_eq!(read_back.infos[0].severity, level.severity());
        assert_eq!(
            read_back.infos[0].areas[0].geocodes[0].value,
            "120119104000"
        );
    }
}

#[test]
fn identifiers_follow_sender_time_and_sequence() {
    let sent = at("2026-04-02T07:45:00+08:00");
    assert_eq!(
        message_identifier(&issuer(), sent, 7),
        "12011900000000_202604020745000007"
    );
}

#[test]
fn an_update_references_what_it_replaces_and_validates() {
    let first = approved(WarningLevel::Yellow, true)
        .publish(
            &issuer(),
            Publication::Alert,
            Status::Actual,
            at("2026-04-02T07:45:00+08:00"),
            1,
        )
        .unwrap();
    let replaces = vec![MessageRef::to(&first.alert)];
    let update = approved(WarningLevel::Orange, true)
        .publish(
            &issuer(),
            Publication::Update {
                replaces: replaces.clone(),
            },
            Status::Actual,
            at("2026-04-02T10:00:00+08:00"),
            1,
        )
        .unwrap();
    assert_xsd_valid(&update.xml, "update");
    assert_eq!(update.alert.msg_type, MsgType::Update);
    assert!(update
        .xml
        .contains(&format!("<references>{}</references>", replaces[0])));
    let report = validate(update.xml.as_bytes(), &ReadOptions::default());
    assert_eq!(report.valid_alerts().next().unwrap().references, replaces);
}

#[test]
fn an_update_without_references_is_refused() {
    let result = approved(WarningLevel::Orange, false).publish(
        &issuer(),
        Publication::Update { replaces: vec![] },
        Status::Actual,
        at("2026-04-02T10:00:00+08:00"),
        1,
    );
    assert_eq!(result, Err(PublishError::NothingReplaced));
}

#[test]
fn a_cancel_references_the_warning_and_validates() {
    let first = approved(WarningLevel::Red, false)
        .publish(
            &issuer(),
            Publication::Alert,
            Status::Exercise,
            at("2026-04-02T07:45:00+08:00"),
            2,
        )
        .unwrap();
    let cancel = cancel(
        &issuer(),
        vec![MessageRef::to(&first.alert)],
        "降雨，火险解除",
        Status::Exercise,
        at("2026-04-02T18:00:00+08:00"),
        1,
    )
    .unwrap();
    assert_xsd_valid(&cancel.xml, "cancel");
    assert_eq!(cancel.alert.msg_type, MsgType::Cancel);
    assert!(cancel.alert.infos.is_empty());
    assert!(validate(cancel.xml.as_bytes(), &ReadOptions::default()).is_valid());
}

#[test]
fn drafts_with_missing_texts_bad_times_or_no_area_are_not_approved() {
    let mut bad = draft(WarningLevel::Blue, true);
    bad.zh.headline = " ".into();
    bad.expires = bad.effective;
    bad.areas[0].nbs_codes.push("12011".into());
    bad.areas[1].polygons.clear();
    let errors = bad
        .approve("", at("2026-04-02T07:40:00+08:00"))
        .unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        vec![
            "zh.headline",
            "expires",
            "areas[0].nbs_codes",
            "areas[1]",
            "approved_by"
        ]
    );
}

#[test]
fn an_issuer_whose_sender_breaks_cap_rules_cannot_publish() {
    let mut bad_issuer = issuer();
    bad_issuer.sender = "Jizhou EMB".into();
    let result = approved(WarningLevel::Blue, false).publish(
        &bad_issuer,
        Publication::Alert,
        Status::Actual,
        at("2026-04-02T07:45:00+08:00"),
        1,
    );
    match result {
        Err(PublishError::Invalid(violations)) => {
            assert!(violations.iter().any(|v| v.code == "restricted_character"))
        }
        other => panic!("{other:?}"),
    }
}
