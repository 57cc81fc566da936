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
/// SP zone`, day with a leading space or digit) into seconds since the epoch.
pub fn parse(s: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(s).ok()?;
    let (date, rest) = s.trim_start().split_once(' ')?;
    let (time, zone) = rest.split_once(' ')?;
    let mut d = date.split('-');
    let day: i8 = d.next()?.parse().ok()?;
    let month_name = d.next()?;
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month_name))?;
    let year: i16 = d.next()?.parse().ok()?;
    let mut t = time.split(':');
    let (hh, mm, ss): (i8, i8, i8) = (
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
    );
    if d.next().is_some() || t.next().is_some() || zone.len() != 5 {
        return None;
    }
    let sign = match zone.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let zh: i32 = zone[1..3].parse().ok()?;
    let zm: i32 = zone[3..5].parse().ok()?;
    let offset = Offset::from_seconds(sign * (zh * 3600 + zm * 60)).ok()?;
    let dt = jiff::civil::DateTime::new(year, month as i8 + 1, day, hh, mm, ss, 0).ok()?;
    Some(offset.to_timestamp(dt).ok()?.as_second())
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
    fn formats_with_a_zone() {
        let s = format(760_686_745);
        assert_eq!(s.len(), "\"dd-Mmm-yyyy hh:mm:ss +zzzz\"".len());
        assert_eq!(parse(s.trim_matches('"').as_bytes()), Some(760_686_745));
    }
}
