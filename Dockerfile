# Signpost's image: a static binary on distroless, running as a non-root user, with
# the SQLite database on the /data volume.
#
#   docker build --build-arg SIGNPOST_VERSION="$(git describe --always --dirty)" -t signpost .
#   docker run --rm -p 8080:8080 -v signpost-data:/data signpost

# Build: Debian bookworm with Go and gcc. The binary is built by .ci/build, the same
# script CI runs, so the image and CI cannot use different flags.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# Modules first, so that this layer is reused until go.mod or go.sum changes.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The build context has no .git, so the version comes in as a build argument
# (.ci/build falls back to "dev").
ARG SIGNPOST_VERSION=
RUN --mount=type=cache,target=/root/.cache/go-build \
    sh .ci/build /out/signpost \
    && mkdir -p /out/data

# Run: distroless static has no shell or package manager; it brings CA certificates,
# time zone data and the nonroot user (uid 65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/signpost /signpost
# /data belongs to the nonroot user, so that a new named volume mounted there is
# writable (SQLite also writes its -wal and -shm files next to the database).
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME /data
ENV SIGNPOST_DB=/data/signpost.db \
    SIGNPOST_ADDR=:8080
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s CMD ["/signpost", "healthcheck"]
ENTRYPOINT ["/signpost"]
CMD ["serve"]
