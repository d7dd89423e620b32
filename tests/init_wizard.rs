//! The `vdt init` wizard, answered through a real pseudo-terminal.

mod support;

use expectrl::{Eof, Expect, Session};
use std::time::Duration;
use support::cli::TestEnv;

const DOWN: &str = "\x1b[B";

fn spawn(env: &TestEnv, args: &[&str]) -> expectrl::session::OsSession {
    let mut cmd = env.cmd();
    cmd.args(args).env("TERM", "xterm");
    let mut s = Session::spawn(cmd).expect("spawn vdt in a pty");
    s.set_expect_timeout(Some(Duration::from_secs(20)));
    s
}

#[test]
fn wizard_writes_config_then_restarts_from_current_values() {
    let env = TestEnv::new();
    let mut s = spawn(&env, &["init", "--skip-check"]);
    s.expect("Step 1 of 3").unwrap();
    s.expect("project id").unwrap();
    s.send("demo-project\r").unwrap();
    s.expect("Connect to").unwrap();
    s.send("\r").unwrap(); // the emulator, the default
    s.expect("Emulator host").unwrap();
    s.send("\r").unwrap(); // keep 127.0.0.1:8432
    s.expect("Step 2 of 3").unwrap();
    s.expect("Collections").unwrap();
    s.send("\r").unwrap(); // keep the Vertigo defaults
    s.expect("Sync frequency").unwrap();
    s.send(DOWN).unwrap(); // 30s -> 1m
    s.send("\r").unwrap();
    s.expect("Step 3 of 3").unwrap();
    s.expect("Write this configuration?").unwrap();
    s.send("y").unwrap();
    s.expect("Next steps").unwrap();
    s.expect("OnUnitActiveSec=1m").unwrap();
    s.expect(Eof).unwrap();

    let text = std::fs::read_to_string(env.config_path()).unwrap();
    assert!(text.contains("project_id = \"demo-project\""), "{text}");
    assert!(
        text.contains("emulator_host = \"127.0.0.1:8432\""),
        "{text}"
    );
    assert!(text.contains("default_frequency = \"1m\""), "{text}");
    assert_eq!(
        support::cli::count(
            &env.db_path(),
            "SELECT count(*) FROM live_data_config WHERE sync_frequency = 60"
        ),
        2
    );

    // A second run starts from the current values and, declined, writes nothing.
    let before = std::fs::read(env.config_path()).unwrap();
    let mut s = spawn(&env, &["init", "--skip-check"]);
    s.expect("answers start from its values").unwrap();
    s.expect("demo-project").unwrap();
    s.send("\r").unwrap();
    s.expect("Connect to").unwrap();
    s.send("\r").unwrap();
    s.expect("Emulator host").unwrap();
    s.send("\r").unwrap();
    s.expect("vertigo_traces:traces").unwrap();
    s.send("\r").unwrap();
    s.expect("Sync frequency").unwrap();
    s.send("\r").unwrap(); // the current 1m is preselected
    s.expect("every 1m").unwrap();
    s.expect("Overwrite").unwrap();
    s.send("n").unwrap();
    s.expect("nothing written").unwrap();
    s.expect(Eof).unwrap();
    assert_eq!(std::fs::read(env.config_path()).unwrap(), before);
}
