# wagate's image: a static binary on distroless, run as a non-root user, its SQLite file on a
# volume. Build with `docker build -t wagate .` (or podman/buildah); compose.yaml runs it on
# PostgreSQL. .ci/image-smoke builds the binary with this file's flags and runs it as this
# image does, since CI has no container engine.

# The Go of go.mod; the build runs on the builder's own platform and cross-compiles.
FROM --platform=$BUILDPLATFORM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS TARGETARCH
# Pure Go (SQLite included), so no C library: the binary runs on an image with nothing else.
ENV CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH}
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -buildvcs=false -ldflags="-s -w" -o /out/wagate ./cmd/wagate \
 && mkdir /out/data

# distroless static: CA certificates, time zones and a nonroot user (65532), no shell. Hence no
# HEALTHCHECK: probe GET /healthz (liveness) and GET /readyz (database) over HTTP instead.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/wagate /wagate
# The data directory belongs to the user wagate runs as, so a fresh volume is writable.
COPY --from=build --chown=65532:65532 /out/data /data
ENV WAGATE_DATA_DIR=/data LISTEN_ADDR=:8080
VOLUME /data
WORKDIR /data
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/wagate"]
CMD ["serve"]
