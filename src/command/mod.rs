//! The IMAP commands of the authenticated and selected states, one file per family.
//! [`Command::parse`] turns the wire form into a value; [`execute`] runs it, writes its
//! untagged responses and returns the tagged [`Response`], which the session sends after
//! telling the client what else changed.

mod append;
mod body_literal;
mod cancelupdate;
mod catenate;
mod compress;
mod context;
mod copy;
mod create;
mod delete;
mod enable;
mod esearch;
mod expunge;
mod expunged;
mod fetch;
mod getquota;
mod getquotaroot;
pub mod id;
mod idle;
mod imap_url;
mod intern;
mod linkcut;
mod list;
mod logout;
mod mailbox_name;
mod namespace;
mod noop;
mod quota_root;
mod rename;
mod search;
mod search_context;
mod select;
mod selected;
mod setquota;
mod sort;
mod status;
mod storage_error;
mod store;
mod subscribe;
pub mod thread;
mod utf8_literal;
mod vanished;

use std::io;

use crate::wire::{Code, Disconnect, ParseError, Parser, Response, Rest, SequenceSet};
use storage_error::{failed, no_mailbox, no_target};

pub use append::fuzz_arguments as fuzz_append;

/// The serve role's CAPABILITY list, with its settings.
pub fn capabilities() -> String {
    crate::capability::serve(append::limit())
}
pub use context::Context;
pub use enable::Enabled;
pub use namespace::Namespace;
pub use selected::{split_flags, Selected};

fn not_selected() -> Response {
    Response::bad("No mailbox selected")
}

fn bad_sequence() -> Response {
    Response::bad("Invalid message sequence number")
}

fn read_only() -> Response {
    Response::no("The mailbox is read-only").with(Code::ReadOnly)
}

fn no_keyword_room() -> Response {
    Response::no("No room for more keywords in this mailbox").with(Code::Limit)
}

/// `OK [UID ]VERB completed`: the UID form names itself.
fn completed(verb: &str, uid: bool) -> Response {
    Response::ok(format!("{}{verb} completed", if uid { "UID " } else { "" }))
}

pub enum Command {
    Capability,
    Noop,
    Check,
    Logout,
    Id,
    Namespace,
    Select {
        mailbox: Vec<u8>,
        read_only: bool,
        params: select::Params,
    },
    Close,
    Unselect,
    Fetch {
        set: SequenceSet,
        items: Vec<fetch::Item>,
        modifiers: fetch::Modifiers,
        uid: bool,
    },
    Store {
        store: store::Store,
        uid: bool,
    },
    Expunge {
        uids: Option<SequenceSet>,
    },
    Copy {
        set: SequenceSet,
        mailbox: Vec<u8>,
        uid: bool,
        moving: bool,
    },
    /// The messages follow: the command reads them as it runs ([`append::append`]).
    Append {
        mailbox: Vec<u8>,
    },
    Create {
        mailbox: Vec<u8>,
        /// RFC 6154 3: `(USE (...))`, the special uses asked for.
        uses: Option<Vec<Vec<u8>>>,
    },
    Delete {
        mailbox: Vec<u8>,
    },
    Rename {
        from: Vec<u8>,
        to: Vec<u8>,
    },
    Subscribe {
        mailbox: Vec<u8>,
        on: bool,
    },
    List(list::List),
    Status {
        mailbox: Vec<u8>,
        items: Vec<status::Item>,
    },
    Idle,
    Enable {
        names: Vec<Vec<u8>>,
    },
    Search {
        search: search::Search,
        uid: bool,
    },
    Sort {
        sort: sort::Sort,
        uid: bool,
    },
    Thread {
        thread: thread::Thread,
        uid: bool,
    },
    /// The tags of the searches whose updates end (RFC 5267 4.3.5).
    CancelUpdate {
        tags: Vec<Vec<u8>>,
    },
    GetQuota {
        root: Vec<u8>,
    },
    GetQuotaRoot {
        mailbox: Vec<u8>,
    },
    SetQuota,
    /// The session turns compression on once the tagged OK is out.
    Compress,
}

impl Command {
    /// Parses the arguments of command `name` (upper case); of APPEND only the mailbox,
    /// where the parser [stops](Parser::stop).
    pub fn parse(name: &[u8], p: &mut Parser) -> Result<Command, ParseError> {
        Ok(match name {
            b"CAPABILITY" => Command::Capability,
            b"NOOP" => Command::Noop,
            b"CHECK" => Command::Check,
            b"LOGOUT" => Command::Logout,
            b"ID" => {
                p.sp()?;
                id::parse(p)?;
                Command::Id
            }
            b"NAMESPACE" => Command::Namespace,
            b"COMPRESS" => {
                p.sp()?;
                compress::parse(p)?;
                Command::Compress
            }
            b"SELECT" | b"EXAMINE" => {
                p.sp()?;
                Command::Select {
                    mailbox: p.astring()?,
                    read_only: name == b"EXAMINE",
                    params: select::parse_parameters(p)?,
                }
            }
            b"CLOSE" => Command::Close,
            b"IDLE" => Command::Idle,
            b"ENABLE" => Command::Enable {
                names: enable::parse(p)?,
            },
            b"UNSELECT" => Command::Unselect,
            b"CREATE" => {
                p.sp()?;
                Command::Create {
                    mailbox: p.astring()?,
                    uses: create::parameters(p)?,
                }
            }
            b"DELETE" | b"SUBSCRIBE" | b"UNSUBSCRIBE" => {
                p.sp()?;
                let mailbox = p.astring()?;
                match name {
                    b"DELETE" => Command::Delete { mailbox },
                    _ => Command::Subscribe {
                        mailbox,
                        on: name == b"SUBSCRIBE",
                    },
                }
            }
            b"RENAME" => {
                p.sp()?;
                let from = p.astring()?;
                p.sp()?;
                Command::Rename {
                    from,
                    to: p.astring()?,
                }
            }
            b"LIST" => {
                p.sp()?;
                Command::List(list::parse_list(p)?)
            }
            b"LSUB" => {
                p.sp()?;
                Command::List(list::parse_lsub(p)?)
            }
            b"STATUS" => {
                p.sp()?;
                let mailbox = p.astring()?;
                p.sp()?;
                Command::Status {
                    mailbox,
                    items: status::parse_items(p)?,
                }
            }
            b"GETQUOTA" => {
                p.sp()?;
                Command::GetQuota { root: p.astring()? }
            }
            b"GETQUOTAROOT" => {
                p.sp()?;
                Command::GetQuotaRoot {
                    mailbox: p.astring()?,
                }
            }
            b"SETQUOTA" => {
                p.sp()?;
                setquota::parse(p)?;
                Command::SetQuota
            }
            b"APPEND" => {
                p.sp()?;
                let mailbox = p.astring()?;
                if !p.at_end() {
                    p.stop();
                }
                Command::Append { mailbox }
            }
            b"FETCH" | b"STORE" | b"EXPUNGE" | b"COPY" | b"MOVE" | b"SEARCH" | b"SORT"
            | b"THREAD" => {
                if name == b"EXPUNGE" {
                    return Ok(Command::Expunge { uids: None });
                }
                p.sp()?;
                selected_command(name, p, false)?
            }
            b"CANCELUPDATE" => Command::CancelUpdate {
                tags: cancelupdate::parse(p)?,
            },
            b"UID" => {
                p.sp()?;
                let sub = p.keyword()?;
                p.sp()?;
                selected_command(&sub, p, true)?
            }
            b"LOGIN" | b"AUTHENTICATE" | b"STARTTLS" => {
                return Err(ParseError::bad("Already logged in"))
            }
            _ => return Err(ParseError::bad("Unknown command")),
        })
    }

    /// RFC 3501 7.4.1: no EXPUNGE while answering FETCH, STORE or SEARCH by number.
    pub fn allows_expunge(&self) -> bool {
        !matches!(
            self,
            Command::Fetch { uid: false, .. }
                | Command::Store { uid: false, .. }
                | Command::Search { uid: false, .. }
                | Command::Sort { uid: false, .. }
                | Command::Thread { uid: false, .. }
        )
    }

    /// The mailbox names among the arguments, for [`mailbox_name::from_client`]; LIST's
    /// reference and patterns are matched in the client's spelling instead ([`list`]).
    fn mailbox_names(&mut self) -> Vec<&mut Vec<u8>> {
        match self {
            Command::Select { mailbox, .. }
            | Command::Copy { mailbox, .. }
            | Command::Append { mailbox }
            | Command::Create { mailbox, .. }
            | Command::Delete { mailbox }
            | Command::Subscribe { mailbox, .. }
            | Command::Status { mailbox, .. }
            | Command::GetQuotaRoot { mailbox } => vec![mailbox],
            Command::Rename { from, to } => vec![from, to],
            _ => Vec::new(),
        }
    }

    /// LOGOUT: the connection closes after its reply.
    pub fn ends_session(&self) -> bool {
        matches!(self, Command::Logout)
    }

    /// Whether to look for changes on disk after the command: not after one that has just
    /// read the mailbox anew or left it.
    pub fn wants_refresh(&self) -> bool {
        !matches!(
            self,
            Command::Select { .. } | Command::Logout | Command::Close | Command::Unselect
        )
    }
}

/// The commands that take a set of messages, in their plain and UID forms.
fn selected_command(name: &[u8], p: &mut Parser, uid: bool) -> Result<Command, ParseError> {
    Ok(match name {
        b"FETCH" => {
            let set = p.sequence_set()?;
            p.sp()?;
            let items = fetch::parse_items(p)?;
            let modifiers = fetch::parse_modifiers(p)?;
            if modifiers.vanished && !uid {
                return Err(ParseError::bad("VANISHED is for UID FETCH only"));
            }
            Command::Fetch {
                set,
                items,
                modifiers,
                uid,
            }
        }
        b"STORE" => Command::Store {
            store: store::parse(p)?,
            uid,
        },
        b"EXPUNGE" if uid => Command::Expunge {
            uids: Some(p.sequence_set()?),
        },
        b"SEARCH" => Command::Search {
            search: search::parse(p)?,
            uid,
        },
        b"SORT" => Command::Sort {
            sort: sort::parse(p)?,
            uid,
        },
        b"THREAD" => Command::Thread {
            thread: thread::parse(p)?,
            uid,
        },
        b"COPY" | b"MOVE" => {
            let set = p.sequence_set()?;
            p.sp()?;
            Command::Copy {
                set,
                mailbox: p.astring()?,
                uid,
                moving: name == b"MOVE",
            }
        }
        _ => return Err(ParseError::bad("Unknown UID command")),
    })
}

/// Runs a parsed command. `Err` means the connection failed. Errors of the Maildir come as
/// `MaildirError` and are answered with `NO` ([`failed`]); any other error a command
/// meets that is not the connection's is answered `NO [SERVERBUG]` here, and the session
/// goes on.
/// `rest` is what the parser left of the command ([`Parser::stop`]).
pub fn execute(
    s: &mut Context,
    tag: &[u8],
    command: Command,
    rest: Option<Rest>,
) -> Result<Response, Disconnect> {
    match run(s, tag, command, rest) {
        Ok(reply) => Ok(reply),
        Err(e) => {
            let e = Disconnect::check(e, &s.conn.output)?;
            crate::log!("a command failed: {e}");
            Ok(Response::no("The command failed; the server log says why").with(Code::ServerBug))
        }
    }
}

/// [`execute`], with the connection's failures and the others still in one `io::Error`:
/// a writer that wraps the output cannot tell them apart.
fn run(
    s: &mut Context,
    tag: &[u8],
    mut command: Command,
    rest: Option<Rest>,
) -> io::Result<Response> {
    for name in command.mailbox_names() {
        if let Err(refused) = mailbox_name::from_client(s.spelling(), name) {
            if let Some(rest) = rest {
                Parser::resume(s.conn, rest)
                    .skip()
                    .map_err(|lost| lost.into_io())?;
            }
            return Ok(refused);
        }
    }
    match command {
        Command::Capability => {
            s.untagged(&format!("CAPABILITY {}", capabilities()))?;
            Ok(Response::ok("CAPABILITY completed"))
        }
        Command::Noop => Ok(Response::ok("NOOP completed")),
        Command::Check => noop::check(s),
        Command::Logout => logout::logout(s),
        Command::Id => {
            id::respond(&mut s.conn.output)?;
            Ok(Response::ok("ID completed"))
        }
        Command::Namespace => namespace::namespace(s),
        Command::Select {
            mailbox,
            read_only,
            params,
        } => select::select(s, &mailbox, read_only, params),
        Command::Close => select::close(s),
        Command::Unselect => select::unselect(s),
        Command::Fetch {
            set,
            items,
            modifiers,
            uid,
        } => fetch::fetch(s, &set, &items, &modifiers, uid),
        Command::Store { store, uid } => store::store(s, &store, uid),
        Command::Expunge { uids } => expunge::expunge(s, uids.as_ref()),
        Command::Copy {
            set,
            mailbox,
            uid,
            moving,
        } => copy::copy(s, &set, &mailbox, uid, moving),
        Command::Append { mailbox } => append::append(s, &mailbox, rest),
        Command::Create { mailbox, uses } => create::create(s, &mailbox, uses.as_deref()),
        Command::Delete { mailbox } => delete::delete(s, &mailbox),
        Command::Rename { from, to } => rename::rename(s, &from, &to),
        Command::Subscribe { mailbox, on } => subscribe::subscribe(s, &mailbox, on),
        Command::List(l) => list::list(s, &l),
        Command::Status { mailbox, items } => status::status(s, &mailbox, &items),
        Command::Idle => idle::idle(s, s.timeout),
        Command::Search { search, uid } => search::search(s, tag, &search, uid),
        Command::Sort { sort, uid } => sort::sort(s, tag, &sort, uid),
        Command::Thread { thread, uid } => thread::thread(s, &thread, uid),
        Command::CancelUpdate { tags } => Ok(cancelupdate::cancelupdate(s, &tags)),
        Command::GetQuota { root } => getquota::getquota(s, &root),
        Command::GetQuotaRoot { mailbox } => getquotaroot::getquotaroot(s, &mailbox),
        Command::SetQuota => Ok(setquota::setquota()),
        Command::Compress => Ok(compress::compress(s)),
        Command::Enable { names } => enable::enable(s, &names),
    }
}
