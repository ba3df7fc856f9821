package dev.atelier.eclipse;

import java.net.URI;
import java.util.List;

import org.eclipse.lsp4e.server.ProcessStreamConnectionProvider;

import com.google.gson.JsonParser;

/**
 * Starts {@code atelier serve} over stdio for LSP4E.
 *
 * <p>Configured without a preference page, so that it works the same in a locked-down install:
 * the executable comes from the system property {@code atelier.command} (in eclipse.ini:
 * {@code -Datelier.command=/path/to/atelier/.venv/bin/atelier}), else {@code $ATELIER_COMMAND},
 * else {@code atelier} on the PATH; Atelier's settings (the server's
 * {@code {"model": {...}, "completion": {...}}} object) from {@code atelier.settings} or
 * {@code $ATELIER_SETTINGS} as JSON, sent as initializationOptions.
 */
public class AtelierConnectionProvider extends ProcessStreamConnectionProvider {

    public AtelierConnectionProvider() {
        setCommands(List.of(setting("atelier.command", "ATELIER_COMMAND", "atelier"), "serve"));
        setWorkingDirectory(System.getProperty("user.dir"));
    }

    @Override
    public Object getInitializationOptions(URI rootUri) {
        String json = setting("atelier.settings", "ATELIER_SETTINGS", "");
        if (json.isBlank()) {
            return null; // the server's defaults
        }
        // A JsonElement goes to the server as-is; a bad value is reported by the server by name.
        return JsonParser.parseString(json);
    }

    @Override
    public String toString() {
        return "Atelier: " + String.join(" ", getCommands());
    }

    private static String setting(String property, String env, String fallback) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(env);
        }
        return value == null || value.isBlank() ? fallback : value;
    }
}
