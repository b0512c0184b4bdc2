//! Which address a request comes from: the TCP peer, or — only when the operator says
//! a proxy of theirs sets it — the last `X-Forwarded-For` entry (the one that proxy saw;
//! earlier entries are whatever the client wrote).

use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;

pub fn client_addr(req: &HttpRequest, trust_forwarded_for: bool) -> IpAddr {
    if trust_forwarded_for
        && let Some(ip) = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse::<IpAddr>().ok())
            .last()
    {
        return ip;
    }
    req.peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn forwarded_for_counts_only_when_trusted() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.9:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "1.2.3.4, 5.6.7.8"))
            .to_http_request();
        assert_eq!(client_addr(&req, false).to_string(), "10.0.0.9");
        assert_eq!(client_addr(&req, true).to_string(), "5.6.7.8");
    }
}
