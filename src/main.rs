use std::process::ExitCode;

fn main() -> ExitCode {
    srt_gen::main_with_args(std::env::args_os())
}
