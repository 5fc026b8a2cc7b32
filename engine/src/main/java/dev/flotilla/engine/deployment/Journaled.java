package dev.flotilla.engine.deployment;

/**
 * Marks what a journal stores: events and snapshots. A durable store binds it to Jackson CBOR; Java
 * serialization is never used.
 */
public interface Journaled {}
