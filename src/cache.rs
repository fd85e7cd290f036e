//! The persistent index on disk: `.quoteline/<corpus>/index.bin` beside the corpus (`quoteline index`
//! writes it; `check` and the language server reuse it while it is fresh).
//!
//! The file is memory-mapped and the index reads its arrays in place. It is trusted only after
//! its format, checksum and structure check out and every source's size and xxh3 hash match the
//! corpus just loaded (the texts are read anyway to report positions, and hashing them is far
//! cheaper than indexing; a modification time alone proves nothing). A corrupt or stale file is
//! rebuilt, never used. Writes go to a temporary file renamed into place, so a reader never sees
//! half a file and a mapped file is never modified under a reader.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::check::IndexedCorpus;
use crate::config::Config;
use crate::corpus::Corpus;
use crate::index::{source_fingerprints, Backing, CorpusIndex};

/// The cache file's name inside the cache folder.
pub const INDEX_FILE: &str = "index.bin";

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

/// Reads the cached index for `corpus` from `dir`.
pub fn load(corpus: &Corpus, dir: &Path) -> Result<CorpusIndex, String> {
    let path = dir.join(INDEX_FILE);
    let file = fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    // SAFETY: the map is read-only and the file is replaced only by rename, never rewritten in
    // place; its contents are checksummed and validated before any array is used.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| format!("{}: {e}", path.display()))?;
    let bytes: Arc<dyn Backing> = Arc::new(map);
    CorpusIndex::from_bytes(bytes, &source_fingerprints(&corpus.sources))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes `index` (built from `corpus`) to `dir`, atomically.
pub fn write(index: &CorpusIndex, corpus: &Corpus, dir: &Path) -> std::io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let path = dir.join(INDEX_FILE);
    let temp = dir.join(format!("{INDEX_FILE}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut out = BufWriter::with_capacity(1 << 20, fs::File::create(&temp)?);
        index.write_to(&source_fingerprints(&corpus.sources), &mut out)?;
        out.flush()?;
        out.get_ref().sync_all()?;
        fs::rename(&temp, &path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map(|()| path)
}

/// The indexed corpus, from the cache in `dir` when it is fresh. Without a cache file the index
/// is built in memory and nothing is written; a stale or corrupt cache file is rebuilt and
/// rewritten (its presence says the user wants one).
pub fn indexed(corpus: Corpus, dir: &Path) -> (IndexedCorpus, CacheOutcome) {
    let path = dir.join(INDEX_FILE);
    if !path.exists() {
        return (IndexedCorpus::new(corpus), CacheOutcome::Built { rebuilt: None });
    }
    match load(&corpus, dir) {
        Ok(index) => (IndexedCorpus::from_parts(corpus, index), CacheOutcome::Loaded(path)),
        Err(reason) => {
            let indexed = IndexedCorpus::new(corpus);
            let reason = match write(&indexed.index, &indexed.corpus, dir) {
                Ok(_) => reason,
                Err(err) => format!("{reason}; rewriting it failed: {err}"),
            };
            (indexed, CacheOutcome::Built { rebuilt: Some(reason) })
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
        let (_, outcome) = indexed(corpus(text), dir.path());
        assert_eq!(outcome, CacheOutcome::Built { rebuilt: None });
        assert!(!dir.path().join(INDEX_FILE).exists());

        let built = IndexedCorpus::new(corpus(text));
        write(&built.index, &built.corpus, dir.path()).unwrap();
        let (loaded, outcome) = indexed(corpus(text), dir.path());
        assert_eq!(outcome, CacheOutcome::Loaded(dir.path().join(INDEX_FILE)));
        assert_eq!(loaded.index.word_count(), built.index.word_count());

        let (_, outcome) = indexed(corpus(&format!("{text} Changed.")), dir.path());
        assert!(matches!(outcome, CacheOutcome::Built { rebuilt: Some(ref r) } if r.contains("stale")), "{outcome:?}");
        // It was rewritten for the changed corpus.
        let (_, outcome) = indexed(corpus(&format!("{text} Changed.")), dir.path());
        assert!(matches!(outcome, CacheOutcome::Loaded(_)));

        let mut bytes = fs::read(dir.path().join(INDEX_FILE)).unwrap();
        let last = bytes.len() - 20;
        bytes[last] ^= 1;
        fs::write(dir.path().join(INDEX_FILE), bytes).unwrap();
        let (_, outcome) = indexed(corpus(&format!("{text} Changed.")), dir.path());
        assert!(
            matches!(outcome, CacheOutcome::Built { rebuilt: Some(ref r) } if r.contains("corrupt")),
            "{outcome:?}"
        );
    }
}
