//! Finds candidate source passages for a quote.
//!
//! The corpus becomes one stream of word ids (each distinct normalised word interned once). Two
//! inverted indexes point into that stream, both CSR-style (sorted keys, an offsets array, one
//! flat positions array; no map of vectors):
//! - *shingles*: hashes of every run of [`SHINGLE`] consecutive words, for seed-and-extend; a
//!   shingle seen more than [`SHINGLE_CAP`] times ("one of the", "in order to") carries no
//!   location information and is dropped;
//! - *words*: every position of each word id, for short quotes and for the rare-word fallback
//!   when a quote has a change every few words and so no intact shingle.
//!
//! A query votes on (document, diagonal): a seed at quote position `q` found at corpus position
//! `p` votes for diagonal `p - q`; nearby diagonals (insertions and omissions shift them) merge
//! into one candidate region, and the regions with most votes are aligned by [`crate::align`].
//!
//! Invariant: positions are global word indexes (`u32`); a shingle never spans two documents.

use std::ops::Range;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::corpus::Source;
use crate::normalize::for_each_word;

/// Words per shingle.
pub const SHINGLE: usize = 3;
/// Shingles more frequent than this are too common to locate anything.
pub const SHINGLE_CAP: usize = 512;
/// Words more frequent than this are not used as fallback seeds.
const RARE_WORD_CAP: usize = 256;

/// A word id that matches nothing: a draft word the corpus never uses.
pub const UNKNOWN_WORD: u32 = u32::MAX;

/// Interned normalised words.
#[derive(Debug, Default, Clone)]
pub struct Vocabulary {
    ids: FxHashMap<Box<str>, u32>,
    words: Vec<Box<str>>,
}

impl Vocabulary {
    pub fn id(&self, norm: &str) -> Option<u32> {
        self.ids.get(norm).copied()
    }

    pub fn word(&self, id: u32) -> &str {
        self.words.get(id as usize).map_or("", |w| w)
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    fn intern(&mut self, norm: &str) -> u32 {
        if let Some(&id) = self.ids.get(norm) {
            return id;
        }
        let id = self.words.len() as u32;
        self.words.push(norm.into());
        self.ids.insert(norm.into(), id);
        id
    }
}

/// Sorted keys, each owning a slice of one positions array.
#[derive(Debug, Default, Clone)]
struct Postings<K> {
    keys: Vec<K>,
    offsets: Vec<u32>,
    positions: Vec<u32>,
}

impl<K: Ord + Copy> Postings<K> {
    fn get(&self, key: K) -> &[u32] {
        match self.keys.binary_search(&key) {
            Ok(i) => &self.positions[self.offsets[i] as usize..self.offsets[i + 1] as usize],
            Err(_) => &[],
        }
    }

    /// Builds from `(key, position)` pairs sorted by key then position, dropping keys with more
    /// than `cap` positions.
    fn from_sorted(pairs: &[(K, u32)], cap: usize) -> Postings<K> {
        let mut postings = Postings { keys: Vec::new(), offsets: vec![0], positions: Vec::new() };
        for group in pairs.chunk_by(|a, b| a.0 == b.0) {
            if group.len() > cap {
                continue;
            }
            postings.keys.push(group[0].0);
            postings.positions.extend(group.iter().map(|&(_, p)| p));
            postings.offsets.push(postings.positions.len() as u32);
        }
        postings
    }

    fn heap_bytes(&self) -> usize {
        self.keys.capacity() * std::mem::size_of::<K>() + (self.offsets.capacity() + self.positions.capacity()) * 4
    }
}

/// The words of one source inside the global word stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DocWords {
    first: u32,
    len: u32,
}

/// A region of one source worth aligning a quote against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub doc: usize,
    /// Global word positions, clamped to the document.
    pub words: Range<u32>,
    /// Distinct quote positions whose seeds landed here.
    pub votes: u32,
}

/// The index over a whole corpus.
#[derive(Debug, Default, Clone)]
pub struct CorpusIndex {
    vocab: Vocabulary,
    docs: Vec<DocWords>,
    word_ids: Vec<u32>,
    word_starts: Vec<u32>,
    word_ends: Vec<u32>,
    /// (global position, split) for words joined across an end-of-line hyphen, sorted.
    hyphen_splits: Vec<(u32, u16)>,
    shingles: Postings<u64>,
    word_postings: Postings<u32>,
}

/// One document's words before interning into the shared vocabulary.
struct LocalWords {
    vocab: Vocabulary,
    ids: Vec<u32>,
    starts: Vec<u32>,
    ends: Vec<u32>,
    splits: Vec<(u32, u16)>,
}

impl CorpusIndex {
    /// Indexes every source's body. Tokenising runs in parallel, one source per task.
    pub fn build(sources: &[Source]) -> CorpusIndex {
        let locals: Vec<LocalWords> = sources
            .par_iter()
            .map(|source| {
                let mut local = LocalWords {
                    vocab: Vocabulary::default(),
                    ids: Vec::new(),
                    starts: Vec::new(),
                    ends: Vec::new(),
                    splits: Vec::new(),
                };
                let base = source.body.start;
                for_each_word(&source.text[source.body.clone()], |norm, span, split| {
                    if let Some(split) = split {
                        local.splits.push((local.ids.len() as u32, split.min(u16::MAX as usize) as u16));
                    }
                    local.ids.push(local.vocab.intern(norm));
                    local.starts.push((base + span.start) as u32);
                    local.ends.push((base + span.end) as u32);
                });
                local
            })
            .collect();

        let mut index = CorpusIndex::default();
        let total: usize = locals.iter().map(|l| l.ids.len()).sum();
        index.word_ids.reserve_exact(total);
        index.word_starts.reserve_exact(total);
        index.word_ends.reserve_exact(total);
        for local in locals {
            let first = index.word_ids.len() as u32;
            let remap: Vec<u32> = local.vocab.words.iter().map(|w| index.vocab.intern(w)).collect();
            index.word_ids.extend(local.ids.iter().map(|&id| remap[id as usize]));
            index.word_starts.extend_from_slice(&local.starts);
            index.word_ends.extend_from_slice(&local.ends);
            index.hyphen_splits.extend(local.splits.iter().map(|&(pos, split)| (first + pos, split)));
            index.docs.push(DocWords { first, len: local.ids.len() as u32 });
        }

        let mut shingle_pairs: Vec<(u64, u32)> = index
            .docs
            .par_iter()
            .flat_map_iter(|doc| {
                let ids = &index.word_ids[doc.first as usize..(doc.first + doc.len) as usize];
                ids.windows(SHINGLE).enumerate().map(move |(i, window)| (shingle_hash(window), doc.first + i as u32))
            })
            .collect();
        shingle_pairs.par_sort_unstable();
        index.shingles = Postings::from_sorted(&shingle_pairs, SHINGLE_CAP);
        drop(shingle_pairs);

        let mut word_pairs: Vec<(u32, u32)> =
            index.word_ids.iter().enumerate().map(|(pos, &id)| (id, pos as u32)).collect();
        word_pairs.par_sort_unstable();
        index.word_postings = Postings::from_sorted(&word_pairs, usize::MAX);
        index
    }

    pub fn vocab(&self) -> &Vocabulary {
        &self.vocab
    }

    pub fn doc_count(&self) -> usize {
        self.docs.len()
    }

    pub fn word_count(&self) -> usize {
        self.word_ids.len()
    }

    /// Global word positions of document `doc`.
    pub fn doc_words(&self, doc: usize) -> Range<u32> {
        let d = self.docs[doc];
        d.first..d.first + d.len
    }

    /// The document holding global position `pos`.
    pub fn doc_of(&self, pos: u32) -> usize {
        self.docs.partition_point(|d| d.first + d.len <= pos).min(self.docs.len().saturating_sub(1))
    }

    pub fn word_id(&self, pos: u32) -> u32 {
        self.word_ids[pos as usize]
    }

    pub fn word_ids(&self, words: Range<u32>) -> &[u32] {
        &self.word_ids[words.start as usize..words.end as usize]
    }

    /// Byte span of the word at `pos` in its source's text.
    pub fn word_span(&self, pos: u32) -> Range<usize> {
        self.word_starts[pos as usize] as usize..self.word_ends[pos as usize] as usize
    }

    /// Byte span covering the words `words` (which must be non-empty and in one document).
    pub fn span_of(&self, words: Range<u32>) -> Range<usize> {
        if words.is_empty() {
            let at = self.word_starts.get(words.start as usize).copied().unwrap_or(0) as usize;
            return at..at;
        }
        self.word_starts[words.start as usize] as usize..self.word_ends[words.end as usize - 1] as usize
    }

    /// For a word joined across an end-of-line hyphen, the byte length of its first part.
    pub fn hyphen_split(&self, pos: u32) -> Option<usize> {
        self.hyphen_splits.binary_search_by_key(&pos, |&(p, _)| p).ok().map(|i| self.hyphen_splits[i].1 as usize)
    }

    /// Bytes of heap the index holds (without the source texts).
    pub fn heap_bytes(&self) -> usize {
        (self.word_ids.capacity() + self.word_starts.capacity() + self.word_ends.capacity()) * 4
            + self.hyphen_splits.capacity() * 8
            + self.shingles.heap_bytes()
            + self.word_postings.heap_bytes()
            + self.vocab.words.iter().map(|w| w.len() * 2 + 24).sum::<usize>()
    }

    /// Every global position where word `id` occurs.
    pub fn positions_of_word(&self, id: u32) -> &[u32] {
        self.word_postings.get(id)
    }

    /// Candidate regions for a quote given as word ids ([`UNKNOWN_WORD`] for words the corpus
    /// lacks, and at editorial breaks so no seed spans one), best first, at most `max`.
    /// With `only_doc`, votes outside that document are ignored.
    pub fn candidates(&self, quote: &[u32], only_doc: Option<usize>, max: usize) -> Vec<Candidate> {
        let mut hits: Vec<(usize, i64, u32)> = Vec::new();
        let in_scope = |p: u32| only_doc.is_none_or(|d| self.doc_words(d).contains(&p));
        for (q, window) in quote.windows(SHINGLE).enumerate() {
            if window.contains(&UNKNOWN_WORD) {
                continue;
            }
            for &p in self.shingles.get(shingle_hash(window)) {
                if in_scope(p) {
                    hits.push((self.doc_of(p), p as i64 - q as i64, q as u32));
                }
            }
        }
        if hits.is_empty() {
            // No intact shingle: seed from the rarest words instead.
            let mut rare: Vec<(usize, usize, &[u32])> = quote
                .iter()
                .enumerate()
                .filter(|&(_, &id)| id != UNKNOWN_WORD)
                .map(|(q, &id)| {
                    let positions = self.word_postings.get(id);
                    (positions.len(), q, positions)
                })
                .filter(|&(n, _, _)| n > 0 && n <= RARE_WORD_CAP)
                .collect();
            rare.sort_unstable();
            for &(_, q, positions) in rare.iter().take(8) {
                for &p in positions {
                    if in_scope(p) {
                        hits.push((self.doc_of(p), p as i64 - q as i64, q as u32));
                    }
                }
            }
        }
        self.cluster(hits, quote.len(), max)
    }

    /// Merges seed hits on nearby diagonals into candidate regions.
    fn cluster(&self, mut hits: Vec<(usize, i64, u32)>, quote_len: usize, max: usize) -> Vec<Candidate> {
        hits.sort_unstable();
        // Omissions and insertions shift the diagonal by their length; a quarter of the quote
        // (at least eight words) keeps one drifted quote in one region.
        let band = (quote_len as i64 / 4).max(8);
        let slack = (quote_len as i64 / 2).max(8);
        let mut candidates = Vec::new();
        let mut i = 0;
        while i < hits.len() {
            let (doc, first_diag, _) = hits[i];
            let mut j = i + 1;
            while j < hits.len() && hits[j].0 == doc && hits[j].1 - hits[j - 1].1 <= band {
                j += 1;
            }
            let cluster = &hits[i..j];
            let last_diag = cluster[cluster.len() - 1].1;
            let mut qs: Vec<u32> = cluster.iter().map(|h| h.2).collect();
            qs.sort_unstable();
            qs.dedup();
            let range = self.doc_words(doc);
            let start = (first_diag - slack).clamp(range.start as i64, range.end as i64) as u32;
            let end = (last_diag + quote_len as i64 + slack).clamp(range.start as i64, range.end as i64) as u32;
            candidates.push(Candidate { doc, words: start..end, votes: qs.len() as u32 });
            i = j;
        }
        candidates
            .sort_by(|a, b| b.votes.cmp(&a.votes).then(a.doc.cmp(&b.doc)).then(a.words.start.cmp(&b.words.start)));
        candidates.truncate(max);
        candidates
    }

    /// Every place the exact word sequence `quote` occurs, up to `max`, in document order.
    pub fn find_verbatim(&self, quote: &[u32], max: usize) -> Vec<Range<u32>> {
        if quote.is_empty() || quote.contains(&UNKNOWN_WORD) {
            return Vec::new();
        }
        let (anchor, _) = quote
            .iter()
            .enumerate()
            .min_by_key(|&(_, &id)| self.word_postings.get(id).len())
            .expect("quote is not empty");
        let mut found = Vec::new();
        for &p in self.word_postings.get(quote[anchor]) {
            let Some(start) = p.checked_sub(anchor as u32) else { continue };
            let end = start + quote.len() as u32;
            let doc = self.doc_of(p);
            let range = self.doc_words(doc);
            if start < range.start || end > range.end {
                continue;
            }
            if self.word_ids(start..end) == quote {
                found.push(start..end);
                if found.len() == max {
                    break;
                }
            }
        }
        found
    }
}

/// A 64-bit hash of a run of word ids (FxHash-style multiply-rotate; ids are already well
/// spread, so this only has to combine them).
pub fn shingle_hash(ids: &[u32]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    ids.iter().fold(0u64, |h, &id| (h.rotate_left(5) ^ u64::from(id)).wrapping_mul(K))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_of(texts: &[&str]) -> CorpusIndex {
        let sources: Vec<Source> =
            texts.iter().enumerate().map(|(i, t)| Source::new(format!("s{i}"), format!("s{i}.txt"), *t)).collect();
        CorpusIndex::build(&sources)
    }

    fn ids(index: &CorpusIndex, text: &str) -> Vec<u32> {
        crate::normalize::words(text).iter().map(|w| index.vocab().id(&w.norm).unwrap_or(UNKNOWN_WORD)).collect()
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
        assert_eq!(found[0].votes, 3, "three intact shingles after the changed word");
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
    fn verbatim_search_and_spans() {
        let text = "a cult that punishes former members, a cult indeed";
        let index = index_of(&[text]);
        let found = index.find_verbatim(&ids(&index, "a cult"), 10);
        assert_eq!(found.len(), 2);
        assert_eq!(&text[index.span_of(found[1].clone())], "a cult");
    }
}
