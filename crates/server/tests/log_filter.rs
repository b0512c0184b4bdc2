//! `THIDUA_LOG` is checked when the process starts: a malformed filter stops every
//! command with a message naming the variable and the value, before anything is touched;
//! it never falls back to another level silently.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use thidua_tests::Scratch;

/// The binary under test (only this package's tests know where cargo put it).
const BIN: &str = env!("CARGO_BIN_EXE_thidua");

/// Runs `cmd` to its end; a process still running after a minute (a server that started
/// despite the filter) is killed and fails the test.
fn run_to_end(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn thidua");
    let started = Instant::now();
    while child.try_wait().expect("try_wait").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let out = child.wait_with_output().expect("wait");
            panic!(
                "thidua kept running with a malformed THIDUA_LOG:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    child.wait_with_output().expect("wait")
}

#[test]
fn a_malformed_log_filter_stops_the_start_with_a_clear_message() {
    let scratch = Scratch::new();
    for args in [&["serve", "--port", "0"][..], &["migrate"], &[]] {
        let mut cmd = scratch.configured(BIN);
        cmd.env("THIDUA_LOG", "garbage[").args(args);
        let out = run_to_end(cmd);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.code().is_some_and(|c| c != 0),
            "`thidua {args:?}` should fail, got {}:\n{stderr}",
            out.status
        );
        assert!(
            stderr.contains("THIDUA_LOG") && stderr.contains("garbage["),
            "stderr of `thidua {args:?}` should name the variable and the value:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(
        !scratch.dir.join("thidua.db").exists(),
        "no command got as far as the database"
    );
}

#[test]
fn a_valid_log_filter_lets_the_command_run() {
    let scratch = Scratch::new();
    let mut cmd = scratch.configured(BIN);
    cmd.env("THIDUA_LOG", "thidua=debug,sqlx=warn")
        .arg("migrate");
    let out = run_to_end(cmd);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(scratch.dir.join("thidua.db").exists());
}
