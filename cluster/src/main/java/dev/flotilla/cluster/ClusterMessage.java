package dev.flotilla.cluster;

/**
 * Marks what the cluster's actors send between nodes and persist: bound to Jackson CBOR in this
 * module's {@code reference.conf}, never Java serialization.
 */
public interface ClusterMessage {}
