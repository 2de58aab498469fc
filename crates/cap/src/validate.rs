//! Reading and validating a document: one CAP alert, or an EDXL-DE container carrying
//! several. Produces a [`Report`] listing every violation with its path.

use serde::Serialize;

use crate::decode::decode_alert;
use crate::dsig;
use crate::model::{Alert, CAP_NAMESPACE};
use crate::schema::{self, DSIG_NAMESPACE};
use crate::violation::{RuleKind, Violation, Violations};
use crate::xml::{parse_document, Document, Element, Limits, XmlError};

/// Namespace of EDXL-DE 1.0 `<EDXLDistribution>` containers.
pub const EDXL_DE_NAMESPACE: &str = "urn:oasis:names:tc:emergency:EDXL:DE:1.0";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    pub limits: Limits,
    /// Verify XML-DSig signatures found in alerts (certificate expiry is never checked:
    /// archived messages must stay verifiable).
    pub verify_signatures: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            limits: Limits::default(),
            verify_signatures: true,
        }
    }
}

/// Why a whole document was refused before any alert could be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("not a CAP 1.2 alert: {0}")]
    NotCap(String),
    #[error("cannot read the file: {0}")]
    Io(String),
}

impl ReadError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            ReadError::NotCap(_) => "not_cap",
            ReadError::Io(_) => "io_error",
            ReadError::Xml(e) => match e {
                XmlError::TooLarge { .. } => "document_too_large",
                XmlError::TooDeep { .. } => "nesting_too_deep",
                XmlError::DoctypeForbidden => "doctype_forbidden",
                XmlError::UndeclaredEntity(_) => "undeclared_entity",
                XmlError::UnsupportedEncoding(_) | XmlError::InvalidBytes { .. } => "bad_encoding",
                _ => "not_well_formed",
            },
        }
    }
}

/// Result of checking one signed alert's XML-DSig signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum SignatureStatus {
    Unsigned,
    /// Signature verifies; `signer` is the certificate subject.
    Valid {
        signer: String,
    },
    /// Signature does not verify (the reasons are among the violations).
    Invalid,
    NotChecked,
}

/// One alert found in a document, with everything wrong with it.
#[derive(Debug, Clone, Serialize)]
pub struct AlertReport {
    /// Where the alert sits in the document (`/alert`, or a path inside an EDXL-DE container).
    pub location: String,
    pub identifier: Option<String>,
    pub violations: Vec<Violation>,
    pub signature: SignatureStatus,
    /// The typed alert, present when it has no schema or semantic violations.
    #[serde(skip)]
    pub alert: Option<Alert>,
}

impl AlertReport {
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

/// The outcome for one document.
#[derive(Debug, Clone)]
pub struct Report {
    pub outcome: Result<Vec<AlertReport>, ReadError>,
}

impl Report {
    /// Valid when the document was read and every alert in it is valid.
    pub fn is_valid(&self) -> bool {
        matches!(&self.outcome, Ok(alerts) if alerts.iter().all(AlertReport::is_valid))
    }

    /// All violations of all alerts.
    pub fn violations(&self) -> impl Iterator<Item = &Violation> {
        self.outcome
            .iter()
            .flatten()
            .flat_map(|a| a.violations.iter())
    }

    /// The typed alerts that passed validation.
    pub fn valid_alerts(&self) -> impl Iterator<Item = &Alert> {
        self.outcome
            .iter()
            .flatten()
            .filter(|a| a.is_valid())
            .filter_map(|a| a.alert.as_ref())
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let alerts = match &self.outcome {
            Err(e) => return write!(f, "REJECTED [{}] {e}", e.code()),
            Ok(alerts) => alerts,
        };
        if self.is_valid() {
            return write!(
                f,
                "OK ({} alert{})",
                alerts.len(),
                if alerts.len() == 1 { "" } else { "s" }
            );
        }
        let count: usize = alerts.iter().map(|a| a.violations.len()).sum();
        write!(f, "INVALID: {count} violation(s)")?;
        for alert in alerts {
            let id = alert.identifier.as_deref().unwrap_or("(no identifier)");
            if alerts.len() > 1 || alert.location != "/alert" {
                let state = if alert.is_valid() { "OK" } else { "INVALID" };
                write!(f, "\n  alert {id} at {}: {state}", alert.location)?;
            }
            for v in &alert.violations {
                write!(f, "\n    {v}")?;
            }
        }
        Ok(())
    }
}

/// Reads `bytes` (any declared encoding) and validates every CAP 1.2 alert in it.
pub fn validate(bytes: &[u8], options: &ReadOptions) -> Report {
    let outcome = parse_document(bytes, &options.limits)
        .map_err(ReadError::from)
        .and_then(|doc| validate_document(&doc, options));
    Report { outcome }
}

fn validate_document(doc: &Document, options: &ReadOptions) -> Result<Vec<AlertReport>, ReadError> {
    let root = &doc.root;
    if root.is(CAP_NAMESPACE, "alert") {
        return Ok(vec![check_alert(doc, &[], root, "/alert".into(), options)]);
    }
    if root.local == "alert" {
        let why = match &root.namespace {
            Some(ns) => format!("root <alert> is in namespace {ns:?}, expected {CAP_NAMESPACE:?}"),
            None => format!("root <alert> has no namespace, expected {CAP_NAMESPACE:?}"),
        };
        return Err(ReadError::NotCap(why));
    }
    if root.is(EDXL_DE_NAMESPACE, "EDXLDistribution") {
        let mut found = Vec::new();
        let mut ancestors = Vec::new();
        collect_embedded_alerts(
            root,
            &format!("/{}", root.local),
            &mut ancestors,
            &mut found,
        );
        if found.is_empty() {
            return Err(ReadError::NotCap(
                "EDXL-DE container carries no CAP 1.2 alert".into(),
            ));
        }
        return Ok(found
            .into_iter()
            .map(|(ancestors, alert, location)| {
                check_alert(doc, &ancestors, alert, location, options)
            })
            .collect());
    }
    let ns = root.namespace.as_deref().unwrap_or("no namespace");
    Err(ReadError::NotCap(format!(
        "root element <{}> ({ns}) is neither a CAP 1.2 <alert> nor an EDXL-DE container",
        root.qualified_name()
    )))
}

type Found<'a> = (Vec<&'a Element>, &'a Element, String);

fn collect_embedded_alerts<'a>(
    element: &'a Element,
    path: &str,
    ancestors: &mut Vec<&'a Element>,
    found: &mut Vec<Found<'a>>,
) {
    ancestors.push(element);
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for child in element.child_elements() {
        let n = index.entry(child.local.as_str()).or_default();
        *n += 1;
        let child_path = format!("{path}/{}[{n}]", child.local);
        if child.is(CAP_NAMESPACE, "alert") {
            found.push((ancestors.clone(), child, child_path));
        } else {
            collect_embedded_alerts(child, &child_path, ancestors, found);
        }
    }
    ancestors.pop();
}

fn check_alert(
    doc: &Document,
    ancestors: &[&Element],
    alert: &Element,
    location: String,
    options: &ReadOptions,
) -> AlertReport {
    let mut out = Violations::default();
    schema::check_alert(alert, &mut out);
    crate::rules::check_alert(alert, &mut out);
    let mut decoded = None;
    if out.0.is_empty() {
        match decode_alert(alert) {
            Ok(a) => decoded = Some(a),
            Err(e) => out.push("/alert", RuleKind::Schema, "decode_failed", e.to_string()),
        }
    }
    let signatures: Vec<&Element> = alert
        .child_elements()
        .filter(|e| e.is(DSIG_NAMESPACE, "Signature"))
        .collect();
    let signature = if signatures.is_empty() {
        SignatureStatus::Unsigned
    } else if !options.verify_signatures {
        SignatureStatus::NotChecked
    } else {
        let mut status = SignatureStatus::Invalid;
        let mut chain: Vec<&Element> = ancestors.to_vec();
        chain.push(alert);
        for (i, sig) in signatures.iter().enumerate() {
            let path = format!("/alert/Signature[{}]", i + 1);
            match dsig::verify_enveloped(doc, &chain, sig, &signatures) {
                Ok(signer) => status = SignatureStatus::Valid { signer },
                Err(faults) => {
                    status = SignatureStatus::Invalid;
                    for e in faults {
                        out.push(&path, RuleKind::Signature, e.code(), e.to_string());
                    }
                }
            }
        }
        status
    };
    AlertReport {
        location,
        identifier: alert.child(CAP_NAMESPACE, "identifier").map(Element::text),
        violations: out.0,
        signature,
        alert: decoded,
    }
}

/// One file's outcome, printed by `yingji cap validate`.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: std::path::PathBuf,
    pub report: Report,
}

impl FileReport {
    pub fn is_valid(&self) -> bool {
        self.report.is_valid()
    }
}

impl std::fmt::Display for FileReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.report)
    }
}

/// Reads and validates one file (the only I/O in this crate). An unreadable file is
/// reported as rejected, never a panic. The read is bounded by `options.limits.max_bytes`.
pub fn validate_file(path: &std::path::Path, options: &ReadOptions) -> FileReport {
    use std::io::Read;
    let read = std::fs::File::open(path).and_then(|file| {
        let mut bytes = Vec::new();
        // One byte more than the limit is enough to know the file is too large.
        file.take(options.limits.max_bytes as u64 + 1)
            .read_to_end(&mut bytes)?;
        Ok(bytes)
    });
    let report = match read {
        Ok(bytes) => validate(&bytes, options),
        Err(e) => Report {
            outcome: Err(ReadError::Io(e.to_string())),
        },
    };
    FileReport {
        path: path.to_path_buf(),
        report,
    }
}
