//! NAMESPACE (RFC 2342): one personal namespace with separator ".", and no other users' or
//! shared ones. Its prefix is the administrator's choice (`IMAPD_NAMESPACE`): none, as
//! Dovecot serves a Maildir++, or `INBOX.`, as Courier-IMAP does, so that clients set up
//! against Courier (folders `INBOX.Sent`, `INBOX.Drafts`) keep their paths. On disk the
//! folders are `.Sent` and `.Drafts` either way ([`super::mailbox_name`] converts).

use std::io;

use super::Context;
use super::Response;

/// Where the user's folders are in the client's view of the hierarchy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Namespace {
    /// Beside INBOX, at the top: `Sent` is `.Sent/` (Dovecot's way).
    #[default]
    Top,
    /// Under INBOX: `INBOX.Sent` is `.Sent/` (Courier's way).
    UnderInbox,
}

impl Namespace {
    /// The namespace `IMAPD_NAMESPACE` names: unset or empty for [`Namespace::Top`],
    /// `INBOX.` for [`Namespace::UnderInbox`]; anything else is a mistake to report.
    pub fn from_setting(value: Option<&str>) -> Result<Namespace, String> {
        match value {
            None | Some("") => Ok(Namespace::Top),
            Some(v) if v.eq_ignore_ascii_case("INBOX.") => Ok(Namespace::UnderInbox),
            Some(v) => Err(format!(
                "IMAPD_NAMESPACE is {v:?}: it must be empty or INBOX."
            )),
        }
    }

    /// The prefix before every folder's name but INBOX's.
    pub fn prefix(self) -> &'static [u8] {
        match self {
            Namespace::Top => b"",
            Namespace::UnderInbox => b"INBOX.",
        }
    }
}

pub fn namespace(s: &mut Context) -> io::Result<Response> {
    let prefix = String::from_utf8_lossy(s.namespace.prefix()).into_owned();
    s.untagged(&format!("NAMESPACE ((\"{prefix}\" \".\")) NIL NIL"))?;
    Ok(Response::ok("NAMESPACE completed"))
}

#[cfg(test)]
mod tests {
    use super::Namespace;

    #[test]
    fn the_setting() {
        assert_eq!(Namespace::from_setting(None), Ok(Namespace::Top));
        assert_eq!(Namespace::from_setting(Some("")), Ok(Namespace::Top));
        assert_eq!(
            Namespace::from_setting(Some("INBOX.")),
            Ok(Namespace::UnderInbox)
        );
        assert_eq!(
            Namespace::from_setting(Some("inbox.")),
            Ok(Namespace::UnderInbox)
        );
        assert!(Namespace::from_setting(Some("INBOX/")).is_err());
        assert!(Namespace::from_setting(Some("Mail.")).is_err());
    }
}
