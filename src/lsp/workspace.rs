//! The workspace: settings, the corpus snapshot's life (indexing, watching, re-indexing), and
//! the `quoteline/status` notification the editor clients show.
//!
//! Settings are layered: defaults for the workspace root, then `quoteline.toml` at the root,
//! then the client's settings (`initializationOptions`, `workspace/didChangeConfiguration`,
//! `workspace/configuration`; camelCase keys). Invalid settings are reported with
//! `window/showMessage` and the last good ones stay in force.
//!
//! Indexing runs in `spawn_blocking` with work-done progress. A change to watched corpus files
//! reloads the corpus and rebuilds the index only if some source's text, key or metadata
//! actually changed; drafts are then re-checked.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tower_lsp::lsp_types::notification::Notification;

use crate::check::IndexedCorpus;
use crate::config::{parse_lsp_settings, read_config_file, Config, PartialConfig};
use crate::corpus::Corpus;

/// `quoteline/status`: sent when indexing starts and ends.
pub enum StatusNotification {}

impl Notification for StatusNotification {
    type Params = StatusParams;
    const METHOD: &'static str = "quoteline/status";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexState {
    Indexing,
    Ready,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusParams {
    pub state: IndexState,
    pub sources: usize,
    pub passages: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The command that re-indexes the corpus.
pub const REINDEX_COMMAND: &str = "quoteline.reindex";

/// The options in force and where they came from.
#[derive(Debug, Clone)]
pub struct Settings {
    pub root: PathBuf,
    /// The client's last good settings.
    pub client: PartialConfig,
    /// The resolved options.
    pub config: Config,
}

impl Settings {
    pub fn new(root: PathBuf) -> Settings {
        let config = Config::defaults(&root);
        Settings { root, client: PartialConfig::default(), config }
    }

    /// Re-resolves the options from the file and `client` settings; on error nothing changes.
    pub fn resolve(&mut self, client: Option<&serde_json::Value>) -> Result<(), String> {
        let client = match client {
            Some(value) => parse_lsp_settings(value).map_err(|e| e.to_string())?,
            None => self.client.clone(),
        };
        let mut config = Config::defaults(&self.root);
        if let Some(file) = read_config_file(&self.root).map_err(|e| e.to_string())? {
            config.apply(&file, &self.root);
        }
        config.apply(&client, &self.root);
        self.client = client;
        self.config = config;
        Ok(())
    }

    /// Whether documents of this language are checked.
    pub fn checks_language(&self, language_id: &str) -> bool {
        self.config.file_types.iter().any(|t| t == language_id)
    }

    /// Whether a changed file matters to the corpus.
    pub fn in_corpus(&self, path: &Path) -> bool {
        self.config.corpus.iter().chain(&self.config.bibliography).any(|p| path.starts_with(p) || path == p)
    }

    /// A path relative to the workspace root, for display.
    pub fn display_path(&self, path: &Path) -> String {
        path.strip_prefix(&self.root).unwrap_or(path).display().to_string()
    }
}

/// Loads the corpus the config names and indexes it, reusing `previous` when nothing in the
/// loaded sources differs (so a touched file or an unrelated change costs no re-index).
/// Returns the corpus to serve and whether it is new.
pub fn load_corpus(
    config: &Config,
    previous: Option<&Arc<IndexedCorpus>>,
) -> Result<(Arc<IndexedCorpus>, bool), String> {
    let dir = crate::cache::default_cache_dir(config);
    let mut corpus =
        crate::cache::load_corpus(&config.corpus, &config.bibliography, &dir).map_err(|e| e.to_string())?;
    if let Some(url) = &config.zotero {
        crate::zotero::add_live_references(&mut corpus, url);
    }
    if let Some(previous) = previous {
        if same_corpus(&previous.corpus, &corpus) {
            return Ok((Arc::clone(previous), false));
        }
        // Some sources changed: only those are tokenised again.
        let before = crate::index::source_fingerprints(&previous.corpus.sources);
        let (index, _) =
            crate::index::CorpusIndex::rebuild(&corpus.sources, &previous.index, &before).map_err(|e| e.to_string())?;
        return Ok((Arc::new(IndexedCorpus::from_parts(corpus, index)), true));
    }
    // A fresh `quoteline index` cache beside the corpus saves the build.
    let (indexed, _) = crate::cache::indexed(corpus, &dir).map_err(|e| e.to_string())?;
    Ok((Arc::new(indexed), true))
}

fn same_corpus(a: &Corpus, b: &Corpus) -> bool {
    a.sources.len() == b.sources.len()
        && a.references == b.references
        && a.sources.iter().zip(&b.sources).all(|(x, y)| {
            x.key == y.key && x.cite_key == y.cite_key && x.path == y.path && x.meta == y.meta && x.text == y.text
        })
}

/// Passages: the non-empty paragraphs of every source's body.
pub fn passage_count(corpus: &Corpus) -> usize {
    corpus
        .sources
        .iter()
        .map(|s| {
            let body = s.text.get(s.body.clone()).unwrap_or_default();
            body.split("\n\n").filter(|p| !p.trim().is_empty()).count()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_client_settings_keep_the_last_good_ones() {
        let mut settings = Settings::new(PathBuf::from("/nonexistent-root"));
        settings.resolve(Some(&serde_json::json!({"quoteline": {"minWords": 6}}))).unwrap();
        assert_eq!(settings.config.min_words, 6);
        let err = settings.resolve(Some(&serde_json::json!({"quoteline": {"minWords": "six"}}))).unwrap_err();
        assert!(err.contains("invalid"), "{err}");
        assert_eq!(settings.config.min_words, 6);
        assert!(settings.checks_language("markdown"));
    }
}
