//! Planning analyses over the registry: coverage by stations, aerial reach, evacuation to
//! shelters and exposure of villages. Records are read within the caller's scope.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use yingji_domain::{Principal, Record, RecordKind, TownCode};
use yingji_routing::analysis::{
    self, EvacuationArea, ExposureArea, Helicopter, HelicopterBase, Shelter, Station, Village,
};
use yingji_routing::LonLat;
use yingji_server::error::ApiError;
use yingji_store::RecordFilter;

use crate::errors::api_error;
use crate::input;
use crate::RoutingService;

/// Where: a polygon (GeoJSON geometry), a list of town codes, a hazard point id with a
/// radius, or a centre `[lon, lat]` with a radius. Exactly one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaRequest {
    #[schema(value_type = Object)]
    pub polygon: Option<Value>,
    pub towns: Option<Vec<String>>,
    pub hazard_point: Option<String>,
    pub center: Option<[f64; 2]>,
    pub radius_m: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvacuationRequest {
    pub area: AreaRequest,
    /// Only these shelters (ids); default every open shelter.
    pub shelters: Option<Vec<String>>,
}

/// Helicopter reach parameters; the defaults are the plan's 2 hours, 200 km/h, 15 min.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AerialRequest {
    /// A helipad id or `LON,LAT`; default every helipad.
    pub base: Option<String>,
    pub hours: Option<f64>,
    pub cruise_kmh: Option<f64>,
    pub preparation_minutes: Option<f64>,
}

enum Area {
    Zone(ExposureArea),
    Towns(Vec<String>),
}

fn position(record: &Record) -> Option<LonLat> {
    let at = yingji_domain::geometry::anchor(&record.geometry.as_ref()?.value)?;
    LonLat::new(at.lon, at.lat).ok()
}

fn name(record: &Record) -> String {
    record
        .properties
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn town(record: &Record) -> String {
    record
        .town_code
        .as_ref()
        .map(|t| t.as_str().to_string())
        .unwrap_or_default()
}

fn internal(what: &str, e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "{what}");
    ApiError::internal()
}

impl RoutingService {
    async fn records(&self, caller: &Principal, kind: RecordKind) -> Result<Vec<Record>, ApiError> {
        let filter = RecordFilter {
            scope: caller.read_scope(),
            ..RecordFilter::all(kind)
        };
        Ok(self.store.list_records(&filter).await?)
    }

    async fn villages(&self, caller: &Principal) -> Result<Vec<Village>, ApiError> {
        Ok(self
            .records(caller, RecordKind::Village)
            .await?
            .iter()
            .filter_map(|r| {
                Some(Village {
                    id: r.id.as_str().to_string(),
                    name: name(r),
                    town: town(r),
                    position: position(r)?,
                    population: r
                        .properties
                        .get("population")
                        .and_then(Value::as_i64)
                        .unwrap_or(0),
                })
            })
            .collect())
    }

    /// Open shelters with their free places (capacity − occupancy, never below 0). A shelter
    /// without a capacity, or with a negative one, is refused by name.
    async fn shelters(
        &self,
        caller: &Principal,
        only: Option<&[String]>,
    ) -> Result<Vec<Shelter>, ApiError> {
        let mut out = Vec::new();
        for r in self.records(caller, RecordKind::Shelter).await? {
            let id = r.id.as_str().to_string();
            if only.is_some_and(|ids| !ids.contains(&id)) {
                continue;
            }
            if r.properties.get("open").and_then(Value::as_bool) == Some(false) {
                continue;
            }
            let capacity = r.properties.get("capacity").and_then(Value::as_i64);
            let occupancy = r
                .properties
                .get("occupancy")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let field = format!("shelters.{id}.capacity");
            let capacity = match capacity {
                None => {
                    return Err(ApiError::new(
                        "invalid_value",
                        format!("shelter {id} has no capacity"),
                    )
                    .field(field))
                }
                Some(c) if c < 0 => {
                    return Err(ApiError::new(
                        "invalid_value",
                        format!("shelter {id} has negative capacity {c}"),
                    )
                    .field(field))
                }
                Some(c) => (c - occupancy.max(0)).max(0),
            };
            let Some(position) = position(&r) else {
                continue;
            };
            out.push(Shelter {
                id,
                name: name(&r),
                position,
                capacity: Some(capacity),
            });
        }
        if let Some(ids) = only {
            if let Some(missing) = ids.iter().find(|id| !out.iter().any(|s| &&s.id == id)) {
                return Err(
                    ApiError::new("invalid_value", format!("no open shelter {missing}"))
                        .field("shelters"),
                );
            }
        }
        Ok(out)
    }

    async fn area(&self, caller: &Principal, request: &AreaRequest) -> Result<Area, ApiError> {
        let given = [
            request.polygon.is_some(),
            request.towns.is_some(),
            request.hazard_point.is_some(),
            request.center.is_some(),
        ];
        match given.iter().filter(|g| **g).count() {
            0 => {
                return Err(ApiError::new(
                    "required",
                    "give polygon, towns, hazard_point or center",
                )
                .field("area"))
            }
            1 => {}
            _ => {
                return Err(ApiError::new(
                    "invalid_value",
                    "give only one of polygon, towns, hazard_point, center",
                )
                .field("area"))
            }
        }
        if let Some(polygon) = &request.polygon {
            return Ok(Area::Zone(ExposureArea::Polygon(input::polygon(
                "area.polygon",
                polygon,
            )?)));
        }
        if let Some(towns) = &request.towns {
            for (i, t) in towns.iter().enumerate() {
                let field = format!("area.towns[{i}]");
                let code = TownCode::parse(&field, t).map_err(ApiError::from)?;
                if !self.towns.knows(&code) {
                    return Err(ApiError::new(
                        "unknown_town",
                        format!("{t} is no town of this county"),
                    )
                    .field(field));
                }
            }
            return Ok(Area::Towns(towns.clone()));
        }
        let center = match (&request.hazard_point, request.center) {
            (Some(id), _) => {
                let record = match self.store.get_record(RecordKind::HazardPoint, id).await {
                    Ok(r)
                        if caller.can_read(
                            RecordKind::HazardPoint.is_public(),
                            r.town_code.as_ref(),
                        ) =>
                    {
                        r
                    }
                    Ok(_) | Err(yingji_store::StoreError::NotFound { .. }) => {
                        return Err(
                            ApiError::new("invalid_value", format!("no hazard point {id}"))
                                .field("area.hazard_point"),
                        )
                    }
                    Err(e) => return Err(e.into()),
                };
                position(&record).ok_or_else(|| {
                    ApiError::new(
                        "invalid_value",
                        format!("hazard point {id} has no position"),
                    )
                    .field("area.hazard_point")
                })?
            }
            (None, Some(c)) => input::point("area.center", c)?,
            (None, None) => {
                return Err(ApiError::new("required", "area needs a place").field("area"))
            }
        };
        let radius_m = input::positive(
            "area.radius_m",
            input::required("area.radius_m", request.radius_m)?,
        )?;
        Ok(Area::Zone(ExposureArea::Circle { center, radius_m }))
    }

    /// Villages beyond `minutes` by road from every station of `station_type`.
    pub async fn coverage(
        &self,
        caller: &Principal,
        station_type: &str,
        minutes: f64,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        let minutes = input::positive("minutes", minutes)?;
        let stations: Vec<Station> = self
            .records(caller, RecordKind::Station)
            .await?
            .iter()
            .filter_map(|r| {
                Some(Station {
                    id: r.id.as_str().to_string(),
                    name: name(r),
                    kind: r.properties.get("station_type")?.as_str()?.to_string(),
                    position: position(r)?,
                })
            })
            .collect();
        let villages = self.villages(caller).await?;
        let overlay = self.overlay_at(now).await?;
        let report = analysis::coverage(
            &self.router,
            &villages,
            &stations,
            station_type,
            minutes,
            &overlay,
        )
        .map_err(|e| {
            api_error(
                e,
                &[("station_kind", "station_type"), ("max_minutes", "minutes")],
            )
        })?;
        let geojson = report.uncovered_geojson(&villages);
        Ok(json!({"report": report, "geojson": geojson}))
    }

    /// Villages a helicopter cannot reach within the time limit.
    pub async fn aerial(
        &self,
        caller: &Principal,
        request: &AerialRequest,
    ) -> Result<Value, ApiError> {
        let hours = input::positive("hours", request.hours.unwrap_or(2.0))?;
        let bases = match request.base.as_deref() {
            Some(raw) if raw.contains(',') => vec![HelicopterBase {
                id: raw.to_string(),
                position: input::parse_lon_lat("base", raw)?,
            }],
            Some(id) => {
                let record = match self.store.get_record(RecordKind::Helipad, id).await {
                    Ok(r)
                        if caller
                            .can_read(RecordKind::Helipad.is_public(), r.town_code.as_ref()) =>
                    {
                        r
                    }
                    Ok(_) | Err(yingji_store::StoreError::NotFound { .. }) => {
                        return Err(ApiError::new("invalid_value", format!("no helipad {id}"))
                            .field("base"))
                    }
                    Err(e) => return Err(e.into()),
                };
                let position = position(&record).ok_or_else(|| {
                    ApiError::new("invalid_value", format!("helipad {id} has no position"))
                        .field("base")
                })?;
                vec![HelicopterBase {
                    id: id.to_string(),
                    position,
                }]
            }
            None => self
                .records(caller, RecordKind::Helipad)
                .await?
                .iter()
                .filter_map(|r| {
                    Some(HelicopterBase {
                        id: r.id.as_str().to_string(),
                        position: position(r)?,
                    })
                })
                .collect(),
        };
        let helicopter = Helicopter {
            bases,
            cruise_speed_kmh: request.cruise_kmh.unwrap_or(200.0),
            preparation_minutes: request.preparation_minutes.unwrap_or(15.0),
            max_minutes: hours * 60.0,
        };
        let villages = self.villages(caller).await?;
        let report = analysis::aerial_reach(&villages, &helicopter).map_err(|e| {
            api_error(
                e,
                &[
                    ("cruise_speed_kmh", "cruise_kmh"),
                    ("bases", "base"),
                    ("max_minutes", "hours"),
                ],
            )
        })?;
        let geojson = report.unreachable_geojson(&villages);
        Ok(json!({"report": report, "geojson": geojson}))
    }

    /// Assigns the people of the villages in the area to open shelters within their free
    /// places, minimising total person-minutes on the roads in force.
    pub async fn evacuate(
        &self,
        caller: &Principal,
        request: &EvacuationRequest,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        let area = match self.area(caller, &request.area).await? {
            Area::Zone(zone) => EvacuationArea::Zone(zone),
            Area::Towns(towns) => EvacuationArea::Towns(towns),
        };
        let villages = self.villages(caller).await?;
        let shelters = self.shelters(caller, request.shelters.as_deref()).await?;
        let overlay = self.overlay_at(now).await?;
        let router = self.router.clone();
        let (plan, villages, shelters) = tokio::task::spawn_blocking(move || {
            analysis::plan_evacuation(&router, &villages, &shelters, &area, &overlay)
                .map(|p| (p, villages, shelters))
        })
        .await
        .map_err(|e| internal("evacuation task", e))?
        .map_err(|e| api_error(e, &[]))?;
        let geojson = plan.assignments_geojson(&villages, &shelters);
        Ok(json!({"plan": plan, "geojson": geojson}))
    }

    /// Villages and people inside a polygon or within a distance of a point.
    pub async fn exposure(
        &self,
        caller: &Principal,
        request: &AreaRequest,
    ) -> Result<Value, ApiError> {
        let zone = match self.area(caller, request).await? {
            Area::Zone(zone) => zone,
            Area::Towns(_) => {
                return Err(ApiError::new(
                    "invalid_value",
                    "exposure takes a polygon, a hazard point or a centre, not towns",
                )
                .field("area.towns"))
            }
        };
        let villages = self.villages(caller).await?;
        let report = analysis::exposure(&villages, &zone).map_err(|e| api_error(e, &[]))?;
        let geojson = report.geojson(&villages);
        Ok(json!({"report": report, "geojson": geojson}))
    }
}
