//! The index as bytes: written once by `quoteline index`, read back in place (the caller maps
//! the file) by `check` and the language server.
//!
//! Layout: an 8-byte magic, the manifest (JSON: format version, index parameters, and a
//! fingerprint of every source: key, path, body range, size, xxh3 hash of the text), then each
//! array as a little-endian length and its bytes, padded to 8 bytes, and last a checksum of
//! everything before it: the xxh3-64 of the xxh3-64s of its [`CHECKSUM_CHUNK`]-byte chunks, so
//! loading verifies the chunks in parallel. A file whose magic, version, checksum, parameters or
//! structure is wrong is corrupt; one whose sources differ from the corpus is stale. Neither is
//! ever used.
//!
//! Invariant: nothing here touches the file system; callers pass bytes in and a writer out.

use std::io::{self, Write};
use std::sync::Arc;

use bytemuck::Pod;
use rayon::prelude::*;

use super::store::{Backing, Store};
use super::{
    with_ids, Buckets, CorpusIndex, IdWidth, SeedTable, SpanTable, StoredId, Vocabulary, WordIds, LONG_SHINGLE,
    SHINGLE, SHINGLE_CAP, WINNOW, WORD_POSTINGS_CAP,
};
use crate::corpus::Source;

/// Bumped whenever the layout or the meaning of any array changes.
pub const FORMAT_VERSION: u32 = 8;
const MAGIC: &[u8; 8] = b"QLINDEX\x04";
/// Bytes per separately hashed chunk of the file.
const CHECKSUM_CHUNK: usize = 16 << 20;

/// What an index was built from, to tell a fresh cache from a stale one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SourceFingerprint {
    pub key: String,
    pub path: String,
    pub body: [usize; 2],
    pub size: u64,
    pub hash: u64,
}

/// Fingerprints of the sources an index is built from, in index order.
pub fn source_fingerprints(sources: &[Source]) -> Vec<SourceFingerprint> {
    sources
        .iter()
        .map(|s| SourceFingerprint {
            key: s.key.clone(),
            path: s.path.display().to_string(),
            body: [s.body.start, s.body.end],
            size: s.text.len() as u64,
            hash: s.text.content_hash(),
        })
        .collect()
}

#[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
struct Manifest {
    format: u32,
    /// The quoteline release that wrote it: another release rebuilds rather than trusting
    /// an index whose meaning may have changed under the same format number.
    writer: String,
    shingle: usize,
    long_shingle: usize,
    winnow: usize,
    shingle_cap: usize,
    word_postings_cap: usize,
    shingle_shift: u32,
    long_shingle_shift: u32,
    sources: Vec<SourceFingerprint>,
}

/// Why a persisted index cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PersistError {
    #[error("not a quoteline index")]
    NotAnIndex,
    #[error("index format {found}, this quoteline reads {FORMAT_VERSION}")]
    Version { found: u32 },
    #[error("index is corrupt: {0}")]
    Corrupt(String),
    #[error("index is stale: {0}")]
    Stale(String),
}

impl CorpusIndex {
    /// Writes the index and the fingerprints of its sources.
    pub fn write_to(&self, sources: &[SourceFingerprint], out: &mut dyn Write) -> io::Result<()> {
        let mut out = ChecksumWriter::new(out);
        out.write_all(MAGIC)?;
        let manifest = Manifest {
            format: FORMAT_VERSION,
            writer: env!("CARGO_PKG_VERSION").to_owned(),
            shingle: SHINGLE,
            long_shingle: LONG_SHINGLE,
            winnow: WINNOW,
            shingle_cap: SHINGLE_CAP,
            word_postings_cap: WORD_POSTINGS_CAP,
            shingle_shift: self.shingles.shift,
            long_shingle_shift: self.long_shingles.shift,
            sources: sources.to_vec(),
        };
        let manifest = serde_json::to_vec(&manifest).map_err(io::Error::other)?;
        write_section(&mut out, &manifest)?;
        let (text, bounds, table) = self.vocab.parts();
        write_section(&mut out, text.as_bytes())?;
        write_section(&mut out, bounds)?;
        write_section(&mut out, &table.offsets)?;
        write_section(&mut out, &table.positions)?;
        write_section(&mut out, &self.docs)?;
        with_ids!(&self.word_ids, ids => write_section(&mut out, ids)?);
        write_section(&mut out, &self.spans.checkpoints)?;
        write_section(&mut out, &self.spans.packed)?;
        write_section(&mut out, &self.spans.escaped)?;
        write_section(&mut out, &self.hyphen_splits)?;
        for table in [&self.shingles, &self.long_shingles] {
            write_section(&mut out, &table.buckets.offsets)?;
            write_section(&mut out, &table.buckets.positions)?;
            write_section(&mut out, &table.crowded)?;
        }
        write_section(&mut out, &self.word_postings.offsets)?;
        write_section(&mut out, &self.word_postings.positions)?;
        let checksum = out.finish();
        out.inner.write_all(&checksum.to_le_bytes())
    }

    /// Reads an index from `bytes` (arrays stay in `bytes`), checking it against the
    /// fingerprints of the corpus it is meant for.
    pub fn from_bytes(bytes: Arc<dyn Backing>, expected: &[SourceFingerprint]) -> Result<CorpusIndex, PersistError> {
        let data: &[u8] = bytes.as_ref().as_ref();
        if data.len() < MAGIC.len() + 8 || data[..MAGIC.len() - 1] != MAGIC[..MAGIC.len() - 1] {
            return Err(PersistError::NotAnIndex);
        }
        if data[MAGIC.len() - 1] != MAGIC[MAGIC.len() - 1] {
            return Err(PersistError::Version { found: u32::from(data[MAGIC.len() - 1]) });
        }
        let (body, trailer) = data.split_at(data.len() - 8);
        let stored = u64::from_le_bytes(trailer.try_into().expect("eight bytes"));
        if checksum(body) != stored {
            return Err(PersistError::Corrupt("checksum mismatch".into()));
        }
        let mut reader = SectionReader { bytes: &bytes, cursor: MAGIC.len(), end: body.len() };
        let manifest: Manifest =
            serde_json::from_slice(reader.raw()?).map_err(|e| PersistError::Corrupt(format!("manifest: {e}")))?;
        if manifest.format != FORMAT_VERSION {
            return Err(PersistError::Version { found: manifest.format });
        }
        if manifest.writer != env!("CARGO_PKG_VERSION") {
            return Err(PersistError::Stale(format!("written by quoteline {}", manifest.writer)));
        }
        if (manifest.shingle, manifest.long_shingle, manifest.winnow, manifest.shingle_cap, manifest.word_postings_cap)
            != (SHINGLE, LONG_SHINGLE, WINNOW, SHINGLE_CAP, WORD_POSTINGS_CAP)
        {
            return Err(PersistError::Stale("built with other index parameters".into()));
        }
        if manifest.sources.len() != expected.len() {
            return Err(PersistError::Stale(format!(
                "built from {} sources, the corpus has {}",
                manifest.sources.len(),
                expected.len()
            )));
        }
        if let Some((built, now)) = manifest.sources.iter().zip(expected).find(|(a, b)| a != b) {
            return Err(PersistError::Stale(if built.path == now.path {
                format!("{} changed", now.path)
            } else {
                format!("{} is now {}", built.path, now.path)
            }));
        }
        let text = String::from_utf8(reader.raw()?.to_vec()).map_err(|_| PersistError::Corrupt("vocabulary".into()))?;
        let bounds: Store<u32> = reader.array()?;
        let table = Buckets { offsets: reader.array()?, positions: reader.array()? };
        let mut index = CorpusIndex {
            vocab: Vocabulary::from_parts(text, bounds, table)
                .ok_or_else(|| PersistError::Corrupt("vocabulary".into()))?,
            ..CorpusIndex::default()
        };
        index.docs = reader.array()?;
        // The vocabulary's size decides the width, as it did when the index was built.
        index.word_ids = match IdWidth::for_vocabulary(index.vocab.len()) {
            IdWidth::Two => WordIds::Narrow(reader.array()?),
            IdWidth::Three => WordIds::Medium(reader.array()?),
            IdWidth::Four => WordIds::Wide(reader.array()?),
        };
        index.spans = SpanTable { checkpoints: reader.array()?, packed: reader.array()?, escaped: reader.array()? };
        index.hyphen_splits = reader.array()?;
        for (table, shift) in
            [(&mut index.shingles, manifest.shingle_shift), (&mut index.long_shingles, manifest.long_shingle_shift)]
        {
            let buckets = Buckets { offsets: reader.array()?, positions: reader.array()? };
            *table = SeedTable { buckets, shift, crowded: reader.array()? };
        }
        index.word_postings = Buckets { offsets: reader.array()?, positions: reader.array()? };
        index.validate(expected.len())?;
        index.doc_pages = super::DocPages::new(&index.docs);
        index.split_pages = super::SplitPages::new(&index.hyphen_splits, index.word_ids.len());
        index.word_shapes = index.vocab.shapes();
        Ok(index)
    }

    /// Structural checks, so even a file with a valid checksum cannot make a lookup go out of
    /// bounds.
    fn validate(&self, sources: usize) -> Result<(), PersistError> {
        let corrupt = |what: &str| Err(PersistError::Corrupt(what.into()));
        let words = self.word_ids.len();
        if self.docs.len() != sources {
            return corrupt("document table");
        }
        let mut next = 0u64;
        for &[first, len] in self.docs.iter() {
            if u64::from(first) != next {
                return corrupt("document table");
            }
            next += u64::from(len);
        }
        if next != words as u64 || self.spans.packed.len() != words {
            return corrupt("word arrays");
        }
        if self.spans.checkpoints.len() != words.div_ceil(super::CHECKPOINT) {
            return corrupt("span checkpoints");
        }
        // Whole-array scans run in parallel: they are most of loading a large index.
        let ids_in_vocabulary = with_ids!(&self.word_ids, ids => !any_at_least(ids, self.vocab.len()));
        if !ids_in_vocabulary {
            return corrupt("word ids");
        }
        for (table, width) in [(&self.shingles, SHINGLE), (&self.long_shingles, LONG_SHINGLE)] {
            let buckets = if table.shift >= 64 { Some(1) } else { 1usize.checked_shl(64 - table.shift) };
            if buckets != Some(table.bucket_count()) {
                return corrupt("seed buckets");
            }
            // Seed positions must leave room for a whole shingle.
            let room = (words + 1).saturating_sub(width);
            validate_postings(&table.buckets, table.bucket_count(), !super::GROUP_START, room)?;
            // Directory entries sorted, each inside its bucket.
            let sorted = table.crowded.windows(2).all(|w| w[0][..3] < w[1][..3]);
            let inside = table.crowded.iter().all(|&[bucket, _, _, start]| {
                (bucket as usize) < table.bucket_count()
                    && table.buckets.offsets[bucket as usize] <= start
                    && start <= table.buckets.offsets[bucket as usize + 1]
            });
            if !sorted || !inside {
                return corrupt("crowded shingle directory");
            }
        }
        validate_postings(&self.word_postings, self.vocab.len(), u32::MAX, words)?;
        Ok(())
    }
}

fn validate_postings(table: &Buckets, keys: usize, mask: u32, bound: usize) -> Result<(), PersistError> {
    if table.is_well_formed(keys, mask, bound) {
        Ok(())
    } else {
        Err(PersistError::Corrupt("postings".into()))
    }
}

/// Whether any item is `bound` or more, scanning chunks in parallel.
fn any_at_least<T: StoredId>(items: &[T], bound: usize) -> bool {
    let bound = bound as u64;
    items.par_chunks(1 << 20).any(|chunk| chunk.iter().fold(false, |bad, &x| bad | (u64::from(x.widen()) >= bound)))
}

fn write_section<T: Pod>(out: &mut dyn Write, items: &[T]) -> io::Result<()> {
    let bytes: &[u8] = bytemuck::cast_slice(items);
    out.write_all(&(bytes.len() as u64).to_le_bytes())?;
    out.write_all(bytes)?;
    let pad = (8 - bytes.len() % 8) % 8;
    out.write_all(&[0u8; 8][..pad])
}

/// Hashes everything written, for the trailing checksum.
/// The file's checksum: see the module docs.
fn checksum(body: &[u8]) -> u64 {
    let chunks: Vec<u8> = body
        .par_chunks(CHECKSUM_CHUNK)
        .flat_map_iter(|chunk| xxhash_rust::xxh3::xxh3_64(chunk).to_le_bytes())
        .collect();
    xxhash_rust::xxh3::xxh3_64(&chunks)
}

/// Computes [`checksum`] of what passes through it.
struct ChecksumWriter<'a> {
    inner: &'a mut dyn Write,
    chunk: xxhash_rust::xxh3::Xxh3,
    in_chunk: usize,
    chunk_hashes: Vec<u8>,
}

impl<'a> ChecksumWriter<'a> {
    fn new(inner: &'a mut dyn Write) -> ChecksumWriter<'a> {
        ChecksumWriter { inner, chunk: xxhash_rust::xxh3::Xxh3::new(), in_chunk: 0, chunk_hashes: Vec::new() }
    }

    fn finish(&mut self) -> u64 {
        if self.in_chunk > 0 {
            self.chunk_hashes.extend_from_slice(&self.chunk.digest().to_le_bytes());
        }
        xxhash_rust::xxh3::xxh3_64(&self.chunk_hashes)
    }
}

impl Write for ChecksumWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let take = rest.len().min(CHECKSUM_CHUNK - self.in_chunk);
            self.chunk.update(&rest[..take]);
            self.in_chunk += take;
            rest = &rest[take..];
            if self.in_chunk == CHECKSUM_CHUNK {
                self.chunk_hashes.extend_from_slice(&self.chunk.digest().to_le_bytes());
                self.chunk.reset();
                self.in_chunk = 0;
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

struct SectionReader<'a> {
    bytes: &'a Arc<dyn Backing>,
    cursor: usize,
    end: usize,
}

impl SectionReader<'_> {
    fn next_range(&mut self) -> Result<std::ops::Range<usize>, PersistError> {
        let data: &[u8] = self.bytes.as_ref().as_ref();
        let len_bytes = data
            .get(self.cursor..self.cursor + 8)
            .filter(|_| self.cursor + 8 <= self.end)
            .ok_or_else(|| PersistError::Corrupt("truncated".into()))?;
        let len = u64::from_le_bytes(len_bytes.try_into().expect("eight bytes")) as usize;
        let start = self.cursor + 8;
        let end = start
            .checked_add(len)
            .filter(|&e| e <= self.end)
            .ok_or_else(|| PersistError::Corrupt("truncated".into()))?;
        self.cursor = end + (8 - len % 8) % 8;
        Ok(start..end)
    }

    fn raw(&mut self) -> Result<&[u8], PersistError> {
        let range = self.next_range()?;
        Ok(&self.bytes.as_ref().as_ref()[range])
    }

    fn array<T: Pod>(&mut self) -> Result<Store<T>, PersistError> {
        let range = self.next_range()?;
        Store::shared(self.bytes, range).ok_or_else(|| PersistError::Corrupt("array size".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> Vec<Source> {
        vec![
            Source::new("cable", "cable.txt", "Any U.S. support for MEK would extremely damage its reputation."),
            Source::new("news", "news.txt", "the U.S. Ambassa-\ndor to Iraq James Jeffrey introducing a new approach"),
        ]
    }

    fn round_trip(sources: &[Source]) -> (CorpusIndex, Vec<u8>) {
        let index = CorpusIndex::build(sources).unwrap();
        let mut bytes = Vec::new();
        index.write_to(&source_fingerprints(sources), &mut bytes).unwrap();
        (index, bytes)
    }

    #[test]
    fn a_written_index_reads_back_the_same() {
        let sources = sources();
        let (built, bytes) = round_trip(&sources);
        let loaded = CorpusIndex::from_bytes(Arc::new(bytes), &source_fingerprints(&sources)).unwrap();
        assert_eq!(loaded.word_count(), built.word_count());
        assert_eq!(loaded.vocab().len(), built.vocab().len());
        for pos in 0..built.word_count() as u32 {
            assert_eq!(loaded.word_span(pos), built.word_span(pos));
            assert_eq!(loaded.word_id(pos), built.word_id(pos));
            assert_eq!(loaded.hyphen_split(pos), built.hyphen_split(pos));
        }
        let quote: Vec<u32> =
            ["support", "for", "mek", "would"].iter().map(|w| loaded.vocab().id(w).unwrap()).collect();
        assert_eq!(loaded.candidates(&quote, None, 4), built.candidates(&quote, None, 4));
    }

    #[test]
    fn a_vocabulary_too_large_for_two_bytes_keeps_three_byte_ids() {
        // 70,000 distinct words (w0 … w69999) then a passage quoted below: ids above 65,535.
        let filler: String = (0..70_000).map(|i| format!("w{i} ")).collect();
        let passage = "any support for mek would extremely damage its reputation";
        let sources = vec![
            Source::new("filler", "filler.txt", filler),
            Source::new("cable", "cable.txt", format!("w69999 zz1 zz2 {passage} zz3.")),
        ];
        let (built, bytes) = round_trip(&sources);
        assert!(matches!(built.word_ids, WordIds::Medium(_)));
        // Three bytes a word, where four would be 280,052 bytes.
        assert_eq!(built.word_ids.heap_bytes(), 3 * built.word_count());
        let loaded = CorpusIndex::from_bytes(Arc::new(bytes), &source_fingerprints(&sources)).unwrap();
        assert!(matches!(loaded.word_ids, WordIds::Medium(_)));
        let last = loaded.vocab().id("w69999").unwrap();
        assert!(last > u32::from(u16::MAX));
        let quote: Vec<u32> =
            ["w69999", "zz1", "zz2", "any", "support"].iter().map(|w| loaded.vocab().id(w).unwrap()).collect();
        let found = loaded.find_verbatim(&quote, 4);
        assert_eq!(found.len(), 1);
        assert_eq!(loaded.doc_of(found[0].start), 1);
        assert_eq!(*loaded.word_ids(found[0].clone()), *quote);
        assert_eq!(loaded.candidates(&quote, None, 4), built.candidates(&quote, None, 4));
        // A cited source read whole (no seed needed) finds the passage through the same ids.
        let reworded: Vec<u32> =
            ["support", "for", "mek", "would", "damage"].iter().map(|w| loaded.vocab().id(w).unwrap()).collect();
        let scanned = loaded.scan_candidates(&reworded, 1, 3);
        assert_eq!(scanned, built.scan_candidates(&reworded, 1, 3));
        assert!(scanned.first().is_some_and(|c| c.words.contains(&(loaded.doc_words(1).start + 4))), "{scanned:?}");
        // The small corpus beside it stores two bytes a word.
        assert!(matches!(CorpusIndex::build(&sources[1..]).unwrap().word_ids, WordIds::Narrow(_)));
    }

    #[test]
    fn corruption_is_detected() {
        let sources = sources();
        let (_, bytes) = round_trip(&sources);
        let expected = source_fingerprints(&sources);
        let mut flipped = bytes.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x40;
        assert_eq!(
            CorpusIndex::from_bytes(Arc::new(flipped), &expected).unwrap_err(),
            PersistError::Corrupt("checksum mismatch".into())
        );
        let truncated = bytes[..bytes.len() - 9].to_vec();
        assert!(CorpusIndex::from_bytes(Arc::new(truncated), &expected).is_err());
        assert_eq!(
            CorpusIndex::from_bytes(Arc::new(b"hello".to_vec()), &expected).unwrap_err(),
            PersistError::NotAnIndex
        );
    }

    #[test]
    fn a_changed_source_makes_the_index_stale() {
        let sources = sources();
        let (_, bytes) = round_trip(&sources);
        let mut changed = sources.clone();
        changed[1].text = format!("{} more", changed[1].text.as_str()).into();
        let err = CorpusIndex::from_bytes(Arc::new(bytes), &source_fingerprints(&changed)).unwrap_err();
        assert_eq!(err, PersistError::Stale("news.txt changed".into()));
    }
}
