//! The monitor: the half of `imapd login` that keeps root (see the module above), and reads
//! nothing from the client. It takes each credential from the dialogue, runs the checker
//! with it, and sends back the verdict. The failure count (MAXAUTHFAIL) and the failure delay
//! are kept here, so that a dialogue in an attacker's hands guesses no faster than a client
//! may; and a dialogue still running well after AUTH_TIMEOUT is killed.

use std::ffi::OsString;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::io::Errno;
use rustix::net::{recv, send, RecvFlags, SendFlags};
use rustix::process::{
    kill_process, pidfd_open, pidfd_send_signal, waitpid, Pid, PidfdFlags, Signal, WaitOptions,
};
use zeroize::Zeroizing;

use super::checkpassword::{self, Verdict as Checked};
use super::handoff::{self, Credential, Verdict, MAX_MESSAGE};
use super::tls::Tls;
use crate::settings;

/// How long past AUTH_TIMEOUT (or past its last verdict) the dialogue may take to say its
/// last words and exit, before it is killed.
const GRACE: Duration = Duration::from_secs(5);

/// The forked dialogue process, until it has been reaped.
struct Dialogue {
    pid: Option<Pid>,
    /// Signals go through it: a pid may be reused once the process is gone, a pidfd not.
    pidfd: Option<OwnedFd>,
}

impl Dialogue {
    /// Ends and reaps the dialogue: it has nothing left to do, or must not go on.
    fn stop(&mut self) {
        let Some(pid) = self.pid.take() else {
            return;
        };
        let status = match waitpid(Some(pid), WaitOptions::NOHANG) {
            Ok(Some((_, status))) => Some(status),
            Ok(None) => {
                match &self.pidfd {
                    Some(fd) => drop(pidfd_send_signal(fd, Signal::KILL)),
                    // Not exited, not reaped: the pid is still its own.
                    None => drop(kill_process(pid, Signal::KILL)),
                }
                let _ = waitpid(Some(pid), WaitOptions::empty());
                None
            }
            // Reaped already (SIGCHLD ignored by whoever started us): nothing to stop.
            Err(_) => None,
        };
        self.pidfd = None;
        if let Some(sig) = status.and_then(|s| s.terminating_signal()) {
            crate::log!("login process killed by signal {sig}");
        }
    }
}

/// Runs the monitor until the connection is over; returns the exit status of `imapd login`.
pub fn run(socket: OwnedFd, pid: Pid, prog: &[OsString], tls: &Tls, deadline: Instant) -> u8 {
    let mut dialogue = Dialogue {
        pid: Some(pid),
        pidfd: pidfd_open(pid, PidfdFlags::empty()).ok(),
    };
    let max_failures = settings::number("MAXAUTHFAIL", 3).max(1);
    let fail_delay = settings::seconds("IMAPD_FAILDELAY", 2);
    let mut failures = 0;
    let mut by = deadline + GRACE;
    let trouble = loop {
        let cred = match receive(&socket, by) {
            Ok(Some(cred)) => cred,
            Ok(None) => break None,
            Err(why) => break Some(why),
        };
        let stdin = rustix::stdio::stdin();
        let stdout = rustix::stdio::stdout();
        let (input, output) = match (cred.tls, tls) {
            (false, _) => (stdin, stdout),
            (true, Tls::Offered(ucspi)) => ucspi.session_fds(),
            (true, _) => break Some("asked for TLS descriptors that were never offered".into()),
        };
        let Credential {
            tag,
            user,
            password,
            ..
        } = cred;
        let name = crate::log::escape(&user);
        let block = checkpassword::block(&user, &password);
        // Nothing of the password stays here while the checker, then the session, runs.
        drop(password);
        let checked = match block {
            Some(block) => checkpassword::check(
                prog,
                &tag,
                &user,
                block,
                input.as_fd(),
                output.as_fd(),
                || dialogue.stop(),
            ),
            None => Ok(Checked::Refused),
        };
        let verdict = match checked {
            Ok(Checked::TakenOver(status)) => {
                dialogue.stop();
                if !status.success() {
                    crate::log!(
                        "session of user={name} ended: imapd serve {}; it had answered the login, so nothing more is sent",
                        describe(status)
                    );
                }
                return 0;
            }
            Ok(Checked::SessionDone) => {
                dialogue.stop();
                return 0;
            }
            Ok(Checked::Refused) => {
                failures += 1;
                crate::log!("login failed user={name} failures={failures}");
                std::thread::sleep(fail_delay);
                if failures >= max_failures {
                    Verdict::RefusedLast
                } else {
                    Verdict::Refused
                }
            }
            Ok(Checked::Unavailable(why)) => {
                crate::log!("login unavailable user={name}: {why}");
                Verdict::Unavailable
            }
            Err(e) => {
                crate::log!(
                    "login unavailable user={name}: cannot run checker {:?}: {e}",
                    prog[0]
                );
                Verdict::Unavailable
            }
        };
        if send(&socket, &[verdict.byte()], SendFlags::empty()).is_err() {
            break None;
        }
        // A checker may have taken long: the dialogue still gets time to answer.
        by = by.max(Instant::now() + GRACE);
        if verdict == Verdict::RefusedLast {
            break match receive(&socket, by) {
                Ok(None) => None,
                Ok(Some(_)) => Some("went on after the last failure".into()),
                Err(why) => Some(why),
            };
        }
    };
    if let Some(why) = trouble {
        crate::log!("login process {why}; stopping it");
    }
    dialogue.stop();
    0
}

/// The next credential from the dialogue, or `None` once it has closed the socket (it has
/// ended). An error says what went wrong, for the log.
fn receive(socket: &OwnedFd, by: Instant) -> Result<Option<Credential>, String> {
    let mut buf = Zeroizing::new(vec![0u8; MAX_MESSAGE + 1]);
    loop {
        let left = by.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err("overran AUTH_TIMEOUT".into());
        }
        let timeout = Timespec::try_from(left).unwrap_or(Timespec {
            tv_sec: 3600,
            tv_nsec: 0,
        });
        let mut fds = [PollFd::new(socket, PollFlags::IN)];
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) | Err(Errno::INTR) => continue,
            Ok(_) => {}
            Err(e) => return Err(format!("cannot be waited for: {e}")),
        }
        return match recv(socket, &mut buf[..], RecvFlags::empty()) {
            Ok((_, 0)) => Ok(None),
            Ok((_, n)) if n > MAX_MESSAGE => Err("sent an oversized message".into()),
            Ok((_, n)) => handoff::decode(&buf[..n])
                .map(Some)
                .map_err(|e| format!("sent a {e}")),
            Err(Errno::INTR | Errno::AGAIN) => continue,
            Err(e) => Err(format!("cannot be read from: {e}")),
        };
    }
}

fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited {code}"),
        (None, Some(sig)) => format!("was killed by signal {sig}"),
        _ => "ended oddly".to_string(),
    }
}
