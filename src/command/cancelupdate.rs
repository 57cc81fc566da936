//! CANCELUPDATE (RFC 5267 4.3.5): no more ADDTO and REMOVEFROM for the searches the tags
//! name (search_context.rs). Only the quoted tags of the grammar (5) are taken.

use super::{Context, Response};
use crate::wire::{ParseError, Parser};

/// `"CANCELUPDATE" 1*(SP quoted)`.
pub fn parse(p: &mut Parser) -> Result<Vec<Vec<u8>>, ParseError> {
    let mut tags = Vec::new();
    while tags.is_empty() || !p.at_end() {
        p.sp()?;
        if p.peek() != Some(b'"') {
            return Err(ParseError::bad("CANCELUPDATE takes quoted tags"));
        }
        tags.push(p.string()?);
    }
    Ok(tags)
}

/// Ends the contexts of `tags`, all or, when one names no live context, none: a NO then
/// tells the client its view of which contexts live is wrong.
pub fn cancelupdate(s: &mut Context, tags: &[Vec<u8>]) -> Response {
    let Some(sel) = s.selected.as_mut() else {
        return super::not_selected();
    };
    match sel.contexts.cancel(tags) {
        true => Response::ok("No further updates"),
        false => Response::no("No search with that tag is being updated; nothing cancelled"),
    }
}
