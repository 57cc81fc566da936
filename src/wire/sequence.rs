//! Sequence sets (`1,3:5,7:*`, RFC 3501 section 9 `sequence-set`): message numbers or UIDs.

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

    /// The ranges with `*` replaced by `largest` and each range in ascending order
    /// (`5:2` is `2:5`, RFC 3501 section 9).
    pub fn ranges(&self, largest: u32) -> impl Iterator<Item = RangeInclusive<u32>> + '_ {
        self.ranges.iter().map(move |&(a, b)| {
            let (a, b) = (a.resolve(largest), b.resolve(largest));
            a.min(b)..=a.max(b)
        })
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
    use super::{format_uids, SeqNumber::*, SequenceSet};

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
        let r: Vec<_> = s.ranges(12).collect();
        assert_eq!(r, vec![2..=5, 9..=12]);
        assert!(s.ranges(12).any(|r| r.contains(&12)));
        assert!(!s.ranges(12).any(|r| r.contains(&7)));
        // `*` below the first number of a range still makes a valid range (RFC 3501 9).
        let s = SequenceSet::new(vec![(Value(20), Largest)]);
        assert_eq!(s.ranges(3).collect::<Vec<_>>(), vec![3..=20]);
    }
}
