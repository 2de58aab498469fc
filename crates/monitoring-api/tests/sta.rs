//! SensorThings over HTTP: create, read, query options, navigation, batch, auth, scoping and
//! bad input.

mod common;

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use yingji_domain::time::rfc3339;
use yingji_server::testing::PASSWORD;

fn thing(town: &str) -> Value {
    json!({
        "name": "测试雨量站",
        "description": "test gauge",
        "properties": {"town_code": town},
        "Locations": [{"name": "site", "description": "", "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [117.40, 40.04]}}],
        "Datastreams": [{
            "name": "rain", "description": "rain increments",
            "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
            "unitOfMeasurement": {"name": "millimetre", "symbol": "mm", "definition": ""},
            "Sensor": {"name": "tipping bucket", "description": "", "encodingType": "text/plain", "metadata": ""},
            "ObservedProperty": {"name": "precipitation", "definition": "", "description": ""}
        }]
    })
}

#[tokio::test]
async fn a_sensorthings_client_creates_feeds_and_queries() {
    for h in common::harnesses().await {
        let s = &h.server;
        let feeder = s.token("feeder").await;
        let response = s
            .client
            .post(format!("{}/sta/v1.1/Things", s.base))
            .bearer_auth(&feeder)
            .json(&thing("120119100"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{}", s.backend);
        let location = response.headers()["location"].to_str().unwrap().to_string();
        let created: Value = response.json().await.unwrap();
        let thing_id = created["@iot.id"].as_i64().unwrap();
        assert!(
            location.ends_with(&format!("/sta/v1.1/Things({thing_id})")),
            "{location}"
        );
        assert_eq!(created["@iot.selfLink"], json!(location));

        let (status, streams) = s
            .get(
                &format!("/sta/v1.1/Things({thing_id})/Datastreams"),
                Some(&feeder),
            )
            .await;
        assert_eq!(status, 200, "{streams}");
        let ds = streams["value"][0]["@iot.id"].as_i64().unwrap();

        let t0 = Utc::now() - Duration::hours(2);
        for i in 0..6 {
            let (status, body) = s
                .send(
                    Method::POST,
                    "/sta/v1.1/Observations",
                    Some(&feeder),
                    Some(json!({
                        "phenomenonTime": rfc3339(t0 + Duration::minutes(10 * i)),
                        "result": i as f64,
                        "Datastream": {"@iot.id": ds}
                    })),
                )
                .await;
            assert_eq!(status, 201, "{body}");
        }
        // Navigation, filter on result and time, count.
        let cutoff = rfc3339(t0 + Duration::minutes(45));
        let (status, page) = s
            .get(&format!("/sta/v1.1/Datastreams({ds})/Observations?$filter=result%20ge%202%20and%20phenomenonTime%20lt%20{cutoff}&$count=true&$orderby=result%20desc"), Some(&feeder))
            .await;
        assert_eq!(status, 200, "{page}");
        let results: Vec<f64> = page["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["result"].as_f64().unwrap())
            .collect();
        assert_eq!(results, vec![4.0, 3.0, 2.0]);
        assert_eq!(page["@iot.count"], 3);

        // Paging: $top/$skip and a nextLink that works as given.
        let (_, first) = s
            .get(
                &format!("/sta/v1.1/Datastreams({ds})/Observations?$top=4&$skip=1"),
                Some(&feeder),
            )
            .await;
        assert_eq!(first["value"].as_array().unwrap().len(), 4);
        assert_eq!(first["value"][0]["result"], 1.0);
        let next = first["@iot.nextLink"].as_str().unwrap();
        let rest: Value = s
            .client
            .get(next)
            .bearer_auth(&feeder)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(rest["value"].as_array().unwrap().len(), 1);
        assert_eq!(rest["value"][0]["result"], 5.0);
        assert!(rest.get("@iot.nextLink").is_none());

        // $expand two levels with nested options.
        let (_, expanded) = s
            .get(&format!("/sta/v1.1/Things({thing_id})?$expand=Datastreams/Observations($orderby=result%20desc;$top=1),Locations"), Some(&feeder))
            .await;
        assert_eq!(expanded["Datastreams"][0]["Observations"][0]["result"], 5.0);
        assert_eq!(expanded["Locations"][0]["location"]["type"], "Point");
        let (_, obs_ds) = s
            .get(
                "/sta/v1.1/Observations?$filter=result%20eq%205&$expand=Datastream",
                Some(&feeder),
            )
            .await;
        assert_eq!(obs_ds["value"][0]["Datastream"]["@iot.id"], ds);

        // Gateways: the dataArray extension and a plain array, in one call.
        let (status, links) = s
            .send(Method::POST, "/sta/v1.1/CreateObservations", Some(&feeder), Some(json!([
                {"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result"],
                 "dataArray@iot.count": 2, "dataArray": [[rfc3339(t0 + Duration::minutes(70)), 7.5], [rfc3339(t0 + Duration::minutes(80)), 8.5]]},
                {"Datastream": {"@iot.id": ds}, "phenomenonTime": rfc3339(t0 + Duration::minutes(90)), "result": 9.5}
            ])))
            .await;
        assert_eq!(status, 201, "{links}");
        assert_eq!(links.as_array().unwrap().len(), 3);
        let (_, all) = s
            .get(
                &format!("/sta/v1.1/Datastreams({ds})/Observations?$count=true&$top=0"),
                Some(&feeder),
            )
            .await;
        assert_eq!(all["@iot.count"], 9);

        // HTTP Basic works like a bearer token; a wrong password does not.
        let basic = s
            .client
            .post(format!(
                "{}/sta/v1.1/Datastreams({ds})/Observations",
                s.base
            ))
            .basic_auth("feeder", Some(PASSWORD))
            .json(&json!({"result": 1.25, "phenomenonTime": rfc3339(t0 + Duration::minutes(100))}))
            .send()
            .await
            .unwrap();
        assert_eq!(basic.status(), 201);
        let wrong = s
            .client
            .post(format!("{}/sta/v1.1/Observations", s.base))
            .basic_auth("feeder", Some("nope"))
            .json(&json!({"result": 1, "Datastream": {"@iot.id": ds}}))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);

        // Writing needs a feeding role.
        let (status, _) = s
            .send(
                Method::POST,
                "/sta/v1.1/Things",
                None,
                Some(thing("120119100")),
            )
            .await;
        assert_eq!(status, 401);
        let town = s.token("town100").await;
        let (status, body) = s
            .send(
                Method::POST,
                "/sta/v1.1/Things",
                Some(&town),
                Some(thing("120119100")),
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (403, json!("forbidden"))
        );

        // Reads are scoped by the Thing's town.
        let other = s.token("town101").await;
        assert_eq!(
            s.get(&format!("/sta/v1.1/Things({thing_id})"), Some(&town))
                .await
                .0,
            200
        );
        assert_eq!(
            s.get(&format!("/sta/v1.1/Things({thing_id})"), Some(&other))
                .await
                .0,
            404
        );
        assert_eq!(
            s.get(&format!("/sta/v1.1/Things({thing_id})"), None)
                .await
                .0,
            404
        );
        assert_eq!(
            s.get(
                &format!("/sta/v1.1/Datastreams({ds})/Observations"),
                Some(&other)
            )
            .await
            .0,
            404
        );
        let (_, listed) = s
            .get("/sta/v1.1/Observations?$count=true&$top=1", Some(&other))
            .await;
        assert_eq!(
            listed["@iot.count"], 0,
            "a town officer sees no other town's observations"
        );
        let (_, things) = s
            .get(
                "/sta/v1.1/Things?$filter=properties/town_code%20eq%20'120119100'&$count=true",
                Some(&other),
            )
            .await;
        assert_eq!(things["@iot.count"], 0);
        let (_, things) = s
            .get(
                "/sta/v1.1/Things?$filter=properties/town_code%20eq%20'120119100'&$count=true",
                Some(&town),
            )
            .await;
        assert!(things["@iot.count"].as_u64().unwrap() >= 1);
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_and_nothing_is_stored() {
    for h in common::harnesses().await {
        let s = &h.server;
        let feeder = s.token("feeder").await;
        let (_, created) = s
            .send(
                Method::POST,
                "/sta/v1.1/Things",
                Some(&feeder),
                Some(thing("120119100")),
            )
            .await;
        let (_, streams) = s
            .get(
                &format!("/sta/v1.1/Things({})/Datastreams", created["@iot.id"]),
                Some(&feeder),
            )
            .await;
        let ds = streams["value"][0]["@iot.id"].as_i64().unwrap();
        let raw = |body: &'static str| {
            s.client
                .post(format!("{}/sta/v1.1/Observations", s.base))
                .bearer_auth(&feeder)
                .header("content-type", "application/json")
                .body(body)
                .send()
        };
        let response = raw("{\"result\": 1,").await.unwrap();
        assert_eq!(response.status(), 400);
        let response = raw("{\"result\": NaN, \"Datastream\": {\"@iot.id\": 1}}")
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let future = rfc3339(Utc::now() + Duration::days(2));
        let cases = [
            (
                json!({"result": 1, "Datastream": {"@iot.id": 999_999}}),
                422,
                "Datastream",
            ),
            (
                json!({"result": "high", "Datastream": {"@iot.id": ds}}),
                422,
                "result",
            ),
            (
                json!({"result": null, "Datastream": {"@iot.id": ds}}),
                422,
                "result",
            ),
            (json!({"Datastream": {"@iot.id": ds}}), 422, "result"),
            (json!({"result": 1}), 422, "Datastream"),
            (
                json!({"result": 1, "phenomenonTime": future, "Datastream": {"@iot.id": ds}}),
                422,
                "phenomenonTime",
            ),
            (
                json!({"result": 1, "phenomenonTime": "yesterday", "Datastream": {"@iot.id": ds}}),
                422,
                "phenomenonTime",
            ),
        ];
        for (body, status, field) in cases {
            let (got, answer) = s
                .send(
                    Method::POST,
                    "/sta/v1.1/Observations",
                    Some(&feeder),
                    Some(body.clone()),
                )
                .await;
            assert_eq!(got, status, "{body} → {answer}");
            assert_eq!(answer["error"]["field"], field, "{body} → {answer}");
        }
        // One bad row refuses the whole batch, naming the row.
        let (status, answer) = s
            .send(Method::POST, "/sta/v1.1/CreateObservations", Some(&feeder), Some(json!([
                {"Datastream": {"@iot.id": ds}, "components": ["result"], "dataArray": [[1.0], ["x"]]}
            ])))
            .await;
        assert_eq!(status, 422);
        assert_eq!(answer["error"]["field"], "[0].dataArray[1].result");
        let (_, all) = s
            .get(
                &format!("/sta/v1.1/Datastreams({ds})/Observations?$count=true"),
                Some(&feeder),
            )
            .await;
        assert_eq!(all["@iot.count"], 0, "nothing stored");
        // Malformed query options and unknown paths.
        assert_eq!(
            s.get("/sta/v1.1/Observations?$filter=result%20gt", Some(&feeder))
                .await
                .0,
            400
        );
        assert_eq!(
            s.get(
                "/sta/v1.1/Observations?$filter=colour%20eq%201",
                Some(&feeder)
            )
            .await
            .0,
            400
        );
        assert_eq!(
            s.get("/sta/v1.1/Observations?$top=many", Some(&feeder))
                .await
                .0,
            400
        );
        assert_eq!(s.get("/sta/v1.1/Widgets", Some(&feeder)).await.0, 404);
        assert_eq!(
            s.get("/sta/v1.1/Things(1)/Widgets", Some(&feeder)).await.0,
            404
        );
        // Entities with missing required parts.
        let (status, answer) = s
            .send(
                Method::POST,
                "/sta/v1.1/Datastreams",
                Some(&feeder),
                Some(json!({"name": "x", "unitOfMeasurement": {}})),
            )
            .await;
        assert_eq!(
            (status, answer["error"]["field"].clone()),
            (422, json!("Datastream.Thing"))
        );
    }
}
