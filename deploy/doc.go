// Package deploy holds the deployment files' checks: the Kubernetes
// manifests under k8s/ decode strictly into the Kubernetes API types and
// agree with each other, and the Dockerfile builds what the README builds.
// It is a module of its own so that k8s.io/api stays out of synapse-js's
// dependencies.
package deploy
