//! CAP from neighbouring counties: their feeds (Atom with links to CAP documents, or a CAP
//! document directly) are read periodically and on demand. Messages are deduplicated by
//! sender+identifier, Updates and Cancels applied to what they reference, and a document
//! is stored whole or not at all. A foreign message never touches a local one.

use axum::extract::State;
use axum::Json;
use chrono::Utc;
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::{Any, Row, Transaction};
use yingji_cap::model::{Alert, MsgType};
use yingji_cap::xml::{parse_document, Limits};
use yingji_cap::{validate, ReadOptions};
use yingji_domain::{Principal, Role};
use yingji_server::auth::{require_signed_in, Caller};
use yingji_server::error::{ApiError, ApiResult};
use yingji_store::audit::{self, Change};

use crate::storage::{db_error, store_to_sqlx};
use crate::CapState;

const ATOM_NAMESPACE: &str = "http://www.w3.org/2005/Atom";

/// Why a document or a message from a neighbour was not taken.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Rejection {
    pub url: String,
    /// Stable code: `fetch_failed`, `doctype_forbidden`, `not_cap`, `invalid_cap`,
    /// `local_identity`, …
    pub code: String,
    pub reason: String,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct PollReport {
    pub documents: u64,
    pub stored: u64,
    pub duplicates: u64,
    /// Update messages that superseded earlier ones.
    pub updated: u64,
    /// Cancel messages that withdrew earlier ones.
    pub cancelled: u64,
    pub rejected: Vec<Rejection>,
}

pub fn start_polling(state: &CapState) {
    let Some(every) = state.config.neighbour_poll_every else {
        return;
    };
    if state.app.options.neighbour_feeds.is_empty() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            let report = poll_all(&state).await;
            tracing::info!(
                stored = report.stored,
                rejected = report.rejected.len(),
                "polled neighbour feeds"
            );
        }
    });
}

/// Reads every configured neighbour feed once.
pub async fn poll_all(state: &CapState) -> PollReport {
    let mut report = PollReport::default();
    for url in state.app.options.neighbour_feeds.iter() {
        poll_feed(state, url, &mut report).await;
    }
    for rejection in &report.rejected {
        tracing::warn!(
            url = rejection.url,
            code = rejection.code,
            reason = rejection.reason,
            "neighbour CAP rejected"
        );
        if let Err(e) = log_rejection(state, rejection).await {
            tracing::error!(error = %e, "cannot log a neighbour rejection");
        }
    }
    report
}

async fn fetch(state: &CapState, url: &str) -> Result<Vec<u8>, Rejection> {
    let failed = |reason: String| Rejection {
        url: url.to_string(),
        code: "fetch_failed".into(),
        reason,
    };
    let mut response = state
        .http
        .get(url)
        .send()
        .await
        .map_err(|e| failed(e.to_string()))?;
    if !response.status().is_success() {
        return Err(failed(format!("HTTP {}", response.status())));
    }
    let limit = Limits::default().max_bytes;
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| failed(e.to_string()))? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > limit {
            return Err(Rejection {
                url: url.to_string(),
                code: "document_too_large".into(),
                reason: format!("larger than {limit} bytes"),
            });
        }
    }
    Ok(bytes)
}

/// The CAP links of an Atom feed, resolved against the feed's URL; `None` if the document
/// is not an Atom feed (then it is read as CAP itself).
fn atom_links(feed_url: &str, bytes: &[u8]) -> Option<Vec<String>> {
    let document = parse_document(bytes, &Limits::default()).ok()?;
    if !document.root.is(ATOM_NAMESPACE, "feed") {
        return None;
    }
    let base = reqwest::Url::parse(feed_url).ok();
    let links = document
        .root
        .child_elements()
        .filter(|e| e.is(ATOM_NAMESPACE, "entry"))
        .filter_map(|entry| {
            let links: Vec<_> = entry
                .child_elements()
                .filter(|e| e.is(ATOM_NAMESPACE, "link"))
                .collect();
            // Prefer the link typed as CAP; else the alternate link.
            links
                .iter()
                .find(|l| l.attribute("type").is_some_and(|t| t.contains("cap")))
                .or_else(|| {
                    links
                        .iter()
                        .find(|l| l.attribute("rel").is_none_or(|r| r == "alternate"))
                })
                .and_then(|l| l.attribute("href"))
                .map(str::to_string)
        })
        .filter_map(|href| match &base {
            Some(base) => base.join(&href).ok().map(|u| u.to_string()),
            None => Some(href),
        })
        .collect();
    Some(links)
}

async fn poll_feed(state: &CapState, url: &str, report: &mut PollReport) {
    let bytes = match fetch(state, url).await {
        Ok(bytes) => bytes,
        Err(rejection) => return report.rejected.push(rejection),
    };
    match atom_links(url, &bytes) {
        None => ingest_document(state, url, &bytes, report).await,
        Some(links) => {
            for link in links {
                match fetch(state, &link).await {
                    Ok(bytes) => ingest_document(state, &link, &bytes, report).await,
                    Err(rejection) => report.rejected.push(rejection),
                }
            }
        }
    }
}

/// Stores every alert of one document in one transaction, or none of them.
pub async fn ingest_document(state: &CapState, url: &str, bytes: &[u8], report: &mut PollReport) {
    report.documents += 1;
    let reject = |code: &str, reason: String| Rejection {
        url: url.to_string(),
        code: code.to_string(),
        reason,
    };
    let checked = validate(bytes, &ReadOptions::default());
    let alerts = match &checked.outcome {
        Err(e) => return report.rejected.push(reject(e.code(), e.to_string())),
        Ok(alerts) => alerts,
    };
    if let Some(bad) = alerts.iter().find(|a| !a.is_valid()) {
        let reasons: Vec<String> = bad
            .violations
            .iter()
            .take(5)
            .map(ToString::to_string)
            .collect();
        return report
            .rejected
            .push(reject("invalid_cap", reasons.join("; ")));
    }
    let xml = String::from_utf8_lossy(bytes).into_owned();
    let mut counts = PollReport::default();
    let outcome = async {
        let db = state.app.store.db();
        let mut tx = db
            .begin_write()
            .await
            .map_err(|e| reject("internal", e.to_string()))?;
        for alert in checked.valid_alerts() {
            ingest_alert(state, &mut tx, url, alert, &xml, &mut counts).await?;
        }
        tx.commit()
            .await
            .map_err(|e| reject("internal", e.to_string()))
    }
    .await;
    match outcome {
        Ok(()) => {
            report.stored += counts.stored;
            report.duplicates += counts.duplicates;
            report.updated += counts.updated;
            report.cancelled += counts.cancelled;
        }
        Err(rejection) => report.rejected.push(rejection),
    }
}

async fn ingest_alert(
    state: &CapState,
    tx: &mut Transaction<'static, Any>,
    url: &str,
    alert: &Alert,
    xml: &str,
    counts: &mut PollReport,
) -> Result<(), Rejection> {
    let reject = |code: &str, reason: String| Rejection {
        url: url.to_string(),
        code: code.to_string(),
        reason,
    };
    let internal = |e: sqlx::Error| reject("internal", e.to_string());
    let local_sender = &state.issuer.sender;
    let local_message = sqlx::query("SELECT 1 FROM cap_messages WHERE identifier = $1")
        .bind(&alert.identifier)
        .fetch_optional(&mut **tx)
        .await
        .map_err(internal)?
        .is_some();
    if alert.sender == *local_sender || local_message {
        return Err(reject(
            "local_identity",
            format!(
                "message {} from {} claims a local sender or identifier",
                alert.identifier, alert.sender
            ),
        ));
    }
    if let Some(r) = alert.references.iter().find(|r| r.sender == *local_sender) {
        return Err(reject(
            "local_identity",
            format!(
                "message {} references local message {}",
                alert.identifier, r.identifier
            ),
        ));
    }
    let exists =
        sqlx::query("SELECT 1 FROM cap_neighbour_alerts WHERE sender = $1 AND identifier = $2")
            .bind(&alert.sender)
            .bind(&alert.identifier)
            .fetch_optional(&mut **tx)
            .await
            .map_err(internal)?
            .is_some();
    if exists {
        counts.duplicates += 1;
        return Ok(());
    }
    let (new_state, replaced_state) = match alert.msg_type {
        MsgType::Update => ("active", Some("superseded")),
        MsgType::Cancel => ("cancel", Some("cancelled")),
        MsgType::Alert => ("active", None),
        MsgType::Ack | MsgType::Error => ("other", None),
    };
    if let Some(replaced_state) = replaced_state {
        // Only the sender's own messages can be replaced by it.
        let mut applied = false;
        for r in alert.references.iter().filter(|r| r.sender == alert.sender) {
            let changed = sqlx::query(
                "UPDATE cap_neighbour_alerts SET state = $1 WHERE sender = $2 AND identifier = $3",
            )
            .bind(replaced_state)
            .bind(&r.sender)
            .bind(&r.identifier)
            .execute(&mut **tx)
            .await
            .map_err(internal)?;
            applied |= changed.rows_affected() > 0;
        }
        match (applied, alert.msg_type) {
            (true, MsgType::Cancel) => counts.cancelled += 1,
            (true, _) => counts.updated += 1,
            (false, _) => {}
        }
    }
    let headline = alert.infos.first().and_then(|i| i.headline.clone());
    let alert_json = serde_json::to_string(alert).map_err(|e| reject("internal", e.to_string()))?;
    let now = yingji_domain::time::rfc3339(Utc::now());
    sqlx::query(
        "INSERT INTO cap_neighbour_alerts (sender, identifier, sent, msg_type, state, source_url, \
         headline, alert, xml, received_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
    )
    .bind(&alert.sender)
    .bind(&alert.identifier)
    .bind(alert.sent.to_string())
    .bind(alert.msg_type.as_str())
    .bind(new_state)
    .bind(url)
    .bind(headline)
    .bind(&alert_json)
    .bind(xml)
    .bind(&now)
    .execute(&mut **tx)
    .await
    .map_err(internal)?;
    let actor = Principal::system("neighbour-feed");
    let id = format!("{},{}", alert.sender, alert.identifier);
    let change = Change {
        actor: &actor,
        action: "receive",
        entity: "neighbour_alert",
        entity_id: &id,
        before: None,
        after: Some(json!({"msg_type": alert.msg_type.as_str(), "source_url": url}).to_string()),
        at: Utc::now(),
    };
    audit::append(state.app.store.db(), tx, change)
        .await
        .map_err(|e| reject("internal", e.to_string()))?;
    counts.stored += 1;
    Ok(())
}

async fn log_rejection(state: &CapState, rejection: &Rejection) -> Result<(), sqlx::Error> {
    let db = state.app.store.db();
    let mut tx = db.begin_write().await.map_err(store_to_sqlx)?;
    sqlx::query(
        "INSERT INTO cap_neighbour_rejections (id, source_url, code, reason, received_at) VALUES ($1,$2,$3,$4,$5)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&rejection.url)
    .bind(&rejection.code)
    .bind(&rejection.reason)
    .bind(yingji_domain::time::rfc3339(Utc::now()))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NeighbourAlert {
    pub sender: String,
    pub identifier: String,
    pub sent: String,
    pub msg_type: String,
    /// `active`, `superseded`, `cancelled`, `cancel` (a Cancel message) or `other`.
    pub state: String,
    pub source_url: String,
    pub headline: Option<String>,
    pub received_at: String,
    #[schema(value_type = Object)]
    pub alert: Value,
}

async fn all_alerts(state: &CapState) -> ApiResult<Vec<NeighbourAlert>> {
    let rows = sqlx::query(
        "SELECT sender, identifier, sent, msg_type, state, source_url, headline, received_at, alert \
         FROM cap_neighbour_alerts ORDER BY received_at DESC, sent DESC",
    )
    .fetch_all(&state.app.store.db().reader)
    .await
    .map_err(db_error)?;
    let mut out = Vec::new();
    for row in rows {
        let alert: String = row.try_get(8).map_err(db_error)?;
        out.push(NeighbourAlert {
            sender: row.try_get(0).map_err(db_error)?,
            identifier: row.try_get(1).map_err(db_error)?,
            sent: row.try_get(2).map_err(db_error)?,
            msg_type: row.try_get(3).map_err(db_error)?,
            state: row.try_get(4).map_err(db_error)?,
            source_url: row.try_get(5).map_err(db_error)?,
            headline: row.try_get(6).map_err(db_error)?,
            received_at: row.try_get(7).map_err(db_error)?,
            alert: serde_json::from_str(&alert).unwrap_or(Value::Null),
        });
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/neighbour-alerts", tag = "public-warnings",
    responses((status = 200, description = "Every message received from neighbouring counties, with its state", body = [NeighbourAlert])))]
pub async fn list(
    State(state): State<CapState>,
    Caller(principal): Caller,
) -> ApiResult<Json<Vec<NeighbourAlert>>> {
    require_signed_in(&principal)?;
    Ok(Json(all_alerts(&state).await?))
}

#[utoipa::path(get, path = "/api/v1/neighbour-alerts.geojson", tag = "public-warnings",
    responses((status = 200, description = "Active neighbour alerts as GeoJSON: polygons, and circles as points with radius_km")))]
pub async fn geojson(
    State(state): State<CapState>,
    Caller(principal): Caller,
) -> ApiResult<Json<Value>> {
    require_signed_in(&principal)?;
    let mut features = Vec::new();
    for item in all_alerts(&state)
        .await?
        .into_iter()
        .filter(|a| a.state == "active")
    {
        let Ok(alert) = serde_json::from_value::<Alert>(item.alert.clone()) else {
            continue;
        };
        let Some(info) = alert.infos.first() else {
            continue;
        };
        for area in &info.areas {
            let properties = json!({
                "sender": alert.sender,
                "identifier": alert.identifier,
                "event": info.event,
                "headline": info.headline,
                "severity": info.severity.as_str(),
                "area_desc": area.area_desc,
                "expires": info.expires.map(|e| e.to_string()),
            });
            for polygon in &area.polygons {
                let ring: Vec<[f64; 2]> = polygon.points().iter().map(|p| [p.lon, p.lat]).collect();
                features.push(json!({"type": "Feature", "properties": properties,
                    "geometry": {"type": "Polygon", "coordinates": [ring]}}));
            }
            for circle in &area.circles {
                let mut properties = properties.clone();
                properties["radius_km"] = json!(circle.radius_km);
                features.push(json!({"type": "Feature", "properties": properties,
                    "geometry": {"type": "Point", "coordinates": [circle.center.lon, circle.center.lat]}}));
            }
        }
    }
    Ok(Json(
        json!({"type": "FeatureCollection", "features": features}),
    ))
}

#[utoipa::path(post, path = "/api/v1/neighbour-alerts/poll", tag = "public-warnings",
    responses((status = 200, description = "Read every neighbour feed now", body = PollReport)))]
pub async fn poll_now(
    State(state): State<CapState>,
    Caller(principal): Caller,
) -> ApiResult<Json<PollReport>> {
    require_signed_in(&principal)?;
    if !(principal.has(Role::Admin) || principal.has(Role::DutyOfficer)) {
        return Err(ApiError::forbidden(
            "polling neighbour feeds needs the admin or duty officer role",
        ));
    }
    Ok(Json(poll_all(&state).await))
}
