//! Password hashing on threads of its own. Argon2id takes 19 MiB and a
//! core per hash: run at will on tokio's blocking pool, a storm of sign-ins
//! hashed on up to hundreds of threads at once, and glibc kept each
//! thread's 19 MiB after the hash was done (100 sign-ins: 1.9 GB). Here a
//! fixed number of threads take hashes from a queue in turn, so memory stays
//! at that many hashes' worth and the other cores stay free for requests.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

pub struct Hasher {
    jobs: Mutex<Sender<Job>>,
}

impl Hasher {
    /// `threads` hashing threads; they end when the `Hasher` is dropped.
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("pph-hash-{i}"))
                .spawn(move || work(&rx))?;
        }
        Ok(Hasher {
            jobs: Mutex::new(tx),
        })
    }

    /// Runs `f` on a hashing thread when one is free; None if the threads
    /// are gone (the server is stopping).
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.jobs.lock().ok()?.send(job).ok()?;
        rx.await.ok()
    }
}

fn work(jobs: &Mutex<Receiver<Job>>) {
    loop {
        let next = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        match next {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_the_hashing_threads_one_at_a_time_each() {
        let hasher = Arc::new(Hasher::new(1).expect("threads"));
        let busy = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let (hasher, busy) = (hasher.clone(), busy.clone());
                tokio::spawn(async move {
                    hasher
                        .run(move || {
                            let at_once =
                                busy.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                            let name = std::thread::current().name().map(str::to_owned);
                            busy.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                            (i, at_once, name)
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            let (_, at_once, name) = t.await.expect("task").expect("ran");
            assert_eq!(at_once, 1);
            assert_eq!(name.as_deref(), Some("pph-hash-0"));
        }
    }
}
