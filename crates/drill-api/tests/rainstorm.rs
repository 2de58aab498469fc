//! The default scenario played headless at high speed into a real server (monitoring,
//! incidents, routing, CAP and drills mounted, each backend), with simulated responders:
//! the warnings, incidents, dispatches and evaluation figures it must produce.

use reqwest::Method;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use yingji_drill_api::Drills;
use yingji_server::testing::{servers_with, TestServer};

/// The replay speed: the twelve scenario hours in twelve seconds.
const SPEED: f64 = 3600.0;

async fn drill_servers() -> Vec<(TestServer, Drills)> {
    let handles: Arc<Mutex<Vec<Drills>>> = Arc::default();
    let captured = handles.clone();
    let servers = servers_with(move |state| {
        let captured = captured.clone();
        async move {
            let (drill_module, drills) = yingji_drill_api::mount(&state).await.unwrap();
            captured.lock().unwrap().push(drills);
            vec![
                yingji_monitoring_api::mount(&state).await.unwrap(),
                yingji_incidents_api::mount(&state).await.unwrap(),
                yingji_routing_api::mount(&state).await.unwrap(),
                yingji_cap_api::mount(&state).await.unwrap(),
                drill_module,
            ]
        }
    })
    .await;
    let handles = handles.lock().unwrap().clone();
    servers
        .into_iter()
        .zip(handles)
        .map(|(server, drills)| {
            drills.set_self_url(&server.base);
            (server, drills)
        })
        .collect()
}

/// Waits for the drill to end. The bound only keeps a broken engine from hanging the suite.
async fn until_over(server: &TestServer, token: &str, id: &str) -> Value {
    for _ in 0..1200 {
        let (status, drill) = server
            .get(&format!("/api/v1/drills/{id}"), Some(token))
            .await;
        assert_eq!(status, 200, "{drill}");
        if matches!(drill["state"].as_str(), Some("finished" | "stopped")) {
            return drill;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("drill {id} never ended");
}

/// The whole audit log as text, paged through the API.
async fn audit_text(server: &TestServer) -> String {
    let admin = server.token("admin").await;
    let (mut text, mut after) = (String::new(), 0);
    loop {
        let (status, page) = server
            .get(
                &format!("/api/v1/audit?after={after}&limit=5000"),
                Some(&admin),
            )
            .await;
        assert_eq!(status, 200, "{page}");
        let entries = page["entries"].as_array().unwrap();
        let Some(last) = entries.last() else {
            return text;
        };
        after = last["seq"].as_i64().unwrap();
        text.push_str(&page.to_string());
    }
}

fn events_of<'a>(drill: &'a Value, kind: &str) -> Vec<&'a Value> {
    drill["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}

fn metric(drill: &Value, key: &str) -> Value {
    drill["evaluation"]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == key)
        .cloned()
        .unwrap_or_else(|| panic!("no metric {key}"))
}

#[tokio::test]
async fn the_july_rainstorm_plays_through_warnings_incidents_dispatch_and_evaluation() {
    for (server, _drills) in drill_servers().await {
        let duty = server.token("duty").await;
        let (status, started) = server
            .send(
                Method::POST,
                "/api/v1/drills",
                Some(&duty),
                Some(json!({"scenario": "july-rainstorm", "speed": SPEED, "autorespond": true})),
            )
            .await;
        assert_eq!(status, 201, "{}: {started}", server.backend);
        let id = started["id"].as_str().unwrap().to_string();
        let drill = until_over(&server, &duty, &id).await;
        let backend = server.backend;
        assert_eq!(drill["state"], "finished", "{backend}: {drill}");
        assert_eq!(
            drill["progress"]["problems"],
            json!([]),
            "{backend}: the platform refused nothing"
        );

        // Warnings: rain over the mountains, the Zhou river past its warning stage, the
        // geological-hazard points under the heaviest rain, in both evacuation towns.
        let warnings = events_of(&drill, "warning_raised");
        let rules: Vec<&str> = warnings
            .iter()
            .map(|w| w["detail"].as_str().unwrap())
            .collect();
        assert!(
            rules.iter().any(|r| r.starts_with("rain")),
            "{backend}: {rules:?}"
        );
        assert!(
            rules.iter().any(|r| r.starts_with("stage:")),
            "{backend}: {rules:?}"
        );
        assert!(
            rules.iter().any(|r| r.starts_with("landslide:")),
            "{backend}: {rules:?}"
        );
        for town in ["120119112", "120119104"] {
            assert!(
                warnings.iter().any(|w| w["town_code"] == town),
                "{backend}: a warning in {town}"
            );
        }
        assert!(!events_of(&drill, "threshold_crossed").is_empty());
        // Those raised in the last minutes, or lifted before anyone got to them, stay unacknowledged.
        let acknowledged = events_of(&drill, "warning_acknowledged").len();
        assert!(
            acknowledged * 2 > warnings.len() && acknowledged <= warnings.len(),
            "{backend}: the simulated duty officer acknowledged {acknowledged} of {}",
            warnings.len()
        );
        assert!(metric(&drill, "warning_to_ack")["value"].as_f64().unwrap() >= 10.0);

        // Two incidents, from the drill's reports, marked as the drill's.
        let incidents = events_of(&drill, "incident_opened");
        assert_eq!(incidents.len(), 2, "{backend}: {incidents:?}");
        for incident in &incidents {
            let (_, stored) = server
                .get(
                    &format!(
                        "/api/v1/incidents/{}",
                        incident["subject"].as_str().unwrap()
                    ),
                    Some(&duty),
                )
                .await;
            assert_eq!(stored["drill"], id.as_str(), "{backend}: {stored}");
            assert_eq!(stored["opened_by"], id.as_str());
        }
        assert_eq!(events_of(&drill, "report_filed").len(), 5);

        // Dispatch: a professional and a militia team to each incident, all on scene; the
        // militia platoon of 下营 was called away and is not among them.
        let dispatched = events_of(&drill, "team_dispatched");
        assert_eq!(dispatched.len(), 4, "{backend}: {dispatched:?}");
        assert!(dispatched
            .iter()
            .all(|d| !d["detail"].as_str().unwrap().starts_with("team-041 ")));
        assert_eq!(events_of(&drill, "team_on_scene").len(), 4);
        assert_eq!(metric(&drill, "teams_used")["value"], 4.0);

        // The landslide's road closure is in force for routing.
        let (_, closures) = server.get("/api/v1/routing/closures", Some(&duty)).await;
        assert!(closures.to_string().contains(&id), "{backend}: {closures}");

        // Drill data is kept apart: every warning the drill raised is marked with it and none
        // is the county's; the drill's readings are in its own shadow datastreams, and the
        // county datastreams it stands in for received none of them.
        let (_, listed) = server.get("/api/v1/warnings?state=all", Some(&duty)).await;
        let listed = listed["warnings"].as_array().unwrap();
        assert_eq!(listed.len(), warnings.len(), "{backend}");
        assert!(
            listed.iter().all(|w| w["drill"] == id.as_str()
                && w["rule"].as_str().unwrap().starts_with(&format!("{id}:"))),
            "{backend}: {listed:?}"
        );
        let (_, of_drill) = server
            .get(
                &format!("/api/v1/warnings?state=all&drill={id}"),
                Some(&duty),
            )
            .await;
        assert_eq!(of_drill["warnings"].as_array().unwrap().len(), listed.len());
        let (_, things) = server.get("/sta/v1.1/Things?$top=1000", Some(&duty)).await;
        let shadows: Vec<&Value> = things["value"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["properties"]["drill"] == id.as_str())
            .collect();
        assert!(
            shadows.len() > 5,
            "{backend}: {} shadow sensors",
            shadows.len()
        );
        for shadow in shadows.iter().take(5) {
            assert_eq!(shadow["properties"]["synthetic"], true);
            assert_eq!(shadow["properties"]["public"], false);
            let of = shadow["properties"]["shadow_of"].as_i64().unwrap();
            let count = |thing: i64| {
                let (server, duty) = (&server, &duty);
                async move {
                    let (_, streams) = server
                        .get(
                            &format!("/sta/v1.1/Things({thing})/Datastreams"),
                            Some(duty),
                        )
                        .await;
                    let mut total = 0;
                    for d in streams["value"].as_array().unwrap() {
                        let (_, observations) = server
                            .get(
                                &format!(
                                    "/sta/v1.1/Datastreams({})/Observations?$count=true&$top=1",
                                    d["@iot.id"]
                                ),
                                Some(duty),
                            )
                            .await;
                        total += observations["@iot.count"].as_i64().unwrap();
                    }
                    total
                }
            };
            let own = shadow["@iot.id"].as_i64().unwrap();
            assert!(
                count(own).await > 0,
                "{backend}: the shadow of {of} was played"
            );
            assert_eq!(
                count(of).await,
                0,
                "{backend}: county Thing {of} got drill data"
            );
        }

        // Evaluation against the plan's targets.
        assert_eq!(metric(&drill, "warning_coverage")["value"], 1.0);
        assert_eq!(metric(&drill, "warning_coverage")["met"], true);
        assert_eq!(metric(&drill, "evacuation_completeness")["value"], 1.0);
        // The drill's rules run on its own clock, so no warning on a series comes before the
        // series crossed the rule (wall-clock windows at this speed would span sixty scenario
        // hours a minute and fire early). How late it comes is the platform's round trip in
        // scenario time (1 s is an hour here), which depends on the machine: printed only.
        let to_warning = metric(&drill, "threshold_to_warning")["value"]
            .as_f64()
            .unwrap();
        eprintln!("{backend}: first threshold crossing → its warning: {to_warning} min");
        assert!(to_warning >= 0.0, "{backend}: {to_warning}");
        assert!(
            metric(&drill, "incident_to_dispatch")["value"]
                .as_f64()
                .unwrap()
                >= 15.0,
            "dispatch follows after 15 scenario minutes"
        );
        assert_eq!(
            metric(&drill, "incident_to_relief")["met"],
            true,
            "relief within 10 hours"
        );

        // The report page, with its timeline chart.
        let response = server
            .client
            .get(format!("{}/api/v1/drills/{id}/report", server.base))
            .bearer_auth(&duty)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let page = response.text().await.unwrap();
        assert!(
            page.contains("<svg") && page.contains("预警覆盖率"),
            "{page}"
        );
        assert!(page.contains("演练数据（合成）"));
    }
}

#[tokio::test]
async fn drills_pause_resume_and_stop_and_bad_scenarios_are_refused() {
    for (server, _drills) in drill_servers().await {
        let duty = server.token("duty").await;
        let malformed = "[scenario]\nid = \"x\"\ntitle = \"x\"\ntitle_en = \"x\"\nduration = \"12 hours\"\nreport_every = \"10m\"\nsynthetic = true\n";
        let (status, refused) = server
            .send(
                Method::POST,
                "/api/v1/drills",
                Some(&duty),
                Some(json!({"scenario_toml": malformed})),
            )
            .await;
        assert_eq!(status, 422, "{refused}");
        let message = refused["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("line 5") && message.contains("unknown unit"),
            "{message}"
        );
        let town = server.token("town100").await;
        let (status, _) = server
            .send(
                Method::POST,
                "/api/v1/drills",
                Some(&town),
                Some(json!({"scenario": "gas-leak"})),
            )
            .await;
        assert_eq!(status, 403, "town officers do not run drills");

        let (status, started) = server
            .send(
                Method::POST,
                "/api/v1/drills",
                Some(&duty),
                Some(json!({"scenario": "gas-leak", "speed": 1.0})),
            )
            .await;
        assert_eq!(status, 201, "{started}");
        let id = started["id"].as_str().unwrap();
        let steer = |action: &str| format!("/api/v1/drills/{id}/{action}");
        let (status, paused) = server
            .send(Method::POST, &steer("pause"), Some(&duty), None)
            .await;
        assert_eq!(
            (status, paused["state"].as_str()),
            (200, Some("paused")),
            "{paused}"
        );
        let (status, _) = server
            .send(Method::POST, &steer("pause"), Some(&duty), None)
            .await;
        assert_eq!(status, 409, "a paused drill cannot pause again");
        let (status, resumed) = server
            .send(Method::POST, &steer("resume"), Some(&duty), None)
            .await;
        assert_eq!((status, resumed["state"].as_str()), (200, Some("running")));
        let (status, stopped) = server
            .send(Method::POST, &steer("stop"), Some(&duty), None)
            .await;
        assert_eq!((status, stopped["state"].as_str()), (200, Some("stopped")));
        assert!(stopped["ended_at"].is_string());
        let (status, _) = server
            .send(Method::POST, &steer("resume"), Some(&duty), None)
            .await;
        assert_eq!(status, 409, "a stopped drill stays stopped");
        let text = audit_text(&server).await;
        for action in [
            "drill.start",
            "drill.paused",
            "drill.running",
            "drill.stopped",
        ] {
            assert!(text.contains(action), "audited: {action}");
        }
    }
}
