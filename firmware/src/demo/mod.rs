//! Demo logic, independent of the transport: each demo is a state machine driven through
//! [`BoardIo`](crate::io::BoardIo), so it runs unchanged on a board and under QEMU with
//! [`ScriptedIo`](crate::io::ScriptedIo).

pub mod hopfield;
pub mod rnn;
