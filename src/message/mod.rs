//! Message parsing over the stored bytes, for FETCH and SEARCH: header fields
//! ([`header`]), MIME values ([`mime`]), the part tree ([`part`]). Offsets point into the
//! message; sizes are counted as served, with CRLF line ends.

pub mod address;
pub mod address_search;
pub mod binary;
pub mod bodystructure;
pub mod crlf;
pub mod date;
pub mod decode;
pub mod envelope;
pub mod fields;
pub mod header;
pub mod keys;
pub mod mime;
pub mod msgid;
pub mod part;
pub mod preview;
pub mod section;
pub mod store_binary;
pub mod subject;
pub mod text;
