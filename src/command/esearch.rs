//! The RETURN options of SEARCH and SORT and the ESEARCH response they ask for: ESEARCH's
//! MIN, MAX, COUNT and ALL (RFC 4731) and SEARCHRES's SAVE (RFC 5182), the same for SORT
//! (ESORT, RFC 5267 3). One place, so that both commands parse and answer them alike; each
//! gives its results in its own order (mailbox order for SEARCH, sort order for SORT) and
//! MIN, MAX and ALL follow it.

use std::io::{self, Write};

use crate::wire::{format_uids, ParseError, Parser};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Return {
    Min,
    Max,
    Count,
    All,
    Save,
}

/// `["RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")" SP]`: `None` when
/// absent (the plain SEARCH or SORT response), else the options, `RETURN ()` as ALL
/// (RFC 4731 3.1, RFC 5267 3.3).
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
            _ => return Err(ParseError::bad("Unknown RETURN option")),
        };
        opts.push(opt);
    }
    if opts.is_empty() {
        opts.push(Return::All);
    }
    p.sp()?;
    Ok(Some(opts))
}

fn has(returns: &[Return], r: Return) -> bool {
    returns.contains(&r)
}

/// What SAVE keeps of `results` (RFC 5182 2.1): with COUNT or ALL, or SAVE alone, every
/// result; otherwise only those MIN and MAX name.
pub fn saved<T: Copy>(returns: &[Return], results: &[T]) -> Vec<T> {
    let (min, max) = (has(returns, Return::Min), has(returns, Return::Max));
    if has(returns, Return::Count) || has(returns, Return::All) || !(min || max) {
        return results.to_vec();
    }
    let mut picked = vec![false; results.len()];
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

/// Writes `* ESEARCH (TAG "tag") [UID] ...` for `numbers` (message numbers or UIDs, in the
/// command's order), unless SAVE was the only option (RFC 5182 2.1: then nothing). The
/// order of the items is Dovecot's; RFC 4731 3.1 leaves it open.
pub fn write(
    out: &mut impl Write,
    tag: &[u8],
    uid: bool,
    returns: &[Return],
    numbers: &[u32],
) -> io::Result<()> {
    if returns.iter().all(|r| *r == Return::Save) {
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
    if has(returns, Return::Count) {
        write!(out, " COUNT {}", numbers.len())?;
    }
    out.write_all(b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::{saved, write, Return};

    fn esearch(returns: &[Return], numbers: &[u32]) -> String {
        let mut out = Vec::new();
        write(&mut out, b"t", false, returns, numbers).unwrap();
        String::from_utf8(out).unwrap()
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
    fn what_save_keeps() {
        // RFC 5182 2.1.
        let r = [1, 2, 3, 4, 5, 6];
        let save = Return::Save;
        assert_eq!(saved(&[save, Return::Min, Return::Max], &r), [1, 6]);
        assert_eq!(saved(&[save, Return::Min, Return::All], &r), r);
        assert_eq!(saved(&[save, Return::Max], &r), [6]);
        assert_eq!(saved(&[save], &r), r);
        assert_eq!(saved(&[save, Return::Min], &[] as &[u32]), [] as [u32; 0]);
    }
}
