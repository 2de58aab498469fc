//! Coverage, aerial reach, evacuation and exposure over HTTP on the county dataset.

mod common;

use std::collections::HashMap;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use yingji_domain::RecordKind;
use yingji_server::testing::TestServer;
use yingji_store::RecordFilter;

/// (id, town, [lon, lat], population) of every village, straight from the store.
async fn villages(server: &TestServer) -> Vec<(String, String, [f64; 2], i64)> {
    let records = server
        .store
        .list_records(&RecordFilter::all(RecordKind::Village))
        .await
        .unwrap();
    records
        .iter()
        .map(|r| {
            let p = yingji_domain::geometry::anchor(&r.geometry.as_ref().unwrap().value).unwrap();
            (
                r.id.as_str().to_string(),
                r.town_code.as_ref().unwrap().as_str().to_string(),
                [p.lon, p.lat],
                r.properties["population"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Great-circle distance, written here independently of the library.
fn distance_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (la1, la2) = (a[1].to_radians(), b[1].to_radians());
    let (dla, dlo) = (la2 - la1, (b[0] - a[0]).to_radians());
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

async fn post(server: &TestServer, token: &str, path: &str, body: Value) -> (u16, Value) {
    server
        .send(Method::POST, path, Some(token), Some(body))
        .await
}

#[tokio::test]
async fn coverage_and_aerial_reach_account_for_every_village() {
    for server in servers().await {
        let duty = server.token("duty").await;
        let all = villages(&server).await;

        let (status, body) = server
            .get(
                "/api/v1/routing/coverage?station_type=fire&minutes=15",
                Some(&duty),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let rows = body["report"]["villages"].as_array().unwrap();
        assert_eq!(rows.len(), all.len(), "every village is in the report");
        let mut uncovered = 0;
        for row in rows {
            let covered = row["covered"].as_bool().unwrap();
            match row["minutes"].as_f64() {
                Some(m) => assert_eq!(covered, m <= 15.0, "{row}"),
                None => assert!(!covered, "{row}"),
            }
            if !covered {
                uncovered += row["population"].as_i64().unwrap();
            }
        }
        assert_eq!(body["report"]["uncovered_population"], uncovered);
        assert_eq!(
            body["geojson"]["features"].as_array().unwrap().len(),
            body["report"]["uncovered_villages"].as_u64().unwrap() as usize
        );
        // More minutes never uncover a village.
        let (_, wider) = server
            .get(
                "/api/v1/routing/coverage?station_type=fire&minutes=45",
                Some(&duty),
            )
            .await;
        assert!(
            wider["report"]["uncovered_population"].as_i64()
                <= body["report"]["uncovered_population"].as_i64()
        );

        let (status, aerial) = server
            .get(
                "/api/v1/routing/aerial?base=helipad-001&hours=2",
                Some(&duty),
            )
            .await;
        assert_eq!(status, 200, "{aerial}");
        let rows = aerial["report"]["villages"].as_array().unwrap();
        assert_eq!(rows.len(), all.len());
        assert!(rows.iter().all(|r| r["nearest_base"] == "helipad-001"));
        // 15 min preparation + distance at 200 km/h, checked against an independent distance.
        let helipad = lon_lat("117.500262,40.015105");
        for (row, village) in rows.iter().zip(&all) {
            assert_eq!(row["village_id"], village.0);
            let minutes = 15.0 + distance_m(helipad, village.2) / 1000.0 / 200.0 * 60.0;
            assert!(
                (row["minutes"].as_f64().unwrap() - minutes).abs() < 0.05,
                "{row}"
            );
        }
        let (_, rushed) = server
            .get(
                "/api/v1/routing/aerial?base=helipad-001&hours=0.3",
                Some(&duty),
            )
            .await;
        assert!(
            rushed["report"]["unreachable_villages"].as_u64()
                > aerial["report"]["unreachable_villages"].as_u64()
        );
        let (status, _) = server
            .get(
                "/api/v1/routing/aerial?base=117.4,40.1&hours=2",
                Some(&duty),
            )
            .await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn evacuation_respects_capacity_and_accounts_for_everyone() {
    for server in servers().await {
        let duty = server.token("duty").await;
        let all = villages(&server).await;
        let in_town: HashMap<&str, i64> = all
            .iter()
            .filter(|v| v.1 == "120119100")
            .map(|v| (v.0.as_str(), v.3))
            .collect();
        let population: i64 = in_town.values().sum();

        let (status, body) = post(
            &server,
            &duty,
            "/api/v1/routing/evacuation",
            json!({"area": {"towns": ["120119100"]}}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let plan = &body["plan"];
        assert_eq!(plan["villages"].as_u64().unwrap() as usize, in_town.len());
        assert_eq!(plan["total_people"], population);
        // Per village: assigned + unassigned = its population.
        let mut moved: HashMap<String, i64> = HashMap::new();
        for a in plan["assignments"].as_array().unwrap() {
            *moved
                .entry(a["village_id"].as_str().unwrap().to_string())
                .or_default() += a["people"].as_i64().unwrap();
        }
        for u in plan["unassigned"].as_array().unwrap() {
            *moved
                .entry(u["village_id"].as_str().unwrap().to_string())
                .or_default() += u["people"].as_i64().unwrap();
        }
        for (id, people) in &in_town {
            assert_eq!(
                moved.get(*id).copied().unwrap_or(0),
                *people,
                "village {id}"
            );
        }
        for load in plan["shelter_loads"].as_array().unwrap() {
            assert!(
                load["assigned"].as_i64() <= load["capacity"].as_i64(),
                "{load}"
            );
        }
        assert_eq!(
            plan["assigned_people"].as_i64().unwrap() + plan["unassigned_people"].as_i64().unwrap(),
            population
        );

        // One small shelter: capacity is short, so exactly the rest stays unassigned.
        let (status, short) = post(
            &server,
            &duty,
            "/api/v1/routing/evacuation",
            json!({"area": {"towns": ["120119100"]}, "shelters": ["shelter-014"]}),
        )
        .await;
        assert_eq!(status, 200, "{short}");
        let capacity = short["plan"]["shelter_loads"][0]["capacity"]
            .as_i64()
            .unwrap();
        assert!(capacity < population);
        assert_eq!(short["plan"]["shelter_loads"][0]["assigned"], capacity);
        assert_eq!(short["plan"]["unassigned_people"], population - capacity);

        // A hazard zone given as a hazard point and a radius.
        let (status, zone) = post(
            &server,
            &duty,
            "/api/v1/routing/evacuation",
            json!({"area": {"hazard_point": "geo-001", "radius_m": 5000}}),
        )
        .await;
        assert_eq!(status, 200, "{zone}");
        let near = all
            .iter()
            .filter(|v| distance_m(lon_lat("117.484458,40.181039"), v.2) <= 5000.0)
            .count();
        assert_eq!(zone["plan"]["villages"].as_u64().unwrap() as usize, near);
    }
}

#[tokio::test]
async fn exposure_counts_villages_and_people_in_an_area() {
    for server in servers().await {
        let duty = server.token("duty").await;
        let all = villages(&server).await;
        let center = lon_lat(YUYANG);
        let (status, body) = post(
            &server,
            &duty,
            "/api/v1/routing/exposure",
            json!({"area": {"center": center, "radius_m": 3000}}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let inside: Vec<_> = all
            .iter()
            .filter(|v| distance_m(center, v.2) <= 3000.0)
            .collect();
        assert!(!inside.is_empty());
        assert_eq!(
            body["report"]["villages"].as_u64().unwrap() as usize,
            inside.len()
        );
        assert_eq!(
            body["report"]["population"],
            inside.iter().map(|v| v.3).sum::<i64>()
        );

        // A polygon: a box round the same centre holds at least the circle's villages.
        let (w, s, e, n) = (
            center[0] - 0.05,
            center[1] - 0.05,
            center[0] + 0.05,
            center[1] + 0.05,
        );
        let polygon =
            json!({"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]});
        let (status, boxed) = post(
            &server,
            &duty,
            "/api/v1/routing/exposure",
            json!({"area": {"polygon": polygon}}),
        )
        .await;
        assert_eq!(status, 200, "{boxed}");
        let in_box = all
            .iter()
            .filter(|v| (w..=e).contains(&v.2[0]) && (s..=n).contains(&v.2[1]))
            .count();
        assert_eq!(
            boxed["report"]["villages"].as_u64().unwrap() as usize,
            in_box
        );
        assert_eq!(
            boxed["geojson"]["features"].as_array().unwrap().len(),
            in_box
        );
    }
}

#[tokio::test]
async fn bad_analysis_input_is_a_clear_4xx() {
    for server in servers().await {
        let duty = server.token("duty").await;
        for (path, code, field) in [
            (
                "/api/v1/routing/coverage?station_type=volcano&minutes=15",
                "invalid_value",
                "station_type",
            ),
            (
                "/api/v1/routing/coverage?station_type=fire&minutes=-1",
                "invalid_value",
                "minutes",
            ),
            (
                "/api/v1/routing/coverage?minutes=15",
                "required",
                "station_type",
            ),
            (
                "/api/v1/routing/aerial?base=helipad-999",
                "invalid_value",
                "base",
            ),
            (
                "/api/v1/routing/aerial?base=helipad-001&cruise_kmh=0",
                "invalid_value",
                "cruise_kmh",
            ),
        ] {
            let (status, body) = server.get(path, Some(&duty)).await;
            assert_error(status, &body, code, field);
        }
        let far = json!({"type": "Polygon", "coordinates": [[[121.0, 31.0], [121.1, 31.0], [121.1, 31.1], [121.0, 31.0]]]});
        for (path, body, code, field) in [
            (
                "/api/v1/routing/evacuation",
                json!({"area": {"polygon": far}}),
                "invalid_value",
                "area",
            ),
            (
                "/api/v1/routing/evacuation",
                json!({"area": {}}),
                "required",
                "area",
            ),
            (
                "/api/v1/routing/evacuation",
                json!({"area": {"towns": []}}),
                "invalid_value",
                "area.towns",
            ),
            (
                "/api/v1/routing/evacuation",
                json!({"area": {"towns": ["120119999"]}}),
                "unknown_town",
                "area.towns[0]",
            ),
            (
                "/api/v1/routing/evacuation",
                json!({"area": {"towns": ["120119100"]}, "shelters": ["shelter-999"]}),
                "invalid_value",
                "shelters",
            ),
            (
                "/api/v1/routing/evacuation",
                json!({"area": {"center": [117.4, 40.0]}}),
                "required",
                "area.radius_m",
            ),
            (
                "/api/v1/routing/exposure",
                json!({"area": {"center": [117.4, 40.0], "radius_m": -3}}),
                "invalid_value",
                "area.radius_m",
            ),
            (
                "/api/v1/routing/exposure",
                json!({"area": {"polygon": {"type": "Point", "coordinates": [117.4, 40.0]}}}),
                "invalid_geojson",
                "area.polygon",
            ),
            (
                "/api/v1/routing/exposure",
                json!({"area": {"hazard_point": "geo-999", "radius_m": 100}}),
                "invalid_value",
                "area.hazard_point",
            ),
        ] {
            let (status, answer) = post(&server, &duty, path, body.clone()).await;
            assert_error(status, &answer, code, field);
        }
        // Stations are not public: the analyses need an account.
        let (status, _) = server
            .get(
                "/api/v1/routing/coverage?station_type=fire&minutes=15",
                None,
            )
            .await;
        assert_eq!(status, 401);
    }
}
