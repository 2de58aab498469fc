//! experts.csv: synthetic experts with obviously fake names and phone numbers.

use rand::Rng;
use serde::Serialize;

use crate::admin::County;
use crate::error::Result;
use crate::output::csv_file;

const EXPERTS: usize = 30;

/// (speciality, example organisation)
const SPECIALITIES: [(&str, &str); 10] = [
    ("地质灾害", "区规划资源部门(示例)"),
    ("防汛抗旱", "区水务部门(示例)"),
    ("森林防火", "区林业部门(示例)"),
    ("危险化学品", "区应急管理部门(示例)"),
    ("矿山安全", "区应急管理部门(示例)"),
    ("建筑施工", "区住建部门(示例)"),
    ("医疗救护", "区卫生健康部门(示例)"),
    ("气象", "区气象部门(示例)"),
    ("地震", "区地震部门(示例)"),
    ("消防救援", "区消防救援支队(示例)"),
];

#[derive(Serialize)]
struct ExpertRow {
    id: String,
    name: String,
    speciality: &'static str,
    organisation: &'static str,
    phone: String,
    town_code: String,
    synthetic: bool,
}

pub fn experts_file<R: Rng>(county: &County, rng: &mut R) -> Result<Vec<u8>> {
    let centre = county.centre_town();
    let rows: Vec<ExpertRow> = (1..=EXPERTS)
        .map(|n| {
            let (speciality, organisation) = SPECIALITIES[(n - 1) % SPECIALITIES.len()];
            // Most experts work in the district centre; some in the towns.
            let town = if rng.random_bool(0.7) {
                centre
            } else {
                rng.random_range(0..county.towns.len())
            };
            ExpertRow {
                id: format!("expert-{n:03}"),
                name: format!("虚构专家{n:02}"),
                speciality,
                organisation,
                phone: format!("138-0000-{n:04}"),
                town_code: county.towns[town].code.clone(),
                synthetic: true,
            }
        })
        .collect();
    csv_file("experts.csv", &rows)
}
