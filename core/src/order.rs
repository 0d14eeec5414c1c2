//! Sorting the lists screens show through one compiled sort.
//!
//! Every `sort_by` call site with its own closure compiles its own copy of
//! the standard library's stable sort, several kilobytes each, and the
//! phone library has a size budget (docs/PERFORMANCE.md, "Sorting through
//! one sort"). Here the positions are sorted instead, through a single
//! instantiation comparing by `dyn Fn`, and the items then moved into
//! their places. Stable, as `slice::sort_by` is.

use std::cmp::Ordering;

pub(crate) fn sort_by<T>(items: &mut Vec<T>, compare: impl Fn(&T, &T) -> Ordering) {
    let mut order: Vec<usize> = (0..items.len()).collect();
    sort_positions(&mut order, &|a, b| compare(&items[a], &items[b]));
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    items.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

pub(crate) fn sort_by_key<T, K: Ord>(items: &mut Vec<T>, key: impl Fn(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

#[inline(never)]
fn sort_positions(order: &mut [usize], compare: &dyn Fn(usize, usize) -> Ordering) {
    order.sort_by(|&a, &b| compare(a, b));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_as_the_standard_stable_sort_does(keys in proptest::collection::vec(0u8..8, 0..200)) {
            // Few distinct keys, so stability shows: the second field is
            // each item's first position.
            let items: Vec<(u8, usize)> = keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect();
            let mut expected = items.clone();
            expected.sort_by_key(|(k, _)| *k);
            let mut ours = items;
            sort_by_key(&mut ours, |(k, _)| *k);
            prop_assert_eq!(ours, expected);
        }
    }

    #[test]
    fn moves_owned_items_without_copying_or_losing_them() {
        let mut names: Vec<String> = ["pear", "apple", "fig", "apple"].map(String::from).to_vec();
        sort_by(&mut names, |a, b| b.cmp(a));
        assert_eq!(names, ["pear", "fig", "apple", "apple"]);
        let mut empty: Vec<String> = Vec::new();
        sort_by(&mut empty, |a, b| a.cmp(b));
        assert!(empty.is_empty());
    }
}
