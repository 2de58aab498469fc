//! The OpenAPI description of the HTTP API, assembled from the handlers' annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "yingji 应急 API", description = "County emergency command and early-warning platform"),
    paths(
        crate::auth::login,
        crate::auth::logout,
        crate::auth::me,
        crate::records::collections,
        crate::records::list,
        crate::records::read,
        crate::records::create,
        crate::records::update,
        crate::records::remove,
        crate::ops::healthz,
        crate::ops::readyz,
        crate::ops::errors,
        crate::ops::audit,
        crate::ops::audit_verify,
    ),
    components(schemas(crate::auth::LoginRequest)),
    tags((name = "auth"), (name = "registry", description = "Registry collections as GeoJSON"), (name = "ops"))
)]
pub struct ApiDoc;

pub async fn document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
