//! Run policy step: issue 18 (git cannot carry code out): the folder core.hooksPath names, and the other git paths srt leaves writable where protecting them breaks nothing.

use crate::error::Error;

use super::{Context, RunPolicy};

pub(super) fn apply(_cx: &Context<'_>, _p: &mut RunPolicy) -> Result<(), Error> {
    Ok(())
}
