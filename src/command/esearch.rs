//! The RETURN options of SEARCH and SORT and the ESEARCH response they ask for: ESEARCH's
//! MIN, MAX, COUNT and ALL (RFC 4731) and SEARCHRES's SAVE (RFC 5182), the same for SORT
//! (ESORT, RFC 5267 3), and PARTIAL (RFC 9394 3.1, which updates RFC 5267 4.4). One place,
//! so that both commands parse and answer them alike; each gives its results in its own
//! order (mailbox order for SEARCH, sort order for SORT) and MIN, MAX, ALL and PARTIAL
//! follow it. PARTIAL is also FETCH's modifier (RFC 9394 3.3), parsed here too. UPDATE and
//! CONTEXT (RFC 5267 4.2, 4.3) ask for no result of their own: search_context.rs keeps an
//! UPDATE search live, and CONTEXT is a hint this server does not need.

use std::io::{self, Write};
use std::ops::Range;

use crate::wire::{format_uids, ParseError, Parser, Ranges};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Return {
    Min,
    Max,
    Count,
    All,
    Save,
    Partial(Partial),
    /// RFC 5267 4.3: tell the client how the results change from now on.
    Update,
    /// RFC 5267 4.2: the client will search the same way again; a hint, ignored.
    Context,
}

/// `PARTIAL low:high` (1-based positions in the results, `low <= high`), counted from the
/// last result when `from_end` (`-low:-high`, RFC 9394 3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partial {
    low: u32,
    high: u32,
    from_end: bool,
}

impl Partial {
    /// The positions it names among `n` results, in the results' order.
    fn pick(self, n: usize) -> Range<usize> {
        let (low, high) = (self.low as usize - 1, self.high as usize);
        match self.from_end {
            false => low.min(n)..high.min(n),
            true => n.saturating_sub(high)..n.saturating_sub(low),
        }
    }

    /// The members of `set`, in ascending order, at the positions it names.
    pub fn of(self, set: &Ranges) -> Ranges {
        let picked = self.pick(set.count().try_into().unwrap_or(usize::MAX));
        Ranges::from_sorted(set.iter().skip(picked.start).take(picked.len()))
    }

    /// The range as requested, smaller magnitude first (RFC 9394 4: `500:400` is `400:500`).
    fn write(self, out: &mut impl Write) -> io::Result<()> {
        let sign = if self.from_end { "-" } else { "" };
        write!(out, "{sign}{}:{sign}{}", self.low, self.high)
    }
}

/// `["RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")" SP]`: `None` when
/// absent (the plain SEARCH or SORT response), else the options, `RETURN ()` as ALL
/// (RFC 4731 3.1, RFC 5267 3.3). UPDATE and CONTEXT alone are `RETURN ()` too: they ask
/// for no result, and a client that follows the changes needs the results to apply them to.
pub fn parse(p: &mut Parser) -> Result<Option<Vec<Return>>, ParseError> {
    if p.peek_keyword().as_deref() != Some(b"RETURN") {
        return Ok(None);
    }
    p.keyword()?;
    p.sp()?;
    p.open()?;
    let mut opts = Vec::new();
    while !p.eat(b')') {
        if !opts.is_empty() {
            p.sp()?;
        }
        let opt = match &p.keyword()?[..] {
            b"MIN" => Return::Min,
            b"MAX" => Return::Max,
            b"COUNT" => Return::Count,
            b"ALL" => Return::All,
            b"SAVE" => Return::Save,
            b"UPDATE" => Return::Update,
            b"CONTEXT" => Return::Context,
            b"PARTIAL" => {
                p.sp()?;
                Return::Partial(partial_range(p)?)
            }
            _ => return Err(ParseError::bad("Unknown RETURN option")),
        };
        // RFC 9394 3.1: one PARTIAL or one ALL, not both, nor two of either.
        let exclusive = |r: &Return| matches!(r, Return::All | Return::Partial(_));
        if exclusive(&opt) && opts.iter().any(exclusive) {
            return Err(ParseError::bad("At most one of ALL and PARTIAL"));
        }
        opts.push(opt);
    }
    if opts
        .iter()
        .all(|r| matches!(r, Return::Update | Return::Context))
    {
        opts.push(Return::All);
    }
    p.sp()?;
    Ok(Some(opts))
}

/// `partial-range = nz-number ":" nz-number / "-" nz-number ":" "-" nz-number`.
pub fn partial_range(p: &mut Parser) -> Result<Partial, ParseError> {
    let from_end = p.eat(b'-');
    let a = p.nz_number()?;
    if !p.eat(b':') || p.eat(b'-') != from_end {
        return Err(ParseError::bad("Invalid PARTIAL range"));
    }
    let b = p.nz_number()?;
    Ok(Partial {
        low: a.min(b),
        high: a.max(b),
        from_end,
    })
}

fn has(returns: &[Return], r: Return) -> bool {
    returns.contains(&r)
}

fn partial(returns: &[Return]) -> Option<Partial> {
    returns.iter().find_map(|r| match r {
        Return::Partial(p) => Some(*p),
        _ => None,
    })
}

/// What SAVE keeps of `results` (RFC 5182 2.1, RFC 9394 3.2 table 1): with COUNT or ALL,
/// or SAVE alone, every result; otherwise only those MIN, MAX and PARTIAL name.
pub fn saved<T: Copy>(returns: &[Return], results: &[T]) -> Vec<T> {
    let (min, max) = (has(returns, Return::Min), has(returns, Return::Max));
    let part = partial(returns);
    if has(returns, Return::Count) || has(returns, Return::All) || !(min || max || part.is_some()) {
        return results.to_vec();
    }
    let mut picked = vec![false; results.len()];
    if let Some(p) = part {
        picked[p.pick(results.len())].fill(true);
    }
    if let (true, Some(f)) = (min, picked.first_mut()) {
        *f = true;
    }
    if let (true, Some(l)) = (max, picked.last_mut()) {
        *l = true;
    }
    results
        .iter()
        .zip(picked)
        .filter_map(|(&r, p)| p.then_some(r))
        .collect()
}

/// The positions among the results of those the answer returns: every one with ALL or
/// COUNT, else those MIN, MAX and PARTIAL name (RFC 4731 3.2; RFC 7162 3.1.6: the MODSEQ
/// result is the highest of theirs).
pub fn returned(returns: &[Return], len: usize) -> Vec<usize> {
    if has(returns, Return::All) || has(returns, Return::Count) {
        return (0..len).collect();
    }
    let mut at = Vec::new();
    if has(returns, Return::Min) && len > 0 {
        at.push(0);
    }
    if let Some(p) = partial(returns) {
        at.extend(p.pick(len));
    }
    if has(returns, Return::Max) && len > 0 {
        at.push(len - 1);
    }
    at
}

/// Writes `* ESEARCH (TAG "tag") [UID] ...` for `numbers` (message numbers or UIDs, in the
/// command's order), with CONDSTORE's `MODSEQ` result when given, unless SAVE was the only
/// result option (RFC 5182 2.1: then nothing; UPDATE and CONTEXT return nothing either). The order of the items is Dovecot's; RFC 4731 3.1
/// leaves it open.
pub fn write(
    out: &mut impl Write,
    tag: &[u8],
    uid: bool,
    returns: &[Return],
    numbers: &[u32],
    modseq: Option<u64>,
) -> io::Result<()> {
    if returns
        .iter()
        .all(|r| matches!(r, Return::Save | Return::Update | Return::Context))
    {
        return Ok(());
    }
    out.write_all(b"* ESEARCH (TAG ")?;
    crate::wire::quote::string(out, tag)?;
    out.write_all(b")")?;
    if uid {
        out.write_all(b" UID")?;
    }
    if let (true, Some(f)) = (has(returns, Return::Min), numbers.first()) {
        write!(out, " MIN {f}")?;
    }
    if let (true, Some(l)) = (has(returns, Return::Max), numbers.last()) {
        write!(out, " MAX {l}")?;
    }
    if has(returns, Return::All) && !numbers.is_empty() {
        // RFC 5267 3.2: ranges only where the numbers ascend, so a sort order survives.
        write!(out, " ALL {}", format_uids(numbers))?;
    }
    if let Some(p) = partial(returns) {
        out.write_all(b" PARTIAL (")?;
        p.write(out)?;
        match &numbers[p.pick(numbers.len())] {
            [] => out.write_all(b" NIL)")?,
            some => write!(out, " {})", format_uids(some))?,
        }
    }
    if has(returns, Return::Count) {
        write!(out, " COUNT {}", numbers.len())?;
    }
    if let Some(m) = modseq {
        write!(out, " MODSEQ {m}")?;
    }
    out.write_all(b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::{saved, write, Partial, Return};

    fn esearch(returns: &[Return], numbers: &[u32]) -> String {
        let mut out = Vec::new();
        write(&mut out, b"t", false, returns, numbers, None).unwrap();
        String::from_utf8(out).unwrap()
    }

    const fn first(low: u32, high: u32) -> Return {
        Return::Partial(Partial {
            low,
            high,
            from_end: false,
        })
    }

    const fn last(low: u32, high: u32) -> Return {
        Return::Partial(Partial {
            low,
            high,
            from_end: true,
        })
    }

    #[test]
    fn partial_positions() {
        // RFC 9394 3.1: 1 is the first result, -1 the last; ranges past the end give what
        // there is, and NIL when nothing is left.
        let n = [10, 11, 12, 20, 21, 30];
        assert_eq!(
            esearch(&[first(2, 4)], &n),
            "* ESEARCH (TAG \"t\") PARTIAL (2:4 11:12,20)\r\n"
        );
        assert_eq!(
            esearch(&[last(1, 2)], &n),
            "* ESEARCH (TAG \"t\") PARTIAL (-1:-2 21,30)\r\n"
        );
        assert_eq!(
            esearch(&[last(5, 100)], &n),
            "* ESEARCH (TAG \"t\") PARTIAL (-5:-100 10:11)\r\n"
        );
        assert_eq!(
            esearch(&[first(6, 9)], &n),
            "* ESEARCH (TAG \"t\") PARTIAL (6:9 30)\r\n"
        );
        assert_eq!(
            esearch(&[first(7, 9)], &n),
            "* ESEARCH (TAG \"t\") PARTIAL (7:9 NIL)\r\n"
        );
        assert_eq!(
            esearch(&[last(7, 9), Return::Count], &n),
            "* ESEARCH (TAG \"t\") PARTIAL (-7:-9 NIL) COUNT 6\r\n"
        );
    }

    #[test]
    fn sort_order_kept() {
        // RFC 5267 3.1 and 3.2: MIN and MAX are the first and last in the requested order,
        // ALL keeps that order and joins only ascending runs.
        assert_eq!(
            esearch(
                &[Return::Min, Return::Max, Return::All],
                &[5, 4, 3, 7, 8, 9, 1]
            ),
            "* ESEARCH (TAG \"t\") MIN 5 MAX 1 ALL 5,4,3,7:9,1\r\n"
        );
        assert_eq!(
            esearch(&[Return::Min, Return::Count], &[]),
            "* ESEARCH (TAG \"t\") COUNT 0\r\n"
        );
        assert_eq!(esearch(&[Return::Save], &[1]), "");
    }

    #[test]
    fn update_and_context_return_nothing() {
        // RFC 5267 4.2, 4.3: no result of their own; with SAVE alone, still nothing
        // (RFC 5182 2.1); with a result option, that option's result only.
        assert_eq!(esearch(&[Return::Save, Return::Update], &[1]), "");
        assert_eq!(
            esearch(&[Return::Update, Return::Context, Return::All], &[1, 2]),
            "* ESEARCH (TAG \"t\") ALL 1:2\r\n"
        );
        assert_eq!(
            esearch(&[Return::Count, Return::Update], &[1, 2]),
            "* ESEARCH (TAG \"t\") COUNT 2\r\n"
        );
    }

    #[test]
    fn what_save_keeps() {
        // RFC 9394 3.2, table 1, and RFC 5182 2.1.
        let r = [1, 2, 3, 4, 5, 6];
        let save = Return::Save;
        assert_eq!(saved(&[save, first(2, 3)], &r), [2, 3]);
        assert_eq!(saved(&[save, first(3, 4), Return::Min], &r), [1, 3, 4]);
        assert_eq!(saved(&[save, last(1, 2), Return::Max], &r), [5, 6]);
        assert_eq!(
            saved(&[save, first(3, 3), Return::Min, Return::Max], &r),
            [1, 3, 6]
        );
        assert_eq!(saved(&[save, first(1, 1), Return::Count], &r), r);
        assert_eq!(saved(&[save, Return::Max], &r), [6]);
        assert_eq!(saved(&[save], &r), r);
        assert_eq!(saved(&[save, Return::Min], &[] as &[u32]), [] as [u32; 0]);
    }
}
