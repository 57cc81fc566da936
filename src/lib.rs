//! The library behind the `imapd` binary: the two roles and the layers they stand on.
//! It is a library so that tests and fuzz targets can drive the parsers directly.

pub mod capability;
pub mod command;
pub mod log;
pub mod login;
pub mod maildir;
pub mod message;
pub mod session;
pub mod settings;
pub mod wire;
