//! Services one capability module builds and another uses, one instance per server: the
//! prepared road graph is the example — routing answers `/api/v1/routing/…` with it, and
//! dispatch ranks teams with the same graph and the same closures, never a second copy.
//!
//! The registry is keyed by type, so the server knows nothing of what modules share; the
//! module that owns a service also owns how it is built, and whichever module asks first
//! builds it (mount order does not matter).

use std::future::Future;
use std::sync::Arc;
use tokio::sync::Mutex;

#[derive(Clone, Default)]
pub struct Services(Arc<Mutex<axum::http::Extensions>>);

impl Services {
    /// The registered `T`, built by `init` on first use. The lock is held while `init`
    /// runs, so two modules asking at once build it once.
    pub async fn get_or_try_init<T, E, F, Fut>(&self, init: F) -> Result<T, E>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut registry = self.0.lock().await;
        if let Some(found) = registry.get::<T>() {
            return Ok(found.clone());
        }
        let built = init().await?;
        registry.insert(built.clone());
        Ok(built)
    }

    /// The registered `T`, if some module built it.
    pub async fn get<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.0.lock().await.get::<T>().cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_service_is_built_once_and_shared() {
        let services = Services::default();
        let first: Result<Arc<String>, ()> = services
            .get_or_try_init(|| async { Ok(Arc::new("graph".to_string())) })
            .await;
        let second: Result<Arc<String>, ()> = services
            .get_or_try_init(|| async { panic!("built twice") })
            .await;
        assert!(Arc::ptr_eq(&first.unwrap(), &second.unwrap()));
    }

    #[tokio::test]
    async fn a_failed_build_registers_nothing() {
        let services = Services::default();
        let failed: Result<u32, &str> = services.get_or_try_init(|| async { Err("no") }).await;
        assert_eq!(failed, Err("no"));
        assert_eq!(services.get::<u32>().await, None);
    }
}
