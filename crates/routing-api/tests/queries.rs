//! Routes, tables, isochrones, the roads layer and the graph cache, over HTTP.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn route_table_and_isochrone_on_the_county_graph() {
    for server in servers().await {
        let duty = server.token("duty").await;

        let found = route(&server, &duty, YUYANG, NORTH_EAST).await;
        assert_eq!(found["status"], "found", "{found}");
        let seconds = found["travel_time_s"].as_f64().unwrap();
        let metres = found["distance_m"].as_f64().unwrap();
        // ~20 km apart in a straight line: the road is longer, and no faster than 120 km/h.
        assert!(metres > 20_000.0, "{metres}");
        assert!(
            seconds > metres / (120.0 / 3.6),
            "{seconds} s for {metres} m"
        );
        assert_eq!(found["feature"]["geometry"]["type"], "LineString");
        let line = found["feature"]["geometry"]["coordinates"]
            .as_array()
            .unwrap();
        assert_eq!(line.first().unwrap(), &json!(lon_lat(YUYANG)));
        assert_eq!(line.last().unwrap(), &json!(lon_lat(NORTH_EAST)));
        assert_eq!(found["cross_country"], false, "{found}");
        assert_eq!(found["feature"]["properties"]["cross_country"], false);

        // Many-to-many: each cell is the route between its two points.
        let (status, table) = server
            .send(
                Method::POST,
                "/api/v1/routing/table",
                Some(&duty),
                Some(json!({"from": [lon_lat(YUYANG), lon_lat(YINLIU)], "to": [lon_lat(YUYANG), lon_lat(NORTH_EAST)]})),
            )
            .await;
        assert_eq!(status, 200, "{table}");
        let minutes = &table["minutes"];
        let back = route(&server, &duty, YINLIU, YUYANG).await;
        let back_minutes = back["travel_time_s"].as_f64().unwrap() / 60.0;
        assert!(
            (minutes[1][0].as_f64().unwrap() - back_minutes).abs() < 0.01,
            "{table} vs {back}"
        );
        assert!(
            (minutes[0][1].as_f64().unwrap() - seconds / 60.0).abs() < 0.01,
            "{table}"
        );
        assert_eq!(table["unreachable_pairs"], 0);

        let (status, area) = server
            .get(
                &format!("/api/v1/routing/isochrone?at={YUYANG}&minutes=10"),
                Some(&duty),
            )
            .await;
        assert_eq!(status, 200, "{area}");
        assert_eq!(area["geometry"]["type"], "MultiPolygon");
        let (_, wider) = server
            .get(
                &format!("/api/v1/routing/isochrone?at={YUYANG}&minutes=40"),
                Some(&duty),
            )
            .await;
        assert!(
            wider["properties"]["reachable_nodes"].as_u64()
                > area["properties"]["reachable_nodes"].as_u64(),
            "40 minutes reach more than 10: {} vs {}",
            wider["properties"],
            area["properties"]
        );

        // Anonymous callers get no routes.
        let (status, _) = server
            .get(
                &format!("/api/v1/routing/route?from={YUYANG}&to={YINLIU}"),
                None,
            )
            .await;
        assert_eq!(status, 401);
    }
}

/// The county graph is coarse: 渔阳镇's seat is 2.6 km from its nearest road, so by road a
/// point 600 m east of it is a 4.7 km out-and-back. The answer is one straight leg instead,
/// and says so.
#[tokio::test]
async fn a_short_hop_is_one_cross_country_leg() {
    for server in servers().await {
        let duty = server.token("duty").await;
        let [lon, lat] = lon_lat(YUYANG);
        let east = format!("{},{lat}", lon + 0.007);
        let hop = route(&server, &duty, YUYANG, &east).await;
        assert_eq!(hop["status"], "found", "{hop}");
        assert_eq!(hop["cross_country"], true, "{hop}");
        let metres = hop["distance_m"].as_f64().unwrap();
        assert_eq!(hop["offroad_m"].as_f64(), Some(metres));
        // 596 m straight, 1.3 times that travelled at 20 km/h.
        assert!((770.0..780.0).contains(&metres), "{metres}");
        let seconds = hop["travel_time_s"].as_f64().unwrap();
        assert!((seconds - metres / (20.0 / 3.6)).abs() < 0.01, "{seconds}");
        assert_eq!(hop["segments"], json!([]));
        let feature = &hop["feature"];
        assert_eq!(feature["properties"]["cross_country"], true);
        assert_eq!(
            feature["geometry"]["coordinates"],
            json!([lon_lat(YUYANG), lon_lat(&east)])
        );

        let (status, table) = server
            .send(
                Method::POST,
                "/api/v1/routing/table",
                Some(&duty),
                Some(json!({"from": [lon_lat(YUYANG)], "to": [lon_lat(&east)]})),
            )
            .await;
        assert_eq!(status, 200, "{table}");
        let minutes = table["minutes"][0][0].as_f64().unwrap();
        assert!((minutes - seconds / 60.0).abs() < 1e-6, "{table}");

        // The field is in the published schema of the answer.
        let (_, doc) = server.get("/api/v1/openapi.json", None).await;
        let schema = &doc["components"]["schemas"]["FoundRoute"];
        assert_eq!(
            schema["properties"]["cross_country"]["type"], "boolean",
            "{schema}"
        );
    }
}

#[tokio::test]
async fn bad_query_input_is_a_clear_4xx() {
    for server in servers().await {
        let duty = server.token("duty").await;
        let cases = [
            (
                format!("/api/v1/routing/route?from=121.47,31.23&to={YUYANG}"),
                "outside_graph",
                "from",
            ),
            (
                format!("/api/v1/routing/route?from={YUYANG}&to=abc"),
                "invalid_coordinate",
                "to",
            ),
            (
                format!("/api/v1/routing/route?from={YUYANG}&to=200,95"),
                "invalid_coordinate",
                "to",
            ),
            (
                format!("/api/v1/routing/route?from={YUYANG}"),
                "required",
                "to",
            ),
            (
                format!("/api/v1/routing/isochrone?at={YUYANG}&minutes=-5"),
                "invalid_value",
                "minutes",
            ),
            (
                format!("/api/v1/routing/isochrone?at={YUYANG}&minutes=ten"),
                "invalid_query",
                "minutes",
            ),
            (
                "/api/v1/routing/isochrone?at=121.47,31.23&minutes=5".to_string(),
                "outside_graph",
                "at",
            ),
        ];
        for (path, code, field) in cases {
            let (status, body) = server.get(&path, Some(&duty)).await;
            assert_error(status, &body, code, field);
        }
        let (status, body) = server
            .send(
                Method::POST,
                "/api/v1/routing/table",
                Some(&duty),
                Some(json!({"from": [], "to": [lon_lat(YUYANG)]})),
            )
            .await;
        assert_error(status, &body, "required", "from");
        let (status, body) = server
            .send(
                Method::POST,
                "/api/v1/routing/table",
                Some(&duty),
                Some(json!({"from": [lon_lat(YUYANG)], "to": [lon_lat(YUYANG), [121.47, 31.23]]})),
            )
            .await;
        assert_error(status, &body, "outside_graph", "to[1]");
    }
}

#[tokio::test]
async fn roads_layer_is_public_geojson_with_attribution() {
    for server in servers().await {
        let (status, roads) = server.get("/api/v1/routing/roads", None).await;
        assert_eq!(status, 200);
        assert_eq!(roads["type"], "FeatureCollection");
        assert_eq!(roads["attribution"], "© OpenStreetMap contributors");
        // The module's paths are in the one OpenAPI document.
        let (_, doc) = server.get("/api/v1/openapi.json", None).await;
        for path in [
            "/api/v1/routing/route",
            "/api/v1/routing/closures",
            "/api/v1/routing/evacuation",
        ] {
            assert!(
                doc["paths"][path].is_object(),
                "{path} missing from the OpenAPI document"
            );
        }
        let features = roads["features"].as_array().unwrap();
        assert!(features.len() > 300, "{} segments", features.len());
        for f in features {
            assert_eq!(f["geometry"]["type"], "LineString");
            assert!(f["properties"]["speed_kmh"].as_f64().unwrap() > 0.0);
            assert!(f["properties"]["class"].is_string());
            assert!(f["properties"]["segment"].is_u64());
        }
    }
}

#[tokio::test]
async fn the_prepared_graph_is_cached_in_the_data_dir() {
    let dir = std::env::temp_dir().join(format!("yingji-routing-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (_, first) = yingji_routing_api::load_county_router(&dir).unwrap();
    assert!(
        matches!(
            first,
            yingji_routing_api::yingji_routing::CacheOutcome::Prepared(_)
        ),
        "{first:?}"
    );
    let (_, second) = yingji_routing_api::load_county_router(&dir).unwrap();
    assert!(
        matches!(
            second,
            yingji_routing_api::yingji_routing::CacheOutcome::Loaded(_)
        ),
        "{second:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();

    // The mount prepared it under the server's data directory: a second mount loads it.
    for server in servers().await {
        let (_, outcome) =
            yingji_routing_api::load_county_router(&server.state.options.data_dir).unwrap();
        assert!(
            matches!(
                outcome,
                yingji_routing_api::yingji_routing::CacheOutcome::Loaded(_)
            ),
            "{outcome:?}"
        );
    }
}
