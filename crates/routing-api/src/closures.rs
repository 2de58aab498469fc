//! Road closures and slow-downs, persisted in `routing_closures` (audited) and read back by
//! every query, so a closure counts at once, everywhere, and survives a restart.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use yingji_domain::time::{parse_rfc3339, rfc3339};
use yingji_domain::{Principal, TownCode};
use yingji_routing::{ClosureSet, CostOverlay, LonLat};
use yingji_server::error::ApiError;
use yingji_store::audit::{self, Change};
use yingji_store::migrations::Migration;
use yingji_store::sqlx_error::{self as sqlx, Row};
use yingji_store::StoreError;

use crate::errors::api_error;
use crate::input;
use crate::RoutingService;

const CREATE_TABLE: &str = "CREATE TABLE routing_closures (
    id TEXT PRIMARY KEY,
    segment BIGINT NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    factor DOUBLE PRECISION NOT NULL,
    reason TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    town_code TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
)";

pub const MIGRATIONS: &[Migration] = &[Migration {
    name: "routing_api_0001_closures",
    sqlite: CREATE_TABLE,
    postgres: CREATE_TABLE,
}];

/// A request to close or slow a road segment: at a point (the nearest road) or by segment
/// id; `closed: true` or a `factor` >= 1 (2 = half speed).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosureRequest {
    /// `[lon, lat]` of the blocked place; the nearest road segment is closed.
    pub at: Option<[f64; 2]>,
    /// A segment id from the roads layer, instead of `at`.
    pub segment: Option<u32>,
    pub closed: Option<bool>,
    pub factor: Option<f64>,
    pub reason: Option<String>,
    /// RFC 3339; the closure ends by itself then.
    pub expires_at: Option<String>,
}

/// A closure as stored and served.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoredClosure {
    pub id: String,
    pub segment: u32,
    /// Where it was reported (or the segment's middle).
    pub at: [f64; 2],
    pub closed: bool,
    pub factor: f64,
    pub reason: String,
    pub expires_at: String,
    pub town_code: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

impl StoredClosure {
    fn expires(&self) -> Option<DateTime<Utc>> {
        parse_rfc3339("expires_at", &self.expires_at).ok()
    }
}

const COLUMNS: &str =
    "id, segment, lon, lat, factor, reason, expires_at, town_code, created_by, created_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<StoredClosure, sqlx::Error> {
    let segment: i64 = row.try_get(1)?;
    let factor: f64 = row.try_get(4)?;
    Ok(StoredClosure {
        id: row.try_get(0)?,
        segment: u32::try_from(segment).unwrap_or(u32::MAX),
        at: [row.try_get(2)?, row.try_get(3)?],
        closed: factor == 0.0,
        factor,
        reason: row.try_get(5)?,
        expires_at: row.try_get(6)?,
        town_code: row.try_get(7)?,
        created_by: row.try_get(8)?,
        created_at: row.try_get(9)?,
    })
}

fn store_error(e: impl Into<StoreError>) -> ApiError {
    ApiError::from(e.into())
}

impl RoutingService {
    /// Closures in force at `now`.
    pub async fn active_closures(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredClosure>, ApiError> {
        let db = self.store.db();
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM routing_closures ORDER BY id"
        ))
        .fetch_all(&db.reader)
        .await
        .map_err(store_error)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let closure = from_row(row).map_err(store_error)?;
            if closure.expires().is_some_and(|t| t > now) {
                out.push(closure);
            }
        }
        Ok(out)
    }

    /// The library's closure set for the closures in force. A stored segment id the graph
    /// does not have (the graph was replaced) is placed again from the stored point.
    fn closure_set(&self, closures: &[StoredClosure]) -> ClosureSet {
        let graph = self.router.graph();
        let mut set = ClosureSet::new();
        for c in closures {
            let segment = match graph.segment(c.segment) {
                Ok(_) => Some(c.segment),
                Err(_) => LonLat::new(c.at[0], c.at[1])
                    .ok()
                    .and_then(|p| self.router.snap(p, "at").ok())
                    .map(|s| s.segment),
            };
            let Some(expires_at) = c.expires() else {
                continue;
            };
            if let Some(segment) = segment {
                if let Err(e) = set.add(graph, segment, c.factor, &c.reason, expires_at) {
                    tracing::warn!(closure = %c.id, error = %e, "stored closure ignored");
                }
            }
        }
        set
    }

    /// The travel-time overlay every query uses: the closures in force at `now`.
    pub async fn overlay_at(&self, now: DateTime<Utc>) -> Result<CostOverlay, ApiError> {
        let active = self.active_closures(now).await?;
        Ok(self.closure_set(&active).overlay_at(now))
    }

    /// Active closures as GeoJSON LineStrings with their stored ids, for the map.
    pub async fn closures_geojson(
        &self,
        now: DateTime<Utc>,
    ) -> Result<serde_json::Value, ApiError> {
        let graph = self.router.graph();
        let features: Vec<_> = self
            .active_closures(now)
            .await?
            .into_iter()
            .filter_map(|c| {
                let s = graph.segment(c.segment).ok()?;
                let (a, b) = (graph.node(s.from).position, graph.node(s.to).position);
                Some(serde_json::json!({
                    "type": "Feature",
                    "id": c.id,
                    "geometry": {"type": "LineString", "coordinates": [[a.lon, a.lat], [b.lon, b.lat]]},
                    "properties": c,
                }))
            })
            .collect();
        Ok(serde_json::json!({"type": "FeatureCollection", "features": features}))
    }

    /// Checks a request, decides its segment and town, checks the caller may act there,
    /// then stores it with its audit entry. Nothing is stored when any check fails.
    pub async fn create_closure(
        &self,
        actor: &Principal,
        request: ClosureRequest,
        now: DateTime<Utc>,
    ) -> Result<StoredClosure, ApiError> {
        let graph = self.router.graph();
        let (segment, at) = match (request.at, request.segment) {
            (Some(_), Some(_)) => {
                return Err(
                    ApiError::new("invalid_value", "give either at or segment, not both")
                        .field("at"),
                )
            }
            (None, None) => {
                return Err(
                    ApiError::new("required", "at ([lon, lat]) or segment is required").field("at"),
                )
            }
            (Some(at), None) => {
                let point = input::point("at", at)?;
                let snap = self
                    .router
                    .snap(point, "at")
                    .map_err(|e| api_error(e, &[]))?;
                (snap.segment, point)
            }
            (None, Some(id)) => {
                let s = graph.segment(id).map_err(|e| api_error(e, &[]))?;
                let (a, b) = (graph.node(s.from).position, graph.node(s.to).position);
                let middle = LonLat::new((a.lon + b.lon) / 2.0, (a.lat + b.lat) / 2.0)
                    .map_err(|e| api_error(e, &[]))?;
                (id, middle)
            }
        };
        let factor = match (request.closed, request.factor) {
            (Some(true), None) | (Some(true), Some(0.0)) => 0.0,
            (Some(true), Some(_)) => {
                return Err(
                    ApiError::new("invalid_value", "a closed road has no slow-down factor")
                        .field("factor"),
                )
            }
            (_, Some(f)) => f,
            (_, None) => {
                return Err(ApiError::new(
                    "required",
                    "closed: true or a factor (>= 1) is required",
                )
                .field("factor"))
            }
        };
        let reason = input::required("reason", request.reason)?
            .trim()
            .to_string();
        let expires_raw = input::required("expires_at", request.expires_at)?;
        let expires_at = parse_rfc3339("expires_at", &expires_raw).map_err(ApiError::from)?;
        if expires_at <= now {
            return Err(ApiError::new(
                "invalid_value",
                format!("expires_at {expires_raw} is not in the future"),
            )
            .field("expires_at"));
        }
        // The library's own checks (factor range, reason, segment) on a scratch set.
        ClosureSet::new()
            .add(graph, segment, factor, &reason, expires_at)
            .map_err(|e| api_error(e, &[]))?;

        let town = self.towns.town_of(at);
        authorize(actor, town.as_ref())?;
        let closure = StoredClosure {
            id: format!("closure-{:016x}", rand::random::<u64>()),
            segment,
            at: [at.lon, at.lat],
            closed: factor == 0.0,
            factor,
            reason,
            expires_at: rfc3339(expires_at),
            town_code: town.map(|t| t.as_str().to_string()),
            created_by: actor.username.clone(),
            created_at: rfc3339(now),
        };
        let db = self.store.db();
        let mut tx = db.begin_write().await.map_err(ApiError::from)?;
        sqlx::query(&format!(
            "INSERT INTO routing_closures ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(&closure.id)
        .bind(i64::from(closure.segment))
        .bind(closure.at[0])
        .bind(closure.at[1])
        .bind(closure.factor)
        .bind(&closure.reason)
        .bind(&closure.expires_at)
        .bind(closure.town_code.clone())
        .bind(&closure.created_by)
        .bind(&closure.created_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let change = Change {
            actor,
            action: "create",
            entity: "routing_closure",
            entity_id: &closure.id,
            before: None,
            after: Some(audit::snapshot(&closure).map_err(ApiError::from)?),
            at: now,
        };
        audit::append(db, &mut tx, change)
            .await
            .map_err(ApiError::from)?;
        tx.commit().await.map_err(store_error)?;
        Ok(closure)
    }

    /// Removes a closure (in force or expired), audited; the caller must hold its town.
    pub async fn delete_closure(
        &self,
        actor: &Principal,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<StoredClosure, ApiError> {
        let db = self.store.db();
        let mut tx = db.begin_write().await.map_err(ApiError::from)?;
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM routing_closures WHERE id = $1{}",
            db.for_update()
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        let Some(row) = row else {
            return Err(ApiError::not_found(format!("closure {id}")));
        };
        let closure = from_row(&row).map_err(store_error)?;
        let town = closure
            .town_code
            .as_deref()
            .and_then(|t| TownCode::parse("town_code", t).ok());
        authorize(actor, town.as_ref())?;
        sqlx::query("DELETE FROM routing_closures WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let change = Change {
            actor,
            action: "delete",
            entity: "routing_closure",
            entity_id: id,
            before: Some(audit::snapshot(&closure).map_err(ApiError::from)?),
            after: None,
            at: now,
        };
        audit::append(db, &mut tx, change)
            .await
            .map_err(ApiError::from)?;
        tx.commit().await.map_err(store_error)?;
        Ok(closure)
    }
}

/// Duty officers and admins anywhere; town officers inside their town.
fn authorize(actor: &Principal, town: Option<&TownCode>) -> Result<(), ApiError> {
    yingji_server::auth::require_signed_in(actor)?;
    if actor.can_write(town) {
        Ok(())
    } else {
        Err(ApiError::forbidden(match town {
            Some(t) => format!(
                "closing roads in town {} is outside your role or jurisdiction",
                t.as_str()
            ),
            None => "closing roads outside every town is for district officers".to_string(),
        }))
    }
}
