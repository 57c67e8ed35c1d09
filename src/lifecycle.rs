//! Where the process is in its life: serving, or draining after SIGTERM. Readiness turns 503 and
//! long jobs stop at a checkpoint the moment draining begins.

use tokio::sync::watch;

#[derive(Debug)]
pub struct Lifecycle {
    draining: watch::Sender<bool>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            draining: watch::Sender::new(false),
        }
    }
}

impl Lifecycle {
    pub fn begin_shutdown(&self) {
        self.draining.send_replace(true);
    }

    pub fn is_draining(&self) -> bool {
        *self.draining.borrow()
    }

    /// Resolves once draining has begun (at once if it has).
    pub async fn until_draining(&self) {
        let mut draining = self.draining.subscribe();
        // The sender lives as long as `self`, so the wait ends only by draining.
        let _ = draining.wait_for(|draining| *draining).await;
    }
}
