/*
 * Writes the serialized ServerArgs that org.elasticsearch.bootstrap.Elasticsearch reads from stdin.
 *
 * Why this exists: the official launcher (distribution/tools/server-cli, not on Maven Central)
 * prepares the node settings from config/elasticsearch.yml, loads the keystore and streams a
 * ServerArgs object into the server's stdin. This does the same with the server's own classes,
 * so the settings the node sees are exactly what the official launcher would have produced.
 * daemonize=true makes the server stop reading stdin once started (no CLI parent to watch),
 * which lets es_local.py feed it from a file and detach.
 *
 * Usage (classpath = the node's lib/*): EsLocalServerArgs ES_HOME CONFIG_DIR OUTPUT_FILE
 */
package org.newsetl.eslocal;

import org.elasticsearch.bootstrap.ServerArgs;
import org.elasticsearch.common.io.stream.OutputStreamStreamOutput;
import org.elasticsearch.common.settings.KeyStoreWrapper;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

public final class EsLocalServerArgs {
    private EsLocalServerArgs() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: EsLocalServerArgs ES_HOME CONFIG_DIR OUTPUT_FILE");
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Path configDir = Path.of(args[1]).toAbsolutePath();
        Path output = Path.of(args[2]).toAbsolutePath();

        Settings base = Settings.builder().put("path.home", home.toString()).build();
        // node.name falls back to the host name, as the official launcher does.
        Environment env = InternalSettingsPreparer.prepareEnvironment(base, Map.of(), configDir, EsLocalServerArgs::hostName);

        // An in-memory keystore with only the bootstrap seed: the official CLI creates the same
        // seed on first start; nothing secret is configured for this local node.
        KeyStoreWrapper keystore = KeyStoreWrapper.create();
        KeyStoreWrapper.addBootstrapSeed(keystore);

        ServerArgs serverArgs = new ServerArgs(true, false, null, keystore, env.settings(), env.configDir(), env.logsDir());
        try (OutputStream out = Files.newOutputStream(output); var stream = new OutputStreamStreamOutput(out)) {
            serverArgs.writeTo(stream);
        }
    }

    private static String hostName() {
        String name = System.getenv("HOSTNAME");
        return name == null || name.isBlank() ? "es-local" : name;
    }
}
