"""NGINX's configuration for scripts/cluster, from deploy/nginx/magasin.conf.template.

    python3 scripts/py/nginx_config.py TEMPLATE OUT DIR PORT UPSTREAM...

Writes OUT: TEMPLATE with {{DIR}} (the cluster's folder: pid, logs, temporary files), {{PORT}}
(the port NGINX listens on) and {{SERVERS}} (one `server UPSTREAM max_fails=2 fail_timeout=5s;`
line per UPSTREAM host:port) filled in.
"""

import argparse


def render(template, directory, port, upstreams):
    servers = "\n".join(f"        server {u} max_fails=2 fail_timeout=5s;" for u in upstreams)
    return template.replace("{{DIR}}", directory).replace("{{PORT}}", str(port)).replace("{{SERVERS}}", servers)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("template", help="deploy/nginx/magasin.conf.template")
    parser.add_argument("out", help="the configuration to write")
    parser.add_argument("dir", help="the cluster's folder")
    parser.add_argument("port", help="the port NGINX listens on")
    parser.add_argument("upstreams", nargs="+", metavar="upstream", help="host:port of an instance")
    args = parser.parse_args()
    with open(args.template) as f:
        text = render(f.read(), args.dir, args.port, args.upstreams)
    with open(args.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
