//! Specifications of the generated county dataset. They read the project's shared
//! reference data (`<workspace>/../shared`, or `YINGJI_SHARED_DIR`) and fail if it
//! is missing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use geo::{Contains, MultiPolygon, Point};
use geojson::{Feature, FeatureCollection};
use yingji_datagen::roads::Geograph;
use yingji_datagen::villages::COUNTY_POPULATION_2020;
use yingji_datagen::{generate_with_roads, Config, Dataset, DEFAULT_SEED};

fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("YINGJI_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared"));
    assert!(
        dir.join("data/geo/jizhou_villages.csv").is_file(),
        "shared reference data not found under {} (set YINGJI_SHARED_DIR)",
        dir.display()
    );
    dir
}

fn config(seed: u64) -> Config {
    Config {
        shared_dir: shared_dir(),
        seed,
    }
}

fn world_roads() -> &'static Geograph {
    static WORLD: OnceLock<Geograph> = OnceLock::new();
    WORLD.get_or_init(|| Geograph::world_highways().unwrap())
}

/// The dataset for the default seed, generated once per test binary.
fn dataset() -> &'static Dataset {
    static DATASET: OnceLock<Dataset> = OnceLock::new();
    DATASET.get_or_init(|| generate_with_roads(&config(DEFAULT_SEED), world_roads()).unwrap())
}

fn text(name: &str) -> &'static str {
    let bytes = dataset()
        .files
        .get(name)
        .unwrap_or_else(|| panic!("{name} not generated"));
    std::str::from_utf8(bytes).unwrap()
}

fn features(name: &str) -> Vec<Feature> {
    text(name).parse::<FeatureCollection>().unwrap().features
}

fn prop<'a>(f: &'a Feature, key: &str) -> &'a serde_json::Value {
    f.property(key)
        .unwrap_or_else(|| panic!("{:?} has no property {key}", f.id))
}

fn prop_str<'a>(f: &'a Feature, key: &str) -> &'a str {
    prop(f, key)
        .as_str()
        .unwrap_or_else(|| panic!("{:?}: {key} is not a string", f.id))
}

fn feature_id(f: &Feature) -> String {
    match &f.id {
        Some(geojson::feature::Id::String(s)) => s.clone(),
        other => panic!("feature id must be a string, got {other:?}"),
    }
}

fn shape(f: &Feature) -> MultiPolygon<f64> {
    let geometry: geo::Geometry<f64> = f.geometry.clone().unwrap().try_into().unwrap();
    match geometry {
        geo::Geometry::MultiPolygon(mp) => mp,
        geo::Geometry::Polygon(p) => MultiPolygon::new(vec![p]),
        other => panic!("not an area: {other:?}"),
    }
}

fn point(f: &Feature) -> Option<Point<f64>> {
    let geometry: geo::Geometry<f64> = f.geometry.clone()?.try_into().ok()?;
    match geometry {
        geo::Geometry::Point(p) => Some(p),
        _ => None,
    }
}

const POINT_LAYERS: [&str; 11] = [
    "towns.geojson",
    "villages.geojson",
    "shelters.geojson",
    "teams.geojson",
    "stations.geojson",
    "depots.geojson",
    "helipads.geojson",
    "sensors.geojson",
    "enterprises.geojson",
    "hazard_points.geojson",
    "county.geojson",
];

#[test]
fn generating_twice_gives_byte_identical_files() {
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    dataset().write_to(first.path()).unwrap();
    generate_with_roads(&config(DEFAULT_SEED), world_roads())
        .unwrap()
        .write_to(second.path())
        .unwrap();
    for name in dataset().files.keys() {
        let a = std::fs::read(first.path().join(name)).unwrap();
        let b = std::fs::read(second.path().join(name)).unwrap();
        assert!(a == b, "{name} differs between two runs with the same seed");
    }
}

#[test]
fn committed_data_matches_a_fresh_generation() {
    let committed_dir = workspace_root().join("data/jizhou");
    let committed: BTreeSet<String> = std::fs::read_dir(&committed_dir)
        .unwrap_or_else(|e| panic!("{}: {e}", committed_dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let generated: BTreeSet<String> = dataset().files.keys().cloned().collect();
    assert_eq!(
        committed, generated,
        "data/jizhou holds other files than the generator writes"
    );
    for (name, bytes) in &dataset().files {
        let on_disk = std::fs::read(committed_dir.join(name)).unwrap();
        assert!(
            &on_disk == bytes,
            "data/jizhou/{name} is stale or hand-edited: regenerate it with \
             `cargo run -p yingji-datagen --release -- --shared ../shared --out data/jizhou`"
        );
    }
}

#[test]
fn another_seed_changes_the_synthetic_layers_but_not_the_real_ones() {
    let other = generate_with_roads(&config(DEFAULT_SEED + 1), world_roads()).unwrap();
    for real in ["county.geojson", "town_areas.geojson", "roads.routrs.json"] {
        assert_eq!(
            other.files[real],
            dataset().files[real],
            "{real} must not depend on the seed"
        );
    }
    for synthetic in [
        "villages.geojson",
        "shelters.geojson",
        "hazard_points.geojson",
        "sensors.geojson",
    ] {
        assert_ne!(
            other.files[synthetic],
            dataset().files[synthetic],
            "{synthetic} ignores the seed"
        );
    }
}

#[test]
fn counts_follow_the_sources_and_the_plan() {
    assert_eq!(features("county.geojson").len(), 1);
    assert_eq!(features("towns.geojson").len(), 27);
    assert_eq!(features("town_areas.geojson").len(), 27);
    assert_eq!(features("villages.geojson").len(), 983);
    let shelters = features("shelters.geojson");
    assert_eq!(shelters.len(), 95);
    let fixed: Vec<_> = shelters
        .iter()
        .filter(|f| prop_str(f, "kind") == "fixed")
        .collect();
    assert_eq!(fixed.len(), 1, "the plan has exactly one fixed shelter");
    let hazards = features("hazard_points.geojson").len();
    assert!(
        (220..=240).contains(&hazards),
        "~230 hazard points, got {hazards}"
    );
    let teams = features("teams.geojson").len();
    assert!((40..=60).contains(&teams), "40-60 teams, got {teams}");
    let sensors = features("sensors.geojson");
    let of_type = |t: &str| {
        sensors
            .iter()
            .filter(|f| prop_str(f, "sensor_type") == t)
            .count()
    };
    assert!((80..=150).contains(&of_type("rain_gauge")));
    assert!((1..=3).contains(&of_type("reservoir_level")));
    assert!(of_type("river_stage") >= 4);
    assert!(of_type("gas_lel") > 0 && of_type("toxic_gas") > 0);
    assert_eq!(of_type("weather_station"), 10);
}

#[test]
fn every_point_lies_in_the_county_and_in_the_area_of_its_town() {
    let county = shape(&features("county.geojson")[0]);
    let areas: BTreeMap<String, MultiPolygon<f64>> = features("town_areas.geojson")
        .iter()
        .map(|f| (prop_str(f, "code").to_string(), shape(f)))
        .collect();
    let mut checked = 0;
    for layer in POINT_LAYERS {
        for f in features(layer) {
            let Some(p) = point(&f) else { continue };
            let id = feature_id(&f);
            assert!(county.contains(&p), "{layer} {id} lies outside the county");
            let town_code = if layer == "towns.geojson" {
                prop_str(&f, "code")
            } else {
                prop_str(&f, "town_code")
            };
            let area = areas
                .get(town_code)
                .unwrap_or_else(|| panic!("{layer} {id}: town_code {town_code} is not a town"));
            assert!(
                area.contains(&p),
                "{layer} {id} is not inside town {town_code}'s area"
            );
            checked += 1;
        }
    }
    assert!(checked > 1500, "only {checked} points checked");
}

#[test]
fn ids_are_unique_sorted_and_repeated_in_the_properties() {
    for name in dataset().files.keys().filter(|n| n.ends_with(".geojson")) {
        let ids: Vec<String> = features(name).iter().map(feature_id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted, "{name}: ids not unique and sorted");
        for f in features(name) {
            assert_eq!(
                prop_str(&f, "id"),
                feature_id(&f),
                "{name}: properties.id differs"
            );
        }
    }
}

#[test]
fn only_real_records_are_unflagged() {
    let real = ["county.geojson", "towns.geojson"];
    for name in dataset().files.keys().filter(|n| n.ends_with(".geojson")) {
        for f in features(name) {
            let synthetic = prop(&f, "synthetic").as_bool().unwrap();
            assert_eq!(
                synthetic,
                !real.contains(&name.as_str()),
                "{name} {:?}",
                f.id
            );
        }
    }
    for f in features("towns.geojson") {
        assert_eq!(
            prop(&f, "synthetic_fields"),
            &serde_json::json!(["population"])
        );
    }
    for f in features("villages.geojson") {
        assert_eq!(
            prop(&f, "synthetic_fields"),
            &serde_json::json!(["position", "population"])
        );
    }
    for name in ["supplies.csv", "experts.csv"] {
        let mut reader = csv::Reader::from_reader(text(name).as_bytes());
        let column = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "synthetic")
            .unwrap();
        for row in reader.records() {
            assert_eq!(&row.unwrap()[column], "true", "{name}");
        }
    }
}

#[test]
fn village_populations_sum_to_the_census_total_and_communities_are_larger() {
    let villages = features("villages.geojson");
    let population = |f: &Feature| prop(f, "population").as_u64().unwrap();
    let total: u64 = villages.iter().map(population).sum();
    assert_eq!(total, COUNTY_POPULATION_2020);
    let mean = |unit: &str| {
        let of_unit: Vec<u64> = villages
            .iter()
            .filter(|f| prop_str(f, "unit_type") == unit)
            .map(population)
            .collect();
        of_unit.iter().sum::<u64>() as f64 / of_unit.len() as f64
    };
    assert!(mean("community") > 2.0 * mean("village"));
    let mut per_town: BTreeMap<String, u64> = BTreeMap::new();
    for f in &villages {
        *per_town
            .entry(prop_str(f, "town_code").to_string())
            .or_default() += population(f);
    }
    for town in features("towns.geojson") {
        assert_eq!(
            per_town[prop_str(&town, "code")],
            prop(&town, "population").as_u64().unwrap()
        );
    }
}

#[test]
fn hazard_points_lie_in_the_hilly_north() {
    for f in features("hazard_points.geojson") {
        let p = point(&f).unwrap();
        assert!(p.y() >= 40.05, "{:?} at latitude {}", f.id, p.y());
        assert_eq!(
            prop(&f, "id_threshold"),
            &serde_json::json!({"a": 14.82, "b": 0.39})
        );
    }
}

#[test]
fn the_road_graph_is_the_shared_extract_in_routrs_format_and_mostly_connected() {
    let roads = Geograph::parse(text("roads.routrs.json")).unwrap();
    assert_eq!(roads.geograph, "highways");
    let shared_nodes: BTreeSet<u64> = std::fs::read_to_string(
        shared_dir().join("data/geo/jizhou_roads_coarse_osm_nodes.geojson"),
    )
    .unwrap()
    .parse::<FeatureCollection>()
    .unwrap()
    .features
    .iter()
    .map(|f| prop(f, "id").as_u64().unwrap())
    .collect();
    let ids: BTreeSet<u64> = roads.nodes.iter().map(|n| n.id).collect();
    assert_eq!(ids, shared_nodes);
    for node in &roads.nodes {
        let [lat, lon] = node.coordinates;
        assert!(
            (35.0..45.0).contains(&lat) && (110.0..125.0).contains(&lon),
            "[lat, lon] order"
        );
        assert!(
            node.waypoints.iter().all(|w| ids.contains(w)),
            "dangling waypoint at {}",
            node.id
        );
    }
    let share = roads.largest_component_share();
    println!(
        "largest connected component: {:.1} % of {} nodes",
        share * 100.0,
        ids.len()
    );
    assert!(
        share >= 0.9,
        "largest component holds only {:.1} %",
        share * 100.0
    );
}

/// Approximate distance in km (equirectangular at Jizhou's latitude).
fn km(a: Point<f64>, b: Point<f64>) -> f64 {
    let dx = (a.x() - b.x()) * 111.195 * 0.766;
    let dy = (a.y() - b.y()) * 111.195;
    dx.hypot(dy)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[test]
fn communities_cluster_round_their_town_seat_and_villages_spread_out() {
    let seats: BTreeMap<String, Point<f64>> = features("towns.geojson")
        .iter()
        .map(|f| (prop_str(f, "code").to_string(), point(f).unwrap()))
        .collect();
    let distances = |unit: &str| -> Vec<f64> {
        features("villages.geojson")
            .iter()
            .filter(|f| prop_str(f, "unit_type") == unit)
            .map(|f| km(point(f).unwrap(), seats[prop_str(f, "town_code")]))
            .collect()
    };
    let (community, village) = (median(distances("community")), median(distances("village")));
    assert!(
        community < 2.5,
        "communities' median distance to the seat is {community:.1} km"
    );
    assert!(
        village > 1.4 * community,
        "villages ({village:.1} km) do not spread out beyond the communities ({community:.1} km)"
    );
}

#[test]
fn shelters_stand_near_population_and_the_fixed_one_in_the_district_centre() {
    let villages: Vec<(String, Point<f64>)> = features("villages.geojson")
        .iter()
        .map(|f| (prop_str(f, "town_code").to_string(), point(f).unwrap()))
        .collect();
    for f in features("shelters.geojson") {
        let p = point(&f).unwrap();
        let capacity = prop(&f, "capacity").as_u64().unwrap();
        assert_eq!(prop(&f, "occupancy").as_u64(), Some(0));
        if prop_str(&f, "kind") == "fixed" {
            assert_eq!(
                prop_str(&f, "town_code"),
                "120119001",
                "fixed shelter outside 文昌街道"
            );
            assert!(capacity >= 10_000);
            continue;
        }
        assert!(
            (300..=3_000).contains(&capacity),
            "{:?} capacity {capacity}",
            f.id
        );
        let nearest = villages
            .iter()
            .filter(|(town, _)| town == prop_str(&f, "town_code"))
            .map(|(_, v)| km(p, *v))
            .fold(f64::INFINITY, f64::min);
        assert!(
            nearest < 1.5,
            "{:?} is {nearest:.1} km from any village of its town",
            f.id
        );
    }
}

#[test]
fn gas_detectors_belong_to_hazardous_chemical_enterprises() {
    let chemical: BTreeSet<String> = features("enterprises.geojson")
        .iter()
        .filter(|f| prop_str(f, "industry") == "hazardous_chemicals")
        .map(feature_id)
        .collect();
    let mut detectors = 0;
    let mut datastream_ids = BTreeSet::new();
    for f in features("sensors.geojson") {
        for ds in prop(&f, "datastreams").as_array().unwrap() {
            let id = ds["id"].as_str().unwrap().to_string();
            assert!(
                datastream_ids.insert(id.clone()),
                "datastream id {id} repeated"
            );
        }
        if matches!(prop_str(&f, "sensor_type"), "gas_lel" | "toxic_gas") {
            let enterprise = prop(&f, "params")["enterprise_id"].as_str().unwrap();
            assert!(
                chemical.contains(enterprise),
                "{:?} watches {enterprise}",
                f.id
            );
            detectors += 1;
        }
    }
    assert!(
        detectors >= chemical.len(),
        "every chemical plant needs a detector"
    );
}

#[test]
fn the_reserve_has_batches_near_expiry_and_names_only_known_depots() {
    let depots: BTreeSet<String> = features("depots.geojson").iter().map(feature_id).collect();
    let mut reader = csv::Reader::from_reader(text("supplies.csv").as_bytes());
    let mut near_expiry = 0;
    for row in reader.deserialize::<BTreeMap<String, String>>() {
        let row = row.unwrap();
        assert!(
            depots.contains(&row["depot_id"]),
            "unknown depot {}",
            row["depot_id"]
        );
        assert!(row["quantity"].parse::<u64>().unwrap() > 0);
        let expires = row["expires_on"].as_str();
        if ("2026-12-01".."2027-02-01").contains(&expires) {
            near_expiry += 1;
        }
    }
    assert!(
        near_expiry > 0,
        "no batch expires within two months of the reference date"
    );
}
