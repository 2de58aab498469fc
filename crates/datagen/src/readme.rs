//! data/<county>/README.md: the static description (dataset_readme.md) with the
//! seed and a table of record counts filled in.

use std::collections::BTreeMap;

use crate::villages::COUNTY_POPULATION_2020;

const TEMPLATE: &str = include_str!("dataset_readme.md");

/// Records in a generated file: features, CSV rows or graph nodes.
pub fn record_count(name: &str, bytes: &[u8]) -> usize {
    let text = String::from_utf8_lossy(bytes);
    if name.ends_with(".geojson") {
        text.lines()
            .filter(|l| l.starts_with("{\"type\":\"Feature\""))
            .count()
    } else if name.ends_with(".csv") {
        text.lines().count().saturating_sub(1)
    } else {
        text.lines().filter(|l| l.starts_with("{\"id\":")).count()
    }
}

/// What the README reports beyond the files themselves.
pub struct ReadmeFacts {
    pub seed: u64,
    pub largest_component_share: f64,
    pub moved_towns: usize,
}

pub fn readme(facts: &ReadmeFacts, files: &BTreeMap<String, Vec<u8>>) -> String {
    let mut table = String::from("| file | records | bytes |\n|---|---:|---:|\n");
    for (name, bytes) in files {
        table.push_str(&format!(
            "| `{name}` | {} | {} |\n",
            record_count(name, bytes),
            bytes.len()
        ));
    }
    TEMPLATE
        .replace("{SEED}", &facts.seed.to_string())
        .replace("{MOVED_TOWNS}", &facts.moved_towns.to_string())
        .replace("{POPULATION}", &COUNTY_POPULATION_2020.to_string())
        .replace("{COUNTS}", &table)
        .replace(
            "{LARGEST_COMPONENT}",
            &format!("{:.1}", facts.largest_component_share * 100.0),
        )
}
