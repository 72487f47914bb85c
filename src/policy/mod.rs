//! Policy, the third stage: the srt settings model and srt-gen's record in it
//! ([`settings`]), the plan that turns what was detected into active fragments
//! ([`plan`]), the one merge of those with what the user wrote ([`compose`]), the linter
//! that decides what is dangerous ([`lint`]), and the policy as a run takes it ([`load`]).

pub mod compose;
pub mod lint;
pub mod load;
pub mod plan;
pub mod secrets;
pub mod settings;
