"""A sign-in holds on every instance: the instances share the session secret.

    python3 scripts/py/session_check.py [--first URL] [--second URL] [--token token-430]

Opens the sign-in page on the first instance, posts the form (its form cookie and token) to the
second, and reads a page of the first with the session it got: it must be signed in. Then signs
out on the second with the CSRF token of the first's page: it must be accepted. Exits 1 otherwise
(an unknown session or a CSRF refusal means the instances' keys differ).
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
    """(status, the cookies set as `name=value; …`, body text)."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers={"Cookie": cookie} if cookie else {})
    try:
        response = OPENER.open(request, timeout=10)
    except urllib.error.HTTPError as e:
        response = e
    cookies = [v.split(";")[0] for k, v in response.headers.items() if k.lower() == "set-cookie"]
    kept = "; ".join(c for c in cookies if not c.endswith("="))
    return response.status, kept, response.read().decode(errors="replace")


def csrf_of(page):
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    return found.group(1) if found else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--first", default="http://127.0.0.1:8001")
    parser.add_argument("--second", default="http://127.0.0.1:8002")
    parser.add_argument("--token", default="token-430")
    args = parser.parse_args()
    status, cookie, page = send(args.first + "/connexion")
    csrf = csrf_of(page)
    if status != 200 or "magasin_form=" not in cookie or not csrf:
        sys.exit(f"the sign-in page of {args.first} answered {status} without a form cookie or a CSRF token")
    form = {"csrf": csrf, "token": args.token, "suite": "/"}
    status, signed_in, body = send(args.second + "/connexion", cookie, form)
    if status != 303 or "magasin_session=" not in signed_in:
        sys.exit(f"signing in on {args.second} with {args.first}'s form answered {status}: {body[:300]}")
    session = next(c for c in signed_in.split("; ") if c.startswith("magasin_session="))
    status, _, page = send(args.first + "/", session)
    if status != 200 or 'id="signout"' not in page or not csrf_of(page):
        sys.exit(f"{args.first} does not know the session made on {args.second} (status {status})")
    status, _, body = send(args.second + "/deconnexion", session, {"csrf": csrf_of(page)})
    if status != 303:
        sys.exit(f"{args.second} refused the CSRF token of {args.first}'s page ({status}): {body[:300]}")
    print(
        f"signed in through {args.second} with a form from {args.first}, recognised on {args.first}, "
        f"and signed out on {args.second} with the token of {args.first}'s page"
    )


if __name__ == "__main__":
    main()
