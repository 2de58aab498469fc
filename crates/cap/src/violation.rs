//! A violation: where (an element path), what (a stable snake_case code) and why.

use serde::Serialize;

/// Which kind of rule a violation breaks; the CLI and tests group by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A constraint of CAP-v1.2.xsd (order, cardinality, enumeration, datatype).
    Schema,
    /// A rule of CAP 1.2 section 3 that the XSD does not express.
    Semantic,
    /// The XML-DSig signature does not verify.
    Signature,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Element path such as `/alert/info[1]/area[2]/polygon[1]`.
    pub path: String,
    pub kind: RuleKind,
    /// Stable, snake_case identifier of the rule (e.g. `polygon_not_closed`).
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}] {}", self.path, self.code, self.message)
    }
}

/// Collects violations while walking a tree.
#[derive(Debug, Default)]
pub(crate) struct Violations(pub Vec<Violation>);

impl Violations {
    pub fn push(
        &mut self,
        path: &str,
        kind: RuleKind,
        code: &'static str,
        message: impl Into<String>,
    ) {
        self.0.push(Violation {
            path: path.to_string(),
            kind,
            code,
            message: message.into(),
        });
    }
}
