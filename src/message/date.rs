//! The calendar date of an RFC 5322 `Date:` field (section 3.3, with the obsolete forms of
//! 4.3: two-digit years, missing day names, odd spacing). SEARCH SENTBEFORE and its kin
//! compare dates only, disregarding time and zone (RFC 3501 6.4.4).
//!
//! The value is mail, so anything may be in it: the words are byte strings (never sliced
//! as `str`, where an 8-bit byte would fall inside a character), numbers are digits only,
//! and a time or zone out of range counts as unreadable instead of reaching `jiff`'s
//! panicking constructors.

use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;

const MONTHS: [&[u8]; 12] = [
    b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
];

/// A date-time is short; comments aside, nothing past this many bytes of a Date: value is
/// looked at (RFC 5322 2.1.1 keeps lines under 998 bytes).
const MAX_DATE: usize = 998;

/// The date part of a Date: value, if one can be read.
pub fn parse(value: &[u8]) -> Option<Date> {
    let words = words(value);
    date(&words).map(|(d, _)| d)
}

/// The moment of a Date: value in seconds since the epoch, for SORT (RFC 5256 2.2): an
/// unreadable zone counts as UTC, an unreadable time as midnight.
pub fn parse_seconds(value: &[u8]) -> Option<i64> {
    let words = words(value);
    let (day, m) = date(&words)?;
    let midnight = DateTime::from(day);
    let mut zone = 0i32;
    let dt = match words.get(m + 2).and_then(|t| time(t)) {
        Some((h, mi, s)) => {
            if let Some(z) = words.get(m + 3) {
                zone = offset(z);
            }
            DateTime::new(day.year(), day.month(), day.day(), h, mi, s, 0).unwrap_or(midnight)
        }
        None => midnight,
    };
    let off = Offset::from_seconds(zone).unwrap_or(Offset::UTC);
    off.to_timestamp(dt).ok().map(|t| t.as_second())
}

/// `hh:mm[:ss]`; other forms are unreadable.
fn time(t: &[u8]) -> Option<(i8, i8, i8)> {
    let mut parts = t.split(|&b| b == b':');
    let h = number(parts.next()?)?;
    let m = number(parts.next()?)?;
    let s = match parts.next() {
        Some(s) => number(s)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    let small = |n: u32, max: u32| (n <= max).then_some(n as i8);
    Some((small(h, 23)?, small(m, 59)?, small(s, 59)?))
}

/// A number written in ASCII digits only (no sign, no spaces), of at most nine digits.
fn number(w: &[u8]) -> Option<u32> {
    if w.is_empty() || w.len() > 9 || !w.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(w.iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0')))
}

/// `+hhmm`, `-hhmm` or an obsolete zone name (RFC 5322 4.3), in seconds east of UTC.
fn offset(z: &[u8]) -> i32 {
    let named: [(&[u8], i32); 8] = [
        (b"EDT", -4),
        (b"EST", -5),
        (b"CDT", -5),
        (b"CST", -6),
        (b"MDT", -6),
        (b"MST", -7),
        (b"PDT", -7),
        (b"PST", -8),
    ];
    if let Some(&(_, h)) = named.iter().find(|(n, _)| n.eq_ignore_ascii_case(z)) {
        return h * 3600;
    }
    let sign = match z.first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return 0,
    };
    match (
        z.len(),
        z.get(1..3).and_then(number),
        z.get(3..5).and_then(number),
    ) {
        (5, Some(h), Some(m)) if m < 60 => sign * (h as i32 * 3600 + m as i32 * 60),
        _ => 0,
    }
}

fn words(value: &[u8]) -> Vec<&[u8]> {
    let value = &value[..value.len().min(MAX_DATE)];
    value
        .split(|&b| b.is_ascii_whitespace() || b == b',')
        .filter(|w| !w.is_empty())
        .collect()
}

/// The month of a word that starts with a month's name (`Jun`, `June`).
fn month(w: &[u8]) -> Option<i8> {
    let head = w.get(..3)?;
    let i = MONTHS.iter().position(|m| head.eq_ignore_ascii_case(m))?;
    Some(i as i8 + 1)
}

/// The date, and the index of the month word, from the words of a Date: value.
fn date(words: &[&[u8]]) -> Option<(Date, usize)> {
    let (m, month) = words
        .iter()
        .enumerate()
        .find_map(|(i, w)| month(w).map(|mo| (i, mo)))?;
    let day = number(words.get(m.checked_sub(1)?)?)?;
    let y = words.get(m + 1)?;
    let year = number(y)?;
    // RFC 5322 4.3: two-digit years below 50 are 20xx, others 19xx; three digits add 1900.
    let year = match y.len() {
        2 if year < 50 => year + 2000,
        2 | 3 => year + 1900,
        _ => year,
    };
    let (day, year) = (i8::try_from(day).ok()?, i16::try_from(year).ok()?);
    Date::new(year, month, day).ok().map(|d| (d, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5322_dates() {
        let d = |y, m, dd| Some(Date::new(y, m, dd).unwrap());
        assert_eq!(parse(b"Mon, 30 Nov 2026 10:30:00 -0500"), d(2026, 11, 30));
        assert_eq!(parse(b"1 Feb 1994 21:52:25 -0800"), d(1994, 2, 1));
        assert_eq!(parse(b"Thu,  4 Mar 99 10:00 GMT"), d(1999, 3, 4));
        assert_eq!(parse(b"4 March 03 10:00 +0100"), d(2003, 3, 4));
        assert_eq!(parse(b"garbage"), None);
        assert_eq!(parse(b"31 Feb 2020"), None);
    }

    #[test]
    fn rfc5256_sent_date() {
        // RFC 5256 2.2: "31 Dec 2000 16:01:33 -0800" is 1 Jan 2001 00:01:33 UTC.
        assert_eq!(
            parse_seconds(b"Sun, 31 Dec 2000 16:01:33 -0800"),
            Some(978_307_293)
        );
        assert_eq!(
            parse_seconds(b"31 Dec 2000 16:01:33 PST"),
            Some(978_307_293)
        );
        assert_eq!(
            parse_seconds(b"1 Jan 2001 00:01:33 bogus"),
            Some(978_307_293)
        );
        assert_eq!(parse_seconds(b"1 Jan 2001"), Some(978_307_200));
    }

    #[test]
    fn eight_bit_and_out_of_range_values_are_unreadable_not_fatal() {
        // A multibyte character where the month name's third byte would be: `Mié` (day
        // names in Spanish), and any 8-bit byte there.
        let d = Date::new(2026, 6, 3).ok();
        assert_eq!(parse("Mié, 3 Jun 2026 10:00:00 +0200".as_bytes()), d);
        assert_eq!(parse(b"Mi\xe9, 3 Jun 2026 10:00:00 +0200"), d);
        assert_eq!(parse("3 Jué 2026".as_bytes()), None);
        assert_eq!(parse(b"\xff\xfe\xfd \x80"), None);
        assert_eq!(
            parse_seconds("Mié, 3 Jun 2026 10:00:00 +0200".as_bytes()),
            Some(1_780_473_600)
        );
        // An hour of 25 reached jiff's panicking `Date::at`: midnight instead.
        assert_eq!(
            parse_seconds(b"1 Jan 2001 25:61:99 +0000"),
            Some(978_307_200)
        );
        // A zone with an 8-bit byte, or out of range: UTC.
        assert_eq!(
            parse_seconds("1 Jan 2001 00:01:33 +1é1".as_bytes()),
            Some(978_307_293)
        );
        assert_eq!(
            parse_seconds(b"1 Jan 2001 00:01:33 +9999"),
            Some(978_307_293)
        );
        // Signs and huge numbers are not days or years.
        assert_eq!(parse(b"+3 Jun 2026"), None);
        assert_eq!(parse(b"3 Jun 99999999999999999999"), None);
    }
}
