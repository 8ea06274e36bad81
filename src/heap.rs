//! The wasm build's global allocator: one free list per power-of-two size class, blocks carved
//! from memory taken with `memory.grow`. Allocation and free are O(1) (a list pop or push, or a
//! bump), as fast as std's dlmalloc on the per-token path and about 3 KB gzip smaller. Blocks
//! are never split or merged, so a block costs at most twice its size; freed blocks are reused
//! by the next request of their class (a stream's buffers by the next stream's).
//!
//! The algorithm is plain address arithmetic over a `grow` callback, so native tests drive it
//! over an ordinary buffer (tests/heap.rs).

/// Smallest block: two words and room for the free-list link, keeps every block 16-aligned.
const MIN_SHIFT: u32 = 4;
/// Classes 16 B .. 2 GiB.
const CLASSES: usize = 28;
/// The wasm page, the unit `grow` hands out.
pub const PAGE: usize = 65536;

/// Free lists and the bump region. Addresses are plain numbers; a free block holds the
/// address of the next free block of its class in its first word.
pub struct Heap {
    free: [usize; CLASSES],
    next: usize,
    end: usize,
}

impl Default for Heap {
    fn default() -> Self {
        Self::new()
    }
}

/// The class of a request: None when it is too big to serve.
fn class(size: usize, align: usize) -> Option<usize> {
    let n = size.max(align).max(1 << MIN_SHIFT);
    let shift = usize::BITS - (n - 1).leading_zeros();
    let index = (shift - MIN_SHIFT) as usize;
    (index < CLASSES).then_some(index)
}

impl Heap {
    pub const fn new() -> Self {
        Heap {
            free: [0; CLASSES],
            next: 0,
            end: 0,
        }
    }

    /// A block of at least `size` bytes aligned to `align` (a power of two, at most one page),
    /// or 0. `grow(pages)` adds that many pages and returns the address where they start, or
    /// None.
    ///
    /// # Safety
    /// Every address handed out or grown must be writable memory owned by this heap.
    pub unsafe fn alloc(
        &mut self,
        size: usize,
        align: usize,
        grow: &mut dyn FnMut(usize) -> Option<usize>,
    ) -> usize {
        let Some(index) = class(size, align) else {
            return 0;
        };
        let head = self.free[index];
        if head != 0 {
            self.free[index] = *(head as *const usize);
            return head;
        }
        self.carve(index, grow)
    }

    /// Give back a block from `alloc` with the same size and align.
    ///
    /// # Safety
    /// `address` came from `alloc(size, align)` on this heap and is not used again.
    pub unsafe fn free(&mut self, address: usize, size: usize, align: usize) {
        if let Some(index) = class(size, align) {
            self.push(index, address);
        }
    }

    /// Whether a block for `(old, align)` already holds `new` bytes (realloc in place).
    pub fn fits(old: usize, new: usize, align: usize) -> bool {
        class(old, align) == class(new, align)
    }

    unsafe fn push(&mut self, index: usize, address: usize) {
        *(address as *mut usize) = self.free[index];
        self.free[index] = address;
    }

    /// A fresh block of class `index` from the bump region, aligned to its size (at most a
    /// page). The gap skipped to align it goes to the smaller classes, not to waste.
    unsafe fn carve(
        &mut self,
        index: usize,
        grow: &mut dyn FnMut(usize) -> Option<usize>,
    ) -> usize {
        let size = 1usize << (index as u32 + MIN_SHIFT);
        let align = size.min(PAGE);
        while self.next & (align - 1) != 0 {
            let piece = self.next & self.next.wrapping_neg();
            let shift = piece.trailing_zeros();
            self.push((shift - MIN_SHIFT) as usize, self.next);
            self.next += piece;
        }
        while self.end - self.next < size {
            let pages = (size - (self.end - self.next)).div_ceil(PAGE);
            let Some(start) = grow(pages) else {
                return 0;
            };
            if start != self.end {
                // Not contiguous with the region (first use, or someone else grew memory):
                // continue from there; the old remainder is left unused.
                self.next = start;
                self.end = start;
            }
            self.end += pages * PAGE;
        }
        let block = self.next;
        self.next += size;
        block
    }
}

#[cfg(target_arch = "wasm32")]
mod global {
    use super::{Heap, PAGE};
    use std::alloc::{GlobalAlloc, Layout};
    use std::cell::UnsafeCell;

    struct Global(UnsafeCell<Heap>);

    // wasm32-unknown-unknown without threads: one thread touches the heap.
    unsafe impl Sync for Global {}

    fn grow(pages: usize) -> Option<usize> {
        let previous = core::arch::wasm32::memory_grow(0, pages);
        (previous != usize::MAX && previous + pages <= 65535).then_some(previous * PAGE)
    }

    unsafe impl GlobalAlloc for Global {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            (*self.0.get()).alloc(layout.size(), layout.align(), &mut grow) as *mut u8
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            (*self.0.get()).free(ptr as usize, layout.size(), layout.align())
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            if Heap::fits(layout.size(), new_size, layout.align()) {
                return ptr;
            }
            let heap = &mut *self.0.get();
            let fresh = heap.alloc(new_size, layout.align(), &mut grow) as *mut u8;
            if !fresh.is_null() {
                std::ptr::copy_nonoverlapping(ptr, fresh, layout.size().min(new_size));
                heap.free(ptr as usize, layout.size(), layout.align());
            }
            fresh
        }
    }

    #[global_allocator]
    static ALLOCATOR: Global = Global(UnsafeCell::new(Heap::new()));
}
