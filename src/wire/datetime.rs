//! IMAP `date-time` (RFC 3501 section 9): `"30-Nov-2026 05:26:00 +0000"`, the form of
//! INTERNALDATE and of APPEND's date argument.

use std::io::{self, Write};

use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Writes date-times in the server's time zone, looked up once: a FETCH of every
/// INTERNALDATE writes one per message, and going through jiff's zoned date and `format!`
/// cost more than the rest of such a response.
pub struct Dates {
    tz: TimeZone,
}

impl Default for Dates {
    fn default() -> Dates {
        Dates {
            tz: TimeZone::system(),
        }
    }
}

impl Dates {
    /// Writes `secs` since the epoch, quoted: `"dd-Mon-yyyy hh:mm:ss +zzzz"`, the day
    /// padded with a space.
    pub fn write(&self, out: &mut impl Write, secs: i64) -> io::Result<()> {
        let ts = Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH);
        let zone = self.tz.to_offset(ts);
        let dt = zone.to_datetime(ts);
        let offset = zone.seconds();
        let Ok(year) = u16::try_from(dt.year()) else {
            // Before year 0: jiff keeps timestamps to years -9999 and on.
            return out.write_all(b"\"01-Jan-0000 00:00:00 +0000\"");
        };
        let day = i64::from(dt.day());
        let mut b = *b"\"dd-Mon-yyyy hh:mm:ss +zzzz\"";
        let two = |b: &mut [u8], v: i64| {
            b[0] = b'0' + (v / 10) as u8;
            b[1] = b'0' + (v % 10) as u8;
        };
        two(&mut b[1..3], day);
        if day < 10 {
            b[1] = b' ';
        }
        b[4..7].copy_from_slice(MONTHS[dt.month() as usize - 1].as_bytes());
        two(&mut b[8..10], i64::from(year / 100));
        two(&mut b[10..12], i64::from(year % 100));
        two(&mut b[13..15], i64::from(dt.hour()));
        two(&mut b[16..18], i64::from(dt.minute()));
        two(&mut b[19..21], i64::from(dt.second()));
        b[22] = if offset < 0 { b'-' } else { b'+' };
        let offset = i64::from(offset.unsigned_abs());
        two(&mut b[23..25], offset / 3600);
        two(&mut b[25..27], offset % 3600 / 60);
        out.write_all(&b)
    }
}

/// Formats `secs` since the epoch in the server's time zone, quoted.
pub fn format(secs: i64) -> String {
    let mut v = Vec::with_capacity(28);
    // Writing to a vector cannot fail.
    let _ = Dates::default().write(&mut v, secs);
    String::from_utf8_lossy(&v).into_owned()
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
    fn formats_as_jiff_does() {
        let mut zones = vec![TimeZone::system(), TimeZone::UTC];
        // Zones with DST and with half-hour offsets west and east, where installed.
        for name in ["Europe/Berlin", "America/St_Johns", "Asia/Kolkata"] {
            zones.extend(TimeZone::get(name).ok());
        }
        for tz in zones {
            let dates = Dates { tz: tz.clone() };
            let mut secs = -2_000_000_000i64;
            while secs < 5_000_000_000 {
                let z = Timestamp::from_second(secs).unwrap().to_zoned(tz.clone());
                let offset = z.offset().seconds();
                let want = std::format!(
                    "\"{:2}-{}-{:04} {:02}:{:02}:{:02} {}{:02}{:02}\"",
                    z.day(),
                    MONTHS[z.month() as usize - 1],
                    z.year(),
                    z.hour(),
                    z.minute(),
                    z.second(),
                    if offset < 0 { '-' } else { '+' },
                    offset.abs() / 3600,
                    offset.abs() % 3600 / 60
                );
                let mut got = Vec::new();
                dates.write(&mut got, secs).unwrap();
                assert_eq!(String::from_utf8(got).unwrap(), want, "{secs}");
                secs += 86_400 * 13 + 3_607;
            }
        }
    }

    #[test]
    fn formats_with_a_zone() {
        let s = format(760_686_745);
        assert_eq!(s.len(), "\"dd-Mmm-yyyy hh:mm:ss +zzzz\"".len());
        assert_eq!(parse(s.trim_matches('"').as_bytes()), Some(760_686_745));
    }
}
