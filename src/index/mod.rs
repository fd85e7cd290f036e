//! Finds candidate source passages for a quote.
//!
//! The corpus becomes one stream of word ids (each distinct normalised word interned once), and
//! two compact inverted indexes point into it; neither is a map of vectors:
//! - *shingles*: hashes of runs of [`SHINGLE`] consecutive words, for seed-and-extend. Only the
//!   shingles that winnowing selects are stored (the minimum hash of every window of [`WINNOW`]
//!   shingles), which keeps about two thirds of positions yet guarantees a shared seed for any
//!   exact match of `SHINGLE + WINNOW - 1` words (four, the shortest quote checked by default).
//!   Positions live in buckets addressed by the hash's top bits (a CSR offsets array); no keys
//!   are stored, because the word ids at a position give its hash back.
//! - *long shingles*: a shingle seen more than [`SHINGLE_CAP`] times ("one of the") locates
//!   nothing, so the positions of a bucket that crowded are keyed by the [`LONG_SHINGLE`] words
//!   from each instead. In an archive whose phrases repeat, a passage of common three-word
//!   phrases is still found by its rarer six-word runs (any exact match of seven words shares
//!   a seed), and nothing is dropped, so a lookup within one document sees every seed. A long
//!   shingle repeated past the cap in turn is grouped with a directory entry, and a query of
//!   the whole corpus reads only its first positions.
//! - *words*: the first [`WORD_POSTINGS_CAP`] positions of each word id, for short quotes and for
//!   the rare-word fallback when a quote changes a word every few words.
//!
//! Word ids take two bytes each while the vocabulary has at most 65,536 words (three up to 16.7
//! million), and a word's span is one byte (its gap from the previous word and its length, four
//! bits each, with rare escapes), with an absolute start every 64 words, so the whole index
//! stays near the size of the corpus it indexes.
//!
//! A query votes on (document, diagonal): a seed at quote position `q` found at corpus position
//! `p` votes for diagonal `p - q`; nearby diagonals (insertions and omissions shift them) merge
//! into one candidate region, and the regions with most votes are aligned by [`crate::align`].
//!
//! Invariant: positions are global word indexes (`u32`); a shingle never spans two documents.

#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::borrow::Cow;
use std::hash::BuildHasher;
use std::ops::Range;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::corpus::Source;
use crate::normalize::{for_each_word, WordShape};

mod pairs;
mod persist;
mod store;
mod widen;

use pairs::PairFilter;
pub use persist::{source_fingerprints, PersistError, SourceFingerprint, FORMAT_VERSION};
pub use store::Backing;
use store::Store;

/// Words per shingle.
pub const SHINGLE: usize = 3;
/// Shingles per winnowing window. With two, any exact match of `SHINGLE + WINNOW - 1 = 4`
/// words (the default `min_words`) shares a stored seed, at about two thirds of the positions.
pub const WINNOW: usize = 2;
/// Shingles seen more often than this are too common to locate anything: a bucket of the
/// shingle table receiving more positions holds one, and its positions are keyed by the
/// [`LONG_SHINGLE`] words from each instead. Also how many of a long shingle's positions a
/// query of the whole corpus reads, and past which a long bucket is grouped by shingle.
pub const SHINGLE_CAP: usize = 512;
/// Words per long shingle. Any exact match of `LONG_SHINGLE + WINNOW - 1 = 7` words shares a
/// stored seed even where every shingle in it is common.
pub const LONG_SHINGLE: usize = 2 * SHINGLE;
/// Marks the first stored position of each shingle's group within a seed bucket. Positions
/// are word positions, so a corpus may hold up to 2^31 words (about 12 GB of English).
const GROUP_START: u32 = 1 << 31;
/// Most words a corpus may hold: seed positions keep their top bit to mark a group's start.
pub const MAX_CORPUS_WORDS: usize = GROUP_START as usize;
/// Stands for the long shingle of a position too near its document's end to have one.
const NO_ROOM: u64 = u64::MAX;
/// Positions kept per word: all of a rare word's, the first ones of a common word's.
pub const WORD_POSTINGS_CAP: usize = 256;
/// Words rarer than this may seed a quote that has no intact shingle.
const RARE_WORD_CAP: usize = WORD_POSTINGS_CAP;
/// Least average of stored shingle positions per bucket (the bucket count is a power of two,
/// so the average is below twice this). Fuller buckets cost a lookup a few more hashes; the
/// offsets table costs 4 bytes a bucket.
const BUCKET_LOAD: usize = 4;
/// A bucket this full holds a common shingle (the average is [`BUCKET_LOAD`]).
const CROWDED_BUCKET: usize = 64;

/// The largest power of two not above `n` (at least 1).
fn prev_power_of_two(n: usize) -> usize {
    1 << n.max(1).ilog2()
}

/// A word id that matches nothing: a draft word the corpus never uses.
pub const UNKNOWN_WORD: u32 = u32::MAX;

/// Words interned while indexing: their text back to back in one string, and a hash table of
/// ids keyed by it. Not a string per word: an archive's vocabulary runs to millions of words
/// (names, numbers, misprints), and a string each made interning slower and left the allocator
/// every word of every build chunk's vocabulary to sort through on the first quote checked after
/// a build (60-120 µs).
struct Interner {
    text: String,
    /// Word `id` is `text[bounds[id]..bounds[id + 1]]`; starts with 0.
    bounds: Vec<u32>,
    /// Each word's [start, end, id]: its bytes are compared without reading `bounds`.
    ids: hashbrown::HashTable<[u32; 3]>,
    // foldhash: fast on short strings and well distributed (FxHash measured 3x slower here).
    hasher: foldhash::fast::FixedState,
}

impl Default for Interner {
    fn default() -> Self {
        Interner { text: String::new(), bounds: vec![0], ids: Default::default(), hasher: Default::default() }
    }
}

impl Interner {
    fn intern(&mut self, norm: &str) -> u32 {
        let hash = self.hasher.hash_one(norm.as_bytes());
        let Interner { text, bounds, ids, hasher } = self;
        // Looked up before inserting: almost every word of a corpus is already in.
        if let Some(found) = ids.find(hash, |e| entry_word(text, e) == norm.as_bytes()) {
            return found[2];
        }
        let id = (bounds.len() - 1) as u32;
        let start = text.len() as u32;
        text.push_str(norm);
        bounds.push(text.len() as u32);
        ids.insert_unique(hash, [start, text.len() as u32, id], |e| hasher.hash_one(entry_word(text, e)));
        id
    }

    /// Every word, by id.
    fn words(&self) -> impl Iterator<Item = &str> {
        self.bounds.windows(2).map(|w| &self.text[w[0] as usize..w[1] as usize])
    }

    /// The vocabulary of these words, with the same ids.
    fn freeze(self) -> Vocabulary {
        let table = Vocabulary::table_of(&self.text, &self.bounds);
        Vocabulary { text: self.text, bounds: self.bounds.into(), table }
    }
}

/// The word an interner's table entry stands for, as bytes (which are what is hashed).
fn entry_word<'t>(text: &'t str, &[start, end, _]: &[u32; 3]) -> &'t [u8] {
    text.as_bytes().get(start as usize..end as usize).unwrap_or_default()
}

/// An index's normalised words: their text back to back in one string, and a table of ids in
/// buckets addressed by the top bits of each word's XXH3 hash (a hash whose output is fixed by
/// its specification, so the table is saved with the index and loading builds nothing: built
/// at load, a table of four million words took 0.25 s).
#[derive(Debug, Clone)]
pub struct Vocabulary {
    text: String,
    /// Word `id` is `text[bounds[id]..bounds[id + 1]]`; starts with 0.
    bounds: Store<u32>,
    /// A bucket a word on average (a power of two of them); holds ids.
    table: Buckets,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Interner::default().freeze()
    }
}

impl Vocabulary {
    /// The vocabulary of saved parts, as [`Self::parts`] gives them. `None` unless `bounds`
    /// starts at 0, never decreases, ends at the text's end and falls on character boundaries,
    /// and the table has the bucket count its size implies and an id in range for every word.
    /// (A table that files a word under the wrong bucket only fails to find it, and the saved
    /// index's checksum stands between such a table and a load.)
    fn from_parts(text: String, bounds: Store<u32>, table: Buckets) -> Option<Vocabulary> {
        let words = bounds.len().checked_sub(1)?;
        let bounds_fit = bounds.first() == Some(&0)
            && bounds.last().is_some_and(|&end| end as usize == text.len())
            && bounds.windows(2).all(|w| w[0] <= w[1] && text.is_char_boundary(w[1] as usize));
        let table_fits =
            table.positions.len() == words && table.is_well_formed(Self::bucket_count(words), u32::MAX, words);
        (bounds_fit && table_fits).then_some(Vocabulary { text, bounds, table })
    }

    /// The words back to back, where each ends (after a leading 0), and the id table.
    fn parts(&self) -> (&str, &[u32], &Buckets) {
        (&self.text, &self.bounds, &self.table)
    }

    fn bucket_count(words: usize) -> usize {
        words.max(1).next_power_of_two()
    }

    fn bucket_of(hash: u64, buckets: usize) -> usize {
        // The top bits: `buckets` is a power of two.
        hash.checked_shr(64 - buckets.ilog2()).unwrap_or(0) as usize
    }

    fn table_of(text: &str, bounds: &[u32]) -> Buckets {
        let buckets = Self::bucket_count(bounds.len() - 1);
        let keys: Vec<u32> = bounds
            .par_windows(2)
            .map(|w| Self::bucket_of(xxh3_64(&text.as_bytes()[w[0] as usize..w[1] as usize]), buckets) as u32)
            .collect();
        Buckets::from_items(buckets, || keys.iter().enumerate().map(|(id, &key)| (key, id as u32)), usize::MAX)
    }

    pub fn id(&self, norm: &str) -> Option<u32> {
        self.id_in(self.bucket_of_word(norm), norm)
    }

    /// The ids of `words`, as [`Self::id`] gives them, looked up side by side. One lookup
    /// follows four links (the bucket's offsets, the bucket, the word's bounds, its text), each a
    /// cache miss on a large corpus's vocabulary; starting each link for every word before
    /// following any lets a quote's misses overlap instead of queueing one behind another.
    pub fn ids<'w>(&self, words: impl Iterator<Item = &'w str> + Clone) -> Vec<Option<u32>> {
        let buckets: Vec<usize> = words.clone().map(|word| self.bucket_of_word(word)).collect();
        for &bucket in &buckets {
            self.table.prefetch_key(bucket);
        }
        for &bucket in &buckets {
            if let Some(first) = self.table.get(bucket).first() {
                prefetch(first);
            }
        }
        for &bucket in &buckets {
            for &id in self.table.get(bucket) {
                if let Some(bound) = self.bounds.get(id as usize) {
                    prefetch(bound);
                }
            }
        }
        for &bucket in &buckets {
            for &id in self.table.get(bucket) {
                if let Some(byte) =
                    self.bounds.get(id as usize).and_then(|&start| self.text.as_bytes().get(start as usize))
                {
                    prefetch(byte);
                }
            }
        }
        words.zip(buckets).map(|(word, bucket)| self.id_in(bucket, word)).collect()
    }

    fn bucket_of_word(&self, norm: &str) -> usize {
        Self::bucket_of(xxh3_64(norm.as_bytes()), self.table.offsets.len() - 1)
    }

    fn id_in(&self, bucket: usize, norm: &str) -> Option<u32> {
        self.table.get(bucket).iter().copied().find(|&id| self.word(id) == norm)
    }

    /// Word `id` (empty for an unknown id).
    pub fn word(&self, id: u32) -> &str {
        let id = id as usize;
        match (self.bounds.get(id), self.bounds.get(id + 1)) {
            (Some(&start), Some(&end)) => self.text.get(start as usize..end as usize).unwrap_or(""),
            _ => "",
        }
    }

    pub fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.bounds.heap_bytes() + self.table.heap_bytes()
    }

    /// Every word's [`WordShape`], by id.
    fn shapes(&self) -> Vec<WordShape> {
        (0..self.len() as u32).into_par_iter().map(|id| WordShape::of(self.word(id))).collect()
    }
}

/// Byte spans of every word, stored as one-byte gaps and lengths.
#[derive(Debug, Default, Clone)]
struct SpanTable {
    /// Absolute start of word `64 * i`.
    checkpoints: Store<u32>,
    /// One byte a word: the bytes from the previous word's end to this word's start (the gap)
    /// in the high four bits, the word's length less one in the low four, for a gap of at most
    /// 15 and a length of at most 16 (all but about one word in a thousand of prose: long
    /// words, words joined across a hyphenated line break, gaps after headings). [`ESCAPE`]
    /// means the word's absolute start and length are in `escaped` (always so for a
    /// document's first word).
    packed: Store<u8>,
    /// (position, absolute start, length) of each escaped word, sorted.
    escaped: Store<[u32; 3]>,
}

const ESCAPE: u8 = u8::MAX;
/// Words between two absolute starts in the span table.
pub(crate) const CHECKPOINT: usize = 64;

/// The byte that stores a word `len` bytes long, `gap` bytes after the previous one ends;
/// `None` if it must be escaped.
fn pack_span(gap: u32, len: u32) -> Option<u8> {
    let code = (gap <= 15 && (1..=16).contains(&len)).then(|| (gap << 4 | (len - 1)) as u8)?;
    // Gap 15 with length 16 would read as the escape itself.
    (code != ESCAPE).then_some(code)
}

/// Start and length of the word stored as `code`, given where the previous word ends.
#[inline(always)]
fn unpack_span(code: u8, prev_end: u32) -> (u32, u32) {
    (prev_end + u32::from(code >> 4), u32::from(code & 15) + 1)
}

impl SpanTable {
    /// Start and length of word `pos`, given where word `pos - 1` ends.
    #[inline(always)]
    fn step(&self, pos: usize, prev_end: u32) -> (u32, u32) {
        match self.packed[pos] {
            ESCAPE => self.escaped_at(pos),
            code => unpack_span(code, prev_end),
        }
    }

    /// Start and length of escaped word `pos` ((0, 0) in a table that lacks it, which only a
    /// corrupt saved index could be, and whose spans are then wrong rather than a panic).
    fn escaped_at(&self, pos: usize) -> (u32, u32) {
        let pos = pos as u32;
        self.escaped.binary_search_by_key(&pos, |&[p, _, _]| p).map_or((0, 0), |i| {
            let [_, start, len] = self.escaped[i];
            (start, len)
        })
    }

    /// Start and length of the word at checkpoint `pos` (a multiple of [`CHECKPOINT`]).
    fn at_checkpoint(&self, pos: usize) -> (u32, u32) {
        let (_, len) = self.step(pos, 0);
        (self.checkpoints[pos / CHECKPOINT], len)
    }

    fn span(&self, pos: usize) -> Range<usize> {
        let base = pos - pos % CHECKPOINT;
        let (mut start, mut len) = self.at_checkpoint(base);
        for i in base + 1..=pos {
            (start, len) = self.step(i, start + len);
        }
        start as usize..(start + len) as usize
    }

    /// The spans of the words at `range`, decoded in one pass (each [`Self::span`] call
    /// decodes from its checkpoint).
    fn spans(&self, range: Range<usize>) -> Vec<Range<usize>> {
        let mut out = Vec::with_capacity(range.len());
        let Some(first) = (!range.is_empty()).then(|| self.span(range.start)) else { return out };
        let (mut start, mut len) = (first.start as u32, first.len() as u32);
        out.push(first);
        for i in range.start + 1..range.end {
            (start, len) = if i % CHECKPOINT == 0 { self.at_checkpoint(i) } else { self.step(i, start + len) };
            out.push(start as usize..(start + len) as usize);
        }
        out
    }

    fn heap_bytes(&self) -> usize {
        self.checkpoints.heap_bytes() + self.packed.heap_bytes() + self.escaped.heap_bytes()
    }
}

/// Which documents a position may fall in, by pages of `1 << shift` words, sized so that a
/// page spans a document or two: finding a position's document (done for every seed hit) is
/// then a search among a few documents rather than all of them.
#[derive(Debug, Default, Clone)]
struct DocPages {
    shift: u32,
    /// Per page, the document holding its first word; one more entry past the last page.
    first_doc: Vec<u32>,
}

impl DocPages {
    fn new(docs: &[[u32; 2]]) -> DocPages {
        let words = docs.last().map_or(0, |&[first, len]| u64::from(first) + u64::from(len));
        let per_doc = (words / docs.len().max(1) as u64).max(1);
        let shift = per_doc.ilog2().min(31);
        let pages = (words >> shift) as usize + 1;
        let mut first_doc = Vec::with_capacity(pages + 1);
        let mut doc = 0usize;
        for page in 0..pages as u64 {
            let start = page << shift;
            while doc + 1 < docs.len() && u64::from(docs[doc][0]) + u64::from(docs[doc][1]) <= start {
                doc += 1;
            }
            first_doc.push(doc as u32);
        }
        first_doc.push(docs.len().saturating_sub(1) as u32);
        DocPages { shift, first_doc }
    }

    /// The documents that may hold `pos`, within `0..docs`.
    fn docs_around(&self, pos: u32, docs: usize) -> Range<usize> {
        let page = (pos >> self.shift) as usize;
        match (self.first_doc.get(page), self.first_doc.get(page + 1)) {
            (Some(&first), Some(&last)) => first as usize..(last as usize + 1).min(docs),
            _ => 0..docs,
        }
    }
}

/// Where the hyphen splits at a range of positions lie in the sorted splits table, by pages of
/// `1 << shift` words holding a few splits each. Every alignment asks for its window's splits;
/// a search of the whole table (one split per few hundred words of a typeset archive, hundreds
/// of thousands on a gigabyte) cost a cache miss per step.
#[derive(Debug, Default, Clone)]
struct SplitPages {
    shift: u32,
    /// Per page, the index of the first split at or after the page's first word; one more
    /// entry past the last page.
    first: Vec<u32>,
}

impl SplitPages {
    fn new(splits: &[[u32; 2]], words: usize) -> SplitPages {
        let words_per_split = (words / splits.len().max(1)).max(1) as u64;
        let shift = (words_per_split * 4).ilog2().min(31);
        let pages = (words as u64 >> shift) + 1;
        let mut first = Vec::with_capacity(pages as usize + 1);
        let mut i = 0;
        for page in 0..=pages {
            while i < splits.len() && u64::from(splits[i][0]) < page << shift {
                i += 1;
            }
            first.push(i as u32);
        }
        SplitPages { shift, first }
    }

    /// A range of the splits table holding every split at a position in `words`, if the pages
    /// cover `words` (a non-empty range).
    fn around(&self, words: &Range<u32>) -> Option<Range<usize>> {
        let first = *self.first.get((words.start >> self.shift) as usize)?;
        let end = *self.first.get(((words.end - 1) >> self.shift) as usize + 1)?;
        Some(first as usize..end as usize)
    }
}

/// Asks the processor to start loading `value`'s cache line. A quote's seeds each read a bucket
/// and words far from the others', and on a large index nearly every such read is a cache miss:
/// started together, the misses overlap instead of following one another.
#[inline(always)]
fn prefetch<T>(value: &T) {
    // SAFETY: SSE is part of every x86-64 processor, and a prefetch is only a hint: it reads
    // nothing into the program and never faults.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((value as *const T).cast())
    };
}

/// Positions grouped by a key, CSR-style: `positions[offsets[k]..offsets[k + 1]]`.
#[derive(Debug, Default, Clone)]
struct Buckets {
    offsets: Store<u32>,
    positions: Store<u32>,
}

impl Buckets {
    /// Whether this is a CSR table of `keys` keys (offsets from 0, never decreasing, ending at
    /// the positions' end) whose positions, their bits outside `mask` cleared, are all below
    /// `bound`: what a table read from a file must be before any lookup in it.
    fn is_well_formed(&self, keys: usize, mask: u32, bound: usize) -> bool {
        let offsets = &self.offsets;
        let positions_in_bounds = !self
            .positions
            .par_chunks(1 << 20)
            .any(|chunk| chunk.iter().fold(false, |bad, &p| bad | ((p & mask) as usize >= bound)));
        offsets.len() == keys + 1
            && offsets.first() == Some(&0)
            && offsets.last().map(|&o| o as usize) == Some(self.positions.len())
            && offsets.windows(2).all(|w| w[0] <= w[1])
            && positions_in_bounds
    }

    /// Starts loading key `key`'s offsets (see [`prefetch`]).
    fn prefetch_key(&self, key: usize) {
        if let Some(offset) = self.offsets.get(key) {
            prefetch(offset);
        }
    }

    fn get(&self, key: usize) -> &[u32] {
        match (self.offsets.get(key), self.offsets.get(key + 1)) {
            (Some(&start), Some(&end)) => &self.positions[start as usize..end as usize],
            _ => &[],
        }
    }

    /// Groups (key, position) items by key with a counting sort; positions keep their order.
    /// `items` is called twice (count, then fill), so nothing is materialised.
    fn from_items<I: Iterator<Item = (u32, u32)>>(keys: usize, items: impl Fn() -> I, cap_per_key: usize) -> Buckets {
        let mut counts = vec![0u32; keys + 1];
        for (key, _) in items() {
            let c = &mut counts[key as usize + 1];
            if (*c as usize) < cap_per_key {
                *c += 1;
            }
        }
        for k in 1..counts.len() {
            counts[k] += counts[k - 1];
        }
        let offsets = counts.clone();
        let mut positions = vec![0u32; *counts.last().unwrap_or(&0) as usize];
        let mut next = counts;
        for (key, pos) in items() {
            let k = key as usize;
            if next[k] < offsets[k + 1] {
                positions[next[k] as usize] = pos;
                next[k] += 1;
            }
        }
        Buckets { offsets: offsets.into(), positions: positions.into() }
    }

    fn heap_bytes(&self) -> usize {
        self.offsets.heap_bytes() + self.positions.heap_bytes()
    }
}

/// A region of one source worth aligning a quote against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub doc: usize,
    /// Global word positions, clamped to the document.
    pub words: Range<u32>,
    /// Distinct quote positions whose seeds landed here.
    pub votes: u32,
    /// How telling those seeds are: the sum over them of [`SPECIFICITY`] divided by how often
    /// each occurs in the corpus. Breaks ties between regions with as many votes, so the one
    /// place a rare shingle occurs beats the hundred places of "the Islamic Republic".
    pub specificity: u32,
}

/// Positions keyed by a shingle's hash, in buckets addressed by the hash's top bits (a CSR
/// offsets array). No keys are stored: the word ids at a position give its hash back. Each
/// bucket is grouped by shingle, each group in corpus order, its first position flagged with
/// [`GROUP_START`]; a query hashes one position a group rather than every position (each a
/// random read into the word array, on a large corpus a cache miss). Buckets holding more
/// than [`SHINGLE_CAP`] positions also have a directory entry a group, so a query finds its
/// group without reading the others. Groups of the shingle table are told apart by hash bits
/// while building (see [`Partitioning::route`]): in the rare bucket where two shingles share
/// them, they share a group, found by a query for the one at its head, with both's positions
/// (an extra seed that alignment then weighs), and not by a query for the other.
#[derive(Debug, Default, Clone)]
struct SeedTable {
    buckets: Buckets,
    /// 64 minus the number of hash bits that address a bucket.
    shift: u32,
    /// (bucket, hash high bits, hash low bits, the group's first offset), sorted.
    crowded: Store<[u32; 4]>,
}

impl SeedTable {
    fn bucket_count(&self) -> usize {
        self.buckets.offsets.len().saturating_sub(1)
    }

    fn bucket_of(&self, hash: u64) -> usize {
        if self.shift >= 64 {
            0
        } else {
            (hash >> self.shift) as usize
        }
    }

    /// How many positions share the bucket of `hash`: a bound on how often it occurs.
    fn bucket_len(&self, hash: u64) -> usize {
        self.buckets.get(self.bucket_of(hash)).len()
    }

    /// Starts loading where the bucket of `hash` starts and ends (see [`prefetch`]): the first
    /// link of a lookup, ahead of [`Self::bucket_len`].
    fn prefetch_offsets(&self, hash: u64) {
        self.buckets.prefetch_key(self.bucket_of(hash));
    }

    /// Starts loading the bucket of `hash` (see [`prefetch`]): the second link, once its
    /// offsets are in.
    fn prefetch(&self, hash: u64) {
        if let Some(first) = self.buckets.get(self.bucket_of(hash)).first() {
            prefetch(first);
        }
    }

    /// The first `limit` positions of the `N`-word shingle `hash` within `scope` (all without
    /// one), in corpus order, into `out` (cleared first). `words` tells a bucket's shingles apart.
    fn positions<const N: usize>(
        &self,
        hash: u64,
        scope: Option<&Range<u32>>,
        limit: usize,
        words: &WordIds,
        out: &mut Vec<u32>,
    ) {
        out.clear();
        let bucket = self.bucket_of(hash);
        let slice = self.buckets.get(bucket);
        let group = if slice.len() <= SHINGLE_CAP {
            // Each group's first words are read to tell the groups apart: load them together.
            for &p in slice.iter().filter(|&&p| p & GROUP_START != 0) {
                words.prefetch((p & !GROUP_START) as usize);
            }
            let mut groups = slice.chunk_by(|_, &next| next & GROUP_START == 0);
            groups.find(|group| words.hash_at::<N>((group[0] & !GROUP_START) as usize) == hash)
        } else {
            let key = [bucket as u32, (hash >> 32) as u32, hash as u32];
            let Ok(entry) = self.crowded.binary_search_by(|e| e[..3].cmp(&key[..])) else { return };
            let start = self.crowded[entry][3] as usize;
            let end = match self.crowded.get(entry + 1) {
                Some(next) if next[0] == bucket as u32 => next[3] as usize,
                _ => self.buckets.offsets[bucket + 1] as usize,
            };
            Some(&self.buckets.positions[start..end])
        };
        let Some((&first, rest)) = group.and_then(<[u32]>::split_first) else { return };
        let first = first & !GROUP_START;
        if scope.is_none_or(|scope| scope.contains(&first)) && limit > 0 {
            out.push(first);
        }
        let rest = within(rest, scope);
        out.extend_from_slice(&rest[..rest.len().min(limit.saturating_sub(out.len()))]);
    }

    fn heap_bytes(&self) -> usize {
        self.buckets.heap_bytes() + self.crowded.heap_bytes()
    }
}

/// A seed hit: document, diagonal, quote position and weight packed into one integer, in that
/// order from the top bits, so that hits sort by (document, diagonal) as integers: a common
/// phrase casts a thousand hits or more, and sorting them as tuples by a key computed at every
/// comparison was nearly a fifth of such a quote's time, warm. Documents lie below 2^31 and
/// diagonals within ±2^32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Hit(u128);

impl Hit {
    fn new(doc: usize, diag: i64, q: u32, weight: u32) -> Hit {
        let diag = (diag + (1 << 32)) as u128 & ((1 << 33) - 1);
        Hit((doc as u128) << 97 | diag << 64 | u128::from(q) << 32 | u128::from(weight))
    }

    fn doc(self) -> usize {
        (self.0 >> 97) as usize
    }

    fn diag(self) -> i64 {
        ((self.0 >> 64) as u64 & ((1 << 33) - 1)) as i64 - (1 << 32)
    }

    fn q(self) -> u32 {
        (self.0 >> 32) as u32
    }

    fn weight(self) -> u32 {
        self.0 as u32
    }
}

/// The weight of a seed found once in the corpus.
pub const SPECIFICITY: u32 = 1 << 20;

/// The index over a whole corpus.
#[derive(Debug, Default, Clone)]
pub struct CorpusIndex {
    vocab: Vocabulary,
    /// Per document: its first global word position and its word count.
    docs: Store<[u32; 2]>,
    /// Derived from `docs` when built or loaded (not saved).
    doc_pages: DocPages,
    /// Per vocabulary word, derived when built or loaded (not saved).
    word_shapes: Vec<WordShape>,
    word_ids: WordIds,
    spans: SpanTable,
    /// (global position, split) for words joined across an end-of-line hyphen, sorted.
    hyphen_splits: Store<[u32; 2]>,
    /// Derived from `hyphen_splits` when built or loaded (not saved).
    split_pages: SplitPages,
    /// Winnowed positions by the [`SHINGLE`] words from each, in buckets of at most
    /// [`SHINGLE_CAP`] positions.
    shingles: SeedTable,
    /// The other winnowed positions, by the [`LONG_SHINGLE`] words from each.
    long_shingles: SeedTable,
    word_postings: Buckets,
}

/// Every word of the corpus as its vocabulary id, in corpus order, in the fewest bytes that
/// hold the vocabulary's ids: two while it has at most 65,536 words (a generated corpus that
/// reuses a few documents' words), three up to 16.7 million (a real archive: names, numbers and
/// misprints make millions of distinct words), else four. This array is most of the index, so
/// its width is most of the index's bytes per corpus byte.
#[derive(Debug, Clone)]
enum WordIds {
    Narrow(Store<u16>),
    Medium(Store<[u8; 3]>),
    Wide(Store<u32>),
}

/// One stored word id, as wide as [`WordIds`] stores it.
trait StoredId: bytemuck::Pod + Send + Sync {
    fn widen(self) -> u32;
}

impl StoredId for u16 {
    #[inline(always)]
    fn widen(self) -> u32 {
        u32::from(self)
    }
}

/// Little-endian, like the other arrays of a saved index.
impl StoredId for [u8; 3] {
    #[inline(always)]
    fn widen(self) -> u32 {
        let [a, b, c] = self;
        u32::from_le_bytes([a, b, c, 0])
    }
}

impl StoredId for u32 {
    #[inline(always)]
    fn widen(self) -> u32 {
        self
    }
}

/// Runs `$body` with `$ids` bound to the store of whichever width `$word_ids` holds.
macro_rules! with_ids {
    ($word_ids:expr, $ids:ident => $body:expr) => {
        match $word_ids {
            WordIds::Narrow($ids) => $body,
            WordIds::Medium($ids) => $body,
            WordIds::Wide($ids) => $body,
        }
    };
}
use with_ids;

impl Default for WordIds {
    fn default() -> WordIds {
        WordIds::Wide(Store::default())
    }
}

/// How many bytes [`WordIds`] stores each id in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdWidth {
    Two,
    Three,
    Four,
}

impl IdWidth {
    /// The narrowest width for ids below `vocabulary` (the persisted index relies on this rule
    /// too, so a saved index says its width by its vocabulary's size).
    fn for_vocabulary(vocabulary: usize) -> IdWidth {
        if vocabulary <= 1 << 16 {
            IdWidth::Two
        } else if vocabulary <= 1 << 24 {
            IdWidth::Three
        } else {
            IdWidth::Four
        }
    }
}

impl WordIds {
    /// The narrowest store for ids below `vocabulary`.
    fn new(ids: Vec<u32>, vocabulary: usize) -> WordIds {
        fn narrowed<T: StoredId>(ids: &[u32], narrow: impl Fn(u32) -> T + Sync) -> Store<T> {
            ids.par_iter().map(|&id| narrow(id)).collect::<Vec<T>>().into()
        }
        match IdWidth::for_vocabulary(vocabulary) {
            IdWidth::Two => WordIds::Narrow(narrowed(&ids, |id| id as u16)),
            IdWidth::Three => WordIds::Medium(narrowed(&ids, |id| {
                let [a, b, c, _] = id.to_le_bytes();
                [a, b, c]
            })),
            IdWidth::Four => WordIds::Wide(ids.into()),
        }
    }

    fn len(&self) -> usize {
        with_ids!(self, ids => ids.len())
    }

    #[inline]
    fn get(&self, pos: usize) -> u32 {
        with_ids!(self, ids => ids[pos].widen())
    }

    /// The ids at `range`: borrowed when stored wide, widened into a copy otherwise (the
    /// callers read a window of a few hundred words, or one document).
    fn slice(&self, range: Range<usize>) -> Cow<'_, [u32]> {
        match self {
            WordIds::Wide(ids) => Cow::Borrowed(&ids[range]),
            _ => {
                let mut widened = Vec::new();
                self.widen_into(range, &mut widened);
                Cow::Owned(widened)
            }
        }
    }

    /// The ids at `range` as `u32`s: borrowed when stored wide, else widened into `buffer`.
    fn ids_in<'a>(&'a self, range: Range<usize>, buffer: &'a mut Vec<u32>) -> &'a [u32] {
        match self {
            WordIds::Wide(ids) => &ids[range],
            _ => {
                self.widen_into(range, buffer);
                buffer
            }
        }
    }

    /// The ids at `range`, widened into `buffer` (cleared first).
    fn widen_into(&self, range: Range<usize>, buffer: &mut Vec<u32>) {
        if let WordIds::Medium(ids) = self {
            return widen::widen_medium(&ids[range], buffer);
        }
        buffer.clear();
        with_ids!(self, ids => buffer.extend(ids[range].iter().map(|&id| id.widen())));
    }

    /// Calls `f(first, ids)` on consecutive pieces of `range`, each followed by the next
    /// `overlap` words, so `ids.windows(overlap + 1)` yields each window of `range` once. A scan
    /// of a whole document thus needs no copy of it: a narrower array's pieces are widened into
    /// one small reused buffer (a document-sized one would be a fresh mapping each time).
    fn for_each_piece(&self, range: Range<usize>, overlap: usize, mut f: impl FnMut(usize, &[u32])) {
        const PIECE: usize = 4096;
        if let WordIds::Wide(ids) = self {
            return f(range.start, &ids[range]);
        }
        let mut buffer = Vec::with_capacity(PIECE + overlap);
        let mut first = range.start;
        loop {
            let end = (first + PIECE + overlap).min(range.end);
            self.widen_into(first..end, &mut buffer);
            f(first, &buffer);
            if end == range.end {
                break;
            }
            first += PIECE;
        }
    }

    /// Whether the words from `pos` on are `quote` (which must fit before the end).
    fn matches_at(&self, pos: usize, quote: &[u32]) -> bool {
        with_ids!(self, ids => ids[pos..pos + quote.len()].iter().zip(quote).all(|(&a, &b)| a.widen() == b))
    }

    /// Starts loading word `pos` (see [`prefetch`]).
    fn prefetch(&self, pos: usize) {
        with_ids!(self, ids => if let Some(id) = ids.get(pos) { prefetch(id) })
    }

    /// The hash of the `N` words from `pos`.
    fn hash_at<const N: usize>(&self, pos: usize) -> u64 {
        shingle_hash(&std::array::from_fn::<u32, N, _>(|i| self.get(pos + i)))
    }

    fn heap_bytes(&self) -> usize {
        with_ids!(self, ids => ids.heap_bytes())
    }
}

/// One document's words before interning: local ids, their spans already encoded as the span
/// table stores them (a byte a word rather than eight for a start and an end, which on a
/// large corpus was most of what building allocated), and hyphen splits by local position.
#[derive(Default)]
struct DocTokens {
    ids: Vec<u32>,
    spans: DocSpans,
    splits: Vec<(u32, u16)>,
}

/// A document's part of a [`SpanTable`], positions local to the document.
#[derive(Default)]
struct DocSpans {
    packed: Vec<u8>,
    escaped: Vec<[u32; 3]>,
    prev_end: u32,
}

impl DocSpans {
    fn push(&mut self, start: u32, end: u32) {
        let pos = self.packed.len() as u32;
        let len = end - start;
        // A document's first word always carries its absolute start.
        let code = start.checked_sub(self.prev_end).filter(|_| pos > 0).and_then(|gap| pack_span(gap, len));
        match code {
            Some(code) => self.packed.push(code),
            None => {
                self.packed.push(ESCAPE);
                self.escaped.push([pos, start, len]);
            }
        }
        self.prev_end = end;
    }

    /// The absolute starts of the words at local positions `first_checkpoint`,
    /// `first_checkpoint + CHECKPOINT`, …: the span table's checkpoints in this document.
    fn checkpoints(&self, first_checkpoint: usize) -> Vec<u32> {
        let mut escaped = self.escaped.iter();
        let mut out = Vec::with_capacity(self.packed.len().saturating_sub(first_checkpoint).div_ceil(CHECKPOINT));
        let mut end = 0u32;
        for (pos, &code) in self.packed.iter().enumerate() {
            let (start, len) = match code {
                ESCAPE => escaped.next().map_or((end, 0), |&[_, start, len]| (start, len)),
                code => unpack_span(code, end),
            };
            end = start + len;
            if pos >= first_checkpoint && (pos - first_checkpoint).is_multiple_of(CHECKPOINT) {
                out.push(start);
            }
        }
        out
    }
}

/// A source's words, interned into `vocab`.
fn tokenize(source: &Source, vocab: &mut Interner) -> DocTokens {
    let mut tokens = DocTokens::default();
    let base = source.body.start;
    for_each_word(&source.text[source.body.clone()], |norm, span, split| {
        if let Some(split) = split {
            tokens.splits.push((tokens.ids.len() as u32, split.min(u16::MAX as usize) as u16));
        }
        tokens.ids.push(vocab.intern(norm));
        tokens.spans.push((base + span.start) as u32, (base + span.end) as u32);
    });
    tokens
}

/// A corpus with more words than an index addresses ([`MAX_CORPUS_WORDS`]).
#[derive(Debug, thiserror::Error)]
#[error("the corpus has {words} words and an index holds at most {MAX_CORPUS_WORDS} (about 12 GB of English): check against a part of it")]
pub struct CorpusTooLarge {
    pub words: usize,
}

/// Several documents' words before interning into the shared vocabulary.
struct LocalWords {
    vocab: Interner,
    docs: Vec<DocTokens>,
}

/// One chunk's documents placed in the corpus: the span table's escaped entries and the hyphen
/// splits, by corpus position. (Their words and packed spans are written straight into the
/// corpus-wide arrays.)
#[derive(Default)]
struct PlacedChunk {
    escaped: Vec<[u32; 3]>,
    splits: Vec<[u32; 2]>,
}

impl PlacedChunk {
    /// Places a chunk's documents, whose words start at corpus position `first`: `ids` and
    /// `packed` are the chunk's parts of the corpus-wide arrays, and `remap` takes the chunk's
    /// word ids to the corpus's.
    fn place(docs: Vec<DocTokens>, remap: &[u32], first: u32, ids: &mut [u32], packed: &mut [u8]) -> PlacedChunk {
        let mut placed = PlacedChunk::default();
        let mut at = 0;
        for tokens in docs {
            let words = at..at + tokens.ids.len();
            let doc_first = first + at as u32;
            for (slot, &id) in ids[words.clone()].iter_mut().zip(&tokens.ids) {
                *slot = remap[id as usize];
            }
            let spans = &tokens.spans;
            packed[words.clone()].copy_from_slice(&spans.packed);
            placed.escaped.extend(spans.escaped.iter().map(|&[pos, start, len]| [doc_first + pos, start, len]));
            placed.splits.extend(tokens.splits.iter().map(|&(pos, split)| [doc_first + pos, u32::from(split)]));
            at = words.end;
        }
        placed
    }
}

impl CorpusIndex {
    /// Indexes every source's body. Tokenising, hashing and winnowing run in parallel.
    pub fn build(sources: &[Source]) -> Result<CorpusIndex, CorpusTooLarge> {
        Self::build_reusing(sources, None)
    }

    /// Rebuilds the index after some sources changed: the words of every source whose
    /// fingerprint is unchanged are taken from `previous` instead of being tokenised again;
    /// only the postings, which address the whole corpus, are rebuilt. Returns the index and
    /// how many sources were reused.
    pub fn rebuild(
        sources: &[Source],
        previous: &CorpusIndex,
        previous_sources: &[SourceFingerprint],
    ) -> Result<(CorpusIndex, usize), CorpusTooLarge> {
        let now = source_fingerprints(sources);
        let before: std::collections::HashMap<&SourceFingerprint, usize> =
            previous_sources.iter().enumerate().map(|(doc, f)| (f, doc)).collect();
        let reuse: Vec<Option<usize>> =
            now.iter().map(|f| before.get(f).copied().filter(|&d| d < previous.doc_count())).collect();
        let reused = reuse.iter().flatten().count();
        Ok((Self::build_reusing(sources, Some((previous, &reuse)))?, reused))
    }

    fn build_reusing(
        sources: &[Source],
        previous: Option<(&CorpusIndex, &[Option<usize>])>,
    ) -> Result<CorpusIndex, CorpusTooLarge> {
        // One vocabulary per chunk of documents (not per document) keeps interning cheap.
        let chunk = sources.len().div_ceil(rayon::current_num_threads() * 4).max(1);
        let locals: Vec<LocalWords> = sources
            .par_chunks(chunk)
            .enumerate()
            .map(|(c, chunk_sources)| {
                let mut local =
                    LocalWords { vocab: Interner::default(), docs: Vec::with_capacity(chunk_sources.len()) };
                for (i, source) in chunk_sources.iter().enumerate() {
                    let reused = previous.and_then(|(index, reuse)| reuse[c * chunk + i].map(|doc| (index, doc)));
                    let tokens = match reused {
                        Some((index, doc)) => index.doc_tokens(doc, &mut local.vocab),
                        None => tokenize(source, &mut local.vocab),
                    };
                    local.docs.push(tokens);
                }
                local
            })
            .collect();

        let mut index = CorpusIndex::default();
        let all_docs: Vec<&DocTokens> = locals.iter().flat_map(|l| &l.docs).collect();
        let total: usize = all_docs.iter().map(|doc| doc.ids.len()).sum();
        if total > MAX_CORPUS_WORDS {
            return Err(CorpusTooLarge { words: total });
        }
        // Each document's [first word, words] in the corpus.
        let docs: Vec<[u32; 2]> = all_docs
            .iter()
            .scan(0u32, |next, doc| {
                let first = *next;
                *next += doc.ids.len() as u32;
                Some([first, doc.ids.len() as u32])
            })
            .collect();
        // The span table's checkpoints fall on global positions that are multiples of
        // CHECKPOINT: each document decodes its own, in parallel.
        let checkpoints: Vec<Vec<u32>> = all_docs
            .par_iter()
            .zip(&docs)
            .map(|(doc, &[first, _])| {
                doc.spans.checkpoints((first as usize).next_multiple_of(CHECKPOINT) - first as usize)
            })
            .collect();
        drop(all_docs);
        // Ids go to words in the order the chunks first use them, as a merge of one chunk after
        // another would give them; only that is serial. Each chunk's words are then placed in
        // parallel, into its own part of the corpus-wide arrays.
        let mut vocab = Interner::default();
        let remaps: Vec<Vec<u32>> =
            locals.iter().map(|local| local.vocab.words().map(|w| vocab.intern(w)).collect()).collect();
        let chunk_words: Vec<usize> = locals.iter().map(|local| local.docs.iter().map(|d| d.ids.len()).sum()).collect();
        let (mut word_ids, mut packed) = (vec![0u32; total], vec![0u8; total]);
        let placed: Vec<PlacedChunk> = locals
            .into_par_iter()
            .zip(remaps)
            .zip(split_by_sizes(&mut word_ids, &chunk_words))
            .zip(split_by_sizes(&mut packed, &chunk_words))
            .map(|(((local, remap), (first, ids)), (_, packed))| {
                PlacedChunk::place(local.docs, &remap, first, ids, packed)
            })
            .collect();
        let spans = SpanTable {
            checkpoints: checkpoints.concat().into(),
            packed: packed.into(),
            escaped: placed.iter().flat_map(|p| &p.escaped).copied().collect::<Vec<_>>().into(),
        };
        let hyphen_splits: Vec<[u32; 2]> = placed.iter().flat_map(|p| &p.splits).copied().collect();
        drop((checkpoints, placed));
        index.vocab = vocab.freeze();
        index.spans = spans;
        index.hyphen_splits = hyphen_splits.into();
        index.docs = docs.into();
        index.doc_pages = DocPages::new(&index.docs);
        index.word_shapes = index.vocab.shapes();

        // Winnowed shingles, bucketed by hash. Winnowing keeps about 2 / (WINNOW + 1) of the
        // positions, which sizes the bucket table before any hash is computed, so each selected
        // shingle goes straight to an 8-byte (bucket, position) item.
        let expected = word_ids.len() * 2 / (WINNOW + 1);
        let layout = Partitioning::new(prev_power_of_two((expected / BUCKET_LOAD).max(1)));
        (index.shingles, index.long_shingles) = seed_tables(winnowed_items(&word_ids, &index.docs, &layout), &layout);
        index.word_postings = Buckets::from_items(
            index.vocab.len(),
            || word_ids.iter().enumerate().map(|(p, &id)| (id, p as u32)),
            WORD_POSTINGS_CAP,
        );
        index.word_ids = WordIds::new(word_ids, index.vocab.len());
        index.split_pages = SplitPages::new(&index.hyphen_splits, index.word_ids.len());
        Ok(index)
    }

    /// Stored positions of the shingle with hash `hash` (winnowed, so possibly not all), in
    /// corpus order, within `scope` when given; written to `out`, which is cleared first.
    /// Empty for a shingle seen more than [`SHINGLE_CAP`] times: see [`Self::long_shingle_positions`].
    fn shingle_positions(&self, hash: u64, scope: Option<&Range<u32>>, out: &mut Vec<u32>) {
        self.shingles.positions::<SHINGLE>(hash, scope, usize::MAX, &self.word_ids, out);
    }

    /// The first `limit` stored positions of the long shingle with hash `hash`: only those whose
    /// shingle is common (more precisely, shares a crowded bucket: see [`seed_tables`]).
    fn long_shingle_positions(&self, hash: u64, scope: Option<&Range<u32>>, limit: usize, out: &mut Vec<u32>) {
        self.long_shingles.positions::<LONG_SHINGLE>(hash, scope, limit, &self.word_ids, out);
    }

    pub fn vocab(&self) -> &Vocabulary {
        &self.vocab
    }

    /// The shape of vocabulary word `id` (an empty one for an unknown id).
    pub fn word_shape(&self, id: u32) -> WordShape {
        self.word_shapes.get(id as usize).copied().unwrap_or_default()
    }

    pub fn doc_count(&self) -> usize {
        self.docs.len()
    }

    pub fn word_count(&self) -> usize {
        self.word_ids.len()
    }

    /// Global word positions of document `doc`.
    pub fn doc_words(&self, doc: usize) -> Range<u32> {
        let [first, len] = self.docs[doc];
        first..first + len
    }

    /// The document holding global position `pos`.
    pub fn doc_of(&self, pos: u32) -> usize {
        let candidates = self.doc_pages.docs_around(pos, self.docs.len());
        let within = &self.docs[candidates.clone()];
        (candidates.start + within.partition_point(|&[first, len]| first + len <= pos))
            .min(self.docs.len().saturating_sub(1))
    }

    pub fn word_id(&self, pos: u32) -> u32 {
        self.word_ids.get(pos as usize)
    }

    /// The word ids at `words` (a copy if the index stores them narrower than `u32`).
    pub fn word_ids(&self, words: Range<u32>) -> Cow<'_, [u32]> {
        self.word_ids.slice(words.start as usize..words.end as usize)
    }

    /// [`Self::word_ids`] without allocating: a narrow index widens them into `scratch`, which
    /// a caller reading many windows reuses.
    pub fn word_ids_in<'a>(&'a self, words: Range<u32>, scratch: &'a mut Vec<u32>) -> &'a [u32] {
        self.word_ids.ids_in(words.start as usize..words.end as usize, scratch)
    }

    /// Starts loading the ids of `words` into the cache, ahead of reading them: on a large
    /// index each region is a cache miss, and regions loaded together overlap theirs.
    pub fn prefetch_words(&self, words: Range<u32>) {
        // A cache line holds at least sixteen ids.
        for pos in words.step_by(16) {
            self.word_ids.prefetch(pos as usize);
        }
    }

    /// Byte span of the word at `pos` in its source's text.
    pub fn word_span(&self, pos: u32) -> Range<usize> {
        self.spans.span(pos as usize)
    }

    /// Byte spans of the words `words`, in order.
    pub fn word_spans(&self, words: Range<u32>) -> Vec<Range<usize>> {
        self.spans.spans(words.start as usize..words.end as usize)
    }

    /// Byte span covering the words `words` (in one document).
    pub fn span_of(&self, words: Range<u32>) -> Range<usize> {
        if words.is_empty() {
            if (words.start as usize) < self.word_ids.len() {
                let at = self.word_span(words.start).start;
                return at..at;
            }
            return 0..0;
        }
        self.word_span(words.start).start..self.word_span(words.end - 1).end
    }

    /// Whether any word in `words` was joined across an end-of-line hyphen.
    pub fn has_hyphen_split(&self, words: Range<u32>) -> bool {
        !self.hyphen_splits_in(words).is_empty()
    }

    /// The words of `words` that were joined across an end-of-line hyphen, as (position, byte
    /// length of the first part), in order, found within the few splits of the pages around
    /// `words`; nothing to allocate for the many windows that have none.
    pub fn hyphen_splits_in(&self, words: Range<u32>) -> &[[u32; 2]] {
        if words.is_empty() {
            return &[];
        }
        let near = match self.split_pages.around(&words) {
            Some(range) => &self.hyphen_splits[range],
            None => &self.hyphen_splits[..],
        };
        let first = near.partition_point(|&[p, _]| p < words.start);
        let count = near[first..].partition_point(|&[p, _]| p < words.end);
        &near[first..first + count]
    }

    /// For a word joined across an end-of-line hyphen, the byte length of its first part.
    pub fn hyphen_split(&self, pos: u32) -> Option<usize> {
        self.hyphen_splits.binary_search_by_key(&pos, |&[p, _]| p).ok().map(|i| self.hyphen_splits[i][1] as usize)
    }

    /// Document `doc`'s words as [`tokenize`] would give them, read from this index and
    /// interned into `vocab`.
    fn doc_tokens(&self, doc: usize, vocab: &mut Interner) -> DocTokens {
        let words = self.doc_words(doc);
        let mut tokens = DocTokens::default();
        for (local, (pos, span)) in words.clone().zip(self.word_spans(words)).enumerate() {
            tokens.ids.push(vocab.intern(self.vocab.word(self.word_id(pos))));
            tokens.spans.push(span.start as u32, span.end as u32);
            if let Some(split) = self.hyphen_split(pos) {
                tokens.splits.push((local as u32, split as u16));
            }
        }
        tokens
    }

    /// Bytes of heap the index holds (without the source texts).
    pub fn heap_bytes(&self) -> usize {
        self.word_ids.heap_bytes()
            + self.spans.heap_bytes()
            + self.hyphen_splits.heap_bytes()
            + self.shingles.heap_bytes()
            + self.long_shingles.heap_bytes()
            + self.word_postings.heap_bytes()
            + self.docs.heap_bytes()
            + self.vocab.heap_bytes()
            + self.word_shapes.len() * std::mem::size_of::<WordShape>()
            + (self.doc_pages.first_doc.capacity() + self.split_pages.first.capacity()) * std::mem::size_of::<u32>()
    }

    /// Stored positions of word `id`: all of them for a word seen at most
    /// [`WORD_POSTINGS_CAP`] times, else the first that many.
    pub fn positions_of_word(&self, id: u32) -> &[u32] {
        self.word_postings.get(id as usize)
    }

    /// Candidate regions for a quote given as word ids ([`UNKNOWN_WORD`] for words the corpus
    /// lacks, and at editorial breaks so no seed spans one), best first, at most `max`.
    /// With `only_doc`, votes outside that document are ignored.
    pub fn candidates(&self, quote: &[u32], only_doc: Option<usize>, max: usize) -> Vec<Candidate> {
        let mut hits: Vec<Hit> = Vec::with_capacity(256);
        let mut positions: Vec<u32> = Vec::with_capacity(SHINGLE_CAP);
        let scope = only_doc.map(|d| self.doc_words(d));
        // Shingles in small buckets first. A shingle in a crowded bucket is almost surely a
        // common one ("one of the"), each of whose positions is a vote to sort, so those seed
        // only a quote that has too few rarer shingles to be found by.
        let hashes: Vec<(usize, u64)> = quote
            .windows(SHINGLE)
            .enumerate()
            .filter(|(_, window)| !window.contains(&UNKNOWN_WORD))
            .map(|(q, window)| (q, shingle_hash(window)))
            .collect();
        for &(_, hash) in &hashes {
            self.shingles.prefetch_offsets(hash);
        }
        for &id in quote.iter().filter(|&&id| id != UNKNOWN_WORD) {
            self.word_postings.prefetch_key(id as usize);
        }
        let mut seeds: Vec<(usize, usize, u64)> =
            hashes.into_iter().map(|(q, hash)| (self.shingles.bucket_len(hash), q, hash)).collect();
        let enough_seeds = (seeds.len() / 4).max(4);
        let mut seeded = 0;
        // Documents the uncrowded shingles found: a crowded shingle only adds votes there, when
        // there are any, rather than thousands of hits everywhere else.
        let mut seeded_docs = DocSet::default();
        // Quote positions whose shingle's bucket is empty: either nothing hashed there, or the
        // bucket held a common shingle and its positions are keyed by their long shingles. (A
        // shingle missing from a bucket that has others is not in the corpus at all.) Their long
        // shingles' offsets load while the short ones are read.
        let long_seeds: Vec<(usize, u64)> = seeds
            .iter()
            .filter(|&&(bucket_len, _, _)| bucket_len == 0)
            .filter_map(|&(_, q, _)| Some((q, quote.get(q..q + LONG_SHINGLE)?)))
            .filter(|(_, window)| !window.contains(&UNKNOWN_WORD))
            .map(|(q, window)| (q, shingle_hash(window)))
            .collect();
        for &(_, hash) in &long_seeds {
            self.long_shingles.prefetch_offsets(hash);
        }
        for long in [false, true] {
            if long {
                seeds = long_seeds.iter().map(|&(q, hash)| (self.long_shingles.bucket_len(hash), q, hash)).collect();
            }
            seeds.sort_unstable();
            // Of each table's seeds, crowded ones are read only to make up this many. Within one
            // document a crowded bucket narrows to a few positions, so every shingle votes there.
            let enough = (seeds.len() / 4).max(4);
            let read = |i: usize, bucket_len: usize| bucket_len <= CROWDED_BUCKET || i < enough || only_doc.is_some();
            let table = if long { &self.long_shingles } else { &self.shingles };
            for (i, &(bucket_len, _, hash)) in seeds.iter().enumerate() {
                if bucket_len > 0 && read(i, bucket_len) {
                    table.prefetch(hash);
                }
            }
            for (i, &(bucket_len, q, hash)) in seeds.iter().enumerate() {
                // Seeds come sorted by bucket size, so the first not read ends the reading.
                if !read(i, bucket_len) {
                    break;
                }
                let crowded = bucket_len > CROWDED_BUCKET;
                if crowded && seeded_docs.is_empty() {
                    seeded_docs = DocSet::of(hits.iter().map(|h| h.doc()), self.docs.len());
                }
                if long {
                    // A phrase reprinted thousands of times: its first copies stand for all, and
                    // only they are copied (a common phrase in L has thousands).
                    self.long_shingle_positions(hash, scope.as_ref(), SHINGLE_CAP, &mut positions);
                } else {
                    self.shingle_positions(hash, scope.as_ref(), &mut positions);
                }
                let weight = SPECIFICITY / positions.len().max(1) as u32;
                seeded += usize::from(!positions.is_empty());
                for &p in &positions {
                    let doc = self.doc_of(p);
                    if !crowded || seeded_docs.is_empty() || seeded_docs.contains(doc) {
                        hits.push(Hit::new(doc, p as i64 - q as i64, q as u32, weight));
                    }
                }
            }
        }
        // Rare words seed too when few shingles did: a quote that changes a word every few
        // words keeps few intact shingles, and winnowing stores only some of those, while its
        // common shingles vote everywhere else.
        if seeded < enough_seeds || only_doc.is_some() {
            let mut rare: Vec<(usize, usize, &[u32])> = quote
                .iter()
                .enumerate()
                .filter(|&(_, &id)| id != UNKNOWN_WORD)
                .map(|(q, &id)| {
                    let positions = within(self.positions_of_word(id), scope.as_ref());
                    (positions.len(), q, positions)
                })
                .filter(|&(n, _, _)| n > 0 && n < RARE_WORD_CAP)
                .collect();
            rare.sort_unstable();
            for &(n, q, positions) in rare.iter().take(6) {
                // A word says less than a shingle of the same rarity.
                let weight = SPECIFICITY / 2 / n as u32;
                for &p in positions {
                    hits.push(Hit::new(self.doc_of(p), p as i64 - q as i64, q as u32, weight));
                }
            }
        }
        // By (document, diagonal); the order within a diagonal does not matter. Each seed's
        // positions come in corpus order, so the hits are a few dozen sorted runs, which a merge
        // sort merges rather than sorts (a quicksort of a thousand hits was a third of a quote's
        // time).
        hits.sort();
        self.cluster(&hits, quote.len(), max)
    }

    /// Candidate regions in one document found by reading all its words: the fallback for a
    /// cited source that shares no seed with a heavily reworded quote (no four words in a row,
    /// seven among common phrases). Linear in the document's length, so only for cited sources.
    ///
    /// A vote is a pair of consecutive words the quote also has in a row: lone common words
    /// ("the", "of") would vote all over the document, and sorting those votes would cost more
    /// than reading it.
    pub fn scan_candidates(&self, quote: &[u32], doc: usize, max: usize) -> Vec<Candidate> {
        let pair = |a: u32, b: u32| (u64::from(a) << 32) | u64::from(b);
        let words = self.doc_words(doc);
        // A word whose postings are all stored, none of them in this document, is not in it, so
        // neither is any pair it is in. Such pairs are left out, and when the pairs left cannot
        // cover the three quote words a region needs, the document is not read at all: a quote
        // found nowhere has words the cited source lacks, and reading the source whole for it
        // was the slowest part of checking it.
        let in_doc: Vec<bool> = quote
            .iter()
            .map(|&id| {
                id != UNKNOWN_WORD && {
                    let stored = self.positions_of_word(id);
                    stored.len() >= WORD_POSTINGS_CAP || !within(stored, Some(&words)).is_empty()
                }
            })
            .collect();
        let mut pairs: Vec<(u64, u32)> = quote
            .windows(2)
            .enumerate()
            .filter(|&(q, _)| in_doc[q] && in_doc[q + 1])
            .map(|(q, w)| (pair(w[0], w[1]), q as u32))
            .collect();
        let mut voters: Vec<u32> = pairs.iter().flat_map(|&(_, q)| [q, q + 1]).collect();
        voters.dedup();
        if voters.len() < quote.len().min(3) {
            return Vec::new();
        }
        pairs.sort_unstable();
        // Almost every pair of a document is not in the quote and costs one bit test. (A filter
        // on single words let through every "the" of the document, each a binary search.)
        let filter = PairFilter::of(pairs.iter().map(|&(key, _)| ((key >> 32) as u32, key as u32)));
        // Votes as (diagonal, quote position) packed into 64 bits, the diagonal counted from
        // `origin` so it is never negative: a quote with common pairs ("and the") casts
        // thousands, and sorting half a `Hit`'s bytes, then widening, was faster than sorting
        // `Hit`s (a scan-bound quote 30.5 against 28 µs warm).
        let origin = i64::from(words.start) - quote.len() as i64;
        let mut votes: Vec<u64> = Vec::new();
        let mut passed: Vec<u32> = Vec::new();
        self.word_ids.for_each_piece(words.start as usize..words.end as usize, 1, |start, ids| {
            filter.passing(ids, &mut passed);
            for &offset in &passed {
                let offset = offset as usize;
                let key = pair(ids[offset], ids[offset + 1]);
                let first = pairs.partition_point(|&(k, _)| k < key);
                for &(_, q) in pairs[first..].iter().take_while(|&&(k, _)| k == key) {
                    let diag = ((start + offset) as i64 - i64::from(q) - origin) as u64;
                    votes.push(diag << 32 | u64::from(q));
                    votes.push(diag << 32 | u64::from(q + 1));
                }
            }
        });
        votes.sort_unstable();
        let hits: Vec<Hit> = votes.iter().map(|&v| Hit::new(doc, (v >> 32) as i64 + origin, v as u32, 1)).collect();
        // Regions need several quote words in a row.
        let mut candidates = self.cluster(&hits, quote.len(), usize::MAX);
        candidates.retain(|c| c.votes as usize >= quote.len().min(3));
        candidates.truncate(max);
        candidates
    }

    /// Every place in document `doc` where the exact word sequence `quote` occurs, by reading
    /// the document (for cited sources, when [`Self::find_verbatim`]'s capped postings miss).
    pub fn scan_verbatim(&self, quote: &[u32], doc: usize, max: usize) -> Vec<Range<u32>> {
        if quote.is_empty() || quote.contains(&UNKNOWN_WORD) {
            return Vec::new();
        }
        // Anchored on the quote's rarest word, so few places are compared in full: fewest
        // stored positions, and among words whose positions are capped, the longest ("deaths"
        // rather than "the" in "the deaths of").
        let (anchor, &anchor_id) = quote
            .iter()
            .enumerate()
            .min_by_key(|&(_, &id)| (self.positions_of_word(id).len(), std::cmp::Reverse(self.vocab.word(id).len())))
            .expect("quote is not empty");
        let words = self.doc_words(doc);
        let mut found = Vec::new();
        self.word_ids.for_each_piece(words.start as usize..words.end as usize, quote.len() - 1, |start, ids| {
            let Some(last) = ids.len().checked_sub(quote.len()) else { return };
            // The anchor's column: the word at the anchor's offset of each place.
            let column = &ids[anchor..=anchor + last];
            for (chunk_at, chunk) in column.chunks(32).enumerate() {
                if found.len() == max {
                    return;
                }
                // A vectorised pass first: almost no chunk holds the anchor.
                if !chunk.iter().fold(false, |seen, &id| seen | (id == anchor_id)) {
                    continue;
                }
                for (k, &id) in chunk.iter().enumerate() {
                    let at = chunk_at * 32 + k;
                    if id == anchor_id && ids[at..at + quote.len()] == *quote && found.len() < max {
                        found.push((start + at) as u32..(start + at + quote.len()) as u32);
                    }
                }
            }
        });
        found
    }

    /// Merges seed hits on nearby diagonals into candidate regions. `hits` come sorted by
    /// document, then diagonal (each caller knows the cheapest way to sort its own).
    fn cluster(&self, hits: &[Hit], quote_len: usize, max: usize) -> Vec<Candidate> {
        debug_assert!(hits.is_sorted_by_key(|h| (h.doc(), h.diag())));
        // Omissions and insertions shift the diagonal by their length; a quarter of the quote
        // (at least eight words) keeps one drifted quote in one region.
        let band = (quote_len as i64 / 4).max(8);
        let slack = (quote_len as i64 / 2).max(8);
        let mut candidates = Vec::new();
        let mut qs: Vec<(u32, u32)> = Vec::new();
        let mut i = 0;
        while i < hits.len() {
            let (doc, first_diag) = (hits[i].doc(), hits[i].diag());
            let mut j = i + 1;
            while j < hits.len() && hits[j].doc() == doc && hits[j].diag() - hits[j - 1].diag() <= band {
                j += 1;
            }
            let cluster = &hits[i..j];
            let last_diag = cluster[cluster.len() - 1].diag();
            let (votes, specificity) = match cluster {
                // Most clusters are one seed of a common phrase.
                [hit] => (1, hit.weight()),
                _ => {
                    // Per quote position, its most specific seed here.
                    qs.clear();
                    qs.extend(cluster.iter().map(|h| (h.q(), h.weight())));
                    qs.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
                    qs.dedup_by_key(|h| h.0);
                    (qs.len() as u32, qs.iter().map(|h| h.1).fold(0u32, u32::saturating_add))
                }
            };
            let range = self.doc_words(doc);
            let start = (first_diag - slack).clamp(range.start as i64, range.end as i64) as u32;
            let end = (last_diag + quote_len as i64 + slack).clamp(range.start as i64, range.end as i64) as u32;
            candidates.push(Candidate { doc, words: start..end, votes, specificity });
            i = j;
        }
        let order = |a: &Candidate, b: &Candidate| {
            (b.votes, b.specificity)
                .cmp(&(a.votes, a.specificity))
                .then(a.doc.cmp(&b.doc))
                .then(a.words.start.cmp(&b.words.start))
        };
        // Only the best `max` are sorted; common phrases make thousands of one-seed regions.
        if candidates.len() > max && max > 0 {
            candidates.select_nth_unstable_by(max - 1, order);
        }
        candidates.truncate(max);
        candidates.sort_unstable_by(order);
        candidates
    }

    /// Places the exact word sequence `quote` occurs, up to `max`, in document order. Anchored
    /// on the quote's rarest word, so for a quote of only very common words (more than
    /// [`WORD_POSTINGS_CAP`] occurrences each) only the first occurrences are searched.
    pub fn find_verbatim(&self, quote: &[u32], max: usize) -> Vec<Range<u32>> {
        if quote.is_empty() || quote.contains(&UNKNOWN_WORD) {
            return Vec::new();
        }
        let (anchor, _) = quote
            .iter()
            .enumerate()
            .min_by_key(|&(_, &id)| self.positions_of_word(id).len())
            .expect("quote is not empty");
        // Each place is a cache miss on a large corpus: start loading them all before comparing
        // any (a short quote of common words has up to 256 to compare).
        let positions = self.positions_of_word(quote[anchor]);
        for &p in positions {
            self.word_ids.prefetch(p.saturating_sub(anchor as u32) as usize);
        }
        let mut found = Vec::new();
        for &p in positions {
            let Some(start) = p.checked_sub(anchor as u32) else { continue };
            let end = start + quote.len() as u32;
            let range = self.doc_words(self.doc_of(p));
            if start < range.start || end > range.end {
                continue;
            }
            if self.word_ids.matches_at(start as usize, quote) {
                found.push(start..end);
                if found.len() == max {
                    break;
                }
            }
        }
        found
    }
}

/// A set of documents, one bit each.
#[derive(Default)]
struct DocSet(Vec<u64>);

impl DocSet {
    fn of(docs: impl Iterator<Item = usize>, count: usize) -> DocSet {
        let mut bits = Vec::new();
        for doc in docs {
            if bits.is_empty() {
                bits = vec![0u64; count.div_ceil(64)];
            }
            bits[doc / 64] |= 1 << (doc % 64);
        }
        DocSet(bits)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, doc: usize) -> bool {
        self.0.get(doc / 64).is_some_and(|word| word & (1 << (doc % 64)) != 0)
    }
}

/// The part of sorted `positions` inside `scope` (all of them without one).
fn within<'a>(positions: &'a [u32], scope: Option<&Range<u32>>) -> &'a [u32] {
    match scope {
        // A common word's stored positions are its first ones in the corpus, so a later
        // document's scope is usually past all of them: one read says so, where a search would
        // read half a dozen cold cache lines.
        Some(scope) if positions.last().is_none_or(|&last| last < scope.start) => &[],
        Some(scope) => {
            let start = positions.partition_point(|&p| p < scope.start);
            let end = positions.partition_point(|&p| p < scope.end);
            &positions[start..end.max(start)]
        }
        None => positions,
    }
}

/// Calls `f(hash, position)` for the winnowed shingles of one document, in order: for every
/// window of [`WINNOW`] consecutive shingle hashes, the position of its minimum (the rightmost
/// on ties), each position once. A document shorter than one window keeps every shingle.
fn for_each_winnowed(ids: &[u32], first: u32, mut f: impl FnMut(u64, u32)) {
    let count = ids.len().saturating_sub(SHINGLE - 1);
    if count <= WINNOW {
        for (i, window) in ids.windows(SHINGLE).enumerate() {
            f(shingle_hash(window), first + i as u32);
        }
        return;
    }
    // The hashes of the current window, in a ring.
    let mut ring = [0u64; WINNOW];
    for (i, slot) in ring.iter_mut().enumerate() {
        *slot = shingle_hash(&ids[i..i + SHINGLE]);
    }
    let mut last = usize::MAX;
    for start in 0..=count - WINNOW {
        if start > 0 {
            let newest = start + WINNOW - 1;
            ring[newest % WINNOW] = shingle_hash(&ids[newest..newest + SHINGLE]);
        }
        let mut min = start;
        for pos in start..start + WINNOW {
            if ring[pos % WINNOW] <= ring[min % WINNOW] {
                min = pos;
            }
        }
        if min != last {
            f(ring[min % WINNOW], first + min as u32);
            last = min;
        }
    }
}

/// The shingle table builds in this many independent parts (the buckets' top bits), each small
/// enough for its counters to stay in cache.
const PARTITION_BITS: u32 = 8;

/// How a seed table's buckets split into [`PARTITION_BITS`] independent parts (the buckets'
/// top bits), so the table builds part by part in parallel, each part's counters in cache. A
/// single counting sort over the whole table would scatter writes over all of it.
struct Partitioning {
    shift: u32,
    partitions: usize,
    per_partition: usize,
}

/// A winnowed position on its way into a seed table: its key (see [`Partitioning::route`]),
/// the position, and the hash of the [`LONG_SHINGLE`] words from it ([`NO_ROOM`] where its
/// document ends first). Carrying the hashes along means no position's words are read twice:
/// on a large corpus, a second look is a cache miss a position.
type SeedItem = (u32, u32, u64);

/// Per partition, its items in the order the input's chunks produced them.
type PartitionedItems = Vec<Vec<Vec<SeedItem>>>;

impl Partitioning {
    /// For `buckets` buckets, a power of two.
    fn new(buckets: usize) -> Partitioning {
        let partitions = 1usize << PARTITION_BITS.min(buckets.trailing_zeros());
        Partitioning { shift: 64 - buckets.trailing_zeros(), partitions, per_partition: buckets / partitions }
    }

    fn buckets(&self) -> usize {
        self.partitions * self.per_partition
    }

    /// The partition of `hash` and its key within that partition: the bucket in the low bits
    /// and, above them, as many of the hash's low bits as fit. Those tell a bucket's shingles
    /// apart while building, without reading their words; two of its shingles share them once
    /// in 2^16 on a gigabyte corpus (2^13 at ten), and then share a group (see [`SeedTable`]).
    fn route(&self, hash: u64) -> (usize, u32) {
        let bucket = if self.shift >= 64 { 0 } else { (hash >> self.shift) as usize };
        let tag = (hash as u32).checked_shl(self.per_partition.trailing_zeros()).unwrap_or(0);
        (bucket / self.per_partition, (bucket % self.per_partition) as u32 | tag)
    }

    /// The bucket within its partition of an item's key.
    fn bucket(&self, key: u32) -> usize {
        key as usize & (self.per_partition - 1)
    }

    fn empty_parts(&self) -> Vec<Vec<SeedItem>> {
        vec![Vec::new(); self.partitions]
    }

    /// Per partition, how many items each of its buckets receives.
    fn bucket_sizes(&self, parts: &PartitionedItems) -> Vec<Vec<u32>> {
        parts
            .par_iter()
            .map(|part| {
                let mut sizes = vec![0u32; self.per_partition];
                for &(key, _, _) in part.iter().flatten() {
                    sizes[self.bucket(key)] += 1;
                }
                sizes
            })
            .collect()
    }

    /// Chunks' per-partition lists regrouped by partition, so that each partition can be
    /// consumed (and freed) on its own.
    fn by_partition(&self, chunks: Vec<Vec<Vec<SeedItem>>>) -> PartitionedItems {
        let mut parts: PartitionedItems = (0..self.partitions).map(|_| Vec::with_capacity(chunks.len())).collect();
        for chunk in chunks {
            for (part, items) in parts.iter_mut().zip(chunk) {
                part.push(items);
            }
        }
        parts
    }
}

/// Every document's winnowed shingle positions, routed to their partitions. Chunks of
/// documents are winnowed in parallel, so each bucket receives its positions in corpus order.
fn winnowed_items(word_ids: &[u32], docs: &[[u32; 2]], layout: &Partitioning) -> PartitionedItems {
    let chunk = docs.len().div_ceil(rayon::current_num_threads() * 8).max(1);
    let chunks = docs
        .par_chunks(chunk)
        .map(|docs| {
            let mut parts = layout.empty_parts();
            for &[first, len] in docs {
                let ids = &word_ids[first as usize..(first + len) as usize];
                for_each_winnowed(ids, first, |hash, pos| {
                    let at = (pos - first) as usize;
                    let long = ids.get(at..at + LONG_SHINGLE).map_or(NO_ROOM, shingle_hash);
                    let (part, bucket) = layout.route(hash);
                    parts[part].push((bucket, pos, long));
                });
            }
            parts
        })
        .collect();
    layout.by_partition(chunks)
}

/// The two seed tables from every winnowed position. A bucket of the shingle table that
/// receives more than [`SHINGLE_CAP`] positions holds a common shingle ("one of the": the
/// average bucket holds fewer than 2 × [`BUCKET_LOAD`]), so all its positions go to the long
/// table instead, keyed by their long shingles. Deciding by bucket rather than by shingle
/// needs no second look at the words; the price is that the few rare shingles sharing such a
/// bucket seed a quote only through a seven-word match.
fn seed_tables(parts: PartitionedItems, layout: &Partitioning) -> (SeedTable, SeedTable) {
    let sizes = layout.bucket_sizes(&parts);
    let common = |n: u32| n as usize > SHINGLE_CAP;
    let moved: usize = sizes.iter().flatten().filter(|&&n| common(n)).map(|&n| n as usize).sum();
    let long_layout = Partitioning::new(prev_power_of_two((moved / BUCKET_LOAD).max(1)));
    let kept: Vec<usize> = sizes.iter().map(|s| s.iter().filter(|&&n| !common(n)).map(|&n| n as usize).sum()).collect();
    let mut positions = vec![0u32; kept.iter().sum()];
    let mut offsets = vec![0u32; layout.buckets() + 1];
    let outputs = split_by_sizes(&mut positions, &kept);
    let moved_chunks: Vec<Vec<Vec<SeedItem>>> = parts
        .into_par_iter()
        .zip(outputs)
        .zip(offsets[..layout.buckets()].par_chunks_mut(layout.per_partition))
        .zip(&sizes)
        .map(|(((items, (base, out)), partition_offsets), sizes)| {
            let mut next = bucket_starts(sizes, |n| !common(n), base, partition_offsets);
            let starts = next.clone();
            let here: usize = sizes.iter().filter(|&&n| common(n)).map(|&n| n as usize).sum();
            let mut moved: Vec<Vec<SeedItem>> = (0..long_layout.partitions)
                .map(|_| Vec::with_capacity(here / long_layout.partitions * 5 / 4))
                .collect();
            // The key fits 32 bits here (the long table's needs 64): half the bytes to sort.
            let mut keyed = vec![(0u32, 0u32); out.len()];
            for &(key, pos, long) in items.iter().flatten() {
                let b = layout.bucket(key);
                if !common(sizes[b]) {
                    keyed[next[b] as usize] = (key, pos);
                    next[b] += 1;
                } else if long != NO_ROOM {
                    let (part, key) = long_layout.route(long);
                    moved[part].push((key, pos, long));
                }
            }
            drop(items);
            for range in starts.windows(2) {
                let range = range[0] as usize..range[1] as usize;
                group_bucket(&mut keyed[range.clone()], &mut out[range]);
            }
            moved
        })
        .collect();
    let total = positions.len() as u32;
    offsets[layout.buckets()] = total;
    let short = SeedTable {
        buckets: Buckets { offsets: offsets.into(), positions: positions.into() },
        shift: layout.shift,
        crowded: Store::default(),
    };
    (short, long_table(long_layout.by_partition(moved_chunks), &long_layout))
}

/// The long-shingle table, its buckets grouped by the full long hash. A bucket holding more
/// than [`SHINGLE_CAP`] positions (a long phrase an archive repeats) also gets a directory
/// entry per shingle.
fn long_table(parts: PartitionedItems, layout: &Partitioning) -> SeedTable {
    let sizes = layout.bucket_sizes(&parts);
    let totals: Vec<usize> = sizes.iter().map(|s| s.iter().map(|&n| n as usize).sum()).collect();
    let mut positions = vec![0u32; totals.iter().sum()];
    let mut offsets = vec![0u32; layout.buckets() + 1];
    let outputs = split_by_sizes(&mut positions, &totals);
    let directories: Vec<Vec<[u32; 4]>> = parts
        .into_par_iter()
        .zip(outputs)
        .zip(offsets[..layout.buckets()].par_chunks_mut(layout.per_partition))
        .zip(&sizes)
        .enumerate()
        .map(|(p, (((items, (base, out)), partition_offsets), sizes))| {
            let mut next = bucket_starts(sizes, |_| true, base, partition_offsets);
            let starts = next.clone();
            let mut keyed = vec![(0u64, 0u32); out.len()];
            for &(key, pos, long) in items.iter().flatten() {
                let b = layout.bucket(key);
                keyed[next[b] as usize] = (long, pos);
                next[b] += 1;
            }
            drop(items);
            let mut directory = Vec::new();
            for (b, range) in starts.windows(2).enumerate() {
                let range = range[0] as usize..range[1] as usize;
                let bucket = &mut keyed[range.clone()];
                group_bucket(bucket, &mut out[range.clone()]);
                if bucket.len() > SHINGLE_CAP {
                    let mut at = range.start as u32;
                    for group in bucket.chunk_by(|a, b| a.0 == b.0) {
                        let (hash, global) = (group[0].0, (p * layout.per_partition + b) as u32);
                        directory.push([global, (hash >> 32) as u32, hash as u32, base + at]);
                        at += group.len() as u32;
                    }
                }
            }
            directory
        })
        .collect();
    offsets[layout.buckets()] = positions.len() as u32;
    SeedTable {
        buckets: Buckets { offsets: offsets.into(), positions: positions.into() },
        shift: layout.shift,
        crowded: directories.concat().into(),
    }
}

/// Sorts one bucket's (shingle key, position) pairs and writes their positions to `out`,
/// grouped by key, each group in corpus order, its first position flagged with [`GROUP_START`].
fn group_bucket<K: Ord + Copy>(bucket: &mut [(K, u32)], out: &mut [u32]) {
    bucket.sort_unstable();
    let mut previous = None;
    for (slot, &(key, pos)) in out.iter_mut().zip(bucket.iter()) {
        *slot = if previous == Some(key) { pos } else { pos | GROUP_START };
        previous = Some(key);
    }
}

/// Where each bucket of one partition starts within the partition's part of the table (one
/// more entry for its end), counting only the buckets `kept` keeps by their size; writes the
/// partition's offsets into the whole table, whose part starts at `base`.
fn bucket_starts(sizes: &[u32], kept: impl Fn(u32) -> bool, base: u32, offsets: &mut [u32]) -> Vec<u32> {
    let mut starts = vec![0u32; sizes.len() + 1];
    for (b, &n) in sizes.iter().enumerate() {
        starts[b + 1] = starts[b] + if kept(n) { n } else { 0 };
    }
    for (offset, &local) in offsets.iter_mut().zip(&starts) {
        *offset = base + local;
    }
    starts
}

/// `items` split into consecutive parts of the given sizes, each with its first index.
fn split_by_sizes<'a, T>(items: &'a mut [T], sizes: &[usize]) -> Vec<(u32, &'a mut [T])> {
    let mut parts = Vec::with_capacity(sizes.len());
    let (mut rest, mut base) = (items, 0u32);
    for &size in sizes {
        let (part, tail) = std::mem::take(&mut rest).split_at_mut(size);
        parts.push((base, part));
        base += size as u32;
        rest = tail;
    }
    parts
}

/// A 64-bit hash of a run of word ids (multiply-rotate with a final mix, so the top bits that
/// address buckets are well spread).
pub fn shingle_hash(ids: &[u32]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let h = ids.iter().fold(0u64, |h, &id| (h.rotate_left(5) ^ u64::from(id)).wrapping_mul(K));
    // Murmur3's finaliser.
    let h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    let h = (h ^ (h >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_of(texts: &[&str]) -> CorpusIndex {
        let sources: Vec<Source> =
            texts.iter().enumerate().map(|(i, t)| Source::new(format!("s{i}"), format!("s{i}.txt"), *t)).collect();
        CorpusIndex::build(&sources).unwrap()
    }

    fn ids(index: &CorpusIndex, text: &str) -> Vec<u32> {
        crate::normalize::words(text).iter().map(|w| index.vocab().id(&w.norm).unwrap_or(UNKNOWN_WORD)).collect()
    }

    proptest::proptest! {
        #[test]
        fn within_a_scope_is_the_positions_inside_it(
            mut positions in proptest::collection::vec(0u32..200, 0..80),
            start in 0u32..220,
            len in 0u32..120,
        ) {
            positions.sort_unstable();
            let scope = start..start + len;
            let inside: Vec<u32> = positions.iter().copied().filter(|p| scope.contains(p)).collect();
            proptest::prop_assert_eq!(within(&positions, Some(&scope)), &inside[..]);
            proptest::prop_assert_eq!(within(&positions, None), &positions[..]);
        }
    }

    #[test]
    fn word_ids_take_the_fewest_bytes_that_hold_the_vocabulary() {
        assert_eq!(IdWidth::for_vocabulary(0), IdWidth::Two);
        assert_eq!(IdWidth::for_vocabulary(1 << 16), IdWidth::Two);
        assert_eq!(IdWidth::for_vocabulary((1 << 16) + 1), IdWidth::Three);
        assert_eq!(IdWidth::for_vocabulary(1 << 24), IdWidth::Three);
        assert_eq!(IdWidth::for_vocabulary((1 << 24) + 1), IdWidth::Four);
        // Ids at each width's edges survive storing and reading, one by one, by slice, in the
        // pieces a document scan reads, and compared in place.
        let edges = vec![0, 1, 255, 256, 65_535, 65_536, 0x12_3456, (1 << 24) - 1];
        for (vocabulary, stored) in [((1 << 24), 3), ((1 << 24) + 1, 4)] {
            let word_ids = WordIds::new(edges.clone(), vocabulary);
            assert_eq!(word_ids.heap_bytes(), stored * edges.len(), "{word_ids:?}");
            assert_eq!((0..edges.len()).map(|p| word_ids.get(p)).collect::<Vec<_>>(), edges);
            assert_eq!(*word_ids.slice(2..6), edges[2..6]);
            let mut pieces = Vec::new();
            word_ids.for_each_piece(1..edges.len(), 1, |first, ids| pieces.push((first, ids.to_vec())));
            assert_eq!(pieces, vec![(1, edges[1..].to_vec())]);
            assert!(word_ids.matches_at(5, &edges[5..]));
            assert!(!word_ids.matches_at(5, &[65_536, 0x12_3457]));
        }
        let narrow = WordIds::new(vec![0, 65_535, 7], 1 << 16);
        assert!(matches!(narrow, WordIds::Narrow(_)));
        assert_eq!((narrow.len(), narrow.get(1)), (3, 65_535));
    }

    #[test]
    fn a_hit_unpacks_to_what_it_was_made_of_and_sorts_by_document_then_diagonal() {
        let extremes = [
            (0, -(1 << 32), 0, 0),
            (3, -1, 7, SPECIFICITY),
            (3, 0, u32::MAX, u32::MAX),
            ((1 << 31) - 1, (1 << 32) - 1, 5, 1),
        ];
        for (doc, diag, q, weight) in extremes {
            let hit = Hit::new(doc, diag, q, weight);
            assert_eq!((hit.doc(), hit.diag(), hit.q(), hit.weight()), (doc, diag, q, weight));
        }
        let mut hits: Vec<Hit> = [(2, -5, 0, 9), (1, 40, 3, 1), (2, -6, 9, 1), (1, -40, 1, 1)]
            .map(|(doc, diag, q, weight)| Hit::new(doc, diag, q, weight))
            .to_vec();
        hits.sort();
        let order: Vec<(usize, i64)> = hits.iter().map(|h| (h.doc(), h.diag())).collect();
        assert_eq!(order, [(1, -40), (1, 40), (2, -6), (2, -5)]);
    }

    #[test]
    fn a_vocabulary_gives_each_word_one_id_and_back() {
        let words = ["mujahedin", "سازمان", "ایران", "mujahedin", "l’organisation", "", "سازمان"];
        let mut interner = Interner::default();
        let ids: Vec<u32> = words.iter().map(|w| interner.intern(w)).collect();
        assert_eq!(ids, [0, 1, 2, 0, 3, 4, 1]);
        assert_eq!(interner.words().collect::<Vec<_>>(), ["mujahedin", "سازمان", "ایران", "l’organisation", ""]);
        let vocab = interner.freeze();
        assert_eq!(vocab.len(), 5);
        for (word, &id) in words.iter().zip(&ids) {
            assert_eq!(vocab.id(word), Some(id));
            assert_eq!(vocab.word(id), *word);
        }
        assert_eq!(vocab.id("mujahedi"), None);
        assert_eq!(vocab.id("ایرا"), None);
        assert_eq!(vocab.word(99), "");
        let empty = Vocabulary::default();
        assert_eq!((empty.len(), empty.id("a"), empty.word(0)), (0, None, ""));
    }

    #[test]
    fn a_vocabulary_of_many_words_finds_each_in_its_table() {
        // Enough words for many buckets, some sharing one.
        let mut interner = Interner::default();
        for i in 0..5000 {
            interner.intern(&format!("w{i}"));
        }
        let vocab = interner.freeze();
        assert_eq!(vocab.table.offsets.len(), 8193);
        assert!((0..5000).all(|i| vocab.id(&format!("w{i}")) == Some(i)));
        // Looked up side by side, words (and words it lacks, in buckets it has) get the same ids.
        let words: Vec<String> = (4990..5010).chain(0..3).map(|i| format!("w{i}")).collect();
        let expected: Vec<Option<u32>> = (4990..5010).chain(0..3).map(|i| (i < 5000).then_some(i)).collect();
        assert_eq!(vocab.ids(words.iter().map(String::as_str)), expected);
        assert_eq!(Vocabulary::default().ids(["a", ""].into_iter()), [None, None]);
        assert_eq!(vocab.id("w5000"), None);
    }

    #[test]
    fn a_vocabulary_from_saved_parts_is_checked_before_use() {
        let mut interner = Interner::default();
        for w in ["support", "ایران"] {
            interner.intern(w);
        }
        let vocab = interner.freeze();
        let (text, bounds, table) = vocab.parts();
        assert_eq!((text, bounds), ("supportایران", &[0, 7, 17][..]));
        let from = |bounds: &[u32], ids: &[u32]| {
            let table = Buckets { offsets: table.offsets.to_vec().into(), positions: ids.to_vec().into() };
            Vocabulary::from_parts(text.to_owned(), bounds.to_vec().into(), table)
        };
        let rebuilt = from(bounds, &table.positions).unwrap();
        assert_eq!((rebuilt.id("support"), rebuilt.id("ایران")), (Some(0), Some(1)));
        // Bounds that do not start at 0, run backwards, miss the end or split a character.
        for bad in [&[1, 7, 17][..], &[0, 8, 7, 17], &[0, 7, 16], &[0, 8, 17], &[]] {
            assert!(from(bad, &table.positions).is_none(), "{bad:?}");
        }
        // A table with an id out of range, or one id short.
        assert!(from(bounds, &[0, 2]).is_none());
        assert!(from(bounds, &[0]).is_none());
    }

    #[test]
    fn candidates_vote_for_the_right_document_and_region() {
        let index = index_of(&[
            "nothing to see here at all, only filler words in a row",
            "the group has not significant popular support inside Iran today",
        ]);
        let quote = ids(&index, "has no significant popular support inside Iran");
        let found = index.candidates(&quote, None, 4);
        assert_eq!(found[0].doc, 1);
        let words = index.doc_words(1);
        assert!(found[0].words.start >= words.start && found[0].words.end <= words.end);
        assert!(found[0].votes >= 1);
    }

    #[test]
    fn winnowing_guarantees_a_seed_for_four_matching_words() {
        let text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho";
        let index = index_of(&[text]);
        let all = ids(&index, text);
        for start in 0..all.len() - (SHINGLE + WINNOW - 1) {
            let quote = &all[start..start + SHINGLE + WINNOW - 1];
            let found = index.candidates(quote, None, 4);
            assert!(found.iter().any(|c| c.votes >= 1 && c.words.contains(&(start as u32))), "no seed at {start}");
        }
    }

    #[test]
    fn shingles_sharing_a_bucket_with_a_frequent_one_are_still_found() {
        // Three shingles seen far more than SHINGLE_CAP times crowd their buckets, and every
        // position in those buckets is keyed by its long shingle instead: a match as long as a
        // long shingle plus the winnowing window still shares a seed, wherever it is.
        let mut text = "alpha beta gamma ".repeat(SHINGLE_CAP + 100);
        let unique: Vec<String> = (0..3000).map(|i| format!("w{i}")).collect();
        text.push_str(&unique.join(" "));
        let index = CorpusIndex::build(&[Source::new("s", "s.txt", text.as_str())]).unwrap();
        let all = ids(&index, &unique.join(" "));
        let shortest = LONG_SHINGLE + WINNOW - 1;
        for start in 0..all.len() - shortest {
            let found = index.candidates(&all[start..start + shortest], None, 4);
            assert!(found.iter().any(|c| c.votes >= 1), "no seed at {start}");
        }
        let frequent = ids(&index, "alpha beta gamma");
        let mut out = Vec::new();
        index.shingle_positions(shingle_hash(&frequent), None, &mut out);
        assert!(out.is_empty(), "a shingle seen more than the cap leaves the shingle table");
        let long = ids(&index, "alpha beta gamma alpha beta gamma");
        index.long_shingle_positions(shingle_hash(&long), None, usize::MAX, &mut out);
        assert!(out.len() > SHINGLE_CAP / 2, "its positions are keyed by their long shingles: {}", out.len());
        let all = out.clone();
        for limit in [0, 1, 5] {
            index.long_shingle_positions(shingle_hash(&long), None, limit, &mut out);
            assert_eq!(out, all[..limit], "the first {limit}");
        }
    }

    #[test]
    fn a_passage_made_of_common_phrases_is_found_by_its_long_shingles() {
        // Every three words of the passage are common, as in an archive whose phrases repeat;
        // only its longer runs are rare.
        let cycle = |words: &str| format!("{words} ").repeat(2 * SHINGLE_CAP);
        let passage = "a b c d a b c e a b c d a b c e";
        let docs = [cycle("a b c d"), cycle("a b c e"), format!("x y z {passage} z y x")];
        let sources: Vec<Source> =
            docs.iter().enumerate().map(|(i, t)| Source::new(format!("d{i}"), "d.txt", t.as_str())).collect();
        let index = CorpusIndex::build(&sources).unwrap();
        let quote = ids(&index, passage);
        // "c d a b c e": its shingles all crowd their buckets in the cycles.
        let mut out = Vec::new();
        index.long_shingle_positions(shingle_hash(&quote[2..2 + LONG_SHINGLE]), None, usize::MAX, &mut out);
        assert!(out.iter().any(|&p| index.doc_of(p) == 2), "{out:?}");
        assert!(!index.long_shingles.crowded.is_empty(), "the cycles' long shingles crowd their buckets");
        let found = index.candidates(&quote, None, 4);
        assert_eq!(found[0].doc, 2, "{found:?}");
        assert!(found[0].votes >= 4, "{found:?}");
        // Both tables and the long table's directory survive a round trip through the saved form.
        let fingerprints = source_fingerprints(&sources);
        let mut bytes = Vec::new();
        index.write_to(&fingerprints, &mut bytes).unwrap();
        let bytes: std::sync::Arc<dyn Backing> = std::sync::Arc::new(bytes);
        let loaded = CorpusIndex::from_bytes(bytes, &fingerprints).expect("loads");
        assert_eq!(loaded.long_shingles.crowded.len(), index.long_shingles.crowded.len());
        assert_eq!(loaded.candidates(&quote, None, 4), found);
        let cycled = ids(&index, "a b c d a b c d a b");
        assert!(!loaded.candidates(&cycled, Some(0), 1).is_empty(), "a crowded long shingle is read within a document");
    }

    #[test]
    fn a_lookup_returns_exactly_its_shingles_stored_positions() {
        // Words drawn from a small vocabulary, so shingles repeat a few times each and buckets
        // hold several shingles: each lookup must return its own group whole, in corpus order,
        // and nothing of its neighbours', across the whole corpus and within one document.
        let mut state = 7u64;
        let texts: Vec<String> = (0..4)
            .map(|_| {
                (0..2000)
                    .map(|_| {
                        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        format!("w{}", (state >> 33) % 11)
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let index = index_of(&refs);
        let mut stored: std::collections::BTreeMap<u64, Vec<u32>> = Default::default();
        for &p in index.shingles.buckets.positions.iter() {
            let p = p & !GROUP_START;
            stored.entry(index.word_ids.hash_at::<SHINGLE>(p as usize)).or_default().push(p);
        }
        let shared = index.shingles.bucket_count() < stored.len();
        assert!(shared, "buckets are shared: {} for {} shingles", index.shingles.bucket_count(), stored.len());
        let mut out = Vec::new();
        for (&hash, positions) in &mut stored {
            positions.sort_unstable();
            index.shingle_positions(hash, None, &mut out);
            assert_eq!(&out, positions);
            let scope = index.doc_words(2);
            index.shingle_positions(hash, Some(&scope), &mut out);
            let inside: Vec<u32> = positions.iter().copied().filter(|p| scope.contains(p)).collect();
            assert_eq!(out, inside);
        }
    }

    #[test]
    fn every_position_maps_to_its_document() {
        // Long and short documents, empty ones among them, so pages span one or many.
        let texts: Vec<String> = [0usize, 3, 1, 0, 200, 2, 0, 0, 57, 1000, 4]
            .iter()
            .enumerate()
            .map(|(d, &n)| (0..n).map(|i| format!("d{d}w{i}")).collect::<Vec<_>>().join(" "))
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let index = index_of(&refs);
        for pos in 0..index.word_count() as u32 {
            let naive = index.docs.partition_point(|&[first, len]| first + len <= pos);
            assert_eq!(index.doc_of(pos), naive, "position {pos}");
            assert!(index.doc_words(naive).contains(&pos));
        }
    }

    #[test]
    fn fallback_seeds_from_rare_words_when_no_shingle_survives() {
        let index = index_of(&["alpha beta gamma delta epsilon zeta eta theta"]);
        let quote = ids(&index, "alpha BETA2 gamma DELTA2 epsilon");
        let found = index.candidates(&quote, None, 4);
        assert_eq!(found.len(), 1);
        assert!(found[0].votes >= 3);
    }

    #[test]
    fn shingles_never_span_documents() {
        let index = index_of(&["one two", "three four"]);
        let quote = ids(&index, "two three four");
        // The only shingle "two three four" crosses the boundary and must not exist.
        assert!(index.candidates(&quote, None, 4).iter().all(|c| c.votes < 3));
    }

    #[test]
    fn scanning_a_cited_document_finds_what_capped_postings_miss() {
        let common = "not popular people hate them and they are ".repeat(WORD_POSTINGS_CAP + 10);
        let index = index_of(&[&common, &format!("{common} the group is not popular people hate them")]);
        let quote = ids(&index, "the group is not popular people hate them");
        assert!(index.find_verbatim(&quote[3..], 4).iter().all(|r| index.doc_of(r.start) == 0));
        let found = index.scan_verbatim(&quote, 1, 4);
        assert_eq!(found.len(), 1);
        let regions = index.scan_candidates(&quote, 1, 4);
        assert!(regions.iter().any(|c| c.words.contains(&found[0].start)));
    }

    #[test]
    fn scanning_skips_pairs_whose_words_the_document_lacks() {
        // "omega" and "psi" are only in the first source, so only the pairs among the first
        // three quote words can be in the second: just enough for a region there.
        let index = index_of(&["omega psi", "filler words alpha beta gamma then more filler words"]);
        let region = |quote: &str| index.scan_candidates(&ids(&index, quote), 1, 4);
        let found = region("alpha beta gamma omega psi");
        assert_eq!(found.len(), 1);
        assert!(found[0].words.contains(&(index.doc_words(1).start + 2)));
        assert_eq!(found[0].votes, 3);
        assert!(region("alpha beta omega gamma psi").is_empty(), "no three words in a row");
    }

    #[test]
    fn scans_of_a_long_document_see_each_place_once_across_pieces() {
        // The narrow word array is scanned 4,096 words at a time: put one occurrence across
        // the first piece's end and one well inside the second.
        let filler = |n: usize| "alpha beta gamma delta ".repeat(n / 4);
        let quote_text = "the group is not popular people hate them";
        let doc = format!("{} {quote_text} {} {quote_text} {}", filler(4092), filler(400), filler(40));
        let index = index_of(&["first source", &doc]);
        let quote = ids(&index, quote_text);
        let start = index.doc_words(1).start;
        let found = index.scan_verbatim(&quote, 1, 8);
        let at = |offset: u32| start + offset..start + offset + 8;
        assert_eq!(found, [at(4092), at(4092 + 8 + 400)]);
        assert_eq!(index.scan_verbatim(&quote, 1, 1), [at(4092)]);
        let regions = index.scan_candidates(&quote, 1, 8);
        for place in &found {
            assert_eq!(regions.iter().filter(|c| c.words.contains(&place.start)).count(), 1, "{regions:?}");
        }
    }

    #[test]
    fn rebuilding_reuses_unchanged_sources_and_equals_a_fresh_build() {
        let mut sources: Vec<Source> =
            ["the U.S. Ambassa-\ndor to Iraq", "a cult that punishes former members", "third text"]
                .iter()
                .enumerate()
                .map(|(i, t)| Source::new(format!("s{i}"), format!("s{i}.txt"), *t))
                .collect();
        let before = CorpusIndex::build(&sources).unwrap();
        let fingerprints = source_fingerprints(&sources);
        sources[1].text = "a cult that executes former members".into();
        sources[1].body = 0..sources[1].text.len();
        let (rebuilt, reused) = CorpusIndex::rebuild(&sources, &before, &fingerprints).unwrap();
        assert_eq!(reused, 2);
        let fresh = CorpusIndex::build(&sources).unwrap();
        assert_eq!(rebuilt.word_count(), fresh.word_count());
        for pos in 0..fresh.word_count() as u32 {
            assert_eq!(rebuilt.vocab().word(rebuilt.word_id(pos)), fresh.vocab().word(fresh.word_id(pos)));
            assert_eq!(rebuilt.word_span(pos), fresh.word_span(pos));
            assert_eq!(rebuilt.hyphen_split(pos), fresh.hyphen_split(pos));
        }
        let quote: Vec<u32> = ["cult", "that", "executes"].iter().map(|w| rebuilt.vocab().id(w).unwrap()).collect();
        assert_eq!(rebuilt.candidates(&quote, None, 2)[0].doc, 1);
    }

    #[test]
    fn a_window_has_exactly_the_hyphen_splits_of_its_words() {
        // The bundled corpus is typeset text: line-end hyphens all through it.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let corpus = crate::corpus::Corpus::load(&[dir], &[]).unwrap();
        let index = CorpusIndex::build(&corpus.sources).unwrap();
        let words = index.word_count() as u32;
        let every: Vec<[u32; 2]> = (0..words).filter_map(|pos| Some([pos, index.hyphen_split(pos)? as u32])).collect();
        assert!(every.len() > 50, "the corpus has line-end hyphens");
        for len in [1, 7, 64, 300, 5000] {
            for start in (0..words).step_by(97) {
                let window = start..(start + len).min(words);
                let brute: Vec<[u32; 2]> = every.iter().copied().filter(|&[p, _]| window.contains(&p)).collect();
                assert!(index.split_pages.around(&window).is_some(), "pages cover {window:?}");
                assert_eq!(index.hyphen_splits_in(window.clone()), brute.as_slice(), "{window:?}");
                assert_eq!(index.has_hyphen_split(window), !brute.is_empty());
            }
        }
    }

    #[test]
    fn verbatim_search_and_spans() {
        let text = "a cult that punishes former members, a cult indeed";
        let index = index_of(&[text]);
        let found = index.find_verbatim(&ids(&index, "a cult"), 10);
        assert_eq!(found.len(), 2);
        assert_eq!(&text[index.span_of(found[1].clone())], "a cult");
    }

    #[test]
    fn spans_are_exact_in_every_document_whatever_its_start() {
        // Documents of 0 to 150 words, so checkpoints fall at every offset into a document.
        let texts: Vec<String> = (0..40)
            .map(|d| {
                (0..(d * 37) % 151)
                    .map(|w| if w % 50 == 7 { format!("{}long{w} ", " ".repeat(300)) } else { format!("w{d}x{w} ") })
                    .collect()
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let index = index_of(&refs);
        for (doc, text) in texts.iter().enumerate() {
            let expected: Vec<Range<usize>> = crate::normalize::words(text).into_iter().map(|w| w.span).collect();
            let words = index.doc_words(doc);
            let got: Vec<Range<usize>> = words.clone().map(|pos| index.word_span(pos)).collect();
            assert_eq!(got, expected, "document {doc}");
            assert_eq!(index.word_spans(words), expected, "document {doc}, decoded in one pass");
        }
    }

    #[test]
    fn spans_survive_long_words_long_gaps_and_checkpoints() {
        let long_word = "x".repeat(300);
        let gap = " ".repeat(400);
        let mut text = String::new();
        for i in 0..200 {
            text.push_str(&format!("w{i} "));
            if i == 70 {
                text.push_str(&long_word);
                text.push_str(&gap);
            }
            // Each side of the packed byte's limits (gap 15, length 16), and their one
            // combination that would read as the escape.
            if i == 100 {
                for (gap, len) in [(15, 16), (15, 15), (14, 16), (16, 3), (3, 17), (0, 1)] {
                    text.push_str(&" ".repeat(gap));
                    text.push_str(&"y".repeat(len));
                    text.push(',');
                }
                text.push(' ');
            }
        }
        let index = index_of(&["first doc", &text]);
        let expected = crate::normalize::words(&text);
        let words = index.doc_words(1);
        assert_eq!(words.len(), expected.len());
        for (pos, word) in words.clone().zip(&expected) {
            assert_eq!(index.word_span(pos), word.span, "word {}", word.norm);
        }
        // Decoded in one pass, from any start, across checkpoints and escapes.
        let all: Vec<Range<usize>> = expected.iter().map(|w| w.span.clone()).collect();
        assert_eq!(index.word_spans(words.clone()), all);
        for from in [words.start + 1, words.start + 63, words.start + 70, words.start + 71] {
            let offset = (from - words.start) as usize;
            assert_eq!(index.word_spans(from..words.end), all[offset..]);
        }
        assert!(index.word_spans(words.start..words.start).is_empty());
    }
}
