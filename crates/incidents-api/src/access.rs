//! Who may do what with incidents: town officers in their town, the district everywhere.

use yingji_domain::{Jurisdiction, Principal, Role, TownCode};
use yingji_server::error::{ApiError, ApiResult};

fn within(principal: &Principal, town: &TownCode) -> bool {
    match &principal.jurisdiction {
        Jurisdiction::District => true,
        Jurisdiction::Town(mine) => mine == town,
        Jurisdiction::None => false,
    }
}

/// Field reports: information officers as well as those who command.
pub fn may_report(principal: &Principal, town: &TownCode) -> ApiResult<()> {
    yingji_server::auth::require_signed_in(principal)?;
    let role = [
        Role::InfoOfficer,
        Role::TownOfficer,
        Role::DutyOfficer,
        Role::Admin,
    ]
    .iter()
    .any(|r| principal.has(*r));
    if !role {
        return Err(ApiError::forbidden(
            "field reports are filed by information, town or duty officers",
        ));
    }
    if !within(principal, town) {
        return Err(ApiError::forbidden(format!(
            "town {} is outside your jurisdiction",
            town.as_str()
        )));
    }
    Ok(())
}

/// Commanding an incident: status, plans, orders, notes.
pub fn may_command(principal: &Principal, town: &TownCode) -> ApiResult<()> {
    yingji_server::auth::require_signed_in(principal)?;
    if principal.can_write(Some(town)) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "only duty officers, or town officers of {}, act on this incident",
            town.as_str()
        )))
    }
}

/// Reading an incident: anyone signed in whose jurisdiction covers its town. Outsiders
/// get 404 so they learn nothing about incidents elsewhere.
pub fn may_read(principal: &Principal, town: &TownCode, what: &str) -> ApiResult<()> {
    yingji_server::auth::require_signed_in(principal)?;
    if principal.can_read(false, Some(town)) {
        Ok(())
    } else {
        Err(ApiError::not_found(what))
    }
}
