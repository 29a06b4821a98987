//! Stop requests from the outside world: SIGINT (Ctrl-C), SIGTERM (what `kill`, Slurm and most
//! schedulers send before a job's time runs out) and SIGHUP (a closed terminal or SSH session).
//!
//! The first of them asks the run to stop: the runner finishes or checkpoints the work under way,
//! writes every finished point and exits with 128 + the signal number (130, 143, 129), the shell's
//! convention. A second one exits at once with the same code (finished points are already on disk:
//! the checkpoint grows point by point).
//!
//! The stop flag is a [`Stop`]: zero while running, else the number of the first signal (or
//! [`Stop::REQUESTED`] when code asks a run to stop, as tests do).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// A stop request shared by a run and its workers: zero while running, else why it should stop.
///
/// ```
/// use engram::signals::Stop;
/// let stop = Stop::new();
/// assert!(!stop.requested());
/// stop.request();
/// assert!(stop.requested());
/// assert_eq!(stop.exit_code(), 130);
/// ```
#[derive(Debug, Default)]
pub struct Stop(Arc<AtomicUsize>);

impl Stop {
    /// What [`request`](Self::request) stores: reported like Ctrl-C.
    pub const REQUESTED: usize = libc::SIGINT as usize;

    /// A flag nobody has raised.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a stop was requested.
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed) != 0
    }

    /// Requests a stop (as Ctrl-C would).
    pub fn request(&self) {
        self.0.store(Self::REQUESTED, Ordering::Relaxed);
    }

    /// The signal that stopped the run, if any.
    pub fn signal(&self) -> Option<usize> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            s => Some(s),
        }
    }

    /// The exit status an interrupted run ends with: 128 + the signal number (130 for Ctrl-C,
    /// 143 for SIGTERM, 129 for SIGHUP).
    pub fn exit_code(&self) -> u8 {
        let s = self.signal().unwrap_or(Self::REQUESTED);
        u8::try_from(128 + s.min(127)).unwrap_or(130)
    }

    /// The signal's name, for messages.
    pub fn name(&self) -> &'static str {
        match self.signal().map(|s| s as i32) {
            Some(libc::SIGTERM) => "SIGTERM",
            Some(libc::SIGHUP) => "SIGHUP",
            _ => "interrupt",
        }
    }
}

/// The signals that stop a run.
pub const SIGNALS: [i32; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Installs the handlers (once per process) and returns the process-wide stop flag.
///
/// The first SIGINT, SIGTERM or SIGHUP raises the flag; a second exits at once with
/// 128 + its number. If the handlers cannot be installed the flag is still returned (the run then
/// simply cannot be stopped gracefully) and a warning is printed.
pub fn install() -> &'static Stop {
    static STOP: OnceLock<Stop> = OnceLock::new();
    STOP.get_or_init(|| {
        let stop = Stop::new();
        let armed = Arc::new(AtomicBool::new(false));
        for sig in SIGNALS {
            let r = signal_hook::flag::register_conditional_shutdown(
                sig,
                128 + sig,
                Arc::clone(&armed),
            )
            .and_then(|_| signal_hook::flag::register_usize(sig, Arc::clone(&stop.0), sig as usize))
            .and_then(|_| signal_hook::flag::register(sig, Arc::clone(&armed)));
            if let Err(e) = r {
                eprintln!("warning: cannot handle signal {sig}: {e}");
            }
        }
        stop
    })
}
