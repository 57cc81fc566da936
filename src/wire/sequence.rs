//! Sequence sets (`1,3:5,7:*`, RFC 3501 section 9 `sequence-set`): message numbers or UIDs.
//!
//! A set is never expanded into its members: [`SequenceSet::resolve`] turns it into
//! [`Ranges`], sorted, disjoint and merged, so `1:*,1:*,...` costs one range however many
//! messages the folder holds, and a set's work is O(ranges · log ranges). The number of
//! ranges needs no bound of its own: a set is one token of one line, so the line limit
//! bounds it (a 64 KiB line holds at most 32,768 ranges, `1,1,...`), and the command limit
//! bounds all the sets of one command (SEARCH may spread its keys over several lines).

use std::ops::RangeInclusive;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqNumber {
    Value(u32),
    /// `*`: the largest number in use.
    Largest,
}

impl SeqNumber {
    fn resolve(self, largest: u32) -> u32 {
        match self {
            SeqNumber::Value(n) => n,
            SeqNumber::Largest => largest,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SequenceSet {
    ranges: Vec<(SeqNumber, SeqNumber)>,
    saved: bool,
}

impl SequenceSet {
    pub fn new(ranges: Vec<(SeqNumber, SeqNumber)>) -> SequenceSet {
        SequenceSet {
            ranges,
            saved: false,
        }
    }

    /// `$`: the result saved by an earlier `SEARCH RETURN (SAVE)` (RFC 5182); the selected
    /// mailbox knows what it holds.
    pub fn saved() -> SequenceSet {
        SequenceSet {
            ranges: Vec::new(),
            saved: true,
        }
    }

    pub fn is_saved(&self) -> bool {
        self.saved
    }

    /// The members, with `*` standing for `largest` and each range in ascending order
    /// (`5:2` is `2:5`, RFC 3501 section 9), merged.
    pub fn resolve(&self, largest: u32) -> Ranges {
        Ranges::merge(self.ranges.iter().map(|&(a, b)| {
            let (a, b) = (a.resolve(largest), b.resolve(largest));
            (a.min(b), a.max(b))
        }))
    }
}

/// A set of numbers as sorted, disjoint, non-adjacent inclusive ranges: the form every
/// command works on, in memory O(ranges) whatever the number of members.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ranges(Vec<(u32, u32)>);

impl Ranges {
    /// Sorts and merges ranges given as `(first, last)`, `first <= last`.
    pub fn merge(ranges: impl IntoIterator<Item = (u32, u32)>) -> Ranges {
        let mut v: Vec<(u32, u32)> = ranges.into_iter().collect();
        v.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(v.len());
        for (a, b) in v {
            match out.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        out.shrink_to_fit();
        Ranges(out)
    }

    /// Members given in ascending order, joined into ranges as they come.
    pub fn from_sorted(members: impl IntoIterator<Item = u32>) -> Ranges {
        let mut out: Vec<(u32, u32)> = Vec::new();
        for n in members {
            match out.last_mut() {
                Some(last) if n <= last.1.saturating_add(1) => last.1 = last.1.max(n),
                _ => out.push((n, n)),
            }
        }
        Ranges(out)
    }

    pub fn contains(&self, n: u32) -> bool {
        let i = self.0.partition_point(|&(_, last)| last < n);
        self.0.get(i).is_some_and(|&(first, _)| first <= n)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of members.
    pub fn count(&self) -> u64 {
        self.0.iter().map(|&(a, b)| u64::from(b - a) + 1).sum()
    }

    pub fn first(&self) -> Option<u32> {
        self.0.first().map(|r| r.0)
    }

    pub fn last(&self) -> Option<u32> {
        self.0.last().map(|r| r.1)
    }

    pub fn ranges(&self) -> impl Iterator<Item = RangeInclusive<u32>> + '_ {
        self.0.iter().map(|&(a, b)| a..=b)
    }

    /// The members in ascending order, one at a time.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.ranges().flatten()
    }

    /// The members in `0..=largest` that are not members.
    pub fn complement(&self, largest: u32) -> Ranges {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        // The first number not yet accounted for; `None` once past u32::MAX.
        let mut next = Some(0u32);
        for &(a, b) in &self.0 {
            match next {
                Some(n) if n > largest => break,
                Some(n) if a > n => out.push((n, (a - 1).min(largest))),
                Some(_) => {}
                None => break,
            }
            next = b.checked_add(1);
        }
        if let Some(n) = next.filter(|&n| n <= largest) {
            out.push((n, largest));
        }
        Ranges(out)
    }

    /// The members of both, in one pass over each.
    pub fn intersect(&self, other: &Ranges) -> Ranges {
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < self.0.len() && j < other.0.len() {
            let (a, b) = (self.0[i], other.0[j]);
            let lo = a.0.max(b.0);
            let hi = a.1.min(b.1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a.1 < b.1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        Ranges(out)
    }

    /// The members of either.
    /// The set as IMAP writes it: `1:3,7` (RFC 3501 9, sequence-set); empty for none.
    pub fn format(&self) -> String {
        let mut out = String::new();
        for &(a, b) in &self.0 {
            if !out.is_empty() {
                out.push(',');
            }
            match a == b {
                true => out.push_str(&a.to_string()),
                false => out.push_str(&format!("{a}:{b}")),
            }
        }
        out
    }

    pub fn union(&self, other: &Ranges) -> Ranges {
        Ranges::merge(self.0.iter().chain(&other.0).copied())
    }
}

/// Writes UIDs as a `uid-set` (RFC 4315 section 4), keeping their order (COPYUID pairs
/// source and destination UIDs by position) and joining ascending runs: `4:6,9`.
pub fn format_uids(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let mut j = i;
        while j + 1 < uids.len() && uids[j + 1] == uids[j].wrapping_add(1) {
            j += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if j > i {
            out.push_str(&format!("{}:{}", uids[i], uids[j]));
        } else {
            out.push_str(&uids[i].to_string());
        }
        i = j + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{format_uids, Ranges, SeqNumber::*, SequenceSet};

    #[test]
    fn uid_sets_keep_order() {
        assert_eq!(format_uids(&[4, 5, 6, 9]), "4:6,9");
        assert_eq!(format_uids(&[9, 4, 5]), "9,4:5");
        assert_eq!(format_uids(&[7]), "7");
        assert_eq!(format_uids(&[]), "");
    }

    #[test]
    fn star_and_reversed_ranges() {
        let s = SequenceSet::new(vec![(Value(5), Value(2)), (Value(9), Largest)]);
        let r = s.resolve(12);
        assert_eq!(r.ranges().collect::<Vec<_>>(), vec![2..=5, 9..=12]);
        assert!(r.contains(12) && r.contains(2) && !r.contains(7) && !r.contains(1));
        // `*` below the first number of a range still makes a valid range (RFC 3501 9).
        let s = SequenceSet::new(vec![(Value(20), Largest)]);
        assert_eq!(s.resolve(3).ranges().collect::<Vec<_>>(), vec![3..=20]);
    }

    #[test]
    fn repeated_and_overlapping_ranges_merge() {
        // RFC 3501 9: `1:*,1:*` names each message once; it stays one range.
        let s = SequenceSet::new(vec![(Value(1), Largest); 10000]);
        let r = s.resolve(100_000);
        assert_eq!(r.ranges().collect::<Vec<_>>(), vec![1..=100_000]);
        assert_eq!(r.count(), 100_000);
        let s = SequenceSet::new(vec![
            (Value(7), Value(9)),
            (Value(1), Value(3)),
            (Value(4), Value(4)),
            (Value(8), Value(12)),
            (Value(20), Value(20)),
        ]);
        let r = s.resolve(30);
        assert_eq!(r.ranges().collect::<Vec<_>>(), vec![1..=4, 7..=12, 20..=20]);
        assert_eq!(
            r.iter().collect::<Vec<_>>(),
            [1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 20]
        );
        assert_eq!(
            Ranges::from_sorted([1, 2, 3, 5, 6, 9])
                .ranges()
                .collect::<Vec<_>>(),
            vec![1..=3, 5..=6, 9..=9]
        );
    }

    /// Set operations against plain membership on small random sets.
    #[test]
    fn set_operations_agree_with_membership() {
        let mut seed = 0x2545_f491_u32;
        let mut next = |n: u32| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed % n
        };
        for _ in 0..2000 {
            let mut random = || {
                let k = next(5);
                Ranges::merge((0..k).map(|_| {
                    let a = next(20);
                    (a, a + next(4))
                }))
            };
            let (a, b) = (random(), random());
            let largest = next(25);
            let (c, i, u) = (a.complement(largest), a.intersect(&b), a.union(&b));
            for n in 0..30 {
                assert_eq!(
                    c.contains(n),
                    n <= largest && !a.contains(n),
                    "{a:?} {largest} {n}"
                );
                assert_eq!(i.contains(n), a.contains(n) && b.contains(n));
                assert_eq!(u.contains(n), a.contains(n) || b.contains(n));
            }
            for r in [&c, &i, &u] {
                // Sorted, disjoint and not adjacent: the form `merge` gives.
                assert_eq!(
                    *r,
                    Ranges::merge(r.ranges().map(|r| (*r.start(), *r.end())))
                );
            }
        }
        assert_eq!(
            Ranges::merge([(5, u32::MAX)]).complement(u32::MAX).count(),
            5
        );
    }
}
