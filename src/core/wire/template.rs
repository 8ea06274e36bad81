//! The last plain chunk's bytes around its content string: the next one like it reads only that.

/// See [`super::Accumulator::share`].
pub const SHARE_OVER: usize = 1 << 20;

/// The last chunk the scanner read whose only news was its content string, cut around that
/// string. Providers repeat every other byte (id, model, created, role, nulls) chunk after
/// chunk, so a chunk with the same bytes around a new string only needs the string read.
#[derive(Default)]
pub(super) struct Template {
    /// The chunk without its content string literal (quotes included): that is not compared,
    /// and copying it would cost as much as reading it (an 8 MB string is one chunk).
    pub(super) bytes: Vec<u8>,
    /// Where the literal was: `bytes[..at]` came before it.
    pub(super) at: usize,
}

// Not state a reader of the stream sees: it stays out of `Accumulator`'s Debug output.
impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("_")
    }
}

impl Template {
    /// The content literal of `data` if `data` is the template with another string in it.
    pub(super) fn hole<'d>(&self, data: &'d [u8]) -> Option<&'d [u8]> {
        let (head, tail) = self.bytes.split_at_checked(self.at)?;
        let mid = data.len().checked_sub(tail.len())?;
        if self.bytes.is_empty() || mid < head.len() {
            return None;
        }
        (same(data.get(..head.len())?, head) && same(data.get(mid..)?, tail))
            .then(|| data.get(head.len()..mid))
            .flatten()
    }
}

/// `a == b`, eight bytes per step (`==` on slices is a byte loop on wasm32).
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (x, y) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail = x.remainder() == y.remainder();
    tail && x.zip(y).all(|(p, q)| {
        let (mut u, mut v) = ([0u8; 8], [0u8; 8]);
        u.copy_from_slice(p);
        v.copy_from_slice(q);
        u64::from_ne_bytes(u) == u64::from_ne_bytes(v)
    })
}
