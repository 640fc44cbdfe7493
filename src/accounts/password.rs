//! Password hashing with argon2, a bounded number at once. Each hash takes 19 MiB, and glibc
//! keeps what a thread freed in that thread's arena: unbounded concurrent logins on the
//! blocking pool's many threads pinned gigabytes. A semaphore bounds the hashes, and each one
//! hands its memory back to the system when done.

use std::sync::Arc;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

/// Checked against when the email is unknown, so both answers take as long.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    let decoy = super::secret::hex_token();
    Argon2::default().hash_password(decoy.as_bytes()).map(|h| h.to_string()).unwrap_or_default()
});

/// The hasher every request shares.
pub struct Passwords {
    permits: Arc<Semaphore>,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Passwords {
    /// At most `at_once` hashes at a time; 0 means one per CPU core.
    pub fn new(at_once: usize) -> Passwords {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let at_once = if at_once == 0 { cores } else { at_once };
        Passwords {
            permits: Arc::new(Semaphore::new(at_once)),
            running: Arc::default(),
            peak: Arc::default(),
        }
    }

    /// The most hashes that ever ran at once (for tests and the benchmark's story).
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    /// A PHC string for a new password.
    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let password = password.to_owned();
        let hashed = self
            .run(move || {
                Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string())
            })
            .await?;
        hashed.map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
    }

    /// Whether `password` matches `stored`; with no stored hash, a decoy is checked instead.
    pub async fn verify(&self, password: &str, stored: Option<String>) -> anyhow::Result<bool> {
        let password = password.to_owned();
        self.run(move || {
            let hash = stored.as_deref().unwrap_or(DECOY_HASH.as_str());
            Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
        })
        .await
    }

    /// Runs `job` on the blocking pool once a permit is free. The permit moves into the job, so
    /// a request given up on (timeout, closed connection) still holds it until the hash ends.
    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let permit = self.permits.clone().acquire_owned().await?;
        let (running, peak) = (self.running.clone(), self.peak.clone());
        tokio::task::spawn_blocking(move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let out = job();
            running.fetch_sub(1, Ordering::SeqCst);
            release_memory();
            drop(permit);
            out
        })
        .await
        .map_err(|e| anyhow::anyhow!("password hashing task failed: {e}"))
    }
}

/// Returns the hash's freed 19 MiB to the system: glibc would keep it in this thread's arena
/// (its mmap threshold rises past 19 MiB after the first free), once per blocking thread.
fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only gives free pages back; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_the_permits() {
        let passwords = Arc::new(Passwords::new(2));
        let checks = (0..6).map(|_| {
            let passwords = passwords.clone();
            tokio::spawn(async move { passwords.verify("guess", None).await })
        });
        for check in futures_util::future::join_all(checks).await {
            assert!(!check.expect("task").expect("verify"));
        }
        assert_eq!(passwords.peak(), 2);
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let passwords = Passwords::new(1);
        let hash = passwords.hash("correct horse").await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(passwords.verify("correct horse", Some(hash.clone())).await.expect("verify"));
        assert!(!passwords.verify("wrong horse", Some(hash)).await.expect("verify"));
    }
}
