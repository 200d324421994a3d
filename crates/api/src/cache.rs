//! Answers kept in memory for repeated GETs, valid while the store's data version is unchanged.
//!
//! Analysts (and the web UI) ask for the same pivots again and again; rendering a page of 100 records costs far more
//! than copying its text. An entry is only ever served for the exact request text (version, path, query, base URL)
//! and the exact store content it was rendered from: any commit, by this process or another one sharing the store,
//! changes the data version and so empties the cache.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Answers above this size are not kept (they would push out many small, hot ones).
const LARGEST_ENTRY: usize = 1 << 20;

/// A bounded cache of 200 answers.
#[derive(Debug)]
pub(crate) struct AnswerCache {
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    data_version: u64,
    bytes: usize,
    entries: HashMap<String, Entry>,
    /// Insertion order, for eviction (oldest first).
    order: VecDeque<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// JSON text or, for `$count`, plain text.
    pub(crate) json: bool,
    pub(crate) body: String,
}

impl AnswerCache {
    /// A cache holding at most `budget` bytes of answers (0 turns it off).
    pub(crate) fn new(budget: usize) -> Self {
        Self {
            budget,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The answer for `key` rendered at `data_version`, if kept.
    pub(crate) fn get(&self, key: &str, data_version: u64) -> Option<Entry> {
        if self.budget == 0 {
            return None;
        }
        let mut inner = self.inner.lock().ok()?;
        if inner.data_version != data_version {
            inner.reset(data_version);
            return None;
        }
        inner.entries.get(key).cloned()
    }

    /// Keeps an answer rendered from the content at `data_version` (read before rendering began).
    pub(crate) fn put(&self, key: String, data_version: u64, entry: Entry) {
        let size = key.len() + entry.body.len();
        if self.budget == 0 || size > LARGEST_ENTRY.min(self.budget) {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.data_version != data_version {
            // Rendered from older content than the cache now holds (or newer: then the cache is stale). Either
            // way, only entries of one version may live together.
            if data_version < inner.data_version {
                return;
            }
            inner.reset(data_version);
        }
        while inner.bytes + size > self.budget {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if let Some(old) = inner.entries.remove(&oldest) {
                inner.bytes -= oldest.len() + old.body.len();
            }
        }
        if let Some(old) = inner.entries.insert(key.clone(), entry) {
            inner.bytes -= key.len() + old.body.len();
            inner.order.retain(|k| k != &key);
        }
        inner.bytes += size;
        inner.order.push_back(key);
    }
}

impl Inner {
    fn reset(&mut self, data_version: u64) {
        self.data_version = data_version;
        self.bytes = 0;
        self.entries.clear();
        self.order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(body: &str) -> Entry {
        Entry {
            json: true,
            body: body.into(),
        }
    }

    #[test]
    fn hits_only_for_the_same_version() {
        let cache = AnswerCache::new(1000);
        cache.put("a".into(), 1, entry("one"));
        assert_eq!(cache.get("a", 1).unwrap().body, "one");
        assert!(cache.get("b", 1).is_none());
        assert!(cache.get("a", 2).is_none(), "a commit empties the cache");
        assert!(
            cache.get("a", 1).is_none(),
            "and old entries never come back"
        );
        cache.put("a".into(), 1, entry("stale render"));
        assert!(
            cache.get("a", 2).is_none(),
            "renders of older content are not kept"
        );
    }

    #[test]
    fn the_budget_evicts_oldest_first() {
        let cache = AnswerCache::new(20);
        cache.put("k1".into(), 1, entry("12345678")); // 10 bytes
        cache.put("k2".into(), 1, entry("12345678"));
        cache.put("k3".into(), 1, entry("12345678"));
        assert!(cache.get("k1", 1).is_none());
        assert!(cache.get("k2", 1).is_some());
        assert!(cache.get("k3", 1).is_some());
        cache.put("k3".into(), 1, entry("x"));
        assert_eq!(cache.get("k3", 1).unwrap().body, "x");
        cache.put("huge".into(), 1, entry(&"x".repeat(100)));
        assert!(cache.get("huge", 1).is_none());
        let off = AnswerCache::new(0);
        off.put("a".into(), 1, entry("x"));
        assert!(off.get("a", 1).is_none());
    }
}
