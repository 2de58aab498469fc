//! What the incident and report listings share: the caller's jurisdiction and the optional
//! `?drill=` filter as a WHERE clause, and the answer as JSON or a GeoJSON FeatureCollection.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use yingji_domain::{Principal, ReadScope};
use yingji_incidents::DrillId;
use yingji_server::error::{ApiError, ApiResult};
use yingji_store::sqlx_error::{query::Query, Any};

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Only items of this drill.
    pub drill: Option<String>,
    /// Only reports of this incident (report listing).
    pub incident_id: Option<String>,
    /// `json` (default) or `geojson`.
    pub format: Option<String>,
}

/// Column = value conditions, ANDed, with their values bound in order.
#[derive(Debug, Default)]
pub struct Filter {
    conditions: Vec<(&'static str, String)>,
}

impl ListQuery {
    /// The caller's jurisdiction plus the requested filters.
    pub fn filter(&self, principal: &Principal) -> ApiResult<Filter> {
        let mut filter = Filter::default();
        match principal.read_scope() {
            ReadScope::All => {}
            ReadScope::Town(town) => filter.push("town_code", town.as_str()),
            ReadScope::PublicOnly => return Err(ApiError::forbidden("incidents are for officers")),
        }
        if let Some(raw) = &self.drill {
            let drill = DrillId::parse("drill", raw)
                .map_err(|e| ApiError::new("invalid_query", e.message).field("drill"))?;
            filter.push("drill", drill.as_str());
        }
        if let Some(incident) = &self.incident_id {
            filter.push("incident_id", incident);
        }
        Ok(filter)
    }

    /// The items as JSON, or as GeoJSON Features located at their `location`.
    pub fn answer<T: Serialize>(&self, items: &[T]) -> ApiResult<Response> {
        match self.format.as_deref() {
            None | Some("json") => Ok(Json(items).into_response()),
            Some("geojson") => {
                let features: Vec<Value> = items
                    .iter()
                    .map(|item| feature(serde_json::to_value(item).unwrap_or(Value::Null)))
                    .collect();
                Ok((
                    [(header::CONTENT_TYPE, "application/geo+json")],
                    Json(json!({"type": "FeatureCollection", "features": features})),
                )
                    .into_response())
            }
            Some(_) => {
                Err(ApiError::new("invalid_query", "format is json or geojson").field("format"))
            }
        }
    }
}

/// A Feature with the item's `location` [lon, lat] as its Point and every other field as a
/// property.
fn feature(mut item: Value) -> Value {
    let location = item
        .as_object_mut()
        .and_then(|o| o.remove("location"))
        .filter(Value::is_array);
    json!({
        "type": "Feature",
        "id": item.get("id").cloned().unwrap_or(Value::Null),
        "geometry": location.map(|c| json!({"type": "Point", "coordinates": c})),
        "properties": item,
    })
}

impl Filter {
    fn push(&mut self, column: &'static str, value: &str) {
        self.conditions.push((column, value.to_string()));
    }

    /// ` WHERE a = $1 AND b = $2`, or nothing.
    pub fn where_clause(&self) -> String {
        let parts: Vec<String> = self
            .conditions
            .iter()
            .enumerate()
            .map(|(i, (column, _))| format!("{column} = ${}", i + 1))
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", parts.join(" AND "))
        }
    }

    /// Binds the values in the order of [`Filter::where_clause`]; further parameters
    /// follow from `$n + 1`.
    pub fn bind<'q>(
        &'q self,
        mut query: Query<'q, Any, yingji_store::sqlx_error::any::AnyArguments<'q>>,
    ) -> Query<'q, Any, yingji_store::sqlx_error::any::AnyArguments<'q>> {
        for (_, value) in &self.conditions {
            query = query.bind(value.as_str());
        }
        query
    }

    pub fn parameters(&self) -> usize {
        self.conditions.len()
    }
}
