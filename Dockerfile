# The synapse-js host as a container: a static binary on a distroless base,
# run as a non-root user. Build: docker build -t synapse-js .
# See docs/scaling.md for running several of them on one PostgreSQL store.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static: no C library in the image. The go build line is the README's
# (deploy/deploy_test.go checks that they agree).
ENV CGO_ENABLED=0
RUN go build -o /out/synapse-js ./cmd/synapse-js

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/synapse-js /usr/local/bin/synapse-js
# distroless's nonroot user
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/synapse-js", "serve", "--addr", "0.0.0.0:8080"]
