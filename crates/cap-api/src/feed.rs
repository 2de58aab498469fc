//! The public face: an Atom feed of the alerts in force and each CAP document, as
//! national alert hubs publish them (no login; only published messages are served).

use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use quick_xml::escape::escape;
use sqlx::Row;
use yingji_server::error::{ApiError, ApiResult};

use crate::storage::{db_error, MessageRow, MESSAGE_COLUMNS};
use crate::CapState;

pub const CAP_MEDIA_TYPE: &str = "application/cap+xml";

/// Link base for feed entries: the configured public URL, else root-relative links.
fn base(state: &CapState) -> String {
    state
        .app
        .options
        .public_url
        .as_deref()
        .unwrap_or("")
        .trim_end_matches('/')
        .to_string()
}

/// The latest message of every warning in force (published, not cancelled, not expired).
pub(crate) async fn current_messages(state: &CapState) -> ApiResult<Vec<MessageRow>> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM cap_messages WHERE identifier IN \
         (SELECT message_identifier FROM cap_warnings WHERE state = 'published') \
         ORDER BY published_at DESC"
    );
    let rows = sqlx::query(&sql)
        .fetch_all(&state.app.store.db().reader)
        .await
        .map_err(db_error)?;
    let now = yingji_domain::time::rfc3339(Utc::now());
    let mut out = Vec::new();
    for row in rows {
        let message = MessageRow::from_row(&row).map_err(db_error)?;
        // RFC 3339 UTC strings of one format order as times do.
        if message
            .expires_utc
            .as_deref()
            .is_none_or(|e| e > now.as_str())
        {
            out.push(message);
        }
    }
    Ok(out)
}

#[utoipa::path(get, path = "/cap/feed.atom", tag = "public-warnings",
    responses((status = 200, description = "Atom feed of the public warnings in force, each linking its CAP document", content_type = "application/atom+xml")))]
pub async fn atom(State(state): State<CapState>) -> ApiResult<Response> {
    let messages = current_messages(&state).await?;
    let base = base(&state);
    let name = &state.issuer.sender_name;
    let updated = messages
        .iter()
        .map(|m| m.published_at.clone())
        .max()
        .unwrap_or_else(|| yingji_domain::time::rfc3339(Utc::now()));
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    xml.push_str(&format!(
        "  <id>urn:yingji:cap-feed:{}</id>\n  <title>{} 预警信息</title>\n  <updated>{}</updated>\n",
        escape(&state.issuer.sender),
        escape(name),
        escape(&updated)
    ));
    xml.push_str(&format!(
        "  <link rel=\"self\" href=\"{}/cap/feed.atom\"/>\n  <author><name>{}</name></author>\n",
        escape(&base),
        escape(name)
    ));
    for m in &messages {
        let href = format!("{base}/cap/alerts/{}.xml", m.identifier);
        let title = m.headline.as_deref().unwrap_or(&m.identifier);
        xml.push_str(&format!(
            "  <entry>\n    <id>urn:yingji:cap:{sender}:{id}</id>\n    <title>{title}</title>\n    \
             <updated>{updated}</updated>\n    <published>{updated}</published>\n    \
             <link rel=\"alternate\" type=\"{CAP_MEDIA_TYPE}\" href=\"{href}\"/>\n    \
             <category term=\"{msg_type}\"/>\n  </entry>\n",
            sender = escape(&m.sender),
            id = escape(&m.identifier),
            title = escape(title),
            updated = escape(&m.published_at),
            href = escape(&href),
            msg_type = escape(&m.msg_type),
        ));
    }
    xml.push_str("</feed>\n");
    Ok(([(CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml).into_response())
}

#[utoipa::path(get, path = "/cap/alerts/{file}", tag = "public-warnings",
    params(("file" = String, Path, description = "`{identifier}.xml`")),
    responses((status = 200, description = "The CAP 1.2 message exactly as published", content_type = "application/cap+xml"), (status = 404, description = "No such message")))]
pub async fn document(
    State(state): State<CapState>,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    let not_found = || ApiError::not_found(format!("CAP message {file}"));
    let identifier = file.strip_suffix(".xml").ok_or_else(not_found)?;
    let row = sqlx::query("SELECT xml FROM cap_messages WHERE identifier = $1")
        .bind(identifier)
        .fetch_optional(&state.app.store.db().reader)
        .await
        .map_err(db_error)?
        .ok_or_else(not_found)?;
    let xml: String = row.try_get(0).map_err(db_error)?;
    Ok(([(CONTENT_TYPE, CAP_MEDIA_TYPE)], xml).into_response())
}
