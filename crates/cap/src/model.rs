//! The typed CAP 1.2 message: [`Alert`] ⊃ [`Info`] ⊃ [`Resource`], [`Area`].
//!
//! Values of these types read from XML have passed validation (see [`crate::validate`]);
//! values built in code are checked by the same validation when written out by the
//! authoring module.

use serde::{Deserialize, Serialize};

pub use crate::datetime::CapDateTime;
pub use crate::geo::{Circle, Point, Polygon};

/// The CAP 1.2 namespace; an `<alert>` in any other namespace is not a CAP 1.2 alert.
pub const CAP_NAMESPACE: &str = "urn:oasis:names:tc:emergency:cap:1.2";

/// Declares a CAP enumeration: variants, their XML spelling, and the list of spellings the
/// schema checker uses, so the XSD enumeration exists once.
macro_rules! cap_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// The spellings the XSD allows, in XSD order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the exact XSD spelling (CAP enumerations are case-sensitive).
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

cap_enum!(Status { Actual = "Actual", Exercise = "Exercise", System = "System", Test = "Test", Draft = "Draft" });
cap_enum!(MsgType { Alert = "Alert", Update = "Update", Cancel = "Cancel", Ack = "Ack", Error = "Error" });
cap_enum!(Scope { Public = "Public", Restricted = "Restricted", Private = "Private" });
cap_enum!(Category {
    Geo = "Geo", Met = "Met", Safety = "Safety", Security = "Security", Rescue = "Rescue",
    Fire = "Fire", Health = "Health", Env = "Env", Transport = "Transport", Infra = "Infra",
    Cbrne = "CBRNE", Other = "Other",
});
cap_enum!(ResponseType {
    Shelter = "Shelter", Evacuate = "Evacuate", Prepare = "Prepare", Execute = "Execute",
    Avoid = "Avoid", Monitor = "Monitor", Assess = "Assess", AllClear = "AllClear", None = "None",
});
cap_enum!(Urgency { Immediate = "Immediate", Expected = "Expected", Future = "Future", Past = "Past", Unknown = "Unknown" });
cap_enum!(Severity { Extreme = "Extreme", Severe = "Severe", Moderate = "Moderate", Minor = "Minor", Unknown = "Unknown" });
cap_enum!(Certainty { Observed = "Observed", Likely = "Likely", Possible = "Possible", Unlikely = "Unlikely", Unknown = "Unknown" });

impl MsgType {
    /// Update, Cancel, Ack and Error act on earlier messages and must name them in
    /// `<references>` (CAP 1.2 §3.2.1, msgType).
    pub fn requires_references(self) -> bool {
        !matches!(self, MsgType::Alert)
    }
}

/// One earlier message named in `<references>`: the `sender,identifier,sent` triplet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRef {
    pub sender: String,
    pub identifier: String,
    pub sent: CapDateTime,
}

impl MessageRef {
    /// The reference to `alert` as it must appear in a later message's `<references>`.
    pub fn to(alert: &Alert) -> MessageRef {
        MessageRef {
            sender: alert.sender.clone(),
            identifier: alert.identifier.clone(),
            sent: alert.sent,
        }
    }
}

impl std::fmt::Display for MessageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{},{},{}", self.sender, self.identifier, self.sent)
    }
}

/// A `valueName`/`value` pair (eventCode, parameter, geocode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedValue {
    pub value_name: String,
    pub value: String,
}

impl NamedValue {
    pub fn new(value_name: impl Into<String>, value: impl Into<String>) -> Self {
        NamedValue {
            value_name: value_name.into(),
            value: value.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub identifier: String,
    pub sender: String,
    pub sent: CapDateTime,
    pub status: Status,
    pub msg_type: MsgType,
    pub source: Option<String>,
    pub scope: Scope,
    pub restriction: Option<String>,
    pub addresses: Option<String>,
    pub codes: Vec<String>,
    pub note: Option<String>,
    pub references: Vec<MessageRef>,
    pub incidents: Option<String>,
    pub infos: Vec<Info>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Info {
    /// RFC 3066 language; the XSD default is `en-US` when the element is absent.
    pub language: String,
    pub categories: Vec<Category>,
    pub event: String,
    pub response_types: Vec<ResponseType>,
    pub urgency: Urgency,
    pub severity: Severity,
    pub certainty: Certainty,
    pub audience: Option<String>,
    pub event_codes: Vec<NamedValue>,
    pub effective: Option<CapDateTime>,
    pub onset: Option<CapDateTime>,
    pub expires: Option<CapDateTime>,
    pub sender_name: Option<String>,
    pub headline: Option<String>,
    pub description: Option<String>,
    pub instruction: Option<String>,
    pub web: Option<String>,
    pub contact: Option<String>,
    pub parameters: Vec<NamedValue>,
    pub resources: Vec<Resource>,
    pub areas: Vec<Area>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub resource_desc: String,
    pub mime_type: String,
    pub size: Option<u64>,
    pub uri: Option<String>,
    pub deref_uri: Option<String>,
    pub digest: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    pub area_desc: String,
    pub polygons: Vec<Polygon>,
    pub circles: Vec<Circle>,
    pub geocodes: Vec<NamedValue>,
    /// Feet above mean sea level (CAP 1.2 §3.2.4); kept as written.
    pub altitude: Option<String>,
    pub ceiling: Option<String>,
}
