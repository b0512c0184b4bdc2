# syntax=docker/dockerfile:1
# The `thidua` server. Build: `docker build -t thidua .`
# Run on PostgreSQL: see docker-compose.yml. Run on embedded SQLite:
#   docker run -p 8080:8080 -v thidua-data:/var/lib/thidua/data thidua
# (the database lives at /var/lib/thidua/data/thidua.db; the first admin's one-time password
# is printed once in the container log unless THIDUA_ADMIN_PASSWORD is set).

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS builder
WORKDIR /src
COPY . .
# SQLite is compiled in (bundled) and no TLS library is linked, so the slim image's C
# toolchain is all the build needs. The cache mounts keep the registry and target between builds.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release -p thidua-server --locked \
    && cp target/release/thidua /usr/local/bin/thidua

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system thidua \
    && useradd --system --gid thidua --home-dir /var/lib/thidua --shell /usr/sbin/nologin thidua \
    && install -d -o thidua -g thidua /var/lib/thidua /var/lib/thidua/data
COPY --from=builder /usr/local/bin/thidua /usr/local/bin/thidua
USER thidua
WORKDIR /var/lib/thidua
ENV THIDUA_HOST=0.0.0.0
EXPOSE 8080
# No curl in the slim image: `thidua healthcheck` asks /readyz on THIDUA_PORT and exits 0 on 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["thidua", "healthcheck"]
ENTRYPOINT ["thidua"]
CMD ["serve"]
