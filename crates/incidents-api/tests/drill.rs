//! Drill marking: a report's `drill` id is stored, carried to the incident it opens,
//! returned in JSON and GeoJSON, filters the listings, and keeps drill and real traffic apart.

mod common;

use common::{report, servers, YUYANG};
use serde_json::json;

#[tokio::test]
async fn drill_reports_and_incidents_are_marked_listed_apart_and_never_mixed_with_real_ones() {
    for server in servers().await {
        let info = server.token("info100").await;
        let duty = server.token("duty").await;
        let (status, drill) = report(
            &server,
            &info,
            "d1",
            json!({"type": "flood", "location": YUYANG, "drill": "flood-2026_07"}),
        )
        .await;
        assert_eq!(status, 201, "{}: {drill}", server.backend);
        assert_eq!(drill["report"]["drill"], "flood-2026_07");
        assert_eq!(
            drill["incident"]["drill"], "flood-2026_07",
            "the opened incident carries it"
        );
        let drill_incident = drill["incident"]["id"].as_str().unwrap().to_string();
        let (_, real) = report(
            &server,
            &info,
            "r1",
            json!({"type": "flood", "location": YUYANG}),
        )
        .await;
        assert_eq!(real["incident"]["drill"], serde_json::Value::Null);
        let real_incident = real["incident"]["id"].as_str().unwrap().to_string();

        let (status, mixed) = report(
            &server,
            &info,
            "r2",
            json!({"incident_id": drill_incident, "text": "real report on a drill"}),
        )
        .await;
        assert_eq!(
            (status, &mixed["error"]["field"]),
            (422, &json!("drill")),
            "{mixed}"
        );
        let (status, mixed) = report(
            &server,
            &info,
            "d2",
            json!({"incident_id": real_incident, "drill": "flood-2026_07"}),
        )
        .await;
        assert_eq!(
            (status, &mixed["error"]["field"]),
            (422, &json!("drill")),
            "{mixed}"
        );
        let (status, _) = report(
            &server,
            &info,
            "d3",
            json!({"incident_id": drill_incident, "drill": "flood-2026_07", "text": "续报"}),
        )
        .await;
        assert_eq!(status, 201);
        let (status, bad) = report(
            &server,
            &info,
            "d4",
            json!({"type": "flood", "location": YUYANG, "drill": "汛期 演练"}),
        )
        .await;
        assert_eq!(
            (status, &bad["error"]["field"]),
            (422, &json!("drill")),
            "{bad}"
        );

        let ids = |list: serde_json::Value| -> Vec<String> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_string())
                .collect()
        };
        let listed = server
            .get("/api/v1/incidents?drill=flood-2026_07", Some(&duty))
            .await
            .1;
        assert_eq!(ids(listed), vec![drill_incident.to_string()]);
        assert_eq!(
            server
                .get("/api/v1/incidents", Some(&duty))
                .await
                .1
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let reports = server
            .get("/api/v1/reports?drill=flood-2026_07", Some(&info))
            .await
            .1;
        assert_eq!(reports.as_array().unwrap().len(), 2, "{reports}");
        assert!(reports
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["drill"] == "flood-2026_07"));
        let all = server.get("/api/v1/reports", Some(&info)).await.1;
        assert_eq!(all.as_array().unwrap().len(), 3);
        let town101 = server.token("town101").await;
        assert_eq!(
            server.get("/api/v1/reports", Some(&town101)).await.1,
            json!([]),
            "another town's reports are not listed"
        );

        let (status, geo) = server
            .get(
                "/api/v1/incidents?drill=flood-2026_07&format=geojson",
                Some(&duty),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(geo["type"], "FeatureCollection");
        assert_eq!(geo["features"][0]["properties"]["drill"], "flood-2026_07");
        assert_eq!(geo["features"][0]["geometry"]["type"], "Point");
        let geo = server
            .get(
                "/api/v1/reports?drill=flood-2026_07&format=geojson",
                Some(&duty),
            )
            .await
            .1;
        assert_eq!(geo["features"][0]["properties"]["drill"], "flood-2026_07");
        assert_eq!(
            server
                .get("/api/v1/incidents?drill=not%20valid", Some(&duty))
                .await
                .0,
            400
        );
    }
}
