//! The CAPABILITY lists of the two roles: one place, so that the greeting, the CAPABILITY
//! response and the tagged OK of LOGIN always agree. Only what works is advertised.
//! Both revisions are (RFC 9051 Appendix A): IMAP4rev1's answers until the client sends
//! `ENABLE IMAP4rev2`; what IMAP4rev2 folds in (SASL-IR, LITERAL-, ENABLE, ...) is listed
//! too, for IMAP4rev1 clients.

/// Before login (RFC 3501 6.2.3: LOGINDISABLED when plaintext logins are refused; RFC 4616
/// section 1: PLAIN only over protected links, or where the administrator allows it;
/// RFC 7888 5: LITERAL-, not LITERAL+, since the login role reads non-synchronizing
/// literals only up to 4096 bytes and hangs up on larger ones).
pub fn pre_auth(starttls: bool, login_allowed: bool) -> &'static str {
    match (starttls, login_allowed) {
        (false, false) => "IMAP4rev1 IMAP4rev2 SASL-IR LITERAL- ID LOGINDISABLED",
        (false, true) => "IMAP4rev1 IMAP4rev2 SASL-IR LITERAL- ID AUTH=PLAIN",
        (true, false) => "IMAP4rev1 IMAP4rev2 SASL-IR LITERAL- ID STARTTLS LOGINDISABLED",
        (true, true) => "IMAP4rev1 IMAP4rev2 SASL-IR LITERAL- ID STARTTLS AUTH=PLAIN",
    }
}

/// After login: [`SERVE`] and APPENDLIMIT (RFC 7889 2), the same `append_limit` for every
/// mailbox.
pub fn serve(append_limit: u64) -> String {
    format!("{SERVE} APPENDLIMIT={append_limit}")
}

/// What the serve role speaks, but for [`serve`]'s settings.
pub const SERVE: &str = "IMAP4rev1 IMAP4rev2 LITERAL+ ID ENABLE UTF8=ACCEPT IDLE NAMESPACE UIDPLUS UNSELECT CHILDREN LIST-EXTENDED LIST-STATUS SPECIAL-USE CREATE-SPECIAL-USE MOVE MULTIAPPEND CATENATE URL-PARTIAL STATUS=SIZE ESEARCH ESORT CONTEXT=SEARCH CONTEXT=SORT SEARCHRES WITHIN PARTIAL SAVEDATE OBJECTID BINARY PREVIEW SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE COMPRESS=DEFLATE CONDSTORE QRESYNC";
