//! `thidua healthcheck`: asks the server's `/readyz` and exits 0 when it answers 200,
//! 1 otherwise. The runtime image has no curl or wget; this is its health check.

use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("only http://host[:port]/path URLs are supported")]
    BadUrl,
    #[error("cannot reach {0}: {1}")]
    Unreachable(String, std::io::Error),
    #[error("not an HTTP answer")]
    NotHttp,
}

/// GETs `url` (plain HTTP) within `timeout` per step and returns the status code.
pub fn probe(url: &str, timeout: Duration) -> Result<u16, ProbeError> {
    let rest = url.strip_prefix("http://").ok_or(ProbeError::BadUrl)?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || path.contains(['\r', '\n', ' ']) {
        return Err(ProbeError::BadUrl);
    }
    let with_port = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.contains(']'))
    {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let unreachable = |e| ProbeError::Unreachable(authority.to_owned(), e);
    let addr = with_port
        .to_socket_addrs()
        .map_err(unreachable)?
        .next()
        .ok_or(ProbeError::BadUrl)?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(unreachable)?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(unreachable)?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(unreachable)?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .map_err(unreachable)?;
    let mut head = [0u8; 64];
    let mut n = 0;
    while n < head.len() {
        match stream.read(&mut head[n..]).map_err(unreachable)? {
            0 => break,
            k => n += k,
        }
    }
    // "HTTP/1.x 200 OK"
    let line = std::str::from_utf8(&head[..n]).map_err(|_| ProbeError::NotHttp)?;
    let mut words = line.split_whitespace();
    match (words.next(), words.next()) {
        (Some(v), Some(code)) if v.starts_with("HTTP/") => {
            code.parse().map_err(|_| ProbeError::NotHttp)
        }
        _ => Err(ProbeError::NotHttp),
    }
}

/// The URL the subcommand asks when none is given: this machine, the configured port.
pub fn default_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}/readyz")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_it_cannot_ask() {
        let t = Duration::from_millis(200);
        assert!(matches!(
            probe("https://x/readyz", t),
            Err(ProbeError::BadUrl)
        ));
        assert!(matches!(
            probe("http:///readyz", t),
            Err(ProbeError::BadUrl)
        ));
        assert!(matches!(
            probe("http://127.0.0.1:1/ready z", t),
            Err(ProbeError::BadUrl)
        ));
    }

    #[test]
    fn an_unreachable_server_is_an_error() {
        // Bind then drop: nothing listens on that port now.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let r = probe(&default_url(port), Duration::from_millis(500));
        assert!(matches!(r, Err(ProbeError::Unreachable(..))), "{r:?}");
    }
}
