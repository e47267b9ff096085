//! What the tests that run the real binary share: its processes, guarded, and their folders.

pub mod processes;
