/*
 * Entitlement agent trampoline for the local Elasticsearch node (scripts/es_local.py).
 *
 * Why this exists: Elasticsearch 9 enforces "entitlements" by self-attaching a tiny Java agent
 * (lib/entitlement-agent/*.jar in the official distribution) that only forwards the JVM's
 * Instrumentation to the real implementation in the official elasticsearch-entitlement jar.
 * That agent jar is not published on Maven Central, so es_local.py compiles this equivalent
 * forwarder. EntitlementBootstrap passes the initialization class name as the agent argument
 * and exports its package to this (unnamed) module before attaching.
 */
package org.newsetl.eslocal;

import java.lang.instrument.Instrumentation;

public final class EsLocalAgent {
    private EsLocalAgent() {}

    public static void agentmain(String initializationClassName, Instrumentation inst) throws Exception {
        Class<?> initialization = Class.forName(initializationClassName);
        initialization.getMethod("initialize", Instrumentation.class).invoke(null, inst);
    }
}
