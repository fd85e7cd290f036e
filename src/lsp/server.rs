//! The `LanguageServer` implementation: protocol plumbing that hands each request to its
//! feature module.
//!
//! Concurrency (tower-lsp runs handlers concurrently): document edits are applied in arrival
//! order under a `std::sync::Mutex` with no `.await` inside; checks run on snapshots in
//! `spawn_blocking`; a publish re-reads the document's version under the publish lock and drops
//! a result that is no longer the latest, so diagnostics for an older version never follow a
//! newer one.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tower_lsp::jsonrpc::Result;
use tower_lsp::lsp_types::notification::Progress;
use tower_lsp::lsp_types::request::WorkDoneProgressCreate;
use tower_lsp::lsp_types::*;
use tower_lsp::{Client, LanguageServer};

use crate::config::CONFIG_FILE;
use crate::lines::ColumnUnit;

use super::diagnostics::{self, DEBOUNCE};
use super::position::{self, LineMap};
use super::state::{Analysis, CheckedDoc, DocText, Document};
use super::workspace::{self, IndexState, Settings, StatusNotification, StatusParams, REINDEX_COMMAND};
use super::{code_action, completion, definition, hover, inlay, references, symbols};

/// How long the server waits for the client to answer one of its requests.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

/// The language server.
pub struct Server {
    shared: Arc<Shared>,
}

impl Server {
    pub fn new(client: Client) -> Server {
        Server {
            shared: Arc::new(Shared {
                client,
                docs: Mutex::default(),
                session: Mutex::new(Session {
                    unit: ColumnUnit::Utf16,
                    settings: Settings::new(std::env::current_dir().unwrap_or_default()),
                    pull: false,
                    diagnostic_refresh: false,
                    inlay_refresh: false,
                    progress: false,
                    dynamic_watch: false,
                    configuration: false,
                    plain_hover: false,
                    plain_completion_docs: false,
                    settings_error: None,
                    status: StatusParams { state: IndexState::Indexing, sources: 0, passages: 0, message: None },
                }),
                analysis: Mutex::default(),
                checked: Mutex::default(),
                tickets: Mutex::default(),
                next_ticket: AtomicU64::new(1),
                published: tokio::sync::Mutex::default(),
                index_runs: AtomicU64::new(0),
                generation: AtomicU64::new(0),
            }),
        }
    }
}

/// Negotiated capabilities, settings and the index's status.
#[derive(Clone)]
struct Session {
    unit: ColumnUnit,
    settings: Settings,
    /// The client pulls diagnostics (`textDocument/diagnostic`), so none are pushed.
    pull: bool,
    diagnostic_refresh: bool,
    inlay_refresh: bool,
    progress: bool,
    dynamic_watch: bool,
    configuration: bool,
    /// The client listed hover / completion documentation formats without Markdown.
    plain_hover: bool,
    plain_completion_docs: bool,
    /// Invalid `initializationOptions`, shown once the client is ready for messages.
    settings_error: Option<String>,
    status: StatusParams,
}

struct Shared {
    client: Client,
    docs: Mutex<HashMap<Url, Document>>,
    session: Mutex<Session>,
    /// `None` until the first index is ready.
    analysis: Mutex<Option<Arc<Analysis>>>,
    checked: Mutex<HashMap<Url, Arc<CheckedDoc>>>,
    /// The latest debounce ticket per document: an older timer finds it replaced and stops.
    tickets: Mutex<HashMap<Url, u64>>,
    next_ticket: AtomicU64,
    /// The version last published per document; held across the staleness check and the send.
    published: tokio::sync::Mutex<HashMap<Url, i32>>,
    index_runs: AtomicU64,
    generation: AtomicU64,
}

/// Locks a mutex, recovering from a poisoned one (a panicked holder left valid data).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Sets a flag when a request's future is dropped (`$/cancelRequest` aborts it), so blocking
/// work polling the flag stops.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Shared {
    fn session(&self) -> Session {
        lock(&self.session).clone()
    }

    fn unit(&self) -> ColumnUnit {
        lock(&self.session).unit
    }

    fn analysis(&self) -> Option<Arc<Analysis>> {
        lock(&self.analysis).clone()
    }

    /// The current text of an open document that quoteline checks.
    fn snapshot(&self, uri: &Url) -> Option<Arc<DocText>> {
        let settings_allow = |language: &str| lock(&self.session).settings.checks_language(language);
        let mut docs = lock(&self.docs);
        let doc = docs.get_mut(uri)?;
        if !settings_allow(&doc.language_id) {
            return None;
        }
        Some(doc.snapshot(uri))
    }

    /// The checked current version of a document (cached, or checked now).
    async fn checked(&self, uri: &Url) -> Option<Arc<CheckedDoc>> {
        let doc = self.snapshot(uri)?;
        let analysis = self.analysis()?;
        if let Some(done) = lock(&self.checked).get(uri) {
            if Arc::ptr_eq(&done.doc, &doc) && Arc::ptr_eq(&done.analysis, &analysis) {
                return Some(done.clone());
            }
        }
        let result = Arc::new(tokio::task::spawn_blocking(move || analysis.check(doc)).await.ok()?);
        let mut checked = lock(&self.checked);
        if checked.get(uri).is_none_or(|c| c.doc.version <= result.doc.version) {
            checked.insert(uri.clone(), result.clone());
        }
        Some(result)
    }

    /// Re-checks and publishes a document after `delay`, unless another change comes first.
    fn schedule(self: &Arc<Self>, uri: Url, delay: Duration) {
        let ticket = self.next_ticket.fetch_add(1, Ordering::Relaxed);
        lock(&self.tickets).insert(uri.clone(), ticket);
        let shared = self.clone();
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if lock(&shared.tickets).get(&uri) != Some(&ticket) {
                return;
            }
            shared.publish(uri).await;
        });
    }

    async fn publish(&self, uri: Url) {
        let (pull, unit) = {
            let session = lock(&self.session);
            (session.pull, session.unit)
        };
        if pull {
            return;
        }
        let Some(checked) = self.checked(&uri).await else { return };
        let mut published = self.published.lock().await;
        let current = lock(&self.docs).get(&uri).map(|d| d.version);
        let latest_analysis = self.analysis().is_some_and(|a| Arc::ptr_eq(&a, &checked.analysis));
        let version = checked.doc.version;
        if current != Some(version) || !latest_analysis || published.get(&uri).is_some_and(|&v| v > version) {
            return;
        }
        let items = diagnostics::to_proto(&checked, unit);
        self.client.publish_diagnostics(uri.clone(), items, Some(version)).await;
        published.insert(uri, version);
    }

    /// Re-checks every open document (after the corpus or the options changed).
    async fn refresh_all(self: &Arc<Self>) {
        let uris: Vec<Url> = lock(&self.docs).keys().cloned().collect();
        for uri in uris {
            self.schedule(uri, Duration::ZERO);
        }
        let session = self.session();
        if session.pull && session.diagnostic_refresh {
            let _ = tokio::time::timeout(CLIENT_TIMEOUT, self.client.workspace_diagnostic_refresh()).await;
        }
        if session.inlay_refresh {
            let _ = tokio::time::timeout(CLIENT_TIMEOUT, self.client.inlay_hint_refresh()).await;
        }
    }

    async fn send_status(&self, state: IndexState, message: Option<String>) {
        let status = {
            let mut session = lock(&self.session);
            session.status.state = state;
            session.status.message = message;
            session.status.clone()
        };
        self.client.send_notification::<StatusNotification>(status).await;
    }

    /// Loads and indexes the corpus in the background, with progress; `reuse` keeps the index
    /// when the reloaded sources are unchanged.
    async fn reindex(self: Arc<Self>, reuse: bool) {
        let run = self.index_runs.fetch_add(1, Ordering::SeqCst) + 1;
        let session = self.session();
        let config = session.settings.config.clone();
        let previous = if reuse { self.analysis().map(|a| a.corpus.clone()) } else { None };
        self.send_status(IndexState::Indexing, None).await;
        let token = NumberOrString::String(format!("quoteline/index/{run}"));
        let progress = session.progress && self.begin_progress(&token, &config.corpus).await;
        let loaded = tokio::task::spawn_blocking(move || {
            workspace::load_corpus(&config, previous.as_ref()).map(|(corpus, rebuilt)| {
                let passages = workspace::passage_count(&corpus.corpus);
                (corpus, rebuilt, passages)
            })
        })
        .await
        .unwrap_or_else(|err| Err(format!("indexing failed: {err}")));
        let superseded = self.index_runs.load(Ordering::SeqCst) != run;
        let message = match (&loaded, superseded) {
            (_, true) => "superseded".to_owned(),
            (Ok((corpus, _, passages)), _) => format!("{} sources, {passages} passages", corpus.corpus.sources.len()),
            (Err(err), _) => err.clone(),
        };
        if progress {
            self.end_progress(token, message.clone()).await;
        }
        if superseded {
            return;
        }
        match loaded {
            Ok((corpus, rebuilt, passages)) => {
                for warning in corpus.corpus.warnings.iter().take(50) {
                    self.client.log_message(MessageType::WARNING, format!("quoteline: {warning}")).await;
                }
                let sources = corpus.corpus.sources.len();
                if rebuilt || self.analysis().is_none() {
                    self.install(corpus);
                }
                {
                    let mut session = lock(&self.session);
                    session.status.sources = sources;
                    session.status.passages = passages;
                }
                self.send_status(IndexState::Ready, None).await;
                self.refresh_all().await;
            }
            Err(err) => {
                self.send_status(IndexState::Error, Some(err.clone())).await;
                self.client.show_message(MessageType::ERROR, format!("quoteline: cannot load the corpus: {err}")).await;
            }
        }
    }

    /// Makes `corpus` (with the current options) the snapshot every check uses.
    fn install(&self, corpus: Arc<crate::check::IndexedCorpus>) {
        let config = lock(&self.session).settings.config.clone();
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let analysis = Analysis::new(generation, corpus, config.check_options(), config.inlay_hints);
        *lock(&self.analysis) = Some(Arc::new(analysis));
    }

    async fn begin_progress(&self, token: &NumberOrString, paths: &[PathBuf]) -> bool {
        let create =
            self.client.send_request::<WorkDoneProgressCreate>(WorkDoneProgressCreateParams { token: token.clone() });
        if !matches!(tokio::time::timeout(CLIENT_TIMEOUT, create).await, Ok(Ok(()))) {
            return false;
        }
        let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let begin = WorkDoneProgressBegin {
            title: "quoteline: indexing the corpus".into(),
            cancellable: Some(false),
            message: Some(paths.join(", ")),
            percentage: None,
        };
        self.client
            .send_notification::<Progress>(ProgressParams {
                token: token.clone(),
                value: ProgressParamsValue::WorkDone(WorkDoneProgress::Begin(begin)),
            })
            .await;
        true
    }

    async fn end_progress(&self, token: NumberOrString, message: String) {
        self.client
            .send_notification::<Progress>(ProgressParams {
                token,
                value: ProgressParamsValue::WorkDone(WorkDoneProgress::End(WorkDoneProgressEnd {
                    message: Some(message),
                })),
            })
            .await;
    }

    /// Applies new client settings (`None`: re-read `quoteline.toml` with the last ones).
    async fn apply_settings(self: &Arc<Self>, value: Option<Value>) {
        let resolved = {
            let mut session = lock(&self.session);
            let before = session.settings.config.clone();
            session.settings.resolve(value.as_ref()).map(|()| (before, session.settings.config.clone()))
        };
        let (before, after) = match resolved {
            Ok(configs) => configs,
            Err(err) => {
                self.client
                    .show_message(MessageType::ERROR, format!("quoteline: {err}; keeping the previous settings"))
                    .await;
                return;
            }
        };
        if before.corpus != after.corpus || before.bibliography != after.bibliography {
            tokio::spawn(self.clone().reindex(false));
        } else if before != after {
            if let Some(current) = self.analysis() {
                self.install(current.corpus.clone());
            }
            self.refresh_all().await;
        }
    }

    /// The client's `quoteline` settings, pulled with `workspace/configuration`.
    async fn pull_settings(&self) -> Option<Value> {
        let items = vec![ConfigurationItem { scope_uri: None, section: Some("quoteline".into()) }];
        match tokio::time::timeout(CLIENT_TIMEOUT, self.client.configuration(items)).await {
            Ok(Ok(mut values)) if !values.is_empty() => Some(values.swap_remove(0)),
            _ => None,
        }
    }

    async fn register_watchers(&self) {
        let settings = self.session().settings;
        let mut watchers: Vec<FileSystemWatcher> = settings
            .config
            .corpus
            .iter()
            .chain(&settings.config.bibliography)
            .map(|path| {
                let pattern = if path.extension().is_some() {
                    path.display().to_string()
                } else {
                    format!("{}/**/*", path.display())
                };
                FileSystemWatcher { glob_pattern: GlobPattern::String(pattern), kind: None }
            })
            .collect();
        watchers.push(FileSystemWatcher {
            glob_pattern: GlobPattern::String(settings.root.join(CONFIG_FILE).display().to_string()),
            kind: None,
        });
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = Registration {
            id: "quoteline-corpus-watch".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        };
        let _ = tokio::time::timeout(CLIENT_TIMEOUT, self.client.register_capability(vec![registration])).await;
    }
}

#[tower_lsp::async_trait]
impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let caps = &params.capabilities;
        let unit = position::negotiate(caps);
        #[allow(deprecated)]
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .and_then(|f| f.uri.to_file_path().ok())
            .or_else(|| params.root_uri.as_ref().and_then(|u| u.to_file_path().ok()))
            .or_else(|| params.root_path.as_ref().map(PathBuf::from))
            .unwrap_or_else(|| std::env::current_dir().unwrap_or_default());
        let text_caps = caps.text_document.as_ref();
        let workspace_caps = caps.workspace.as_ref();
        let diagnostic_refresh =
            workspace_caps.and_then(|w| w.diagnostic.as_ref()).and_then(|d| d.refresh_support).unwrap_or(false);
        // Pull only with clients that can be told to pull again: results change when indexing
        // finishes, and a client without refresh support (Neovim 0.11; VS Code, whose
        // `workspace.diagnostics` lsp-types 0.94 reads as `diagnostic`) would keep the empty
        // answer it got while indexing. Everyone else gets pushed diagnostics.
        let pull = text_caps.is_some_and(|t| t.diagnostic.is_some()) && diagnostic_refresh;
        {
            let mut session = lock(&self.shared.session);
            session.unit = unit;
            session.settings = Settings::new(root);
            session.pull = pull;
            session.diagnostic_refresh = diagnostic_refresh;
            session.inlay_refresh =
                workspace_caps.and_then(|w| w.inlay_hint.as_ref()).and_then(|d| d.refresh_support).unwrap_or(false);
            session.progress = caps.window.as_ref().and_then(|w| w.work_done_progress).unwrap_or(false);
            session.dynamic_watch = workspace_caps
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false);
            session.configuration = workspace_caps.and_then(|w| w.configuration).unwrap_or(false);
            let without_markdown =
                |formats: Option<&Vec<MarkupKind>>| formats.is_some_and(|f| !f.contains(&MarkupKind::Markdown));
            session.plain_hover =
                without_markdown(text_caps.and_then(|t| t.hover.as_ref()).and_then(|h| h.content_format.as_ref()));
            session.plain_completion_docs = without_markdown(
                text_caps
                    .and_then(|t| t.completion.as_ref())
                    .and_then(|c| c.completion_item.as_ref())
                    .and_then(|i| i.documentation_format.as_ref()),
            );
            let options = params.initialization_options.as_ref();
            if let Err(err) = session.settings.resolve(options) {
                session.settings_error = Some(err);
                // The file alone, then, if it is valid.
                let _ = session.settings.resolve(None);
            }
        }
        let capabilities = ServerCapabilities {
            position_encoding: Some(position::encoding_kind(unit)),
            text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                ..TextDocumentSyncOptions::default()
            })),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(completion::TRIGGER_CHARACTERS.iter().map(|c| c.to_string()).collect()),
                ..CompletionOptions::default()
            }),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                ..CodeActionOptions::default()
            })),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            workspace_symbol_provider: Some(OneOf::Left(true)),
            inlay_hint_provider: Some(OneOf::Left(true)),
            execute_command_provider: Some(ExecuteCommandOptions {
                commands: vec![REINDEX_COMMAND.into()],
                ..ExecuteCommandOptions::default()
            }),
            diagnostic_provider: pull.then(|| {
                DiagnosticServerCapabilities::Options(DiagnosticOptions {
                    identifier: Some("quoteline".into()),
                    inter_file_dependencies: false,
                    workspace_diagnostics: false,
                    ..DiagnosticOptions::default()
                })
            }),
            ..ServerCapabilities::default()
        };
        Ok(InitializeResult {
            capabilities,
            server_info: Some(ServerInfo { name: "quoteline".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let shared = &self.shared;
        let session = shared.session();
        if let Some(err) = session.settings_error {
            shared.client.show_message(MessageType::ERROR, format!("quoteline: {err}; using the defaults")).await;
        }
        if session.configuration {
            if let Some(value) = shared.pull_settings().await {
                if !value.is_null() {
                    shared.apply_settings(Some(value)).await;
                }
            }
        }
        if session.dynamic_watch {
            shared.register_watchers().await;
        }
        tokio::spawn(shared.clone().reindex(false));
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        lock(&self.shared.docs).insert(doc.uri.clone(), Document::new(doc.version, doc.language_id, &doc.text));
        self.shared.schedule(doc.uri, Duration::ZERO);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let unit = self.shared.unit();
        let known = {
            let mut docs = lock(&self.shared.docs);
            match docs.get_mut(&uri) {
                Some(doc) => {
                    for change in &params.content_changes {
                        position::apply_change(&mut doc.rope, change, unit);
                    }
                    doc.changed(params.text_document.version);
                    true
                }
                None => false,
            }
        };
        if !known {
            self.shared
                .client
                .log_message(MessageType::WARNING, format!("quoteline: change to unknown document {uri}"))
                .await;
            return;
        }
        self.shared.schedule(uri, DEBOUNCE);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        lock(&self.shared.docs).remove(&uri);
        lock(&self.shared.checked).remove(&uri);
        lock(&self.shared.tickets).remove(&uri);
        if !self.shared.session().pull {
            let mut published = self.shared.published.lock().await;
            published.remove(&uri);
            self.shared.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let shared = &self.shared;
        let pulled = if shared.session().configuration { shared.pull_settings().await } else { None };
        let value = match pulled {
            Some(value) if !value.is_null() => value,
            _ => params.settings,
        };
        shared.apply_settings(Some(value)).await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let shared = &self.shared;
        let settings = shared.session().settings;
        let paths: Vec<PathBuf> = params.changes.iter().filter_map(|c| c.uri.to_file_path().ok()).collect();
        if paths.iter().any(|p| p.file_name().is_some_and(|n| n == CONFIG_FILE)) {
            shared.apply_settings(None).await;
        } else if paths.iter().any(|p| settings.in_corpus(p)) {
            tokio::spawn(shared.clone().reindex(true));
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let at = params.text_document_position_params;
        let Some(checked) = self.shared.checked(&at.text_document.uri).await else { return Ok(None) };
        let session = self.shared.session();
        let offset = checked.doc.map(session.unit).offset(at.position);
        let display = |p: &std::path::Path| session.settings.display_path(p);
        let mut found = hover::hover(&checked, offset, session.unit, &display);
        if let Some(Hover { contents: HoverContents::Markup(markup), .. }) = &mut found {
            if session.plain_hover {
                markup.kind = MarkupKind::PlainText;
            }
        }
        Ok(found)
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let at = params.text_document_position;
        let (Some(doc), Some(analysis)) = (self.shared.snapshot(&at.text_document.uri), self.shared.analysis()) else {
            return Ok(None);
        };
        let (unit, plain_docs) = {
            let session = lock(&self.shared.session);
            (session.unit, session.plain_completion_docs)
        };
        let list = tokio::task::spawn_blocking(move || {
            let offset = doc.map(unit).offset(at.position);
            completion::complete(&doc, &analysis.corpus, offset, unit)
        })
        .await
        .ok()
        .flatten();
        let list = list.map(|mut list| {
            if plain_docs {
                for item in &mut list.items {
                    if let Some(Documentation::MarkupContent(markup)) = &mut item.documentation {
                        markup.kind = MarkupKind::PlainText;
                    }
                }
            }
            list
        });
        Ok(list.map(CompletionResponse::List))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let Some(checked) = self.shared.checked(&params.text_document.uri).await else { return Ok(None) };
        let unit = self.shared.unit();
        let span = checked.doc.map(unit).span(params.range);
        Ok(Some(code_action::code_actions(&checked, span, unit)))
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let at = params.text_document_position_params;
        let Some(checked) = self.shared.checked(&at.text_document.uri).await else { return Ok(None) };
        let unit = self.shared.unit();
        let offset = checked.doc.map(unit).offset(at.position);
        Ok(definition::definition(&checked, offset, unit).map(GotoDefinitionResponse::Scalar))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let at = params.text_document_position;
        let shared = &self.shared;
        let Some(analysis) = shared.analysis() else { return Ok(None) };
        let session = shared.session();
        let unit = session.unit;
        // From a corpus file: the passage at the cursor. From a draft: the quote's passage.
        let target = match at.text_document.uri.to_file_path().ok().and_then(|p| analysis.source_at(&p)) {
            Some(doc) => {
                let source = &analysis.corpus.corpus.sources[doc];
                Some((doc, LineMap::new(&source.text, source.lines(), unit).offset(at.position)))
            }
            None => {
                let checked = shared.checked(&at.text_document.uri).await;
                checked.and_then(|c| {
                    let offset = c.doc.map(unit).offset(at.position);
                    let quote =
                        c.check.quotes.iter().find(|q| q.quote.span.start <= offset && offset <= q.quote.span.end)?;
                    quote.source.as_ref().map(|s| (s.doc, s.span.start))
                })
            }
        };
        let Some((doc, offset)) = target else { return Ok(None) };
        let open: Vec<Arc<DocText>> = {
            let mut docs = lock(&shared.docs);
            docs.iter_mut().map(|(uri, d)| d.snapshot(uri)).collect()
        };
        let cancelled = Arc::new(AtomicBool::new(false));
        let _guard = CancelOnDrop(cancelled.clone());
        let settings = session.settings.clone();
        let found = tokio::task::spawn_blocking(move || {
            references::references(&analysis, doc, offset, open, &settings, unit, &cancelled)
        })
        .await
        .unwrap_or_default();
        Ok(Some(found))
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<Vec<SymbolInformation>>> {
        let Some(analysis) = self.shared.analysis() else { return Ok(Some(Vec::new())) };
        let unit = self.shared.unit();
        let found = tokio::task::spawn_blocking(move || symbols::search(&analysis, &params.query, unit))
            .await
            .unwrap_or_default();
        Ok(Some(found))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let Some(checked) = self.shared.checked(&params.text_document.uri).await else { return Ok(None) };
        let unit = self.shared.unit();
        let span = checked.doc.map(unit).span(params.range);
        Ok(Some(inlay::inlay_hints(&checked, span, unit)))
    }

    async fn diagnostic(&self, params: DocumentDiagnosticParams) -> Result<DocumentDiagnosticReportResult> {
        let Some(checked) = self.shared.checked(&params.text_document.uri).await else {
            return Ok(diagnostics::full_report(Vec::new(), None));
        };
        let id = diagnostics::result_id(&checked);
        if params.previous_result_id.as_deref() == Some(id.as_str()) {
            return Ok(diagnostics::unchanged_report(id));
        }
        Ok(diagnostics::full_report(diagnostics::to_proto(&checked, self.shared.unit()), Some(id)))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        if params.command == REINDEX_COMMAND {
            tokio::spawn(self.shared.clone().reindex(false));
            return Ok(None);
        }
        Err(tower_lsp::jsonrpc::Error::invalid_params(format!("unknown command {}", params.command)))
    }
}
