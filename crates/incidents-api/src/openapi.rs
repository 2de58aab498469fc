//! The OpenAPI description of this module's paths.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(
        crate::reports::submit,
        crate::reports::list,
        crate::photos::upload,
        crate::photos::download,
        crate::incidents::list,
        crate::incidents::get_one,
        crate::incidents::create,
        crate::incidents::change_status,
        crate::incidents::add_note,
        crate::incidents::timeline,
        crate::dispatch::candidates,
        crate::dispatch::list_orders,
        crate::dispatch::create_order,
        crate::dispatch::step_order,
        crate::dispatch::report_position,
        crate::plans::list_plans,
        crate::plans::activate,
        crate::plans::list_tasks,
        crate::plans::step_task,
        crate::sitrep::situation_report,
    ),
    tags((name = "incidents", description = "Field reports, incidents, timeline, dispatch, plans, situation reports"))
)]
struct IncidentsApi;

pub fn document() -> utoipa::openapi::OpenApi {
    IncidentsApi::openapi()
}
