/*
 * The server looks up this class by name in lib/tools/ansi-console/ (ConsoleLoader) and fails to
 * start without it. The official one (distribution/tools/ansi-console, not on Maven Central)
 * returns a console only when stdout is an interactive terminal and null when it is redirected.
 * The local node always runs detached with stdout sent to a file, so "no console" is the
 * official answer for it: the server then logs to its log files only.
 */
package org.elasticsearch.io.ansi;

import org.elasticsearch.bootstrap.ConsoleLoader;

import java.util.function.Supplier;

public class AnsiConsoleLoader implements Supplier<ConsoleLoader.Console> {
    @Override
    public ConsoleLoader.Console get() {
        return null;
    }
}
