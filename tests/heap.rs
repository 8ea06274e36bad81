//! The wasm global allocator's algorithm (src/heap.rs), driven over an ordinary buffer standing
//! in for linear memory.

use free_router::heap::{Heap, PAGE};
use proptest::prelude::*;

/// Linear memory: a page-aligned buffer handed out page by page, as `memory.grow` would.
struct Memory {
    buffer: Vec<u8>,
    base: usize,
    pages: usize,
    limit: usize,
    /// Pages skipped before the next grow: another grower took them.
    stolen: usize,
}

impl Memory {
    fn new(limit: usize) -> Self {
        let buffer = vec![0u8; (limit + 1) * PAGE];
        let start = buffer.as_ptr() as usize;
        let base = start.div_ceil(PAGE) * PAGE;
        Memory {
            buffer,
            base,
            pages: 0,
            limit,
            stolen: 0,
        }
    }

    fn grow(&mut self, pages: usize) -> Option<usize> {
        self.pages += std::mem::take(&mut self.stolen);
        if self.pages + pages > self.limit {
            return None;
        }
        let start = self.base + self.pages * PAGE;
        self.pages += pages;
        Some(start)
    }

    fn contains(&self, address: usize, size: usize) -> bool {
        let start = self.buffer.as_ptr() as usize;
        address >= start && address + size <= start + self.buffer.len()
    }
}

fn alloc(heap: &mut Heap, memory: &mut Memory, size: usize, align: usize) -> usize {
    unsafe { heap.alloc(size, align, &mut |pages| memory.grow(pages)) }
}

#[derive(Debug, Clone)]
enum Op {
    Alloc(usize, usize),
    Free(usize),
    Grow(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1usize..3000, 0u32..7).prop_map(|(s, a)| Op::Alloc(s, 1 << a)),
        (1usize..300_000, 0u32..5).prop_map(|(s, a)| Op::Alloc(s, 1 << a)),
        any::<usize>().prop_map(Op::Free),
        (any::<usize>(), 1usize..200_000).prop_map(|(i, s)| Op::Grow(i, s)),
    ]
}

/// A live block: where, its layout, and the byte it was filled with.
struct Block {
    address: usize,
    size: usize,
    align: usize,
    tag: u8,
}

fn fill(block: &Block) {
    unsafe { std::ptr::write_bytes(block.address as *mut u8, block.tag, block.size) }
}

fn intact(block: &Block, len: usize) -> bool {
    let bytes = unsafe { std::slice::from_raw_parts(block.address as *const u8, len) };
    bytes.iter().all(|&b| b == block.tag)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the sequence of requests: blocks are aligned, inside memory, never overlap a
    /// live block, and keep their bytes until freed; a realloc keeps the common prefix.
    #[test]
    fn blocks_are_aligned_disjoint_and_kept(ops in prop::collection::vec(op(), 1..200)) {
        let mut memory = Memory::new(256);
        let mut heap = Heap::new();
        let mut live: Vec<Block> = Vec::new();
        for (n, op) in ops.into_iter().enumerate() {
            let tag = (n % 251) as u8 + 1;
            match op {
                Op::Alloc(size, align) => {
                    let address = alloc(&mut heap, &mut memory, size, align);
                    prop_assert!(address != 0, "out of memory at {} live blocks", live.len());
                    prop_assert_eq!(address % align, 0);
                    prop_assert!(memory.contains(address, size));
                    for b in &live {
                        prop_assert!(address + size <= b.address || b.address + b.size <= address);
                    }
                    let block = Block { address, size, align, tag };
                    fill(&block);
                    live.push(block);
                }
                Op::Free(i) if !live.is_empty() => {
                    let b = live.swap_remove(i % live.len());
                    prop_assert!(intact(&b, b.size));
                    unsafe { heap.free(b.address, b.size, b.align) };
                }
                Op::Grow(i, new) if !live.is_empty() => {
                    let i = i % live.len();
                    let b = &live[i];
                    prop_assert!(intact(b, b.size));
                    let address = if Heap::fits(b.size, new, b.align) {
                        b.address
                    } else {
                        let fresh = alloc(&mut heap, &mut memory, new, b.align);
                        prop_assert!(fresh != 0);
                        unsafe {
                            std::ptr::copy_nonoverlapping(b.address as *const u8, fresh as *mut u8, b.size.min(new));
                            heap.free(b.address, b.size, b.align);
                        }
                        fresh
                    };
                    let old = live.swap_remove(i);
                    let moved = Block { address, size: new, align: old.align, tag: old.tag };
                    prop_assert!(intact(&moved, old.size.min(new)));
                    for b in &live {
                        prop_assert!(address + new <= b.address || b.address + b.size <= address);
                    }
                    let block = Block { tag, ..moved };
                    fill(&block);
                    live.push(block);
                }
                _ => {}
            }
        }
        for b in &live {
            prop_assert!(intact(b, b.size));
        }
    }
}

/// The same work repeated (a stream's buffers, then the next stream's) reuses the freed blocks:
/// memory stops growing after the first round.
#[test]
fn freed_blocks_serve_the_next_round() {
    let mut memory = Memory::new(64);
    let mut heap = Heap::new();
    let sizes = [100_000, 24, 24, 300, 4096, 65_536, 17, 1000];
    let mut after_first = 0;
    for round in 0..100 {
        let mut blocks = Vec::new();
        for &s in &sizes {
            let a = alloc(&mut heap, &mut memory, s, 8);
            assert_ne!(a, 0);
            blocks.push((a, s));
        }
        for (a, s) in blocks {
            unsafe { heap.free(a, s, 8) };
        }
        if round == 0 {
            after_first = memory.pages;
        }
    }
    assert_eq!(memory.pages, after_first);
}

/// Alignment gaps are not lost: a small block carved after a page-aligned one fills the gap.
#[test]
fn alignment_gaps_go_to_smaller_classes() {
    let mut memory = Memory::new(8);
    let mut heap = Heap::new();
    let small = alloc(&mut heap, &mut memory, 16, 8);
    let big = alloc(&mut heap, &mut memory, 4096, 8);
    assert_eq!(big % 4096, 0);
    let gap = alloc(&mut heap, &mut memory, 32, 8);
    assert!(gap > small && gap < big, "{small:#x} {gap:#x} {big:#x}");
}

/// When something else grew memory in between, the heap continues after it.
#[test]
fn memory_grown_by_someone_else_is_skipped() {
    let mut memory = Memory::new(16);
    let mut heap = Heap::new();
    let first = alloc(&mut heap, &mut memory, 60_000, 8);
    memory.stolen = 2;
    let second = alloc(&mut heap, &mut memory, 60_000, 8);
    assert_ne!(second, 0);
    assert!(second >= memory.base + 3 * PAGE, "{first:#x} {second:#x}");
}

/// Requests past the largest class or past memory's limit get 0 (the caller reports the
/// failure), never a block too small.
#[test]
fn too_big_is_refused() {
    let mut memory = Memory::new(4);
    let mut heap = Heap::new();
    assert_eq!(alloc(&mut heap, &mut memory, usize::MAX / 2, 8), 0);
    assert_eq!(alloc(&mut heap, &mut memory, 5 * PAGE, 8), 0);
    assert_ne!(alloc(&mut heap, &mut memory, 3 * PAGE, 8), 0);
}
