//! Board support (`board` feature, Arm): [`BoardIo`](crate::io::BoardIo) on real hardware.

pub mod microbit;
