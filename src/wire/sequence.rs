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
}

impl SequenceSet {
    pub fn new(ranges: Vec<(SeqNumber, SeqNumber)>) -> SequenceSet {
        SequenceSet { ranges }
    }

    /// The ranges with `*` replaced by `largest` and each range in ascending order
    /// (`5:2` is `2:5`, RFC 3501 section 9).
    pub fn ranges(&self, largest: u32) -> impl Iterator<Item = RangeInclusive<u32>> + '_ {
        self.ranges.iter().map(move |&(a, b)| {
            let (a, b) = (a.resolve(largest), b.resolve(largest));
            a.min(b)..=a.max(b)
        })
    }

    pub fn contains(&self, n: u32, largest: u32) -> bool {
        self.ranges(largest).any(|r| r.contains(&n))
    }
}

#[cfg(test)]
mod tests {
    use super::{SeqNumber::*, SequenceSet};

    #[test]
    fn star_and_reversed_ranges() {
        let s = SequenceSet::new(vec![(Value(5), Value(2)), (Value(9), Largest)]);
        let r: Vec<_> = s.ranges(12).collect();
        assert_eq!(r, vec![2..=5, 9..=12]);
        assert!(s.contains(12, 12));
        assert!(!s.contains(7, 12));
        // `*` below the first number of a range still makes a valid range (RFC 3501 9).
        let s = SequenceSet::new(vec![(Value(20), Largest)]);
        assert_eq!(s.ranges(3).collect::<Vec<_>>(), vec![3..=20]);
    }
}
