//! Arrays an index either owns or borrows from a shared byte buffer, so an index read from a
//! cache file uses the file's bytes where they lie (a memory map) instead of copying them.
//!
//! Invariant: a shared array is aligned and sized for its element type; that is checked once,
//! when it is made, so reading it never fails.

use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;

use bytemuck::Pod;

/// Bytes an index may borrow from: a memory-mapped file, or any owned buffer.
pub trait Backing: AsRef<[u8]> + Send + Sync {}
impl<T: AsRef<[u8]> + Send + Sync> Backing for T {}

/// A slice of `T`, owned or borrowed from a [`Backing`].
#[derive(Clone)]
pub enum Store<T: Pod> {
    Owned(Vec<T>),
    Shared { bytes: Arc<dyn Backing>, range: Range<usize> },
}

impl<T: Pod> Store<T> {
    /// `bytes[range]` viewed as `T`s, or a copy of them if the range is misaligned for `T`.
    /// `None` if the range is out of bounds or not a whole number of `T`s.
    pub fn shared(bytes: &Arc<dyn Backing>, range: Range<usize>) -> Option<Store<T>> {
        let slice = bytes.as_ref().as_ref().get(range.clone())?;
        if slice.len() % std::mem::size_of::<T>() != 0 {
            return None;
        }
        match bytemuck::try_cast_slice::<u8, T>(slice) {
            Ok(_) => Some(Store::Shared { bytes: Arc::clone(bytes), range }),
            Err(_) => {
                let mut copy = vec![T::zeroed(); slice.len() / std::mem::size_of::<T>()];
                bytemuck::cast_slice_mut::<T, u8>(&mut copy).copy_from_slice(slice);
                Some(Store::Owned(copy))
            }
        }
    }

    /// Bytes this array takes in memory: its heap allocation, or the mapped bytes it reads.
    pub fn heap_bytes(&self) -> usize {
        match self {
            Store::Owned(v) => v.capacity() * std::mem::size_of::<T>(),
            Store::Shared { range, .. } => range.len(),
        }
    }
}

impl<T: Pod> Deref for Store<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            Store::Owned(v) => v,
            // Alignment and length were checked in `shared`.
            Store::Shared { bytes, range } => bytemuck::cast_slice(&bytes.as_ref().as_ref()[range.clone()]),
        }
    }
}

impl<T: Pod> Default for Store<T> {
    fn default() -> Self {
        Store::Owned(Vec::new())
    }
}

impl<T: Pod> From<Vec<T>> for Store<T> {
    fn from(v: Vec<T>) -> Self {
        Store::Owned(v)
    }
}

impl<T: Pod + fmt::Debug> fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Store::Owned(v) => write!(f, "Owned({} items)", v.len()),
            Store::Shared { range, .. } => write!(f, "Shared({} bytes)", range.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_arrays_read_in_place_or_copy_when_misaligned() {
        let words: Vec<u32> = vec![1, 2, 3, 4];
        let mut bytes = vec![0u8];
        bytes.extend_from_slice(bytemuck::cast_slice(&words));
        let backing: Arc<dyn Backing> = Arc::new(bytes);
        let store = Store::<u32>::shared(&backing, 1..17).unwrap();
        assert_eq!(&*store, &[1, 2, 3, 4]);
        assert!(Store::<u32>::shared(&backing, 1..16).is_none(), "not whole u32s");
        assert!(Store::<u32>::shared(&backing, 1..99).is_none(), "out of bounds");
    }
}
