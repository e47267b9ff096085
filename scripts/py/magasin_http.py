"""HTTP calls to a magasin instance (or to Prometheus) with the standard library only.

Imported by the other helpers; run alone it sends one request and prints the status and body:

    python3 scripts/py/magasin_http.py METHOD URL [JSON-BODY] [--no-token]

Writes carry the development API token (``Authorization: Token token-430``).
"""

import argparse
import json
import sys
import urllib.error
import urllib.request

TOKEN = "token-430"


def exchange(method, url, body=None, timeout=10, token=True, headers=None):
    """Sends one request; returns (status, response headers, body bytes). Status 0: no answer
    (refused, reset, timed out)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Token {TOKEN}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
    except (urllib.error.URLError, OSError):
        return 0, {}, b""


def request(method, url, body=None, timeout=10, token=True):
    """Sends one request; returns (status, body bytes). Status 0: no answer (refused, timed out)."""
    status, _, answer = exchange(method, url, body, timeout=timeout, token=token)
    return status, answer


def call_json(method, url, body=None, timeout=5):
    """A request that must succeed: returns the decoded JSON answer, or exits with the status and body."""
    status, answer = request(method, url, body, timeout=timeout)
    if not 200 <= status < 300:
        sys.exit(f"{method} {url} answered {status or 'nothing'}: {answer.decode(errors='replace')}")
    return json.loads(answer)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("method", help="GET, POST, …")
    parser.add_argument("url")
    parser.add_argument("body", nargs="?", help="a JSON body")
    parser.add_argument("--no-token", action="store_true", help="send no Authorization header")
    args = parser.parse_args()
    body = json.loads(args.body) if args.body else None
    status, answer = request(args.method.upper(), args.url, body, token=not args.no_token)
    print(status)
    print(answer.decode(errors="replace"))
    return 0 if 200 <= status < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
