//! The one error shape of the HTTP API, `{"error": {"code", "message", "field"}}`, and the
//! table of its stable codes. Client mistakes are 4xx with a reason; server faults are
//! logged and answered with a bare 500 that leaks nothing.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use yingji_domain::{FieldError, FieldErrors};
use yingji_store::StoreError;

/// Every error code the API can answer with, its status and its meaning. Codes are
/// stable: clients may branch on them. `/api/v1/errors` serves this table.
pub const ERROR_CODES: &[(&str, u16, &str)] = &[
    (
        "invalid_json",
        400,
        "The body is not valid JSON or not of the expected shape.",
    ),
    (
        "invalid_query",
        400,
        "A query parameter is malformed (e.g. bbox).",
    ),
    (
        "unauthenticated",
        401,
        "Sign in first: no valid session cookie, bearer token or Basic credentials.",
    ),
    (
        "forbidden",
        403,
        "Signed in, but this role or jurisdiction may not do that.",
    ),
    (
        "not_found",
        404,
        "No such resource, or the collection name is unknown.",
    ),
    ("duplicate_id", 409, "A record with this ID exists already."),
    (
        "invalid_transition",
        409,
        "The state of the resource does not allow this step (e.g. a lifted warning).",
    ),
    (
        "duplicate_username",
        409,
        "An account with this username exists already.",
    ),
    (
        "version_conflict",
        409,
        "The record changed since the version given in If-Match.",
    ),
    (
        "payload_too_large",
        413,
        "The body exceeds the limit for this endpoint.",
    ),
    (
        "unsupported_media_type",
        415,
        "Send JSON with Content-Type: application/json.",
    ),
    ("required", 422, "A required field is missing."),
    (
        "invalid_value",
        422,
        "A field's value is of the wrong type, out of range or not allowed.",
    ),
    (
        "invalid_id",
        422,
        "An ID must be 1–64 letters, digits, '-', '_', '.' or ':'.",
    ),
    (
        "invalid_code",
        422,
        "An NBS division code has the wrong number of digits.",
    ),
    (
        "invalid_coordinate",
        422,
        "A coordinate is not a finite WGS84 longitude/latitude.",
    ),
    (
        "invalid_geojson",
        422,
        "The GeoJSON geometry is malformed or of the wrong type.",
    ),
    ("invalid_time", 422, "A time is not RFC 3339."),
    (
        "outside_county",
        422,
        "A location lies outside the county boundary.",
    ),
    (
        "outside_graph",
        422,
        "A point lies too far from every road of the routing graph.",
    ),
    (
        "unknown_town",
        422,
        "The town code names no town of this county.",
    ),
    (
        "too_large",
        422,
        "A field or the properties exceed their size limit.",
    ),
    (
        "import_failed",
        422,
        "Rows of an import have errors; nothing was imported.",
    ),
    ("self_approval", 403, "A public warning must be approved by someone other than its author."),
    (
        "idempotency_conflict",
        409,
        "This Idempotency-Key was already used for different content; send new content with a new key.",
    ),
    ("wrong_state", 409, "The resource is not in a state that allows this step (e.g. publishing an unapproved warning)."),
    ("bad_credentials", 401, "Wrong username or password."),
    ("unavailable", 503, "The store cannot be reached right now."),
    (
        "internal",
        500,
        "A fault on the server; it is logged. Not the client's mistake.",
    ),
];

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// Further problems found in the same input, so a client can fix them all at once.
    pub more: Vec<FieldError>,
}

impl ApiError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        let status = ERROR_CODES
            .iter()
            .find(|(c, _, _)| *c == code)
            .and_then(|(_, s, _)| StatusCode::from_u16(*s).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            more: Vec::new(),
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::new("not_found", format!("{what} not found"))
    }

    pub fn forbidden(why: impl Into<String>) -> Self {
        Self::new("forbidden", why)
    }

    pub fn internal() -> Self {
        Self::new("internal", "internal error; it has been logged")
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        Self::new(e.code, e.message).field(e.field)
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        let mut all = errors.0.into_iter();
        match all.next() {
            Some(first) => Self {
                more: all.collect(),
                ..Self::from(first)
            },
            None => Self::new("invalid_value", "invalid input"),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { kind, id } => Self::not_found(format!("{kind} {id}")),
            StoreError::Conflict { code, message } => Self::new(code, message),
            StoreError::Database(sqlx_error) if is_unavailable(&sqlx_error) => {
                tracing::error!(error = %sqlx_error, "store unavailable");
                Self::new("unavailable", "the store cannot be reached; try again")
            }
            other => {
                tracing::error!(error = %other, "store failure");
                Self::internal()
            }
        }
    }
}

fn is_unavailable(e: &yingji_store::sqlx_error::Error) -> bool {
    matches!(
        e,
        yingji_store::sqlx_error::Error::PoolTimedOut
            | yingji_store::sqlx_error::Error::PoolClosed
            | yingji_store::sqlx_error::Error::Io(_)
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        metrics::counter!("yingji_http_errors_total", "code" => self.code).increment(1);
        let more: Vec<_> = self
            .more
            .iter()
            .map(|e| json!({"code": e.code, "message": e.message, "field": e.field}))
            .collect();
        let mut body =
            json!({"error": {"code": self.code, "message": self.message, "field": self.field}});
        if !more.is_empty() {
            body["error"]["more"] = serde_json::Value::Array(more);
        }
        (self.status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
