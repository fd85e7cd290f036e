//! quoteline's options, as one description (`src/options.json`) read three ways: `quoteline.toml`
//! (kebab-case keys), LSP settings (camelCase keys, under `quoteline` or bare), and CLI flags,
//! which win over the file.
//!
//! Config is strict: an unknown key or a value of the wrong kind is an error that names the key,
//! so a typo never silently turns a check off.

use std::path::{Path, PathBuf};

use crate::check::{CheckOptions, Severities, Severity, Verdict};

/// The single description of every option (types, defaults, descriptions). The VS Code
/// extension's settings are checked against it by a test.
pub const OPTIONS_DESCRIPTION: &str = include_str!("options.json");

/// Per-verdict severities as written in config: a severity name or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SeveritySetting {
    Error,
    Warning,
    Information,
    Hint,
    Off,
}

impl SeveritySetting {
    fn to_severity(self) -> Option<Severity> {
        match self {
            SeveritySetting::Error => Some(Severity::Error),
            SeveritySetting::Warning => Some(Severity::Warning),
            SeveritySetting::Information => Some(Severity::Information),
            SeveritySetting::Hint => Some(Severity::Hint),
            SeveritySetting::Off => None,
        }
    }
}

/// `severity` table: any subset of verdicts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityTable {
    pub exact: Option<SeveritySetting>,
    pub altered: Option<SeveritySetting>,
    pub drift: Option<SeveritySetting>,
    pub misattributed: Option<SeveritySetting>,
    pub unsourced: Option<SeveritySetting>,
    pub unchecked: Option<SeveritySetting>,
}

/// Options as read from one place; `None` means "not set here".
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PartialConfig {
    pub corpus: Option<Vec<PathBuf>>,
    pub bibliography: Option<Vec<PathBuf>>,
    pub min_words: Option<usize>,
    pub severity: Option<SeverityTable>,
    pub inlay_hints: Option<bool>,
    pub file_types: Option<Vec<String>>,
    pub zotero: Option<String>,
}

/// Fully resolved options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Corpus paths, resolved against the config's root.
    pub corpus: Vec<PathBuf>,
    pub bibliography: Vec<PathBuf>,
    pub min_words: usize,
    pub severities: Severities,
    pub inlay_hints: bool,
    pub file_types: Vec<String>,
    /// Better BibTeX pull-export URL; `None` when off.
    pub zotero: Option<String>,
}

impl Config {
    /// Defaults for a workspace rooted at `root`.
    pub fn defaults(root: &Path) -> Config {
        Config {
            corpus: vec![root.join("corpus")],
            bibliography: Vec::new(),
            min_words: 4,
            severities: Severities::default(),
            inlay_hints: true,
            file_types: ["markdown", "latex", "tex", "plaintext", "typst", "restructuredtext", "org"]
                .map(String::from)
                .to_vec(),
            zotero: None,
        }
    }

    /// Applies the options set in `partial`, resolving relative paths against `root`.
    pub fn apply(&mut self, partial: &PartialConfig, root: &Path) {
        if let Some(corpus) = &partial.corpus {
            self.corpus = corpus.iter().map(|p| root.join(p)).collect();
        }
        if let Some(bibliography) = &partial.bibliography {
            self.bibliography = bibliography.iter().map(|p| root.join(p)).collect();
        }
        if let Some(min_words) = partial.min_words {
            self.min_words = min_words.max(1);
        }
        if let Some(table) = &partial.severity {
            for (verdict, setting) in [
                (Verdict::Exact, table.exact),
                (Verdict::Altered, table.altered),
                (Verdict::Drift, table.drift),
                (Verdict::Misattributed, table.misattributed),
                (Verdict::Unsourced, table.unsourced),
                (Verdict::Unchecked, table.unchecked),
            ] {
                if let Some(setting) = setting {
                    self.severities.set(verdict, setting.to_severity());
                }
            }
        }
        if let Some(inlay_hints) = partial.inlay_hints {
            self.inlay_hints = inlay_hints;
        }
        if let Some(file_types) = &partial.file_types {
            self.file_types.clone_from(file_types);
        }
        if let Some(zotero) = &partial.zotero {
            self.zotero = match zotero.trim() {
                "" => None,
                "default" => Some(crate::zotero::DEFAULT_URL.to_owned()),
                url => Some(url.to_owned()),
            };
        }
    }

    pub fn check_options(&self) -> CheckOptions {
        CheckOptions { min_words: self.min_words, severities: self.severities }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("invalid quoteline settings: {0}")]
    InvalidSettings(String),
}

/// The config file's name.
pub const CONFIG_FILE: &str = "quoteline.toml";

/// Reads `quoteline.toml` from `dir` if there is one.
pub fn read_config_file(dir: &Path) -> Result<Option<PartialConfig>, ConfigError> {
    let path = dir.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ConfigError::Io { path, source }),
    };
    parse_toml(&text).map(Some).map_err(|message| ConfigError::Invalid { path, message })
}

pub fn parse_toml(text: &str) -> Result<PartialConfig, String> {
    toml::from_str(text).map_err(|err| err.to_string().trim_end().to_owned())
}

/// Reads LSP settings: camelCase keys, either bare or under a `quoteline` section.
pub fn parse_lsp_settings(value: &serde_json::Value) -> Result<PartialConfig, ConfigError> {
    let section = value.get("quoteline").unwrap_or(value);
    if section.is_null() {
        return Ok(PartialConfig::default());
    }
    let kebab = kebab_keys(section.clone());
    serde_json::from_value(kebab).map_err(|err| ConfigError::InvalidSettings(err.to_string()))
}

/// Renames top-level camelCase keys to kebab-case (`minWords` → `min-words`).
fn kebab_keys(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .map(|(key, value)| {
                    let mut kebab = String::new();
                    for c in key.chars() {
                        if c.is_ascii_uppercase() {
                            kebab.push('-');
                            kebab.push(c.to_ascii_lowercase());
                        } else {
                            kebab.push(c);
                        }
                    }
                    (kebab, value)
                })
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_sets_options_and_rejects_unknown_keys() {
        let partial = parse_toml("min-words = 6\ncorpus = [\"sources\"]\n[severity]\ndrift = \"error\"\n").unwrap();
        let mut config = Config::defaults(Path::new("/w"));
        config.apply(&partial, Path::new("/w"));
        assert_eq!(config.min_words, 6);
        assert_eq!(config.corpus, vec![PathBuf::from("/w/sources")]);
        assert_eq!(config.severities.get(Verdict::Drift), Some(Severity::Error));
        let err = parse_toml("min_wrods = 3").unwrap_err();
        assert!(err.contains("min_wrods"), "{err}");
    }

    #[test]
    fn lsp_settings_use_camel_case() {
        let value =
            serde_json::json!({"quoteline": {"minWords": 2, "inlayHints": false, "severity": {"unsourced": "off"}}});
        let partial = parse_lsp_settings(&value).unwrap();
        assert_eq!(partial.min_words, Some(2));
        assert_eq!(partial.inlay_hints, Some(false));
        assert!(parse_lsp_settings(&serde_json::json!({"minWords": "many"})).is_err());
    }

    #[test]
    fn every_described_option_is_accepted_with_its_default() {
        let description: serde_json::Value = serde_json::from_str(OPTIONS_DESCRIPTION).unwrap();
        let defaults: serde_json::Map<String, serde_json::Value> = description["options"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v["default"].clone()))
            .collect();
        let partial = parse_lsp_settings(&serde_json::Value::Object(defaults)).unwrap();
        let mut config = Config::defaults(Path::new("/w"));
        let before = config.clone();
        config.apply(&partial, Path::new("/w"));
        assert_eq!(config, before, "options.json defaults must equal Config::defaults");
    }
}
