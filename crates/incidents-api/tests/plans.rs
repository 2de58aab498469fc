//! Plan activation and situation reports over HTTP on every backend.

mod common;

use common::{report, servers, YUYANG};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn activating_a_plan_creates_the_levels_tasks_tracked_on_the_timeline() {
    for server in servers().await {
        let duty = server.token("duty").await;
        let (status, plans) = server.get("/api/v1/plans", Some(&duty)).await;
        assert_eq!(status, 200);
        let flood = plans
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == "flood-geohazard")
            .unwrap();
        let level_iii = flood["levels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["level"] == "III")
            .unwrap();
        let expected = level_iii["actions"].as_array().unwrap().len();

        let (_, incident) = server
            .send(
                Method::POST,
                "/api/v1/incidents",
                Some(&duty),
                Some(json!({"type": "geological_hazard", "severity": "III", "location": YUYANG})),
            )
            .await;
        let id = incident["id"].as_str().unwrap();
        let activate = format!("/api/v1/incidents/{id}/plans");
        let (status, refused) = server
            .send(
                Method::POST,
                &activate,
                Some(&duty),
                Some(json!({"plan_id": "forest-fire"})),
            )
            .await;
        assert_eq!(
            (status, refused["error"]["field"].as_str()),
            (422, Some("plan_id")),
            "{refused}"
        );
        let (status, tasks) = server
            .send(
                Method::POST,
                &activate,
                Some(&duty),
                Some(json!({"plan_id": "flood-geohazard"})),
            )
            .await;
        assert_eq!(status, 201, "{tasks}");
        let tasks = tasks.as_array().unwrap().clone();
        assert_eq!(tasks.len(), expected, "one task per action of level III");
        assert_eq!(tasks[0]["owner"], level_iii["actions"][0]["owner"]);
        assert!(tasks
            .iter()
            .all(|t| t["status"] == "pending" && t["level"] == "III"));

        let task = tasks[1]["id"].as_str().unwrap();
        let step = |to: &'static str| {
            let (server, duty) = (&server, &duty);
            async move {
                server
                    .send(
                        Method::POST,
                        &format!("/api/v1/tasks/{task}/status"),
                        Some(duty),
                        Some(json!({"status": to})),
                    )
                    .await
            }
        };
        assert_eq!(step("in_progress").await.0, 200);
        assert_eq!(step("pending").await.0, 409, "tasks move forward only");
        assert_eq!(step("done").await.0, 200);
        let listed = server
            .get(&format!("/api/v1/incidents/{id}/tasks"), Some(&duty))
            .await
            .1;
        assert_eq!(listed[1]["status"], "done");

        let timeline = server
            .get(&format!("/api/v1/incidents/{id}/timeline"), Some(&duty))
            .await
            .1;
        let kinds: Vec<_> = timeline
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["status_change", "plan_activated", "task", "task"]);
        let town101 = server.token("town101").await;
        assert_eq!(
            server
                .send(
                    Method::POST,
                    &activate,
                    Some(&town101),
                    Some(json!({"plan_id": "flood-geohazard"}))
                )
                .await
                .0,
            404
        );
        assert_eq!(
            server
                .get(&format!("/api/v1/incidents/{id}/tasks"), Some(&town101))
                .await
                .0,
            404
        );
    }
}

#[tokio::test]
async fn the_situation_report_states_the_figures_and_the_timeline() {
    for server in servers().await {
        let info = server.token("info100").await;
        let duty = server.token("duty").await;
        let (_, first) = report(&server, &info, "s1", json!({"type": "flood", "location": YUYANG, "figures": {"relocated": 120, "injured": 2}})).await;
        let id = first["incident"]["id"].as_str().unwrap();
        report(
            &server,
            &info,
            "s2",
            json!({"incident_id": id, "figures": {"injured": 7}, "text": "新增伤员送医"}),
        )
        .await;
        let second_report = server
            .get(&format!("/api/v1/incidents/{id}"), Some(&duty))
            .await
            .1["figures"]["injured"]["report_id"]
            .clone();

        let response = server
            .client
            .get(format!(
                "{}/api/v1/incidents/{id}/situation-report?kind=follow_up&number=2",
                server.base
            ))
            .bearer_auth(&duty)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let html = response.text().await.unwrap();
        assert!(html.contains("续报（第2期）"), "{html}");
        assert!(html.contains("渔阳镇"), "the town is named: {html}");
        assert!(
            html.contains(&format!(
                "受伤7人（较上报增加5人），来源：报告 {}",
                second_report.as_str().unwrap()
            )),
            "{html}"
        );
        assert!(html.contains("紧急转移安置120人"));
        assert!(html.contains("新增伤员送医"), "the timeline is in it");

        let (status, refused) = server
            .get(
                &format!("/api/v1/incidents/{id}/situation-report?kind=final"),
                Some(&duty),
            )
            .await;
        assert_eq!(status, 409, "the incident is still open: {refused}");
        let town101 = server.token("town101").await;
        assert_eq!(
            server
                .get(
                    &format!("/api/v1/incidents/{id}/situation-report"),
                    Some(&town101)
                )
                .await
                .0,
            404
        );
    }
}
