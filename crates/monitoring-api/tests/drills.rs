//! Drill data kept apart: a drill's shadow datastreams get copies of the rules in force,
//! judged on the drill's own clock; what they raise is marked with the drill, listed with
//! `?drill=`, placed in the county sensor's town, and closed when the drill goes quiet. The
//! county's datastreams and warnings are untouched.

mod common;

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use yingji_domain::time::rfc3339;
use yingji_server::testing::TestServer;

const DRILL: &str = "drill-00000000000000aa";

/// The `@iot.id` of a seeded datastream.
async fn seeded(s: &TestServer, token: &str, record: &str) -> i64 {
    let (_, found) = s
        .get(
            &format!("/sta/v1.1/Datastreams?$filter=properties/record_id%20eq%20'{record}'&$expand=Thing,Sensor,ObservedProperty"),
            Some(token),
        )
        .await;
    found["value"][0]["@iot.id"].as_i64().expect("seeded")
}

/// Creates a drill's shadow of a county datastream, as the drill engine does; its id.
async fn shadow(s: &TestServer, feeder: &str, of: i64) -> i64 {
    let (_, county) = s
        .get(
            &format!("/sta/v1.1/Datastreams({of})?$expand=Thing,Sensor,ObservedProperty"),
            Some(feeder),
        )
        .await;
    let (status, thing) = s
        .send(
            Method::POST,
            "/sta/v1.1/Things",
            Some(feeder),
            Some(json!({
                "name": "演练 shadow", "description": "drill",
                "properties": {"drill": DRILL, "public": false, "synthetic": true,
                    "town_code": county["Thing"]["properties"]["town_code"]},
                "Datastreams": [{
                    "name": "演练 rain", "description": "drill",
                    "observationType": county["observationType"],
                    "unitOfMeasurement": county["unitOfMeasurement"],
                    "properties": {"drill": DRILL, "shadow_of": of},
                    "Sensor": {"@iot.id": county["Sensor"]["@iot.id"]},
                    "ObservedProperty": {"@iot.id": county["ObservedProperty"]["@iot.id"]},
                }],
            })),
        )
        .await;
    assert_eq!(status, 201, "{thing}");
    let (_, streams) = s
        .get(
            &format!("/sta/v1.1/Things({})/Datastreams", thing["@iot.id"]),
            Some(feeder),
        )
        .await;
    streams["value"][0]["@iot.id"].as_i64().unwrap()
}

async fn observe(s: &TestServer, feeder: &str, datastream: i64, at: DateTime<Utc>, mm: f64) {
    let (status, body) = s
        .send(
            Method::POST,
            "/sta/v1.1/Observations",
            Some(feeder),
            Some(json!({"phenomenonTime": rfc3339(at), "result": mm,
                        "Datastream": {"@iot.id": datastream}})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

async fn warnings(s: &TestServer, token: &str, query: &str) -> Vec<Value> {
    let (status, listed) = s
        .get(&format!("/api/v1/warnings{query}"), Some(token))
        .await;
    assert_eq!(status, 200, "{listed}");
    listed["warnings"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_drill_is_judged_on_its_own_clock_and_its_warnings_are_marked_and_kept_apart() {
    for h in common::harnesses().await {
        let s = &h.server;
        let (duty, feeder) = (s.token("duty").await, s.token("feeder").await);
        let gauge = seeded(s, &duty, "thing-rain-001-precipitation").await;
        let other = seeded(s, &duty, "thing-rain-002-precipitation").await;
        let (drill_gauge, drill_other) = (
            shadow(s, &feeder, gauge).await,
            shadow(s, &feeder, other).await,
        );
        let mut events = common::events(s, &duty).await;

        // Scenario time lies hours in the past; the drill's clock is its own newest reading.
        let start = Utc::now() - Duration::hours(6);
        let before = Utc::now();
        observe(s, &feeder, drill_gauge, start, 25.0).await;
        let subject = format!("datastream:{drill_gauge}");
        let raised = common::eventually(|| async {
            warnings(s, &duty, "")
                .await
                .into_iter()
                .find(|w| w["subject"] == json!(subject))
        })
        .await;
        assert_eq!(raised["drill"], DRILL);
        assert_eq!(raised["rule"], format!("{DRILL}:rain-1h:{gauge}"));
        assert_eq!(raised["level"], "blue");
        assert_eq!(raised["town_code"], "120119104", "the county gauge's town");
        assert_eq!(
            raised["sensor_id"], "thing-rain-001-precipitation",
            "drawn on the county gauge"
        );
        let at: DateTime<Utc> = raised["history"][0]["at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            at >= before,
            "stamped when raised, not at scenario time: {at}"
        );

        // The other shadow reports 40 scenario minutes later: the first has been silent past
        // its 30 minutes on the drill's clock, though only moments passed on the wall.
        observe(s, &feeder, drill_other, start + Duration::minutes(40), 0.0).await;
        let fault = common::wait_for(
            &mut events,
            "fault",
            std::time::Duration::from_secs(5),
            |f| f["subject"] == json!(subject),
        )
        .await
        .expect("a silence on the drill's clock");
        assert_eq!(fault["rule"], format!("{DRILL}:silence:{gauge}"));
        assert_eq!(fault["drill"], DRILL);
        assert_eq!(fault["sensor_id"], "thing-rain-001-precipitation");

        // Kept apart: the county gauge has no observation and no warning; `?drill=` selects.
        let (_, county) = s
            .get(
                &format!("/sta/v1.1/Datastreams({gauge})/Observations?$count=true"),
                Some(&duty),
            )
            .await;
        assert_eq!(county["@iot.count"], 0);
        let all = warnings(s, &duty, "").await;
        assert!(all.iter().all(|w| w["drill"] == DRILL), "{all:?}");
        assert_eq!(
            warnings(s, &duty, &format!("?drill={DRILL}")).await.len(),
            all.len()
        );
        assert!(warnings(s, &duty, "?drill=drill-0000000000000bbb")
            .await
            .is_empty());
        let (status, refused) = s.get("/api/v1/warnings?drill=exercise", Some(&duty)).await;
        assert_eq!(
            (status, refused["error"]["field"].as_str()),
            (400, Some("drill"))
        );

        // Drill rule ids are the drills' own.
        let (status, refused) = s
            .send(
                Method::POST,
                "/api/v1/rules",
                Some(&duty),
                Some(json!({"id": format!("{DRILL}:mine"), "version": 1,
                    "name": {"zh": "演练", "en": "drill"}, "subject": "datastream:1",
                    "condition": {"kind": "silence", "datastream": 1, "after_secs": 60}})),
            )
            .await;
        assert_eq!(
            (status, refused["error"]["field"].as_str()),
            (422, Some("id")),
            "{refused}"
        );

        // A drill gone quiet is retired: its warnings close.
        h.monitoring.monitor.lock().await.drill_idle = std::time::Duration::ZERO;
        yingji_monitoring_api::monitor::tick(&h.monitoring, Utc::now())
            .await
            .unwrap();
        let open = warnings(s, &duty, "?state=open").await;
        assert!(open.is_empty(), "{open:?}");
        let lifted = warnings(s, &duty, "?state=all").await;
        assert_eq!(lifted[0]["state"], "lifted", "{lifted:?}");
    }
}
