//! The situation report as a Word document over HTTP: a zip package whose document holds
//! the figures with their source reports, for those who may read the incident.

mod common;

use common::{report, servers, YUYANG};
use serde_json::json;
use std::io::Read;

#[tokio::test]
async fn the_docx_situation_report_is_a_word_package_with_the_figures() {
    for server in servers().await {
        let info = server.token("info100").await;
        let duty = server.token("duty").await;
        let (_, first) = report(&server, &info, "w1", json!({"type": "flood", "location": YUYANG, "figures": {"relocated": 120, "deaths": 1}})).await;
        let id = first["incident"]["id"].as_str().unwrap();
        let report_id = first["report"]["id"].as_str().unwrap();
        let response = server
            .client
            .get(format!(
                "{}/api/v1/incidents/{id}/situation-report?kind=first&format=docx",
                server.base
            ))
            .bearer_auth(&duty)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{}", server.backend);
        assert_eq!(
            response.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        assert!(response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .ends_with(".docx\""));
        let bytes = response.bytes().await.unwrap();
        let mut archive =
            zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
        assert!(archive.by_name("[Content_Types].xml").is_ok());
        let mut document = String::new();
        archive
            .by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut document)
            .unwrap();
        assert!(document.contains("关于渔阳镇洪涝灾害的首报"), "{document}");
        assert!(
            document.contains(&format!("死亡1人（较上报增加1人），来源：报告 {report_id}")),
            "{document}"
        );
        assert!(document.contains("紧急转移安置120人"));

        let (status, refused) = server
            .get(
                &format!("/api/v1/incidents/{id}/situation-report?format=pdf"),
                Some(&duty),
            )
            .await;
        assert_eq!(
            (status, &refused["error"]["field"]),
            (400, &json!("format"))
        );
        let town101 = server.token("town101").await;
        let status = server
            .get(
                &format!("/api/v1/incidents/{id}/situation-report?format=docx"),
                Some(&town101),
            )
            .await
            .0;
        assert_eq!(status, 404, "another town does not see it");
    }
}
