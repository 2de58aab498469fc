//! The HTTP API end to end, on every backend.

use reqwest::Method;
use serde_json::{json, Value};
use yingji_server::testing::{self as common, servers};

fn shelter(id: &str, town: &str, lon: f64, lat: f64) -> Value {
    json!({"type": "Feature", "id": id, "geometry": {"type": "Point", "coordinates": [lon, lat]},
           "properties": {"name": "测试避难场所", "kind": "emergency", "capacity": 400, "town_code": town}})
}

fn team(id: &str, town: &str) -> Value {
    json!({"type": "Feature", "id": id, "geometry": {"type": "Point", "coordinates": [117.40, 40.05]},
           "properties": {"name": "测试救援队", "team_type": "fire", "members": 10, "town_code": town}})
}

#[tokio::test]
async fn ready_and_described() {
    for server in servers().await {
        assert_eq!(
            server.get("/readyz", None).await.0,
            200,
            "{}",
            server.backend
        );
        assert_eq!(server.get("/healthz", None).await.0, 200);
        let (status, doc) = server.get("/api/v1/openapi.json", None).await;
        assert_eq!(status, 200);
        assert!(
            doc["paths"]["/api/v1/collections/{collection}/items"].is_object(),
            "{doc}"
        );
        let (_, codes) = server.get("/api/v1/errors", None).await;
        assert!(codes["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "outside_county"));
        let metrics = server
            .client
            .get(format!("{}/metrics", server.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(metrics.contains("yingji_http_requests_total"), "{metrics}");
    }
}

#[tokio::test]
async fn answers_are_gzipped_on_request_but_the_event_stream_is_not() {
    for server in servers().await {
        let token = server.token("duty").await;
        let encoding = |path: &'static str| {
            let request = server
                .client
                .get(format!("{}{path}", server.base))
                .bearer_auth(&token)
                .header("accept-encoding", "gzip");
            async move {
                let response = request.send().await.unwrap();
                assert_eq!(response.status(), 200, "{path}");
                response
                    .headers()
                    .get("content-encoding")
                    .map(|v| v.to_str().unwrap().to_string())
            }
        };
        assert_eq!(
            encoding("/api/v1/collections/villages/items")
                .await
                .as_deref(),
            Some("gzip")
        );
        assert_eq!(encoding("/api/v1/events").await, None, "{}", server.backend);
        let plain = server
            .client
            .get(format!("{}/api/v1/openapi.json", server.base))
            .send()
            .await
            .unwrap();
        assert!(plain.headers().get("content-encoding").is_none());
    }
}

#[tokio::test]
async fn the_map_layers_hold_the_real_county_and_marked_synthetic_layers() {
    for server in servers().await {
        let (_, county) = server.get("/api/v1/collections/county/items", None).await;
        assert_eq!(county["features"].as_array().unwrap().len(), 1);
        assert_eq!(county["features"][0]["properties"]["name"], "蓟州区");
        assert_eq!(county["features"][0]["properties"]["synthetic"], false);

        let (_, towns) = server.get("/api/v1/collections/towns/items", None).await;
        let towns = towns["features"].as_array().unwrap();
        assert!(towns.len() >= 27, "{} towns", towns.len());
        assert!(towns.iter().any(|t| t["properties"]["name"] == "渔阳镇"));

        let (_, villages) = server.get("/api/v1/collections/villages/items", None).await;
        let villages = villages["features"].as_array().unwrap();
        assert_eq!(villages.len(), 983, "{}", server.backend);
        assert!(
            villages
                .iter()
                .all(|v| v["properties"]["synthetic"] == true),
            "village positions are synthetic"
        );

        let (_, shelters) = server.get("/api/v1/collections/shelters/items", None).await;
        let shelters = shelters["features"].as_array().unwrap();
        assert_eq!(shelters.len(), 95);
        assert!(shelters
            .iter()
            .all(|s| s["properties"]["synthetic"] == true));

        let duty = server.token("duty").await;
        for layer in [
            "teams",
            "depots",
            "helipads",
            "sensors",
            "enterprises",
            "hazard_points",
            "stations",
        ] {
            let (status, fc) = server
                .get(&format!("/api/v1/collections/{layer}/items"), Some(&duty))
                .await;
            assert_eq!(status, 200, "{layer}");
            let features = fc["features"].as_array().unwrap();
            assert!(!features.is_empty(), "{layer} is empty");
            assert!(
                features
                    .iter()
                    .all(|f| f["properties"]["synthetic"] == true),
                "{layer} marked synthetic"
            );
        }
    }
}

#[tokio::test]
async fn bbox_and_town_filters() {
    for server in servers().await {
        let (_, all) = server.get("/api/v1/collections/villages/items", None).await;
        let (_, north) = server
            .get(
                "/api/v1/collections/villages/items?bbox=117.0,40.1,118.0,40.5",
                None,
            )
            .await;
        let north = north["features"].as_array().unwrap();
        assert!(!north.is_empty() && north.len() < all["features"].as_array().unwrap().len());
        assert!(north
            .iter()
            .all(|v| v["geometry"]["coordinates"][1].as_f64().unwrap() >= 40.1));
        let (_, town) = server
            .get("/api/v1/collections/villages/items?town=120119100", None)
            .await;
        assert!(town["features"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["properties"]["town_code"] == "120119100"));
        let (status, err) = server
            .get("/api/v1/collections/villages/items?bbox=1,2,3", None)
            .await;
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (400, Some("invalid_query"))
        );
        assert_eq!(err["error"]["field"], "bbox");
    }
}

#[tokio::test]
async fn jurisdiction_on_read_and_write() {
    for server in servers().await {
        let (t100, t101, duty) = (
            server.token("town100").await,
            server.token("town101").await,
            server.token("duty").await,
        );
        let (status, _) = server
            .send(
                Method::POST,
                "/api/v1/collections/teams/items",
                Some(&t100),
                Some(team("team-t100", "120119100")),
            )
            .await;
        assert_eq!(status, 201, "{}", server.backend);

        // Another town may neither read nor change it…
        let (status, err) = server
            .get("/api/v1/collections/teams/items/team-t100", Some(&t101))
            .await;
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (403, Some("forbidden"))
        );
        let (status, _) = server
            .send(
                Method::PUT,
                "/api/v1/collections/teams/items/team-t100",
                Some(&t101),
                Some(team("team-t100", "120119100")),
            )
            .await;
        assert_eq!(status, 403);
        let (status, _) = server
            .send(
                Method::DELETE,
                "/api/v1/collections/teams/items/team-t100",
                Some(&t101),
                None,
            )
            .await;
        assert_eq!(status, 403);
        // …nor create in the first town's name.
        let (status, _) = server
            .send(
                Method::POST,
                "/api/v1/collections/teams/items",
                Some(&t101),
                Some(team("team-x", "120119100")),
            )
            .await;
        assert_eq!(status, 403);
        // Its listing never shows the other town's teams.
        let (_, listed) = server
            .get("/api/v1/collections/teams/items", Some(&t101))
            .await;
        assert!(listed["features"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["properties"]["town_code"] == "120119101"));

        // Anonymous callers see public layers only.
        let (status, _) = server
            .get("/api/v1/collections/teams/items/team-t100", None)
            .await;
        assert_eq!(status, 401);
        let (_, listed) = server.get("/api/v1/collections/teams/items", None).await;
        assert!(listed["features"].as_array().unwrap().is_empty());
        let (status, _) = server
            .send(
                Method::POST,
                "/api/v1/collections/shelters/items",
                None,
                Some(shelter("s-anon", "120119100", 117.40, 40.05)),
            )
            .await;
        assert_eq!(status, 401);

        // The district reads and changes everything; information officers do not edit the registry.
        assert_eq!(
            server
                .get("/api/v1/collections/teams/items/team-t100", Some(&duty))
                .await
                .0,
            200
        );
        let info = server.token("info100").await;
        let (status, _) = server
            .send(
                Method::POST,
                "/api/v1/collections/teams/items",
                Some(&info),
                Some(team("team-i", "120119100")),
            )
            .await;
        assert_eq!(status, 403);
        assert!(server.store.verify_audit().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn bad_input_is_refused_by_field_and_nothing_is_stored() {
    for server in servers().await {
        let duty = server.token("duty").await;
        let post = |body: Value| {
            server.send(
                Method::POST,
                "/api/v1/collections/shelters/items",
                Some(&duty),
                Some(body),
            )
        };
        let cases: Vec<(Value, u16, &str, &str)> = vec![
            (
                shelter("s-out", "120119100", 116.0, 39.0),
                422,
                "outside_county",
                "geometry",
            ),
            (
                shelter("s-town", "120119999", 117.40, 40.05),
                422,
                "unknown_town",
                "properties.town_code",
            ),
            (
                shelter("bad id!", "120119100", 117.40, 40.05),
                422,
                "invalid_id",
                "id",
            ),
            (
                json!({"type": "Feature", "id": "s-neg", "geometry": {"type": "Point", "coordinates": [117.4, 40.05]},
                       "properties": {"name": "x", "kind": "emergency", "capacity": -1, "town_code": "120119100"}}),
                422,
                "invalid_value",
                "properties.capacity",
            ),
            (
                json!({"type": "Feature", "id": "s-geo", "geometry": {"type": "Point", "coordinates": ["a"]},
                       "properties": {"name": "x", "kind": "emergency", "capacity": 1, "town_code": "120119100"}}),
                422,
                "invalid_geojson",
                "geometry",
            ),
            (
                json!({"type": "Feature", "id": "s-long", "geometry": {"type": "Point", "coordinates": [117.4, 40.05]},
                       "properties": {"name": "长".repeat(300), "kind": "emergency", "capacity": 1, "town_code": "120119100"}}),
                422,
                "invalid_value",
                "properties.name",
            ),
            (
                shelter("shelter-001", "120119100", 117.40, 40.05),
                409,
                "duplicate_id",
                "",
            ),
        ];
        let before = server.store.audit_entries(0, 100_000).await.unwrap().len();
        for (body, status, code, field) in cases {
            let (got, err) = post(body).await;
            assert_eq!(
                (got, err["error"]["code"].as_str()),
                (status, Some(code)),
                "{}: {err}",
                server.backend
            );
            if !field.is_empty() {
                assert_eq!(err["error"]["field"], field, "{err}");
            }
        }
        let raw = server
            .client
            .post(format!("{}/api/v1/collections/shelters/items", server.base))
            .bearer_auth(&duty)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status().as_u16(), 400);
        let big = server
            .client
            .post(format!("{}/api/v1/collections/shelters/items", server.base))
            .bearer_auth(&duty)
            .header("content-type", "application/json")
            .body(vec![b' '; 3 * 1024 * 1024])
            .send()
            .await
            .unwrap();
        assert_eq!(big.status().as_u16(), 413);
        assert_eq!(
            server.store.audit_entries(0, 100_000).await.unwrap().len(),
            before,
            "nothing was stored"
        );
        let (_, original) = server
            .get("/api/v1/collections/shelters/items/shelter-001", None)
            .await;
        assert_eq!(
            original["properties"]["synthetic"], true,
            "the existing shelter is untouched"
        );
    }
}

#[tokio::test]
async fn update_with_version_check_and_delete() {
    for server in servers().await {
        let duty = server.token("duty").await;
        let (_, current) = server
            .get("/api/v1/collections/shelters/items/shelter-001", None)
            .await;
        let version = current["properties"]["version"].as_i64().unwrap();
        let mut changed = current.clone();
        changed["properties"]["occupancy"] = json!(120);
        let url = format!(
            "{}/api/v1/collections/shelters/items/shelter-001",
            server.base
        );
        let ok = server
            .client
            .put(&url)
            .bearer_auth(&duty)
            .header("if-match", format!("\"{version}\""))
            .json(&changed)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status().as_u16(), 200);
        let stale = server
            .client
            .put(&url)
            .bearer_auth(&duty)
            .header("if-match", format!("\"{version}\""))
            .json(&changed)
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status().as_u16(), 409);
        let (_, after) = server
            .get("/api/v1/collections/shelters/items/shelter-001", None)
            .await;
        assert_eq!(after["properties"]["occupancy"], 120);
        let (status, _) = server
            .send(
                Method::DELETE,
                "/api/v1/collections/shelters/items/shelter-001",
                Some(&duty),
                None,
            )
            .await;
        assert_eq!(status, 204);
        assert_eq!(
            server
                .get("/api/v1/collections/shelters/items/shelter-001", None)
                .await
                .0,
            404
        );
        let admin = server.token("admin").await;
        let (status, verify) = server.get("/api/v1/audit/verify", Some(&admin)).await;
        assert_eq!((status, verify["intact"].as_bool()), (200, Some(true)));
        assert_eq!(server.get("/api/v1/audit/verify", Some(&duty)).await.0, 403);
    }
}

#[tokio::test]
async fn sessions_by_cookie_and_logout() {
    for server in servers().await {
        let response = server
            .client
            .post(format!("{}/api/v1/auth/login", server.base))
            .json(&json!({"username": "duty", "password": common::PASSWORD}))
            .send()
            .await
            .unwrap();
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        let pair = cookie.split(';').next().unwrap().to_string();
        let me = server
            .client
            .get(format!("{}/api/v1/auth/me", server.base))
            .header("cookie", &pair)
            .send()
            .await
            .unwrap();
        let me: Value = me.json().await.unwrap();
        assert_eq!(me["username"], "duty");
        let (status, err) = server
            .send(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "duty", "password": "nope"})),
            )
            .await;
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (401, Some("bad_credentials"))
        );
        server
            .client
            .post(format!("{}/api/v1/auth/logout", server.base))
            .header("cookie", &pair)
            .send()
            .await
            .unwrap();
        let gone = server
            .client
            .get(format!("{}/api/v1/auth/me", server.base))
            .header("cookie", &pair)
            .send()
            .await
            .unwrap();
        assert_eq!(gone.status().as_u16(), 401);
    }
}

/// Every collection refuses a record outside the county, a missing required field and an
/// unknown town, naming the field; nothing is stored.
#[tokio::test]
async fn every_collection_refuses_bad_records() {
    use yingji_domain::kinds::GeometryRule;
    use yingji_domain::RecordKind;
    let server = servers().await.into_iter().next().unwrap();
    let duty = server.token("duty").await;
    let audit_before = server.store.audit_entries(0, 100_000).await.unwrap().len();
    for kind in RecordKind::ALL {
        let path = format!("/api/v1/collections/{}/items", kind.collection());
        let geometry = match kind.geometry() {
            GeometryRule::Point => json!({"type": "Point", "coordinates": [116.0, 39.0]}),
            GeometryRule::Area => {
                json!({"type": "Polygon", "coordinates": [[[100.0, 30.0], [100.1, 30.0], [100.1, 30.1], [100.0, 30.0]]]})
            }
            GeometryRule::None => Value::Null,
        };
        // Outside the county (or, without geometry, missing every required property).
        let (status, err) = server
            .send(Method::POST, &path, Some(&duty), Some(json!({"type": "Feature", "id": "bad-1", "geometry": geometry, "properties": {"town_code": "120119999"}})))
            .await;
        assert_eq!(status, 422, "{}: {err}", kind.collection());
        let mut fields = vec![err["error"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_string()];
        fields.extend(
            err["error"]["more"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| e["field"].as_str().unwrap_or_default().to_string()),
        );
        if kind.geometry() != GeometryRule::None {
            assert!(
                fields.contains(&"geometry".to_string()),
                "{}: {fields:?}",
                kind.collection()
            );
        }
        let first_required = kind
            .rules()
            .iter()
            .find(|r| r.required)
            .map(|r| format!("properties.{}", r.name));
        if let Some(required) = first_required {
            assert!(
                fields.contains(&required),
                "{}: {fields:?}",
                kind.collection()
            );
        }
        if kind.needs_town()
            && !matches!(
                kind,
                RecordKind::Town | RecordKind::TownArea | RecordKind::Village
            )
        {
            assert!(
                fields.contains(&"properties.town_code".to_string()),
                "{}: {fields:?}",
                kind.collection()
            );
        }
    }
    assert_eq!(
        server.store.audit_entries(0, 100_000).await.unwrap().len(),
        audit_before,
        "nothing stored"
    );
}
