//! Planning analyses on fixtures with known answers, and evacuation optimality against an
//! independent LP solver (good_lp + microlp).

mod common;

use common::*;
use good_lp::{constraint, microlp, variable, variables, Expression, Solution, SolverModel};
use proptest::prelude::*;
use yingji_routing::analysis::{
    aerial_reach, assign_min_cost, coverage, exposure, plan_evacuation, EvacuationArea,
    ExposureArea, Helicopter, HelicopterBase, Shelter, Station, Village,
};
use yingji_routing::{
    haversine_m, ClosureSet, CostOverlay, LonLat, Router, RouterConfig, RoutingError,
};

fn village(id: &str, position: LonLat, population: i64) -> Village {
    Village {
        id: id.to_string(),
        name: format!("village {id}"),
        town: if position.lon < 117.25 {
            "west".into()
        } else {
            "east".into()
        },
        position,
        population,
    }
}

fn shelter(id: &str, position: LonLat, capacity: Option<i64>) -> Shelter {
    Shelter {
        id: id.to_string(),
        name: format!("shelter {id}"),
        position,
        capacity,
    }
}

/// Villages at nodes 1..=5 of the line graph (population 100 k), one on the unconnected road.
fn line_villages() -> Vec<Village> {
    let mut villages: Vec<Village> = (1..=5)
        .map(|k| village(&format!("v{k}"), line_node(k), 100 * k))
        .collect();
    villages.push(village("island", LonLat::new(117.05, 40.3).unwrap(), 7));
    villages
}

#[test]
fn coverage_lists_villages_beyond_the_limit_from_any_station_of_the_kind() {
    let router = Router::new(line_graph(), RouterConfig::default()).unwrap();
    let stations = vec![
        Station {
            id: "fire-west".into(),
            name: "W".into(),
            kind: "fire".into(),
            position: line_node(0),
        },
        Station {
            id: "rescue-east".into(),
            name: "E".into(),
            kind: "rescue".into(),
            position: line_node(5),
        },
    ];
    let villages = line_villages();
    let max_minutes = 20.0;
    let report = coverage(
        &router,
        &villages,
        &stations,
        "fire",
        max_minutes,
        &CostOverlay::free_flow(),
    )
    .unwrap();
    // Known answer: node k is k * line_seconds(1) from the fire station; the island never.
    for (k, row) in (1..=5).zip(&report.villages) {
        let minutes = line_seconds(k) / 60.0;
        assert!((row.minutes.unwrap() - minutes).abs() < 1e-4);
        assert_eq!(row.covered, minutes <= max_minutes, "v{k}");
        assert_eq!(row.nearest_station.as_deref(), Some("fire-west"));
    }
    let island = &report.villages[5];
    assert_eq!((island.minutes, island.covered), (None, false));
    let expected_uncovered: Vec<i64> = (1..=5)
        .filter(|&k| line_seconds(k) / 60.0 > max_minutes)
        .collect();
    assert_eq!(expected_uncovered, vec![3, 4, 5]);
    assert_eq!(report.uncovered_villages, 4);
    assert_eq!(report.uncovered_population, 300 + 400 + 500 + 7);
    assert_eq!(report.uncovered_geojson(&villages).features.len(), 4);

    // Rescue stations cover from the east end; closing the road near it changes the answer.
    let rescue = coverage(
        &router,
        &villages,
        &stations,
        "rescue",
        max_minutes,
        &CostOverlay::free_flow(),
    )
    .unwrap();
    let covered: Vec<&str> = rescue
        .villages
        .iter()
        .filter(|v| v.covered)
        .map(|v| v.village_id.as_str())
        .collect();
    assert_eq!(covered, vec!["v3", "v4", "v5"]);
    let graph = router.graph();
    let last = graph
        .segments()
        .iter()
        .position(|s| {
            graph.node(s.from).position.lon >= 117.39 && graph.node(s.to).position.lon >= 117.39
        })
        .unwrap() as u32;
    let mut closures = ClosureSet::new();
    let now = instant("2026-07-30T00:00:00Z");
    closures
        .add(
            graph,
            last,
            0.0,
            "bridge out",
            instant("2026-08-01T00:00:00Z"),
        )
        .unwrap();
    let closed = coverage(
        &router,
        &villages,
        &stations,
        "rescue",
        max_minutes,
        &closures.overlay_at(now),
    )
    .unwrap();
    assert_eq!(
        closed.villages.iter().filter(|v| v.covered).count(),
        1,
        "only v5, at the station, is left"
    );

    let err = coverage(
        &router,
        &villages,
        &stations,
        "forest",
        20.0,
        &CostOverlay::free_flow(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("forest"), "{err}");
}

#[test]
fn aerial_reach_uses_preparation_time_and_straight_line_at_cruise_speed() {
    let base = LonLat::new(117.0, 40.0).unwrap();
    // Reach: (120 - 15) min at 200 km/h = 350 km. Villages due north at 100, 349 and 351 km.
    let km_per_deg_lat = haversine_m(base, LonLat::new(117.0, 41.0).unwrap()) / 1000.0;
    let at_km = |km: f64| LonLat::new(117.0, 40.0 + km / km_per_deg_lat).unwrap();
    let villages = vec![
        village("a", at_km(100.0), 10),
        village("b", at_km(349.0), 20),
        village("c", at_km(351.0), 30),
    ];
    let helicopter = Helicopter {
        bases: vec![
            HelicopterBase {
                id: "far".into(),
                position: LonLat::new(100.0, 30.0).unwrap(),
            },
            HelicopterBase {
                id: "jizhou".into(),
                position: base,
            },
        ],
        cruise_speed_kmh: 200.0,
        preparation_minutes: 15.0,
        max_minutes: 120.0,
    };
    let report = aerial_reach(&villages, &helicopter).unwrap();
    let reachable: Vec<bool> = report.villages.iter().map(|v| v.reachable).collect();
    assert_eq!(reachable, vec![true, true, false]);
    assert!((report.villages[0].minutes - (15.0 + 30.0)).abs() < 1e-6);
    assert_eq!(report.villages[2].nearest_base, "jizhou");
    assert_eq!(
        (report.unreachable_villages, report.unreachable_population),
        (1, 30)
    );
    assert_eq!(report.unreachable_geojson(&villages).features.len(), 1);

    let mut bad = helicopter.clone();
    bad.cruise_speed_kmh = -1.0;
    assert!(aerial_reach(&villages, &bad).is_err());
    bad.bases.clear();
    assert!(aerial_reach(&villages, &bad).is_err());
}

#[test]
fn exposure_counts_villages_in_a_polygon_or_radius() {
    let villages = line_villages();
    let zone = geo::MultiPolygon::new(vec![geo::Polygon::new(
        geo::LineString::from(vec![
            (117.15, 39.9),
            (117.45, 39.9),
            (117.45, 40.1),
            (117.15, 40.1),
            (117.15, 39.9),
        ]),
        vec![],
    )]);
    let report = exposure(&villages, &ExposureArea::Polygon(zone)).unwrap();
    assert_eq!(report.village_ids, vec!["v2", "v3", "v4"]);
    assert_eq!(report.population, 200 + 300 + 400);
    assert_eq!(report.geojson(&villages).features.len(), 3);

    let radius_m = haversine_m(line_node(5), line_node(4)) + 1.0;
    let report = exposure(
        &villages,
        &ExposureArea::Circle {
            center: line_node(5),
            radius_m,
        },
    )
    .unwrap();
    assert_eq!(report.village_ids, vec!["v4", "v5"]);

    let empty = ExposureArea::Polygon(geo::MultiPolygon::new(vec![]));
    assert!(matches!(
        exposure(&villages, &empty),
        Err(RoutingError::InvalidParameter { .. })
    ));
}

#[test]
fn evacuation_respects_capacities_and_reports_the_shortfall() {
    let router = Router::new(line_graph(), RouterConfig::default()).unwrap();
    let villages = line_villages();
    // 1,507 people, 1,100 places.
    let shelters = vec![
        shelter("s0", line_node(0), Some(600)),
        shelter("s4", line_node(4), Some(500)),
    ];
    let plan = plan_evacuation(
        &router,
        &villages,
        &shelters,
        &EvacuationArea::All,
        &CostOverlay::free_flow(),
    )
    .unwrap();
    assert_eq!(plan.total_people, 1507);
    assert_eq!(plan.assigned_people, 1100);
    assert_eq!(plan.unassigned_people, 407);
    for load in &plan.shelter_loads {
        let assigned: i64 = plan
            .assignments
            .iter()
            .filter(|a| a.shelter_id == load.shelter_id)
            .map(|a| a.people)
            .sum();
        assert_eq!(assigned, load.assigned);
        assert!(load.assigned <= load.capacity);
    }
    for v in &villages {
        let sent: i64 = plan
            .assignments
            .iter()
            .filter(|a| a.village_id == v.id)
            .map(|a| a.people)
            .sum();
        let left: i64 = plan
            .unassigned
            .iter()
            .filter(|u| u.village_id == v.id)
            .map(|u| u.people)
            .sum();
        assert_eq!(sent + left, v.population, "{}", v.id);
    }
    let island = plan
        .unassigned
        .iter()
        .find(|u| u.village_id == "island")
        .unwrap();
    assert_eq!(island.reason, "no shelter is reachable by road");
    assert_eq!(
        plan.assignments_geojson(&villages, &shelters)
            .features
            .len(),
        plan.assignments.len()
    );

    // A town list selects only that town's villages.
    let west = plan_evacuation(
        &router,
        &villages,
        &shelters,
        &EvacuationArea::Towns(vec!["west".into()]),
        &CostOverlay::free_flow(),
    )
    .unwrap();
    assert_eq!(west.total_people, 100 + 200 + 7);
}

#[test]
fn evacuation_refuses_bad_capacities_and_empty_areas() {
    let router = Router::new(line_graph(), RouterConfig::default()).unwrap();
    let villages = line_villages();
    let all = EvacuationArea::All;
    let free = CostOverlay::free_flow();
    let err = plan_evacuation(
        &router,
        &villages,
        &[shelter("s", line_node(0), Some(-5))],
        &all,
        &free,
    )
    .unwrap_err();
    assert!(err.to_string().contains("shelters[0].capacity"), "{err}");
    let err = plan_evacuation(
        &router,
        &villages,
        &[shelter("s", line_node(0), None)],
        &all,
        &free,
    )
    .unwrap_err();
    assert!(err.to_string().contains("no capacity"), "{err}");
    let nowhere = EvacuationArea::Zone(ExposureArea::Circle {
        center: LonLat::new(100.0, 20.0).unwrap(),
        radius_m: 10.0,
    });
    let err = plan_evacuation(
        &router,
        &villages,
        &[shelter("s", line_node(0), Some(5))],
        &nowhere,
        &free,
    )
    .unwrap_err();
    assert!(err.to_string().contains("no village"), "{err}");
    assert!(assign_min_cost(&[-1], &[1], &[vec![Some(1)]]).is_err());
}

/// Independent optimum by linear programming (the transportation polytope is integral):
/// first the largest amount that can be sent, then the cheapest way to send it.
fn lp_optimum(supply: &[i64], capacity: &[i64], cost: &[Vec<Option<i64>>]) -> (f64, f64) {
    let build = |vars: &mut good_lp::ProblemVariables| {
        let mut x = vec![];
        for (i, row) in cost.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                if let Some(c) = c {
                    x.push((i, j, *c, vars.add(variable().min(0.0))));
                }
            }
        }
        x
    };
    let limits = |x: &[(usize, usize, i64, good_lp::Variable)]| {
        let mut cons = vec![];
        for (i, &s) in supply.iter().enumerate() {
            let e: Expression = x.iter().filter(|v| v.0 == i).map(|v| v.3).sum();
            cons.push(constraint!(e <= s as f64));
        }
        for (j, &c) in capacity.iter().enumerate() {
            let e: Expression = x.iter().filter(|v| v.1 == j).map(|v| v.3).sum();
            cons.push(constraint!(e <= c as f64));
        }
        cons
    };
    let mut vars = variables!();
    let x = build(&mut vars);
    if x.is_empty() {
        return (0.0, 0.0);
    }
    let total: Expression = x.iter().map(|v| v.3).sum();
    let mut model = vars.maximise(total.clone()).using(microlp);
    for c in limits(&x) {
        model = model.with(c);
    }
    let max_flow = model.solve().unwrap().eval(&total);

    let mut vars = variables!();
    let x = build(&mut vars);
    let total: Expression = x.iter().map(|v| v.3).sum();
    let objective: Expression = x.iter().map(|v| v.2 as f64 * v.3).sum();
    let mut model = vars
        .minimise(objective.clone())
        .using(microlp)
        .with(constraint!(total >= max_flow - 1e-6));
    for c in limits(&x) {
        model = model.with(c);
    }
    (max_flow, model.solve().unwrap().eval(&objective))
}

fn transport_instance() -> impl Strategy<Value = (Vec<i64>, Vec<i64>, Vec<Vec<Option<i64>>>)> {
    (1usize..6, 1usize..5).prop_flat_map(|(n, m)| {
        (
            prop::collection::vec(0i64..60, n),
            prop::collection::vec(0i64..80, m),
            prop::collection::vec(
                prop::collection::vec(prop::option::weighted(0.8, 0i64..1000), m),
                n,
            ),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn min_cost_assignment_matches_the_lp_optimum((supply, capacity, cost) in transport_instance()) {
        let solution = assign_min_cost(&supply, &capacity, &cost).unwrap();
        let (lp_flow, lp_cost) = lp_optimum(&supply, &capacity, &cost);
        let flow: i64 = solution.flows.iter().map(|f| f.2).sum();
        prop_assert!((flow as f64 - lp_flow).abs() < 1e-6, "flow {} vs LP {}", flow, lp_flow);
        prop_assert!((solution.total_cost as f64 - lp_cost).abs() < 1e-3 * lp_cost.max(1.0), "cost {} vs LP {}", solution.total_cost, lp_cost);
        let recomputed: i64 = solution.flows.iter().map(|&(i, j, a)| a * cost[i][j].unwrap()).sum();
        prop_assert_eq!(recomputed, solution.total_cost);
        for (i, &s) in supply.iter().enumerate() {
            let sent: i64 = solution.flows.iter().filter(|f| f.0 == i).map(|f| f.2).sum();
            prop_assert_eq!(sent + solution.unsent[i], s);
        }
        for (j, &c) in capacity.iter().enumerate() {
            let got: i64 = solution.flows.iter().filter(|f| f.1 == j).map(|f| f.2).sum();
            prop_assert_eq!(got, solution.received[j]);
            prop_assert!(got <= c);
        }
    }
}

#[test]
fn county_evacuation_plan_is_optimal_against_the_lp() {
    let router = Router::new(routrs_graph(&county_clip()), RouterConfig::default()).unwrap();
    let mut rng_state = 12345u64;
    let mut next = |lo: f64, hi: f64| {
        rng_state = rng_state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + (hi - lo) * ((rng_state >> 11) as f64 / (1u64 << 53) as f64)
    };
    let villages: Vec<Village> = (0..25)
        .map(|i| {
            village(
                &format!("v{i}"),
                LonLat::new(next(117.2, 117.7), next(39.8, 40.2)).unwrap(),
                next(50.0, 800.0) as i64,
            )
        })
        .collect();
    let shelters: Vec<Shelter> = (0..6)
        .map(|j| {
            shelter(
                &format!("s{j}"),
                LonLat::new(next(117.2, 117.7), next(39.8, 40.2)).unwrap(),
                Some(next(500.0, 2000.0) as i64),
            )
        })
        .collect();
    let plan = plan_evacuation(
        &router,
        &villages,
        &shelters,
        &EvacuationArea::All,
        &CostOverlay::free_flow(),
    )
    .unwrap();
    let positions = |v: &[LonLat]| v.to_vec();
    let table = router
        .travel_times(
            &positions(&villages.iter().map(|v| v.position).collect::<Vec<_>>()),
            &positions(&shelters.iter().map(|s| s.position).collect::<Vec<_>>()),
            &CostOverlay::free_flow(),
        )
        .unwrap();
    let cost: Vec<Vec<Option<i64>>> = table
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|s| s.map(|s| (s * 1000.0).round() as i64))
                .collect()
        })
        .collect();
    let supply: Vec<i64> = villages.iter().map(|v| v.population).collect();
    let capacity: Vec<i64> = shelters.iter().map(|s| s.capacity.unwrap()).collect();
    let (lp_flow, lp_cost_ms) = lp_optimum(&supply, &capacity, &cost);
    assert!((plan.assigned_people as f64 - lp_flow).abs() < 1e-6);
    let lp_person_minutes = lp_cost_ms / 60_000.0;
    assert!(
        (plan.total_person_minutes - lp_person_minutes).abs() <= 1e-6 * lp_person_minutes,
        "{} vs LP {lp_person_minutes}",
        plan.total_person_minutes
    );
}
