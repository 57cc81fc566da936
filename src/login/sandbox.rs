//! Taking root away from the process that parses the client's bytes, before it reads the
//! first one (DESIGN.md 1, as OpenSSH's and Dovecot's login processes do).
//!
//! As root, in this order:
//! 1. the user: `IMAPD_LOGINUSER` (a name, default `nobody`), else `UID` and `GID` as
//!    daemontools' `envuidgid` sets them; root itself is refused;
//! 2. an empty root: a fresh directory in the temp directory, entered and then removed, and
//!    made the root. A removed directory stays empty (nothing can be created in it), and it
//!    needs neither a path reserved on the system nor cleaning up. When no directory can be
//!    made (a read-only /tmp), the process goes on without it and logs why;
//! 3. the groups, gid and uid (real, effective and saved), checked by trying to get root
//!    back;
//! 4. no new privileges (no set-uid program could give it back), no new descriptors (so no
//!    socket to anywhere) and no processes.
//!
//! When not started as root (tests, a private instance), only step 4 is done.

use std::ffi::CString;
use std::path::PathBuf;

use rustix::process::{getegid, geteuid, Gid, Resource, Rlimit, Uid};
use rustix::thread::{set_thread_groups, set_thread_res_gid, set_thread_res_uid};

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("no user {0:?} (IMAPD_LOGINUSER)")]
    NoUser(String),
    #[error("the login user must not be root")]
    Root,
    #[error("UID and GID must be user and group numbers")]
    BadIds,
    #[error("cannot switch to uid {uid} gid {gid}: {err}")]
    Switch {
        uid: u32,
        gid: u32,
        err: rustix::io::Errno,
    },
    #[error("still able to become root after switching users")]
    StillRoot,
    #[error("cannot set limits: {0}")]
    Limits(rustix::io::Errno),
}

/// Where the process ended up.
pub enum Sandbox {
    /// Not started as root: nothing to drop.
    Unprivileged,
    Dropped {
        /// Why there is no empty root, if there is none.
        no_chroot: Option<String>,
    },
}

pub fn enter() -> Result<Sandbox, SandboxError> {
    let sandbox = if geteuid().is_root() {
        let (uid, gid) = login_user()?;
        let no_chroot = empty_root().err();
        switch_user(uid, gid)?;
        Sandbox::Dropped { no_chroot }
    } else {
        Sandbox::Unprivileged
    };
    restrict()?;
    Ok(sandbox)
}

fn login_user() -> Result<(u32, u32), SandboxError> {
    let by_name = std::env::var("IMAPD_LOGINUSER").ok();
    let (uid, gid) = match (by_name, std::env::var("UID"), std::env::var("GID")) {
        (None, Ok(uid), Ok(gid)) => match (uid.trim().parse(), gid.trim().parse()) {
            (Ok(uid), Ok(gid)) => (uid, gid),
            _ => return Err(SandboxError::BadIds),
        },
        (name, _, _) => lookup(name.as_deref().unwrap_or("nobody"))?,
    };
    if uid == 0 || gid == 0 {
        return Err(SandboxError::Root);
    }
    // -1 means "unchanged" to the set*id calls.
    if uid == u32::MAX || gid == u32::MAX {
        return Err(SandboxError::BadIds);
    }
    Ok((uid, gid))
}

/// The passwd entry's uid and gid (through NSS, as `id NAME` would find them).
fn lookup(name: &str) -> Result<(u32, u32), SandboxError> {
    let missing = || SandboxError::NoUser(name.to_string());
    let cname = CString::new(name).map_err(|_| missing())?;
    let mut buf = vec![0 as libc::c_char; 16384];
    // SAFETY: all-zero is a valid `passwd` (null pointers, zero ids); getpwnam_r fills it
    // with pointers into `buf`, which outlives it, and we read only the two ids.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    let rc = unsafe {
        libc::getpwnam_r(
            cname.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        )
    };
    if rc != 0 || found.is_null() {
        return Err(missing());
    }
    Ok((pwd.pw_uid, pwd.pw_gid))
}

/// Makes a removed directory the root and the working directory.
fn empty_root() -> Result<(), String> {
    let dir = fresh_dir().map_err(|e| format!("cannot make a directory: {e}"))?;
    let enter = std::env::set_current_dir(&dir)
        .and_then(|_| std::fs::remove_dir(&dir))
        .map_err(|e| format!("{}: {e}", dir.display()));
    if let Err(e) = enter {
        let _ = std::fs::remove_dir(&dir);
        return Err(e);
    }
    rustix::process::chroot(".")
        .and_then(|_| rustix::process::chdir("/"))
        .map_err(|e| format!("chroot: {e}"))
}

fn fresh_dir() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let base = std::env::temp_dir();
    let mut last = std::io::Error::other("no name left");
    for _ in 0..8 {
        let mut n = [0u8; 8];
        let _ = rustix::rand::getrandom(&mut n, rustix::rand::GetRandomFlags::empty());
        let dir = base.join(format!(".imapd-empty-{:016x}", u64::from_ne_bytes(n)));
        match std::fs::DirBuilder::new().mode(0o500).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The process is single-threaded (forked from the monitor, which starts no thread), so the
/// per-thread system calls change the whole process.
fn switch_user(uid: u32, gid: u32) -> Result<(), SandboxError> {
    let (u, g) = (Uid::from_raw(uid), Gid::from_raw(gid));
    let err = |err| SandboxError::Switch { uid, gid, err };
    set_thread_groups(&[g]).map_err(err)?;
    set_thread_res_gid(g, g, g).map_err(err)?;
    set_thread_res_uid(u, u, u).map_err(err)?;
    if set_thread_res_uid(Uid::ROOT, Uid::ROOT, Uid::ROOT).is_ok() || getegid().is_root() {
        return Err(SandboxError::StillRoot);
    }
    Ok(())
}

/// One descriptor, not zero: poll(2) refuses more descriptors than RLIMIT_NOFILE, and every
/// wait is a poll of one. Descriptor 0 is always open, so no new one can be made.
fn restrict() -> Result<(), SandboxError> {
    rustix::thread::set_no_new_privs(true).map_err(SandboxError::Limits)?;
    for (resource, max) in [(Resource::Nofile, 1), (Resource::Nproc, 0)] {
        let limit = Rlimit {
            current: Some(max),
            maximum: Some(max),
        };
        rustix::process::setrlimit(resource, limit).map_err(SandboxError::Limits)?;
    }
    Ok(())
}
