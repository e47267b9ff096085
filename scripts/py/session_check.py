"""A sign-in holds on every instance: the instances share the session secret.

    python3 scripts/py/session_check.py [--first URL] [--second URL] [--token token-430]

Opens the sign-in page on the first instance, posts the form (its session cookie and CSRF token)
to the second, and reads a page of the first with the session it got: it must be signed in.
Exits 1 otherwise (a CSRF refusal on the second instance means the keys differ).
"""

import argparse
import re
import sys
import urllib.error
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def send(url, cookie="", form=None):
    """(status, the magasin_session cookie set, body text)."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers={"Cookie": cookie} if cookie else {})
    try:
        response = OPENER.open(request, timeout=10)
    except urllib.error.HTTPError as e:
        response = e
    cookies = [v.split(";")[0] for k, v in response.headers.items() if k.lower() == "set-cookie"]
    session = next((c for c in cookies if c.startswith("magasin_session=")), "")
    return response.status, session, response.read().decode(errors="replace")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--first", default="http://127.0.0.1:8001")
    parser.add_argument("--second", default="http://127.0.0.1:8002")
    parser.add_argument("--token", default="token-430")
    args = parser.parse_args()
    status, cookie, page = send(args.first + "/connexion")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    if status != 200 or not cookie or not csrf:
        sys.exit(f"the sign-in page of {args.first} answered {status} without a session or a CSRF token")
    form = {"csrf": csrf.group(1), "token": args.token, "suite": "/"}
    status, signed_in, body = send(args.second + "/connexion", cookie, form)
    if status != 303 or not signed_in:
        sys.exit(f"signing in on {args.second} with {args.first}'s session answered {status}: {body[:300]}")
    status, _, page = send(args.first + "/", signed_in)
    if status != 200 or 'id="signout"' not in page:
        sys.exit(f"{args.first} does not know the session made on {args.second} (status {status})")
    print(f"signed in through {args.second} with a form from {args.first}, and recognised on {args.first}")


if __name__ == "__main__":
    main()
