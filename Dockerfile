# notion-graph: a multi-stage build. The runtime image holds only the binary, CA certificates
# and a non-root user; state lives in MongoDB and Redis (or the data volume in embedded mode).
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY benches benches
COPY tools tools
COPY crates crates
# The viewer and page templates are compiled into the binary.
COPY web web
COPY templates templates
RUN cargo build --release --locked --bin notion-graph

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/notion-graph --create-home notion-graph
COPY --from=build /src/target/release/notion-graph /usr/local/bin/notion-graph
USER 10001:10001
WORKDIR /var/lib/notion-graph
ENV NOTION_GRAPH_BIND=0.0.0.0 \
    NOTION_GRAPH_DATA_DIR=/var/lib/notion-graph/data \
    NOTION_GRAPH_LOG_FORMAT=json
VOLUME ["/var/lib/notion-graph/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/notion-graph"]
CMD ["serve"]
