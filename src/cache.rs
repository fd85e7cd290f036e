//! The persistent index on disk: `.quoteline/<corpus>/index.bin` beside the corpus, and
//! `texts.bin`, a copy of the corpus's plain text files (`quoteline index` writes both; `check`
//! and the language server reuse them while they are fresh).
//!
//! Both files are memory-mapped and read in place. The index is trusted only after its format,
//! checksum and structure check out and every source's size and xxh3 hash match the corpus just
//! loaded. The copy of the texts stands in for a file only while the file's size and time are
//! those it was copied with (see `corpus/stored.rs`); other files are read from disk and hashed.
//! So a check against a fresh cache reads none of the corpus's files, only their metadata. A
//! corrupt or stale file is rebuilt, never used. Writes go to a temporary file renamed into
//! place, so a reader never sees half a file and a mapped file is never modified under a reader.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::check::IndexedCorpus;
use crate::config::Config;
use crate::corpus::{Corpus, CorpusError, StoredTexts};
use crate::index::{source_fingerprints, Backing, CorpusIndex, CorpusTooLarge, SourceFingerprint};

/// The cache file's name inside the cache folder.
pub const INDEX_FILE: &str = "index.bin";
/// The copy of the corpus's texts inside the cache folder.
pub const TEXTS_FILE: &str = "texts.bin";

/// `.quoteline/<name>/` in the folder holding the first corpus path, `<name>` being that path's
/// own name: two corpora side by side (`sources/` and `archive/`) keep one index each instead of
/// overwriting each other's.
pub fn default_cache_dir(config: &Config) -> PathBuf {
    let first = config.corpus.first().map(PathBuf::as_path).unwrap_or(Path::new("corpus"));
    let parent = first.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = first.file_name().map_or_else(|| "corpus".into(), |n| n.to_string_lossy().into_owned());
    parent.join(".quoteline").join(name)
}

/// How the index was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Read from the cache file.
    Loaded(PathBuf),
    /// Built; `rebuilt` says why an existing cache file was not used (and was rewritten).
    Built { rebuilt: Option<String> },
}

/// Maps one of the cache's files.
fn map(path: &Path) -> Result<memmap2::Mmap, String> {
    let file = fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // SAFETY: the map is read-only and the file is replaced only by rename, never rewritten in
    // place; its contents are checksummed and validated before anything in it is used.
    unsafe { memmap2::Mmap::map(&file) }.map_err(|e| format!("{}: {e}", path.display()))
}

/// Loads the corpus at `paths`, taking unchanged files' texts from the copy in `dir` if there
/// is a sound one (a damaged or outdated copy is ignored: the files are read).
pub fn load_corpus(paths: &[PathBuf], bibliographies: &[PathBuf], dir: &Path) -> Result<Corpus, CorpusError> {
    let stored = map(&dir.join(TEXTS_FILE)).and_then(|map| StoredTexts::open(Arc::new(map))).ok();
    Corpus::load_with(paths, bibliographies, stored.as_ref())
}

/// The fingerprints a cache records, with absolute paths: the command line names the corpus
/// as given (`corpus`), an editor by its workspace's absolute path, and both must find the
/// cache fresh.
fn fingerprints(corpus: &Corpus) -> Vec<SourceFingerprint> {
    let mut fingerprints = source_fingerprints(&corpus.sources);
    for (fingerprint, source) in fingerprints.iter_mut().zip(&corpus.sources) {
        fingerprint.path = crate::corpus::absolute(&source.path).display().to_string();
    }
    fingerprints
}

/// Reads the cached index for `corpus` from `dir`.
pub fn load(corpus: &Corpus, dir: &Path) -> Result<CorpusIndex, String> {
    let path = dir.join(INDEX_FILE);
    let bytes: Arc<dyn Backing> = Arc::new(map(&path)?);
    CorpusIndex::from_bytes(bytes, &fingerprints(corpus)).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes `index` (built from `corpus`) and the copy of the corpus's texts to `dir`, atomically.
pub fn write(index: &CorpusIndex, corpus: &Corpus, dir: &Path) -> std::io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let path = replace_file(dir, INDEX_FILE, &mut |out| index.write_to(&fingerprints(corpus), out))?;
    write_texts(corpus, dir)?;
    Ok(path)
}

/// Writes the copy of the texts of `corpus` whose files were read whole and losslessly.
fn write_texts(corpus: &Corpus, dir: &Path) -> std::io::Result<PathBuf> {
    let files = corpus.sources.iter().filter_map(|s| Some((s.path.as_path(), s.stamp?, s.text.as_str())));
    replace_file(dir, TEXTS_FILE, &mut |out| crate::corpus::write_stored_texts(files.clone(), corpus.loaded_at_ns, out))
}

/// Writes `dir/name` through a temporary file renamed into place.
fn replace_file(
    dir: &Path,
    name: &str,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<PathBuf> {
    let path = dir.join(name);
    let temp = dir.join(format!("{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut out = BufWriter::with_capacity(1 << 20, fs::File::create(&temp)?);
        write(&mut out)?;
        out.flush()?;
        out.get_ref().sync_all()?;
        fs::rename(&temp, &path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map(|()| path)
}

/// Whether some settled file was read from disk although the index holds: its copy is
/// missing or out of date (the file was touched, or the copy damaged), so the next check would
/// read it again.
fn copy_is_behind(corpus: &Corpus) -> bool {
    corpus.sources.iter().any(|s| {
        s.stamp.is_some_and(|stamp| {
            !s.text.is_stored_copy() && stamp.mtime_ns.saturating_add(crate::corpus::RACY_NS) < corpus.loaded_at_ns
        })
    })
}

/// The indexed corpus, from the cache in `dir` when it is fresh. Without a cache file the index
/// is built in memory and nothing is written; a stale or corrupt cache file is rebuilt and
/// rewritten (its presence says the user wants one).
pub fn indexed(corpus: Corpus, dir: &Path) -> Result<(IndexedCorpus, CacheOutcome), CorpusTooLarge> {
    let path = dir.join(INDEX_FILE);
    if !path.exists() {
        return Ok((IndexedCorpus::new(corpus)?, CacheOutcome::Built { rebuilt: None }));
    }
    match load(&corpus, dir) {
        Ok(index) => {
            if copy_is_behind(&corpus) {
                // Best effort: the check goes on with the texts it read either way.
                let _ = write_texts(&corpus, dir);
            }
            Ok((IndexedCorpus::from_parts(corpus, index), CacheOutcome::Loaded(path)))
        }
        Err(reason) => {
            let indexed = IndexedCorpus::new(corpus)?;
            let reason = match write(&indexed.index, &indexed.corpus, dir) {
                Ok(_) => reason,
                Err(err) => format!("{reason}; rewriting it failed: {err}"),
            };
            Ok((indexed, CacheOutcome::Built { rebuilt: Some(reason) }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Source;

    fn corpus(text: &str) -> Corpus {
        Corpus::from_sources(vec![Source::new("cable", "cable.txt", text)])
    }

    #[test]
    fn cache_is_used_while_fresh_and_rebuilt_when_stale_or_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let text = "Any U.S. support for MEK would extremely damage its reputation amongst Iranians.";
        // No cache file: built in memory, nothing written.
        let (_, outcome) = indexed(corpus(text), dir.path()).unwrap();
        assert_eq!(outcome, CacheOutcome::Built { rebuilt: None });
        assert!(!dir.path().join(INDEX_FILE).exists());

        let built = IndexedCorpus::new(corpus(text)).unwrap();
        write(&built.index, &built.corpus, dir.path()).unwrap();
        let (loaded, outcome) = indexed(corpus(text), dir.path()).unwrap();
        assert_eq!(outcome, CacheOutcome::Loaded(dir.path().join(INDEX_FILE)));
        assert_eq!(loaded.index.word_count(), built.index.word_count());

        let (_, outcome) = indexed(corpus(&format!("{text} Changed.")), dir.path()).unwrap();
        assert!(matches!(outcome, CacheOutcome::Built { rebuilt: Some(ref r) } if r.contains("stale")), "{outcome:?}");
        // It was rewritten for the changed corpus.
        let (_, outcome) = indexed(corpus(&format!("{text} Changed.")), dir.path()).unwrap();
        assert!(matches!(outcome, CacheOutcome::Loaded(_)));

        let mut bytes = fs::read(dir.path().join(INDEX_FILE)).unwrap();
        let last = bytes.len() - 20;
        bytes[last] ^= 1;
        fs::write(dir.path().join(INDEX_FILE), bytes).unwrap();
        let (_, outcome) = indexed(corpus(&format!("{text} Changed.")), dir.path()).unwrap();
        assert!(
            matches!(outcome, CacheOutcome::Built { rebuilt: Some(ref r) } if r.contains("corrupt")),
            "{outcome:?}"
        );
    }

    /// Sets a file's modification time `secs` seconds before now.
    fn age(path: &Path, secs: u64) {
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(secs)).unwrap();
    }

    #[test]
    fn unchanged_files_are_taken_from_the_copy_and_changed_ones_read() {
        let root = tempfile::tempdir().unwrap();
        let corpus_dir = root.path().join("sources");
        let cache = root.path().join("cache");
        fs::create_dir(&corpus_dir).unwrap();
        let cable = corpus_dir.join("cable.txt");
        let report = corpus_dir.join("report.md");
        fs::write(&cable, "Any U.S. support for MEK would “extremely” damage its reputation — کابل.\n").unwrap();
        fs::write(&report, "---\ntitle: A report\n---\nHeavy fighting was reported in the north.\n").unwrap();
        age(&cable, 3600);
        age(&report, 3600);
        let paths = [corpus_dir.clone()];
        let load = || load_corpus(&paths, &[], &cache).unwrap();
        let stored = |corpus: &Corpus| corpus.sources.iter().map(|s| s.text.is_stored_copy()).collect::<Vec<_>>();

        let first = load();
        assert_eq!(stored(&first), [false, false], "no copy yet");
        let built = IndexedCorpus::new(first).unwrap();
        write(&built.index, &built.corpus, &cache).unwrap();

        let second = load();
        assert_eq!(stored(&second), [true, true]);
        // Named another way (as an editor or another working directory would), still fresh.
        let other_spelling = load_corpus(&[corpus_dir.join(".")], &[], &cache).unwrap();
        assert_eq!(stored(&other_spelling), [true, true]);
        assert!(matches!(indexed(other_spelling, &cache).unwrap().1, CacheOutcome::Loaded(_)));
        assert_eq!(second.sources[1].meta.title.as_deref(), Some("A report"), "front matter read from the copy");
        assert_eq!(second.sources[0].text.as_str(), fs::read_to_string(&cable).unwrap());
        let (_, outcome) = indexed(second, &cache).unwrap();
        assert!(matches!(outcome, CacheOutcome::Loaded(_)));

        // Touched, same words: read from disk; the index still holds, and the copy catches up.
        age(&cable, 1800);
        let touched = load();
        assert_eq!(stored(&touched), [false, true]);
        let (_, outcome) = indexed(touched, &cache).unwrap();
        assert!(matches!(outcome, CacheOutcome::Loaded(_)), "{outcome:?}");
        assert_eq!(stored(&load()), [true, true], "copy rewritten with the new time");

        // Edited just now (a racy time): read from disk, and the index is stale.
        fs::write(&cable, "Any U.S. support for MEK would “greatly” damage its reputation — کابل.\n").unwrap();
        let edited = load();
        assert_eq!(stored(&edited), [false, true]);
        assert!(edited.sources[0].text.contains("greatly"));
        let (_, outcome) = indexed(edited, &cache).unwrap();
        assert!(
            matches!(outcome, CacheOutcome::Built { rebuilt: Some(ref r) } if r.contains("changed")),
            "{outcome:?}"
        );

        // A damaged copy is ignored: every file is read.
        let texts = cache.join(TEXTS_FILE);
        let mut bytes = fs::read(&texts).unwrap();
        let at = bytes.len() - 20;
        bytes[at] ^= 1;
        fs::write(&texts, bytes).unwrap();
        age(&cable, 3600);
        assert_eq!(stored(&load()), [false, false]);
    }
}
