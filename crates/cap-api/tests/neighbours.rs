//! CAP from neighbouring counties: dedupe, Update and Cancel, map layer, no overwrite of
//! local messages, and broken documents refused whole.

mod common;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use yingji_cap::authoring::{
    self, Issuer, Publication, WarningArea, WarningDraft, WarningLevel, WarningTexts,
};
use yingji_cap::model::{Category, Certainty, MessageRef, Status, Urgency};
use yingji_cap::{CapDateTime, Polygon};
use yingji_server::testing::TestServer;

type Documents = Arc<Mutex<HashMap<String, String>>>;

async fn serve(State(docs): State<Documents>, Path(name): Path<String>) -> (StatusCode, String) {
    match docs.lock().unwrap().get(&name) {
        Some(body) => (StatusCode::OK, body.clone()),
        None => (StatusCode::NOT_FOUND, String::new()),
    }
}

async fn start_neighbour() -> (String, Documents) {
    let docs: Documents = Arc::default();
    let app = axum::Router::new()
        .route("/{name}", axum::routing::get(serve))
        .with_state(docs.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, docs)
}

fn sanhe() -> Issuer {
    Issuer {
        sender: "13108200000000".into(),
        sender_name: "三河市应急管理局".into(),
        sender_name_en: None,
        contact: None,
        web: None,
    }
}

fn neighbour_draft(level: WarningLevel) -> WarningDraft {
    let now = chrono::Utc::now().fixed_offset();
    WarningDraft {
        category: Category::Met,
        event_code: None,
        level,
        urgency: Urgency::Expected,
        certainty: Certainty::Likely,
        response_types: Vec::new(),
        zh: WarningTexts {
            event: "大风".into(),
            headline: "三河市大风预警".into(),
            description: "阵风8级以上。".into(),
            instruction: "加固设施。".into(),
        },
        en: None,
        effective: CapDateTime::new(now),
        onset: None,
        expires: CapDateTime::new(now + chrono::Duration::hours(6)),
        areas: vec![WarningArea {
            description: "三河市".into(),
            nbs_codes: Vec::new(),
            polygons: vec![Polygon::parse("39.9,116.9 40.0,117.0 39.9,117.1 39.9,116.9").unwrap()],
        }],
    }
}

fn atom(base: &str, names: &[&str]) -> String {
    let entries: String = names
        .iter()
        .map(|n| {
            format!(
                "<entry><id>urn:{n}</id><title>{n}</title><updated>2024-01-01T00:00:00Z</updated>\
                 <link rel=\"alternate\" type=\"application/cap+xml\" href=\"{base}/{n}\"/></entry>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><id>urn:sanhe</id>\
         <title>三河</title><updated>2024-01-01T00:00:00Z</updated>{entries}</feed>"
    )
}

async fn poll(server: &TestServer) -> Value {
    let duty = server.token("duty").await;
    let (status, report) = server
        .send(
            Method::POST,
            "/api/v1/neighbour-alerts/poll",
            Some(&duty),
            None,
        )
        .await;
    assert_eq!(status, 200, "{report}");
    report
}

async fn states(server: &TestServer) -> HashMap<String, String> {
    let duty = server.token("duty").await;
    let (_, list) = server.get("/api/v1/neighbour-alerts", Some(&duty)).await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["identifier"].as_str().unwrap().to_string(),
                a["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn map_identifiers(server: &TestServer) -> Vec<String> {
    let duty = server.token("duty").await;
    let (_, layer) = server
        .get("/api/v1/neighbour-alerts.geojson", Some(&duty))
        .await;
    layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["geometry"]["type"], "Polygon");
            f["properties"]["identifier"].as_str().unwrap().to_string()
        })
        .collect()
}

fn counts(report: &Value) -> (u64, u64, u64, u64, usize) {
    (
        report["stored"].as_u64().unwrap(),
        report["duplicates"].as_u64().unwrap(),
        report["updated"].as_u64().unwrap(),
        report["cancelled"].as_u64().unwrap(),
        report["rejected"].as_array().unwrap().len(),
    )
}

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol3;</identifier></alert>"#;

#[tokio::test]
async fn neighbour_alerts_are_deduplicated_updated_cancelled_and_never_overwrite_local_ones() {
    let (base, docs) = start_neighbour().await;
    let feed = format!("{base}/feed");
    for server in servers(move |o| o.neighbour_feeds = vec![feed.clone()], fast_config).await {
        let b = server.backend;
        docs.lock().unwrap().clear();
        let sent = |s: i64| {
            CapDateTime::new(chrono::Utc::now().fixed_offset() + chrono::Duration::seconds(s))
        };
        let approved = neighbour_draft(WarningLevel::Yellow)
            .approve("审核员", sent(0))
            .unwrap();
        let first = approved
            .publish(&sanhe(), Publication::Alert, Status::Actual, sent(0), 1)
            .unwrap();
        let update = neighbour_draft(WarningLevel::Orange)
            .approve("审核员", sent(1))
            .unwrap()
            .publish(
                &sanhe(),
                Publication::Update {
                    replaces: vec![MessageRef::to(&first.alert)],
                },
                Status::Actual,
                sent(1),
                2,
            )
            .unwrap();
        let cancel = authoring::cancel(
            &sanhe(),
            vec![MessageRef::to(&first.alert), MessageRef::to(&update.alert)],
            "解除",
            Status::Actual,
            sent(2),
            3,
        )
        .unwrap();
        let (a, u) = (
            first.alert.identifier.clone(),
            update.alert.identifier.clone(),
        );
        {
            let mut d = docs.lock().unwrap();
            d.insert("a.xml".into(), first.xml.clone());
            d.insert("u.xml".into(), update.xml.clone());
            d.insert("c.xml".into(), cancel.xml.clone());
            d.insert("feed".into(), atom(&base, &["a.xml"]));
        }

        // First read stores; the second finds only what it has (sender+identifier).
        assert_eq!(counts(&poll(&server).await), (1, 0, 0, 0, 0), "{b}");
        assert_eq!(counts(&poll(&server).await), (0, 1, 0, 0, 0), "{b}");
        assert_eq!(map_identifiers(&server).await, vec![a.clone()]);

        // The Update supersedes what it references; the map shows the update only.
        docs.lock()
            .unwrap()
            .insert("feed".into(), atom(&base, &["a.xml", "u.xml"]));
        assert_eq!(counts(&poll(&server).await), (1, 1, 1, 0, 0), "{b}");
        let s = states(&server).await;
        assert_eq!((s[&a].as_str(), s[&u].as_str()), ("superseded", "active"));
        assert_eq!(map_identifiers(&server).await, vec![u.clone()]);

        // The Cancel withdraws it from the map.
        docs.lock()
            .unwrap()
            .insert("feed".into(), atom(&base, &["a.xml", "u.xml", "c.xml"]));
        assert_eq!(counts(&poll(&server).await), (1, 2, 0, 1, 0), "{b}");
        assert_eq!(states(&server).await[&u], "cancelled");
        assert!(map_identifiers(&server).await.is_empty());

        // A foreign message claiming our sender, or one of our identifiers, is refused.
        let local = draft_approve_publish(
            &server,
            draft_body("yellow", json!([{"towns": ["120119100"]}])),
        )
        .await;
        let local_id = local["identifier"].as_str().unwrap().to_string();
        let local_issuer = Issuer {
            sender: "12011900000000".into(),
            ..sanhe()
        };
        let impostor = neighbour_draft(WarningLevel::Red)
            .approve("x", sent(3))
            .unwrap()
            .publish(
                &local_issuer,
                Publication::Alert,
                Status::Actual,
                sent(3),
                4,
            )
            .unwrap();
        let stolen_id = first.xml.replace(&a, &local_id);
        {
            let mut d = docs.lock().unwrap();
            d.insert("impostor.xml".into(), impostor.xml.clone());
            d.insert("stolen.xml".into(), stolen_id);
            d.insert("feed".into(), atom(&base, &["impostor.xml", "stolen.xml"]));
        }
        let report = poll(&server).await;
        let codes: Vec<&str> = report["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, vec!["local_identity", "local_identity"], "{report}");
        let (_, _, served) = {
            let r = server
                .client
                .get(format!("{}/cap/alerts/{local_id}.xml", server.base))
                .send()
                .await
                .unwrap();
            (r.status(), (), r.text().await.unwrap())
        };
        assert_eq!(
            served,
            local["xml"].as_str().unwrap(),
            "the local message is untouched"
        );

        // Broken documents served directly as the feed: refused with the reason, nothing stored.
        let stored_before = states(&server).await.len();
        let wrong_namespace = std::fs::read_to_string(
            shared_dir().join("data/cap/invalid/not-cap/wrong-namespace.cap"),
        )
        .unwrap();
        let missing_scope =
            std::fs::read_to_string(shared_dir().join("data/cap/invalid/schema/missing-scope.cap"))
                .unwrap();
        for (body, code) in [
            (BILLION_LAUGHS.to_string(), "doctype_forbidden"),
            (wrong_namespace, "not_cap"),
            (missing_scope, "invalid_cap"),
        ] {
            docs.lock().unwrap().insert("feed".into(), body);
            let report = poll(&server).await;
            assert_eq!(report["rejected"][0]["code"], code, "{report}");
            assert_eq!(report["stored"], 0);
        }
        assert_eq!(
            states(&server).await.len(),
            stored_before,
            "nothing half-stored"
        );

        // Polling on demand is for the district's duty officers and admins.
        let town = server.token("town100").await;
        let (s, _) = server
            .send(
                Method::POST,
                "/api/v1/neighbour-alerts/poll",
                Some(&town),
                None,
            )
            .await;
        assert_eq!(s, 403);
    }
}
