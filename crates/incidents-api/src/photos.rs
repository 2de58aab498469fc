//! Photos of field reports. A photo is uploaded first (`POST /api/v1/photos`, the image bytes
//! as the body) and a report then references it by its SHA-256. Photos are content-addressed
//! files under `<data dir>/photos/`: written to a temporary file, fsynced, renamed and the
//! directory fsynced before the upload is recorded and acknowledged, so the same bytes are
//! stored once however often they are sent. The type is told by the first bytes (JPEG, PNG,
//! WebP), never by the client's Content-Type. A report's photos are served at
//! `/api/v1/reports/{id}/photos/{n}` to those who may read the report.

use crate::access::may_read;
use crate::incidents::{audit_change, db_error};
use crate::IncidentsState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::Write;
use yingji_domain::{Role, TownCode};
use yingji_incidents::photo::{MAX_PHOTOS_PER_REPORT, MAX_PHOTO_BYTES};
use yingji_incidents::PhotoType;
use yingji_server::auth::{require_signed_in, Caller};
use yingji_server::error::{ApiError, ApiResult};
use yingji_store::sqlx_error::{self as sqlx, Row};

pub fn router() -> Router<IncidentsState> {
    Router::new()
        .route(
            "/api/v1/photos",
            // Room for the largest photo plus nothing else: the body is the image. This
            // overrides the server's default limit (2 MiB) for this route only.
            post(upload).layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES)),
        )
        .route("/api/v1/reports/{id}/photos/{n}", get(download))
}

/// An uploaded photo as a report references it.
#[derive(Debug, Clone, Serialize)]
pub struct PhotoRef {
    pub sha256: String,
    pub media_type: String,
    pub bytes: i64,
}

impl PhotoRef {
    /// The photo as a stored report lists it, with the address it is served at.
    pub fn describe(&self, report_id: &str, n: usize) -> Value {
        json!({
            "n": n,
            "sha256": self.sha256,
            "media_type": self.media_type,
            "bytes": self.bytes,
            "url": format!("/api/v1/reports/{report_id}/photos/{n}"),
        })
    }
}

fn is_sha256(raw: &str) -> bool {
    raw.len() == 64 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn photo_dir(state: &IncidentsState) -> std::path::PathBuf {
    state.app.options.data_dir.join("photos")
}

/// The photos a report references (`"photos": ["<sha256>", …]`), each one uploaded before.
pub async fn referenced(state: &IncidentsState, raw: Option<&Value>) -> ApiResult<Vec<PhotoRef>> {
    let items = match raw {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(ApiError::new(
                "invalid_value",
                "photos is a list of photo ids (SHA-256) returned by POST /api/v1/photos",
            )
            .field("photos"))
        }
    };
    if items.len() > MAX_PHOTOS_PER_REPORT {
        return Err(ApiError::new(
            "too_large",
            format!("at most {MAX_PHOTOS_PER_REPORT} photos per report"),
        )
        .field("photos"));
    }
    let mut photos = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("photos[{i}]");
        let id = item.as_str().filter(|id| is_sha256(id)).ok_or_else(|| {
            ApiError::new(
                "invalid_value",
                "a photo id is the 64 lowercase hex digits of its SHA-256",
            )
            .field(&field)
        })?;
        let photo = stored(state, id).await?.ok_or_else(|| {
            ApiError::new(
                "invalid_value",
                format!("photo {id} has not been uploaded; POST it to /api/v1/photos first"),
            )
            .field(&field)
        })?;
        photos.push(photo);
    }
    Ok(photos)
}

async fn stored(state: &IncidentsState, sha256: &str) -> ApiResult<Option<PhotoRef>> {
    let row = sqlx::query("SELECT sha256, media_type, bytes FROM inc_photos WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(&state.app.store.db().reader)
        .await
        .map_err(db_error)?;
    row.map(|row| {
        Ok(PhotoRef {
            sha256: row.try_get(0).map_err(db_error)?,
            media_type: row.try_get(1).map_err(db_error)?,
            bytes: row.try_get(2).map_err(db_error)?,
        })
    })
    .transpose()
}

/// Writes `bytes` as `dir/name` durably: temporary file, fsync, rename, fsync of the
/// directory. A file of that name is already complete (it only appears by rename).
fn write_durably(dir: &std::path::Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    if path.exists() {
        return Ok(());
    }
    let temporary = dir.join(format!("{name}.{:016x}.tmp", rand::random::<u64>()));
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, &path)?;
    std::fs::File::open(dir)?.sync_all()
}

#[utoipa::path(post, path = "/api/v1/photos", tag = "incidents",
    request_body(content = Vec<u8>, description = "The image itself (JPEG, PNG or WebP, at most 5 MiB; the type is read from its first bytes). Reference the returned `sha256` in a report's `photos` (at most 6).", content_type = "application/octet-stream"),
    responses((status = 201, description = "Stored: {sha256, media_type, bytes}"),
        (status = 200, description = "These bytes were stored before; the same answer"),
        (status = 413, description = "payload_too_large: over 5 MiB"),
        (status = 422, description = "invalid_value (field `photo`): not a JPEG, PNG or WebP")))]
pub async fn upload(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    require_signed_in(&principal)?;
    let may_upload = [
        Role::InfoOfficer,
        Role::TownOfficer,
        Role::DutyOfficer,
        Role::Admin,
    ]
    .iter()
    .any(|r| principal.has(*r));
    if !may_upload {
        return Err(ApiError::forbidden(
            "photos are uploaded by information, town or duty officers",
        ));
    }
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                "payload_too_large",
                format!("a photo is at most {MAX_PHOTO_BYTES} bytes"),
            )
            .field("photo")
        } else {
            ApiError::new("invalid_value", rejection.body_text()).field("photo")
        }
    })?;
    let kind = PhotoType::sniff(&bytes).ok_or_else(|| {
        ApiError::new(
            "invalid_value",
            "a photo is a JPEG, PNG or WebP image (told by its first bytes); this is not one",
        )
        .field("photo")
    })?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    if let Some(photo) = stored(&state, &sha256).await? {
        return Ok((StatusCode::OK, Json(photo)).into_response());
    }
    let dir = photo_dir(&state);
    let name = sha256.clone();
    let size = bytes.len();
    tokio::task::spawn_blocking(move || write_durably(&dir, &name, &bytes))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(|e| {
            tracing::error!(error = %e, "photo not written");
            ApiError::new("unavailable", "the photo could not be stored; try again")
        })?;
    let photo = PhotoRef {
        sha256,
        media_type: kind.media_type().to_string(),
        bytes: i64::try_from(size).map_err(|_| ApiError::internal())?,
    };
    let db = state.app.store.db();
    let now = Utc::now();
    let recorded = async {
        let mut tx = db.begin_write().await?;
        sqlx::query("INSERT INTO inc_photos (sha256, media_type, bytes, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&photo.sha256)
            .bind(&photo.media_type)
            .bind(photo.bytes)
            .bind(&principal.username)
            .bind(yingji_domain::time::rfc3339(now))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        audit_change(
            db,
            &mut tx,
            &principal,
            "photo.upload",
            &photo.sha256,
            (None, Some(&photo)),
            now,
        )
        .await?;
        tx.commit().await.map_err(db_error)
    };
    match recorded.await {
        Ok(()) => Ok((StatusCode::CREATED, Json(photo)).into_response()),
        // The same bytes uploaded at the same moment by someone else: stored once.
        Err(error) => match stored(&state, &photo.sha256).await? {
            Some(photo) => Ok((StatusCode::OK, Json(photo)).into_response()),
            None => Err(error),
        },
    }
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/photos/{n}", tag = "incidents",
    params(("id" = String, Path, description = "Report id"), ("n" = usize, Path, description = "Position in the report's `photos`, from 0")),
    responses((status = 200, description = "The image, with its media type"),
        (status = 404, description = "No such report in your jurisdiction, or no such photo")))]
pub async fn download(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Path((id, n)): Path<(String, usize)>,
) -> ApiResult<Response> {
    require_signed_in(&principal)?;
    let what = format!("report {id}");
    let row = sqlx::query("SELECT town_code, body FROM inc_reports WHERE id = $1")
        .bind(&id)
        .fetch_optional(&state.app.store.db().reader)
        .await
        .map_err(db_error)?
        .ok_or_else(|| ApiError::not_found(&what))?;
    let town: String = row.try_get(0).map_err(db_error)?;
    let town = TownCode::parse("town_code", &town).map_err(|_| ApiError::internal())?;
    may_read(&principal, &town, &what)?;
    let body: String = row.try_get(1).map_err(db_error)?;
    let body: Value = serde_json::from_str(&body).map_err(|_| ApiError::internal())?;
    let photo = body["photos"]
        .get(n)
        .ok_or_else(|| ApiError::not_found(format!("photo {n} of {what}")))?;
    let sha256 = photo["sha256"]
        .as_str()
        .filter(|s| is_sha256(s))
        .ok_or_else(ApiError::internal)?;
    let media_type = photo["media_type"]
        .as_str()
        .and_then(PhotoType::from_media_type)
        .ok_or_else(ApiError::internal)?
        .media_type();
    let bytes = tokio::fs::read(photo_dir(&state).join(sha256))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, sha256, "stored photo unreadable");
            ApiError::internal()
        })?;
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response())
}
