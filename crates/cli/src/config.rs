//! Server options: each from a flag, an environment variable or the config file, in that
//! order of precedence, else its documented default.

use anyhow::Context;
use clap::Args;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "yingji-data";

#[derive(Args, Debug, Clone, Default)]
pub struct ServerArgs {
    /// Address to listen on [env: YINGJI_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long, env = "YINGJI_LISTEN", hide_env = true)]
    pub listen: Option<SocketAddr>,
    /// Directory of the embedded store and caches [env: YINGJI_DATA_DIR] [default: ./yingji-data]
    #[arg(long, env = "YINGJI_DATA_DIR", hide_env = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: postgres://… for PostgreSQL; omit for the embedded SQLite file in the
    /// data directory [env: YINGJI_DATABASE]
    #[arg(long, env = "YINGJI_DATABASE", hide_env = true)]
    pub database: Option<String>,
    /// MQTT broker for SensorThings MQTT ingest, e.g. mqtt://127.0.0.1:1883 [env: YINGJI_MQTT]
    #[arg(long, env = "YINGJI_MQTT", hide_env = true)]
    pub mqtt: Option<String>,
    /// CAP feed URL of a neighbouring county to read (repeatable)
    #[arg(long = "neighbour-feed")]
    pub neighbour_feeds: Vec<String>,
    /// HTTP SMS gateway for public warnings [env: YINGJI_SMS_GATEWAY]
    #[arg(long, env = "YINGJI_SMS_GATEWAY", hide_env = true)]
    pub sms_gateway: Option<String>,
    /// HTTP controller of the emergency-broadcast system [env: YINGJI_BROADCAST_GATEWAY]
    #[arg(long, env = "YINGJI_BROADCAST_GATEWAY", hide_env = true)]
    pub broadcast_gateway: Option<String>,
    /// HTTP controller of the village loudspeakers [env: YINGJI_LOUDSPEAKER_GATEWAY]
    #[arg(long, env = "YINGJI_LOUDSPEAKER_GATEWAY", hide_env = true)]
    pub loudspeaker_gateway: Option<String>,
    /// Externally visible base URL, for links in feeds [env: YINGJI_PUBLIC_URL]
    #[arg(long, env = "YINGJI_PUBLIC_URL", hide_env = true)]
    pub public_url: Option<String>,
    /// Optional TOML file with `listen`, `data_dir`, `database`, `mqtt`, `sms_gateway`,
    /// `broadcast_gateway`, `loudspeaker_gateway`, `public_url` and `neighbour_feeds` keys [env: YINGJI_CONFIG]
    #[arg(long, env = "YINGJI_CONFIG", hide_env = true)]
    pub config: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database: Option<String>,
    mqtt: Option<String>,
    sms_gateway: Option<String>,
    broadcast_gateway: Option<String>,
    loudspeaker_gateway: Option<String>,
    public_url: Option<String>,
    #[serde(default)]
    neighbour_feeds: Vec<String>,
}

/// The options after precedence is applied.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database: Option<String>,
    pub options: yingji_server::ServerOptions,
}

impl ServerArgs {
    pub fn resolve(&self) -> anyhow::Result<ServerConfig> {
        let file = match &self.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let default_listen: SocketAddr =
            DEFAULT_LISTEN.parse().context("default listen address")?;
        let data_dir = self.data_dir.clone().or(file.data_dir);
        let data_dir = data_dir.unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let neighbour_feeds = if self.neighbour_feeds.is_empty() {
            file.neighbour_feeds
        } else {
            self.neighbour_feeds.clone()
        };
        Ok(ServerConfig {
            listen: self.listen.or(file.listen).unwrap_or(default_listen),
            database: self.database.clone().or(file.database),
            options: yingji_server::ServerOptions {
                data_dir: data_dir.clone(),
                mqtt: self.mqtt.clone().or(file.mqtt),
                neighbour_feeds,
                sms_gateway: self.sms_gateway.clone().or(file.sms_gateway),
                broadcast_gateway: self.broadcast_gateway.clone().or(file.broadcast_gateway),
                loudspeaker_gateway: self
                    .loudspeaker_gateway
                    .clone()
                    .or(file.loudspeaker_gateway),
                public_url: self.public_url.clone().or(file.public_url),
            },
            data_dir,
        })
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("config file {} is invalid", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_the_file_which_beats_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("yingji.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/yingji\"\n",
        )
        .unwrap();
        let args = ServerArgs {
            config: Some(path.clone()),
            data_dir: Some("/tmp/x".into()),
            ..Default::default()
        };
        let config = args.resolve().unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(config.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(config.database, None);
        let defaults = ServerArgs::default().resolve().unwrap();
        assert_eq!(defaults.listen.to_string(), DEFAULT_LISTEN);
        std::fs::write(&path, "listen = 5\n").unwrap();
        let err = ServerArgs {
            config: Some(path),
            ..Default::default()
        }
        .resolve()
        .unwrap_err();
        assert!(format!("{err:#}").contains("invalid"));
    }
}
