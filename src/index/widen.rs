//! Widening three-byte word ids ([`super::WordIds::Medium`], the width of a real archive's
//! vocabulary) into `u32`s. A scan of a cited source widens every word of it, tens of
//! thousands for one quote, and the compiler's loop moves the bytes of four ids at a time with
//! a dozen instructions; where the CPU has AVX-512 VBMI one byte permutation widens sixteen.

/// `ids` widened into `out` (cleared first).
pub(super) fn widen_medium(ids: &[[u8; 3]], out: &mut Vec<u32>) {
    out.clear();
    #[cfg(target_arch = "x86_64")]
    if has_avx512_vbmi() {
        out.resize(ids.len(), 0);
        // SAFETY: the CPU has the features `widen_avx512` is compiled for.
        let done = unsafe { widen_avx512(ids, out) };
        widen_portable(&ids[done..], &mut out[done..]);
        return;
    }
    out.extend(ids.iter().map(|&id| widen_one(id)));
}

#[inline(always)]
fn widen_one([a, b, c]: [u8; 3]) -> u32 {
    u32::from_le_bytes([a, b, c, 0])
}

fn widen_portable(ids: &[[u8; 3]], out: &mut [u32]) {
    for (wide, &id) in out.iter_mut().zip(ids) {
        *wide = widen_one(id);
    }
}

#[cfg(target_arch = "x86_64")]
fn has_avx512_vbmi() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vbmi")
}

/// Widens the first multiple of sixteen of `ids` into `out` (as long), returning how many:
/// 48 bytes are loaded (masked, so nothing past the slice is read) and permuted so that id
/// `k`'s three bytes land in bytes `4k..4k + 3`, the fourth zeroed.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
fn widen_avx512(ids: &[[u8; 3]], out: &mut [u32]) -> usize {
    use std::arch::x86_64::*;
    assert!(out.len() >= ids.len());
    let index: [u8; 64] = std::array::from_fn(|byte| ((byte / 4) * 3 + (byte % 4).min(2)) as u8);
    // SAFETY: reads the 64 bytes of `index`.
    let index = unsafe { _mm512_loadu_si512(index.as_ptr().cast()) };
    // The low three bytes of every four.
    let keep: __mmask64 = 0x7777_7777_7777_7777;
    let bytes = ids.as_flattened();
    let mut done = 0;
    while done + 16 <= ids.len() {
        // SAFETY: the mask enables 48 bytes, those of ids `done..done + 16`, which are in the
        // slice; masked-off bytes are neither read nor able to fault.
        let packed = unsafe { _mm512_maskz_loadu_epi8((1 << 48) - 1, bytes.as_ptr().add(3 * done).cast()) };
        // A cited source is read once, from memory: load ahead of the hardware's prefetcher,
        // which stops at each 4 KB page.
        _mm_prefetch::<_MM_HINT_T0>(bytes.as_ptr().wrapping_add(3 * done + 1536).cast());
        let wide = _mm512_maskz_permutexvar_epi8(keep, index, packed);
        // SAFETY: writes `out[done..done + 16]`, in bounds as `out` is as long as `ids`.
        unsafe { _mm512_storeu_si512(out.as_mut_ptr().add(done).cast(), wide) };
        done += 16;
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_gives_each_id_whole_at_every_length() {
        // Ids that use all three bytes, at lengths around the sixteen a vector holds.
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 100] {
            let ids: Vec<[u8; 3]> = (0..len as u32)
                .map(|i| (i * 0x01_0203 + 0xFF_FEFD - i).to_le_bytes()[..3].try_into().unwrap())
                .collect();
            let expected: Vec<u32> =
                ids.iter().map(|&[a, b, c]| u32::from(a) | u32::from(b) << 8 | u32::from(c) << 16).collect();
            let mut out = vec![7; 3];
            widen_medium(&ids, &mut out);
            assert_eq!(out, expected, "{len} ids");
        }
    }
}
