//! Chase-Lev work-stealing deque (scaffolding: the deque issue fills this crate).
#![no_std]
