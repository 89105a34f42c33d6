//! Unbounded lock-free MPMC injector (scaffolding: the injector issue fills this crate).
#![no_std]
