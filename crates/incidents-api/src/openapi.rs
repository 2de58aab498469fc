//! The OpenAPI description of this module's paths.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(
        crate::reports::submit,
        crate::incidents::list,
        crate::incidents::get_one,
        crate::incidents::create,
        crate::incidents::change_status,
        crate::incidents::add_note,
        crate::incidents::timeline,
    ),
    tags((name = "incidents", description = "Field reports, incidents, timeline, dispatch, plans, situation reports"))
)]
struct IncidentsApi;

pub fn document() -> utoipa::openapi::OpenApi {
    IncidentsApi::openapi()
}
