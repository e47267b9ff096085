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

/// The address of the client behind a request: the peer, or — when the peer is a trusted proxy —
/// the last address of `X-Forwarded-For` that is not a trusted proxy (the first one a trusted
/// proxy met; whatever comes before it the client could have written). `None` when unknown (a
/// request made in-process).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub Option<IpAddr>);

impl TrustedProxies {
    fn client_behind(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer;
        let hops = headers.get_all(X_FORWARDED_FOR).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
        for hop in hops.iter().flat_map(|v| v.split(',')).rev() {
            if !self.trusts(client) {
                break;
            }
            match hop.trim().parse::<IpAddr>() {
                Ok(address) => client = address,
                Err(_) => break,
            }
        }
        client
    }
}

pub const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// Removes the forwarded headers unless the peer is a trusted proxy and their values are a plain
/// `http`/`https` scheme and a host (a request without a known peer, as in-process, is not trusted),
/// and records the client's address ([`ClientAddress`]).
pub async fn keep_trusted(State(proxies): State<TrustedProxies>, mut request: Request) -> Request {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    let trusted = peer.is_some_and(|ip| proxies.trusts(ip));
    let client = peer.map(|ip| if trusted { proxies.client_behind(ip, request.headers()) } else { ip });
    request.extensions_mut().insert(ClientAddress(client));
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
    fn the_client_is_the_first_address_a_trusted_proxy_met() {
        let proxies = TrustedProxies::new(["127.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()]);
        let mut headers = HeaderMap::new();
        let nginx: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(proxies.client_behind(nginx, &headers), nginx, "no header: the proxy itself");
        headers.insert(X_FORWARDED_FOR, "6.6.6.6, 203.0.113.9, 10.0.0.2".parse().unwrap());
        assert_eq!(proxies.client_behind(nginx, &headers), "203.0.113.9".parse::<IpAddr>().unwrap());
        headers.insert(X_FORWARDED_FOR, "not-an-address, 10.0.0.2".parse().unwrap());
        assert_eq!(proxies.client_behind(nginx, &headers), "10.0.0.2".parse::<IpAddr>().unwrap());
        let stranger: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(TrustedProxies::default().client_behind(stranger, &headers), stranger, "not a proxy: itself");
    }

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
