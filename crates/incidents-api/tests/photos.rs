//! Photos on field reports: uploaded by content, type-checked by signature, size-limited,
//! stored once, referenced by reports and served within jurisdiction.

mod common;

use common::{report, servers, YUYANG};
use serde_json::{json, Value};

/// A PNG signature and header chunk: enough for the type check (synthetic test data).
fn png(seed: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend(std::iter::repeat_n(seed, 256));
    bytes
}

async fn upload(
    server: &yingji_server::testing::TestServer,
    token: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let response = server
        .client
        .post(format!("{}/api/v1/photos", server.base))
        .bearer_auth(token)
        .header("Content-Type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn stored_files(server: &yingji_server::testing::TestServer) -> usize {
    std::fs::read_dir(server.state.options.data_dir.join("photos"))
        .map(|dir| dir.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn photos_are_checked_stored_once_and_served_to_those_who_see_the_report() {
    for server in servers().await {
        let info = server.token("info100").await;
        let (status, first) = upload(&server, &info, png(1)).await;
        assert_eq!(status, 201, "{}: {first}", server.backend);
        assert_eq!(first["media_type"], "image/png");
        let sha = first["sha256"].as_str().unwrap().to_string();
        let (status, again) = upload(&server, &info, png(1)).await;
        assert_eq!(
            (status, &again),
            (200, &first),
            "the same bytes again: stored once"
        );
        assert_eq!(stored_files(&server), 1);

        let (status, refused) = upload(&server, &info, b"GIF89a not accepted".to_vec()).await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["error"]["field"], "photo");
        let (status, _) = upload(&server, &info, vec![0xFF; 5 * 1024 * 1024 + 1]).await;
        assert_eq!(status, 413, "over 5 MiB");
        assert_eq!(stored_files(&server), 1, "nothing refused was stored");
        // Above the server's 2 MiB default for other routes, within the photo limit.
        let mut large = png(2);
        large.resize(4 * 1024 * 1024, 7);
        let (status, accepted) = upload(&server, &info, large).await;
        assert_eq!(status, 201, "a 4 MiB photo: {accepted}");
        assert_eq!(stored_files(&server), 2);

        let body =
            json!({"type": "flood", "location": YUYANG, "photos": [sha], "text": "桥面冲毁"});
        let (status, filed) = report(&server, &info, "with-photo", body.clone()).await;
        assert_eq!(status, 201, "{filed}");
        let (status, retried) = report(&server, &info, "with-photo", body).await;
        assert_eq!(
            (status, &retried),
            (201, &filed),
            "a retry stores nothing new"
        );
        assert_eq!(stored_files(&server), 2);
        let report_id = filed["report"]["id"].as_str().unwrap();
        let url = filed["report"]["photos"][0]["url"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(url, format!("/api/v1/reports/{report_id}/photos/0"));

        let fetch = |token: String, url: String| {
            let server = &server;
            async move {
                let response = server
                    .client
                    .get(format!("{}{url}", server.base))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let kind = response
                    .headers()
                    .get("content-type")
                    .map(|v| v.to_str().unwrap().to_string());
                (status, kind, response.bytes().await.unwrap().to_vec())
            }
        };
        let (status, kind, bytes) = fetch(info.clone(), url.clone()).await;
        assert_eq!((status, kind.as_deref()), (200, Some("image/png")));
        assert_eq!(bytes, png(1));
        let duty = server.token("duty").await;
        assert_eq!(
            fetch(duty, url.clone()).await.0,
            200,
            "the district sees all"
        );
        let town101 = server.token("town101").await;
        assert_eq!(
            fetch(town101, url.clone()).await.0,
            404,
            "another town does not"
        );
        let missing = format!("/api/v1/reports/{report_id}/photos/1");
        assert_eq!(fetch(info.clone(), missing).await.0, 404);

        let unknown = "0".repeat(64);
        let (status, refused) = report(
            &server,
            &info,
            "unknown-photo",
            json!({"type": "flood", "location": YUYANG, "photos": [sha, unknown]}),
        )
        .await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["error"]["field"], "photos[1]");
        let (status, refused) = report(
            &server,
            &info,
            "seven",
            json!({"type": "flood", "location": YUYANG, "photos": vec![sha.clone(); 7]}),
        )
        .await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["error"]["field"], "photos");
        let feeder = server.token("feeder").await;
        assert_eq!(upload(&server, &feeder, png(2)).await.0, 403);
    }
}
