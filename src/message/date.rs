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
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == '-')
        .filter(|w| !w.is_empty())
        .collect();
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
    Date::new(year, month, day).ok()
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
}
