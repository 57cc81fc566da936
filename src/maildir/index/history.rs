//! The expunges a folder remembers (RFC 7162 3.2): ranges of UIDs, each with the highest
//! MODSEQ an expunge in it was given, and a floor: every expunge with a MODSEQ above the
//! floor is in a range. Kept in `imapd.state` ([`super::state`]), so that SELECT (QRESYNC)
//! and UID FETCH (VANISHED) can tell a client which of its UIDs went since its MODSEQ.
//!
//! A range carries the highest MODSEQ of its expunges, so it is reported to a client whose
//! MODSEQ is below that, also for UIDs that went earlier: VANISHED (EARLIER) may name UIDs
//! the client already knew were gone (RFC 7162 3.2.10.2, last paragraph), never fewer
//! than went; and a range may span UIDs still present, which the answer leaves out. So
//! when there are more than [`MAX_RANGES`], neighbours of one MODSEQ (one EXPUNGE of
//! scattered messages) become one range, and if that is not enough the oldest are dropped
//! and the floor raised to their MODSEQ: a client below the floor is then told every UID
//! it names that is no longer there (3.2.6, the note on `<minmodseq>`).

/// At most this many ranges are kept (64 KB in the state).
pub const MAX_RANGES: usize = 4096;
/// One range: first UID, last UID, MODSEQ.
const RANGE: usize = 4 + 4 + 8;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    /// Every expunge with a MODSEQ above this is in `ranges`.
    pub floor: u64,
    /// (first UID, last UID, MODSEQ), in UID order, not overlapping; adjacent ones have
    /// different MODSEQs.
    pub ranges: Vec<(u32, u32, u64)>,
}

impl History {
    /// A history that starts at `floor`: nothing known of what went before.
    pub fn starting(floor: u64) -> History {
        History {
            floor,
            ranges: Vec::new(),
        }
    }

    /// Records the UIDs of `uids` (first, last, MODSEQ) as expunged at those MODSEQs.
    pub fn add(&mut self, uids: &[(u32, u32, u64)]) {
        if uids.is_empty() {
            return;
        }
        let mut all: Vec<(u32, u32, u64)> = self.ranges.drain(..).collect();
        all.extend_from_slice(uids);
        all.sort_unstable();
        for (a, b, m) in all {
            match self.ranges.last_mut() {
                // Adjacent ranges of one MODSEQ are one; others stay apart, so that each
                // keeps its own MODSEQ.
                Some(last) if a <= last.1 || (a == last.1.saturating_add(1) && last.2 == m) => {
                    last.1 = last.1.max(b);
                    last.2 = last.2.max(m);
                }
                _ => self.ranges.push((a, b, m)),
            }
        }
        if self.ranges.len() > MAX_RANGES {
            let mut ranges: Vec<(u32, u32, u64)> = Vec::with_capacity(self.ranges.len());
            for r in self.ranges.drain(..) {
                match ranges.last_mut() {
                    Some(last) if last.2 == r.2 => last.1 = r.1,
                    _ => ranges.push(r),
                }
            }
            self.ranges = ranges;
        }
        if self.ranges.len() > MAX_RANGES {
            let mut modseqs: Vec<u64> = self.ranges.iter().map(|r| r.2).collect();
            modseqs.sort_unstable();
            let cut = modseqs[self.ranges.len() - MAX_RANGES - 1];
            self.floor = self.floor.max(cut);
            self.ranges.retain(|r| r.2 > cut);
        }
    }

    /// The UID ranges that may hold expunges with a MODSEQ above `since`; `None` when
    /// `since` is below the floor, and any UID may have gone since.
    pub fn since(&self, since: u64) -> Option<Vec<(u32, u32)>> {
        (since >= self.floor).then(|| {
            self.ranges
                .iter()
                .filter(|r| r.2 > since)
                .map(|r| (r.0, r.1))
                .collect()
        })
    }

    pub fn encode(&self, b: &mut Vec<u8>) {
        let start = b.len();
        b.extend_from_slice(&self.floor.to_le_bytes());
        b.extend_from_slice(&(self.ranges.len() as u32).to_le_bytes());
        for &(first, last, modseq) in &self.ranges {
            b.extend_from_slice(&first.to_le_bytes());
            b.extend_from_slice(&last.to_le_bytes());
            b.extend_from_slice(&modseq.to_le_bytes());
        }
        let crc = crc32fast::hash(&b[start..]);
        b.extend_from_slice(&crc.to_le_bytes());
    }

    /// The length of an encoded history whose first 12 bytes are `head`.
    pub fn encoded_len(head: &[u8; 12]) -> u64 {
        let n = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
        12 + u64::from(n) * RANGE as u64 + 4
    }

    /// The history of `b`, all of [`encoded_len`](Self::encoded_len); `None` if damaged.
    pub fn decode(b: &[u8]) -> Option<History> {
        let (body, crc) = b.split_last_chunk::<4>()?;
        if crc32fast::hash(body) != u32::from_le_bytes(*crc) || body.len() < 12 {
            return None;
        }
        let floor = u64::from_le_bytes(body[..8].try_into().ok()?);
        let ranges = body[12..]
            .chunks_exact(RANGE)
            .map(|r| {
                let word = |at: usize| u32::from_le_bytes([r[at], r[at + 1], r[at + 2], r[at + 3]]);
                let modseq = u64::from_le_bytes(r[8..16].try_into().unwrap_or_default());
                (word(0), word(4), modseq)
            })
            .collect();
        Some(History { floor, ranges })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_and_report_what_went_since() {
        // RFC 7162 3.2.6: the UIDs expunged with a MODSEQ above the client's.
        let mut h = History::starting(100);
        h.add(&[(3, 3, 110), (7, 9, 110)]);
        h.add(&[(4, 4, 120)]);
        h.add(&[(10, 10, 110)]);
        assert_eq!(h.ranges, [(3, 3, 110), (4, 4, 120), (7, 10, 110)]);
        assert_eq!(h.since(115), Some(vec![(4, 4)]));
        assert_eq!(h.since(100), Some(vec![(3, 3), (4, 4), (7, 10)]));
        assert_eq!(h.since(120), Some(vec![]));
        assert_eq!(h.since(99), None, "below the floor: anything may have gone");
        let mut b = Vec::new();
        h.encode(&mut b);
        assert_eq!(
            History::encoded_len(b[..12].try_into().unwrap()),
            b.len() as u64
        );
        assert_eq!(History::decode(&b), Some(h.clone()));
        b[13] ^= 1;
        assert_eq!(History::decode(&b), None);
    }

    #[test]
    fn past_the_bound_the_oldest_go_and_the_floor_rises() {
        let mut h = History::starting(1);
        for n in 0..MAX_RANGES as u32 + 10 {
            h.add(&[(2 * n + 1, 2 * n + 1, 10 + u64::from(n))]);
        }
        assert_eq!(h.ranges.len(), MAX_RANGES);
        assert_eq!(h.floor, 19);
        assert_eq!(h.since(18), None);
        assert_eq!(h.since(19).unwrap().first(), Some(&(21, 21)));
        // One expunge of scattered messages past the bound: one range, nothing lost.
        let mut h = History::starting(1);
        let scattered: Vec<(u32, u32, u64)> = (0..MAX_RANGES as u32 + 1)
            .map(|n| (3 * n, 3 * n, 5))
            .collect();
        h.add(&scattered);
        assert_eq!(
            (h.floor, h.ranges),
            (1, vec![(0, 3 * MAX_RANGES as u32, 5)])
        );
    }
}
