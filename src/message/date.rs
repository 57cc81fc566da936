//! The calendar date of an RFC 5322 `Date:` field (section 3.3, with the obsolete forms of
//! 4.3: two-digit years, missing day names, odd spacing). SEARCH SENTBEFORE and its kin
//! compare dates only, disregarding time and zone (RFC 3501 6.4.4).

use jiff::civil::Date;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The date part of a Date: value, if one can be read.
pub fn parse(value: &[u8]) -> Option<Date> {
    let text = String::from_utf8_lossy(value);
    let words = words(&text);
    date(&words).map(|(d, _)| d)
}

/// The moment of a Date: value in seconds since the epoch, for SORT (RFC 5256 2.2): an
/// unreadable zone counts as UTC, an unreadable time as midnight.
pub fn parse_seconds(value: &[u8]) -> Option<i64> {
    let text = String::from_utf8_lossy(value);
    let words = words(&text);
    let (day, m) = date(&words)?;
    let mut hms = [0i8; 3];
    let mut zone = 0i32;
    if let Some(t) = words.get(m + 2) {
        for (slot, part) in hms.iter_mut().zip(t.split(':')) {
            *slot = part.parse().unwrap_or(0);
        }
        if let Some(z) = words.get(m + 3) {
            zone = offset(z);
        }
    }
    let dt = day.at(hms[0], hms[1], hms[2], 0);
    let off = jiff::tz::Offset::from_seconds(zone).unwrap_or(jiff::tz::Offset::UTC);
    off.to_timestamp(dt).ok().map(|t| t.as_second())
}

/// `+hhmm`, `-hhmm` or an obsolete zone name (RFC 5322 4.3), in seconds east of UTC.
fn offset(z: &str) -> i32 {
    let named = [
        ("EDT", -4),
        ("EST", -5),
        ("CDT", -5),
        ("CST", -6),
        ("MDT", -6),
        ("MST", -7),
        ("PDT", -7),
        ("PST", -8),
    ];
    if let Some(&(_, h)) = named.iter().find(|(n, _)| n.eq_ignore_ascii_case(z)) {
        return h * 3600;
    }
    let sign = match z.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return 0,
    };
    match (
        z.get(1..3).and_then(|h| h.parse::<i32>().ok()),
        z.get(3..5).and_then(|m| m.parse::<i32>().ok()),
    ) {
        (Some(h), Some(m)) if z.len() == 5 => sign * (h * 3600 + m * 60),
        _ => 0,
    }
}

fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect()
}

/// The date, and the index of the month word, from the words of a Date: value.
fn date(words: &[&str]) -> Option<(Date, usize)> {
    let m = words
        .iter()
        .position(|w| w.len() >= 3 && MONTHS.iter().any(|m| w[..3].eq_ignore_ascii_case(m)))?;
    let month = MONTHS
        .iter()
        .position(|mo| words[m][..3].eq_ignore_ascii_case(mo))? as i8
        + 1;
    let day: i8 = words.get(m.checked_sub(1)?)?.parse().ok()?;
    let y = words.get(m + 1)?;
    let year: i16 = y.parse().ok()?;
    // RFC 5322 4.3: two-digit years below 50 are 20xx, others 19xx; three digits add 1900.
    let year = match y.len() {
        2 if year < 50 => year + 2000,
        2 => year + 1900,
        3 => year + 1900,
        _ => year,
    };
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
}
