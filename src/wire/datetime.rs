//! IMAP `date-time` (RFC 3501 section 9): `"30-Nov-2026 05:26:00 +0000"`, the form of
//! INTERNALDATE and of APPEND's date argument.

use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Formats `secs` since the epoch in the server's time zone, quoted.
pub fn format(secs: i64) -> String {
    let ts = Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH);
    let z = ts.to_zoned(TimeZone::system());
    let offset = z.offset().seconds();
    let sign = if offset < 0 { '-' } else { '+' };
    let (h, m) = (offset.abs() / 3600, offset.abs() % 3600 / 60);
    format!(
        "\"{:2}-{}-{:04} {:02}:{:02}:{:02} {sign}{h:02}{m:02}\"",
        z.day(),
        MONTHS[z.month() as usize - 1],
        z.year(),
        z.hour(),
        z.minute(),
        z.second()
    )
}

/// Parses the inside of a `date-time` (`date-day-fixed "-" date-month "-" date-year SP time
/// SP zone`, day with a leading space or digit) into seconds since the epoch. Works on the
/// bytes: a client may send anything, and an 8-bit byte must fail the parse, not fall
/// inside a character that a `str` slice would cut.
pub fn parse(s: &[u8]) -> Option<i64> {
    let s = s.strip_prefix(b" ").unwrap_or(s);
    let mut fields = s.split(|&b| b == b' ');
    let (date, time, zone) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() {
        return None;
    }
    let mut d = date.split(|&b| b == b'-');
    let (day, month_name, year) = (d.next()?, d.next()?, d.next()?);
    let month = MONTHS
        .iter()
        .position(|m| m.as_bytes().eq_ignore_ascii_case(month_name))?;
    let mut t = time.split(|&b| b == b':');
    let (hh, mm, ss) = (t.next()?, t.next()?, t.next()?);
    if d.next().is_some() || t.next().is_some() {
        return None;
    }
    let (sign, zh, zm) = match zone {
        [b'+', h @ .., m1, m2] => (1, h, [*m1, *m2]),
        [b'-', h @ .., m1, m2] => (-1, h, [*m1, *m2]),
        _ => return None,
    };
    let (zh, zm) = (digits(zh, 2, 2)?, digits(&zm, 2, 2).filter(|m| *m < 60)?);
    let offset = Offset::from_seconds(sign * (zh * 3600 + zm * 60)).ok()?;
    let dt = jiff::civil::DateTime::new(
        digits(year, 4, 4)? as i16,
        month as i8 + 1,
        digits(day, 1, 2)? as i8,
        digits(hh, 2, 2)? as i8,
        digits(mm, 2, 2)? as i8,
        digits(ss, 2, 2)? as i8,
        0,
    )
    .ok()?;
    Some(offset.to_timestamp(dt).ok()?.as_second())
}

/// The value of `min` to `max` ASCII digits.
fn digits(b: &[u8], min: usize, max: usize) -> Option<i32> {
    let ok = (min..=max).contains(&b.len());
    (ok && b.iter().all(u8::is_ascii_digit))
        .then(|| b.iter().fold(0, |v, &d| v * 10 + i32::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3501_date_time() {
        // RFC 3501 section 6.3.11's example.
        assert_eq!(parse(b"7-Feb-1994 21:52:25 -0800"), Some(760_686_745));
        assert_eq!(parse(b" 7-Feb-1994 21:52:25 -0800"), Some(760_686_745));
        assert_eq!(parse(b"07-feb-1994 21:52:25 -0800"), Some(760_686_745));
        assert_eq!(parse(b"31-Feb-1994 21:52:25 -0800"), None);
        assert_eq!(parse(b"7-Feb-1994 21:52 -0800"), None);
        assert_eq!(parse(b"7-Feb-1994 21:52:25 0800"), None);
    }

    #[test]
    fn eight_bit_bytes_fail_the_parse() {
        // `+1é1` is five bytes: a slice of bytes 1..3 would cut the `é` and panic.
        assert_eq!(parse("03-Jun-2026 10:00:00 +1é1".as_bytes()), None);
        assert_eq!(parse("03-Jün-2026 10:00:00 +0100".as_bytes()), None);
        assert_eq!(parse(b"03-Jun-2026 10:00:00 +01\xff0"), None);
        assert_eq!(parse(b"\xff"), None);
        assert_eq!(parse(b"03-Jun-2026 1\xc3\xa9:00:00 +0100"), None);
        assert_eq!(parse(b"+3-Jun-2026 10:00:00 +0100"), None);
        assert_eq!(parse(b"03-Jun-2026 10:00:00 +0100 "), None);
        assert_eq!(parse(b"03-Jun-2026 10:00:00 +01000"), None);
        assert_eq!(parse(b"03-Jun-2026 10:00:00 +9999"), None);
        assert_eq!(parse(b"03-Jun-2026 10:00:00 +100"), None);
    }

    #[test]
    fn formats_with_a_zone() {
        let s = format(760_686_745);
        assert_eq!(s.len(), "\"dd-Mmm-yyyy hh:mm:ss +zzzz\"".len());
        assert_eq!(parse(s.trim_matches('"').as_bytes()), Some(760_686_745));
    }
}
