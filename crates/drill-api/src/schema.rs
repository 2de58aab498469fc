//! The drills table: one row per drill, its state, the scenario clock it reached and its
//! event log (JSON), which is all the evaluation needs.

use yingji_store::migrations::Migration;

const CREATE_DRILLS: &str = "CREATE TABLE drills (
    id TEXT PRIMARY KEY,
    scenario_id TEXT NOT NULL,
    title TEXT NOT NULL,
    scenario TEXT NOT NULL,
    speed DOUBLE PRECISION NOT NULL,
    autorespond BIGINT NOT NULL,
    state TEXT NOT NULL,
    account TEXT NOT NULL,
    clock_s BIGINT NOT NULL,
    events TEXT NOT NULL,
    started_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    updated_at TEXT NOT NULL
)";

pub const MIGRATIONS: &[Migration] = &[Migration {
    name: "drill_api_0001_drills",
    sqlite: CREATE_DRILLS,
    postgres: CREATE_DRILLS,
}];
