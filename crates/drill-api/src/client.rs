//! The drill talks to yingji the way sensors, officers and responders do: over its HTTP API,
//! signed in as the drill's own account.

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{method} {path}: {source}")]
    Transport {
        method: Method,
        path: String,
        source: reqwest::Error,
    },
    #[error("{method} {path}: HTTP {status}: {body}")]
    Refused {
        method: Method,
        path: String,
        status: StatusCode,
        body: String,
    },
}

/// A signed-in client of one yingji server.
#[derive(Clone)]
pub struct Target {
    base: String,
    http: reqwest::Client,
    token: String,
}

impl Target {
    pub async fn sign_in(base: &str, username: &str, password: &str) -> Result<Self, ClientError> {
        let mut target = Self {
            base: base.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
            token: String::new(),
        };
        let answer = target
            .call(
                Method::POST,
                "/api/v1/auth/login",
                Some(json!({"username": username, "password": password})),
                None,
            )
            .await?;
        target.token = answer["token"].as_str().unwrap_or_default().to_string();
        Ok(target)
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        idempotency_key: Option<&str>,
    ) -> Result<Value, ClientError> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if !self.token.is_empty() {
            request = request.bearer_auth(&self.token);
        }
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let transport = |source| ClientError::Transport {
            method: method.clone(),
            path: path.to_string(),
            source,
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let text = response.text().await.map_err(transport)?;
        if !status.is_success() {
            return Err(ClientError::Refused {
                method,
                path: path.to_string(),
                status,
                body: text.chars().take(500).collect(),
            });
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub(crate) async fn get(&self, path: &str) -> Result<Value, ClientError> {
        self.call(Method::GET, path, None, None).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Result<Value, ClientError> {
        self.call(Method::POST, path, Some(body), None).await
    }

    /// SensorThings Datastream ids by the dataset id they were seeded from.
    pub async fn datastreams(&self) -> Result<HashMap<String, i64>, ClientError> {
        let mut out = HashMap::new();
        let mut skip = 0;
        loop {
            let page = self
                .get(&format!("/sta/v1.1/Datastreams?$top=1000&$skip={skip}"))
                .await?;
            let items = page["value"].as_array().cloned().unwrap_or_default();
            for d in &items {
                if let (Some(record), Some(id)) =
                    (d["properties"]["record_id"].as_str(), d["@iot.id"].as_i64())
                {
                    out.insert(record.to_string(), id);
                }
            }
            if items.is_empty() || page.get("@iot.nextLink").is_none() {
                return Ok(out);
            }
            skip += items.len();
        }
    }

    pub async fn rules(&self) -> Result<Vec<yingji_monitoring::Rule>, ClientError> {
        let answer = self.get("/api/v1/rules").await?;
        Ok(answer["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| serde_json::from_value(r.clone()).ok())
            .collect())
    }

    /// One `CreateObservations` request (the gateway batch of SensorThings 1.1).
    pub async fn observe(
        &self,
        readings: &[(i64, f64)],
        at: DateTime<Utc>,
    ) -> Result<(), ClientError> {
        let time = yingji_domain::time::rfc3339(at);
        let body: Vec<Value> = readings
            .iter()
            .map(|(ds, value)| {
                json!({"Datastream": {"@iot.id": ds},
                       "components": ["phenomenonTime", "result"],
                       "dataArray": [[time, value]]})
            })
            .collect();
        self.post("/sta/v1.1/CreateObservations", Value::Array(body))
            .await
            .map(|_| ())
    }

    /// Files a field report; answers the incident it opened or joined.
    pub async fn report(&self, key: &str, body: Value) -> Result<Value, ClientError> {
        self.call(Method::POST, "/api/v1/reports", Some(body), Some(key))
            .await
    }

    pub async fn close_road(&self, body: Value) -> Result<Value, ClientError> {
        self.post("/api/v1/routing/closures", body).await
    }

    pub async fn team_status(&self, team: &str, body: Value) -> Result<Value, ClientError> {
        self.post(&format!("/api/v1/teams/{team}/position"), body)
            .await
    }

    /// The warnings of one drill (open, and lifted in the last day).
    pub async fn warnings(&self, drill: &str) -> Result<Vec<Value>, ClientError> {
        let answer = self.get(&format!("/api/v1/warnings?drill={drill}")).await?;
        Ok(answer["warnings"].as_array().cloned().unwrap_or_default())
    }

    pub async fn acknowledge(&self, warning: u64) -> Result<Value, ClientError> {
        self.post(
            &format!("/api/v1/warnings/{warning}/acknowledge"),
            json!({}),
        )
        .await
    }

    pub async fn incident(&self, id: &str) -> Result<Value, ClientError> {
        self.get(&format!("/api/v1/incidents/{id}")).await
    }

    pub async fn orders(&self, incident: &str) -> Result<Vec<Value>, ClientError> {
        let answer = self
            .get(&format!("/api/v1/incidents/{incident}/orders"))
            .await?;
        Ok(answer.as_array().cloned().unwrap_or_default())
    }

    /// Available teams of a type ranked by road travel time (the dispatch recommendation).
    pub async fn candidates(
        &self,
        incident: &str,
        team_type: &str,
    ) -> Result<Vec<Value>, ClientError> {
        let answer = self
            .get(&format!(
                "/api/v1/incidents/{incident}/dispatch?team_type={team_type}"
            ))
            .await?;
        Ok(answer.as_array().cloned().unwrap_or_default())
    }

    pub async fn send_order(&self, incident: &str, body: Value) -> Result<Value, ClientError> {
        self.post(&format!("/api/v1/incidents/{incident}/orders"), body)
            .await
    }

    pub async fn step_order(&self, order: &str, status: &str) -> Result<Value, ClientError> {
        self.post(
            &format!("/api/v1/orders/{order}/status"),
            json!({"status": status}),
        )
        .await
    }
}
