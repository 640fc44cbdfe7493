//! Counted slots per key (a client address, a run): taken while something is open, given back
//! when its `Slot` is dropped, so a cap can never leak a count on an early return or a panic.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

/// How many slots each key holds now; keys with none are not kept.
pub struct Slots<K> {
    taken: Arc<Mutex<HashMap<K, usize>>>,
}

impl<K> Clone for Slots<K> {
    fn clone(&self) -> Self {
        Slots { taken: self.taken.clone() }
    }
}

impl<K: Hash + Eq + Clone> Default for Slots<K> {
    fn default() -> Self {
        Slots { taken: Arc::default() }
    }
}

impl<K: Hash + Eq + Clone> Slots<K> {
    fn lock(&self) -> MutexGuard<'_, HashMap<K, usize>> {
        // Counts are updated in one statement each: a poisoned map is still consistent.
        self.taken.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// One slot of `key` if fewer than `cap` are taken.
    pub fn take(&self, key: &K, cap: usize) -> Option<Slot<K>> {
        let mut taken = self.lock();
        let count = taken.entry(key.clone()).or_insert(0);
        if *count >= cap {
            if *count == 0 {
                taken.remove(key);
            }
            return None;
        }
        *count += 1;
        Some(Slot { slots: self.clone(), key: key.clone() })
    }

    /// How many slots of `key` are taken now.
    pub fn count(&self, key: &K) -> usize {
        self.lock().get(key).copied().unwrap_or(0)
    }
}

/// A taken slot; dropping it gives it back.
pub struct Slot<K: Hash + Eq + Clone> {
    slots: Slots<K>,
    key: K,
}

impl<K: Hash + Eq + Clone> Drop for Slot<K> {
    fn drop(&mut self) {
        let mut taken = self.slots.lock();
        if let Some(count) = taken.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                taken.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_key_refuses_until_a_slot_is_dropped() {
        let slots = Slots::default();
        let first = slots.take(&"a", 2).expect("first");
        let _second = slots.take(&"a", 2).expect("second");
        assert!(slots.take(&"a", 2).is_none());
        assert!(slots.take(&"b", 2).is_some(), "other keys have their own count");
        drop(first);
        assert_eq!(slots.count(&"a"), 1);
        assert!(slots.take(&"a", 2).is_some());
    }

    #[test]
    fn a_key_with_no_slots_left_is_forgotten() {
        let slots = Slots::default();
        drop(slots.take(&7, 1));
        assert!(slots.take(&8, 0).is_none());
        assert!(slots.lock().is_empty());
    }
}
