//! A real SMTP server for tests: Debian's aiosmtpd (`python3 -m aiosmtpd`) with a handler that
//! saves each message, decoded, as one JSON file.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const HANDLER: &str = r#"
import json, os, time
from email import message_from_bytes, policy

class Sink:
    def __init__(self, outdir):
        self.outdir = outdir

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        part = msg.get_body(preferencelist=("plain",))
        doc = {
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "subject": str(msg["subject"]),
            "body": part.get_content() if part is not None else "",
        }
        name = "%d-%d" % (time.time_ns(), os.getpid())
        tmp = os.path.join(self.outdir, "." + name + ".tmp")
        with open(tmp, "w") as f:
            json.dump(doc, f)
        os.rename(tmp, os.path.join(self.outdir, name + ".json"))
        return "250 OK"
"#;

/// Debian's python3, which has python3-aiosmtpd; another python3 on PATH (pyenv) may not.
fn python() -> String {
    std::env::var("VDT_TEST_PYTHON").unwrap_or_else(|_| {
        if Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3".into()
        } else {
            "python3".into()
        }
    })
}

#[derive(Debug, Clone, Deserialize)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

pub struct MailSink {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

impl MailSink {
    /// Start aiosmtpd on `port`; returns once it accepts connections.
    pub fn start(workdir: &Path, port: u16) -> MailSink {
        let dir = workdir.join(format!("mail-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        let module_dir = workdir.join("pymod");
        std::fs::create_dir_all(&module_dir).unwrap();
        std::fs::write(module_dir.join("vdt_mailsink.py"), HANDLER).unwrap();
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "vdt_mailsink.Sink"])
            .arg(&dir)
            .env("PYTHONPATH", &module_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (Debian package python3-aiosmtpd; scripts/test.sh installs it)");
        let sink = MailSink { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        sink
    }

    /// Every message received so far, oldest first.
    pub fn mails(&self) -> Vec<Mail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
