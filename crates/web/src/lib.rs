//! yingji-web: the browser UI (the one map, the duty console, the public page), built from
//! `web/` with npm into `web/dist` and embedded in the binary, so a command vehicle with no
//! internet serves it from the same process as the API.
//!
//! Architecture invariant: this crate only serves static bytes. It holds no API handler and
//! no data access; the UI talks to the API like any other client. Its routes are a fixed,
//! explicit list (never a catch-all), so `/api`, `/sta`, `/cap`, `/healthz`, `/readyz` and
//! `/metrics` keep their own answers and their own 404s.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rust_embed::Embed;
use std::borrow::Cow;
use yingji_server::error::ApiError;
use yingji_server::{AppState, Module};

/// The output of `npm run build` in `web/`. In debug builds rust-embed reads the folder at
/// run time; in release builds the bytes are compiled in. A missing folder is allowed so the
/// Rust build never depends on Node; the UI then explains how to build it.
#[derive(Embed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Dist;

/// Client-side routes of the single-page app; each answers `index.html`.
pub const PAGES: [&str; 6] = [
    "/",
    "/login",
    "/app",
    "/app/{*rest}",
    "/public",
    "/public/{*rest}",
];

/// Asset names carry a content hash (Vite), so they may be cached for a year.
const ASSET_CACHE: &str = "public, max-age=31536000, immutable";
/// The page itself must be revalidated so a new binary's UI is picked up at once.
const PAGE_CACHE: &str = "no-cache";
/// Everything from this origin; MapLibre runs its workers from blob: URLs and draws
/// sprites from data: URLs; no CDN or tile server is ever contacted.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; worker-src 'self' blob:; \
    child-src 'self' blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; \
    frame-ancestors 'none'; base-uri 'self'";

/// Shown instead of the UI when the binary was built without `web/dist`.
pub const NOT_BUILT_PAGE: &str = "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\">\
<title>yingji</title><body style=\"font-family:sans-serif;margin:3em\">\
<h1>网页界面未构建 / The web UI was not built</h1>\
<p>The web UI was not built: run <code>npm ci &amp;&amp; npm run build</code> in <code>web/</code>, \
then rebuild yingji.</p><p>请在 <code>web/</code> 目录运行 <code>npm ci &amp;&amp; npm run build</code> 后重新构建。</p>\
<p>The API is unaffected: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a></p></body></html>";

#[derive(Debug, thiserror::Error)]
pub enum MountError {}

/// The UI's routes: the app pages, `/assets/*`, the few root files Vite copies from
/// `web/public`, and the report page's service worker `/sw.js` (made by the build; served
/// from the root so it may control `/app/report`, and revalidated like the page so a new
/// build's worker replaces the old one). The server gzips them when the browser accepts it.
pub async fn mount(_app: &AppState) -> Result<Module, MountError> {
    Ok(Module {
        routes: router(),
        openapi: utoipa::openapi::OpenApiBuilder::new().build(),
    })
}

fn router() -> Router {
    let mut routes = Router::new()
        .route("/assets/{*path}", get(asset))
        .route(
            "/favicon.svg",
            get(|| async { file("favicon.svg", PAGE_CACHE) }),
        )
        .route("/sw.js", get(|| async { file("sw.js", PAGE_CACHE) }));
    for page in PAGES {
        routes = routes.route(page, get(index));
    }
    routes
}

async fn index() -> Response {
    page(Dist::get("index.html").map(|f| f.data))
}

/// The app page, or the explanation when the UI was not built.
pub fn page(index_html: Option<Cow<'static, [u8]>>) -> Response {
    let (status, body) = match index_html {
        Some(bytes) => (StatusCode::OK, bytes),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            Cow::Borrowed(NOT_BUILT_PAGE.as_bytes()),
        ),
    };
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, PAGE_CACHE),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

async fn asset(Path(path): Path<String>) -> Response {
    file(&format!("assets/{path}"), ASSET_CACHE)
}

fn file(path: &str, cache: &'static str) -> Response {
    let Some(found) = Dist::get(path) else {
        return ApiError::not_found("asset").into_response();
    };
    let mime = found.metadata.mimetype();
    let content_type =
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        found.data,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_built_without_the_ui_says_how_to_build_it() {
        let response = page(None);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(NOT_BUILT_PAGE
            .contains("run <code>npm ci &amp;&amp; npm run build</code> in <code>web/</code>"));
    }

    #[test]
    fn the_page_forbids_other_origins() {
        let response = page(Some(Cow::Borrowed(b"<html></html>")));
        assert_eq!(response.status(), StatusCode::OK);
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.contains("default-src 'self'"));
        assert!(csp.contains("connect-src 'self'"));
    }
}
