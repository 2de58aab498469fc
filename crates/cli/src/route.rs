//! `yingji route …`: routes, travel-time tables, isochrones, closures and the planning
//! analyses on the county graph, over the configured store (the same code the HTTP API runs).

use anyhow::anyhow;
use chrono::Utc;
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::process::ExitCode;
use yingji_domain::Principal;
use yingji_routing_api::analyses::{AerialRequest, AreaRequest, EvacuationRequest};
use yingji_routing_api::closures::ClosureRequest;
use yingji_routing_api::RoutingService;
use yingji_server::error::ApiError;

use crate::config::ServerArgs;

#[derive(Subcommand)]
pub enum RouteCommand {
    /// Fastest road route between two points
    Path {
        /// LON,LAT
        #[arg(long)]
        from: String,
        /// LON,LAT
        #[arg(long)]
        to: String,
        #[command(flatten)]
        common: Common,
    },
    /// Travel-time table (minutes) from every origin to every destination
    Table {
        /// LON,LAT (repeat, or separate with ';')
        #[arg(long, required = true, value_delimiter = ';')]
        from: Vec<String>,
        /// LON,LAT (repeat, or separate with ';')
        #[arg(long, required = true, value_delimiter = ';')]
        to: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
    /// The area reachable within N minutes
    Isochrone {
        /// LON,LAT
        #[arg(long)]
        at: String,
        #[arg(long)]
        minutes: f64,
        #[command(flatten)]
        common: Common,
    },
    /// Close (or, with --factor, slow) the road nearest a point until a time
    Close {
        /// LON,LAT
        #[arg(long)]
        at: String,
        #[arg(long)]
        reason: String,
        /// RFC 3339, e.g. 2026-07-30T18:00:00+08:00
        #[arg(long)]
        until: String,
        /// Slow-down factor (>= 1, 2 = half speed) instead of closing
        #[arg(long)]
        factor: Option<f64>,
        #[command(flatten)]
        common: Common,
    },
    /// List the closures in force
    Closures {
        #[command(flatten)]
        common: Common,
    },
    /// Lift a closure
    Reopen {
        id: String,
        #[command(flatten)]
        common: Common,
    },
    /// Villages beyond N minutes by road from every station of a type
    Coverage {
        /// fire, forest or rescue
        #[arg(long)]
        station_type: String,
        #[arg(long)]
        minutes: f64,
        #[command(flatten)]
        common: Common,
    },
    /// Villages a helicopter cannot reach in time
    Aerial {
        /// Helipad id or LON,LAT (default: every helipad)
        #[arg(long)]
        base: Option<String>,
        #[arg(long, default_value_t = 2.0)]
        hours: f64,
        #[arg(long, default_value_t = 200.0)]
        cruise_kmh: f64,
        #[arg(long, default_value_t = 15.0)]
        preparation_minutes: f64,
        #[command(flatten)]
        common: Common,
    },
    /// Assign the people of an area to open shelters, minimising person-minutes
    Evacuate {
        /// Town codes, comma-separated
        #[arg(long, value_delimiter = ',')]
        towns: Vec<String>,
        /// A hazard point id (with --radius-m)
        #[arg(long)]
        hazard_point: Option<String>,
        /// A centre LON,LAT (with --radius-m)
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        radius_m: Option<f64>,
        /// Only these shelter ids, comma-separated
        #[arg(long, value_delimiter = ',')]
        shelters: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Villages and people within a distance of a point or a hazard point
    Exposure {
        /// A centre LON,LAT
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        hazard_point: Option<String>,
        #[arg(long)]
        radius_m: f64,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Args)]
pub struct Common {
    /// Print GeoJSON instead of a table
    #[arg(long)]
    geojson: bool,
    #[command(flatten)]
    server: ServerArgs,
}

/// An API refusal as a CLI error: code, reason and the field at fault.
fn refused(e: ApiError) -> anyhow::Error {
    match e.field {
        Some(field) => anyhow!("{} ({field}): {}", e.code, e.message),
        None => anyhow!("{}: {}", e.code, e.message),
    }
}

fn lon_lat(field: &str, raw: &str) -> anyhow::Result<[f64; 2]> {
    let parts: Vec<f64> = raw
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| anyhow!("--{field} must be LON,LAT, got {raw:?}"))?;
    match parts[..] {
        [lon, lat] => Ok([lon, lat]),
        _ => Err(anyhow!("--{field} must be LON,LAT, got {raw:?}")),
    }
}

fn point(field: &str, raw: &str) -> anyhow::Result<yingji_routing::LonLat> {
    let [lon, lat] = lon_lat(field, raw)?;
    yingji_routing::LonLat::checked(lon, lat, field).map_err(|e| anyhow!("{e}"))
}

async fn service(common: &Common) -> anyhow::Result<RoutingService> {
    let config = common.server.resolve()?;
    let store = crate::open(&config).await?;
    Ok(RoutingService::open(store, &config.options.data_dir).await?)
}

fn print_json(value: &Value) -> anyhow::Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(ExitCode::SUCCESS)
}

fn minutes_text(value: &Value) -> String {
    value
        .as_f64()
        .map_or("unreachable".into(), |m| format!("{m:.1}"))
}

pub async fn run(command: RouteCommand) -> anyhow::Result<ExitCode> {
    let cli = Principal::system("cli");
    let now = Utc::now();
    match command {
        RouteCommand::Path { from, to, common } => {
            let (from, to) = (point("from", &from)?, point("to", &to)?);
            let answer = service(&common)
                .await?
                .route(from, to, now)
                .await
                .map_err(refused)?;
            if common.geojson {
                return print_json(&answer["feature"]);
            }
            if answer["status"] == "unreachable" {
                println!("unreachable: no road connects these points under the closures in force");
                return Ok(ExitCode::FAILURE);
            }
            println!(
                "travel time {:.1} min, distance {:.1} km ({:.1} km off-road), {} segments",
                answer["travel_time_s"].as_f64().unwrap_or_default() / 60.0,
                answer["distance_m"].as_f64().unwrap_or_default() / 1000.0,
                answer["offroad_m"].as_f64().unwrap_or_default() / 1000.0,
                answer["segments"].as_array().map_or(0, Vec::len),
            );
            Ok(ExitCode::SUCCESS)
        }
        RouteCommand::Table { from, to, common } => {
            let origins = from
                .iter()
                .map(|p| point("from", p))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let destinations = to
                .iter()
                .map(|p| point("to", p))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let table = service(&common)
                .await?
                .table(&origins, &destinations, now)
                .await
                .map_err(refused)?;
            if common.geojson {
                return print_json(&json!(table));
            }
            println!("minutes from \\ to\t{}", to.join("\t"));
            for (origin, row) in from.iter().zip(&table.minutes) {
                let cells: Vec<String> = row.iter().map(|m| minutes_text(&json!(m))).collect();
                println!("{origin}\t{}", cells.join("\t"));
            }
            Ok(ExitCode::SUCCESS)
        }
        RouteCommand::Isochrone {
            at,
            minutes,
            common,
        } => {
            let at = point("at", &at)?;
            let area = service(&common)
                .await?
                .isochrone(at, minutes, now)
                .await
                .map_err(refused)?;
            if common.geojson {
                return print_json(&area);
            }
            println!(
                "{} road junctions reachable within {minutes} min (use --geojson for the polygon)",
                area["properties"]["reachable_nodes"]
            );
            Ok(ExitCode::SUCCESS)
        }
        RouteCommand::Close {
            at,
            reason,
            until,
            factor,
            common,
        } => {
            let request = ClosureRequest {
                at: Some(lon_lat("at", &at)?),
                closed: factor.is_none().then_some(true),
                factor,
                reason: Some(reason),
                expires_at: Some(until),
                ..Default::default()
            };
            let closure = service(&common)
                .await?
                .create_closure(&cli, request, now)
                .await
                .map_err(refused)?;
            if common.geojson {
                return print_json(&json!(closure));
            }
            println!(
                "{} on segment {} ({}), town {}, until {}",
                closure.id,
                closure.segment,
                if closure.closed {
                    "closed".to_string()
                } else {
                    format!("slowed x{}", closure.factor)
                },
                closure.town_code.as_deref().unwrap_or("-"),
                closure.expires_at
            );
            Ok(ExitCode::SUCCESS)
        }
        RouteCommand::Closures { common } => {
            let service = service(&common).await?;
            if common.geojson {
                return print_json(&service.closures_geojson(now).await.map_err(refused)?);
            }
            let closures = service.active_closures(now).await.map_err(refused)?;
            println!("id\tsegment\tfactor\ttown\texpires_at\treason");
            for c in &closures {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    c.id,
                    c.segment,
                    if c.closed {
                        "closed".to_string()
                    } else {
                        c.factor.to_string()
                    },
                    c.town_code.as_deref().unwrap_or("-"),
                    c.expires_at,
                    c.reason
                );
            }
            println!("{} closures in force", closures.len());
            Ok(ExitCode::SUCCESS)
        }
        RouteCommand::Reopen { id, common } => {
            let closure = service(&common)
                .await?
                .delete_closure(&cli, &id, now)
                .await
                .map_err(refused)?;
            println!("{} lifted (segment {})", closure.id, closure.segment);
            Ok(ExitCode::SUCCESS)
        }
        RouteCommand::Coverage {
            station_type,
            minutes,
            common,
        } => {
            let result = service(&common)
                .await?
                .coverage(&cli, &station_type, minutes, now)
                .await
                .map_err(refused)?;
            if common.geojson {
                return print_json(&result["geojson"]);
            }
            let report = &result["report"];
            print_left_out(report, "covered", "nearest_station", "nearest station");
            println!(
                "{} villages ({} people) beyond {minutes} min of every {station_type} station ({} stations)",
                report["uncovered_villages"], report["uncovered_population"], report["stations"]
            );
            Ok(ExitCode::SUCCESS)
        }
        RouteCommand::Aerial {
            base,
            hours,
            cruise_kmh,
            preparation_minutes,
            common,
        } => {
            let request = AerialRequest {
                base,
                hours: Some(hours),
                cruise_kmh: Some(cruise_kmh),
                preparation_minutes: Some(preparation_minutes),
            };
            let result = service(&common)
                .await?
                .aerial(&cli, &request)
                .await
                .map_err(refused)?;
            if common.geojson {
                return print_json(&result["geojson"]);
            }
            let report = &result["report"];
            print_left_out(report, "reachable", "nearest_base", "nearest base");
            println!(
                "{} villages ({} people) beyond {hours} h by helicopter",
                report["unreachable_villages"], report["unreachable_population"]
            );
            Ok(ExitCode::SUCCESS)
        }
        RouteCommand::Evacuate {
            towns,
            hazard_point,
            at,
            radius_m,
            shelters,
            common,
        } => {
            let area = AreaRequest {
                towns: (!towns.is_empty()).then_some(towns),
                hazard_point,
                center: at.as_deref().map(|a| lon_lat("at", a)).transpose()?,
                radius_m,
                ..Default::default()
            };
            let request = EvacuationRequest {
                area,
                shelters: (!shelters.is_empty()).then_some(shelters),
            };
            let result = service(&common)
                .await?
                .evacuate(&cli, &request, now)
                .await
                .map_err(refused)?;
            if common.geojson {
                return print_json(&result["geojson"]);
            }
            let plan = &result["plan"];
            println!("village\tshelter\tpeople\tminutes");
            for a in plan["assignments"].as_array().into_iter().flatten() {
                println!(
                    "{}\t{}\t{}\t{}",
                    a["village_id"].as_str().unwrap_or_default(),
                    a["shelter_id"].as_str().unwrap_or_default(),
                    a["people"],
                    minutes_text(&a["minutes"])
                );
            }
            println!("\nshelter\tassigned\tcapacity");
            for s in plan["shelter_loads"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["assigned"] != 0)
            {
                println!(
                    "{}\t{}\t{}",
                    s["shelter_id"].as_str().unwrap_or_default(),
                    s["assigned"],
                    s["capacity"]
                );
            }
            for u in plan["unassigned"].as_array().into_iter().flatten() {
                println!(
                    "UNASSIGNED {} people of {}: {}",
                    u["people"],
                    u["village_id"].as_str().unwrap_or_default(),
                    u["reason"].as_str().unwrap_or_default()
                );
            }
            println!(
                "{} villages, {} people: {} assigned, {} unassigned, {:.0} person-minutes",
                plan["villages"],
                plan["total_people"],
                plan["assigned_people"],
                plan["unassigned_people"],
                plan["total_person_minutes"].as_f64().unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        RouteCommand::Exposure {
            at,
            hazard_point,
            radius_m,
            common,
        } => {
            let area = AreaRequest {
                hazard_point,
                center: at.as_deref().map(|a| lon_lat("at", a)).transpose()?,
                radius_m: Some(radius_m),
                ..Default::default()
            };
            let result = service(&common)
                .await?
                .exposure(&cli, &area)
                .await
                .map_err(refused)?;
            if common.geojson {
                return print_json(&result["geojson"]);
            }
            let report = &result["report"];
            for id in report["village_ids"].as_array().into_iter().flatten() {
                println!("{}", id.as_str().unwrap_or_default());
            }
            println!(
                "{} villages, {} people",
                report["villages"], report["population"]
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The villages an analysis leaves out (`flag` false: not covered, not reachable), one
/// tab-separated row each, with the nearest facility in the last column.
fn print_left_out(report: &Value, flag: &str, nearest: &str, nearest_header: &str) {
    println!("village\tname\ttown\tpopulation\tminutes\t{nearest_header}");
    for v in report["villages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v[flag] == false)
    {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            v["village_id"].as_str().unwrap_or_default(),
            v["name"].as_str().unwrap_or_default(),
            v["town"].as_str().unwrap_or_default(),
            v["population"],
            minutes_text(&v["minutes"]),
            v[nearest].as_str().unwrap_or("-"),
        );
    }
}
