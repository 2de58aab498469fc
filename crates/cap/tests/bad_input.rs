//! Bad input is rejected with the reason: one `check(input, expected codes)` per case.

use yingji_cap::xml::Limits;
use yingji_cap::{validate, ReadOptions};

const MINIMAL: &str = r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
<identifier>ID-1</identifier><sender>sender@example.org</sender><sent>2026-04-02T07:45:00+08:00</sent>
<status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
<info><category>Met</category><event>Rain</event><urgency>Expected</urgency><severity>Minor</severity><certainty>Likely</certainty>
<area><areaDesc>Somewhere</areaDesc><polygon>40,117 40.1,117 40.1,117.1 40,117</polygon></area></info></alert>"#;

/// Document-level rejection: the report's code.
fn rejected(input: &str, options: &ReadOptions) -> String {
    match validate(input.as_bytes(), options).outcome {
        Err(e) => e.code().to_string(),
        Ok(alerts) => panic!("accepted: {alerts:?}"),
    }
}

/// Alert-level violations: `path [code]` for each.
fn violations(input: &str) -> Vec<String> {
    validate(input.as_bytes(), &ReadOptions::default())
        .violations()
        .map(|v| format!("{} [{}]", v.path, v.code))
        .collect()
}

#[test]
fn the_minimal_alert_is_valid() {
    assert!(violations(MINIMAL).is_empty());
}

#[test]
fn dtds_entities_size_and_depth_are_refused() {
    let options = ReadOptions::default();
    let laughs = format!(
        "<!DOCTYPE alert [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>{}",
        MINIMAL.replace("Somewhere", "&b;")
    );
    assert_eq!(rejected(&laughs, &options), "doctype_forbidden");
    let xxe = format!(
        "<!DOCTYPE alert [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>{}",
        MINIMAL.replace("Somewhere", "&x;")
    );
    assert_eq!(rejected(&xxe, &options), "doctype_forbidden");
    assert_eq!(
        rejected(&MINIMAL.replace("Somewhere", "&x;"), &options),
        "undeclared_entity"
    );
    let small = ReadOptions {
        limits: Limits {
            max_bytes: 100,
            ..Limits::default()
        },
        ..ReadOptions::default()
    };
    assert_eq!(rejected(MINIMAL, &small), "document_too_large");
    let deep = format!("{}{}{}", "<a>".repeat(100), MINIMAL, "</a>".repeat(100));
    assert_eq!(rejected(&deep, &options), "nesting_too_deep");
    assert_eq!(rejected("<alert", &options), "not_well_formed");
}

#[test]
fn wrong_or_missing_namespace_is_not_cap() {
    let options = ReadOptions::default();
    assert_eq!(
        rejected(&MINIMAL.replace("cap:1.2", "cap:1.1"), &options),
        "not_cap"
    );
    assert_eq!(
        rejected(
            &MINIMAL.replace(r#" xmlns="urn:oasis:names:tc:emergency:cap:1.2""#, ""),
            &options
        ),
        "not_cap"
    );
    assert_eq!(
        rejected("<feed xmlns='http://www.w3.org/2005/Atom'/>", &options),
        "not_cap"
    );
}

#[test]
fn invalid_dates_are_reported_where_they_are() {
    assert_eq!(
        violations(&MINIMAL.replace("2026-04-02T07:45:00+08:00", "2026-04-02T07:45:00Z")),
        vec!["/alert/sent [invalid_datetime]"]
    );
    assert_eq!(
        violations(&MINIMAL.replace("2026-04-02T07:45:00+08:00", "2026-02-30T07:45:00+08:00")),
        vec!["/alert/sent [invalid_datetime]"]
    );
}

#[test]
fn geometry_faults_name_the_polygon() {
    let open = MINIMAL.replace("40.1,117.1 40,117<", "40.1,117.1 40.2,117<");
    assert_eq!(
        violations(&open),
        vec!["/alert/info[1]/area[1]/polygon[1] [polygon_not_closed]"]
    );
    let far = MINIMAL.replace(
        "40,117 40.1,117 40.1,117.1 40,117",
        "40,190 40.1,117 40.1,117.1 40,190",
    );
    assert_eq!(
        violations(&far),
        vec!["/alert/info[1]/area[1]/polygon[1] [longitude_out_of_range]"]
    );
    let circle = MINIMAL.replace("</polygon>", "</polygon><circle>40,117</circle>");
    assert_eq!(
        violations(&circle),
        vec!["/alert/info[1]/area[1]/circle[1] [circle_syntax]"]
    );
}

#[test]
fn schema_faults_are_all_listed() {
    let input = MINIMAL
        .replace(
            "<status>Actual</status><msgType>Alert</msgType>",
            "<msgType>Alert</msgType><status>actual</status>",
        )
        .replace("<scope>Public</scope>", "")
        .replace("<event>Rain</event>", "<event>Rain</event><bogus/>");
    assert_eq!(
        violations(&input),
        vec![
            "/alert/status [element_out_of_order]",
            "/alert/status [invalid_enumeration]",
            "/alert/scope [missing_element]",
            "/alert/info[1]/bogus [unexpected_element]",
        ]
    );
}

#[test]
fn updates_cancels_and_restricted_scopes_need_their_companions() {
    let update = MINIMAL.replace("<msgType>Alert</msgType>", "<msgType>Update</msgType>");
    assert_eq!(
        violations(&update),
        vec!["/alert/references [references_required]"]
    );
    let bad_ref = update.replace(
        "<scope>Public</scope>",
        "<scope>Public</scope><references>sender@example.org,ID-0</references>",
    );
    assert_eq!(
        violations(&bad_ref),
        vec!["/alert/references [reference_syntax]"]
    );
    let good_ref = update.replace("<scope>Public</scope>", "<scope>Public</scope><references>sender@example.org,ID-0,2026-04-01T07:45:00+08:00</references>");
    assert!(violations(&good_ref).is_empty());
    let restricted = MINIMAL.replace("<scope>Public</scope>", "<scope>Restricted</scope>");
    assert_eq!(
        violations(&restricted),
        vec!["/alert/restriction [restriction_required]"]
    );
    let private = MINIMAL.replace("<scope>Public</scope>", "<scope>Private</scope>");
    assert_eq!(
        violations(&private),
        vec!["/alert/addresses [addresses_required]"]
    );
    let spaced = MINIMAL.replace(
        "<identifier>ID-1</identifier>",
        "<identifier>ID 1</identifier>",
    );
    assert_eq!(
        violations(&spaced),
        vec!["/alert/identifier [restricted_character]"]
    );
}

#[test]
fn latin1_declared_alerts_are_read_in_their_encoding() {
    let text = MINIMAL.replace("Somewhere", "Montr\u{e9}al");
    let mut latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n".to_vec();
    latin1.extend(text.chars().map(|c| u8::try_from(u32::from(c)).unwrap()));
    let report = validate(&latin1, &ReadOptions::default());
    assert!(report.is_valid(), "{report}");
    assert_eq!(
        report.valid_alerts().next().unwrap().infos[0].areas[0].area_desc,
        "Montr\u{e9}al"
    );
}
