//! A filter on pairs of consecutive words, for reading a whole document in search of a quote's
//! word pairs ([`super::CorpusIndex::scan_candidates`]).
//!
//! Almost every pair of a document is not in the quote, so the filter decides most pairs with
//! one bit test; the few that pass are looked up exactly. Where the CPU has AVX-512 the whole
//! filter sits in registers and sixteen pairs are tested at once. Elsewhere a document is marked
//! a few thousand pairs at a time into a byte per pair (a loop the compiler vectorises, with
//! gathers where the CPU has AVX2), then the marked offsets are collected eight bytes at a time.

/// A 4,096-bit filter on word pairs: a pair is in it if its bit is set. Never misses a pair
/// added to it; lets through about `pairs / 4096` of the others.
pub struct PairFilter {
    bits: [u32; 128],
}

/// Pairs marked at a time: the marks of one piece stay in the first-level cache.
const PIECE: usize = 4096;

impl PairFilter {
    pub fn of(pairs: impl IntoIterator<Item = (u32, u32)>) -> PairFilter {
        let mut bits = [0u32; 128];
        for (a, b) in pairs {
            let slot = slot(a, b);
            bits[(slot >> 5) as usize] |= 1 << (slot & 31);
        }
        PairFilter { bits }
    }

    /// The filter's answer for one pair, as [`Self::passing`] gives it for a document's pairs.
    fn may_contain(&self, a: u32, b: u32) -> bool {
        let slot = slot(a, b);
        (self.bits[(slot >> 5) as usize] >> (slot & 31)) & 1 == 1
    }

    /// Into `passed` (cleared first), every offset `i` at which the pair `ids[i], ids[i + 1]`
    /// may be in the filter, in order.
    pub fn passing(&self, ids: &[u32], passed: &mut Vec<u32>) {
        passed.clear();
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has the features `passing_avx512` is compiled for.
            let done = unsafe { self.passing_avx512(ids, passed) };
            let rest = ids.get(done..).unwrap_or_default();
            passed.extend(
                rest.windows(2)
                    .enumerate()
                    .filter(|(_, w)| self.may_contain(w[0], w[1]))
                    .map(|(i, _)| (done + i) as u32),
            );
            return;
        }
        let mut marks = [0u8; PIECE];
        let mut first = 0;
        // Each piece holds `PIECE` pairs, so it shares its last word with the next piece.
        while first + 1 < ids.len() {
            let piece = &ids[first..(first + PIECE + 1).min(ids.len())];
            let marks = &mut marks[..piece.len() - 1];
            self.mark(piece, marks);
            let chunks = marks.chunks_exact(8);
            let rest = chunks.remainder();
            let mut rest_word = [0u8; 8];
            rest_word[..rest.len()].copy_from_slice(rest);
            let words = chunks.map(|chunk| u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
            for (chunk_at, word) in words.chain([u64::from_le_bytes(rest_word)]).enumerate() {
                // One set bit per marked pair, at the bottom of its byte.
                let mut set = word;
                while set != 0 {
                    let at = first + chunk_at * 8 + set.trailing_zeros() as usize / 8;
                    passed.push(at as u32);
                    set &= set - 1;
                }
            }
            first += PIECE;
        }
    }

    /// [`Self::passing`] for the pairs that start in the first multiple of sixteen of `ids`
    /// less one (each pair needs the word after it), returning how many pairs that is. The
    /// filter's 4,096 bits are held in eight registers, so a lookup is register permutations
    /// rather than a gather from memory: a pair's 7-bit word index picks its word from each
    /// pair of registers by its low five bits and among the four results by its top two, and
    /// sixteen pairs are looked up at once.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn passing_avx512(&self, ids: &[u32], passed: &mut Vec<u32>) -> usize {
        use std::arch::x86_64::*;
        // SAFETY: each load reads sixteen of the filter's 128 words.
        let table: [__m512i; 8] =
            std::array::from_fn(|k| unsafe { _mm512_loadu_si512(self.bits[16 * k..].as_ptr().cast()) });
        let (c1, c2) = (_mm512_set1_epi32(SLOT_A as i32), _mm512_set1_epi32(SLOT_B as i32));
        let (bit_30, bit_31, one, low5) =
            (_mm512_set1_epi32(1 << 30), _mm512_set1_epi32(1 << 31), _mm512_set1_epi32(1), _mm512_set1_epi32(31));
        let mut done = 0;
        while done + 17 <= ids.len() {
            // SAFETY: reads `ids[done..done + 17]`, in bounds by the loop's condition.
            let (a, b) = unsafe {
                let at = ids.as_ptr().add(done);
                (_mm512_loadu_si512(at.cast()), _mm512_loadu_si512(at.add(1).cast()))
            };
            let hash = _mm512_xor_si512(_mm512_mullo_epi32(a, c1), _mm512_mullo_epi32(b, c2));
            // The word index is the hash's top seven bits; the permutations read the low five
            // of `word` (bits 25 to 29) and ignore the rest.
            let word = _mm512_srli_epi32::<25>(hash);
            let quarter = |k: usize| _mm512_permutex2var_epi32(table[2 * k], word, table[2 * k + 1]);
            let (low_30, high_31) = (_mm512_test_epi32_mask(hash, bit_30), _mm512_test_epi32_mask(hash, bit_31));
            let lower = _mm512_mask_blend_epi32(low_30, quarter(0), quarter(1));
            let upper = _mm512_mask_blend_epi32(low_30, quarter(2), quarter(3));
            let words = _mm512_mask_blend_epi32(high_31, lower, upper);
            let bit = _mm512_and_si512(_mm512_srli_epi32::<20>(hash), low5);
            let mut set = _mm512_test_epi32_mask(_mm512_srlv_epi32(words, bit), one);
            while set != 0 {
                passed.push((done + set.trailing_zeros() as usize) as u32);
                set &= set - 1;
            }
            done += 16;
        }
        done
    }

    /// Sets `marks[i]` to 1 where the pair `ids[i], ids[i + 1]` may be in the filter, else 0.
    fn mark(&self, ids: &[u32], marks: &mut [u8]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, which is all `mark_avx2` requires.
            return unsafe { self.mark_avx2(ids, marks) };
        }
        self.mark_portable(ids, marks);
    }

    /// [`Self::mark`] compiled for AVX2, whose gathers let the filter lookups vectorise.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn mark_avx2(&self, ids: &[u32], marks: &mut [u8]) {
        self.mark_portable(ids, marks);
    }

    #[inline(always)]
    fn mark_portable(&self, ids: &[u32], marks: &mut [u8]) {
        for ((mark, &a), &b) in marks.iter_mut().zip(ids).zip(&ids[1..]) {
            let slot = slot(a, b);
            *mark = ((self.bits[(slot >> 5) as usize] >> (slot & 31)) & 1) as u8;
        }
    }
}

/// The filter bit of a pair: 12 bits of a multiplicative hash, in 32-bit arithmetic so that
/// eight pairs hash in one vector.
fn slot(a: u32, b: u32) -> u32 {
    (a.wrapping_mul(SLOT_A) ^ b.wrapping_mul(SLOT_B)) >> 20
}

/// The multipliers of [`slot`]'s hash.
const SLOT_A: u32 = 0x9e37_79b9;
const SLOT_B: u32 = 0x85eb_ca6b;

#[cfg(test)]
mod tests {
    use super::*;

    /// Word ids as a document has them: a few common words and many rarer ones.
    fn document(len: usize, seed: u64) -> Vec<u32> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                if state.is_multiple_of(3) {
                    (state >> 8) as u32 % 8
                } else {
                    (state >> 8) as u32 % 200_000
                }
            })
            .collect()
    }

    #[test]
    fn passing_offsets_are_exactly_the_pairs_the_filter_may_contain() {
        // Lengths around the piece size, where a pair straddles two pieces.
        for (len, seed) in
            [(0, 1), (1, 2), (2, 3), (9, 4), (PIECE, 5), (PIECE + 1, 6), (PIECE + 2, 7), (3 * PIECE + 17, 8)]
        {
            let ids = document(len, seed);
            let quote_pairs: Vec<(u32, u32)> = ids.windows(2).step_by(97).map(|w| (w[0], w[1])).collect();
            let filter = PairFilter::of(quote_pairs.iter().copied());
            let mut passed = Vec::new();
            filter.passing(&ids, &mut passed);
            let expected: Vec<u32> = ids
                .windows(2)
                .enumerate()
                .filter(|(_, w)| filter.may_contain(w[0], w[1]))
                .map(|(i, _)| i as u32)
                .collect();
            assert_eq!(passed, expected, "document of {len} words");
            // Every pair added passes.
            for (i, _) in ids.windows(2).enumerate().step_by(97) {
                assert!(passed.binary_search(&(i as u32)).is_ok(), "pair at {i} of {len} filtered out");
            }
        }
    }

    #[test]
    fn every_pair_added_passes_at_every_length_around_a_vector() {
        // Sixteen pairs are tested at once where the CPU allows, the rest one by one: with
        // every pair of the document in the filter, each must come back, in order, once.
        for len in 0..=50 {
            let ids = document(len, len as u64 + 1);
            let filter = PairFilter::of(ids.windows(2).map(|w| (w[0], w[1])));
            let mut passed = Vec::new();
            filter.passing(&ids, &mut passed);
            assert_eq!(passed, (0..len.saturating_sub(1) as u32).collect::<Vec<_>>(), "{len} words");
        }
    }

    #[test]
    fn vectorised_marks_equal_the_portable_ones() {
        let ids = document(PIECE + 1, 9);
        let filter = PairFilter::of(ids.windows(2).step_by(13).map(|w| (w[0], w[1])));
        let mut portable = vec![0u8; PIECE];
        filter.mark_portable(&ids, &mut portable);
        let mut dispatched = vec![7u8; PIECE];
        filter.mark(&ids, &mut dispatched);
        assert_eq!(portable, dispatched);
        assert!(portable.contains(&1) && portable.contains(&0));
    }

    #[test]
    fn the_filter_lets_through_few_pairs_it_was_not_given() {
        let ids = document(100_000, 10);
        let filter = PairFilter::of((0..8).map(|k| (k, k + 1_000)));
        let mut passed = Vec::new();
        filter.passing(&ids, &mut passed);
        // Eight slots of 4,096 set: about 0.2% of pairs pass.
        assert!(passed.len() < 500, "{} of 100,000 pairs passed", passed.len());
    }
}
