//! Stations and rescue teams. Which towns host them is chosen here (partly from
//! plan facts: fire stations at 下营 and 马伸桥, nine town full-time fire teams,
//! a 100-person forest team); every position, size and name is synthetic.

use rand::Rng;
use serde::Serialize;

use crate::admin::County;
use crate::error::Result;
use crate::output::{feature_collection, Feature, Geometry};
use crate::placement::Placed;

const FIRE_STATION_TOWNS: [&str; 7] = [
    "120119001",
    "120119104",
    "120119103",
    "120119105",
    "120119106",
    "120119111",
    "120119109",
];
const FOREST_STATION_TOWNS: [&str; 8] = [
    "120119104",
    "120119112",
    "120119203",
    "120119102",
    "120119100",
    "120119124",
    "120119120",
    "120119113",
];
const RESCUE_STATION_TOWNS: [&str; 5] = [
    "120119001",
    "120119127",
    "120119104",
    "120119115",
    "120119108",
];
/// Plan: "9个乡镇政府专职队投入使用".
const TOWN_FIRE_TEAM_TOWNS: [&str; 9] = [
    "120119101",
    "120119108",
    "120119112",
    "120119115",
    "120119116",
    "120119119",
    "120119120",
    "120119123",
    "120119127",
];
/// Plan: "组建100人的森防专业队伍": four squads of 25 at the first four forest stations.
const FOREST_SQUADS: usize = 4;
const FOREST_SQUAD_MEMBERS: u32 = 25;
const MILITIA_TOWNS: [&str; 10] = [
    "120119100",
    "120119102",
    "120119103",
    "120119105",
    "120119106",
    "120119111",
    "120119109",
    "120119115",
    "120119119",
    "120119104",
];
const SOCIAL_TEAM_TOWNS: [&str; 7] = [
    "120119001",
    "120119001",
    "120119100",
    "120119105",
    "120119104",
    "120119106",
    "120119127",
];

const FIRE_EQUIPMENT: &[&str] = &[
    "水罐消防车",
    "泡沫消防车",
    "抢险救援车",
    "正压式空气呼吸器",
    "液压破拆工具组",
];
const TOWN_FIRE_EQUIPMENT: &[&str] = &["水罐消防车", "手抬机动消防泵", "灭火器", "对讲机"];
const FOREST_EQUIPMENT: &[&str] = &[
    "风力灭火机",
    "二号工具",
    "背负式水枪",
    "油锯",
    "灭火弹",
    "对讲机",
];
const MILITIA_EQUIPMENT: &[&str] = &["铁锹", "编织袋", "救生衣", "应急照明灯"];
const SOCIAL_EQUIPMENT: &[&str] = &["绳索救援装备", "无人机", "急救包", "冲锋舟"];

/// A station for coverage analysis.
#[derive(Debug, Clone)]
pub struct Station {
    pub id: String,
    pub name: String,
    pub station_type: &'static str,
    pub spot: Placed,
}

#[derive(Serialize)]
struct StationProperties<'a> {
    id: &'a str,
    name: &'a str,
    station_type: &'a str,
    town_code: &'a str,
    synthetic: bool,
}

pub fn stations<R: Rng>(county: &County, rng: &mut R) -> Result<Vec<Station>> {
    let kinds: [(&[&str], &'static str, &str); 3] = [
        (&FIRE_STATION_TOWNS, "fire", "消防站"),
        (&FOREST_STATION_TOWNS, "forest", "森林消防站"),
        (&RESCUE_STATION_TOWNS, "rescue", "应急救援站"),
    ];
    let mut stations = Vec::new();
    for (towns, station_type, suffix) in kinds {
        for code in towns {
            let town = county.town_index_or_err(code)?;
            let name = format!("{}{suffix}", county.short_name(town));
            let spot = county.place_near_seat(rng, town, 0.8, &name)?;
            stations.push(Station {
                id: format!("station-{:03}", stations.len() + 1),
                name,
                station_type,
                spot,
            });
        }
    }
    Ok(stations)
}

pub fn stations_file(county: &County, stations: &[Station]) -> Result<Vec<u8>> {
    let features = stations
        .iter()
        .map(|s| {
            Feature::new(
                &s.id,
                Geometry::point(s.spot.position),
                StationProperties {
                    id: &s.id,
                    name: &s.name,
                    station_type: s.station_type,
                    town_code: &county.towns[s.spot.town].code,
                    synthetic: true,
                },
            )
        })
        .collect();
    feature_collection("stations.geojson", features)
}

#[derive(Serialize)]
struct TeamProperties {
    id: String,
    name: String,
    team_type: &'static str,
    members: u32,
    equipment: Vec<&'static str>,
    status: &'static str,
    town_code: String,
    synthetic: bool,
}

struct TeamSpec {
    name: String,
    team_type: &'static str,
    members: u32,
    equipment: &'static [&'static str],
    spot: Placed,
}

/// Teams: one per fire and forest station, the town full-time fire teams, the
/// professional teams of the plan's 四.9, militia and social forces.
pub fn teams_file<R: Rng>(county: &County, stations: &[Station], rng: &mut R) -> Result<Vec<u8>> {
    let mut specs = Vec::new();
    for s in stations.iter().filter(|s| s.station_type == "fire") {
        specs.push(TeamSpec {
            name: format!("{}救援队", s.name),
            team_type: "fire",
            members: rng.random_range(20..=35),
            equipment: FIRE_EQUIPMENT,
            spot: s.spot,
        });
    }
    for (n, s) in stations
        .iter()
        .filter(|s| s.station_type == "forest")
        .enumerate()
    {
        let (name, members) = if n < FOREST_SQUADS {
            (
                format!("区森林消防专业队第{}分队", n + 1),
                FOREST_SQUAD_MEMBERS,
            )
        } else {
            (
                format!("{}森林防火半专业队", county.short_name(s.spot.town)),
                rng.random_range(15..=30),
            )
        };
        specs.push(TeamSpec {
            name,
            team_type: "forest",
            members,
            equipment: FOREST_EQUIPMENT,
            spot: s.spot,
        });
    }
    let centre = county.towns[county.centre_town()].code.clone();
    for code in TOWN_FIRE_TEAM_TOWNS {
        let name = format!(
            "{}政府专职消防队",
            county.towns[county.town_index_or_err(code)?].name
        );
        specs.push(near_seat(
            county,
            rng,
            code,
            name,
            "fire",
            12,
            TOWN_FIRE_EQUIPMENT,
        )?);
    }
    let professional: [(&str, &str, u32, &'static [&'static str]); 6] = [
        (
            &centre,
            "区综合应急救援队",
            60,
            &[
                "抢险救援车",
                "生命探测仪",
                "液压破拆工具组",
                "发电机",
                "应急照明灯",
            ],
        ),
        (
            &centre,
            "区医疗应急救护队",
            30,
            &["救护车", "急救包", "担架", "自动体外除颤器"],
        ),
        (
            "120119106",
            "危险化学品应急救援队",
            40,
            &["防化服", "气体检测仪", "堵漏工具", "洗消设备"],
        ),
        (
            "120119127",
            "抗洪抢险应急队",
            50,
            &["冲锋舟", "橡皮艇", "救生衣", "排涝泵车", "发电机"],
        ),
        (
            "120119104",
            "地质灾害应急救援队",
            35,
            &["生命探测仪", "无人机", "破拆工具", "应急照明灯"],
        ),
        (
            "120119100",
            "建筑工程抢险队",
            45,
            &["挖掘机", "装载机", "起重机", "发电机"],
        ),
    ];
    for (code, name, members, equipment) in professional {
        specs.push(near_seat(
            county,
            rng,
            code,
            name.to_string(),
            "professional",
            members,
            equipment,
        )?);
    }
    specs.push(near_seat(
        county,
        rng,
        &centre,
        "区民兵应急连".to_string(),
        "militia",
        120,
        MILITIA_EQUIPMENT,
    )?);
    for code in MILITIA_TOWNS {
        let name = format!(
            "{}民兵应急排",
            county.towns[county.town_index_or_err(code)?].name
        );
        let members = rng.random_range(30..=40);
        specs.push(near_seat(
            county,
            rng,
            code,
            name,
            "militia",
            members,
            MILITIA_EQUIPMENT,
        )?);
    }
    for (n, code) in SOCIAL_TEAM_TOWNS.iter().enumerate() {
        let name = format!(
            "社会应急救援队{}号({})",
            n + 1,
            county.towns[county.town_index_or_err(code)?].name
        );
        let members = rng.random_range(15..=45);
        specs.push(near_seat(
            county,
            rng,
            code,
            name,
            "social",
            members,
            SOCIAL_EQUIPMENT,
        )?);
    }
    let features = specs
        .into_iter()
        .enumerate()
        .map(|(n, spec)| {
            let id = format!("team-{:03}", n + 1);
            Feature::new(
                id.clone(),
                Geometry::point(spec.spot.position),
                TeamProperties {
                    id,
                    name: spec.name,
                    team_type: spec.team_type,
                    members: spec.members,
                    equipment: spec.equipment.to_vec(),
                    status: "available",
                    town_code: county.towns[spec.spot.town].code.clone(),
                    synthetic: true,
                },
            )
        })
        .collect();
    feature_collection("teams.geojson", features)
}

fn near_seat<R: Rng>(
    county: &County,
    rng: &mut R,
    code: &str,
    name: String,
    team_type: &'static str,
    members: u32,
    equipment: &'static [&'static str],
) -> Result<TeamSpec> {
    let town = county.town_index_or_err(code)?;
    let spot = county.place_near_seat(rng, town, 0.6, &name)?;
    Ok(TeamSpec {
        name,
        team_type,
        members,
        equipment,
        spot,
    })
}
