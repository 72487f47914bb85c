//! The commands, each a short function over the stages.

pub mod run;
