//! Sleep/wake protocol and termination detection (scaffolding: the sleep issue fills this crate).
#![no_std]
