//! One stable sort for the whole crate.
//!
//! `slice::sort_by` is monomorphised per element type and comparator, and each copy (driftsort,
//! quicksort, small-sort networks) costs 1–3 KB of wasm; a dozen call sites made it ~40 KB. Here the
//! work is done once, on indices, through `dyn` callbacks; only two small closures are generic.
//! The lists sorted here are short (candidates, rules, catalog hits), so a bottom-up merge sort over
//! indices is plenty.

use std::cmp::Ordering;

/// The stable sorted order of `0..n`: `order[k]` is the index of the element that goes to `k`.
#[inline(never)]
fn order(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut a: Vec<usize> = (0..n).collect();
    let mut b = a.clone();
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut l, mut r) = (start, mid);
            for slot in &mut b[start..end] {
                // Ties take the left run: stable.
                let left = r >= end || (l < mid && cmp(a[l], a[r]) != Ordering::Greater);
                if left {
                    *slot = a[l];
                    l += 1;
                } else {
                    *slot = a[r];
                    r += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut a, &mut b);
        width *= 2;
    }
    a
}

/// Rearranges a sequence into `order` with `swap(i, j)` calls: O(n) swaps.
#[inline(never)]
fn permute(order: &[usize], swap: &mut dyn FnMut(usize, usize)) {
    // pos[x]: where original element x is now; at[p]: which original element sits at p.
    let mut pos: Vec<usize> = (0..order.len()).collect();
    let mut at = pos.clone();
    for (k, &want) in order.iter().enumerate() {
        let from = pos[want];
        if from != k {
            swap(k, from);
            let displaced = at[k];
            at[from] = displaced;
            pos[displaced] = from;
            at[k] = want;
            pos[want] = k;
        }
    }
}

/// Stable sort, like `slice::sort_by`.
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let o = order(v.len(), &mut |i, j| cmp(&v[i], &v[j]));
    permute(&o, &mut |i, j| v.swap(i, j));
}

/// Stable sort by a key, like `slice::sort_by_key`.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Stable sort by a key computed once per element, like `slice::sort_by_cached_key`.
pub fn sort_by_cached_key<T, K: Ord>(v: &mut [T], key: impl FnMut(&T) -> K) {
    let keys: Vec<K> = v.iter().map(key).collect();
    let o = order(v.len(), &mut |i, j| keys[i].cmp(&keys[j]));
    permute(&o, &mut |i, j| v.swap(i, j));
}

/// Stable sort of an `Ord` type, like `slice::sort`.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_std_and_is_stable() {
        let mut seed = 0x1234_5678_u64;
        for n in 0..70 {
            let v: Vec<(u8, usize)> = (0..n)
                .map(|i| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((seed >> 60) as u8, i)
                })
                .collect();
            let mut mine = v.clone();
            sort_by_key(&mut mine, |x| x.0);
            let mut std = v.clone();
            std.sort_by_key(|x| x.0);
            assert_eq!(mine, std);
            let mut cached = v.clone();
            sort_by_cached_key(&mut cached, |x| std::cmp::Reverse(x.0));
            let mut std = v;
            std.sort_by_cached_key(|x| std::cmp::Reverse(x.0));
            assert_eq!(cached, std);
        }
    }
}
