//! The SASL PLAIN message (RFC 4616 section 2): `[authzid] NUL authcid NUL passwd`.

use base64::Engine as _;
use zeroize::Zeroizing;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlainError {
    #[error("Invalid base64")]
    Base64,
    #[error("Invalid PLAIN message")]
    Format,
    /// Acting as another user needs a checker that knows about it; checkpassword does not.
    #[error("Authorization identity differs from authentication identity")]
    Authzid,
}

pub struct Credentials {
    pub user: Zeroizing<Vec<u8>>,
    pub password: Zeroizing<Vec<u8>>,
}

/// Decodes a client response; `=` is the empty initial response (RFC 4959 section 3).
pub fn decode(response: &[u8]) -> Result<Credentials, PlainError> {
    let raw: Zeroizing<Vec<u8>> = if response == b"=" {
        Zeroizing::new(Vec::new())
    } else {
        let mut buf = Zeroizing::new(Vec::with_capacity(response.len()));
        base64::engine::general_purpose::STANDARD
            .decode_vec(response, &mut buf)
            .map_err(|_| PlainError::Base64)?;
        buf
    };
    let mut parts = raw.split(|&b| b == 0);
    let (Some(authz), Some(user), Some(pass), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(PlainError::Format);
    };
    if user.is_empty() {
        return Err(PlainError::Format);
    }
    if !authz.is_empty() && authz != user {
        return Err(PlainError::Authzid);
    }
    Ok(Credentials {
        user: Zeroizing::new(user.to_vec()),
        password: Zeroizing::new(pass.to_vec()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4616_examples() {
        // "\0tim\0tanstaaftanstaaf", RFC 4616 section 4.
        let c = decode(b"AHRpbQB0YW5zdGFhZnRhbnN0YWFm").unwrap();
        assert_eq!(&c.user[..], b"tim");
        assert_eq!(&c.password[..], b"tanstaaftanstaaf");
        // "Ursel\0Kurt\0xipj3plmq": authorizing as another user is refused.
        assert_eq!(
            decode(b"VXJzZWwAS3VydAB4aXBqM3BsbXE=").err(),
            Some(PlainError::Authzid)
        );
        // Same authzid and authcid is fine.
        assert!(decode(b"dGltAHRpbQBwdw==").is_ok());
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(decode(b"!!!").err(), Some(PlainError::Base64));
        assert_eq!(decode(b"=").err(), Some(PlainError::Format));
        assert_eq!(decode(b"dGlt").err(), Some(PlainError::Format)); // "tim"
        assert_eq!(decode(b"AAB4").err(), Some(PlainError::Format)); // "\0\0x": no user
    }
}
