//! Routing benchmark on three real graphs from `routrs_highways_dataset`, side by side with
//! pgRouting (`pgr_dijkstraCost`) on the same edges and costs.
//!
//! Run: `cargo bench -p yingji-routing --bench routing`
//! pgRouting: PostgreSQL at 127.0.0.1:5432, user postgres, database `test`, trust auth, with
//! the `postgresql-15-pgrouting` package; override with `YINGJI_BENCH_PG` (a libpq-style
//! connection string). Without it the pgRouting columns say "n/a".

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use yingji_routing::analysis::{plan_evacuation, EvacuationArea, Shelter, Village};
use yingji_routing::{
    load_or_prepare, BoundingBox, CacheOutcome, ClosureSet, CostOverlay, LonLat, RoadGraph, Router,
    RouterConfig, RoutrsClip, RoutrsSpeedRule,
};

struct GraphSpec {
    name: &'static str,
    clip: RoutrsClip,
    pg_queries: usize,
    dijkstra_queries: usize,
}

fn specs() -> Vec<GraphSpec> {
    let bbox = |a, b, c, d| BoundingBox::new(a, b, c, d).expect("valid bbox");
    vec![
        GraphSpec {
            name: "Jizhou county + 1-hop buffer",
            clip: RoutrsClip::boxes(vec![bbox(117.0, 39.65, 117.95, 40.35)], true),
            pg_queries: 100,
            dijkstra_queries: 500,
        },
        GraphSpec {
            name: "Beijing-Tianjin-Hebei",
            clip: RoutrsClip::boxes(vec![bbox(113.4, 36.0, 119.9, 42.7)], false),
            pg_queries: 50,
            dijkstra_queries: 200,
        },
        GraphSpec {
            name: "China",
            clip: RoutrsClip::boxes(vec![bbox(73.0, 18.0, 135.0, 54.0)], false),
            pg_queries: 20,
            dijkstra_queries: 50,
        },
    ]
}

const ONE_TO_MANY_QUERIES: usize = 500;
const DESTINATIONS: usize = 100;

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

struct Pg {
    client: postgres::Client,
}

impl Pg {
    fn connect() -> Option<Pg> {
        let url = std::env::var("YINGJI_BENCH_PG")
            .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".to_string());
        let mut client = postgres::Client::connect(&url, postgres::NoTls).ok()?;
        client
            .batch_execute("CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE")
            .ok()?;
        Some(Pg { client })
    }

    fn load(&mut self, table: &str, graph: &RoadGraph) -> Result<(), postgres::Error> {
        self.client.batch_execute(&format!(
            "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id bigint, source bigint, target bigint, cost float8)"
        ))?;
        let mut writer = self.client.copy_in(&format!(
            "COPY {table} (id, source, target, cost) FROM STDIN"
        ))?;
        let mut text = String::new();
        for (i, (tail, head, millis, _)) in graph.directed_edges().enumerate() {
            let _ = writeln!(text, "{i}\t{tail}\t{head}\t{}", millis as f64 / 1000.0);
        }
        std::io::Write::write_all(&mut writer, text.as_bytes()).expect("COPY write");
        writer.finish()?;
        self.client.batch_execute(&format!("ANALYZE {table}"))?;
        Ok(())
    }

    /// Seconds from `origin` to each destination node (None when unreachable), and the time.
    fn one_to_many(
        &mut self,
        table: &str,
        origin: u32,
        destinations: &[u32],
    ) -> (Vec<Option<f64>>, Duration) {
        let ids: Vec<i64> = destinations.iter().map(|&d| d as i64).collect();
        let sql = format!(
            "SELECT end_vid, agg_cost FROM pgr_dijkstraCost('SELECT id, source, target, cost FROM {table}', $1::bigint, $2::bigint[], directed => true)"
        );
        let start = Instant::now();
        let rows = self
            .client
            .query(&sql, &[&(origin as i64), &ids])
            .expect("pgr_dijkstraCost");
        let elapsed = start.elapsed();
        let mut found = std::collections::HashMap::new();
        for row in rows {
            found.insert(row.get::<_, i64>(0), row.get::<_, f64>(1));
        }
        let answer = destinations
            .iter()
            .map(|&d| {
                if d == origin {
                    Some(0.0)
                } else {
                    found.get(&(d as i64)).copied()
                }
            })
            .collect();
        (answer, elapsed)
    }
}

struct Row {
    cells: Vec<String>,
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    let started = Instant::now();
    let json: &str = &routrs_highways_dataset::HIGHWAYS_JSON;
    let mut pg = Pg::connect();
    let cache_dir =
        std::env::temp_dir().join(format!("yingji-routing-bench-{}", std::process::id()));
    let mut rows: Vec<Row> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut county_router: Option<Router> = None;

    for (gi, spec) in specs().into_iter().enumerate() {
        let t = Instant::now();
        let graph = RoadGraph::from_routrs_str(json, &RoutrsSpeedRule::default(), &spec.clip)
            .expect("graph");
        let load_time = t.elapsed();
        let (nodes, segments) = (graph.node_count(), graph.segment_count());

        let hwm_before = vm_hwm_kib();
        let t = Instant::now();
        let (router, outcome) =
            load_or_prepare(&cache_dir, graph.clone(), RouterConfig::default()).expect("prepare");
        let prepare_time = t.elapsed();
        assert!(matches!(outcome, CacheOutcome::Prepared(_)));
        let hwm_growth_mib = (vm_hwm_kib().saturating_sub(hwm_before)) as f64 / 1024.0;
        let t = Instant::now();
        let (_, outcome) =
            load_or_prepare(&cache_dir, graph, RouterConfig::default()).expect("cache load");
        let cache_load_time = t.elapsed();
        let CacheOutcome::Loaded(cache_path) = outcome else {
            panic!("expected a cache hit")
        };
        let cache_mib =
            std::fs::metadata(&cache_path).map(|m| m.len()).unwrap_or(0) as f64 / 1_048_576.0;
        let memory_mib =
            (router.graph().heap_bytes() + router.hierarchy().heap_bytes()) as f64 / 1_048_576.0;

        // Random one-to-many queries between graph nodes (points exactly on nodes).
        let mut rng = ChaCha8Rng::seed_from_u64(42 + gi as u64);
        let n = nodes as u32;
        let queries: Vec<(u32, Vec<u32>)> = (0..ONE_TO_MANY_QUERIES)
            .map(|_| {
                (
                    rng.random_range(0..n),
                    (0..DESTINATIONS).map(|_| rng.random_range(0..n)).collect(),
                )
            })
            .collect();
        let at = |i: u32| router.graph().node(i).position;
        let free = CostOverlay::free_flow();
        let mut ch_times = Vec::new();
        let mut ch_answers = Vec::new();
        for (origin, destinations) in &queries {
            let dest_points: Vec<LonLat> = destinations.iter().map(|&d| at(d)).collect();
            let t = Instant::now();
            let table = router
                .travel_times(&[at(*origin)], &dest_points, &free)
                .expect("query");
            ch_times.push(t.elapsed());
            ch_answers.push(table.rows.into_iter().next().expect("one row"));
        }

        // Baseline: plain Dijkstra on the array graph (the path taken while closures are in
        // force; a no-op slow-down forces it).
        let mut closures = ClosureSet::new();
        let far = chrono::DateTime::parse_from_rfc3339("2100-01-01T00:00:00Z")
            .expect("date")
            .to_utc();
        closures
            .add(
                router.graph(),
                0,
                1.0,
                "benchmark: force live-cost search",
                far,
            )
            .expect("closure");
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .expect("date")
            .to_utc();
        let live = closures.overlay_at(now);
        let mut dijkstra_times = Vec::new();
        for (qi, (origin, destinations)) in queries.iter().take(spec.dijkstra_queries).enumerate() {
            let dest_points: Vec<LonLat> = destinations.iter().map(|&d| at(d)).collect();
            let t = Instant::now();
            let table = router
                .travel_times(&[at(*origin)], &dest_points, &live)
                .expect("query");
            dijkstra_times.push(t.elapsed());
            assert_eq!(
                table.rows[0], ch_answers[qi],
                "CH and Dijkstra disagree on query {qi}"
            );
        }

        // pgRouting on the same directed edges and costs.
        let mut pg_cells = (
            "n/a".to_string(),
            "n/a".to_string(),
            "n/a".to_string(),
            "n/a".to_string(),
        );
        if let Some(pg) = pg.as_mut() {
            let table = format!("bench_routing_{}", ["county", "region", "china"][gi]);
            let t = Instant::now();
            pg.load(&table, router.graph()).expect("load pg table");
            notes.push(format!(
                "{}: pgRouting edge table loaded in {:.1} s",
                spec.name,
                t.elapsed().as_secs_f64()
            ));
            let mut pg_times = Vec::new();
            let (mut max_rel, mut compared, mut disagreements) = (0.0f64, 0usize, 0usize);
            let mut reachability = Vec::new();
            for (qi, (origin, destinations)) in queries.iter().take(spec.pg_queries).enumerate() {
                let (answer, elapsed) = pg.one_to_many(&table, *origin, destinations);
                pg_times.push(elapsed);
                for ((ours, theirs), dest) in ch_answers[qi].iter().zip(&answer).zip(destinations) {
                    match (ours, theirs) {
                        (Some(a), Some(b)) => {
                            compared += 1;
                            let rel = (a - b).abs() / b.max(1e-9);
                            max_rel = max_rel.max(if *b == 0.0 { (a - b).abs() } else { rel });
                            if rel > 0.001 {
                                disagreements += 1;
                                reachability.push(format!(
                                    "node {origin}->{dest}: ours {a} s, pgRouting {b} s"
                                ));
                            }
                        }
                        (None, None) => {}
                        _ => {
                            disagreements += 1;
                            let same_place = router
                                .graph()
                                .nodes()
                                .iter()
                                .filter(|n| n.position == at(*dest))
                                .count();
                            reachability.push(format!(
                                "node {origin}->{dest}: ours {ours:?}, pgRouting {theirs:?}, nodes at the destination's position: {same_place}"
                            ));
                        }
                    }
                }
            }
            let pg_p50 = percentile(&mut pg_times, 0.5);
            let pg_p99 = percentile(&mut pg_times, 0.99);
            let ours_p50 = percentile(&mut ch_times.clone(), 0.5);
            pg_cells = (
                ms(pg_p50),
                ms(pg_p99),
                format!("{:.0}x", pg_p50.as_secs_f64() / ours_p50.as_secs_f64()),
                format!(
                    "{compared} pairs, max rel. diff {max_rel:.1e}, {disagreements} disagreeing{}{}",
                    if reachability.is_empty() { "" } else { ": " },
                    reachability.join("; ")
                ),
            );
        }

        // 1,000 x 100 table.
        let origins: Vec<LonLat> = (0..1000).map(|_| at(rng.random_range(0..n))).collect();
        let destinations: Vec<LonLat> = (0..100).map(|_| at(rng.random_range(0..n))).collect();
        let t = Instant::now();
        let table = router
            .travel_times(&origins, &destinations, &free)
            .expect("table");
        let table_time = t.elapsed();
        assert_eq!(table.rows.len(), 1000);

        // Isochrones: 30 minutes from random nodes.
        let mut iso_times = Vec::new();
        let mut iso_nodes = 0;
        for _ in 0..10 {
            let origin = at(rng.random_range(0..n));
            let t = Instant::now();
            let iso = router.isochrone(origin, 30.0, &free).expect("isochrone");
            iso_times.push(t.elapsed());
            iso_nodes += iso.reachable_nodes.len();
        }

        rows.push(Row {
            cells: vec![
                spec.name.to_string(),
                format!("{nodes} / {segments}"),
                format!("{:.2}", load_time.as_secs_f64()),
                format!("{:.2}", prepare_time.as_secs_f64()),
                format!("{:.1}", cache_load_time.as_secs_f64() * 1000.0),
                format!("{memory_mib:.1} / {cache_mib:.1} / {hwm_growth_mib:.0}"),
                ms(percentile(&mut ch_times, 0.5)),
                ms(percentile(&mut ch_times, 0.99)),
                ms(percentile(&mut dijkstra_times, 0.5)),
                pg_cells.0.clone(),
                pg_cells.1.clone(),
                pg_cells.2.clone(),
                ms(table_time),
                format!(
                    "{} ({} nodes avg)",
                    ms(percentile(&mut iso_times, 0.5)),
                    iso_nodes / 10
                ),
            ],
        });
        notes.push(format!(
            "{}: agreement with pgRouting: {}",
            spec.name, pg_cells.3
        ));
        if gi == 0 {
            county_router = Some(router);
        }
    }

    let evacuation = county_router.map(|router| evacuation_bench(&router));
    let _ = std::fs::remove_dir_all(&cache_dir);

    println!("| graph | nodes / segments | JSON load s | prepare s | cache load ms | memory MiB (graph+CH / cache file / peak RSS growth) | 1→100 p50 ms | 1→100 p99 ms | 1→100 Dijkstra p50 ms | pgRouting 1→100 p50 ms | pgRouting p99 ms | speed-up vs pgRouting (p50) | 1000×100 table ms | isochrone 30 min p50 ms |");
    println!("|{}", "---|".repeat(14));
    for row in rows {
        println!("| {} |", row.cells.join(" | "));
    }
    println!();
    for note in notes {
        println!("- {note}");
    }
    if let Some(line) = evacuation {
        println!("- {line}");
    }
    println!(
        "- total benchmark wall time {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

/// The county's evacuation: all 983 village units of `jizhou_villages.csv` and 95 shelters.
/// The CSV has no coordinates or populations, so each village is placed within 3 km of its
/// township's point and given 150-2,500 people (seeded); shelters sit at random village
/// positions with 2,000-12,000 places.
fn evacuation_bench(router: &Router) -> String {
    let shared = std::env::var("YINGJI_SHARED_DIR")
        .map(|d| PathBuf::from(d).join("data"))
        .unwrap_or_else(|_| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        });
    let towns: serde_json::Value = serde_json::from_reader(
        std::fs::File::open(shared.join("geo/jizhou_township_points.geojson"))
            .expect("township points"),
    )
    .expect("township json");
    let town_points: std::collections::HashMap<String, (f64, f64)> = towns["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            let c = &f["geometry"]["coordinates"];
            (
                f["properties"]["code"].as_str().expect("code").to_string(),
                (c[0].as_f64().expect("lon"), c[1].as_f64().expect("lat")),
            )
        })
        .collect();
    let csv =
        std::fs::read_to_string(shared.join("geo/jizhou_villages.csv")).expect("villages csv");
    let mut rng = ChaCha8Rng::seed_from_u64(983);
    let villages: Vec<Village> = csv
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            let (lon, lat) = *town_points.get(cols.get(2)?.trim())?;
            Some(Village {
                id: cols[0].to_string(),
                name: cols[1].to_string(),
                town: cols[3].to_string(),
                position: LonLat::new(
                    lon + rng.random_range(-0.035..0.035),
                    lat + rng.random_range(-0.027..0.027),
                )
                .ok()?,
                population: rng.random_range(150..2500),
            })
        })
        .collect();
    let shelters: Vec<Shelter> = (0..95)
        .map(|j| {
            let v = &villages[rng.random_range(0..villages.len())];
            Shelter {
                id: format!("shelter-{j}"),
                name: format!("shelter {j}"),
                position: v.position,
                capacity: Some(rng.random_range(2000..12000)),
            }
        })
        .collect();
    let t = Instant::now();
    let plan = plan_evacuation(
        router,
        &villages,
        &shelters,
        &EvacuationArea::All,
        &CostOverlay::free_flow(),
    )
    .expect("evacuation");
    let elapsed = t.elapsed();
    format!(
        "county evacuation: {} villages ({} people) to {} shelters ({} places): {} assigned, {} unassigned, {:.0} person-minutes; solved in {} ms (travel-time table + min-cost flow)",
        plan.villages,
        plan.total_people,
        shelters.len(),
        shelters.iter().filter_map(|s| s.capacity).sum::<i64>(),
        plan.assigned_people,
        plan.unassigned_people,
        plan.total_person_minutes,
        ms(elapsed)
    )
}
