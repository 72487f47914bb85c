//! Run policy step: issue 13 (the agent's state is the sandbox's own): the agent's private configuration home, seeded from the user's settings, its API endpoint, and its key masked.

use crate::error::Error;

use super::{Context, RunPolicy};

pub(super) fn apply(_cx: &Context<'_>, _p: &mut RunPolicy) -> Result<(), Error> {
    Ok(())
}
