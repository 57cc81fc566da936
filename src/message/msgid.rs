//! Message-IDs as THREAD REFERENCES reads them (RFC 5256 section 3, step 1): the message's
//! own Message-ID, and the chain of its parents from References, else the first id of
//! In-Reply-To. Ids are compared with quoting and white space removed; only ids with an
//! `@` count, as RFC 5256 asks for valid Message IDs.

/// References ids looked at per message: the last this many, which are the nearest
/// ancestors (RFC 5322 3.6.4 lists them oldest first, and RFC 5256 takes the last as the
/// parent). Mail clients trim the header to far fewer (tens of ids), so a real thread
/// never loses a link; a hostile message with 128,000 ids costs 1,000 links, not 128,000.
pub const MAX_REFERENCES: usize = 1_000;

/// The longest id kept: a msg-id cannot be folded, so one longer than a line (RFC 5322
/// 2.1.1) is not one.
const MAX_ID: usize = 998;

/// The message's own id: the first valid one in the raw value of its first Message-ID
/// field.
pub fn own(message_id: Option<&[u8]>) -> Option<Vec<u8>> {
    message_id.and_then(first_id)
}

/// The ids of the message's parents, oldest first, from the raw values of its first
/// References and In-Reply-To fields: the last [`MAX_REFERENCES`] valid ids of References,
/// or when it has none, the first valid id of In-Reply-To.
pub fn parents(references: Option<&[u8]>, in_reply_to: Option<&[u8]>) -> Vec<Vec<u8>> {
    let mut ids = references.map_or_else(Vec::new, last_ids);
    if ids.is_empty() {
        if let Some(first) = in_reply_to.and_then(first_id) {
            ids.push(first);
        }
    }
    ids
}

fn first_id(value: &[u8]) -> Option<Vec<u8>> {
    let mut rest = value;
    while let Some(open) = memchr::memchr(b'<', rest) {
        let close = open + memchr::memchr(b'>', &rest[open..])?;
        if let Some(id) = normalize(&rest[open + 1..close]) {
            return Some(id);
        }
        rest = &rest[close + 1..];
    }
    None
}

/// The last [`MAX_REFERENCES`] valid ids of `value`, in their order, read from its end so
/// that the ids before them are never looked at.
fn last_ids(value: &[u8]) -> Vec<Vec<u8>> {
    let mut ids = Vec::new();
    let mut rest = value;
    while ids.len() < MAX_REFERENCES {
        let Some(close) = memchr::memrchr(b'>', rest) else {
            break;
        };
        let Some(open) = memchr::memrchr(b'<', &rest[..close]) else {
            break;
        };
        if let Some(id) = normalize(&rest[open + 1..close]) {
            ids.push(id);
        }
        rest = &rest[..open];
    }
    ids.reverse();
    ids
}

/// The id between `<` and `>` with quoting and white space removed, if it is one.
fn normalize(inside: &[u8]) -> Option<Vec<u8>> {
    if inside.len() > MAX_ID {
        return None;
    }
    let id: Vec<u8> = inside
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'"' | b' ' | b'\t' | b'\r' | b'\n'))
        .collect();
    id.contains(&b'@').then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::header;

    fn own(hdr: &[u8]) -> Option<Vec<u8>> {
        super::own(header::raw(hdr, b"Message-ID"))
    }

    fn parents(hdr: &[u8]) -> Vec<Vec<u8>> {
        super::parents(
            header::raw(hdr, b"References"),
            header::raw(hdr, b"In-Reply-To"),
        )
    }

    #[test]
    fn ids_of_a_reply() {
        let hdr = b"Message-ID: junk <\"a b\"@x>\nReferences: <1@x> <no-at>\n <2@x>\nIn-Reply-To: <3@x>\n\n";
        assert_eq!(own(hdr), Some(b"ab@x".to_vec()));
        assert_eq!(parents(hdr), vec![b"1@x".to_vec(), b"2@x".to_vec()]);
        // RFC 5256: no valid References id, so the first valid In-Reply-To id.
        let hdr = b"References: <no-at>\nIn-Reply-To: <x> <3@x> <4@x>\n\n";
        assert_eq!(parents(hdr), vec![b"3@x".to_vec()]);
        assert_eq!(own(hdr), None);
        assert_eq!(own(b"Message-ID: <a@b\n\n"), None);
    }

    #[test]
    fn only_the_last_references_count() {
        let mut refs = b"References:".to_vec();
        for i in 0..128_000 {
            refs.extend_from_slice(format!(" <{i}@x>").as_bytes());
        }
        refs.extend_from_slice(b"\n\n");
        let ids = parents(&refs);
        assert_eq!(ids.len(), MAX_REFERENCES);
        assert_eq!(
            ids[0],
            format!("{}@x", 128_000 - MAX_REFERENCES).into_bytes()
        );
        assert_eq!(ids.last().unwrap(), b"127999@x");
        // An id longer than a line is not one.
        let long = format!("References: <{}@x> <1@x>\n\n", "a".repeat(MAX_ID));
        assert_eq!(parents(long.as_bytes()), vec![b"1@x".to_vec()]);
    }
}
