//! Runs a long sequence of store calls (a fixture load, a reset) on a blocking thread that
//! polls it in a tight loop for a moment before it sleeps.
//!
//! Every statement is a round trip to the connection's worker thread. Awaited on a tokio
//! worker, each one puts both threads to sleep and wakes them again; on this kind of virtual
//! machine a wake-up costs tens of microseconds, and a load of the default fixtures is about
//! 120 statements (perf: 45 % of a reset's samples were the kernel switching threads). Polled
//! here, the thread that waits is still running when the answer arrives, so only the worker
//! thread is woken. The spin is bounded ([`SPIN`]): a statement that takes longer (a large
//! load) finds this thread asleep, as an await would. Not used at start-up: there the router
//! is being built on the other core, and a spinning thread took CPU from it and from the
//! database thread (the fastest starts were 3–4 ms slower).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

/// How long a wait spins before it sleeps: longer than a round trip (tens of microseconds),
/// short enough that a slow statement costs little CPU.
const SPIN: Duration = Duration::from_micros(200);

/// Runs `future` to completion on a blocking thread inside the current runtime (its timers and
/// I/O still work), busy-polling between wake-ups. It finishes even if the caller stops
/// waiting: a reset or load is one transaction, committed or rolled back whole.
pub async fn run<F, T>(future: F) -> T
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let runtime = tokio::runtime::Handle::current();
    let done = tokio::task::spawn_blocking(move || {
        let _entered = runtime.enter();
        block_on(future)
    })
    .await;
    match done {
        Ok(value) => value,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}

struct Woken {
    flag: AtomicBool,
    thread: std::thread::Thread,
}

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.flag.store(true, Ordering::Release);
        // Cheap when the thread is spinning: it only parks after the spin.
        self.thread.unpark();
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let woken = Arc::new(Woken {
        flag: AtomicBool::new(false),
        thread: std::thread::current(),
    });
    let waker = Waker::from(woken.clone());
    let mut context = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut context) {
            return value;
        }
        let waiting = Instant::now();
        while !woken.flag.swap(false, Ordering::Acquire) {
            if waiting.elapsed() < SPIN {
                std::hint::spin_loop();
            } else {
                // A wake between the check and the park leaves the thread's token set, so the
                // park returns at once.
                std::thread::park();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_a_future_that_waits_on_the_runtime_to_its_end() {
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            tx.send(41).ok();
        });
        let value = run(async move {
            // A timer of the runtime, from the blocking thread: the runtime is entered.
            tokio::time::sleep(Duration::from_millis(1)).await;
            rx.await.unwrap_or(0) + 1
        })
        .await;
        assert_eq!(value, 42);
    }

    #[tokio::test]
    async fn a_panic_inside_reaches_the_caller() {
        let caught = tokio::spawn(run(async { panic!("inside") })).await;
        assert!(caught.is_err_and(|e| e.is_panic()));
    }
}
