//! A small ordered map for the core's state.

use std::borrow::Borrow;

use crate::core::json::{Map, Value};

/// A map kept as a vector sorted by key. The core's maps (ledger scopes, router health, sticky
/// sessions) hold a handful to a few hundred entries, and each `BTreeMap`/`HashMap` key/value
/// type costs several KB of wasm; this one is a binary search over a `Vec`.
#[derive(Clone, Debug, PartialEq)]
pub struct SortedMap<K, V>(pub Vec<(K, V)>);

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap(Vec::new())
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    pub fn find<Q: Ord + ?Sized>(&self, k: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|e| e.0.borrow().cmp(k))
    }

    pub fn get<Q: Ord + ?Sized>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(k).ok().and_then(|i| self.0.get(i)).map(|e| &e.1)
    }

    // Used by the web layer only (the catalog's per-provider fetch times).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub fn contains_key<Q: Ord + ?Sized>(&self, k: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(k).is_ok()
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(k).ok()?;
        self.0.get_mut(i).map(|e| &mut e.1)
    }

    /// The value at `k`, inserted as the default if missing.
    pub fn entry(&mut self, k: K) -> &mut V
    where
        V: Default,
    {
        let i = match self.find(&k) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (k, V::default()));
                i
            }
        };
        &mut self.0[i].1
    }

    pub fn insert(&mut self, k: K, v: V) {
        match self.find(&k) {
            Ok(i) => self.0[i].1 = v,
            Err(i) => self.0.insert(i, (k, v)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|e| (&e.0, &e.1))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|e| &e.0)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|e| &e.1)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.0.iter_mut().map(|e| &mut e.1)
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, k: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(k).ok()?;
        Some(self.0.remove(i).1)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|e| keep(&e.0, &mut e.1));
    }
}

/// `map.put("key", value)`: `insert("key".into(), value)` with the key allocation and the drop
/// of the replaced value in one shared function instead of inlined at every call site.
pub trait Put {
    fn put(&mut self, key: &str, value: Value);
}

impl Put for Map {
    #[inline(never)]
    fn put(&mut self, key: &str, value: Value) {
        self.insert(key.to_string(), value);
    }
}
