//! The language server: a thin tower-lsp + tokio shell over the core.
//!
//! `quoteline lsp` serves LSP over stdio. The shell owns documents (ropey ropes, incremental
//! sync), the corpus snapshot (indexed in the background with `$/progress`), and the protocol;
//! every verdict, alignment and quote comes from [`crate::check`]. One file per feature:
//!
//! - [`position`]: LSP positions ↔ byte offsets (UTF-8 when offered, else UTF-16), the only
//!   place that converts;
//! - [`state`]: documents, the `Arc<IndexedCorpus>` snapshot with its options, the per-quote
//!   verdict cache, checked drafts;
//! - [`workspace`]: settings (`quoteline.toml`, `initializationOptions`, `workspace/configuration`),
//!   indexing, file watching, `quoteline/status`;
//! - [`diagnostics`]: push (debounced, versioned, never stale) and pull diagnostics;
//! - [`hover`], [`completion`], [`code_action`], [`definition`], [`references`], [`symbols`],
//!   [`inlay`]: one feature each;
//! - [`passage`]: sentences and paragraphs of source texts, for context and continuations.
//!
//! Invariant: a request never takes the server down. Client input is clamped, never
//! unwrapped; core work runs in `spawn_blocking`, so even a panic there is one failed request.
//!
//! tower-lsp 0.20 notices `exit` only when the next message or end of input arrives; [`ExitOnExit`]
//! wraps the service so the process exits at once (code 0 after `shutdown`, 1 otherwise), as
//! editors that keep stdin open expect.

pub mod code_action;
pub mod completion;
pub mod definition;
pub mod diagnostics;
pub mod hover;
pub mod inlay;
pub mod passage;
pub mod position;
pub mod references;
pub mod server;
pub mod state;
pub mod symbols;
pub mod workspace;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tower_lsp::jsonrpc::{Request, Response};
use tower_lsp::{ClientSocket, LspService};

pub use server::Server;

/// The service for a server, with its client socket (what tests drive in memory).
pub fn service() -> (LspService<Server>, ClientSocket) {
    LspService::new(Server::new)
}

/// Serves LSP over stdio until the client exits.
pub fn run_stdio() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let (service, socket) = service();
        let service = ExitOnExit::new(service, |code| std::process::exit(code));
        tower_lsp::Server::new(tokio::io::stdin(), tokio::io::stdout(), socket).serve(service).await;
    });
    // Blocking checks still running are abandoned rather than awaited.
    runtime.shutdown_timeout(Duration::from_millis(100));
    Ok(())
}

/// Wraps a service so that an `exit` notification ends the process promptly.
pub struct ExitOnExit<S> {
    inner: S,
    shutdown: Arc<AtomicBool>,
    exit: Arc<dyn Fn(i32) + Send + Sync>,
}

impl<S> ExitOnExit<S> {
    pub fn new(inner: S, exit: impl Fn(i32) + Send + Sync + 'static) -> ExitOnExit<S> {
        ExitOnExit { inner, shutdown: Arc::new(AtomicBool::new(false)), exit: Arc::new(exit) }
    }
}

impl<S> tower_service::Service<Request> for ExitOnExit<S>
where
    S: tower_service::Service<Request, Response = Option<Response>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match request.method() {
            "shutdown" => self.shutdown.store(true, Ordering::SeqCst),
            "exit" => {
                let code = if self.shutdown.load(Ordering::SeqCst) { 0 } else { 1 };
                let exit = self.exit.clone();
                // Let the inner service see `exit` too, then leave.
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    exit(code);
                });
            }
            _ => {}
        }
        self.inner.call(request)
    }
}
