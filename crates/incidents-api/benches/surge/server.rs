//! The server side of the surge bench: the bench binary re-executed with `--serve`, so the
//! server runs in its own process with its own tokio runtime and the load generator's
//! thousand tasks never queue on the server's worker threads. It mounts incidents-api with
//! the given batch size over a fresh SQLite database (WAL, synchronous=FULL, in a temporary
//! directory on disk), prints one line `ready <base URL> <bearer token>` and serves until
//! its stdin closes.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use yingji_incidents_api::filing::FilingConfig;
use yingji_server::testing::servers_with;

pub const SERVE_FLAG: &str = "--serve";

/// Runs in the child: serves until the parent closes our stdin.
pub fn serve(max_batch: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("server runtime");
    let config = FilingConfig {
        max_batch,
        ..FilingConfig::default()
    };
    // Kept alive until we return: it owns the database directory.
    let (server, token) = runtime.block_on(async move {
        let servers = servers_with(move |state| async move {
            vec![yingji_incidents_api::mount_with(&state, config)
                .await
                .expect("mount incidents-api")]
        })
        .await;
        let server = servers
            .into_iter()
            .find(|s| s.backend == "sqlite")
            .expect("a SQLite server");
        let token = server.token("info100").await;
        (server, token)
    });
    println!("ready {} {token}", server.base);
    std::io::stdout().flush().expect("stdout");
    let mut rest = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut rest);
    drop(server);
    drop(runtime);
}

/// A server child process, stopped when dropped.
pub struct ServerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    pub base: String,
    pub token: String,
}

impl ServerProcess {
    pub fn start(max_batch: usize) -> ServerProcess {
        let exe = std::env::current_exe().expect("bench executable");
        let mut child = Command::new(exe)
            .arg(SERVE_FLAG)
            .arg(max_batch.to_string())
            // SQLite only: the PostgreSQL test database would only slow the start.
            .env_remove("YINGJI_TEST_POSTGRES")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server process");
        let stdout = child.stdout.take().expect("server stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("server ready line");
        let mut words = line.split_whitespace();
        let (Some("ready"), Some(base), Some(token)) = (words.next(), words.next(), words.next())
        else {
            panic!("the server process did not start: {line:?}");
        };
        ServerProcess {
            base: base.to_string(),
            token: token.to_string(),
            stdin: child.stdin.take(),
            child,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Closing stdin is the stop signal; the child drops its database and exits.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
