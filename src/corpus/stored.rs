//! Source texts kept out of the user's files: a text is either owned (read from its file) or a
//! slice of the index cache's own copy of that file (`texts.bin`, written by `quoteline index`
//! beside `index.bin`).
//!
//! Why a copy: a check against a saved index needs the texts only to report where a passage
//! is, yet reading, decoding and hashing a gigabyte of them cost a second on every run. The
//! copy is a file we write once and replace by rename, so it can be mapped; the user's files
//! are never mapped, because editors rewrite them in place.
//!
//! When the copy stands in for a file: the file's size and modification time equal those
//! recorded when it was copied, and that time is older than the copy by more than
//! [`RACY_NS`]. A file changed within the same tick of a coarse clock could otherwise keep
//! its time (git calls these entries "racy"); such a file is read from disk, and the index's
//! fingerprints (size and content hash) decide whether the index still holds. Every copied
//! text is hashed and checked as UTF-8 when the copy is opened, so a damaged copy is never
//! used.
//!
//! Layout: an 8-byte magic, a little-endian u64 length and a JSON header (writer, build time,
//! and each file's absolute path, size, modification time and xxh3 hash), the files' bytes one after
//! another, and an xxh3-64 checksum of everything before the texts.

use std::collections::HashMap;
use std::io::{self, Write};
use std::ops::{Deref, Range};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rayon::prelude::*;

/// Bytes that outlive the text borrowed from them (a mapped file, or a vector in tests).
pub type SharedBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// A file changed less than this before it was copied is read from disk, not trusted by its
/// time: two seconds covers the coarsest file system clocks (FAT).
pub const RACY_NS: u64 = 2_000_000_000;

const MAGIC: &[u8; 8] = b"QLTEXTS\x01";

/// A source's text.
#[derive(Clone)]
pub struct SourceText(Repr);

#[derive(Clone)]
enum Repr {
    Owned(String),
    /// Valid UTF-8 by construction ([`StoredTexts::open`] checks every file) with its xxh3.
    Shared {
        bytes: SharedBytes,
        range: Range<usize>,
        hash: u64,
    },
}

impl SourceText {
    pub fn as_str(&self) -> &str {
        self
    }

    /// The xxh3 hash of the text: recorded for a stored copy (checked when the copy was
    /// opened), computed for an owned text.
    pub fn content_hash(&self) -> u64 {
        match &self.0 {
            Repr::Owned(text) => xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
            Repr::Shared { hash, .. } => *hash,
        }
    }

    /// Whether the text is the cache's copy rather than read from its file.
    pub fn is_stored_copy(&self) -> bool {
        matches!(self.0, Repr::Shared { .. })
    }
}

impl Deref for SourceText {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.0 {
            Repr::Owned(text) => text,
            Repr::Shared { bytes, range, .. } => {
                let bytes = &(**bytes).as_ref()[range.clone()];
                // SAFETY: a `Shared` text is made only by `StoredTexts::text_for`, from a range
                // `StoredTexts::open` checked is valid UTF-8; `bytes` is immutable (our own
                // file, replaced only by rename) and kept alive by the `Arc`.
                unsafe { std::str::from_utf8_unchecked(bytes) }
            }
        }
    }
}

impl PartialEq for SourceText {
    fn eq(&self, other: &SourceText) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SourceText {}

impl From<String> for SourceText {
    fn from(text: String) -> SourceText {
        SourceText(Repr::Owned(text))
    }
}

impl From<&str> for SourceText {
    fn from(text: &str) -> SourceText {
        SourceText(Repr::Owned(text.to_owned()))
    }
}

impl std::fmt::Debug for SourceText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.is_stored_copy() { "stored" } else { "owned" };
        write!(f, "SourceText({kind}, {} bytes)", self.len())
    }
}

/// What identifies a file's contents without reading them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileStamp {
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: u64,
}

impl FileStamp {
    pub fn of(meta: &std::fs::Metadata) -> Option<FileStamp> {
        let mtime_ns = nanos_since_epoch(meta.modified().ok()?)?;
        Some(FileStamp { size: meta.len(), mtime_ns })
    }
}

/// `path` made absolute without touching the file system, so `corpus/a.txt`, `./corpus/a.txt`
/// and the absolute path an editor's workspace gives name one file (the command line and the
/// language server would otherwise invalidate each other's cache).
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

pub fn nanos_since_epoch(time: SystemTime) -> Option<u64> {
    time.duration_since(UNIX_EPOCH).ok().and_then(|d| u64::try_from(d.as_nanos()).ok())
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Header {
    writer: String,
    /// When the corpus began loading, before any file was looked at.
    built_at_ns: u64,
    files: Vec<StoredFile>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct StoredFile {
    path: PathBuf,
    stamp: FileStamp,
    hash: u64,
}

/// An opened, verified copy of the corpus's plain-text files.
pub struct StoredTexts {
    bytes: SharedBytes,
    built_at_ns: u64,
    /// Path to (stamp, hash, byte range).
    files: HashMap<PathBuf, (FileStamp, u64, Range<usize>)>,
}

impl std::fmt::Debug for StoredTexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoredTexts({} files)", self.files.len())
    }
}

impl StoredTexts {
    /// Checks a copy: magic, header checksum, writer, and every text's hash and encoding.
    pub fn open(bytes: SharedBytes) -> Result<StoredTexts, String> {
        let data: &[u8] = (*bytes).as_ref();
        if data.len() < MAGIC.len() + 16 || &data[..MAGIC.len()] != MAGIC {
            return Err("not a quoteline text store".into());
        }
        let header_len = u64::from_le_bytes(data[8..16].try_into().expect("eight bytes"));
        let header_end = usize::try_from(header_len).ok().and_then(|n| n.checked_add(16)).filter(|&e| e <= data.len());
        let Some(header_end) = header_end else { return Err("truncated header".into()) };
        let header: Header = serde_json::from_slice(&data[16..header_end]).map_err(|e| format!("header: {e}"))?;
        if header.writer != env!("CARGO_PKG_VERSION") {
            return Err(format!("written by quoteline {}", header.writer));
        }
        let mut files = HashMap::with_capacity(header.files.len());
        let mut ranges = Vec::with_capacity(header.files.len());
        let mut at = header_end;
        for file in header.files {
            let end = usize::try_from(file.stamp.size).ok().and_then(|n| at.checked_add(n));
            let Some(end) = end.filter(|&e| e + 8 <= data.len()) else { return Err("truncated texts".into()) };
            ranges.push((at..end, file.hash));
            files.insert(file.path, (file.stamp, file.hash, at..end));
            at = end;
        }
        if at + 8 != data.len() {
            return Err("trailing bytes".into());
        }
        let checksum = u64::from_le_bytes(data[at..].try_into().expect("eight bytes"));
        if xxhash_rust::xxh3::xxh3_64(&data[..header_end]) != checksum {
            return Err("header checksum mismatch".into());
        }
        // Hashing and decoding a gigabyte is most of opening it: one file per task.
        let damaged = ranges.par_iter().any(|(range, hash)| {
            let text = &data[range.clone()];
            xxhash_rust::xxh3::xxh3_64(text) != *hash || simdutf8::basic::from_utf8(text).is_err()
        });
        if damaged {
            return Err("a stored text does not match its hash".into());
        }
        Ok(StoredTexts { bytes, built_at_ns: header.built_at_ns, files })
    }

    /// The stored copy of `path`, if it holds what the file now holds (see the module docs).
    pub fn text_for(&self, path: &Path, now: FileStamp) -> Option<SourceText> {
        let (stamp, hash, range) = self.files.get(&absolute(path))?;
        let settled = stamp.mtime_ns.saturating_add(RACY_NS) < self.built_at_ns;
        (*stamp == now && settled)
            .then(|| SourceText(Repr::Shared { bytes: Arc::clone(&self.bytes), range: range.clone(), hash: *hash }))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Writes a copy of `files` (path, stamp taken before reading, text read), `built_at_ns`
/// being when the corpus began loading.
pub fn write_stored_texts<'a>(
    files: impl IntoIterator<Item = (&'a Path, FileStamp, &'a str)>,
    built_at_ns: u64,
    out: &mut dyn Write,
) -> io::Result<()> {
    // A file whose size changed between its stamp and its reading changed meanwhile: not copied.
    let files: Vec<(&Path, FileStamp, &str)> =
        files.into_iter().filter(|(_, stamp, text)| stamp.size == text.len() as u64).collect();
    let header = Header {
        writer: env!("CARGO_PKG_VERSION").into(),
        built_at_ns,
        files: files
            .iter()
            .map(|&(path, stamp, text)| StoredFile {
                path: absolute(path),
                stamp,
                hash: xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
            })
            .collect(),
    };
    let json = serde_json::to_vec(&header).map_err(io::Error::other)?;
    let mut head = Vec::with_capacity(16 + json.len());
    head.extend_from_slice(MAGIC);
    head.extend_from_slice(&(json.len() as u64).to_le_bytes());
    head.extend_from_slice(&json);
    out.write_all(&head)?;
    for (_, _, text) in &files {
        out.write_all(text.as_bytes())?;
    }
    out.write_all(&xxhash_rust::xxh3::xxh3_64(&head).to_le_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: u64 = 1_000_000_000_000;
    const BUILT: u64 = OLD + 10 * RACY_NS;

    fn store(files: &[(&str, u64, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        let files =
            files.iter().map(|&(p, mtime_ns, t)| (Path::new(p), FileStamp { size: t.len() as u64, mtime_ns }, t));
        write_stored_texts(files, BUILT, &mut out).unwrap();
        out
    }

    fn stamp(text: &str, mtime_ns: u64) -> FileStamp {
        FileStamp { size: text.len() as u64, mtime_ns }
    }

    #[test]
    fn a_stored_text_stands_in_for_an_unchanged_file() {
        let cable = "“Heavy fighting” — reported in Kabul; کابل.\n";
        let stored =
            StoredTexts::open(Arc::new(store(&[("a/cable.txt", OLD, cable), ("b.md", OLD, "# B\n")]))).unwrap();
        let text = stored.text_for(Path::new("a/cable.txt"), stamp(cable, OLD)).expect("fresh");
        assert_eq!(text.as_str(), cable);
        assert!(text.is_stored_copy());
        assert_eq!(text.content_hash(), SourceText::from(cable).content_hash());
        assert_eq!(stored.len(), 2);
    }

    #[test]
    fn a_changed_new_or_racy_file_is_read_from_disk() {
        let bytes = store(&[("cable.txt", OLD, "one two"), ("racy.txt", BUILT - RACY_NS / 2, "three")]);
        let stored = StoredTexts::open(Arc::new(bytes)).unwrap();
        let at = |p: &str, s| stored.text_for(Path::new(p), s);
        assert!(at("cable.txt", stamp("one two", OLD + 1)).is_none(), "touched");
        assert!(at("cable.txt", stamp("one twos", OLD)).is_none(), "resized");
        assert!(at("other.txt", stamp("one two", OLD)).is_none(), "not stored");
        assert!(at("racy.txt", stamp("three", BUILT - RACY_NS / 2)).is_none(), "changed just before the copy");
    }

    #[test]
    fn damage_anywhere_is_detected() {
        let good = store(&[("cable.txt", OLD, "one two three"), ("b.txt", OLD, "four")]);
        assert!(StoredTexts::open(Arc::new(good.clone())).is_ok());
        let text_at = good.windows(13).position(|w| w == b"one two three").unwrap();
        for at in [0, 12, text_at + 4, good.len() - 1] {
            let mut bad = good.clone();
            bad[at] ^= 0x20;
            assert!(StoredTexts::open(Arc::new(bad)).is_err(), "flipped byte {at}");
        }
        assert!(StoredTexts::open(Arc::new(good[..good.len() - 3].to_vec())).is_err(), "truncated");
        let mut invalid = store(&[("x.txt", OLD, "ab")]);
        let at = invalid.len() - 10;
        invalid[at] = 0xff;
        assert!(StoredTexts::open(Arc::new(invalid)).is_err(), "bad UTF-8 with a bad hash");
    }
}
