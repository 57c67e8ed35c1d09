//! The one application state, cheap to clone, shared by handlers and job workers. It is made
//! of platform parts only; the modules it serves come in as their manifests.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use secrecy::ExposeSecret;

use crate::cache::{MemoryCache, RedisCache, SharedCache};
use crate::config::Settings;
use crate::crypto::Keyring;
use crate::jobs::JobQueue;
use crate::lifecycle::Lifecycle;
use crate::manifest::Modules;
use crate::metrics::Metrics;
use crate::storage::{MongoStore, SqliteStore, Store};

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub cache: SharedCache,
    pub jobs: JobQueue,
    /// The modules this instance runs (`crate::modules::ALL`): their collections, jobs, routes.
    pub modules: Modules,
    pub metrics: Arc<Metrics>,
    pub lifecycle: Arc<Lifecycle>,
    /// Seals third-party tokens at rest.
    pub keys: Arc<Keyring>,
    /// Long-lived module services (one of each type per state, e.g. the graph's caches),
    /// made on first use; see [`Services`].
    pub services: Arc<Services>,
    /// This process, as a lease holder.
    pub instance: String,
}

impl AppState {
    /// Connects the engines the settings name and prepares every collection of `modules`
    /// with its indexes.
    pub async fn build(settings: Settings, modules: Modules) -> anyhow::Result<Self> {
        let mut sqlite = None;
        let store = open_store(&mut sqlite, &settings, modules).await?;
        let (cache, jobs): (SharedCache, JobQueue) = match &settings.storage.redis_url {
            Some(url) => {
                let redis =
                    RedisCache::connect(url.expose_secret(), &settings.storage.redis_prefix)?;
                let jobs = JobQueue::redis(redis.connection(), &settings);
                (Arc::new(redis), jobs)
            }
            None => {
                let pool = open_sqlite(&mut sqlite, &settings).await?.pool().clone();
                (
                    Arc::new(MemoryCache::default()),
                    JobQueue::sqlite(pool, &settings).await?,
                )
            }
        };
        let (settings_keys, data_dir) = (
            settings.security.encryption_keys.clone(),
            settings.storage.data_dir.clone(),
        );
        Ok(Self {
            services: Arc::default(),
            settings: Arc::new(settings),
            store,
            cache,
            jobs,
            modules,
            metrics: Arc::new(Metrics::new()),
            lifecycle: Arc::new(Lifecycle::default()),
            keys: Arc::new(Keyring::load(settings_keys.as_ref(), &data_dir)?),
            instance: ulid::Ulid::generate().to_string(),
        })
    }
}

/// The document store alone, prepared for `modules`: for a command that needs nothing else
/// (a backup or a restore moves documents, never jobs).
pub async fn store_only(settings: &Settings, modules: Modules) -> anyhow::Result<Store> {
    open_store(&mut None, settings, modules).await
}

async fn open_store(
    sqlite: &mut Option<SqliteStore>,
    settings: &Settings,
    modules: Modules,
) -> anyhow::Result<Store> {
    let store: Store = match &settings.storage.mongodb_uri {
        Some(uri) => Arc::new(
            MongoStore::connect(uri.expose_secret(), &settings.storage.mongodb_database).await?,
        ),
        None => Arc::new(open_sqlite(sqlite, settings).await?),
    };
    store
        .prepare(&modules.collections().collect::<Vec<_>>())
        .await
        .context("cannot prepare the document collections")?;
    Ok(store)
}

/// Opens the embedded database the first time something needs it; production opens none.
async fn open_sqlite(
    slot: &mut Option<SqliteStore>,
    settings: &Settings,
) -> anyhow::Result<SqliteStore> {
    if slot.is_none() {
        *slot = Some(SqliteStore::open(&settings.sqlite_path()).await?);
    }
    Ok(slot.clone().expect("opened above"))
}

/// Services that modules keep for the life of a state, one per type: a module asks for its own
/// with [`Services::get_or_init`], so that the state holds them without naming any module.
#[derive(Default)]
pub struct Services(Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>);

impl Services {
    /// The state's `T`, made by `init` the first time it is asked for.
    pub fn get_or_init<T: Any + Send + Sync>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        let mut services = self.0.lock().expect("services lock");
        let service = services
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(init()))
            .clone();
        service.downcast().expect("one service per type id")
    }
}
