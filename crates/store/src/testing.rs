//! Test support: the same test runs against every backend. Panics are its way to fail a test.
//!
//! SQLite always runs, in a temporary directory. PostgreSQL runs when
//! `YINGJI_TEST_POSTGRES` holds a server URL (the README's test command and CI set it);
//! each test then gets a database of its own, created fresh. If the variable is set and the
//! server cannot be reached, the test fails: a requested backend is never silently skipped.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::{PostgresStore, SqliteStore, Store};
use sqlx::any::install_default_drivers;
use sqlx::Connection;
use std::sync::Arc;

impl TestStore {
    /// A scratch directory that lives as long as the store (data dir, caches).
    pub fn dir(&self) -> &std::path::Path {
        self.scratch.path()
    }
}

pub struct TestStore {
    pub name: &'static str,
    pub store: Arc<dyn Store>,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    scratch: tempfile::TempDir,
}

pub const POSTGRES_ENV: &str = "YINGJI_TEST_POSTGRES";

/// One migrated, empty store per backend under test.
pub async fn backends() -> Vec<TestStore> {
    let mut out = vec![sqlite().await];
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => out.push(postgres(&url).await),
        _ => eprintln!("note: {POSTGRES_ENV} is not set; testing SQLite only"),
    }
    out
}

pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("yingji.db");
    let store = SqliteStore::open(&path).await.expect("open SQLite");
    store.migrate().await.expect("migrate SQLite");
    TestStore {
        name: "sqlite",
        store: Arc::new(store),
        url: format!("sqlite://{}", path.display()),
        _dir: Some(dir),
        scratch: scratch(),
    }
}

/// A fresh database on the server at `admin_url`, named uniquely for this test.
pub async fn fresh_postgres_url(admin_url: &str) -> String {
    install_default_drivers();
    let name = format!(
        "yingji_t_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    let mut admin = sqlx::AnyConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| {
            panic!("{POSTGRES_ENV}={admin_url} was requested but cannot be reached: {e}")
        });
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
    let mut url = url::Url::parse(admin_url).expect("PostgreSQL URL");
    url.set_path(&name);
    url.to_string()
}

pub async fn postgres(admin_url: &str) -> TestStore {
    let url = fresh_postgres_url(admin_url).await;
    let store = PostgresStore::connect(&url)
        .await
        .expect("connect PostgreSQL");
    store.migrate().await.expect("migrate PostgreSQL");
    TestStore {
        name: "postgres",
        store: Arc::new(store),
        url,
        _dir: None,
        scratch: scratch(),
    }
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}
