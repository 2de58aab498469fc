//! Test support for every crate with HTTP routes: a real server on a free port over a
//! fresh store (each backend under test), with the county dataset and known accounts,
//! talked to over HTTP like any client. Panics are its way to fail a test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::bootstrap::{ensure_dataset, DatasetSource};
use crate::{AppState, Module};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use yingji_domain::{Jurisdiction, Principal, Role, TownCode};
use yingji_store::testing::{backends, TestStore};
use yingji_store::{NewUser, Store};

pub struct TestServer {
    pub backend: &'static str,
    pub base: String,
    pub client: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub state: AppState,
    _test_store: TestStore,
}

pub const PASSWORD: &str = "correct-horse-battery";

/// One server per backend with the core routes only.
pub async fn servers() -> Vec<TestServer> {
    servers_with(|_| async { Vec::new() }).await
}

/// One server per backend, each with the county dataset, the modules `mount` builds, and
/// these accounts (password [`PASSWORD`]): `duty` (district duty officer), `admin`,
/// `town100` (渔阳镇 120119100), `town101` (洇溜镇 120119101), `info100` (information
/// officer of 120119100), `approver` (district, approver), `feeder` (sensor feeder).
pub async fn servers_with<F, Fut>(mount: F) -> Vec<TestServer>
where
    F: Fn(AppState) -> Fut,
    Fut: Future<Output = Vec<Module>>,
{
    let mut out = Vec::new();
    for test_store in backends().await {
        let store = test_store.store.clone();
        ensure_dataset(store.as_ref(), DatasetSource::Embedded)
            .await
            .expect("dataset loads");
        let hash = crate::auth::hash_password(PASSWORD).unwrap();
        let accounts: [(&str, Role, Option<&str>); 7] = [
            ("duty", Role::DutyOfficer, None),
            ("admin", Role::Admin, None),
            ("town100", Role::TownOfficer, Some("120119100")),
            ("town101", Role::TownOfficer, Some("120119101")),
            ("info100", Role::InfoOfficer, Some("120119100")),
            ("approver", Role::Approver, None),
            ("feeder", Role::SensorFeeder, None),
        ];
        for (name, role, town) in accounts {
            let user = NewUser {
                id: format!("user-{name}"),
                username: name.into(),
                display_name: name.into(),
                password_hash: hash.clone(),
                roles: vec![role],
                jurisdiction: town
                    .map(|t| Jurisdiction::Town(TownCode::parse("", t).unwrap()))
                    .unwrap_or(Jurisdiction::District),
            };
            store
                .create_user(&Principal::system("test"), user, chrono::Utc::now())
                .await
                .unwrap();
        }
        let options = crate::ServerOptions {
            data_dir: test_store.dir().to_path_buf(),
            ..Default::default()
        };
        let state = crate::state(store.clone(), options).await.unwrap();
        let modules = mount(state.clone()).await;
        let app = crate::router(state.clone(), modules);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        out.push(TestServer {
            backend: test_store.name,
            base,
            client: reqwest::Client::new(),
            store,
            state,
            _test_store: test_store,
        });
    }
    out
}

impl TestServer {
    pub async fn token(&self, username: &str) -> String {
        let (status, body) = self
            .send(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                None,
                Some(serde_json::json!({"username": username, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, 200, "login {username}: {body}");
        body["token"].as_str().unwrap().to_string()
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, token, None).await
    }
}
