//! A real S3-compatible server for tests of the S3 blob store: moto's server
//! (`python3 -m moto.server`, installed by `.ci/run` from PyPI) on a free port, with one
//! bucket, killed when dropped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::free_port;

pub const ACCESS_KEY: &str = "thidua-test";
pub const SECRET_KEY: &str = "thidua-test-secret";

pub struct S3Server {
    child: Child,
    pub endpoint: String,
    pub bucket: String,
}

impl S3Server {
    /// Starts moto with a fresh bucket; `None` (the caller skips) when moto is not
    /// installed.
    pub async fn start() -> Option<Self> {
        let installed = Command::new("python3")
            .args(["-c", "import moto.server"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            return None;
        }
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn moto");
        let me = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            bucket: format!("thidua-{}", uuid::Uuid::new_v4().simple()),
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            // moto accepts unsigned requests: creating the bucket is the readiness check.
            let made = http
                .put(format!("{}/{}", me.endpoint, me.bucket))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if made {
                return Some(me);
            }
            assert!(Instant::now() < deadline, "moto did not start within 30 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The keys of every object in the bucket (moto's unsigned ListObjects).
    pub async fn keys(&self) -> Vec<String> {
        let xml = reqwest::get(format!("{}/{}", self.endpoint, self.bucket))
            .await
            .expect("list the bucket")
            .text()
            .await
            .expect("listing text");
        xml.split("<Key>")
            .skip(1)
            .filter_map(|s| s.split("</Key>").next())
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
