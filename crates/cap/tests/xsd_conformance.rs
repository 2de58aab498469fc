//! The hand-written XSD checks agree with libxml2 (xmllint) on every corpus file that has an
//! `<alert>` root: both accept or both reject.

mod common;

use yingji_cap::{validate, ReadOptions, RuleKind};

fn xmllint_accepts(path: &std::path::Path) -> bool {
    let xsd = common::cap_data_dir().join("schema/CAP-v1.2.xsd");
    std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&xsd)
        .arg(path)
        .output()
        .expect("xmllint is required (Debian: apt-get install -y libxml2-utils)")
        .status
        .success()
}

#[test]
fn schema_verdicts_match_xmllint() {
    let mut compared = 0;
    for folder in ["valid", "invalid/schema", "invalid/signature"] {
        for path in common::files_in(folder) {
            let report = validate(&std::fs::read(&path).unwrap(), &ReadOptions::default());
            let ours =
                report.outcome.is_ok() && !report.violations().any(|v| v.kind == RuleKind::Schema);
            assert_eq!(ours, xmllint_accepts(&path), "{}: {report}", path.display());
            compared += 1;
        }
    }
    assert!(compared >= 20);
}
