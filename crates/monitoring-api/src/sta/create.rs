//! Creating SensorThings entities, with deep insert (a Thing with its Locations and
//! Datastreams, each Datastream with its Sensor and ObservedProperty) in one transaction.

use super::model::{Entities, Entity, Kind};
use super::observations::reference;
use crate::towns::Towns;
use serde_json::{Map, Value};
use yingji_domain::TownCode;
use yingji_server::error::ApiError;

/// Entities planned for one request, written in one transaction, then cached.
pub struct Plan<'a> {
    pub entities: &'a mut Entities,
    pub towns: &'a Towns,
    pub new: Vec<Entity>,
}

fn required(field: String, what: &str) -> ApiError {
    ApiError::new("required", format!("{what} is required")).field(field)
}

fn own_fields(kind: Kind, body: &Map<String, Value>) -> Map<String, Value> {
    body.iter()
        .filter(|(k, _)| {
            !k.starts_with("@iot.")
                && !k.contains("@iot.")
                && !kind.navigation().iter().any(|(n, _, _)| n == k)
                && k.as_str() != "HistoricalLocations"
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

impl Plan<'_> {
    fn find(&self, kind: Kind, id: i64) -> Option<&Entity> {
        self.new
            .iter()
            .find(|e| e.kind == kind && e.id == id)
            .or_else(|| self.entities.get(kind, id))
    }

    /// Plans `body` as a new `kind` (or resolves it as a reference); returns its id.
    pub fn entity(
        &mut self,
        kind: Kind,
        body: &Value,
        field: &str,
        parent_thing: Option<i64>,
    ) -> Result<i64, ApiError> {
        let object = body.as_object().ok_or_else(|| {
            ApiError::new(
                "invalid_json",
                format!("{} must be a JSON object", kind.single()),
            )
            .field(field)
        })?;
        if let Some(id) = reference(Some(body)) {
            if object.len() == 1 {
                return match self.find(kind, id) {
                    Some(_) => Ok(id),
                    None => Err(ApiError::new(
                        "invalid_value",
                        format!("there is no {}({id})", kind.set()),
                    )
                    .field(field)),
                };
            }
        }
        let name_needed = !matches!(kind, Kind::Location | Kind::FeatureOfInterest);
        if name_needed && !object.get("name").is_some_and(Value::is_string) {
            return Err(required(format!("{field}.name"), "name (a string)"));
        }
        let mut entity = Entity {
            kind,
            id: self.entities.allocate(kind),
            fields: own_fields(kind, object),
            thing: None,
            sensor: None,
            observed_property: None,
            locations: Vec::new(),
            town: None,
            public: matches!(kind, Kind::Sensor | Kind::ObservedProperty),
        };
        match kind {
            Kind::Thing => self.thing(&mut entity, object, field)?,
            Kind::Location => {
                let point = self.towns.point(object.get("location"));
                if object.get("location").is_none() {
                    return Err(required(format!("{field}.location"), "location (GeoJSON)"));
                }
                entity.town = point.and_then(|p| self.towns.town_at(p));
            }
            Kind::FeatureOfInterest => {
                if object.get("feature").is_none() {
                    return Err(required(format!("{field}.feature"), "feature (GeoJSON)"));
                }
            }
            Kind::Datastream => self.datastream(&mut entity, object, field, parent_thing)?,
            Kind::Sensor | Kind::ObservedProperty | Kind::Observation => {}
        }
        let id = entity.id;
        self.new.push(entity);
        Ok(id)
    }

    fn thing(
        &mut self,
        thing: &mut Entity,
        body: &Map<String, Value>,
        field: &str,
    ) -> Result<(), ApiError> {
        let properties = body.get("properties");
        let town = match properties
            .and_then(|p| p.get("town_code"))
            .and_then(Value::as_str)
        {
            Some(code) => {
                let town = TownCode::parse(&format!("{field}.properties.town_code"), code)?;
                if !self.towns.knows(&town) {
                    return Err(ApiError::new(
                        "unknown_town",
                        format!("{code} is no town of this county"),
                    )
                    .field(format!("{field}.properties.town_code")));
                }
                Some(town)
            }
            None => None,
        };
        thing.public = properties
            .and_then(|p| p.get("public"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        for (i, location) in array(body, "Locations", field)?.iter().enumerate() {
            let id = self.entity(
                Kind::Location,
                location,
                &format!("{field}.Locations[{i}]"),
                None,
            )?;
            thing.locations.push(id);
        }
        thing.town = town.or_else(|| {
            thing
                .locations
                .iter()
                .find_map(|l| self.find(Kind::Location, *l).and_then(|l| l.town.clone()))
        });
        // Datastreams come after the Thing is known, so they inherit its town.
        let datastreams = array(body, "Datastreams", field)?;
        let (thing_id, thing_town, thing_public) = (thing.id, thing.town.clone(), thing.public);
        for location in &thing.locations {
            if let Some(l) = self
                .new
                .iter_mut()
                .find(|e| e.kind == Kind::Location && e.id == *location)
            {
                l.town = l.town.clone().or(thing_town.clone());
                l.public = thing_public;
            }
        }
        let pending = Entity { ..thing.clone() };
        self.new.push(pending);
        let result = datastreams.iter().enumerate().try_for_each(|(i, d)| {
            self.entity(
                Kind::Datastream,
                d,
                &format!("{field}.Datastreams[{i}]"),
                Some(thing_id),
            )
            .map(|_| ())
        });
        // The caller pushes the final Thing; drop the provisional copy.
        self.new
            .retain(|e| !(e.kind == Kind::Thing && e.id == thing_id));
        result
    }

    fn datastream(
        &mut self,
        datastream: &mut Entity,
        body: &Map<String, Value>,
        field: &str,
        parent_thing: Option<i64>,
    ) -> Result<(), ApiError> {
        if !body.get("unitOfMeasurement").is_some_and(Value::is_object) {
            return Err(required(
                format!("{field}.unitOfMeasurement"),
                "unitOfMeasurement (an object)",
            ));
        }
        let thing = match (parent_thing, body.get("Thing")) {
            (Some(id), _) => id,
            (None, Some(t)) => self.entity(Kind::Thing, t, &format!("{field}.Thing"), None)?,
            (None, None) => return Err(required(format!("{field}.Thing"), "Thing")),
        };
        let sensor = body
            .get("Sensor")
            .ok_or_else(|| required(format!("{field}.Sensor"), "Sensor"))?;
        let property = body
            .get("ObservedProperty")
            .ok_or_else(|| required(format!("{field}.ObservedProperty"), "ObservedProperty"))?;
        datastream.sensor =
            Some(self.entity(Kind::Sensor, sensor, &format!("{field}.Sensor"), None)?);
        datastream.observed_property = Some(self.entity(
            Kind::ObservedProperty,
            property,
            &format!("{field}.ObservedProperty"),
            None,
        )?);
        let owner = self.find(Kind::Thing, thing).cloned();
        datastream.thing = Some(thing);
        if let Some(owner) = owner {
            datastream.town = owner.town;
            datastream.public = owner.public;
        }
        Ok(())
    }
}

fn array<'b>(
    body: &'b Map<String, Value>,
    name: &str,
    field: &str,
) -> Result<&'b [Value], ApiError> {
    match body.get(name) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(
            ApiError::new("invalid_json", format!("{name} must be an array"))
                .field(format!("{field}.{name}")),
        ),
    }
}
