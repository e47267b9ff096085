//! `X-Forwarded-Proto` and `X-Forwarded-Host` say how the client reached the proxy in front of
//! magasin, and make the absolute links of paginated answers. They are believed only from the
//! configured proxies (`--trusted-proxies`, the cluster's NGINX on 127.0.0.1 by default), and only
//! when they are a scheme `http`/`https` and a host; otherwise they are removed before any handler
//! reads them, and links use the request's own `Host` over plain `http`.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::uri::Authority;
use axum::http::{HeaderMap, HeaderName};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

pub const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
pub const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// The addresses whose forwarded headers are believed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedProxies(Arc<[IpAddr]>);

impl TrustedProxies {
    pub fn new(addresses: impl IntoIterator<Item = IpAddr>) -> Self {
        TrustedProxies(addresses.into_iter().collect())
    }

    /// Whether a request from `peer` may say how the client reached it. An IPv4 peer seen as an
    /// IPv6-mapped address (`::ffff:127.0.0.1`) is the same peer.
    pub fn trusts(&self, peer: IpAddr) -> bool {
        let peer = match peer {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
            v4 => v4,
        };
        self.0.contains(&peer)
    }
}

impl Default for TrustedProxies {
    /// The cluster's NGINX, on this machine.
    fn default() -> Self {
        TrustedProxies::new([IpAddr::V4(Ipv4Addr::LOCALHOST)])
    }
}

/// Removes the forwarded headers unless the peer is a trusted proxy and their values are a plain
/// `http`/`https` scheme and a host (a request without a known peer, as in-process, is not trusted).
pub async fn keep_trusted(State(proxies): State<TrustedProxies>, mut request: Request) -> Request {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    let trusted = peer.is_some_and(|ip| proxies.trusts(ip));
    let headers = request.headers_mut();
    let proto_ok = trusted && one_value(headers, &X_FORWARDED_PROTO, |proto| matches!(proto, "http" | "https"));
    let host_ok = trusted
        && one_value(headers, &X_FORWARDED_HOST, |host| host.parse::<Authority>().is_ok() && !host.contains('@'));
    if !proto_ok {
        headers.remove(&X_FORWARDED_PROTO);
    }
    if !host_ok {
        headers.remove(&X_FORWARDED_HOST);
    }
    request
}

/// Whether `name` is absent, or present once with a value that `plain` accepts.
fn one_value(headers: &HeaderMap, name: &HeaderName, plain: impl Fn(&str) -> bool) -> bool {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => true,
        (Some(value), None) => value.to_str().is_ok_and(plain),
        (Some(_), Some(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_addresses_are_trusted() {
        let proxies = TrustedProxies::default();
        assert!(proxies.trusts("127.0.0.1".parse().unwrap()));
        assert!(proxies.trusts("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!proxies.trusts("10.0.0.8".parse().unwrap()));
        assert!(!proxies.trusts("::1".parse().unwrap()));
        let proxies = TrustedProxies::new(["10.0.0.8".parse().unwrap(), "::1".parse().unwrap()]);
        assert!(proxies.trusts("::1".parse().unwrap()) && !proxies.trusts("127.0.0.1".parse().unwrap()));
    }
}
