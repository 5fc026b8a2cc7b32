/**
 * {@code flotilla node} as a node of a cluster: the {@link dev.flotilla.server.NodeMode} the CLI
 * finds on its class path, which starts a {@link dev.flotilla.cluster.FlotillaCluster} and the HTTP
 * service on its engine.
 */
package dev.flotilla.cluster.node;
