# magasin container image. Not buildable on the development machines (no Docker engine there);
# the native equivalent is scripts/cluster. Build: docker build -t magasin .
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p magasin

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --uid 10001 magasin
COPY --from=build /src/target/release/magasin /usr/local/bin/magasin
USER magasin
WORKDIR /home/magasin
ENV MAGASIN_BIND=0.0.0.0:8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=2s CMD curl -fsS http://127.0.0.1:8000/health/ready || exit 1
ENTRYPOINT ["magasin"]
CMD ["serve"]
