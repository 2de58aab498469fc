//! supplies.csv: the stock of each depot by item and batch. The district reserve
//! is sized around the plan's target (basic needs of 30,000 people, 五.(九)) so
//! that "does the reserve cover 30,000 people for N days?" has a non-trivial
//! answer: some items cover it, some fall short, and some batches expire soon
//! after the dataset's reference date.

use rand::Rng;
use serde::Serialize;

use crate::error::Result;
use crate::logistics::Depot;
use crate::output::csv_file;

/// The date "near expiry" is judged against (README).
pub const REFERENCE_DATE: &str = "2026-12-01";

struct Item {
    code: &'static str,
    name: &'static str,
    name_en: &'static str,
    unit: &'static str,
    district_quantity: u64,
    /// Per town depot.
    town_quantity: (u64, u64),
    /// (batch, expires_on or "", share of the stock); shares sum to 1.
    batches: &'static [(&'static str, &'static str, f64)],
}

const NO_EXPIRY: &[(&str, &str, f64)] = &[("B2023-09", "", 0.6), ("B2025-05", "", 0.4)];

const CATALOGUE: [Item; 14] = [
    Item {
        code: "TENT-12",
        name: "救灾帐篷(12平方米)",
        name_en: "relief tent (12 m²)",
        unit: "piece",
        district_quantity: 5_600,
        town_quantity: (100, 300),
        batches: NO_EXPIRY,
    },
    Item {
        code: "QUILT",
        name: "棉被",
        name_en: "quilt",
        unit: "piece",
        district_quantity: 32_000,
        town_quantity: (500, 1_500),
        batches: NO_EXPIRY,
    },
    Item {
        code: "COAT",
        name: "棉大衣",
        name_en: "padded coat",
        unit: "piece",
        district_quantity: 15_000,
        town_quantity: (200, 600),
        batches: NO_EXPIRY,
    },
    Item {
        code: "BED-FOLD",
        name: "折叠床",
        name_en: "folding bed",
        unit: "piece",
        district_quantity: 18_000,
        town_quantity: (200, 800),
        batches: NO_EXPIRY,
    },
    Item {
        code: "SLEEPBAG",
        name: "睡袋",
        name_en: "sleeping bag",
        unit: "piece",
        district_quantity: 8_000,
        town_quantity: (100, 400),
        batches: NO_EXPIRY,
    },
    Item {
        code: "WATER",
        name: "瓶装饮用水",
        name_en: "bottled drinking water",
        unit: "litre",
        district_quantity: 180_000,
        town_quantity: (5_000, 12_000),
        batches: &[
            ("W2024-11", "2026-12-20", 0.25),
            ("W2025-06", "2027-06-30", 0.4),
            ("W2025-10", "2027-10-31", 0.35),
        ],
    },
    Item {
        code: "FOOD-INST",
        name: "方便食品",
        name_en: "instant food",
        unit: "kg",
        district_quantity: 60_000,
        town_quantity: (1_000, 3_000),
        batches: &[
            ("F2025-12", "2026-12-15", 0.3),
            ("F2026-06", "2027-06-10", 0.7),
        ],
    },
    Item {
        code: "LIFEJACKET",
        name: "救生衣",
        name_en: "lifejacket",
        unit: "piece",
        district_quantity: 3_000,
        town_quantity: (100, 300),
        batches: NO_EXPIRY,
    },
    Item {
        code: "PUMP",
        name: "排水泵",
        name_en: "drainage pump",
        unit: "set",
        district_quantity: 60,
        town_quantity: (2, 8),
        batches: NO_EXPIRY,
    },
    Item {
        code: "GENERATOR",
        name: "发电机组",
        name_en: "generator set",
        unit: "set",
        district_quantity: 40,
        town_quantity: (1, 4),
        batches: NO_EXPIRY,
    },
    Item {
        code: "LAMP",
        name: "应急照明灯",
        name_en: "emergency lamp",
        unit: "piece",
        district_quantity: 2_000,
        town_quantity: (50, 200),
        batches: NO_EXPIRY,
    },
    Item {
        code: "SANDBAG",
        name: "编织袋",
        name_en: "woven sandbag",
        unit: "piece",
        district_quantity: 200_000,
        town_quantity: (5_000, 20_000),
        batches: NO_EXPIRY,
    },
    Item {
        code: "FIRSTAID",
        name: "急救包",
        name_en: "first-aid kit",
        unit: "piece",
        district_quantity: 3_000,
        town_quantity: (50, 150),
        batches: &[
            ("K2024-01", "2027-01-31", 0.5),
            ("K2025-09", "2028-09-30", 0.5),
        ],
    },
    Item {
        code: "FIRE-BLOWER",
        name: "风力灭火机",
        name_en: "forest fire blower",
        unit: "piece",
        district_quantity: 300,
        town_quantity: (10, 40),
        batches: NO_EXPIRY,
    },
];

#[derive(Serialize)]
struct SupplyRow {
    depot_id: String,
    item_code: &'static str,
    item_name: &'static str,
    item_name_en: &'static str,
    unit: &'static str,
    quantity: u64,
    batch: &'static str,
    expires_on: &'static str,
    synthetic: bool,
}

pub fn supplies_file<R: Rng>(depots: &[Depot], rng: &mut R) -> Result<Vec<u8>> {
    let mut rows = Vec::new();
    for depot in depots {
        for item in &CATALOGUE {
            let total = if depot.level == "district" {
                item.district_quantity
            } else {
                rng.random_range(item.town_quantity.0..=item.town_quantity.1)
            };
            for &(batch, expires_on, share) in item.batches {
                let quantity = (total as f64 * share).round() as u64;
                if quantity == 0 {
                    continue;
                }
                rows.push(SupplyRow {
                    depot_id: depot.id.clone(),
                    item_code: item.code,
                    item_name: item.name,
                    item_name_en: item.name_en,
                    unit: item.unit,
                    quantity,
                    batch,
                    expires_on,
                    synthetic: true,
                });
            }
        }
    }
    rows.sort_by(|a, b| {
        (&a.depot_id, a.item_code, a.batch).cmp(&(&b.depot_id, b.item_code, b.batch))
    });
    csv_file("supplies.csv", &rows)
}
