//! The HTTP/1.1 server. Connections are served by worker threads, one per core by default, each
//! running its own single-threaded runtime with its own event loop, the way NGINX runs one
//! worker process per core. A connection stays on its worker for its whole life: reading a
//! request, answering it and reading the next one never cross threads.
//!
//! The accepting task gives each new connection to the worker for the core its packets arrive
//! on, so that a client, the kernel's work for its packets and the worker answering it share a
//! core and wake each other without interrupting another (a worker already holding far more
//! connections than another is passed over). On the 2-core test machine, with the load
//! generator on the same cores, a cached read went from 0.34 to about 0.6 of NGINX serving the
//! same bytes (docs/performance.md): a shared work-stealing runtime passes every ready
//! connection through one event loop and wakes idle threads to steal work, and that cost more
//! than the read itself.
//!
//! Each worker can have an application of its own ([`serve_each`]): magasin gives each one its
//! own database pool, so that a query's answer wakes the worker that waits for it. The
//! background tasks (pools' upkeep, the shared cache's round trips, the ledger's verifier) stay
//! on the runtime that calls [`serve`].

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tower::ServiceExt;

/// How the server treats connections.
#[derive(Clone, Copy, Debug)]
pub struct ServerLimits {
    /// Longest wait for a request's complete headers, counted from the connection's opening or
    /// from the end of the previous answer: it closes connections whose client sends headers
    /// too slowly, or nothing, and idle keep-alive connections.
    pub header_read_timeout: Duration,
    /// Most connections served at once; more wait in the listen backlog until one closes.
    pub max_connections: usize,
    /// Time given to in-flight requests after shutdown is asked.
    pub shutdown_grace: Duration,
    /// Threads serving connections (at least one).
    pub workers: usize,
}

/// One worker per core the process may use.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(20),
            workers: default_workers(),
        }
    }
}

/// Serves `app` (HTTP/1.1) on `listener` with `limits.workers` workers until `shutdown`
/// resolves, then lets in-flight requests finish (for at most `limits.shutdown_grace`). Each
/// request knows its peer's address (`ConnectInfo`), which decides whether its forwarded
/// headers are believed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    limits: ServerLimits,
) -> std::io::Result<()> {
    let apps = vec![app; limits.workers.max(1)];
    serve_each(listener, apps, shutdown, limits).await
}

/// Like [`serve`], with one worker per application in `apps` (`limits.workers` is not read).
pub async fn serve_each(
    listener: TcpListener,
    apps: Vec<Router>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    limits: ServerLimits,
) -> std::io::Result<()> {
    if apps.is_empty() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "no worker to serve connections"));
    }
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut workers = Workers::start(&apps, limits.header_read_timeout)?;
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        match stream.into_std() {
            Ok(stream) => workers.hand(Accepted { stream, peer, permit, watcher: graceful.watcher() }),
            Err(error) => tracing::warn!(%error, %peer, "a connection could not be handed to a worker"),
        }
    }
    drop(listener);
    workers.close_queues();
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(grace_seconds = limits.shutdown_grace.as_secs(), "in-flight requests did not finish in time; exiting");
        }
    }
    workers.stop().await;
    Ok(())
}

/// A connection on its way to a worker, with what it holds while it is open.
struct Accepted {
    stream: std::net::TcpStream,
    peer: SocketAddr,
    /// Its place among `max_connections`, given back when the connection ends.
    permit: OwnedSemaphorePermit,
    /// Lets the graceful shutdown finish the connection's current request, then close it.
    watcher: Watcher,
}

/// The worker threads and what the accepting task knows of them.
struct Workers {
    workers: Vec<Worker>,
    /// Where the search for the least busy worker starts, so ties take turns.
    next: usize,
}

struct Worker {
    /// `None` once the server stops accepting.
    queue: Option<mpsc::UnboundedSender<Accepted>>,
    /// Connections handed to this worker and not yet closed.
    open: Arc<AtomicUsize>,
    /// Dropped when the worker may stop (the grace period is over).
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Workers {
    fn start(apps: &[Router], header_read_timeout: Duration) -> std::io::Result<Self> {
        let mut workers = Vec::with_capacity(apps.len());
        for (index, app) in apps.iter().enumerate() {
            let (queue, connections) = mpsc::unbounded_channel();
            let (stop, stopped) = oneshot::channel();
            let open = Arc::new(AtomicUsize::new(0));
            let work = WorkerLoop { app: app.clone(), open: open.clone(), header_read_timeout };
            let thread = std::thread::Builder::new().name(format!("magasin-http-{index}")).spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
                runtime.block_on(work.run(connections, stopped));
                // Connections still open past the grace period are dropped here.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?;
            workers.push(Worker { queue: Some(queue), open, stop: Some(stop), thread: Some(thread) });
        }
        Ok(Self { workers, next: 0 })
    }

    /// Gives the connection to the worker for the core its packets arrive on (the kernel's
    /// `SO_INCOMING_CPU`), so that a client, the kernel's work for its packets and the worker
    /// answering it stay on one core; unless that worker already holds too many more connections
    /// than the least busy one, which then takes it.
    fn hand(&mut self, accepted: Accepted) {
        let open: Vec<usize> = self.workers.iter().map(|w| w.open.load(Ordering::Relaxed)).collect();
        let incoming_cpu = socket2::SockRef::from(&accepted.stream).cpu_affinity().ok();
        let first = choose(&open, incoming_cpu, self.next);
        self.next = (self.next + 1) % self.workers.len();
        let mut accepted = accepted;
        for i in (0..self.workers.len()).map(|k| (first + k) % self.workers.len()) {
            let worker = &self.workers[i];
            let Some(queue) = &worker.queue else { continue };
            worker.open.fetch_add(1, Ordering::Relaxed);
            match queue.send(accepted) {
                Ok(()) => return,
                Err(mpsc::error::SendError(back)) => {
                    // The worker's thread is gone (it panicked): another one serves.
                    worker.open.fetch_sub(1, Ordering::Relaxed);
                    accepted = back;
                }
            }
        }
        tracing::error!(peer = %accepted.peer, "no worker is left to serve a connection; closing it");
    }

    /// No more connections: each worker goes on serving those it has.
    fn close_queues(&mut self) {
        for worker in &mut self.workers {
            worker.queue = None;
        }
    }

    /// Lets every worker stop, and waits for their threads.
    async fn stop(mut self) {
        let threads: Vec<_> = self
            .workers
            .iter_mut()
            .filter_map(|worker| {
                worker.stop = None;
                worker.thread.take()
            })
            .collect();
        let joined = tokio::task::spawn_blocking(move || {
            for thread in threads {
                if thread.join().is_err() {
                    tracing::error!("a worker thread panicked");
                }
            }
        });
        let _ = joined.await;
    }
}

/// The worker for a new connection, given each worker's open connections: the one for the core
/// the connection arrived on (when the kernel says), unless it holds more than twice the least
/// busy worker's connections plus [`SLACK`]; otherwise the least busy, ties taking turns from
/// `turn`.
fn choose(open: &[usize], incoming_cpu: Option<usize>, turn: usize) -> usize {
    let count = open.len().max(1);
    let least = (0..count).map(|k| (turn + k) % count).min_by_key(|&i| open.get(i).copied().unwrap_or(0)).unwrap_or(0);
    match incoming_cpu.map(|cpu| cpu % count) {
        Some(local) if open.get(local).copied().unwrap_or(0) <= 2 * open.get(least).copied().unwrap_or(0) + SLACK => {
            local
        }
        _ => least,
    }
}

/// How many connections a worker may hold beyond twice the least busy worker's and still take
/// the connections arriving on its core.
const SLACK: usize = 8;

/// What runs on one worker thread.
struct WorkerLoop {
    app: Router,
    open: Arc<AtomicUsize>,
    header_read_timeout: Duration,
}

impl WorkerLoop {
    async fn run(self, mut connections: mpsc::UnboundedReceiver<Accepted>, stopped: oneshot::Receiver<()>) {
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new()).header_read_timeout(self.header_read_timeout);
        while let Some(accepted) = connections.recv().await {
            let Accepted { stream, peer, permit, watcher } = accepted;
            let open = OpenGuard(self.open.clone());
            let stream = match TcpStream::from_std(stream) {
                Ok(stream) => stream,
                Err(error) => {
                    tracing::warn!(%error, %peer, "a connection could not join its worker");
                    continue;
                }
            };
            let app = self.app.clone();
            let service = hyper::service::service_fn(move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(request)
            });
            let connection = watcher.watch(http.serve_connection(TokioIo::new(stream), service));
            tokio::spawn(async move {
                if let Err(error) = connection.await {
                    tracing::debug!(%error, %peer, "connection ended with an error");
                }
                drop(permit);
                drop(open);
            });
        }
        // The server stopped accepting; the open connections finish until the grace ends.
        let _ = stopped.await;
    }
}

/// Counts a connection among its worker's open ones while it lives.
struct OpenGuard(Arc<AtomicUsize>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_goes_to_the_worker_of_its_core_unless_that_one_is_far_busier() {
        assert_eq!(choose(&[0, 0], Some(1), 0), 1, "the core's worker");
        assert_eq!(choose(&[0, 0], Some(3), 0), 1, "cores beyond the workers wrap around");
        assert_eq!(choose(&[8, 0], Some(0), 0), 0, "up to the slack over an idle worker");
        assert_eq!(choose(&[9, 0], Some(0), 0), 1, "past it, the least busy");
        assert_eq!(choose(&[40, 16], Some(0), 0), 0, "twice the least busy plus the slack");
        assert_eq!(choose(&[41, 16], Some(0), 0), 1);
    }

    #[test]
    fn without_the_core_the_least_busy_worker_takes_it_ties_in_turn() {
        assert_eq!(choose(&[3, 1, 2], None, 0), 1);
        assert_eq!(choose(&[0, 0, 0], None, 0), 0);
        assert_eq!(choose(&[0, 0, 0], None, 1), 1);
        assert_eq!(choose(&[0, 0, 0], None, 5), 2);
        assert_eq!(choose(&[5], Some(7), 0), 0, "one worker takes everything");
    }
}
