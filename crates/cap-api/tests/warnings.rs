//! Drafting, approval, publication, update and cancellation; the Atom feed and the CAP
//! documents; bad drafts.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use yingji_domain::{Jurisdiction, Principal, Role};

async fn count(server: &yingji_server::testing::TestServer, sql: &str) -> i64 {
    use sqlx::Row;
    let row = sqlx::query(sql)
        .fetch_one(&server.store.db().reader)
        .await
        .unwrap();
    row.try_get(0).unwrap()
}

fn feed_links(atom: &str) -> Vec<String> {
    let doc = yingji_cap::xml::parse_document(atom.as_bytes(), &Default::default()).unwrap();
    let ns = "http://www.w3.org/2005/Atom";
    doc.root
        .child_elements()
        .filter(|e| e.is(ns, "entry"))
        .flat_map(|e| {
            e.child_elements()
                .filter(|l| l.is(ns, "link"))
                .collect::<Vec<_>>()
        })
        .map(|l| l.attribute("href").unwrap().to_string())
        .collect()
}

async fn public_text(
    server: &yingji_server::testing::TestServer,
    path: &str,
) -> (u16, String, String) {
    let response = server
        .client
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn approval_rules_publish_update_cancel_and_feed() {
    for server in servers(|_| {}, fast_config).await {
        let b = server.backend;
        // An account that may both draft and approve, to show the two-person rule.
        let hash = yingji_server::auth::hash_password(yingji_server::testing::PASSWORD).unwrap();
        server
            .store
            .create_user(
                &Principal::system("test"),
                yingji_store::NewUser {
                    id: "user-chief".into(),
                    username: "chief".into(),
                    display_name: "chief".into(),
                    password_hash: hash,
                    roles: vec![Role::DutyOfficer, Role::Approver],
                    jurisdiction: Jurisdiction::District,
                },
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        let duty = server.token("duty").await;
        let chief = server.token("chief").await;
        let approver = server.token("approver").await;
        let town100 = server.token("town100").await;
        let town101 = server.token("town101").await;
        let info100 = server.token("info100").await;
        let town_area = json!([{"towns": ["120119100"]}]);
        let post = |token: &str, path: &str, body: Option<Value>| {
            let (token, path) = (token.to_string(), path.to_string());
            let server = &server;
            async move { server.send(Method::POST, &path, Some(&token), body).await }
        };

        // Who may draft: district staff anywhere, a town officer only in their own town.
        let (s, other_town) = post(
            &town101,
            "/api/v1/public-warnings",
            Some(draft_body("orange", town_area.clone())),
        )
        .await;
        assert_eq!(
            (s, other_town["error"]["code"].as_str()),
            (403, Some("forbidden")),
            "{b}"
        );
        let (s, _) = post(
            &info100,
            "/api/v1/public-warnings",
            Some(draft_body("orange", town_area.clone())),
        )
        .await;
        assert_eq!(
            s, 403,
            "{b}: information officers do not draft public warnings"
        );
        let (s, own_town) = post(
            &town100,
            "/api/v1/public-warnings",
            Some(draft_body("orange", town_area.clone())),
        )
        .await;
        assert_eq!(s, 201, "{b}: {own_town}");
        assert_eq!(own_town["town_code"], "120119100");

        // Who may approve: the approver role, never the author.
        let (s, by_chief) = post(
            &chief,
            "/api/v1/public-warnings",
            Some(draft_body("orange", town_area.clone())),
        )
        .await;
        assert_eq!(s, 201);
        let chief_id = by_chief["id"].as_str().unwrap();
        let (s, own) = post(
            &chief,
            &format!("/api/v1/public-warnings/{chief_id}/approve"),
            None,
        )
        .await;
        assert_eq!(
            (s, own["error"]["code"].as_str()),
            (403, Some("self_approval")),
            "{b}: {own}"
        );
        let own_id = own_town["id"].as_str().unwrap();
        let (s, no_role) = post(
            &duty,
            &format!("/api/v1/public-warnings/{own_id}/approve"),
            None,
        )
        .await;
        assert_eq!(
            (s, no_role["error"]["code"].as_str()),
            (403, Some("forbidden"))
        );
        let (s, early) = post(
            &approver,
            &format!("/api/v1/public-warnings/{own_id}/publish"),
            None,
        )
        .await;
        assert_eq!(
            (s, early["error"]["code"].as_str()),
            (409, Some("wrong_state")),
            "unapproved cannot be published"
        );
        let (s, approved) = post(
            &approver,
            &format!("/api/v1/public-warnings/{own_id}/approve"),
            None,
        )
        .await;
        assert_eq!(
            (s, approved["state"].as_str()),
            (200, Some("approved")),
            "{approved}"
        );
        let (s, _) = post(
            &approver,
            &format!("/api/v1/public-warnings/{own_id}/approve"),
            None,
        )
        .await;
        assert_eq!(s, 409, "approving twice");

        // Publish: a valid CAP message per the library's GB/T 35965.1 mapping.
        let (s, published) = post(
            &approver,
            &format!("/api/v1/public-warnings/{own_id}/publish"),
            None,
        )
        .await;
        assert_eq!(s, 200, "{published}");
        let xml = published["xml"].as_str().unwrap();
        assert_valid_cap(xml);
        let report = yingji_cap::validate(xml.as_bytes(), &Default::default());
        let alert = report.valid_alerts().next().unwrap().clone();
        let original_id = alert.identifier.clone();
        assert!(original_id.starts_with("12011900000000_"), "{original_id}");
        assert_eq!(alert.sender, "12011900000000");
        assert_eq!(
            alert.codes,
            vec![yingji_cap::authoring::GBT_35965_CODE.to_string()]
        );
        assert_eq!(alert.msg_type.as_str(), "Alert");
        assert_eq!(alert.infos.len(), 2, "zh-CN and en-US");
        assert_eq!(alert.infos[0].language, "zh-CN");
        assert_eq!(
            alert.infos[0].severity.as_str(),
            "Severe",
            "orange = Severe"
        );
        let area = &alert.infos[0].areas[0];
        assert!(area.area_desc.contains("渔阳镇"), "{}", area.area_desc);
        assert_eq!(area.geocodes[0].value, "120119100000");
        assert!(
            !area.polygons.is_empty(),
            "the town area is resolved to its polygon"
        );

        // The stored document is the published one; the feed links it, without login.
        let (s, ctype, served) =
            public_text(&server, &format!("/cap/alerts/{original_id}.xml")).await;
        assert_eq!((s, ctype.as_str()), (200, "application/cap+xml"));
        assert_eq!(served, xml);
        let (s, ctype, atom) = public_text(&server, "/cap/feed.atom").await;
        assert_eq!(s, 200);
        assert!(ctype.starts_with("application/atom+xml"));
        assert_eq!(
            feed_links(&atom),
            vec![format!("/cap/alerts/{original_id}.xml")]
        );
        assert!(atom.contains("蓟州区气象台发布暴雨橙色预警"));
        let (s, _, _) = public_text(&server, "/cap/alerts/nope.xml").await;
        assert_eq!(s, 404);

        // Update: a new draft, approved and published, references the original.
        let (s, update) = post(
            &town100,
            &format!("/api/v1/public-warnings/{own_id}/update"),
            Some(draft_body("red", town_area.clone())),
        )
        .await;
        assert_eq!(s, 201, "{update}");
        let update_id = update["id"].as_str().unwrap();
        post(
            &approver,
            &format!("/api/v1/public-warnings/{update_id}/approve"),
            None,
        )
        .await;
        let (s, updated) = post(
            &duty,
            &format!("/api/v1/public-warnings/{update_id}/publish"),
            None,
        )
        .await;
        assert_eq!(s, 200, "{updated}");
        let update_xml = updated["xml"].as_str().unwrap();
        assert_valid_cap(update_xml);
        let report = yingji_cap::validate(update_xml.as_bytes(), &Default::default());
        let update_alert = report.valid_alerts().next().unwrap().clone();
        assert_eq!(update_alert.msg_type.as_str(), "Update");
        assert_eq!(update_alert.infos[0].severity.as_str(), "Extreme");
        assert_eq!(
            update_alert.references,
            vec![yingji_cap::model::MessageRef::to(&alert)]
        );
        let (_, _, atom) = public_text(&server, "/cap/feed.atom").await;
        assert_eq!(
            feed_links(&atom),
            vec![format!("/cap/alerts/{}.xml", update_alert.identifier)],
            "the update replaces the original in the feed"
        );
        let (_, original) = server
            .get(&format!("/api/v1/public-warnings/{own_id}"), Some(&duty))
            .await;
        assert_eq!(original["warning"]["state"], "superseded");

        // Cancel: references every message of the warning; the feed empties.
        let (s, missing_reason) = post(
            &approver,
            &format!("/api/v1/public-warnings/{update_id}/cancel"),
            Some(json!({})),
        )
        .await;
        assert_eq!(
            (s, missing_reason["error"]["field"].as_str()),
            (422, Some("reason"))
        );
        let (s, cancelled) = post(
            &approver,
            &format!("/api/v1/public-warnings/{update_id}/cancel"),
            Some(json!({"reason": "降雨已减弱"})),
        )
        .await;
        assert_eq!(s, 200, "{cancelled}");
        let cancel_xml = cancelled["xml"].as_str().unwrap();
        assert_valid_cap(cancel_xml);
        let report = yingji_cap::validate(cancel_xml.as_bytes(), &Default::default());
        let cancel_alert = report.valid_alerts().next().unwrap().clone();
        assert_eq!(cancel_alert.msg_type.as_str(), "Cancel");
        let referenced: Vec<&str> = cancel_alert
            .references
            .iter()
            .map(|r| r.identifier.as_str())
            .collect();
        assert_eq!(
            referenced,
            vec![original_id.as_str(), update_alert.identifier.as_str()]
        );
        let (_, _, atom) = public_text(&server, "/cap/feed.atom").await;
        assert!(feed_links(&atom).is_empty(), "{atom}");
        let (s, _) = post(
            &approver,
            &format!("/api/v1/public-warnings/{update_id}/cancel"),
            Some(json!({"reason": "again"})),
        )
        .await;
        assert_eq!(s, 409);

        // Every step is in the audit log.
        let audited = count(
            &server,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'public_warning'",
        )
        .await;
        // drafts: town100, chief, update; approvals: 2; publications: 2; cancel: 1
        assert_eq!(audited, 8, "{b}");
        assert_eq!(count(&server, "SELECT COUNT(*) FROM cap_messages").await, 3);
    }
}

#[tokio::test]
async fn bad_drafts_name_the_field_and_store_nothing() {
    for server in servers(|_| {}, fast_config).await {
        let duty = server.token("duty").await;
        let town = json!([{"towns": ["120119100"]}]);
        let mut no_headline = draft_body("yellow", town.clone());
        no_headline["zh"]
            .as_object_mut()
            .unwrap()
            .remove("headline");
        let mut backwards = draft_body("yellow", town.clone());
        backwards["expires"] = json!("2020-01-01T00:00:00+08:00");
        let unknown_town = draft_body("yellow", json!([{"towns": ["120119999"]}]));
        let open_polygon = draft_body(
            "yellow",
            json!([{"polygons": ["40.0,117.3 40.1,117.4 40.0,117.5 40.05,117.4"]}]),
        );
        let bad_level = draft_body("purple", town.clone());
        let cases = [
            (no_headline, "required", "zh.headline"),
            (backwards, "invalid_value", "expires"),
            (unknown_town, "unknown_town", "areas[0].towns[0]"),
            (open_polygon, "invalid_value", "areas[0].polygons[0]"),
            (bad_level, "invalid_value", "level"),
        ];
        for (body, code, field) in cases {
            let (status, error) = server
                .send(
                    Method::POST,
                    "/api/v1/public-warnings",
                    Some(&duty),
                    Some(body),
                )
                .await;
            assert_eq!(status, 422, "{field}: {error}");
            assert_eq!(error["error"]["code"], code, "{error}");
            assert_eq!(error["error"]["field"], field, "{error}");
        }
        let (_, list) = server.get("/api/v1/public-warnings", Some(&duty)).await;
        assert_eq!(list.as_array().unwrap().len(), 0, "nothing stored");
        let (s, _) = server.get("/api/v1/public-warnings", None).await;
        assert_eq!(s, 401, "the drafts are not public");
    }
}

#[tokio::test]
async fn a_monitoring_warning_becomes_a_draft_in_one_step() {
    for server in servers(|_| {}, fast_config).await {
        let duty = server.token("duty").await;
        let body = json!({
            "rule": "1小时降雨量",
            "level": "red",
            "town_code": "120119104",
            "text": "下营镇雨量站1小时降雨量达到65毫米。",
            "category": "Met"
        });
        let (s, draft) = server
            .send(
                Method::POST,
                "/api/v1/public-warnings/from-warning",
                Some(&duty),
                Some(body),
            )
            .await;
        assert_eq!(s, 201, "{draft}");
        assert_eq!(draft["state"], "draft");
        assert_eq!(draft["town_code"], "120119104");
        assert_eq!(draft["draft"]["level"], "red");
        let headline = draft["draft"]["zh"]["headline"].as_str().unwrap();
        assert!(
            headline.contains("下营镇") && headline.contains("红色"),
            "{headline}"
        );
        assert_eq!(
            draft["draft"]["zh"]["description"],
            "下营镇雨量站1小时降雨量达到65毫米。"
        );
        let (s, missing) = server
            .send(
                Method::POST,
                "/api/v1/public-warnings/from-warning",
                Some(&duty),
                Some(json!({"rule": "x", "level": "red"})),
            )
            .await;
        assert_eq!(s, 422, "{missing}");
    }
}
