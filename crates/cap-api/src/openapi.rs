//! The OpenAPI description of this module's paths.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(
        crate::warnings::create,
        crate::warnings::from_warning,
        crate::warnings::list,
        crate::warnings::get_one,
        crate::release::approve,
        crate::release::publish,
        crate::warnings::update,
        crate::release::cancel,
        crate::coverage::coverage,
        crate::feed::atom,
        crate::feed::document,
        crate::neighbours::list,
        crate::neighbours::geojson,
        crate::neighbours::poll_now,
    ),
    tags((name = "public-warnings", description = "Public warning release (CAP 1.2) and neighbour exchange"))
)]
struct CapApi;

pub fn document() -> utoipa::openapi::OpenApi {
    CapApi::openapi()
}
