//! yingji-datagen: builds the county dataset that ships in `data/<county>/`.
//!
//! Real inputs: the district boundary, town and village NBS codes (from the
//! project's shared reference data) and the OpenStreetMap-derived road graph of
//! the crate `routrs_highways_dataset`. Everything no public source gives is
//! generated from a fixed seed and flagged `synthetic`. Output is byte-for-byte
//! deterministic: one ChaCha stream per layer, sorted records, rounded floats.

pub mod admin;
mod admin_files;
pub mod error;
mod experts;
pub mod forces;
pub mod geometry;
pub mod landmarks;
pub mod logistics;
pub mod output;
pub mod placement;
mod readme;
pub mod risks;
pub mod roads;
mod sensors;
pub mod shelters;
pub mod sources;
pub mod supplies;
pub mod villages;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

pub use error::{DatagenError, Result};
use roads::{Geograph, JIZHOU_ROADS_BOX};

/// The seed of the committed dataset (the plan period starts on 2021-07-01).
pub const DEFAULT_SEED: u64 = 20210701;

/// What to generate from.
#[derive(Debug, Clone)]
pub struct Config {
    /// The project's shared folder (holding `data/geo/`).
    pub shared_dir: PathBuf,
    pub seed: u64,
}

/// The generated files, by name, in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Dataset {
    /// Writes every file into `dir` (created if missing).
    pub fn write_to(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|source| DatagenError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        for (name, bytes) in &self.files {
            let path = dir.join(name);
            std::fs::write(&path, bytes).map_err(|source| DatagenError::Write { path, source })?;
        }
        Ok(())
    }
}

/// Independent random streams, one per layer, so that changing one layer's
/// generator leaves every other layer's output unchanged.
#[derive(Debug, Clone, Copy)]
enum Stream {
    Villages = 1,
    Shelters,
    Stations,
    Teams,
    Depots,
    Supplies,
    Helipads,
    Enterprises,
    Hazards,
    Sensors,
    Experts,
}

fn stream_rng(seed: u64, stream: Stream) -> ChaCha20Rng {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64);
    rng
}

/// Generates the Jizhou dataset, reading the world road graph itself.
pub fn generate(config: &Config) -> Result<Dataset> {
    generate_with_roads(config, &Geograph::world_highways()?)
}

/// Generates the Jizhou dataset from an already parsed world road graph.
pub fn generate_with_roads(config: &Config, world_roads: &Geograph) -> Result<Dataset> {
    let shared = sources::SharedGeo::read(&config.shared_dir)?;
    let county = admin::County::build(&shared)?;
    let villages = villages::generate(
        &county,
        &shared.villages,
        &mut stream_rng(config.seed, Stream::Villages),
    )?;
    let rng = |stream| stream_rng(config.seed, stream);
    let stations = forces::stations(&county, &mut rng(Stream::Stations))?;
    let depots = logistics::depots(&county, &mut rng(Stream::Depots))?;
    let (enterprises, enterprises_file) =
        risks::enterprises(&county, &mut rng(Stream::Enterprises))?;
    let roads = world_roads.clip(&JIZHOU_ROADS_BOX);

    let mut files = BTreeMap::new();
    let mut add = |name: &str, bytes: Vec<u8>| {
        files.insert(name.to_string(), bytes);
    };
    add(
        "county.geojson",
        admin_files::county_file(&county, "120119", "蓟州区", "Jizhou District")?,
    );
    add(
        "towns.geojson",
        admin_files::towns_file(&county, &villages)?,
    );
    add("town_areas.geojson", admin_files::town_areas_file(&county)?);
    add("villages.geojson", admin_files::villages_file(&villages)?);
    add("roads.routrs.json", roads.to_routrs_json()?);
    add(
        "shelters.geojson",
        shelters::shelters_file(&county, &villages, &mut rng(Stream::Shelters))?,
    );
    add(
        "stations.geojson",
        forces::stations_file(&county, &stations)?,
    );
    add(
        "teams.geojson",
        forces::teams_file(&county, &stations, &mut rng(Stream::Teams))?,
    );
    add("depots.geojson", logistics::depots_file(&county, &depots)?);
    add(
        "supplies.csv",
        supplies::supplies_file(&depots, &mut rng(Stream::Supplies))?,
    );
    add(
        "helipads.geojson",
        logistics::helipads_file(&county, &mut rng(Stream::Helipads))?,
    );
    add("enterprises.geojson", enterprises_file);
    add(
        "hazard_points.geojson",
        risks::hazard_points_file(&county, &villages, &mut rng(Stream::Hazards))?,
    );
    add(
        "sensors.geojson",
        sensors::sensors_file(&county, &enterprises, &mut rng(Stream::Sensors))?,
    );
    add(
        "experts.csv",
        experts::experts_file(&county, &mut rng(Stream::Experts))?,
    );
    let facts = readme::ReadmeFacts {
        seed: config.seed,
        largest_component_share: roads.largest_component_share(),
        moved_towns: county
            .towns
            .iter()
            .filter(|t| t.position_note.is_some())
            .count(),
    };
    let readme = readme::readme(&facts, &files);
    files.insert("README.md".to_string(), readme.into_bytes());
    Ok(Dataset { files })
}
