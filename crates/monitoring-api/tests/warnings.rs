//! Rules and warnings: a threshold crossing raises a warning that is listed, pushed live to
//! the district and not to another town, acknowledged and lifted with who and when; a silent
//! sensor becomes a fault on the tick; rules are edited as new versions.

mod common;

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use yingji_domain::time::rfc3339;

#[tokio::test]
async fn a_heavy_shower_raises_a_warning_for_the_district_only_through_its_lifecycle() {
    for h in common::harnesses().await {
        let s = &h.server;
        let (duty, town, feeder) = (
            s.token("duty").await,
            s.token("town100").await,
            s.token("feeder").await,
        );
        // A seeded rain gauge of 下营镇 (120119104): neither town100 nor town101.
        let (_, found) = s
            .get("/sta/v1.1/Datastreams?$filter=properties/record_id%20eq%20'thing-rain-001-precipitation'", Some(&duty))
            .await;
        let ds = found["value"][0]["@iot.id"].as_i64().expect("seeded gauge");
        let mut district_events = common::events(s, &duty).await;
        let mut town_events = common::events(s, &town).await;

        let now = Utc::now();
        let (status, body) = s
            .send(
                Method::POST,
                "/sta/v1.1/Observations",
                Some(&feeder),
                Some(json!({
                "phenomenonTime": rfc3339(now), "result": 25.0, "Datastream": {"@iot.id": ds}})),
            )
            .await;
        assert_eq!(status, 201, "{body}");

        let subject = format!("datastream:{ds}");
        let observed = common::wait_for(
            &mut district_events,
            "observation",
            std::time::Duration::from_secs(5),
            |o| o["datastream"] == json!(ds),
        )
        .await
        .expect("the district sees the observation live");
        assert_eq!(observed["result"], 25.0);
        let pushed = common::wait_for(
            &mut district_events,
            "warning",
            std::time::Duration::from_secs(5),
            |w| w["subject"] == json!(subject),
        )
        .await
        .expect("the district hears of the warning");
        assert_eq!(pushed["level"], "blue");
        assert_eq!(pushed["town_code"], "120119104");
        assert!(
            common::wait_for(
                &mut town_events,
                "warning",
                std::time::Duration::from_millis(800),
                |_| true
            )
            .await
            .is_none(),
            "another town's officer hears nothing"
        );

        let (_, listed) = s.get("/api/v1/warnings", Some(&duty)).await;
        let warning = listed["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["subject"] == json!(subject))
            .cloned()
            .expect("listed");
        let id = warning["id"].as_u64().unwrap();
        assert_eq!(warning["state"], "raised");
        let (_, theirs) = s.get("/api/v1/warnings", Some(&town)).await;
        assert!(theirs["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["id"] != json!(id)));
        assert_eq!(
            s.send(
                Method::POST,
                &format!("/api/v1/warnings/{id}/acknowledge"),
                Some(&town),
                None
            )
            .await
            .0,
            404
        );

        let (status, acked) = s
            .send(
                Method::POST,
                &format!("/api/v1/warnings/{id}/acknowledge"),
                Some(&duty),
                None,
            )
            .await;
        assert_eq!(status, 200, "{acked}");
        assert_eq!(acked["state"], "acknowledged");
        let step = acked["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (step["action"].clone(), step["by"].clone()),
            (json!("acknowledged"), json!("duty"))
        );
        let (status, again) = s
            .send(
                Method::POST,
                &format!("/api/v1/warnings/{id}/acknowledge"),
                Some(&duty),
                None,
            )
            .await;
        assert_eq!(
            (status, again["error"]["code"].clone()),
            (409, json!("invalid_transition"))
        );

        let (status, lifted) = s
            .send(
                Method::POST,
                &format!("/api/v1/warnings/{id}/lift"),
                Some(&duty),
                None,
            )
            .await;
        assert_eq!(status, 200, "{lifted}");
        assert_eq!(lifted["state"], "lifted");
        let (status, _) = s
            .send(
                Method::POST,
                &format!("/api/v1/warnings/{id}/lift"),
                Some(&duty),
                None,
            )
            .await;
        assert_eq!(status, 404, "a lifted warning is no longer open");
        let (_, all) = s.get("/api/v1/warnings?state=all", Some(&duty)).await;
        let stored = all["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["id"] == json!(id))
            .cloned()
            .unwrap();
        let actions: Vec<&str> = stored["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["raised", "acknowledged", "lifted"]);

        // The gauge then falls silent: the tick raises a silence fault for it.
        yingji_monitoring_api::monitor::tick(&h.monitoring, now + Duration::minutes(45))
            .await
            .unwrap();
        let fault = common::wait_for(
            &mut district_events,
            "fault",
            std::time::Duration::from_secs(5),
            |f| f["subject"] == json!(subject),
        )
        .await
        .expect("silence fault");
        assert_eq!(fault["event"]["fault"], "silence");
    }
}

#[tokio::test]
async fn rules_are_data_and_every_edit_is_a_new_version() {
    for h in common::harnesses().await {
        let s = &h.server;
        let (duty, town) = (s.token("duty").await, s.token("town100").await);
        let (status, listed) = s.get("/api/v1/rules", Some(&duty)).await;
        assert_eq!(status, 200);
        let rules = listed["rules"].as_array().unwrap();
        assert!(
            rules.len() > 300,
            "defaults for every sensor and hazard point: {}",
            rules.len()
        );
        assert!(rules
            .iter()
            .any(|r| r["id"].as_str().unwrap().starts_with("landslide:")));
        let mut rule: Value = rules
            .iter()
            .find(|r| {
                r["condition"]["type"] == "threshold" || r["condition"]["kind"] == "threshold"
            })
            .cloned()
            .unwrap_or_else(|| rules[0].clone());
        let id = rule["id"].as_str().unwrap().to_string();
        let version = rule["version"].as_u64().unwrap();
        rule["name"]["en"] = json!("edited");
        let (status, updated) = s
            .send(
                Method::PUT,
                &format!("/api/v1/rules/{id}"),
                Some(&duty),
                Some(rule.clone()),
            )
            .await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!(updated["version"], version + 1);
        assert_eq!(
            s.send(
                Method::PUT,
                &format!("/api/v1/rules/{id}"),
                Some(&town),
                Some(rule.clone())
            )
            .await
            .0,
            403
        );
        let (status, bad) = s
            .send(
                Method::PUT,
                &format!("/api/v1/rules/{id}"),
                Some(&duty),
                Some(json!({"id": id, "nonsense": 1})),
            )
            .await;
        assert_eq!(status, 422, "{bad}");
        let (_, after) = s.get("/api/v1/rules", Some(&duty)).await;
        let now = after["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == json!(id))
            .cloned()
            .unwrap();
        assert_eq!(
            (now["version"].as_u64().unwrap(), now["name"]["en"].clone()),
            (version + 1, json!("edited"))
        );
        let mut fresh = rule.clone();
        fresh["id"] = json!("custom:test-rule");
        let (status, created) = s
            .send(
                Method::POST,
                "/api/v1/rules",
                Some(&duty),
                Some(fresh.clone()),
            )
            .await;
        assert_eq!(
            (status, created["version"].clone()),
            (201, json!(1)),
            "{created}"
        );
        assert_eq!(
            s.send(Method::POST, "/api/v1/rules", Some(&duty), Some(fresh))
                .await
                .0,
            409
        );
    }
}
