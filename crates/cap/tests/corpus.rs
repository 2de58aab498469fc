//! The shared CAP corpus: every `valid/` file passes, every `invalid/<reason>/` file fails
//! for that reason, and every alert inside `wrapped/` is checked on its own.

mod common;

use common::{cap_data_dir, files_in, manifest_alert_counts};
use yingji_cap::{validate, ReadError, ReadOptions, Report, RuleKind, SignatureStatus};

fn report_for(path: &std::path::Path) -> Report {
    validate(&std::fs::read(path).unwrap(), &ReadOptions::default())
}

#[test]
fn every_valid_file_passes() {
    for path in files_in("valid") {
        let report = report_for(&path);
        assert!(report.is_valid(), "{}: {report}", path.display());
        assert_eq!(report.valid_alerts().count(), 1, "{}", path.display());
    }
}

fn assert_fails_for(folder: &str, kind: RuleKind) {
    for path in files_in(folder) {
        let report = report_for(&path);
        assert!(!report.is_valid(), "{} should be invalid", path.display());
        let kinds: Vec<RuleKind> = report.violations().map(|v| v.kind).collect();
        assert!(
            kinds.contains(&kind),
            "{}: expected a {kind:?} violation, got {report}",
            path.display()
        );
    }
}

#[test]
fn schema_invalid_files_fail_the_schema_check() {
    assert_fails_for("invalid/schema", RuleKind::Schema);
}

#[test]
fn semantic_invalid_files_fail_a_section_3_rule_but_not_the_schema() {
    let dir = cap_data_dir().join("invalid/semantic");
    if dir.is_dir() {
        assert_fails_for("invalid/semantic", RuleKind::Semantic);
    }
}

#[test]
fn broken_signatures_fail_only_the_signature_check() {
    assert_fails_for("invalid/signature", RuleKind::Signature);
    for path in files_in("invalid/signature") {
        let report = report_for(&path);
        let other: Vec<_> = report
            .violations()
            .filter(|v| v.kind != RuleKind::Signature)
            .collect();
        assert!(other.is_empty(), "{}: {other:?}", path.display());
        let alerts = report.outcome.as_ref().unwrap();
        assert_eq!(alerts[0].signature, SignatureStatus::Invalid);
    }
}

#[test]
fn not_cap_files_are_rejected_as_not_cap() {
    for path in files_in("invalid/not-cap") {
        let report = report_for(&path);
        assert!(
            matches!(report.outcome, Err(ReadError::NotCap(_))),
            "{}: {report}",
            path.display()
        );
    }
}

#[test]
fn wrapped_alerts_are_each_checked_and_counted_as_the_manifest_says() {
    let counts = manifest_alert_counts();
    for path in files_in("wrapped") {
        let name = format!("wrapped/{}", path.file_name().unwrap().to_string_lossy());
        let expected = counts
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, n)| *n)
            .unwrap();
        let report = report_for(&path);
        let alerts = report
            .outcome
            .as_ref()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(alerts.len(), expected, "{name}");
        for alert in alerts {
            assert!(
                alert.is_valid(),
                "{name} {}: {:?}",
                alert.location,
                alert.violations
            );
            assert!(
                alert.location.contains("embeddedXMLContent"),
                "{}",
                alert.location
            );
        }
    }
}

#[test]
fn file_reports_print_ok_or_each_violation_with_its_path() {
    let options = ReadOptions::default();
    let ok = yingji_cap::validate_file(
        &cap_data_dir().join("valid/oasis-cap12-appendix-a1.xml"),
        &options,
    );
    assert!(ok.is_valid());
    assert!(ok.to_string().ends_with(": OK (1 alert)"), "{ok}");
    let bad = yingji_cap::validate_file(
        &cap_data_dir().join("invalid/schema/missing-scope.cap"),
        &options,
    );
    assert!(!bad.is_valid());
    assert!(
        bad.to_string()
            .contains("/alert/scope [missing_element] required <scope> is missing"),
        "{bad}"
    );
    let not_cap = yingji_cap::validate_file(
        &cap_data_dir().join("invalid/not-cap/wrong-namespace.cap"),
        &options,
    );
    assert!(
        not_cap.to_string().contains("REJECTED [not_cap]"),
        "{not_cap}"
    );
    let missing =
        yingji_cap::validate_file(std::path::Path::new("/nonexistent/alert.xml"), &options);
    assert!(
        missing.to_string().contains("REJECTED [io_error]"),
        "{missing}"
    );
}
