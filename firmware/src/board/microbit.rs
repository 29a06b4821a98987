//! The BBC micro:bit v2 (nRF52833) as a [`BoardIo`]: the 5×5 LED matrix, buttons A and B, and the
//! transport's log (defmt over RTT).
//!
//! Pins (micro:bit v2 schematic, the same as the `microbit-v2` board crate's `gpio` module):
//!
//! | signal | pins |
//! | --- | --- |
//! | LED rows 1–5 (anodes: high = row on) | P0.21, P0.22, P0.15, P0.24, P0.19 |
//! | LED columns 1–5 (cathodes: low = LED lit) | P0.28, P0.11, P0.31, P1.05, P0.30 |
//! | button A, button B (active low, external pull-ups) | P0.14, P0.23 |
//!
//! The matrix is multiplexed in software: [`BoardIo::buttons`] scans the shown frame once, row by
//! row (2 ms each, timed by TIMER0, so one poll takes 10 ms and the display refreshes at 100 Hz
//! while the demo polls), then samples the buttons. Between polls (while the demo computes or
//! logs) the display is dark — a few hundred microseconds, not visible.

use core::fmt::Write as _;

use embedded_hal::delay::DelayNs as _;
use embedded_hal::digital::{InputPin as _, OutputPin as _};
use nrf52833_hal::Timer;
use nrf52833_hal::gpio::{Floating, Input, Level, Output, Pin, PushPull, p0, p1};
use nrf52833_hal::pac::{self, TIMER0};

use crate::io::{BoardIo, Buttons, Frame};
use crate::out::Writer;

/// Microseconds each LED row is lit per scan.
const ROW_US: u32 = 2_000;

/// The micro:bit v2's display, buttons and log.
pub struct MicrobitIo {
    rows: [Pin<Output<PushPull>>; 5],
    cols: [Pin<Output<PushPull>>; 5],
    button_a: Pin<Input<Floating>>,
    button_b: Pin<Input<Floating>>,
    timer: Timer<TIMER0>,
    frame: Frame,
    out: Writer,
}

impl MicrobitIo {
    /// Takes the GPIO ports and TIMER0; `None` if the peripherals were already taken.
    pub fn take() -> Option<Self> {
        let p = pac::Peripherals::take()?;
        let port0 = p0::Parts::new(p.P0);
        let port1 = p1::Parts::new(p.P1);
        // Rows low and columns high: every LED off.
        let rows = [
            port0.p0_21.into_push_pull_output(Level::Low).degrade(),
            port0.p0_22.into_push_pull_output(Level::Low).degrade(),
            port0.p0_15.into_push_pull_output(Level::Low).degrade(),
            port0.p0_24.into_push_pull_output(Level::Low).degrade(),
            port0.p0_19.into_push_pull_output(Level::Low).degrade(),
        ];
        let cols = [
            port0.p0_28.into_push_pull_output(Level::High).degrade(),
            port0.p0_11.into_push_pull_output(Level::High).degrade(),
            port0.p0_31.into_push_pull_output(Level::High).degrade(),
            port1.p1_05.into_push_pull_output(Level::High).degrade(),
            port0.p0_30.into_push_pull_output(Level::High).degrade(),
        ];
        Some(Self {
            rows,
            cols,
            button_a: port0.p0_14.into_floating_input().degrade(),
            button_b: port0.p0_23.into_floating_input().degrade(),
            timer: Timer::new(p.TIMER0),
            frame: [[false; 5]; 5],
            out: Writer::new(),
        })
    }

    /// Lights the frame once, row by row. GPIO writes on the nRF52 cannot fail (`Infallible`).
    fn scan(&mut self) {
        for (row_pin, row) in self.rows.iter_mut().zip(self.frame.iter()) {
            for (col_pin, &lit) in self.cols.iter_mut().zip(row.iter()) {
                let _ = if lit {
                    col_pin.set_low()
                } else {
                    col_pin.set_high()
                };
            }
            let _ = row_pin.set_high();
            self.timer.delay_us(ROW_US);
            let _ = row_pin.set_low();
        }
        for col_pin in &mut self.cols {
            let _ = col_pin.set_high();
        }
    }
}

impl BoardIo for MicrobitIo {
    fn log(&mut self, line: &str) {
        let _ = writeln!(self.out, "{line}");
    }

    fn show(&mut self, frame: &Frame) {
        self.frame = *frame;
    }

    fn buttons(&mut self) -> Buttons {
        self.scan();
        Buttons {
            a: self.button_a.is_low().unwrap_or(false),
            b: self.button_b.is_low().unwrap_or(false),
        }
    }
}
