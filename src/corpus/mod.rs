//! Loads source documents and their bibliographic metadata.
//!
//! A corpus is one or more paths: directories (read recursively) and files. Texts are `.txt`,
//! `.md` (whose YAML front matter may give `key`, `title`, `author`, `date`, `url`), HTML pages
//! (`.html`, `.htm`: the page's text where it stands in the file, see `html.rs`) and JSONL
//! archives (`.jsonl`: one source per record, see `jsonl.rs`); bibliographies are BibTeX
//! (`.bib`), CSL-JSON (`.json`) and CSL-YAML (`.yaml`, `.yml`) and give citation keys and
//! metadata, and may point at a text with a `file` field. A text's key is, in order: the
//! bibliography entry that points at it or shares its stem, its front matter `key`, its file
//! stem. A JSONL record's key is its `id` (or `key`), linked to the bibliography entry of that
//! key.
//!
//! Bad input loses nothing: an invalid UTF-8 file is decoded lossily and a binary file skipped,
//! each with a warning naming the file; a malformed bibliography is a warning with its line; only
//! a missing path is an error.
//!
//! Invariant: this is the only core module that touches the file system.

#![deny(clippy::print_stdout, clippy::print_stderr)]

mod html;
mod jsonl;
mod stored;

pub use stored::{
    absolute, nanos_since_epoch, write_stored_texts, FileStamp, SharedBytes, SourceText, StoredTexts, RACY_NS,
};

use std::collections::{HashMap, HashSet};
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::lines::LineIndex;

/// Bibliographic facts about a source, as far as its metadata states them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SourceMeta {
    pub title: Option<String>,
    pub author: Option<String>,
    pub date: Option<String>,
    pub url: Option<String>,
    pub container: Option<String>,
}

/// A citation key with its metadata, whether or not its text is in the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub key: String,
    pub meta: SourceMeta,
    /// Files the entry points at, resolved against the bibliography's folder.
    pub files: Vec<PathBuf>,
    /// The bibliography (or text) this reference came from.
    pub origin: PathBuf,
}

/// One source document.
#[derive(Debug, Clone)]
pub struct Source {
    /// Unique among the corpus's sources (a duplicate gets a `#2` suffix).
    pub key: String,
    /// The key drafts cite it by (the same as `key` unless it was a duplicate).
    pub cite_key: String,
    pub path: PathBuf,
    pub text: SourceText,
    /// The part of `text` that is evidence: all of it, less a Markdown file's front matter.
    pub body: Range<usize>,
    pub meta: SourceMeta,
    /// The file's size and time when `text` is the whole file, read losslessly: such a text
    /// can be kept in the index cache and stand in for the file while the file is unchanged.
    pub stamp: Option<FileStamp>,
    /// Built on first use: most sources of a large corpus never report a position.
    lines: OnceLock<LineIndex>,
}

impl Source {
    pub fn new(key: impl Into<String>, path: impl Into<PathBuf>, text: impl Into<SourceText>) -> Source {
        let key = key.into();
        let text = text.into();
        Source {
            cite_key: key.clone(),
            key,
            path: path.into(),
            body: 0..text.len(),
            text,
            meta: SourceMeta::default(),
            stamp: None,
            lines: OnceLock::new(),
        }
    }

    /// Line starts of `text` (and, for an extract, where it stands in its file).
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    /// Sets the line index of a text extracted from a file (a page's text, an archive record).
    pub fn set_lines(&mut self, lines: LineIndex) {
        self.lines = OnceLock::from(lines);
    }

    /// The title if the metadata gives one, else the key.
    pub fn display_title(&self) -> &str {
        self.meta.title.as_deref().unwrap_or(&self.key)
    }
}

/// Something wrong with the corpus that did not stop it from loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusWarning {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for CorpusWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("corpus path {} does not exist", .0.display())]
    Missing(PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

/// The loaded sources and every citation key known from bibliographies.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub sources: Vec<Source>,
    /// Every key from bibliographies and texts; several may have no text.
    pub references: Vec<Reference>,
    pub warnings: Vec<CorpusWarning>,
    /// (key, file) for bibliography entries whose `file` does not exist.
    pub missing_files: Vec<(String, PathBuf)>,
    /// When loading began (nanoseconds since the Unix epoch), before any file was looked at:
    /// a file changed later has a later time than its [`Source::stamp`].
    pub loaded_at_ns: u64,
}

impl Corpus {
    /// A corpus from texts already in memory (tests, editors' unsaved buffers).
    pub fn from_sources(sources: Vec<Source>) -> Corpus {
        let mut corpus = Corpus::default();
        let mut taken = HashSet::new();
        for source in sources {
            corpus.push_source(source, &mut taken);
        }
        corpus
    }

    /// Loads every path (directories recursively) plus extra bibliography files.
    pub fn load(paths: &[PathBuf], bibliographies: &[PathBuf]) -> Result<Corpus, CorpusError> {
        Corpus::load_with(paths, bibliographies, None)
    }

    /// [`Corpus::load`], taking a plain text file's text from `stored` while the file is
    /// unchanged (see `stored.rs`) instead of reading it.
    pub fn load_with(
        paths: &[PathBuf],
        bibliographies: &[PathBuf],
        stored: Option<&StoredTexts>,
    ) -> Result<Corpus, CorpusError> {
        let loaded_at_ns = nanos_since_epoch(std::time::SystemTime::now()).unwrap_or(0);
        let mut files = Files::default();
        for path in paths {
            files.collect(path, true)?;
        }
        for path in bibliographies {
            files.collect(path, false)?;
        }
        let mut corpus = Corpus { loaded_at_ns, ..Corpus::default() };
        let mut references = Vec::new();
        for bib in &files.bibliographies {
            references.extend(corpus.read_bibliography(bib));
        }
        let mut texts: Vec<PathBuf> = files.texts;
        // Entries may point at texts outside the corpus folders; those are evidence too.
        for reference in &references {
            for file in &reference.files {
                if is_text_path(file) && file.exists() && !texts.iter().any(|t| same_file(t, file)) {
                    texts.push(file.clone());
                }
            }
        }
        let by_file: Vec<(PathBuf, usize)> =
            references.iter().enumerate().flat_map(|(i, r)| r.files.iter().map(move |f| (f.clone(), i))).collect();
        let mut by_stem: HashMap<&str, usize> = HashMap::new();
        for (i, r) in references.iter().enumerate() {
            by_stem.entry(r.key.as_str()).or_insert(i);
        }
        let mut linked = vec![false; references.len()];
        let mut taken = HashSet::new();
        for path in &texts {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            let archive = is_archive_path(path);
            let whole_file_entry =
                (!archive).then(|| by_file.iter().find(|(file, _)| same_file(file, path)).map(|&(_, i)| i)).flatten();
            for mut source in corpus.read_sources(path, stored) {
                // An archive's records are linked by their own keys, a file by its path or stem.
                let entry = if archive {
                    by_stem.get(source.key.as_str()).copied()
                } else {
                    whole_file_entry.or_else(|| by_stem.get(stem).copied())
                };
                if let Some(i) = entry {
                    linked[i] = true;
                    source.key = references[i].key.clone();
                    source.cite_key = source.key.clone();
                    merge_meta(&mut source.meta, &references[i].meta);
                }
                corpus.push_source(source, &mut taken);
            }
        }
        let mut known: HashSet<String> = corpus.references.iter().map(|r| r.key.clone()).collect();
        for (i, reference) in references.into_iter().enumerate() {
            for file in &reference.files {
                if !file.exists() {
                    corpus.missing_files.push((reference.key.clone(), file.clone()));
                    corpus.warn(
                        &reference.origin,
                        format!("entry `{}` points at {}, which does not exist", reference.key, file.display()),
                    );
                }
            }
            if !linked[i] && known.insert(reference.key.clone()) {
                corpus.references.push(reference);
            }
        }
        if corpus.sources.is_empty() {
            let where_ = paths.first().cloned().unwrap_or_default();
            corpus.warn(
                &where_,
                "the corpus has no source texts (.txt, .md, .html, .jsonl); every quote will be unsourced".into(),
            );
        }
        Ok(corpus)
    }

    /// Adds references that came from elsewhere (a draft's inline entries); keys already known
    /// keep what they have.
    pub fn add_references(&mut self, references: Vec<Reference>) {
        for reference in references {
            if !self.knows_key(&reference.key) {
                self.references.push(reference);
            }
        }
    }

    pub fn source_by_key(&self, key: &str) -> Option<usize> {
        self.sources.iter().position(|s| s.key == key)
    }

    /// Whether a draft may cite `key`: a source's key or any bibliography entry's.
    pub fn knows_key(&self, key: &str) -> bool {
        self.sources.iter().any(|s| s.cite_key == key) || self.references.iter().any(|r| r.key == key)
    }

    /// Metadata for a cited key, from its source or its bibliography entry.
    pub fn meta_for_key(&self, key: &str) -> Option<&SourceMeta> {
        self.sources
            .iter()
            .find(|s| s.cite_key == key)
            .map(|s| &s.meta)
            .or_else(|| self.references.iter().find(|r| r.key == key).map(|r| &r.meta))
    }

    /// Every citable key, sources first, each once.
    pub fn keys(&self) -> Vec<&str> {
        let mut seen = HashSet::new();
        self.sources
            .iter()
            .map(|s| s.cite_key.as_str())
            .chain(self.references.iter().map(|r| r.key.as_str()))
            .filter(|key| seen.insert(*key))
            .collect()
    }

    /// Adds a source, renaming it `key#2`, `key#3`… if its key is taken (`taken` holds the
    /// keys of `self.sources`, so a large corpus loads in linear time).
    fn push_source(&mut self, mut source: Source, taken: &mut HashSet<String>) {
        let base = source.cite_key.clone();
        if taken.contains(&source.key) {
            let mut n = 2;
            while taken.contains(&format!("{base}#{n}")) {
                n += 1;
            }
            let first = self.sources.iter().find(|s| s.cite_key == base).map(|s| s.path.display().to_string());
            self.warn(
                &source.path,
                format!("duplicate key `{base}` (also {}); this one is `{base}#{n}`", first.unwrap_or_default()),
            );
            source.key = format!("{base}#{n}");
        }
        taken.insert(source.key.clone());
        // The references were unique before; only the newest could repeat the one before it.
        if self.references.last().is_none_or(|last| last.key != source.cite_key) {
            self.references.push(Reference {
                key: source.cite_key.clone(),
                meta: source.meta.clone(),
                files: vec![source.path.clone()],
                origin: source.path.clone(),
            });
        }
        self.sources.push(source);
    }

    fn warn(&mut self, path: &Path, message: String) {
        self.warnings.push(CorpusWarning { path: path.to_path_buf(), message });
    }

    /// Reads the sources of a file: one for a text or a page, one per record for an archive.
    fn read_sources(&mut self, path: &Path, stored: Option<&StoredTexts>) -> Vec<Source> {
        if has_extension(path, &["html", "htm", "xhtml"]) {
            let Some((file, _)) = self.read_file_text(path) else { return Vec::new() };
            let page = html::html_text(&file);
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("source").to_owned();
            let mut source = Source::new(stem, path, page.text);
            source.set_lines(LineIndex::for_extract(&source.text, 0, page.stand_ins));
            source.meta = page.meta;
            return vec![source];
        }
        if is_archive_path(path) {
            let Some((file, _)) = self.read_file_text(path) else { return Vec::new() };
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("archive");
            let (records, problems) = jsonl::read_jsonl(&file, stem);
            for (line, problem) in problems {
                self.warn(path, format!("line {line}: {problem}"));
            }
            return records
                .into_iter()
                .map(|record| {
                    let mut source = Source::new(record.key, path, record.text);
                    source.set_lines(LineIndex::for_extract(&source.text, record.line, record.stand_ins));
                    source.body = record.body;
                    source.meta = record.meta;
                    source
                })
                .collect();
        }
        self.read_text(path, stored).into_iter().collect()
    }

    /// A file's contents as text, and whether it was valid UTF-8; or a warning and `None` if it
    /// is unreadable or binary.
    fn read_file_text(&mut self, path: &Path) -> Option<(String, bool)> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(err) => {
                self.warn(path, format!("cannot read: {err}"));
                return None;
            }
        };
        if looks_binary(&bytes) {
            self.warn(path, "binary file skipped".into());
            return None;
        }
        Some(match String::from_utf8(bytes) {
            Ok(text) => (text, true),
            Err(err) => {
                let valid_up_to = err.utf8_error().valid_up_to();
                self.warn(
                    path,
                    format!(
                        "invalid UTF-8 (first bad byte at offset {valid_up_to}); decoded with replacement characters"
                    ),
                );
                (String::from_utf8_lossy(err.as_bytes()).into_owned(), false)
            }
        })
    }

    /// Reads a text source (or takes it from `stored`), or warns and returns `None` for a
    /// binary file.
    fn read_text(&mut self, path: &Path, stored: Option<&StoredTexts>) -> Option<Source> {
        // Stamped before reading: a change after this has a later time than the stamp.
        let stamp = fs::metadata(path).ok().as_ref().and_then(FileStamp::of);
        let kept = stored.zip(stamp).and_then(|(stored, stamp)| stored.text_for(path, stamp));
        let (text, stamp) = match kept {
            Some(text) => (text, stamp),
            None => {
                let (text, lossless) = self.read_file_text(path)?;
                (SourceText::from(text), stamp.filter(|_| lossless))
            }
        };
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("source").to_owned();
        let mut source = Source::new(stem, path, text);
        source.stamp = stamp;
        if is_markdown_path(path) {
            if let Some((front, body)) = split_front_matter(&source.text) {
                source.body = body;
                match serde_yaml_ng::from_str::<FrontMatter>(&source.text[front]) {
                    Ok(front) => {
                        if let Some(key) = front.key.or(front.id) {
                            source.key.clone_from(&key);
                            source.cite_key = key;
                        }
                        source.meta = SourceMeta {
                            title: front.title,
                            author: front.author.map(FrontMatterAuthor::into_string),
                            date: front.date.map(yaml_scalar_string),
                            url: front.url,
                            container: front.container,
                        };
                    }
                    Err(err) => self.warn(path, format!("front matter ignored: {err}")),
                }
            }
        }
        Some(source)
    }

    fn read_bibliography(&mut self, path: &Path) -> Vec<Reference> {
        let text = match fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(err) => {
                self.warn(path, format!("cannot read bibliography: {err}"));
                return Vec::new();
            }
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        let parsed = if has_extension(path, &["json"]) {
            crate::bibliography::parse_csl_json(&text, dir)
        } else if has_extension(path, &["yaml", "yml"]) {
            crate::bibliography::parse_csl_yaml(&text, dir)
        } else {
            crate::bibliography::parse_bibtex(&text, dir)
        };
        match parsed {
            Ok(mut references) => {
                for r in &mut references {
                    r.origin = path.to_path_buf();
                }
                references
            }
            Err(problem) => {
                let line = LineIndex::new(&text).line_of(problem.offset) + 1;
                self.warn(path, format!("line {line}: malformed bibliography, entries ignored: {}", problem.message));
                Vec::new()
            }
        }
    }
}

#[derive(Default)]
struct Files {
    texts: Vec<PathBuf>,
    bibliographies: Vec<PathBuf>,
}

impl Files {
    fn collect(&mut self, path: &Path, texts_allowed: bool) -> Result<(), CorpusError> {
        let meta = fs::metadata(path).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => CorpusError::Missing(path.to_path_buf()),
            _ => CorpusError::Io { path: path.to_path_buf(), source: err },
        })?;
        if meta.is_file() {
            if is_bibliography_path(path) {
                // A draft may name a bibliography the corpus folder holds already.
                if !self.bibliographies.iter().any(|b| same_file(b, path)) {
                    self.bibliographies.push(path.to_path_buf());
                }
            } else if texts_allowed {
                // A file named explicitly is read whatever its extension (binary ones are skipped).
                self.texts.push(path.to_path_buf());
            }
            return Ok(());
        }
        let mut entries: Vec<PathBuf> = walkdir::WalkDir::new(path)
            .follow_links(true)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(walkdir::DirEntry::into_path)
            .filter(|p| !is_hidden(p.strip_prefix(path).unwrap_or(p)))
            .collect();
        entries.sort();
        for entry in entries {
            if is_bibliography_path(&entry) {
                self.bibliographies.push(entry);
            } else if texts_allowed && is_text_path(&entry) {
                self.texts.push(entry);
            }
        }
        Ok(())
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct FrontMatter {
    key: Option<String>,
    id: Option<String>,
    title: Option<String>,
    author: Option<FrontMatterAuthor>,
    date: Option<serde_yaml_ng::Value>,
    url: Option<String>,
    container: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum FrontMatterAuthor {
    One(String),
    Many(Vec<String>),
}

impl FrontMatterAuthor {
    fn into_string(self) -> String {
        match self {
            FrontMatterAuthor::One(s) => s,
            FrontMatterAuthor::Many(v) => v.join(" and "),
        }
    }
}

fn yaml_scalar_string(value: serde_yaml_ng::Value) -> String {
    match value {
        serde_yaml_ng::Value::String(s) => s,
        serde_yaml_ng::Value::Number(n) => n.to_string(),
        other => serde_yaml_ng::to_string(&other).unwrap_or_default().trim().to_owned(),
    }
}

/// The byte ranges of a leading `---` YAML block (without its fences) and of what follows it.
pub fn split_front_matter(text: &str) -> Option<(Range<usize>, Range<usize>)> {
    let rest = text.strip_prefix("---")?;
    let first_break = rest.find('\n')?;
    if !rest[..first_break].trim().is_empty() {
        return None;
    }
    let start = 3 + first_break + 1;
    let mut offset = start;
    for line in text[start..].split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return Some((start..offset, offset + line.len()..text.len()));
        }
        offset += line.len();
    }
    None
}

fn merge_meta(into: &mut SourceMeta, from: &SourceMeta) {
    let SourceMeta { title, author, date, url, container } = from;
    for (slot, value) in [
        (&mut into.title, title),
        (&mut into.author, author),
        (&mut into.date, date),
        (&mut into.url, url),
        (&mut into.container, container),
    ] {
        if value.is_some() {
            slot.clone_from(value);
        }
    }
}

/// Writes `decoded` (a character reference or escape's meaning) into `out`, the bytes of the
/// reference, so the text keeps the file's length: soft hyphens (which never split a word, see
/// `normalize`) pad it in front, so `na&iuml;ve` and `Iran\u2019s` stay one word and the word's
/// span ends where the reference does. An odd padding takes an equivalent form of the character
/// (`é` decomposed, `’` as U+02BC) when one fits, else one space.
fn write_padded(out: &mut [u8], decoded: &str) {
    use unicode_normalization::UnicodeNormalization;
    let width = out.len();
    let apostrophe = decoded.chars().all(crate::normalize::is_apostrophe) && decoded.chars().count() == 1;
    let mut forms = vec![decoded.to_owned(), decoded.nfd().collect::<String>(), decoded.nfc().collect::<String>()];
    if apostrophe {
        forms.extend(["\u{2019}", "\u{02BC}", "'"].map(String::from));
    }
    let form = forms.iter().find(|f| f.len() <= width && (width - f.len()).is_multiple_of(2));
    let (form, lead) = match form {
        Some(form) => (form.as_str(), 0),
        None if decoded.len() < width => (decoded, 1),
        None => ("", width % 2),
    };
    out[..lead].fill(b' ');
    for pair in out[lead..width - form.len()].chunks_mut(2) {
        pair.copy_from_slice("\u{AD}".as_bytes());
    }
    out[width - form.len()..].copy_from_slice(form.as_bytes());
}

fn looks_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some()
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

fn is_text_path(path: &Path) -> bool {
    has_extension(path, &["txt", "text", "md", "markdown", "html", "htm", "xhtml", "jsonl"])
}

fn is_archive_path(path: &Path) -> bool {
    has_extension(path, &["jsonl"])
}

fn is_markdown_path(path: &Path) -> bool {
    has_extension(path, &["md", "markdown"])
}

fn is_bibliography_path(path: &Path) -> bool {
    has_extension(path, &["bib", "json", "yaml", "yml"])
}

fn is_hidden(relative: &Path) -> bool {
    relative.components().any(|c| c.as_os_str().to_str().is_some_and(|s| s.starts_with('.')))
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_split_from_the_body() {
        let text = "---\nkey: report\ntitle: A Report\n---\nBody text.\n";
        let (front, body) = split_front_matter(text).unwrap();
        assert_eq!(&text[front], "key: report\ntitle: A Report\n");
        assert_eq!(&text[body], "Body text.\n");
        assert!(split_front_matter("--- not front matter\n").is_none());
    }

    #[test]
    fn padding_keeps_words_whole() {
        let padded = |reference: &str, decoded: &str| {
            let mut out = reference.as_bytes().to_vec();
            write_padded(&mut out, decoded);
            String::from_utf8(out).unwrap()
        };
        for (reference, decoded) in
            [("&eacute;", "é"), ("\\u2019", "’"), ("&rsquo;", "’"), ("&szlig;", "ß"), ("&lt;", "<")]
        {
            let text = padded(reference, decoded);
            assert_eq!(text.len(), reference.len());
            let word = format!("a{text}b");
            let words: Vec<String> = crate::normalize::words(&word).into_iter().map(|w| w.norm).collect();
            if decoded != "ß" && decoded != "<" {
                assert_eq!(words.len(), 1, "{reference} splits {word:?}");
            }
        }
    }

    #[test]
    fn duplicate_keys_stay_distinguishable() {
        let corpus = Corpus::from_sources(vec![
            Source::new("report", "a/report.txt", "one"),
            Source::new("report", "b/report.txt", "two"),
        ]);
        let keys: Vec<_> = corpus.sources.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["report", "report#2"]);
        assert!(corpus.sources.iter().all(|s| s.cite_key == "report"));
        assert_eq!(corpus.warnings.len(), 1);
        assert!(corpus.warnings[0].message.contains("duplicate key `report`"));
    }
}
