//! Pieces every experiment's results share: plot colours, progress bars, timestamps.

use indicatif::{ProgressBar, ProgressStyle};
use plotters::style::RGBColor;

/// The colour cycle of every plot (matplotlib's tab10).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
];

/// A progress bar over `total` units (`chains`, `trials`, …), hidden unless `show`; indicatif
/// also hides it when stderr is not a terminal.
pub fn progress_bar(show: bool, total: u64, unit: &str) -> ProgressBar {
    let bar = if show {
        ProgressBar::new(total)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {unit} ({{eta}} left)"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Now, UTC, RFC 3339 to the second (`2026-12-01T17:00:00Z`).
pub fn utc_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
