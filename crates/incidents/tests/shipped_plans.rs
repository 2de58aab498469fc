//! The plans shipped in data/plans parse, cover the sub-types they name and give tasks at
//! every level.

use yingji_domain::incident::Severity;
use yingji_incidents::Plan;

fn shipped(file: &str) -> Plan {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/plans/").to_string() + file;
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Plan::from_toml(file, &text).unwrap()
}

#[test]
fn the_flood_and_forest_fire_plans_give_tasks_at_every_level() {
    let flood = shipped("flood-geohazard.toml");
    let fire = shipped("forest-fire.toml");
    assert!(flood.covers("geological_hazard") && flood.covers("flood"));
    assert!(fire.covers("forest_fire") && !fire.covers("flood"));
    for severity in [Severity::I, Severity::II, Severity::III, Severity::IV] {
        assert!(!flood.activate("flood", severity).unwrap().is_empty());
        assert!(!fire.activate("forest_fire", severity).unwrap().is_empty());
    }
    // A graver level asks more of more departments.
    assert!(
        flood.activate("flood", Severity::I).unwrap().len()
            > flood.activate("flood", Severity::IV).unwrap().len()
    );
}
