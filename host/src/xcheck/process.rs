//! Child processes (QEMU, cargo, probe-rs) that never outlive engram.
//!
//! - Every child runs in its own process group and, on Linux, with `prctl(PR_SET_PDEATHSIG,
//!   SIGKILL)`: if engram dies for any reason — even SIGKILL — the kernel kills the child. (The
//!   "parent" of that rule is the *thread* that spawned the child; xcheck waits for every child on
//!   the thread that spawned it.)
//! - [`Guarded`] kills the child's whole process group (SIGKILL) and reaps it on a timeout, on
//!   an interrupt and when dropped on any error path, so no early return leaves one behind.
//! - [`install_signal_handler`] (the CLI calls it) turns SIGINT, SIGTERM and SIGHUP into an
//!   orderly stop: the waiting thread kills the child and returns [`XcheckError::Interrupted`],
//!   whose [`signal_exit_code`](XcheckError::signal_exit_code) is 128 + the signal. With no child
//!   running, or on a second signal, the process exits at once with that status.
//!
//! Because a child has its own process group, a terminal's Ctrl-C reaches only engram, which then
//! stops the child itself: the outcome does not depend on who sees the signal first.

use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

use super::error::XcheckError;

/// The process-wide stop flag, once [`install_signal_handler`] has run.
static STOP: OnceLock<&'static crate::signals::Stop> = OnceLock::new();
/// How often a waiting thread looks at the stop flag.
const POLL: Duration = Duration::from_millis(50);

/// The signal that interrupted the run, if any.
fn interrupted() -> Option<i32> {
    STOP.get()
        .and_then(|s| s.signal())
        .and_then(|s| i32::try_from(s).ok())
}

/// Makes SIGINT, SIGTERM and SIGHUP stop a cross-target check cleanly, through the same handlers
/// as every experiment ([`crate::signals`]): a guarded child that is running is killed and its wait
/// returns [`XcheckError::Interrupted`], and the steps between children check the flag; a second
/// signal exits at once with status 128 + the signal. Idempotent. Without it (library use) the
/// signals keep their default action, and on Linux the children still die with the process.
///
/// Errors: none today (kept fallible for callers; installing a handler that fails only warns).
pub fn install_signal_handler() -> Result<(), XcheckError> {
    let _ = STOP.get_or_init(crate::signals::install);
    Ok(())
}

/// `Err(Interrupted)` if a signal arrived (checked between steps that run no child).
pub fn check_interrupt(what: &str) -> Result<(), XcheckError> {
    match interrupted() {
        Some(signal) => Err(XcheckError::Interrupted {
            signal,
            what: what.to_owned(),
        }),
        None => Ok(()),
    }
}

/// A running child that is killed (with its process group) and reaped unless it has exited.
#[derive(Debug)]
pub(crate) struct Guarded {
    child: Child,
    what: String,
    reaped: bool,
}

/// Spawns `cmd` in its own process group, with PR_SET_PDEATHSIG on Linux and stdin from
/// `/dev/null`; `what` names it in errors (`QEMU mps2-an386`, `cargo build`).
pub(crate) fn spawn(cmd: &mut Command, what: &str) -> Result<Guarded, XcheckError> {
    cmd.stdin(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let parent = libc::pid_t::try_from(std::process::id()).unwrap_or(0);
        // SAFETY: the closure runs in the forked child before exec and calls only
        // async-signal-safe functions (prctl, getppid); it allocates nothing (an OS error code
        // is not allocated).
        unsafe {
            cmd.pre_exec(move || {
                let sig = libc::c_ulong::try_from(libc::SIGKILL).unwrap_or(9);
                if libc::prctl(libc::PR_SET_PDEATHSIG, sig, 0, 0, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                // The parent may have died between fork and prctl: then nobody would kill us.
                if libc::getppid() != parent {
                    return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
                }
                Ok(())
            });
        }
    }
    match cmd.spawn() {
        Ok(child) => Ok(Guarded {
            child,
            what: what.to_owned(),
            reaped: false,
        }),
        Err(source) => Err(XcheckError::Io {
            what: format!("starting {what}"),
            source,
        }),
    }
}

impl Guarded {
    /// The child, to take its pipes.
    pub(crate) fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Waits for the child to exit, at most `timeout` (`None`: no limit). `Ok(Some(status))` when
    /// it exited; `Ok(None)` when the time ran out (the child was killed and reaped);
    /// `Err(Interrupted)` when a signal arrived (killed and reaped too).
    pub(crate) fn wait(
        &mut self,
        timeout: Option<Duration>,
    ) -> Result<Option<ExitStatus>, XcheckError> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        loop {
            if let Some(signal) = interrupted() {
                self.kill();
                return Err(XcheckError::Interrupted {
                    signal,
                    what: self.what.clone(),
                });
            }
            let slice = match deadline {
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        self.kill();
                        return Ok(None);
                    }
                    left.min(POLL)
                }
                None => POLL,
            };
            let status = self
                .child
                .wait_timeout(slice)
                .map_err(|source| XcheckError::Io {
                    what: format!("waiting for {}", self.what),
                    source,
                })?;
            if let Some(status) = status {
                self.mark_reaped();
                // It may have died of the same signal; the signal is the story.
                check_interrupt(&self.what)?;
                return Ok(Some(status));
            }
        }
    }

    /// Kills the child's process group (the child and anything it started, e.g. cargo's rustc
    /// processes), then reaps the child. The group id is the child's pid, reserved until the
    /// child is reaped, so the signal cannot reach an unrelated group.
    fn kill(&mut self) {
        if self.reaped {
            return;
        }
        #[cfg(unix)]
        {
            let group = libc::pid_t::try_from(self.child.id()).unwrap_or(0);
            // SAFETY: kill(2) with a negative pid signals that process group; no memory is shared.
            let sent = group > 0 && unsafe { libc::kill(-group, libc::SIGKILL) } == 0;
            if !sent {
                let _ = self.child.kill();
            }
        }
        #[cfg(not(unix))]
        {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        self.mark_reaped();
    }

    fn mark_reaped(&mut self) {
        self.reaped = true;
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        self.kill();
    }
}
