//! Who a session token belongs to, remembered for a few seconds. Every authenticated request
//! resolves its token; without this, a surge of field reports spends a database read (and two
//! thread hops into sqlx's SQLite worker) per request just to learn the same answer again.
//!
//! Staleness is bounded by [`TTL`]: signing out on this server forgets the token at once; a
//! session ended elsewhere (another server on the same PostgreSQL, or its expiry) is still
//! honoured here for at most `TTL`. Hand-written rather than a cache crate because it needs
//! only a map, a time stamp and a size cap.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use yingji_domain::Principal;

/// How long a resolved token is trusted without asking the store again.
pub const TTL: Duration = Duration::from_secs(5);
/// Beyond this many tokens the cache is emptied; a county has far fewer signed-in users.
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, (Principal, Instant)>>,
}

impl SessionCache {
    /// The principal of a token hash resolved less than `TTL` ago.
    pub fn get(&self, token_hash: &str) -> Option<Principal> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(token_hash)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(principal, _)| principal.clone())
    }

    pub fn insert(&self, token_hash: String, principal: Principal) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (_, at)| at.elapsed() < TTL);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(token_hash, (principal, Instant::now()));
    }

    /// Forgets a token (sign-out), so it is refused on the next request.
    pub fn forget(&self, token_hash: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(token_hash);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_until_forgotten() {
        let cache = SessionCache::default();
        let principal = Principal::anonymous();
        assert!(cache.get("h").is_none());
        cache.insert("h".into(), principal.clone());
        assert_eq!(cache.get("h").map(|p| p.username), Some(principal.username));
        cache.forget("h");
        assert!(cache.get("h").is_none());
    }

    #[test]
    fn stays_bounded() {
        let cache = SessionCache::default();
        for n in 0..=MAX_ENTRIES {
            cache.insert(n.to_string(), Principal::anonymous());
        }
        let len = cache.entries.lock().map(|e| e.len()).unwrap_or(usize::MAX);
        assert!(len <= MAX_ENTRIES, "{len} entries");
        assert!(cache.get(&MAX_ENTRIES.to_string()).is_some());
    }
}
