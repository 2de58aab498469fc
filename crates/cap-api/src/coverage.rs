//! Coverage of a public warning: people reached / people in the alert area, per town and
//! overall, from village populations in the registry and the delivery receipts, toward the
//! plan's 95% target; plus delivery counts per channel.

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashSet};
use yingji_server::auth::{require_signed_in, Caller};
use yingji_server::error::{ApiError, ApiResult};

use crate::storage::db_error;
use crate::CapState;

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct TownCoverage {
    pub town_code: String,
    pub name: String,
    pub people_in_area: u64,
    pub people_reached: u64,
    /// people_reached / people_in_area (1 when nobody lives in the area).
    pub ratio: f64,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ChannelStats {
    pub channel: String,
    pub delivered: u64,
    pub failed: u64,
    pub pending: u64,
    pub attempts: u64,
    /// Attempts beyond the first, over all targets.
    pub retries: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    pub warning_id: String,
    pub target_ratio: f64,
    pub overall: TownCoverage,
    pub meets_target: bool,
    pub towns: Vec<TownCoverage>,
    pub channels: Vec<ChannelStats>,
}

/// The public warning coverage target of the Jizhou plan (预警信息公众覆盖率 95%).
pub const COVERAGE_TARGET: f64 = 0.95;

fn ratio(reached: u64, total: u64) -> f64 {
    if total == 0 {
        1.0
    } else {
        reached as f64 / total as f64
    }
}

#[utoipa::path(get, path = "/api/v1/public-warnings/{id}/coverage", tag = "public-warnings",
    responses((status = 200, description = "People reached per town and overall, and delivery counts per channel", body = Coverage)))]
pub async fn coverage(
    State(state): State<CapState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Coverage>> {
    require_signed_in(&principal)?;
    let warning = crate::warnings::load(&state, &id).await?;
    let draft: yingji_cap::authoring::WarningDraft =
        serde_json::from_value(warning.draft.clone()).map_err(|_| ApiError::internal())?;
    let rows = sqlx::query(
        "SELECT channel, target, state, attempts FROM cap_deliveries WHERE warning_id = $1",
    )
    .bind(&id)
    .fetch_all(&state.app.store.db().reader)
    .await
    .map_err(db_error)?;
    let mut reached_codes = HashSet::new();
    let mut channels: BTreeMap<String, ChannelStats> = BTreeMap::new();
    for row in rows {
        let (channel, target, row_state, attempts): (String, String, String, i64) = (
            row.try_get(0).map_err(db_error)?,
            row.try_get(1).map_err(db_error)?,
            row.try_get(2).map_err(db_error)?,
            row.try_get(3).map_err(db_error)?,
        );
        let stats = channels
            .entry(channel.clone())
            .or_insert_with(|| ChannelStats {
                channel,
                ..ChannelStats::default()
            });
        let attempts = u64::try_from(attempts).unwrap_or(0);
        stats.attempts += attempts;
        stats.retries += attempts.saturating_sub(1);
        match row_state.as_str() {
            "delivered" => {
                stats.delivered += 1;
                reached_codes.insert(target);
            }
            "failed" => stats.failed += 1,
            _ => stats.pending += 1,
        }
    }
    // A village is reached when a delivery to it, or to its whole town, went through.
    let mut towns: BTreeMap<String, TownCoverage> = BTreeMap::new();
    for village in state.gazetteer.villages_in(&draft.areas) {
        let town = towns
            .entry(village.town_code.clone())
            .or_insert_with(|| TownCoverage {
                town_code: village.town_code.clone(),
                name: state
                    .gazetteer
                    .towns
                    .get(&village.town_code)
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
                ..TownCoverage::default()
            });
        town.people_in_area += village.population;
        if reached_codes.contains(&village.code) || reached_codes.contains(&village.town_code) {
            town.people_reached += village.population;
        }
    }
    let mut overall = TownCoverage {
        town_code: state.app.registry.county.code.clone(),
        name: state.app.registry.county.name.clone(),
        ..TownCoverage::default()
    };
    let mut towns: Vec<TownCoverage> = towns.into_values().collect();
    for town in &mut towns {
        town.ratio = ratio(town.people_reached, town.people_in_area);
        overall.people_in_area += town.people_in_area;
        overall.people_reached += town.people_reached;
    }
    overall.ratio = ratio(overall.people_reached, overall.people_in_area);
    Ok(Json(Coverage {
        warning_id: id,
        target_ratio: COVERAGE_TARGET,
        meets_target: overall.ratio >= COVERAGE_TARGET,
        overall,
        towns,
        channels: channels.into_values().collect(),
    }))
}
