//! The on-disk cache of prepared graphs, so that a restart does not contract again.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::ch::ContractionHierarchy;
use crate::error::{Result, RoutingError};
use crate::graph::RoadGraph;
use crate::router::{Router, RouterConfig};

/// Bumped whenever the stored layout or the preparation changes.
const CACHE_FORMAT: &str = "yingji-routing-ch-v1;fast_paths-1.0.0";

/// What [`load_or_prepare`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheOutcome {
    /// A cache file for exactly this graph was read.
    Loaded(PathBuf),
    /// The graph was prepared and the result written (no file, or an unreadable one).
    Prepared(PathBuf),
}

fn cache_path(cache_dir: &Path, graph: &RoadGraph) -> PathBuf {
    let mut hasher = Sha256::new();
    hasher.update(CACHE_FORMAT.as_bytes());
    hasher.update(graph.content_hash().as_bytes());
    let key = hex::encode(hasher.finalize());
    cache_dir.join(format!("routing-{}.ch", &key[..24]))
}

fn io_error(path: &Path, source: std::io::Error) -> RoutingError {
    RoutingError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Returns a router for `graph`, reading its prepared hierarchy from `cache_dir` when a file
/// for this exact graph (content hash) exists, else preparing it and writing the file
/// (atomically: a temporary file renamed into place). A corrupt file is replaced.
pub fn load_or_prepare(
    cache_dir: &Path,
    graph: RoadGraph,
    config: RouterConfig,
) -> Result<(Router, CacheOutcome)> {
    let path = cache_path(cache_dir, &graph);
    if let Ok(bytes) = fs::read(&path) {
        if let Ok(ch) = postcard::from_bytes::<ContractionHierarchy>(&bytes) {
            if ch.node_count() == graph.node_count() {
                return Ok((
                    Router::from_parts(graph, ch, config)?,
                    CacheOutcome::Loaded(path),
                ));
            }
        }
    }
    let ch = ContractionHierarchy::prepare(&graph)?;
    let bytes = postcard::to_stdvec(&ch).map_err(|e| RoutingError::Cache {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    fs::create_dir_all(cache_dir).map_err(|e| io_error(cache_dir, e))?;
    let tmp = path.with_extension("ch.tmp");
    fs::write(&tmp, bytes).map_err(|e| io_error(&tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| io_error(&path, e))?;
    Ok((
        Router::from_parts(graph, ch, config)?,
        CacheOutcome::Prepared(path),
    ))
}
