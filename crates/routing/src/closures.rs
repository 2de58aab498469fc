//! Road closures and slow-downs. They live outside the prepared graph: every query takes the
//! set and the current time, so a new closure counts at once, with no re-preparation.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Result, RoutingError};
use crate::graph::{Millis, RoadGraph, SegmentId, UNREACHED};

pub type ClosureId = u64;

/// A closed or slowed road segment (both directions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Closure {
    pub id: ClosureId,
    pub segment: SegmentId,
    /// 0 closes the segment; a factor above 1 multiplies its travel time (2 = half speed).
    pub factor: f64,
    pub reason: String,
    pub expires_at: DateTime<Utc>,
}

impl Closure {
    pub fn is_closed(&self) -> bool {
        self.factor == 0.0
    }
}

/// All closures known to the caller. Expired ones are ignored by queries and can be pruned.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClosureSet {
    closures: Vec<Closure>,
    next_id: ClosureId,
}

impl ClosureSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a closure of `segment`. `factor` must be 0 (closed) or >= 1 (slowed).
    pub fn add(
        &mut self,
        graph: &RoadGraph,
        segment: SegmentId,
        factor: f64,
        reason: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<ClosureId> {
        graph.segment(segment)?;
        if !(factor == 0.0 || (factor.is_finite() && factor >= 1.0)) {
            return Err(RoutingError::invalid(
                "factor",
                format!("must be 0 (closed) or at least 1 (slowed), got {factor}"),
            ));
        }
        if reason.trim().is_empty() {
            return Err(RoutingError::invalid("reason", "must not be empty"));
        }
        let id = self.next_id;
        self.next_id += 1;
        self.closures.push(Closure {
            id,
            segment,
            factor,
            reason: reason.to_string(),
            expires_at,
        });
        Ok(id)
    }

    /// Closes or slows the road segment nearest to `point` (within the router's snapping
    /// limit); returns the closure and the segment chosen.
    pub fn add_near(
        &mut self,
        router: &crate::router::Router,
        point: crate::geometry::LonLat,
        factor: f64,
        reason: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(ClosureId, SegmentId)> {
        let segment = router.snap(point, "closure point")?.segment;
        let id = self.add(router.graph(), segment, factor, reason, expires_at)?;
        Ok((id, segment))
    }

    /// Removes a closure; returns whether it existed.
    pub fn remove(&mut self, id: ClosureId) -> bool {
        let before = self.closures.len();
        self.closures.retain(|c| c.id != id);
        self.closures.len() != before
    }

    /// Drops closures that expired at or before `now`.
    pub fn prune_expired(&mut self, now: DateTime<Utc>) {
        self.closures.retain(|c| c.expires_at > now);
    }

    pub fn all(&self) -> &[Closure] {
        &self.closures
    }

    pub fn active_at(&self, now: DateTime<Utc>) -> impl Iterator<Item = &Closure> {
        self.closures.iter().filter(move |c| c.expires_at > now)
    }

    /// The per-segment cost overlay in force at `now`. Several closures on one segment
    /// combine to the most restrictive.
    pub fn overlay_at(&self, now: DateTime<Utc>) -> CostOverlay {
        let mut factors: HashMap<SegmentId, f64> = HashMap::new();
        for c in self.active_at(now) {
            let entry = factors.entry(c.segment).or_insert(1.0);
            *entry = if c.is_closed() || *entry == 0.0 {
                0.0
            } else {
                entry.max(c.factor)
            };
        }
        CostOverlay { factors }
    }

    /// Active closures as a GeoJSON FeatureCollection of LineStrings, for the map.
    pub fn to_geojson(&self, graph: &RoadGraph, now: DateTime<Utc>) -> geojson::FeatureCollection {
        let features = self
            .active_at(now)
            .filter_map(|c| {
                let s = graph.segment(c.segment).ok()?;
                let line = geo::LineString::from(vec![
                    graph.node(s.from).position.to_point().0,
                    graph.node(s.to).position.to_point().0,
                ]);
                let mut properties = serde_json::Map::new();
                properties.insert("closure_id".into(), c.id.into());
                properties.insert("segment".into(), c.segment.into());
                properties.insert("closed".into(), c.is_closed().into());
                properties.insert("factor".into(), c.factor.into());
                properties.insert("reason".into(), c.reason.clone().into());
                properties.insert("expires_at".into(), c.expires_at.to_rfc3339().into());
                Some(geojson::Feature {
                    geometry: Some(geojson::Geometry::new((&line).into())),
                    properties: Some(properties),
                    ..Default::default()
                })
            })
            .collect();
        geojson::FeatureCollection {
            features,
            bbox: None,
            foreign_members: None,
        }
    }
}

/// Travel-time multipliers per segment, frozen at one instant. Empty means free flow.
#[derive(Debug, Clone, Default)]
pub struct CostOverlay {
    factors: HashMap<SegmentId, f64>,
}

impl CostOverlay {
    pub fn free_flow() -> Self {
        Self::default()
    }

    pub fn is_free_flow(&self) -> bool {
        self.factors.is_empty()
    }

    /// Segments closed outright (not merely slowed).
    pub fn closed_segments(&self) -> impl Iterator<Item = SegmentId> + '_ {
        self.factors
            .iter()
            .filter(|(_, &f)| f == 0.0)
            .map(|(&segment, _)| segment)
    }

    /// Cost of (part of) a segment whose free-flow cost is `base`; `None` when closed.
    #[inline]
    pub fn cost(&self, segment: SegmentId, base: Millis) -> Option<Millis> {
        if self.factors.is_empty() {
            return Some(base);
        }
        match self.factors.get(&segment) {
            None => Some(base),
            Some(&0.0) => None,
            Some(&f) => Some(((base as f64) * f).round().min((UNREACHED - 1) as f64) as Millis),
        }
    }
}
