//! Start-up: load the county dataset into an empty store, then read back the county and
//! its towns for validating everything that arrives later.

use crate::state::Registry;
use chrono::Utc;
use rust_embed::RustEmbed;
use std::path::Path;
use yingji_dataset::{county_from_geojson, read_collection, Format, ImportError};
use yingji_domain::record::RegistryContext;
use yingji_domain::{Principal, RecordDraft, RecordKind, TownCode};
use yingji_store::{RecordFilter, Store, StoreError};

/// The county dataset shipped inside the binary (`data/jizhou`), so one file runs anywhere.
#[derive(RustEmbed)]
#[folder = "../../data/jizhou"]
pub struct DefaultDataset;

/// The files of a dataset, in load order: the county first, towns before what lies in them.
pub const DATASET_FILES: &[(RecordKind, &str)] = &[
    (RecordKind::Town, "towns.geojson"),
    (RecordKind::TownArea, "town_areas.geojson"),
    (RecordKind::Village, "villages.geojson"),
    (RecordKind::Shelter, "shelters.geojson"),
    (RecordKind::Team, "teams.geojson"),
    (RecordKind::Station, "stations.geojson"),
    (RecordKind::Depot, "depots.geojson"),
    (RecordKind::Supply, "supplies.csv"),
    (RecordKind::Helipad, "helipads.geojson"),
    (RecordKind::Sensor, "sensors.geojson"),
    (RecordKind::Enterprise, "enterprises.geojson"),
    (RecordKind::HazardPoint, "hazard_points.geojson"),
    (RecordKind::Expert, "experts.csv"),
];

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("dataset file {file}: {error}")]
    File { file: String, error: ImportError },
    #[error("dataset file {0} is missing")]
    Missing(String),
    #[error("the store holds no county; run `yingji import` with a county boundary first")]
    NoCounty,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where dataset files come from: the embedded default or a directory on disk.
pub enum DatasetSource<'a> {
    Embedded,
    Directory(&'a Path),
}

impl DatasetSource<'_> {
    fn read(&self, name: &str) -> Result<Vec<u8>, BootstrapError> {
        match self {
            DatasetSource::Embedded => DefaultDataset::get(name)
                .map(|f| f.data.into_owned())
                .ok_or_else(|| BootstrapError::Missing(name.into())),
            DatasetSource::Directory(dir) => std::fs::read(dir.join(name))
                .map_err(|_| BootstrapError::Missing(dir.join(name).display().to_string())),
        }
    }
}

const LOADED_KEY: &str = "dataset_loaded";

/// Loads the dataset if the store has none yet; returns whether it loaded.
pub async fn ensure_dataset(
    store: &dyn Store,
    source: DatasetSource<'_>,
) -> Result<bool, BootstrapError> {
    if store.get_meta(LOADED_KEY).await?.is_some() {
        return Ok(false);
    }
    load_dataset(store, &source).await?;
    store
        .set_meta(LOADED_KEY, &yingji_domain::time::rfc3339(Utc::now()))
        .await?;
    Ok(true)
}

/// Validates every file first and writes them all in one transaction: a dataset with any
/// bad row changes nothing.
pub async fn load_dataset(
    store: &dyn Store,
    source: &DatasetSource<'_>,
) -> Result<usize, BootstrapError> {
    let county_bytes = source.read("county.geojson")?;
    let file_error = |file: &str, error| BootstrapError::File {
        file: file.to_string(),
        error,
    };
    let county = county_from_geojson(&county_bytes).map_err(|e| file_error("county.geojson", e))?;
    let county_draft = county_record(&county_bytes).map_err(|e| file_error("county.geojson", e))?;
    let town_bytes = source.read("towns.geojson")?;
    let no_towns = Default::default();
    let towns = read_collection(
        RecordKind::Town,
        Format::GeoJson,
        &town_bytes,
        &RegistryContext {
            county: &county,
            towns: &no_towns,
        },
    )
    .map_err(|e| file_error("towns.geojson", e))?;
    let known = towns.iter().filter_map(|t| t.town_code.clone()).collect();
    let ctx = RegistryContext {
        county: &county,
        towns: &known,
    };
    let mut drafts = vec![county_draft];
    for (kind, file) in DATASET_FILES {
        let bytes = source.read(file)?;
        let format = if file.ends_with(".csv") {
            Format::Csv
        } else {
            Format::GeoJson
        };
        drafts
            .extend(read_collection(*kind, format, &bytes, &ctx).map_err(|e| file_error(file, e))?);
    }
    let count = store
        .import_records(&Principal::system("dataset"), drafts, Utc::now())
        .await?;
    tracing::info!(records = count, "county dataset loaded");
    Ok(count)
}

fn county_record(bytes: &[u8]) -> Result<RecordDraft, ImportError> {
    let county = county_from_geojson(bytes)?;
    let no_towns = Default::default();
    let ctx = RegistryContext {
        county: &county,
        towns: &no_towns,
    };
    read_collection(RecordKind::County, Format::GeoJson, bytes, &ctx)?
        .into_iter()
        .next()
        .ok_or_else(|| ImportError::Malformed("no county feature".into()))
}

/// Reads the county and its towns back from the store.
pub async fn registry(store: &dyn Store) -> Result<Registry, BootstrapError> {
    let counties = store
        .list_records(&RecordFilter::all(RecordKind::County))
        .await?;
    let county_record = counties
        .into_iter()
        .next()
        .ok_or(BootstrapError::NoCounty)?;
    let feature = geojson::FeatureCollection {
        bbox: None,
        features: vec![county_record.to_feature()],
        foreign_members: None,
    };
    let mut feature_json =
        serde_json::to_value(&feature).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    feature_json["features"][0]["properties"]["code"] =
        serde_json::Value::from(county_record.id.as_str());
    let bytes =
        serde_json::to_vec(&feature_json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let county = county_from_geojson(&bytes).map_err(|e| BootstrapError::File {
        file: "stored county".into(),
        error: e,
    })?;
    let towns = store
        .list_records(&RecordFilter::all(RecordKind::Town))
        .await?;
    let towns = towns
        .into_iter()
        .filter_map(|t| {
            t.town_code
                .or_else(|| TownCode::parse("", t.id.as_str()).ok())
        })
        .collect();
    Ok(Registry { county, towns })
}
