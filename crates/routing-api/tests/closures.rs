//! Closures: they change routes at once, their removal restores them, they survive a
//! re-mount, and only officers with the jurisdiction may create them.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

/// A segment in the middle of a route (driven in full).
fn middle_segment(route: &Value) -> u64 {
    let segments = route["segments"].as_array().unwrap();
    assert!(segments.len() >= 3, "{route}");
    segments[segments.len() / 2].as_u64().unwrap()
}

#[tokio::test]
async fn a_closure_changes_routes_at_once_and_its_removal_restores_them() {
    for server in servers().await {
        let duty = server.token("duty").await;
        let before = route(&server, &duty, YUYANG, NORTH_EAST).await;
        let free_flow = before["travel_time_s"].as_f64().unwrap();

        let (status, closure) = close(
            &server,
            &duty,
            closed_segment(middle_segment(&before), "landslide"),
        )
        .await;
        assert_eq!(status, 201, "{closure}");
        let after = route(&server, &duty, YUYANG, NORTH_EAST).await;
        match after["status"].as_str().unwrap() {
            "found" => assert!(
                after["travel_time_s"].as_f64().unwrap() > free_flow,
                "{after} vs {before}"
            ),
            other => assert_eq!(other, "unreachable"),
        }
        // The map sees it.
        let (status, layer) = server.get("/api/v1/routing/closures", Some(&duty)).await;
        assert_eq!(status, 200);
        let ids: Vec<&str> = layer["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [closure["id"].as_str().unwrap()]);
        assert_eq!(layer["features"][0]["properties"]["reason"], "landslide");
        assert_eq!(layer["features"][0]["geometry"]["type"], "LineString");

        let path = format!(
            "/api/v1/routing/closures/{}",
            closure["id"].as_str().unwrap()
        );
        let (status, _) = server.send(Method::DELETE, &path, Some(&duty), None).await;
        assert_eq!(status, 200);
        let restored = route(&server, &duty, YUYANG, NORTH_EAST).await;
        assert_eq!(restored["travel_time_s"], before["travel_time_s"]);
        let (status, _) = server.send(Method::DELETE, &path, Some(&duty), None).await;
        assert_eq!(status, 404);

        // A slow-down (factor 3) on a driven segment makes the same route slower.
        let (status, _) = close(
            &server,
            &duty,
            json!({"segment": middle_segment(&before), "factor": 3.0, "reason": "flooded underpass", "expires_at": tomorrow()}),
        )
        .await;
        assert_eq!(status, 201);
        let slowed = route(&server, &duty, YUYANG, NORTH_EAST).await;
        assert!(
            slowed["travel_time_s"].as_f64().unwrap() > free_flow,
            "{slowed}"
        );

        // Closing the road the destination lies on leaves it explicitly unreachable.
        let (status, body) = close(
            &server,
            &duty,
            json!({"at": lon_lat(NORTH_EAST), "closed": true, "reason": "bridge down", "expires_at": tomorrow()}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let cut = route(&server, &duty, YUYANG, NORTH_EAST).await;
        assert_eq!(cut["status"], "unreachable", "{cut}");

        // Every change went through the audit chain, which is intact.
        let entries = server.store.audit_entries(0, i64::MAX).await.unwrap();
        let actions: Vec<&str> = entries
            .iter()
            .filter(|e| e.entity == "routing_closure")
            .map(|e| e.action.as_str())
            .collect();
        assert_eq!(actions, ["create", "delete", "create", "create"]);
        let breaks = server.store.verify_audit().await.unwrap();
        assert!(breaks.is_empty(), "{breaks:?}");
    }
}

#[tokio::test]
async fn closures_survive_a_re_mount() {
    for server in servers().await {
        let duty = server.token("duty").await;
        let before = route(&server, &duty, YUYANG, NORTH_EAST).await;
        let (status, closure) = close(
            &server,
            &duty,
            closed_segment(middle_segment(&before), "landslide"),
        )
        .await;
        assert_eq!(status, 201);
        let closed_time = route(&server, &duty, YUYANG, NORTH_EAST).await;

        // A fresh module over the same store and data directory, as after a restart.
        let module = yingji_routing_api::mount(&server.state).await.unwrap();
        let app = yingji_server::router(server.state.clone(), vec![module]);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let get = |path: String| {
            let client = server.client.clone();
            let duty = duty.clone();
            async move {
                let response = client.get(path).bearer_auth(duty).send().await.unwrap();
                response.json::<Value>().await.unwrap()
            }
        };
        let layer = get(format!("{base}/api/v1/routing/closures")).await;
        assert_eq!(layer["features"][0]["id"], closure["id"]);
        let again = get(format!(
            "{base}/api/v1/routing/route?from={YUYANG}&to={NORTH_EAST}"
        ))
        .await;
        assert_eq!(again["status"], closed_time["status"]);
        assert_eq!(again["travel_time_s"], closed_time["travel_time_s"]);
    }
}

#[tokio::test]
async fn only_officers_with_the_jurisdiction_close_roads() {
    for server in servers().await {
        let request = |at: &str| json!({"at": lon_lat(at), "closed": true, "reason": "landslide", "expires_at": tomorrow()});
        let (status, body) = close(&server, &server.token("town101").await, request(YUYANG)).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("forbidden")),
            "{body}"
        );
        let (status, body) = server
            .send(
                Method::POST,
                "/api/v1/routing/closures",
                None,
                Some(request(YUYANG)),
            )
            .await;
        assert_eq!(status, 401, "{body}");
        for who in ["info100", "approver", "feeder"] {
            let (status, body) = close(&server, &server.token(who).await, request(YUYANG)).await;
            assert_eq!(status, 403, "{who}: {body}");
        }
        let town100 = server.token("town100").await;
        let (status, own) = close(&server, &town100, request(YUYANG)).await;
        assert_eq!(status, 201, "{own}");
        assert_eq!(own["town_code"], "120119100");
        let (status, other) = close(&server, &server.token("town101").await, request(YINLIU)).await;
        assert_eq!(status, 201, "{other}");
        // A town officer may not lift another town's closure; the district may.
        let path = format!("/api/v1/routing/closures/{}", other["id"].as_str().unwrap());
        let (status, _) = server
            .send(Method::DELETE, &path, Some(&town100), None)
            .await;
        assert_eq!(status, 403);
        let (status, _) = server
            .send(
                Method::DELETE,
                &path,
                Some(&server.token("admin").await),
                None,
            )
            .await;
        assert_eq!(status, 200);
        // Anyone signed in reads them; anonymous callers do not.
        let (status, layer) = server
            .get(
                "/api/v1/routing/closures",
                Some(&server.token("info100").await),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(layer["features"].as_array().unwrap().len(), 1);
        let (status, _) = server.get("/api/v1/routing/closures", None).await;
        assert_eq!(status, 401);
    }
}

#[tokio::test]
async fn bad_closures_are_refused_and_store_nothing() {
    for server in servers().await {
        let duty = server.token("duty").await;
        let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
        let cases = [
            (
                json!({"at": lon_lat(YUYANG), "factor": 0.5, "reason": "x", "expires_at": tomorrow()}),
                "invalid_value",
                "factor",
            ),
            (
                json!({"at": lon_lat(YUYANG), "closed": true, "reason": "x", "expires_at": past}),
                "invalid_value",
                "expires_at",
            ),
            (
                json!({"at": lon_lat(YUYANG), "closed": true, "reason": "x", "expires_at": "tomorrow"}),
                "invalid_time",
                "expires_at",
            ),
            (
                json!({"at": lon_lat(YUYANG), "closed": true, "expires_at": tomorrow()}),
                "required",
                "reason",
            ),
            (
                json!({"at": lon_lat(YUYANG), "closed": true, "reason": "  ", "expires_at": tomorrow()}),
                "invalid_value",
                "reason",
            ),
            (
                json!({"at": lon_lat(YUYANG), "reason": "x", "expires_at": tomorrow()}),
                "required",
                "factor",
            ),
            (
                json!({"closed": true, "reason": "x", "expires_at": tomorrow()}),
                "required",
                "at",
            ),
            (
                json!({"at": [121.47, 31.23], "closed": true, "reason": "x", "expires_at": tomorrow()}),
                "outside_graph",
                "at",
            ),
            (
                json!({"segment": 999999, "closed": true, "reason": "x", "expires_at": tomorrow()}),
                "invalid_value",
                "segment",
            ),
        ];
        for (body, code, field) in cases {
            let (status, answer) = close(&server, &duty, body.clone()).await;
            assert_error(status, &answer, code, field);
        }
        let (_, layer) = server.get("/api/v1/routing/closures", Some(&duty)).await;
        assert_eq!(layer["features"].as_array().unwrap().len(), 0);
    }
}

#[tokio::test]
async fn a_closure_stops_counting_when_it_expires() {
    for server in servers().await {
        let service = yingji_routing_api::RoutingService::open(
            server.store.clone(),
            &server.state.options.data_dir,
        )
        .await
        .unwrap();
        let duty = yingji_domain::Principal::system("test");
        let now = chrono::Utc::now();
        let (from, to) = (lon_lat(YUYANG), lon_lat(NORTH_EAST));
        let point =
            |p: [f64; 2]| yingji_routing_api::yingji_routing::LonLat::new(p[0], p[1]).unwrap();
        let request = yingji_routing_api::closures::ClosureRequest {
            at: Some(to),
            closed: Some(true),
            reason: Some("bridge down".into()),
            expires_at: Some((now + chrono::Duration::hours(6)).to_rfc3339()),
            ..Default::default()
        };
        service.create_closure(&duty, request, now).await.unwrap();
        let during = service
            .route(point(from), point(to), now + chrono::Duration::hours(5))
            .await
            .unwrap();
        assert_eq!(during["status"], "unreachable");
        let after = service
            .route(point(from), point(to), now + chrono::Duration::hours(7))
            .await
            .unwrap();
        assert_eq!(after["status"], "found");
        assert!(service
            .active_closures(now + chrono::Duration::hours(7))
            .await
            .unwrap()
            .is_empty());
    }
}
