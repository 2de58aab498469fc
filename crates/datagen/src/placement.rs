//! Placing synthetic points so that each lies well inside one town area (and so
//! inside the county), which every layer's `town_code` relies on.

use geo::Coord;
use rand::Rng;

use crate::admin::{placement, County};
use crate::error::Result;

/// A synthetic point and the index of the town whose area holds it.
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    pub position: Coord,
    pub town: usize,
}

impl County {
    /// The town whose area holds `c` with the edge margin, if any.
    pub fn town_with_margin(&self, c: Coord) -> Option<usize> {
        self.town_areas
            .iter()
            .position(|area| area.contains_with_margin(c))
    }

    /// A point inside `town`'s area, normally distributed around `centre`.
    pub fn place_in_town<R: Rng>(
        &self,
        rng: &mut R,
        town: usize,
        centre: Coord,
        sigma_km: f64,
        what: &str,
    ) -> Result<Placed> {
        self.town_areas[town]
            .sample_near(rng, &self.projection, centre, sigma_km, |_| true)
            .map(|position| Placed { position, town })
            .ok_or_else(|| placement(what, "no room in its town area near the anchor"))
    }

    /// A point near the town seat.
    pub fn place_near_seat<R: Rng>(
        &self,
        rng: &mut R,
        town: usize,
        sigma_km: f64,
        what: &str,
    ) -> Result<Placed> {
        self.place_in_town(rng, town, self.towns[town].seat, sigma_km, what)
    }

    /// A point anywhere in the county near `anchor` (whichever town it falls in).
    pub fn place_near<R: Rng>(
        &self,
        rng: &mut R,
        anchor: Coord,
        sigma_km: f64,
        what: &str,
    ) -> Result<Placed> {
        self.boundary
            .sample_near(rng, &self.projection, anchor, sigma_km, |c| {
                self.town_with_margin(c).is_some()
            })
            .and_then(|position| {
                self.town_with_margin(position)
                    .map(|town| Placed { position, town })
            })
            .ok_or_else(|| placement(what, "no room in the county near the anchor"))
    }

    /// Best-candidate point in the county, away from `existing`, allowed by `accept`.
    pub fn place_spread<R: Rng>(
        &self,
        rng: &mut R,
        existing: &[Coord],
        candidates: usize,
        accept: impl Fn(Coord) -> bool,
        what: &str,
    ) -> Result<Placed> {
        self.boundary
            .sample_spread(rng, &self.projection, existing, candidates, |c| {
                accept(c) && self.town_with_margin(c).is_some()
            })
            .and_then(|position| {
                self.town_with_margin(position)
                    .map(|town| Placed { position, town })
            })
            .ok_or_else(|| placement(what, "no room in the county where it is allowed"))
    }

    /// The town's name without its suffix (镇, 街道, 满族乡), for facility names.
    pub fn short_name(&self, town: usize) -> &str {
        let name = self.towns[town].name.as_str();
        ["满族乡", "街道", "镇", "乡"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(name)
    }
}
