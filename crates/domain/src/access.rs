//! Roles and jurisdiction: who may read and change which records.

use crate::codes::TownCode;
use crate::error::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    /// District duty officer / commander (值班员, 指挥长).
    DutyOfficer,
    /// Township emergency response centre (乡镇综合应急响应中心).
    TownOfficer,
    /// Disaster information officer (灾情信息员), reporting from the field.
    InfoOfficer,
    /// Enterprise safety manager; also feeds the enterprise's sensors.
    EnterpriseUser,
    /// Second pair of eyes for public warnings (预警信息审核).
    Approver,
    /// A machine that feeds sensor observations (field gateway, SensorThings client).
    SensorFeeder,
    Public,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Self::Admin,
        Self::DutyOfficer,
        Self::TownOfficer,
        Self::InfoOfficer,
        Self::EnterpriseUser,
        Self::Approver,
        Self::SensorFeeder,
        Self::Public,
    ];

    pub fn tag(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::DutyOfficer => "duty_officer",
            Self::TownOfficer => "town_officer",
            Self::InfoOfficer => "info_officer",
            Self::EnterpriseUser => "enterprise_user",
            Self::Approver => "approver",
            Self::SensorFeeder => "sensor_feeder",
            Self::Public => "public",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|r| r.tag() == raw)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|r| r.tag()).collect();
                FieldError::new(
                    field,
                    "invalid_value",
                    format!("unknown role {raw:?}; one of {}", names.join(", ")),
                )
            })
    }

    /// Roles that may change registry records (within their jurisdiction).
    pub fn edits_registry(self) -> bool {
        matches!(self, Self::Admin | Self::DutyOfficer | Self::TownOfficer)
    }
}

/// Where a user's authority runs: the whole district, or one town.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "town_code")]
pub enum Jurisdiction {
    District,
    Town(TownCode),
    /// No authority anywhere: anonymous callers and public accounts.
    None,
}

/// What a caller may list: everything, public records plus one town's, or public records only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadScope {
    All,
    Town(TownCode),
    PublicOnly,
}

/// The caller of a request, resolved once at the edge. Anonymous callers are
/// `Principal::anonymous()`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Principal {
    pub user_id: Option<String>,
    pub username: String,
    pub roles: Vec<Role>,
    pub jurisdiction: Jurisdiction,
}

impl Principal {
    pub fn anonymous() -> Self {
        Self {
            user_id: None,
            username: "anonymous".into(),
            roles: vec![Role::Public],
            jurisdiction: Jurisdiction::Town(
                TownCode::parse("", "000000000").unwrap_or_else(|_| unreachable!()),
            ),
        }
    }

    /// The system itself (dataset loading, migrations), recorded as such in the audit log.
    pub fn system(name: &str) -> Self {
        Self {
            user_id: None,
            username: format!("system:{name}"),
            roles: vec![Role::Admin],
            jurisdiction: Jurisdiction::District,
        }
    }

    pub fn is_anonymous(&self) -> bool {
        self.user_id.is_none() && self.roles == [Role::Public]
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Which records a listing may return to this caller; stores filter by it.
    pub fn read_scope(&self) -> ReadScope {
        match &self.jurisdiction {
            _ if self.roles.iter().all(|r| *r == Role::Public) => ReadScope::PublicOnly,
            Jurisdiction::District => ReadScope::All,
            Jurisdiction::Town(code) => ReadScope::Town(code.clone()),
            Jurisdiction::None => ReadScope::PublicOnly,
        }
    }

    /// Whether the caller may read a record: public ones always; others only when signed
    /// in with a role other than public, and inside the caller's jurisdiction.
    pub fn can_read(&self, public: bool, town: Option<&TownCode>) -> bool {
        if public {
            return true;
        }
        match self.read_scope() {
            ReadScope::All => true,
            ReadScope::Town(mine) => town == Some(&mine),
            ReadScope::PublicOnly => false,
        }
    }

    /// Whether the caller may create, change or delete a record of that town.
    pub fn can_write(&self, town: Option<&TownCode>) -> bool {
        self.roles.iter().any(|r| r.edits_registry()) && self.within(town)
    }

    fn within(&self, town: Option<&TownCode>) -> bool {
        match (&self.jurisdiction, town) {
            (Jurisdiction::District, _) => true,
            (Jurisdiction::Town(mine), Some(theirs)) => mine == theirs,
            (Jurisdiction::Town(_), None) | (Jurisdiction::None, _) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn town(code: &str) -> TownCode {
        TownCode::parse("", code).unwrap()
    }

    fn officer(code: &str) -> Principal {
        Principal {
            user_id: Some("u1".into()),
            username: "town".into(),
            roles: vec![Role::TownOfficer],
            jurisdiction: Jurisdiction::Town(town(code)),
        }
    }

    #[test]
    fn a_town_officer_stays_in_its_town() {
        let me = officer("120119100");
        assert!(me.can_read(false, Some(&town("120119100"))));
        assert!(!me.can_read(false, Some(&town("120119101"))));
        assert!(
            me.can_read(true, Some(&town("120119101"))),
            "public records are for everyone"
        );
        assert!(me.can_write(Some(&town("120119100"))));
        assert!(!me.can_write(Some(&town("120119101"))));
        assert!(
            !me.can_write(None),
            "county-wide records are the district's"
        );
    }

    #[test]
    fn anonymous_callers_see_only_public_records() {
        let anon = Principal::anonymous();
        assert!(anon.can_read(true, None));
        assert!(!anon.can_read(false, Some(&town("120119100"))));
        assert!(!anon.can_write(Some(&town("120119100"))));
    }

    #[test]
    fn the_district_sees_and_changes_all() {
        let duty = Principal {
            user_id: Some("u2".into()),
            username: "duty".into(),
            roles: vec![Role::DutyOfficer],
            jurisdiction: Jurisdiction::District,
        };
        assert!(duty.can_read(false, Some(&town("120119101"))));
        assert!(duty.can_write(None));
        let info = Principal {
            roles: vec![Role::InfoOfficer],
            ..duty
        };
        assert!(
            !info.can_write(None),
            "information officers report; they do not edit the registry"
        );
    }
}
