//! Arrays an index either owns or borrows from a shared byte buffer, so an index read from a
//! cache file uses the file's bytes where they lie (a memory map) instead of copying them.
//!
//! Invariant: a shared array is aligned and sized for its element type; that is checked once,
//! when it is made, so reading it never fails.

use std::fmt;
use std::ops::{Deref, Range};
use std::ptr::NonNull;
use std::sync::Arc;

use bytemuck::Pod;

/// Bytes an index may borrow from: a memory-mapped file, or any owned buffer. The bytes must
/// not change or move while it lives (true of a read-only map and of an unshared buffer), since
/// an index array read from them keeps a pointer into them.
pub trait Backing: AsRef<[u8]> + Send + Sync {}
impl<T: AsRef<[u8]> + Send + Sync> Backing for T {}

/// A slice of `T`, owned or borrowed from a [`Backing`]. Reading one is a plain slice access:
/// where the elements lie is resolved once, when it is made, not on every read (a hot loop
/// reads these arrays millions of times).
pub struct Store<T: Pod> {
    /// The elements: `len` of them at `ptr`, inside `owner`'s buffer.
    ptr: NonNull<T>,
    len: usize,
    owner: Owner<T>,
}

enum Owner<T> {
    Owned(Vec<T>),
    Shared(Arc<dyn Backing>),
}

// SAFETY: a store only reads through `ptr`, into a buffer `owner` keeps alive, unchanged and in
// place (a vector it never changes, or a `Backing`, which is `Send + Sync` and immutable), so
// it is as shareable as that owner.
unsafe impl<T: Pod + Send + Sync> Send for Store<T> {}
unsafe impl<T: Pod + Send + Sync> Sync for Store<T> {}

impl<T: Pod> Store<T> {
    /// `bytes[range]` viewed as `T`s, or a copy of them if the range is misaligned for `T`.
    /// `None` if the range is out of bounds or not a whole number of `T`s.
    pub fn shared(bytes: &Arc<dyn Backing>, range: Range<usize>) -> Option<Store<T>> {
        let slice = bytes.as_ref().as_ref().get(range)?;
        if slice.len() % std::mem::size_of::<T>() != 0 {
            return None;
        }
        match bytemuck::try_cast_slice::<u8, T>(slice) {
            Ok(items) => Some(Store {
                ptr: NonNull::from(items).cast(),
                len: items.len(),
                owner: Owner::Shared(Arc::clone(bytes)),
            }),
            Err(_) => {
                let mut copy = vec![T::zeroed(); slice.len() / std::mem::size_of::<T>()];
                bytemuck::cast_slice_mut::<T, u8>(&mut copy).copy_from_slice(slice);
                Some(copy.into())
            }
        }
    }

    /// Bytes this array takes in memory: its heap allocation, or the mapped bytes it reads.
    pub fn heap_bytes(&self) -> usize {
        match &self.owner {
            Owner::Owned(v) => v.capacity() * std::mem::size_of::<T>(),
            Owner::Shared(_) => self.len * std::mem::size_of::<T>(),
        }
    }
}

impl<T: Pod> Deref for Store<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` and `len` were taken from a slice of `owner`'s buffer, which lives as
        // long as `self` and is never changed or moved (see `Backing`; a vector's heap buffer
        // stays put when the vector is moved).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Pod> Clone for Store<T> {
    fn clone(&self) -> Self {
        match &self.owner {
            Owner::Owned(v) => v.clone().into(),
            Owner::Shared(bytes) => Store { ptr: self.ptr, len: self.len, owner: Owner::Shared(Arc::clone(bytes)) },
        }
    }
}

impl<T: Pod> Default for Store<T> {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl<T: Pod> From<Vec<T>> for Store<T> {
    fn from(v: Vec<T>) -> Self {
        Store { ptr: NonNull::from(v.as_slice()).cast(), len: v.len(), owner: Owner::Owned(v) }
    }
}

impl<T: Pod + fmt::Debug> fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.owner {
            Owner::Owned(_) => write!(f, "Owned({} items)", self.len),
            Owner::Shared(_) => write!(f, "Shared({} bytes)", self.len * std::mem::size_of::<T>()),
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
