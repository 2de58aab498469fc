//! Importer behaviour: per-row errors, nothing applied from a file with errors.

use std::collections::HashSet;
use yingji_dataset::{county_from_geojson, read_collection, Format, ImportError};
use yingji_domain::record::RegistryContext;
use yingji_domain::{RecordKind, TownCode};

const COUNTY: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"120119","name":"蓟州区"},
  "geometry":{"type":"Polygon","coordinates":[[[117.0,39.8],[117.8,39.8],[117.8,40.3],[117.0,40.3],[117.0,39.8]]]}}]}"#;

fn check(
    kind: RecordKind,
    format: Format,
    text: &str,
) -> Result<Vec<yingji_domain::RecordDraft>, ImportError> {
    let county = county_from_geojson(COUNTY.as_bytes()).unwrap();
    let towns: HashSet<TownCode> = [TownCode::parse("", "120119100").unwrap()].into();
    read_collection(
        kind,
        format,
        text.as_bytes(),
        &RegistryContext {
            county: &county,
            towns: &towns,
        },
    )
}

fn row_errors(
    result: Result<Vec<yingji_domain::RecordDraft>, ImportError>,
) -> Vec<(usize, String)> {
    match result {
        Err(ImportError::Rows(rows)) => rows.into_iter().map(|r| (r.row, r.field)).collect(),
        other => panic!("expected row errors, got {other:?}"),
    }
}

#[test]
fn a_clean_csv_imports_with_typed_values() {
    let csv = "id,name,kind,capacity,open,town_code,lon,lat,synthetic\n\
               shelter-1,一号避难场所,emergency,500,true,120119100,117.4,40.0,false\n";
    let drafts = check(RecordKind::Shelter, Format::Csv, csv).unwrap();
    assert_eq!(drafts[0].properties["capacity"], 500);
    assert_eq!(drafts[0].properties["open"], true);
    assert!(drafts[0].geometry.is_some());
}

#[test]
fn csv_errors_name_row_and_field_and_nothing_is_returned() {
    let csv = "id,name,kind,capacity,town_code,lon,lat\n\
               shelter-1,好,emergency,500,120119100,117.4,40.0\n\
               shelter-2,坏,emergency,-3,120119100,117.4,40.0\n\
               shelter-3,外,emergency,10,120119100,116.0,40.0\n\
               shelter-1,重复,emergency,10,120119100,117.4,40.0\n\
               shelter-5,错码,emergency,lots,120119999,117.4,40.0\n";
    assert_eq!(
        row_errors(check(RecordKind::Shelter, Format::Csv, csv)),
        [(5, "capacity".to_string()),],
        "type errors are found first, per column"
    );
    let csv = csv.replace(",lots,", ",10,");
    assert_eq!(
        row_errors(check(RecordKind::Shelter, Format::Csv, &csv)),
        [
            (2, "properties.capacity".to_string()),
            (3, "geometry".to_string()),
            (4, "id".to_string()),
            (5, "properties.town_code".to_string()),
        ]
    );
}

#[test]
fn geojson_row_errors_and_malformed_files() {
    let fc = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","id":"team-1","geometry":{"type":"Point","coordinates":[117.4,40.0]},
       "properties":{"name":"蓝天救援队","team_type":"social","members":20,"town_code":"120119100"}},
      {"type":"Feature","id":"team-2","geometry":{"type":"Point","coordinates":[117.4,40.0]},
       "properties":{"name":"x","team_type":"navy","members":0,"town_code":"120119100"}}]}"#;
    assert_eq!(
        row_errors(check(RecordKind::Team, Format::GeoJson, fc)),
        [
            (2, "properties.team_type".to_string()),
            (2, "properties.members".to_string())
        ]
    );
    assert!(matches!(
        check(RecordKind::Team, Format::GeoJson, "{not json"),
        Err(ImportError::Malformed(_))
    ));
    assert!(matches!(
        check(RecordKind::Team, Format::GeoJson, r#"{"type":"Point"}"#),
        Err(ImportError::Malformed(_))
    ));
}
