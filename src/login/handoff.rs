//! What the two login processes say to each other over their socket (a `SOCK_SEQPACKET`
//! pair, so that each message arrives whole or not at all):
//!
//! - dialogue to monitor, one per LOGIN or AUTHENTICATE: `P` (the client's descriptors) or
//!   `T` (the UCSPI-TLS descriptors, after STARTTLS), then `tag\0user\0password\0`.
//! - monitor to dialogue, one byte per credential: the [`Verdict`]. When the monitor has
//!   nothing more to say (the session ran, or was taken over) it closes the socket.
//!
//! The monitor trusts nothing in a message: it parses it here, and a malformed one ends the
//! connection.

use zeroize::Zeroizing;

/// The largest message: far above what a credential needs (the checkpassword block is at
/// most 512 bytes), so only an absurd tag reaches it.
pub const MAX_MESSAGE: usize = 4096;

pub struct Credential {
    /// The checker gets the UCSPI-TLS descriptors, not the client's.
    pub tls: bool,
    pub tag: Vec<u8>,
    pub user: Zeroizing<Vec<u8>>,
    pub password: Zeroizing<Vec<u8>>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum HandoffError {
    #[error("tag, user name and password too long")]
    TooLong,
    #[error("a field holds a NUL byte")]
    Nul,
    #[error("malformed credential message")]
    Malformed,
}

/// The message for one credential.
pub fn encode(
    tls: bool,
    tag: &[u8],
    user: &[u8],
    password: &[u8],
) -> Result<Zeroizing<Vec<u8>>, HandoffError> {
    let len = 1 + tag.len() + user.len() + password.len() + 3;
    if len > MAX_MESSAGE {
        return Err(HandoffError::TooLong);
    }
    let mut msg = Zeroizing::new(Vec::with_capacity(len));
    msg.push(if tls { b'T' } else { b'P' });
    for field in [tag, user, password] {
        if field.contains(&0) {
            return Err(HandoffError::Nul);
        }
        msg.extend_from_slice(field);
        msg.push(0);
    }
    Ok(msg)
}

pub fn decode(msg: &[u8]) -> Result<Credential, HandoffError> {
    let (tls, rest) = match msg.split_first() {
        Some((b'P', rest)) => (false, rest),
        Some((b'T', rest)) => (true, rest),
        _ => return Err(HandoffError::Malformed),
    };
    let rest = rest.strip_suffix(b"\0").ok_or(HandoffError::Malformed)?;
    let mut fields = rest.split(|&b| b == 0);
    let (Some(tag), Some(user), Some(password), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(HandoffError::Malformed);
    };
    if tag.is_empty() {
        return Err(HandoffError::Malformed);
    }
    Ok(Credential {
        tls,
        tag: tag.to_vec(),
        user: Zeroizing::new(user.to_vec()),
        password: Zeroizing::new(password.to_vec()),
    })
}

/// What the checker said, as the dialogue must answer it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `NO [AUTHENTICATIONFAILED]`; the client may try again.
    Refused,
    /// `NO [AUTHENTICATIONFAILED]`, then `* BYE`: that was the last try (MAXAUTHFAIL).
    RefusedLast,
    /// `NO [UNAVAILABLE]`: the checker could not decide.
    Unavailable,
}

impl Verdict {
    pub fn byte(self) -> u8 {
        match self {
            Verdict::Refused => b'R',
            Verdict::RefusedLast => b'L',
            Verdict::Unavailable => b'U',
        }
    }

    pub fn from_byte(b: u8) -> Option<Verdict> {
        match b {
            b'R' => Some(Verdict::Refused),
            b'L' => Some(Verdict::RefusedLast),
            b'U' => Some(Verdict::Unavailable),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let msg = encode(true, b"a1", b"joe", b"p w\"").unwrap();
        assert_eq!(&msg[..], b"Ta1\0joe\0p w\"\0");
        let c = decode(&msg).unwrap();
        assert!(c.tls);
        assert_eq!(c.tag, b"a1");
        assert_eq!(&c.user[..], b"joe");
        assert_eq!(&c.password[..], b"p w\"");
        // An empty password is a password (RFC 3501 allows `""`).
        let c = decode(&encode(false, b"t", b"joe", b"").unwrap()).unwrap();
        assert!(!c.tls);
        assert_eq!(&c.password[..], b"");
    }

    #[test]
    fn refuses_what_does_not_fit() {
        assert_eq!(
            encode(false, b"t", b"u", &[b'p'; MAX_MESSAGE]).err(),
            Some(HandoffError::TooLong)
        );
        assert_eq!(
            encode(false, b"t", b"u\0v", b"p").err(),
            Some(HandoffError::Nul)
        );
    }

    #[test]
    fn decode_rejects_malformed() {
        for bad in [
            &b""[..],
            b"X t\0u\0p\0",
            b"Pt\0u\0p",
            b"Pt\0u\0",
            b"Pt\0u\0p\0x\0",
            b"P\0u\0p\0",
        ] {
            assert_eq!(decode(bad).err(), Some(HandoffError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn verdict_bytes() {
        for v in [Verdict::Refused, Verdict::RefusedLast, Verdict::Unavailable] {
            assert_eq!(Verdict::from_byte(v.byte()), Some(v));
        }
        assert_eq!(Verdict::from_byte(b'y'), None);
    }
}
