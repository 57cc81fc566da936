//! STARTTLS without linking TLS: the UCSPI-TLS interface of `sslserver -n` and
//! `s6-ucspitlsd` (ucspi-tls(2)). The wrapper holds the socket and the TLS library; `imapd`
//! writes `y` on the control descriptor and from then on talks through two pipes.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd, RawFd};

use rustix::io::{fcntl_dupfd_cloexec, fcntl_getfd};

use crate::settings;
use crate::wire::Conn;

pub enum Tls {
    /// Plain TCP; no way to start TLS.
    Plain,
    /// STARTTLS can be offered through these descriptors.
    Offered(UcspiTls),
    /// The connection is already encrypted: implicit TLS, or after STARTTLS.
    Active,
}

pub struct UcspiTls {
    ctl: OwnedFd,
    read: OwnedFd,
    write: OwnedFd,
}

/// Reads the environment: `PROTO=SSL` (sslserver without -e) or `SSL_PROTOCOL` (sslserver -s,
/// s6-tlsd) mean implicit TLS; `UCSPITLS` with the three descriptor numbers means STARTTLS.
pub fn from_env() -> Tls {
    if std::env::var_os("PROTO").is_some_and(|p| p == "SSL") || settings::is_set("SSL_PROTOCOL") {
        return Tls::Active;
    }
    if !settings::is_set("UCSPITLS") {
        return Tls::Plain;
    }
    match (fd("SSLCTLFD"), fd("SSLREADFD"), fd("SSLWRITEFD")) {
        (Some(ctl), Some(read), Some(write)) => Tls::Offered(UcspiTls { ctl, read, write }),
        _ => {
            crate::log!(
                "UCSPITLS set but SSLCTLFD, SSLREADFD or SSLWRITEFD is not an open descriptor"
            );
            Tls::Plain
        }
    }
}

/// A private close-on-exec copy of the descriptor named by `name`: the three may be one
/// descriptor, and each copy is closed on its own.
fn fd(name: &str) -> Option<OwnedFd> {
    let n: RawFd = std::env::var(name).ok()?.trim().parse().ok()?;
    if n < 0 {
        return None;
    }
    // SAFETY: only borrowed for the fcntl calls, never closed through this handle.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(n) };
    fcntl_getfd(borrowed).ok()?;
    fcntl_dupfd_cloexec(borrowed, 3).ok()
}

impl UcspiTls {
    /// The descriptors a session inside TLS reads and writes (for the checker's 0 and 1).
    pub fn session_fds(&self) -> (BorrowedFd<'_>, BorrowedFd<'_>) {
        (self.read.as_fd(), self.write.as_fd())
    }

    /// Starts TLS after the tagged OK has been flushed. Anything the client sent behind
    /// STARTTLS is dropped: it must never run inside TLS (CVE-2011-0411). Returns the plain
    /// descriptors, to be kept open so that their numbers (0 and 1) stay taken.
    pub fn start(self, conn: &mut Conn) -> std::io::Result<[OwnedFd; 2]> {
        rustix::io::write(&self.ctl, b"y")?;
        Ok([
            conn.input.replace_fd(self.read),
            conn.output.replace_fd(self.write),
        ])
    }
}
