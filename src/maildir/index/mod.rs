//! The folder index: what `imapd` keeps per folder beyond Dovecot's files, so that a new
//! session (every connection is a new process) need not re-derive it from every file.
//!
//! Everything lives in files named `imapd.*` in the folder (DESIGN.md 3): immutable data per
//! message (sizes, dates, ENVELOPE, BODYSTRUCTURE, sort and thread keys, cached header
//! fields) keyed by the message's unique name, and the shared mutable state (the last
//! listing, the first UID not yet \Recent, MODSEQs). Any of them may be deleted or damaged
//! at any moment: the directories and `dovecot-uidlist` always win, and what is missing is
//! rebuilt, at the cost of time only.
pub mod cache;
