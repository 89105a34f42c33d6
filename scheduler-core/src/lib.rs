//! Work-stealing scheduler core (scaffolding: the scheduler-core issue fills this crate).
