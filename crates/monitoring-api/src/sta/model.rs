//! SensorThings entities other than Observations: few, so kept in memory (written through
//! to `sta_entities`) and filtered, ordered and expanded there.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use yingji_domain::TownCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    Thing,
    Location,
    Sensor,
    ObservedProperty,
    Datastream,
    FeatureOfInterest,
    Observation,
}

impl Kind {
    pub const STORED: [Kind; 6] = [
        Kind::Thing,
        Kind::Location,
        Kind::Sensor,
        Kind::ObservedProperty,
        Kind::Datastream,
        Kind::FeatureOfInterest,
    ];

    /// The entity set name in URLs (`Things`).
    pub fn set(self) -> &'static str {
        match self {
            Kind::Thing => "Things",
            Kind::Location => "Locations",
            Kind::Sensor => "Sensors",
            Kind::ObservedProperty => "ObservedProperties",
            Kind::Datastream => "Datastreams",
            Kind::FeatureOfInterest => "FeaturesOfInterest",
            Kind::Observation => "Observations",
        }
    }

    /// The singular name used for to-one navigation (`Thing`).
    pub fn single(self) -> &'static str {
        match self {
            Kind::Thing => "Thing",
            Kind::Location => "Location",
            Kind::Sensor => "Sensor",
            Kind::ObservedProperty => "ObservedProperty",
            Kind::Datastream => "Datastream",
            Kind::FeatureOfInterest => "FeatureOfInterest",
            Kind::Observation => "Observation",
        }
    }

    pub fn from_set(name: &str) -> Option<Kind> {
        [Kind::Observation]
            .into_iter()
            .chain(Kind::STORED)
            .find(|k| k.set() == name)
    }

    pub fn from_single(name: &str) -> Option<Kind> {
        [Kind::Observation]
            .into_iter()
            .chain(Kind::STORED)
            .find(|k| k.single() == name)
    }

    pub fn tag(self) -> &'static str {
        self.single()
    }

    /// Navigation properties of this kind: (name, target, to-many).
    pub fn navigation(self) -> &'static [(&'static str, Kind, bool)] {
        match self {
            Kind::Thing => &[
                ("Locations", Kind::Location, true),
                ("Datastreams", Kind::Datastream, true),
            ],
            Kind::Location => &[("Things", Kind::Thing, true)],
            Kind::Sensor => &[("Datastreams", Kind::Datastream, true)],
            Kind::ObservedProperty => &[("Datastreams", Kind::Datastream, true)],
            Kind::Datastream => &[
                ("Thing", Kind::Thing, false),
                ("Sensor", Kind::Sensor, false),
                ("ObservedProperty", Kind::ObservedProperty, false),
                ("Observations", Kind::Observation, true),
            ],
            Kind::FeatureOfInterest => &[("Observations", Kind::Observation, true)],
            Kind::Observation => &[
                ("Datastream", Kind::Datastream, false),
                ("FeatureOfInterest", Kind::FeatureOfInterest, false),
            ],
        }
    }
}

/// One stored entity: its own properties as received, its links, and where it belongs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub kind: Kind,
    pub id: i64,
    pub fields: Map<String, Value>,
    #[serde(default)]
    pub thing: Option<i64>,
    #[serde(default)]
    pub sensor: Option<i64>,
    #[serde(default)]
    pub observed_property: Option<i64>,
    #[serde(default)]
    pub locations: Vec<i64>,
    /// The town of the Thing (or the Thing of the Datastream); `None` = district-wide.
    #[serde(default, with = "town_text")]
    pub town: Option<TownCode>,
    #[serde(default)]
    pub public: bool,
}

/// Where a Datastream's observations belong, for scoping reads and events.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamInfo {
    pub town: Option<TownCode>,
    pub public: bool,
}

/// A drill's stand-in for a county datastream (see `yingji_monitoring::drill`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shadow<'a> {
    pub drill: &'a str,
    pub of: i64,
}

#[derive(Debug, Default)]
pub struct Entities {
    by_kind: HashMap<Kind, BTreeMap<i64, Entity>>,
    next_id: HashMap<Kind, i64>,
}

impl Entities {
    pub fn insert(&mut self, entity: Entity) {
        let next = self.next_id.entry(entity.kind).or_insert(1);
        *next = (*next).max(entity.id + 1);
        self.by_kind
            .entry(entity.kind)
            .or_default()
            .insert(entity.id, entity);
    }

    pub fn allocate(&mut self, kind: Kind) -> i64 {
        let next = self.next_id.entry(kind).or_insert(1);
        let id = *next;
        *next += 1;
        id
    }

    pub fn get(&self, kind: Kind, id: i64) -> Option<&Entity> {
        self.by_kind.get(&kind)?.get(&id)
    }

    pub fn all(&self, kind: Kind) -> impl Iterator<Item = &Entity> {
        self.by_kind.get(&kind).into_iter().flat_map(|m| m.values())
    }

    pub fn is_empty(&self) -> bool {
        self.by_kind.values().all(BTreeMap::is_empty)
    }

    /// The drill a Datastream shadows a county datastream for, if it is a drill's shadow:
    /// its `properties` carry `drill` (the drill id) and `shadow_of` (the county
    /// datastream's `@iot.id`).
    pub fn shadow(&self, datastream: i64) -> Option<Shadow<'_>> {
        let properties = self
            .get(Kind::Datastream, datastream)?
            .fields
            .get("properties")?;
        Some(Shadow {
            drill: properties.get("drill")?.as_str()?,
            of: properties.get("shadow_of")?.as_i64()?,
        })
    }

    /// The dataset record a Datastream reports for (`properties.record_id`), or for a
    /// drill's shadow the record of the county datastream it stands in for: what the map
    /// places a warning on.
    pub fn record_of(&self, datastream: i64) -> Option<String> {
        let own = |id: i64| -> Option<String> {
            let properties = self.get(Kind::Datastream, id)?.fields.get("properties")?;
            properties.get("record_id")?.as_str().map(str::to_string)
        };
        // One hop only: a shadow names a county datastream, never a chain.
        own(datastream).or_else(|| own(self.shadow(datastream)?.of))
    }

    /// Every shadow of `drill`: county datastream → shadow.
    pub fn shadows_of(&self, drill: &str) -> Vec<(i64, i64)> {
        self.all(Kind::Datastream)
            .filter_map(|d| {
                let shadow = self.shadow(d.id)?;
                (shadow.drill == drill).then_some((shadow.of, d.id))
            })
            .collect()
    }

    pub fn stream(&self, datastream: i64) -> Option<StreamInfo> {
        self.get(Kind::Datastream, datastream).map(|d| StreamInfo {
            town: d.town.clone(),
            public: d.public,
        })
    }

    /// Ids of `target` entities reached from `(kind, id)` over a to-many navigation.
    pub fn related(&self, kind: Kind, id: i64, target: Kind) -> Vec<i64> {
        let from = match self.get(kind, id) {
            Some(e) => e,
            None => return Vec::new(),
        };
        match (kind, target) {
            (Kind::Thing, Kind::Location) => from.locations.clone(),
            (Kind::Thing, Kind::Datastream) => self.linked(target, |e| e.thing == Some(id)),
            (Kind::Location, Kind::Thing) => self.linked(target, |e| e.locations.contains(&id)),
            (Kind::Sensor, Kind::Datastream) => self.linked(target, |e| e.sensor == Some(id)),
            (Kind::ObservedProperty, Kind::Datastream) => {
                self.linked(target, |e| e.observed_property == Some(id))
            }
            _ => Vec::new(),
        }
    }

    /// The entity reached from `(kind, id)` over a to-one navigation.
    pub fn one(&self, kind: Kind, id: i64, target: Kind) -> Option<i64> {
        let from = self.get(kind, id)?;
        match target {
            Kind::Thing => from.thing,
            Kind::Sensor => from.sensor,
            Kind::ObservedProperty => from.observed_property,
            _ => None,
        }
    }

    fn linked(&self, target: Kind, keep: impl Fn(&Entity) -> bool) -> Vec<i64> {
        self.all(target).filter(|e| keep(e)).map(|e| e.id).collect()
    }
}

/// TownCode is not Deserialize (it is parsed with a field name at the edge); stored as text.
mod town_text {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use yingji_domain::TownCode;

    pub fn serialize<S: Serializer>(town: &Option<TownCode>, s: S) -> Result<S::Ok, S::Error> {
        town.as_ref().map(|t| t.to_string()).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TownCode>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| TownCode::parse("town", &t).map_err(|e| serde::de::Error::custom(e.message)))
            .transpose()
    }
}
