use super::*;
use geo::{polygon, MultiPolygon};
use serde_json::json;

fn county() -> County {
    let square = polygon![(x: 117.0, y: 39.8), (x: 117.8, y: 39.8), (x: 117.8, y: 40.3), (x: 117.0, y: 40.3)];
    County::new("120119", "蓟州区", MultiPolygon(vec![square])).unwrap()
}

fn check(kind: RecordKind, input: Value) -> Result<RecordDraft, FieldErrors> {
    let county = county();
    let towns: HashSet<TownCode> = [TownCode::parse("", "120119100").unwrap()].into();
    RecordDraft::from_feature(
        kind,
        &input,
        &RegistryContext {
            county: &county,
            towns: &towns,
        },
    )
}

fn fields(errors: FieldErrors) -> Vec<(String, &'static str)> {
    errors.0.into_iter().map(|e| (e.field, e.code)).collect()
}

#[test]
fn a_shelter_feature_parses() {
    let draft = check(
        RecordKind::Shelter,
        json!({"type": "Feature", "id": "shelter-001",
               "geometry": {"type": "Point", "coordinates": [117.4, 40.0]},
               "properties": {"name": "渔阳镇第1避难场所", "kind": "emergency", "capacity": 500,
                              "town_code": "120119100", "synthetic": true}}),
    )
    .unwrap();
    assert_eq!(draft.id.as_str(), "shelter-001");
    assert!(draft.synthetic);
    assert_eq!(draft.town_code.unwrap().as_str(), "120119100");
    assert!(
        !draft.properties.contains_key("town_code"),
        "own fields are not duplicated"
    );
}

#[test]
fn bad_records_name_each_field() {
    let errors = check(
        RecordKind::Shelter,
        json!({"type": "Feature", "id": "s 1",
               "geometry": {"type": "Point", "coordinates": [116.0, 40.0]},
               "properties": {"name": "x", "kind": "emergency", "capacity": -1, "town_code": "120119999"}}),
    )
    .unwrap_err();
    assert_eq!(
        fields(errors),
        [
            ("id".to_string(), "invalid_id"),
            ("geometry".to_string(), "outside_county"),
            ("properties.town_code".to_string(), "unknown_town"),
            ("properties.capacity".to_string(), "invalid_value"),
        ]
    );
}

#[test]
fn malformed_geojson_is_refused() {
    let errors = check(
        RecordKind::Team,
        json!({"type": "Feature", "id": "team-1", "geometry": {"type": "Point", "coordinates": "x"},
               "properties": {"name": "t", "team_type": "fire", "members": 3, "town_code": "120119100"}}),
    )
    .unwrap_err();
    assert_eq!(
        fields(errors),
        [("geometry".to_string(), "invalid_geojson")]
    );
}

#[test]
fn a_village_must_sit_in_the_town_its_code_names() {
    let ok = check(
        RecordKind::Village,
        json!({"type": "Feature", "id": "120119100201",
               "geometry": {"type": "Point", "coordinates": [117.4, 40.0]},
               "properties": {"name": "某村", "population": 800}}),
    )
    .unwrap();
    assert_eq!(ok.town_code.unwrap().as_str(), "120119100");
    let errors = check(
        RecordKind::Village,
        json!({"type": "Feature", "id": "120119100201",
               "geometry": {"type": "Point", "coordinates": [117.4, 40.0]},
               "properties": {"name": "某村", "population": 800, "town_code": "120119101"}}),
    )
    .unwrap_err();
    assert_eq!(errors.0[0].field, "properties.town_code");
    // A unit without territory (a development zone, not a known town) is hosted by a town.
    let hosted = check(
        RecordKind::Village,
        json!({"type": "Feature", "id": "120119401498",
               "geometry": {"type": "Point", "coordinates": [117.4, 40.0]},
               "properties": {"name": "开发区虚拟社区", "population": 10, "town_code": "120119100"}}),
    )
    .unwrap();
    assert_eq!(hosted.town_code.unwrap().as_str(), "120119100");
}

#[test]
fn kinds_without_geometry_take_plain_objects() {
    let draft = check(
        RecordKind::Expert,
        json!({"id": "expert-001", "name": "张工", "speciality": "地质灾害", "town_code": "120119100"}),
    )
    .unwrap();
    assert!(draft.geometry.is_none());
    let errors = check(
        RecordKind::Expert,
        json!({"type": "Feature", "id": "expert-002", "geometry": {"type": "Point", "coordinates": [117.4, 40.0]},
               "properties": {"name": "李工", "speciality": "水利", "town_code": "120119100"}}),
    )
    .unwrap_err();
    assert_eq!(errors.0[0].field, "geometry");
}

#[test]
fn oversized_properties_are_refused() {
    let errors = check(
        RecordKind::Helipad,
        json!({"type": "Feature", "id": "heli-1", "geometry": {"type": "Point", "coordinates": [117.4, 40.0]},
               "properties": {"name": "h", "town_code": "120119100", "notes": "x".repeat(70_000)}}),
    )
    .unwrap_err();
    assert_eq!(errors.0[0].code, "too_large");
}
