//! Field reports over HTTP on every backend: idempotency, figure provenance, bad input,
//! timeline order and jurisdiction.

mod common;

use common::{report, servers, YINLIU, YUYANG};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_retry_returns_the_first_answer_and_a_reused_key_with_other_content_conflicts() {
    for server in servers().await {
        let info = server.token("info100").await;
        let body = json!({"type": "flood", "location": YUYANG, "figures": {"injured": 2}, "text": "村口积水"});
        let (status, first) = report(&server, &info, "key-1", body.clone()).await;
        assert_eq!(status, 201, "{}: {first}", server.backend);
        assert_eq!(first["opened"], true);
        let (status, again) = report(&server, &info, "key-1", body.clone()).await;
        assert_eq!(
            (status, &again),
            (201, &first),
            "{}: a retry gets the same status and body",
            server.backend
        );

        let mut other = body.clone();
        other["figures"]["injured"] = json!(3);
        let (status, conflict) = report(&server, &info, "key-1", other).await;
        assert_eq!(status, 409, "{}: {conflict}", server.backend);
        assert_eq!(conflict["error"]["code"], "idempotency_conflict");

        let incidents = server.get("/api/v1/incidents", Some(&info)).await.1;
        assert_eq!(
            incidents.as_array().unwrap().len(),
            1,
            "{}: one incident, not two",
            server.backend
        );
        let id = first["incident"]["id"].as_str().unwrap();
        let timeline = server
            .get(&format!("/api/v1/incidents/{id}/timeline"), Some(&info))
            .await
            .1;
        let reports = timeline
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "report")
            .count();
        assert_eq!(reports, 1, "{}: the retry stored nothing", server.backend);

        let response = server
            .client
            .post(format!("{}/api/v1/reports", server.base))
            .bearer_auth(&info)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 422, "the key is required");
    }
}

#[tokio::test]
async fn figures_show_latest_value_change_and_source_report_and_refuse_silent_decreases() {
    for server in servers().await {
        let info = server.token("info100").await;
        let (_, first) = report(
            &server,
            &info,
            "a",
            json!({"type": "geological_hazard", "severity": "III", "location": YUYANG,
            "figures": {"injured": 2, "missing": 4, "houses_collapsed": 3}}),
        )
        .await;
        let id = first["incident"]["id"].as_str().unwrap().to_string();
        let first_report = first["report"]["id"].as_str().unwrap().to_string();
        let (status, second) = report(
            &server,
            &info,
            "b",
            json!({"incident_id": id, "figures": {"injured": 5, "missing": 4}}),
        )
        .await;
        assert_eq!(status, 201, "{second}");
        let second_report = second["report"]["id"].as_str().unwrap().to_string();

        let incident = server
            .get(&format!("/api/v1/incidents/{id}"), Some(&info))
            .await
            .1;
        let figures = &incident["figures"];
        assert_eq!(figures["injured"]["value"], 5);
        assert_eq!(figures["injured"]["change"], 3);
        assert_eq!(figures["injured"]["report_id"], second_report.as_str());
        assert_eq!(
            figures["missing"]["report_id"],
            first_report.as_str(),
            "unchanged figure keeps its source"
        );
        assert_eq!(figures["houses_collapsed"]["value"], 3);
        assert_eq!(incident["severity"], "III");
        assert_eq!(incident["response_level_zh"], "三级响应");

        let (status, refused) = report(
            &server,
            &info,
            "c",
            json!({"incident_id": id, "figures": {"missing": 1}}),
        )
        .await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["error"]["field"], "figures.missing");
        let (status, _) = report(
            &server,
            &info,
            "d",
            json!({"incident_id": id, "figures": {"deaths": -1}}),
        )
        .await;
        assert_eq!(status, 422);
        let unchanged = server
            .get(&format!("/api/v1/incidents/{id}"), Some(&info))
            .await
            .1;
        assert_eq!(
            unchanged["figures"], incident["figures"],
            "refused reports change nothing"
        );

        let (status, corrected) = report(
            &server,
            &info,
            "e",
            json!({"incident_id": id, "figures": {"missing": 1}, "correction": true}),
        )
        .await;
        assert_eq!(status, 201, "{corrected}");
        assert_eq!(corrected["incident"]["figures"]["missing"]["change"], -3);
    }
}

#[tokio::test]
async fn bad_reports_are_refused_by_field_and_store_nothing() {
    for server in servers().await {
        let info = server.token("info100").await;
        let cases = [
            (
                json!({"type": "flood", "location": [116.0, 39.0]}),
                422,
                "location",
            ),
            (json!({"type": "volcano", "location": YUYANG}), 422, "type"),
            (
                json!({"type": "flood", "location": YUYANG, "figures": {"cows": 1}}),
                422,
                "figures.cows",
            ),
            (
                json!({"incident_id": "inc-nope", "figures": {"injured": 1}}),
                404,
                "incident_id",
            ),
            (
                json!({"type": "flood", "location": YUYANG, "occurred_at": "yesterday"}),
                422,
                "occurred_at",
            ),
        ];
        for (i, (body, status, field)) in cases.into_iter().enumerate() {
            let (got, answer) = report(&server, &info, &format!("bad-{i}"), body).await;
            assert_eq!(got, status, "{}: {answer}", server.backend);
            assert_eq!(answer["error"]["field"], field, "{answer}");
        }
        // An information officer of 渔阳镇 cannot report in 洇溜镇.
        let (status, _) = report(
            &server,
            &info,
            "elsewhere",
            json!({"type": "flood", "location": YINLIU}),
        )
        .await;
        assert_eq!(status, 403);
        let duty = server.token("duty").await;
        assert_eq!(
            server.get("/api/v1/incidents", Some(&duty)).await.1,
            json!([]),
            "nothing stored"
        );
    }
}

#[tokio::test]
async fn status_moves_forward_with_the_timeline_in_order_and_towns_see_only_their_own() {
    for server in servers().await {
        let duty = server.token("duty").await;
        let town100 = server.token("town100").await;
        let town101 = server.token("town101").await;
        let (status, incident) = server
            .send(
                Method::POST,
                "/api/v1/incidents",
                Some(&town100),
                Some(json!({"type": "forest_fire", "severity": "IV", "location": YUYANG})),
            )
            .await;
        assert_eq!(status, 201, "{incident}");
        let id = incident["id"].as_str().unwrap();
        assert_eq!(incident["town_code"], "120119100");
        assert_eq!(incident["type_zh"], "森林火灾");

        let step = |to: &'static str, token: String| {
            let server = &server;
            async move {
                server
                    .send(
                        Method::POST,
                        &format!("/api/v1/incidents/{id}/status"),
                        Some(&token),
                        Some(json!({"status": to})),
                    )
                    .await
            }
        };
        let (status, refused) = step("recovering", duty.clone()).await;
        assert_eq!(status, 409, "open cannot jump to recovering: {refused}");
        assert_eq!(refused["error"]["code"], "wrong_state");
        assert_eq!(
            step("responding", town101.clone()).await.0,
            404,
            "another town's officer does not see it"
        );
        assert_eq!(step("responding", town100.clone()).await.0, 200);
        let (status, _) = server
            .send(
                Method::POST,
                &format!("/api/v1/incidents/{id}/notes"),
                Some(&duty),
                Some(json!({"text": "请消防队增援"})),
            )
            .await;
        assert_eq!(status, 201);
        assert_eq!(step("recovering", duty.clone()).await.0, 200);
        assert_eq!(step("closed", duty.clone()).await.0, 200);
        assert_eq!(
            step("responding", duty.clone()).await.0,
            409,
            "closed is final"
        );

        let timeline = server
            .get(&format!("/api/v1/incidents/{id}/timeline"), Some(&duty))
            .await
            .1;
        let kinds: Vec<_> = timeline
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            kinds,
            [
                "status_change",
                "status_change",
                "note",
                "status_change",
                "status_change"
            ]
        );
        let seqs: Vec<_> = timeline
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5]);
        assert_eq!(timeline[2]["actor"], "duty");

        assert_eq!(
            server.get("/api/v1/incidents", Some(&town101)).await.1,
            json!([])
        );
        assert_eq!(
            server
                .get(&format!("/api/v1/incidents/{id}/timeline"), Some(&town101))
                .await
                .0,
            404
        );
        assert_eq!(
            server.get(&format!("/api/v1/incidents/{id}"), None).await.0,
            401
        );
        let (status, _) = server
            .send(
                Method::POST,
                "/api/v1/incidents",
                Some(&town101),
                Some(json!({"type": "flood", "location": YUYANG})),
            )
            .await;
        assert_eq!(
            status, 403,
            "a town officer opens incidents only in their town"
        );
        let audit: i64 = {
            use yingji_store::sqlx_error::Row;
            let row = yingji_store::sqlx_error::query(
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'incident' AND entity_id = $1",
            )
            .bind(id)
            .fetch_one(&server.store.db().reader)
            .await
            .unwrap();
            row.try_get(0).unwrap()
        };
        assert_eq!(
            audit, 5,
            "the opening, three status changes and the note are audited"
        );
    }
}
